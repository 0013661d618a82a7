package torchrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/synth/shards"
	"github.com/occbench/occbench/synth/synthtest"
)

// demoShards synthesizes the demo's trn_c and tst sets and returns the folder.
func demoShards(t *testing.T) string {
	_, out := synthtest.Demo(t, "trn_c", "tst")
	return out
}

// tamper replaces the first occluder PNG of the set's pack with a transparent one ("png")
// or moves pattern 0 to x = 100000 ("x"), and returns the file it changed.
func tamper(t *testing.T, dir, how string) string {
	t.Helper()
	lock, err := shards.ReadLock(dir)
	if err != nil {
		t.Fatal(err)
	}
	p0 := lock.Patterns.Patterns[0]
	if how == "png" {
		var buf bytes.Buffer
		png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, p0.W, p0.H)))
		os.WriteFile(filepath.Join(dir, "patterns", filepath.FromSlash(p0.File)), buf.Bytes(), 0o644)
		return p0.File
	}
	p := filepath.Join(dir, "patterns", "patterns.json")
	data, _ := os.ReadFile(p)
	old := fmt.Sprintf(`"x": %d,`, p0.X)
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("patterns.json has no %s", old)
	}
	os.WriteFile(p, bytes.Replace(data, []byte(old), []byte(`"x": 100000,`), 1), 0o644)
	return "patterns.json"
}

func packSpec(dir string) *runners.RunSpec {
	return &runners.RunSpec{Version: 1, Shards: dir, PatternPack: filepath.Join(dir, "patterns"),
		Network: runners.Network{Arch: "resnet-mini", NumClasses: 10, InputSize: 32},
		Init:    runners.Init{Kind: "random"}, Method: "classical", TrainSet: "trn_c", TestSet: "tst", Epochs: 1, BatchSize: 4,
		Optimizer: runners.Optimizer{Name: "sgd", LR: 0.1}, Schedule: runners.Schedule{Name: "constant"}, Eval: runners.EvalConfig{BatchSize: 16}}
}

// Issue 11, hole 1: the PyTorch runner refuses a pattern pack that does not match the
// lock: the Go launcher before Python starts, and the Python runner on its own.
func TestTamperedPackRefused(t *testing.T) {
	for _, how := range []string{"png", "x"} {
		dir := demoShards(t)
		file := tamper(t, dir, how)
		spec := packSpec(dir)
		_, err := Run(context.Background(), spec, Options{Python: python, OutDir: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), file) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Go launcher, tampered %s: %v, want a one-line error naming %s", how, err, file)
		}
		if how == "x" && (err == nil || !strings.Contains(err.Error(), "pattern 0: x 100000")) {
			t.Errorf("Go launcher: %v does not say what moved", err)
		}
		// The Python runner started by hand (python3 -m occbench_torch SPEC).
		if _, _, err := Check(context.Background(), python); err != nil {
			continue
		}
		specData, _ := json.Marshal(spec)
		sp := filepath.Join(t.TempDir(), "spec.json")
		os.WriteFile(sp, specData, 0o644)
		cmd := exec.Command(python, "-m", "occbench_torch", sp, "--out", t.TempDir(), "--device", "cpu")
		cmd.Env = append(os.Environ(), "PYTHONPATH="+srcDir(t))
		out, err := cmd.Output()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("python, tampered %s: %v (want exit 2)\n%s", how, err, out)
			continue
		}
		var msg string
		for _, line := range strings.Split(string(out), "\n") {
			var ev event
			if json.Unmarshal([]byte(line), &ev) == nil && ev.Event == "error" {
				msg = ev.Message
			}
		}
		if !strings.Contains(msg, "patterns/"+file) || !strings.Contains(msg, "does not match manifest.lock.json") {
			t.Errorf("python, tampered %s: error %q does not name patterns/%s", how, msg, file)
		}
	}
}
