package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/occbench/occbench/reports"
	"github.com/occbench/occbench/runners"
)

// writeReport writes a one-cell report of the given hits and returns its path.
func writeReport(t *testing.T, dir, name string, hits []bool) string {
	t.Helper()
	c := reports.Count{Total: int64(len(hits)), Hits: runners.EncodeHits(hits)}
	for _, h := range hits {
		if h {
			c.Correct++
		}
	}
	r := &reports.Report{Benchmark: "demo", Profile: "demo", Columns: []string{"clean"}, Seeds: []uint64{5},
		Rows: []reports.Row{{Model: "ResNet18", Role: "reproduce", Cells: []reports.Cell{{Seeds: []reports.SeedCell{{Seed: 5, Parts: []reports.Count{c}}}}}}}}
	if err := r.Fill(1, 300); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCompareExitCodes(t *testing.T) {
	dir := t.TempDir()
	hits := make([]bool, 2000)
	for i := range hits {
		hits[i] = i%10 < 7
	}
	base := writeReport(t, dir, "base.json", hits)
	same := writeReport(t, dir, "same.json", hits)
	drop := append([]bool(nil), hits...)
	for i, n := 0, 0; n < 60; i++ { // 60 of 2,000 images: a 3-point drop
		if drop[i] {
			drop[i], n = false, n+1
		}
	}
	worse := writeReport(t, dir, "worse.json", drop)
	write := func(name, doc string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(doc), 0o644)
		return p
	}
	head := `{"version":1,"benchmark":"demo","profile":"demo","columns":["clean"],"rows":[`
	row := func(model, correct string) string {
		return fmt.Sprintf(`{"model":%q,"role":"reproduce","cells":[{"measured":70,"parts":[{"correct":%s,"total":2000}]}]}`, model, correct)
	}
	for _, c := range []struct {
		name string
		args []string
		want int
	}{
		{"rerun with the same seed", []string{base, same, "--tolerance", "0"}, 0},
		{"3-point drop on 2,000 images", []string{base, worse, "--tolerance", "2"}, exitFailed},
		{"missing file", []string{base, filepath.Join(dir, "nope.json")}, exitUnusable},
		{"empty baseline", []string{write("empty.json", head+`]}`), same}, exitUnusable},
		{"no shared cell", []string{write("other.json", head+row("VGG16", "1400")+`]}`), same}, exitUnusable},
		{"duplicate rows", []string{write("dup.json", head+row("ResNet18", "1400")+","+row("ResNet18", "1400")+`]}`), same}, exitUnusable},
		{"negative counts", []string{write("neg.json", head+row("ResNet18", "-4")+`]}`), same}, exitUnusable},
		{"version mismatch", []string{base, write("v9.json", `{"version":9,"benchmark":"demo"}`)}, exitUnusable},
	} {
		_, _, err := run(t, append([]string{"compare"}, c.args...)...)
		got := 0
		if err != nil {
			got = exitCode(err)
		}
		if got != c.want {
			t.Errorf("%s: exit %d (%v), want %d", c.name, got, err, c.want)
		}
	}
}
