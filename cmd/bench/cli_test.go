package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occbench/occbench/internal/golden"
)

// run executes the CLI in-process and returns stdout, stderr and the error.
func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRoot()
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), errOut.String(), err
}

func TestPatternsJSONListsCaltech24(t *testing.T) {
	out, _, err := run(t, "patterns", "caltech101", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Patterns []struct {
			ID    int     `json:"id"`
			Ratio float64 `json:"ratio"`
		} `json:"patterns"`
	}
	if err := json.Unmarshal([]byte(out), &table); err != nil {
		t.Fatal(err)
	}
	if len(table.Patterns) != 24 {
		t.Fatalf("%d patterns, want 24", len(table.Patterns))
	}
}

func TestPreviewWritesPNG(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sheet.png")
	if _, _, err := run(t, "patterns", "preview", "demo", "--out", p); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() < 400 {
		t.Fatalf("sheet: %v, %v", img.Bounds(), err)
	}
	// The README shows this sheet: the committed picture is what the command draws today.
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	golden.CheckFile(t, "../../docs/img/patterns-demo.png", got)
}

func TestPackWritesTableAndImages(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := run(t, "patterns", "pack", "demo", "--out", dir); err != nil {
		t.Fatal(err)
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "occluders", "*.png"))
	if len(pngs) != 6 {
		t.Fatalf("%d occluder images, want 3 occluders x 2 ratios", len(pngs))
	}
	if _, err := os.Stat(filepath.Join(dir, "patterns.json")); err != nil {
		t.Fatal(err)
	}
}

func TestValidateReportsFileLineField(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	src, _, err := run(t, "manifests", "show", "demo")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(bad, []byte(strings.Replace(src, "ratios: [0.2, 0.1]", "ratios: [0.2, 1.1]", 1)), 0o644)
	_, errOut, err := run(t, "manifests", "validate", "demo", bad)
	if err == nil {
		t.Fatal("invalid manifest validated")
	}
	if !strings.Contains(errOut, bad+":") || !strings.Contains(errOut, "occlusion.ratios[1]: 1.1 is outside (0, 1)") {
		t.Fatalf("stderr %q", errOut)
	}
}

func TestOccludersOverrideAndMissingFolder(t *testing.T) {
	_, _, err := run(t, "patterns", "demo", "--occluders", filepath.Join(t.TempDir(), "none"))
	if err == nil || !strings.Contains(err.Error(), "none") {
		t.Fatalf("missing occluder folder: %v", err)
	}
}

func TestSplitsOnBuiltin(t *testing.T) {
	out, _, err := run(t, "splits", "demo", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Sets []struct {
			Name   string `json:"name"`
			Images int    `json:"images"`
		} `json:"sets"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, s := range res.Sets {
		got[s.Name] = s.Images
	}
	if got["trn_x"] != 8*30 || got["iop_x"] != 2*10 || got["tst_x"] != 8*24 {
		t.Fatalf("counts %v", got)
	}
}

func TestMissingRootIsClear(t *testing.T) {
	_, _, err := run(t, "splits", "caltech101", "--root", filepath.Join(t.TempDir(), "nowhere"))
	if err == nil || !strings.Contains(err.Error(), "OCCBENCH_ROOT_CALTECH101") {
		t.Fatalf("err = %v", err)
	}
}

// bench synth --format recipe, then bench render of every row, gives the shard bench synth
// --format parquet writes, byte for byte.
func TestRenderRecipeCLI(t *testing.T) {
	dir := t.TempDir()
	pq, rc, out := filepath.Join(dir, "pq"), filepath.Join(dir, "rc"), filepath.Join(dir, "out")
	for _, args := range [][]string{
		{"synth", "demo", "--sets", "iop", "--occluded", "--out", pq, "--quiet"},
		{"synth", "demo", "--sets", "iop", "--occluded", "--out", rc, "--format", "recipe", "--quiet"},
		{"render", filepath.Join(rc, "data", "iop-00000-of-00001.recipe.parquet"), "--out", out, "--quiet"},
	} {
		if _, stderr, err := run(t, args...); err != nil {
			t.Fatalf("bench %v: %v\n%s", args, err, stderr)
		}
	}
	want, err := os.ReadFile(filepath.Join(pq, "data", "iop-00000-of-00001.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(out, "iop-00000-of-00001.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("rendered shard (%d bytes) differs from the materialized one (%d bytes)", len(got), len(want))
	}
	_, _, err = run(t, "render", filepath.Join(rc, "data", "iop-00000-of-00001.recipe.parquet"), "--out", out, "--rows", "9999")
	if err == nil || !strings.Contains(err.Error(), "the shard has") {
		t.Errorf("--rows out of range: %v", err)
	}
}

// bench list states each profile's default number of seeds, in the order of its profiles.
func TestListShowsDefaultSeeds(t *testing.T) {
	out, _, err := run(t, "list", "--json", "--out", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		ID       string   `json:"id"`
		Profiles []string `json:"profiles"`
		Seeds    []int    `json:"default_seeds"`
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		if len(r.Seeds) != len(r.Profiles) {
			t.Fatalf("%s: %d seeds for %d profiles", r.ID, len(r.Seeds), len(r.Profiles))
		}
		got[r.ID] = fmt.Sprint(r.Profiles, r.Seeds)
	}
	for id, want := range map[string]string{"demo": "[demo] [3]", "table6": "[paper mini demo] [1 3 3]", "fig6": "[paper mini demo] [1 1 1]"} {
		if got[id] != want {
			t.Errorf("%s: %s, want %s", id, got[id], want)
		}
	}
	text, _, err := run(t, "list", "--out", t.TempDir())
	if err != nil || !strings.Contains(text, "SEEDS") || !strings.Contains(text, "1,3,3") {
		t.Errorf("the table lacks the seeds column (%v):\n%s", err, text)
	}
}
