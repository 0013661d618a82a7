package torchrun

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/occbench/occbench/runners"
)

// TestMiniTable2 is Table 2's shape at mini scale on the PyTorch runner (gpucheck.sh runs it
// with OCCBENCH_MINI_DEVICE=cuda): pretrain resnet-mini classically on all 10 demo classes,
// then fine-tune it on 8 classes twice from that checkpoint (new classifier), classically
// and with DFV augmentation (Iop from the 2 other classes x 24 patterns), and print clean and
// mean occluded accuracy.
func TestMiniTable2(t *testing.T) {
	dev := os.Getenv("OCCBENCH_MINI_DEVICE")
	if dev == "" {
		t.Skip("set OCCBENCH_MINI_DEVICE=cpu|cuda to run the mini Table 2 on the PyTorch runner")
	}
	needTorch(t)
	pack := demoPack(t)
	dir := t.TempDir()
	if os.Getenv("OCCBENCH_MINI_OUT") != "" {
		dir = os.Getenv("OCCBENCH_MINI_OUT")
	}
	if err := pack.Write(filepath.Join(dir, "patterns")); err != nil {
		t.Fatal(err)
	}
	by := builtinByClass(t, pack.ImageSize)
	pool := &runners.MemSplit{}
	for c := range 10 {
		for _, img := range by[c][20:48] {
			pool.Images = append(pool.Images, img)
			pool.Labels = append(pool.Labels, c)
		}
	}
	train, test, iop := parityData(t, pack)
	ctx := context.Background()
	base := runners.RunSpec{Version: 1, Shards: "(in memory)", PatternPack: filepath.Join(dir, "patterns"),
		Network: runners.Network{Arch: "resnet-mini", NumClasses: 10, InputSize: pack.ImageSize},
		Init:    runners.Init{Kind: "random"}, Method: "classical", TrainSet: "trn", TestSet: "tst", Epochs: 15, BatchSize: 32,
		Optimizer: runners.Optimizer{Name: "sgd", LR: 0.05, Momentum: 0.9, WeightDecay: 5e-4},
		Schedule:  runners.Schedule{Name: "cosine"}, Augment: runners.Augment{HFlip: true}, Seed: 1,
		Eval: runners.EvalConfig{BatchSize: 256}}
	opts := Options{Python: python, Device: dev, Offline: true, CacheDir: filepath.Join(dir, "cache")}
	pre := base
	pre.Name = "mini-pretrain"
	opts.OutDir = filepath.Join(dir, "pretrain")
	opts.Data = &runners.Data{Train: pool, Test: test}
	pr, err := Run(ctx, &pre, opts)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("mini table 2 (%s): pretrained on %d images, clean acc on the 8-class test set (10-way) %.4f, %.0f train img/s\n",
		dev, pool.Len(), pr.Clean.Accuracy(), pr.ImagesPerSec)
	fmt.Printf("%-10s %8s %10s %8s\n", "model", "clean", "occluded", "img/s")
	alpha, beta := 0.9, 1.0
	for _, method := range []string{"classical", "dfv"} {
		s := base
		s.Name = "mini-" + method
		s.Network.NumClasses = 8
		s.Init = runners.Init{Kind: "checkpoint", Path: pr.Checkpoint, Skip: []string{"fc."}}
		s.Method, s.TrainSet, s.Epochs, s.Optimizer.LR = method, "trn_c", 10, 0.01
		if method == "dfv" {
			s.IopSet, s.Alpha, s.Beta = "iop", &alpha, &beta
		}
		opts.OutDir = filepath.Join(dir, method)
		opts.Data = &runners.Data{Train: train, Iop: iop, Test: test}
		r, err := Run(ctx, &s, opts)
		if err != nil {
			t.Fatal(err)
		}
		name := map[string]string{"classical": "C", "dfv": "C-Full"}[method]
		fmt.Printf("%-10s %8.4f %10.4f %8.0f\n", name, r.Clean.Accuracy(), r.MeanOccludedAccuracy(), r.ImagesPerSec)
	}
}
