package sharddata

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/synth/shards"
	"github.com/occbench/occbench/synth/synthtest"
)

// Issue 11, hole 1: the Go runner's loader refuses a pattern pack that does not match the
// lock (a replaced occluder PNG, a moved position), whether it is the set's own pack or
// one the spec names, with a one-line error naming the file.
func TestTamperedPackRefused(t *testing.T) {
	in, out := synthtest.Demo(t, "trn_c", "tst")
	spec := &runners.RunSpec{Shards: out, TrainSet: "trn_c", TestSet: "tst", Network: runners.Network{InputSize: 32}}
	if _, err := Load(spec); err != nil {
		t.Fatalf("untouched set: %v", err)
	}
	p0 := in.Pack.Patterns[0]
	// A copy of the pack elsewhere, named by the spec, is checked the same way.
	other := filepath.Join(t.TempDir(), "pack")
	if err := in.Pack.Write(other); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		pack, file, want string
		damage           func(pack string)
	}{
		{"", p0.File, "the file was replaced", func(pack string) {
			var buf bytes.Buffer
			png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, p0.W, p0.H)))
			os.WriteFile(filepath.Join(pack, filepath.FromSlash(p0.File)), buf.Bytes(), 0o644)
		}},
		{other, "patterns.json", "pattern 0: x 100000", func(pack string) {
			p := filepath.Join(pack, "patterns.json")
			data, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(data, []byte(fmt.Sprintf(`"x": %d,`, p0.X)), []byte(`"x": 100000,`), 1), 0o644)
		}},
	} {
		dir := c.pack
		if dir == "" {
			dir = filepath.Join(out, shards.PackDir)
		}
		c.damage(dir)
		spec.PatternPack = c.pack
		_, err := Load(spec)
		if err == nil || !strings.Contains(err.Error(), c.file) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("pack %s with %s damaged: %v", dir, c.file, err)
		}
	}
}
