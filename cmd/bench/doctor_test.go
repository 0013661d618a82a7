package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// bench doctor exits 0 when a run can start and names the failing check otherwise.
func TestDoctorCommand(t *testing.T) {
	out, _, err := run(t, "doctor", "table5", "--profile", "demo", "--out", t.TempDir())
	if err != nil || !strings.Contains(out, "ok    dataset   builtin-ar tree at (built in): 40 classes") || !strings.Contains(out, "ok    output") {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	missing := filepath.Join(t.TempDir(), "nope")
	out, _, err = run(t, "doctor", "table6", "--profile", "paper", "--root", missing, "--out", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "table6 cannot start") {
		t.Fatalf("want a failure, got %v\n%s", err, out)
	}
	for _, want := range []string{
		"FAIL  dataset   ilsvrc2012: root " + missing + " is not a folder",
		"FAIL  weights   the paper profile fine-tunes imagenet-pretrained resnet50 weights and none were given — fix: pass --weights FILE.safetensors with torchvision tensor names",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}

// bench run --smoke writes a marked report that bench compare refuses.
func TestRunSmokeIsNeverCompared(t *testing.T) {
	if testing.Short() {
		t.Skip("runs table2's demo profile on a subset")
	}
	dir := t.TempDir()
	_, errOut, err := run(t, "run", "table2", "--profile", "demo", "--smoke", "--out", dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "estimate for the full run on this hardware:") {
		t.Errorf("no estimate on stderr:\n%s", errOut)
	}
	rep := filepath.Join(dir, "table2", "demo-smoke", "report.json")
	_, _, err = run(t, "compare", rep, rep)
	if err == nil || !strings.Contains(err.Error(), "is a smoke run's report (profile demo-smoke): its numbers are never compared") {
		t.Fatalf("compare: %v", err)
	}
}
