package reports

import (
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/internal/keyed"
	"github.com/occbench/occbench/runners"
)

// hitsReport is a one-row, one-column report of the given per-image hits (one seed).
func hitsReport(t *testing.T, hits []bool) *Report {
	t.Helper()
	c := Count{Total: int64(len(hits)), Hits: runners.EncodeHits(hits)}
	for _, h := range hits {
		if h {
			c.Correct++
		}
	}
	r := &Report{Version: SchemaVersion, Benchmark: "demo", Profile: "demo", Columns: []string{"clean"}, Seeds: []uint64{11},
		Rows: []Row{{Model: "ResNet18", Role: "reproduce", Cells: []Cell{{Seeds: []SeedCell{{Seed: 11, Parts: []Count{c}}}}}}}}
	if err := r.Fill(1, 500); err != nil {
		t.Fatal(err)
	}
	return r
}

func randomHits(n int, p float64, key string) []bool {
	rng := keyed.Rand(3, key)
	h := make([]bool, n)
	for i := range h {
		h[i] = rng.Float64() < p
	}
	return h
}

// A known 3-point drop on 2,000 images (60 images that were right turn wrong) is worse
// beyond sampling: it fails with a tolerance below 3 points, and passes with a tolerance of
// 3 (not more than the tolerance). A rerun with the same seed (identical hits) passes.
func TestCompareThreePointDropOn2000Images(t *testing.T) {
	base := randomHits(2000, 0.7, "base")
	cur := append([]bool(nil), base...)
	flipped := 0
	for i := range cur {
		if cur[i] && flipped < 60 {
			cur[i] = false
			flipped++
		}
	}
	b, c := hitsReport(t, base), hitsReport(t, cur)
	cmp, err := Compare(b, c, 2)
	if err != nil {
		t.Fatal(err)
	}
	d := cmp.Cells[0]
	if d.Rule != RulePaired || !d.Regressed || cmp.Failed() != 1 || *d.Diff > -2.99 || *d.Diff < -3.01 || *d.Hi >= 0 {
		t.Fatalf("3-point drop, tolerance 2: %+v (diff %v, CI [%v, %v])", d, *d.Diff, *d.Lo, *d.Hi)
	}
	if cmp, _ := Compare(b, c, 3); cmp.Failed() != 0 {
		t.Fatal("a 3.00-point drop failed a 3-point tolerance")
	}
	rerun := hitsReport(t, base)
	if cmp, _ := Compare(b, rerun, 0); cmp.Failed() != 0 || *cmp.Cells[0].Diff != 0 {
		t.Fatal("a rerun with the same seed (identical hits) failed with tolerance 0")
	}
}

// A 3-point drop on 100 images (3 images) is within sampling: the paired interval includes 0,
// so the cell passes even with a 1-point tolerance, where the tolerance-only rule fails it.
func TestCompareDropWithinSamplingPasses(t *testing.T) {
	base := randomHits(100, 0.7, "small")
	cur := append([]bool(nil), base...)
	flipped := 0
	for i := range cur {
		if cur[i] && flipped < 3 {
			cur[i] = false
			flipped++
		}
	}
	b, c := hitsReport(t, base), hitsReport(t, cur)
	cmp, _ := Compare(b, c, 1)
	if d := cmp.Cells[0]; d.Regressed || d.Rule != RulePaired || *d.Hi < 0 {
		t.Fatalf("3 of 100 images: %+v, CI [%v, %v]", d, *d.Lo, *d.Hi)
	}
	// without hits on one side: the tolerance rule
	old := hitsReport(t, base)
	old.Rows[0].Cells[0].Seeds[0].Parts[0].Hits = ""
	cmp, _ = Compare(old, c, 1)
	if d := cmp.Cells[0]; !d.Regressed || d.Rule != RuleTolerance {
		t.Fatalf("tolerance rule: %+v", d)
	}
}

