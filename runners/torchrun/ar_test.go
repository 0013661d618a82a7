package torchrun

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/runners/gonn"
	"github.com/occbench/occbench/runners/sharddata"
	"github.com/occbench/occbench/synth"
	"github.com/occbench/occbench/synth/sources/sourcestest"
)

// AR's real pairs and scenario splits reach the PyTorch runner through the tensor cache
// written from shards, and both runners count the same on them from the same weights.
func TestRealPairsAndEvalSetsParity(t *testing.T) {
	needTorch(t)
	if testing.Short() {
		t.Skip("-short")
	}
	dir := t.TempDir()
	root := sourcestest.AR(t, filepath.Join(dir, "AR"), 50, 50)
	m, err := manifests.LoadFile(sourcestest.ARMiniManifest(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	in, err := synth.Load(m, root, "")
	if err != nil {
		t.Fatal(err)
	}
	shardDir := filepath.Join(dir, "shards")
	sets := []string{"trn_c", "iop", "tst", "sunglasses_all", "scarf_neutral_90"}
	if _, err := synth.Run(context.Background(), in, synth.Options{Out: shardDir, Sets: sets, Version: "test"}); err != nil {
		t.Fatal(err)
	}
	net := runners.Network{Arch: "resnet-mini", NumClasses: 100, InputSize: 32, Width: 8}
	m0, err := gonn.NewModel(gonn.ArchOf(net), 3)
	if err != nil {
		t.Fatal(err)
	}
	init := filepath.Join(dir, "init.safetensors")
	if err := m0.SaveSafetensors(init); err != nil {
		t.Fatal(err)
	}
	alpha, beta := 0.9, 0.1
	spec := &runners.RunSpec{Version: 1, Name: "ar-parity", Shards: shardDir, PatternPack: filepath.Join(shardDir, "patterns"),
		Network: net, Init: runners.Init{Kind: "checkpoint", Path: init}, Method: "dfv", Alpha: &alpha, Beta: &beta,
		TrainSet: "trn_c", IopSet: "iop", TestSet: "tst", Epochs: 1, BatchSize: 50,
		Optimizer: runners.Optimizer{Name: "sgd", LR: 0.01, Momentum: 0.9}, Schedule: runners.Schedule{Name: "constant"}, Seed: 2,
		Eval: runners.EvalConfig{BatchSize: 100, CleanOnly: true, Sets: []string{"sunglasses_all", "scarf_neutral_90"}}}
	d, err := sharddata.Load(spec)
	if err != nil {
		t.Fatal(err)
	}
	if d.Iop.Len() != 420 {
		t.Fatalf("Go side: %d Iop pairs, want 420 real pairs", d.Iop.Len())
	}
	goRes, err := gonn.Run(spec, *d, filepath.Join(dir, "go"))
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	pyRes, err := Run(context.Background(), spec, Options{Python: python, Device: "cpu", Offline: true, Progress: &log,
		OutDir: filepath.Join(dir, "py"), CacheDir: filepath.Join(dir, "cache"), Threads: 2})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "420 Iop pairs") || !strings.Contains(log.String(), "2 more test sets") {
		t.Errorf("PyTorch runner's data line lacks the real pairs or the eval sets:\n%s", log.String())
	}
	want := map[string]int{"sunglasses_all": 570, "scarf_neutral_90": 180}
	for _, res := range []*runners.Result{goRes, pyRes} {
		if len(res.Sets) != 2 || len(res.Patterns) != 0 {
			t.Fatalf("%s: sets %+v, %d patterns", res.Provenance.Runner, res.Sets, len(res.Patterns))
		}
		for _, s := range res.Sets {
			if s.Total != want[s.Name] {
				t.Errorf("%s: set %s has %d images, want %d", res.Provenance.Runner, s.Name, s.Total, want[s.Name])
			}
		}
	}
	if g, p := goRes.Curve[0], pyRes.Curve[0]; g.BankSize != 420 || p.BankSize != 420 || math.Abs(g.Loss-p.Loss) > 0.005*math.Max(1, g.Loss) {
		t.Errorf("epoch 1: loss go %.5f torch %.5f, bank %d / %d (want 420)", g.Loss, p.Loss, g.BankSize, p.BankSize)
	}
	for i := range goRes.Sets {
		t.Logf("%s: go %d/%d, torch %d/%d", goRes.Sets[i].Name, goRes.Sets[i].Correct, goRes.Sets[i].Total, pyRes.Sets[i].Correct, pyRes.Sets[i].Total)
		if math.Abs(goRes.Sets[i].Accuracy()-pyRes.Sets[i].Accuracy()) > 0.02 {
			t.Errorf("%s: accuracy go %.4f, torch %.4f", goRes.Sets[i].Name, goRes.Sets[i].Accuracy(), pyRes.Sets[i].Accuracy())
		}
		checkHitsParity(t, goRes.Sets[i].Name, goRes.Sets[i].Count, pyRes.Sets[i].Count, 0.02)
	}
}
