package preprocess

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// The committed resample_kernels.go is what its generator writes (go generate reproduces
// it byte for byte), so nobody edits the generated file by hand.
func TestKernelsAreGenerated(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out := filepath.Join(t.TempDir(), "kernels.go")
	cmd := exec.Command(goBin, "run", "gen_kernels.go", "-o", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run gen_kernels.go: %v\n%s", err, msg)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("resample_kernels.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("resample_kernels.go differs from what gen_kernels.go writes: edit the generator and run go generate ./synth/preprocess")
	}
}