func TestCompareRefusesUnusableInput(t *testing.T) {
	b := hitsReport(t, randomHits(50, 0.5, "x"))
	empty := &Report{Version: SchemaVersion, Benchmark: "demo", Profile: "demo", Columns: []string{"clean"}}
	if _, err := Compare(empty, b, 3); err == nil || !strings.Contains(err.Error(), "no measured cell") {
		t.Errorf("empty baseline: %v", err)
	}
	other := hitsReport(t, randomHits(50, 0.5, "x"))
	other.Rows[0].Model = "VGG16"
	if _, err := Compare(b, other, 3); err == nil || !strings.Contains(err.Error(), "share no measured cell") {
		t.Errorf("no shared cell: %v", err)
	}
	other = hitsReport(t, randomHits(50, 0.5, "x"))
	other.Benchmark = "table2"
	if _, err := Compare(b, other, 3); err == nil {
		t.Error("different benchmarks compared")
	}
	other.Benchmark, other.Profile = "demo", "mini"
	if _, err := Compare(b, other, 3); err == nil {
		t.Error("different profiles compared")
	}
	for name, doc := range map[string]string{
		"duplicate rows": `{"version":1,"benchmark":"demo","profile":"demo","columns":["clean"],"rows":[` +
			`{"model":"A","role":"reproduce","cells":[{"measured":50,"parts":[{"correct":1,"total":2}]}]},` +
			`{"model":"A","role":"reproduce","cells":[{"measured":50,"parts":[{"correct":1,"total":2}]}]}]}`,
		"negative count": `{"version":1,"benchmark":"demo","profile":"demo","columns":["clean"],"rows":[` +
			`{"model":"A","role":"reproduce","cells":[{"measured":50,"parts":[{"correct":-1,"total":2}]}]}]}`,
		"correct over total": `{"version":2,"benchmark":"demo","profile":"demo","columns":["clean"],"seeds":[1],"rows":[` +
			`{"model":"A","role":"reproduce","cells":[{"measured":50,"seeds":[{"seed":1,"parts":[{"correct":3,"total":2}]}]}]}]}`,
		"version": `{"version":3,"benchmark":"demo"}`,
	} {
		if _, err := DecodeJSON(strings.NewReader(doc)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

// The JUnit XML must be valid against the Jenkins xunit plugin's junit-10.xsd
// (jenkinsci/xunit-plugin, src/main/resources/org/jenkinsci/plugins/xunit/types/model/xsd/
// junit-10.xsd). The schema's rules, checked structurally: a testsuite root with the
// required name, tests, failures and errors attributes and only the attributes the schema
// declares; time matching SUREFIRE_TIME; testsuite children testcase, properties,
// system-out, system-err or testsuite; testcase with a required name and only name, time,
// classname, group; its children skipped, error, failure, system-out, system-err (and the
// rerun/flaky elements); failure with only type and message.
func TestJUnitValidAgainstJenkinsSchema(t *testing.T) {
	base := randomHits(2000, 0.7, "junit")
	cur := append([]bool(nil), base...)
	for i, n := 0, 0; i < len(cur) && n < 100; i++ {
		if cur[i] {
			cur[i], n = false, n+1
		}
	}
	b, c := hitsReport(t, base), hitsReport(t, cur)
	b.Columns = append(b.Columns, "avg_occ")
	b.Rows[0].Cells = append(b.Rows[0].Cells, b.Rows[0].Cells[0]) // a cell the current lacks
	cmp, err := Compare(b, c, 1)
	if err != nil {
		t.Fatal(err)
	}
	cmp.Timestamp = time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	if err := cmp.WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	validateJUnit10(t, buf.Bytes())
	s := buf.String()
	for _, want := range []string{`errors="0"`, `failures="2"`, `timestamp="2026-12-02T11:00:00"`, `type="regression"`, `type="missing"`, ` time="`} {
		if !strings.Contains(s, want) {
			t.Errorf("junit lacks %s:\n%s", want, s)
		}
	}
}

var surefireTime = regexp.MustCompile(`^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$`)

func validateJUnit10(t *testing.T, doc []byte) {
	t.Helper()
	allowed := map[string]map[string]bool{
		"testsuite": set("name", "tests", "failures", "errors", "group", "time", "skipped", "timestamp", "hostname", "id", "package", "file", "log", "url"),
		"testcase":  set("name", "time", "classname", "group"),
		"failure":   set("type", "message"),
		"error":     set("type", "message"),
		"skipped":   set("type", "message"),
		"property":  set("name", "value"),
	}
	required := map[string][]string{"testsuite": {"name", "tests", "failures", "errors"}, "testcase": {"name"}, "property": {"name", "value"}}
	children := map[string]map[string]bool{
		"testsuite":  set("testsuite", "properties", "testcase", "system-out", "system-err"),
		"testcase":   set("skipped", "error", "failure", "rerunFailure", "rerunError", "flakyFailure", "flakyError", "system-out", "system-err"),
		"properties": set("property"),
		"failure":    set(), "error": set(), "skipped": set(), "property": set(), "system-out": set(), "system-err": set(),
	}
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var stack []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("junit is not well-formed XML: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			name := el.Name.Local
			if len(stack) == 0 && name != "testsuite" && name != "testsuites" {
				t.Fatalf("root element %s", name)
			}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				if !children[parent][name] {
					t.Errorf("<%s> inside <%s>: the schema does not allow it", name, parent)
				}
			}
			got := map[string]string{}
			for _, a := range el.Attr {
				got[a.Name.Local] = a.Value
				if allowed[name] != nil && !allowed[name][a.Name.Local] {
					t.Errorf("<%s %s=...>: attribute not in the schema", name, a.Name.Local)
				}
			}
			for _, r := range required[name] {
				if _, ok := got[r]; !ok {
					t.Errorf("<%s> lacks required attribute %s", name, r)
				}
			}
			if v, ok := got["time"]; ok && name == "testsuite" && !surefireTime.MatchString(v) {
				t.Errorf("testsuite time %q does not match SUREFIRE_TIME", v)
			}
			stack = append(stack, name)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
}

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

// A version-1 baseline is one run of the base seed: a current report of three seeds is
// compared through its first seed, not its mean over seeds.
func TestCompareVersion1BaselineUsesFirstSeed(t *testing.T) {
	base := hitsReport(t, randomHits(200, 0.7, "v1"))
	base.Seeds = nil
	base.Rows[0].Cells[0].Seeds[0].Parts[0].Hits = ""
	cur := hitsReport(t, randomHits(200, 0.7, "v1"))
	// seeds 2 and 3 are far worse: the mean over seeds falls 20 points, the first seed not at all
	c := &cur.Rows[0].Cells[0]
	worse := Count{Correct: c.Seeds[0].Parts[0].Correct - 60, Total: 200}
	cur.Seeds = []uint64{11, 12, 13}
	c.Seeds = append(c.Seeds, SeedCell{Seed: 12, Parts: []Count{worse}}, SeedCell{Seed: 13, Parts: []Count{worse}})
	if err := cur.Fill(1, 200); err != nil {
		t.Fatal(err)
	}
	cmp, err := Compare(base, cur, 3)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Cells[0]; d.Rule != RuleFirstSeed || d.Regressed || *d.Diff != 0 {
		t.Fatalf("version-1 baseline: %+v (diff %v)", d, *d.Diff)
	}
}
