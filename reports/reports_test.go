package reports

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occbench/occbench/internal/golden"
)

func fixture(t *testing.T) *Report {
	t.Helper()
	r, err := ReadJSON(filepath.Join("testdata", "table2.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Fill(1, 1000); err != nil {
		t.Fatal(err)
	}
	r.Judge(1.13)
	return r
}

func TestGoldenMarkdownAndCSV(t *testing.T) {
	r := fixture(t)
	var md, csv bytes.Buffer
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "table2.md.golden", md.Bytes())
	golden.Check(t, "table2.csv.golden", csv.Bytes())
	if !strings.Contains(md.String(), "✓ reproduced") || !strings.Contains(md.String(), "binomial") {
		t.Error("the markdown of a version-1 report shows no verdicts or does not say its intervals are binomial")
	}
}

// A ✓ means reproduced and nothing else: the old report marked a sign agreement ✓ even for a
// 38-point clean loss. Every ✓ of the rendered report must sit on a reproduced verdict.
func TestCheckMarkMeansReproduced(t *testing.T) {
	r := fixture(t)
	r.Profile, r.Comparable = "mini", false
	var md bytes.Buffer
	r.WriteMarkdown(&md)
	s := md.String()
	if !strings.Contains(s, "not comparable to the paper's in absolute terms") || strings.Contains(s, "Difference (measured") {
		t.Fatal("a mini report must say it is not comparable and must not print absolute differences")
	}
	marks := 0
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, "✓") && strings.HasPrefix(line, "| ResNet18-") {
			marks++
			if !strings.Contains(line, "✓ reproduced") {
				t.Errorf("a ✓ without a reproduced verdict: %s", line)
			}
		}
	}
	ok, _, _ := r.Tally()
	if marks != ok {
		t.Fatalf("%d ✓ in the effects table, %d reproduced claims", marks, ok)
	}
}

func TestMeasuredIsMeanOfParts(t *testing.T) {
	r := fixture(t)
	c := r.Rows[0].Cells[5]
	parts := c.Seeds[0].Parts
	var want float64
	for _, p := range parts {
		want += float64(p.Correct) / float64(p.Total)
	}
	want = 100 * want / float64(len(parts))
	if math.Abs(*c.Measured-want) > 1e-9 || !(*c.Lo < *c.Measured && *c.Measured < *c.Hi) {
		t.Fatalf("measured %v [%v, %v], want %v inside its interval", *c.Measured, *c.Lo, *c.Hi, want)
	}
}

func TestCompareVerdicts(t *testing.T) {
	base := fixture(t)
	same := fixture(t)
	c, err := Compare(base, same, 0.5)
	if err != nil || c.Failed() != 0 || len(c.Cells) != 12 {
		t.Fatalf("equal reports: %d failed of %d, %v", c.Failed(), len(c.Cells), err)
	}
	better := fixture(t)
	*better.Rows[1].Cells[5].Measured += 3
	if c, _ := Compare(base, better, 0.5); c.Failed() != 0 {
		t.Fatal("an improvement counted as a failure")
	}
	worse := fixture(t)
	*worse.Rows[1].Cells[5].Measured -= 0.6
	c, _ = Compare(base, worse, 0.5)
	if c.Failed() != 1 {
		t.Fatalf("a 0.6 point drop with tolerance 0.5: %d failures, want 1", c.Failed())
	}
	var junit bytes.Buffer
	c.WriteJUnit(&junit)
	if !strings.Contains(junit.String(), `failures="1"`) || !strings.Contains(junit.String(), "fell 0.60 points") {
		t.Fatalf("junit:\n%s", junit.String())
	}
	if c, _ := Compare(base, worse, 0.7); c.Failed() != 0 {
		t.Fatal("a 0.6 point drop within tolerance 0.7 failed")
	}
	missing := fixture(t)
	missing.Rows = missing.Rows[:1]
	if c, _ := Compare(base, missing, 0.5); c.Failed() != 6 {
		t.Fatalf("a missing row: %d failures, want 6", c.Failed())
	}
}

func TestHTMLIsSelfContained(t *testing.T) {
	var buf bytes.Buffer
	if err := fixture(t).WriteHTML(&buf, []Figure{{Title: "x", PNG: []byte{0x89, 'P', 'N', 'G'}}}); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	if strings.Contains(s, "http://") || strings.Contains(s, "https://") || !strings.Contains(s, "data:image/png;base64,") {
		t.Fatal("the HTML report must not load external resources and must inline figures")
	}
}

func TestReadJSONRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r.json")
	os.WriteFile(p, []byte(`{"version": 1, "benchmark": "x", "colums": []}`), 0o644)
	if _, err := ReadJSON(p); err == nil || !strings.Contains(err.Error(), "colums") {
		t.Fatalf("unknown field: %v", err)
	}
	os.WriteFile(p, []byte(`{"version": 9}`), 0o644)
	if _, err := ReadJSON(p); err == nil || !strings.Contains(err.Error(), "version 9") {
		t.Fatalf("version: %v", err)
	}
}
