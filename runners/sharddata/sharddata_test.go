package sharddata

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/synth"
	"github.com/occbench/occbench/synth/shards"
	"github.com/occbench/occbench/synth/sources/sourcestest"
)

// The lock's real pairs become aligned clean/occluded images; a pair naming an image the
// split lacks is an error that names it.
func TestRealPairs(t *testing.T) {
	dir := t.TempDir()
	root := sourcestest.AR(t, filepath.Join(dir, "AR"), 6, 6)
	m, err := manifests.LoadFile(sourcestest.ARMiniManifest(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	in, err := synth.Load(m, root, "")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "shards")
	if _, err := synth.Run(context.Background(), in, synth.Options{Out: out, Sets: []string{"iop"}, Version: "test"}); err != nil {
		t.Fatal(err)
	}
	ds, err := shards.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	pairs := RealPairsOf(ds, "iop")
	if len(pairs) != 420 {
		t.Fatalf("lock lists %d real pairs, want 420", len(pairs))
	}
	rp, err := RealPairs(ds, "iop", pairs, 32)
	if err != nil {
		t.Fatal(err)
	}
	// Every pair joins a clean image and a really occluded one of the same subject.
	rows, err := ds.Split("iop")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	occluder := map[string]string{}
	rows.Each(func(_ int, r *shards.Row) error { occluder[r.SourceID] = r.Occluder; return nil })
	for i, p := range pairs {
		if occluder[p.Clean] != "" || occluder[p.Occluded] == "" || p.Clean[:5] != p.Occluded[:5] {
			t.Fatalf("pair %d: %s (%q) / %s (%q)", i, p.Clean, occluder[p.Clean], p.Occluded, occluder[p.Occluded])
		}
	}
	c, o, err := rp.Pair(419)
	if err != nil || c == nil || o == nil || c == o {
		t.Fatalf("pair 419: %v", err)
	}
	bad := append([]shards.RealPair{}, pairs[0], shards.RealPair{Clean: pairs[0].Clean, Occluded: "M-999-08.bmp"})
	if _, err := RealPairs(ds, "iop", bad, 32); err == nil || !strings.Contains(err.Error(), "M-999-08.bmp") {
		t.Errorf("missing image: %v", err)
	}
	spec := &runners.RunSpec{Shards: out, Network: runners.Network{InputSize: 32}, Method: runners.MethodDFV, IopSet: "iop",
		TrainSet: "iop", TestSet: "iop", IopPatterns: []int{0}}
	if _, err := Load(spec); err == nil || !strings.Contains(err.Error(), "real pairs") {
		t.Errorf("iop_patterns on a real-pairs split: %v", err)
	}
}
