package torchrun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occbench/occbench/internal/keyed"
	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/runners/gonn"
	"github.com/occbench/occbench/synth/sources"
)

const python = "/usr/bin/python3"

// needTorch skips when the interpreter has no torch (CI installs python3-torch).
func needTorch(t *testing.T) {
	t.Helper()
	if _, _, err := Check(context.Background(), python); err != nil {
		t.Skipf("PyTorch runner parity tests skipped: %v", err)
	}
}

func srcDir(t *testing.T) string {
	d, err := filepath.Abs("../torch")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// py runs a Python snippet with the package on the path, stdin in, stdout out.
func py(t *testing.T, code string, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(python, append([]string{"-c", code}, args...)...)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+srcDir(t))
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	return out
}

func demoPack(t *testing.T) *patterns.Pack {
	m, err := manifests.Resolve("demo")
	if err != nil {
		t.Fatal(err)
	}
	p, err := patterns.FromManifest(m, "")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// builtinByClass renders the builtin source (demo's: 10 classes x 60, 64 px) by class.
func builtinByClass(t *testing.T, size int) [][]*image.NRGBA {
	src, err := sources.Open(sources.LayoutBuiltin, "", sources.Options{Builtin: sources.BuiltinOptions{Classes: 10, PerClass: 60, Size: size, Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	by := make([][]*image.NRGBA, len(src.Classes()))
	idx := map[string]int{}
	for i, c := range src.Classes() {
		idx[c] = i
	}
	for _, it := range src.Items() {
		im, err := src.Decode(it)
		if err != nil {
			t.Fatal(err)
		}
		n, ok := im.(*image.NRGBA)
		if !ok {
			t.Fatalf("builtin image is %T", im)
		}
		by[idx[it.Class]] = append(by[idx[it.Class]], n)
	}
	return by
}

func TestKeyedRandMatchesGo(t *testing.T) {
	needTorch(t)
	type draw struct {
		Seed  uint64   `json:"seed"`
		Parts []string `json:"parts"`
		U     []uint64 `json:"u"`
		F     []float64
		N     []int `json:"n"`
		Perm  []int `json:"perm"`
	}
	var want []draw
	for _, k := range []struct {
		seed  uint64
		parts []string
	}{{1, []string{"shuffle", "0"}}, {7, []string{"dv", "3", "12"}}, {1 << 63, []string{"augment", "é", ""}}} {
		r := keyed.Rand(k.seed, k.parts...)
		d := draw{Seed: k.seed, Parts: k.parts}
		for range 5 {
			d.U = append(d.U, r.Uint64())
			d.F = append(d.F, r.Float64())
			d.N = append(d.N, r.IntN(2), r.IntN(240), r.IntN(1000003), r.IntN(1<<40+7))
		}
		d.Perm = r.Perm(37)
		want = append(want, d)
	}
	in, _ := json.Marshal(want)
	out := py(t, `
import json, sys
from occbench_torch import keyed
res = []
for d in json.load(sys.stdin):
    r = keyed.rand(d["seed"], *d["parts"])
    u, f, n = [], [], []
    for _ in range(5):
        u.append(r.uint64()); f.append(r.float64())
        n += [r.intn(2), r.intn(240), r.intn(1000003), r.intn((1 << 40) + 7)]
    res.append({"seed": d["seed"], "parts": d["parts"], "u": u, "F": f, "n": n, "perm": r.perm(37)})
print(json.dumps(res))`, in)
	var got []draw
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(want)
	b, _ := json.Marshal(got)
	if !bytes.Equal(a, b) {
		t.Fatalf("Python keyed.Rand differs from Go:\n go %s\n py %s", a, b)
	}
}

// TestCompositeBitIdentical: Go composites clean images with every pattern of the demo pack
// (occluders.Composite); the Python runner reads the pack as written to disk and composites
// the same clean pixels on a torch tensor; the bytes must be identical.
func TestCompositeBitIdentical(t *testing.T) {
	needTorch(t)
	pack := demoPack(t)
	dir := t.TempDir()
	if err := pack.Write(filepath.Join(dir, "patterns")); err != nil {
		t.Fatal(err)
	}
	by := builtinByClass(t, pack.ImageSize)
	var clean []*image.NRGBA
	for c := range by {
		clean = append(clean, by[c][0], by[c][len(by[c])-1])
	}
	// plus a synthetic image with extreme values, so rounding at 0 and 255 is covered
	ext := image.NewNRGBA(clean[0].Rect)
	for i := range ext.Pix {
		ext.Pix[i] = []uint8{0, 255, 1, 255, 254, 128, 127, 255}[i%8]
		if i%4 == 3 {
			ext.Pix[i] = 255
		}
	}
	clean = append(clean, ext)
	s := pack.ImageSize
	if err := writeImages(filepath.Join(dir, "clean.npy"), len(clean), s, func(i int) (*image.NRGBA, error) { return clean[i], nil }); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	for _, p := range pack.Patterns {
		for _, img := range clean {
			o, err := runners.Occlude(img, pack, p)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < len(o.Pix); i += 4 {
				want.Write(o.Pix[i : i+3])
			}
		}
	}
	out := py(t, `
import sys, numpy as np, torch
from occbench_torch import data
pack = data.read_pack(sys.argv[1] + "/patterns")
clean = torch.from_numpy(np.load(sys.argv[1] + "/clean.npy").copy())
with open(sys.argv[1] + "/py.bin", "wb") as f:
    for p in pack.patterns:
        f.write(data.occlude(clean, pack, p).numpy().tobytes())
print(len(pack.patterns))`, nil, dir)
	if strings.TrimSpace(string(out)) != fmt.Sprint(len(pack.Patterns)) {
		t.Fatalf("python saw %s patterns, want %d", out, len(pack.Patterns))
	}
	got, err := os.ReadFile(filepath.Join(dir, "py.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		n := 0
		for i := range got {
			if i < want.Len() && got[i] != want.Bytes()[i] {
				n++
			}
		}
		t.Fatalf("compositing differs: %d of %d bytes (len %d vs %d)", n, want.Len(), len(got), want.Len())
	}
	t.Logf("%d clean images x %d patterns: %d bytes bit-identical", len(clean), len(pack.Patterns), want.Len())
}

func TestPythonUnitTests(t *testing.T) {
	needTorch(t)
	cmd := exec.Command(python, "-m", "unittest", "discover", "-s", "tests", "-t", ".")
	cmd.Dir = srcDir(t)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+srcDir(t))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python unit tests: %v\n%s", err, out)
	}
	t.Logf("%s", bytes.TrimSpace(out))
}

func TestBadInputFromGo(t *testing.T) {
	base := runners.RunSpec{Version: 1, Network: runners.Network{Arch: "resnet-mini", NumClasses: 2, InputSize: 32},
		Init: runners.Init{Kind: "random"}, Method: "classical", TrainSet: "trn_c", Epochs: 1, BatchSize: 4,
		Optimizer: runners.Optimizer{Name: "sgd", LR: 0.1}, Schedule: runners.Schedule{Name: "constant"}}
	ctx := context.Background()
	s := base
	s.Version = 2
	if _, err := Run(ctx, &s, Options{Python: python}); err == nil || !strings.Contains(err.Error(), "version") {
		t.Errorf("spec version 2: %v", err)
	}
	s = base
	s.Init = runners.Init{Kind: "safetensors", Path: "/nonexistent/w.safetensors"}
	if _, err := Run(ctx, &s, Options{Python: python}); err == nil || !strings.Contains(err.Error(), "init.path") {
		t.Errorf("missing weights: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	os.WriteFile(bad, []byte("not a safetensors file at all"), 0o644)
	s.Init.Path = bad
	if _, err := Run(ctx, &s, Options{Python: python}); err == nil || !strings.Contains(err.Error(), "not a safetensors file") {
		t.Errorf("garbage weights: %v", err)
	}
	s = base
	if _, err := Run(ctx, &s, Options{Python: "/nonexistent/python3"}); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("missing interpreter: %v", err)
	}
	// an interpreter without torch: a shell script that fails the import like python would
	fake := filepath.Join(t.TempDir(), "python3")
	os.WriteFile(fake, []byte("#!/bin/sh\necho '{\"error\": \"torch\", \"detail\": \"ModuleNotFoundError\"}'\n"), 0o755)
	if _, err := Run(ctx, &s, Options{Python: fake}); err == nil || !strings.Contains(err.Error(), "torch is not installed for "+fake+": apt-get install python3-torch") {
		t.Errorf("no torch: %v", err)
	}
	if _, p, err := Check(ctx, python); err == nil && !p.CUDA {
		if _, err := Run(ctx, &s, Options{Python: python, Device: "cuda"}); err == nil || !strings.Contains(err.Error(), "sees no CUDA device") {
			t.Errorf("--device cuda without CUDA: %v", err)
		}
	}
}

// parityData is a tiny Table-2-shaped task on the demo data: 8 classes x 20 training
// images, the 12 test images of each class, Iop = 5 images of each of the 2 other classes x
// the demo pack's 24 patterns.
func parityData(t *testing.T, pack *patterns.Pack) (train, test *runners.MemSplit, iop *runners.PatternPairs) {
	by := builtinByClass(t, pack.ImageSize)
	train, test = &runners.MemSplit{}, &runners.MemSplit{}
	iopClean := &runners.MemSplit{}
	for c := range 8 {
		for i := range 20 {
			train.Images = append(train.Images, by[c][i])
			train.Labels = append(train.Labels, c)
		}
		for _, img := range by[c][48:] {
			test.Images = append(test.Images, img)
			test.Labels = append(test.Labels, c)
		}
	}
	for c := 8; c < 10; c++ {
		for i := range 5 {
			iopClean.Images = append(iopClean.Images, by[c][i])
			iopClean.Labels = append(iopClean.Labels, c)
		}
	}
	return train, test, &runners.PatternPairs{Clean: iopClean, Pack: pack, Patterns: pack.Patterns}
}

// TestAccuracyParity trains the same tiny spec (resnet-mini, DFV augmentation, hflip) with
// both runners from the same initial weights (a Go-written checkpoint) and compares the
// training curves and the clean and occluded accuracies. Both consume the same keyed
// random streams (shuffle, flips, DV draws), so they differ only by floating-point rounding.
func TestAccuracyParity(t *testing.T) {
	needTorch(t)
	if testing.Short() {
		t.Skip("-short")
	}
	pack := demoPack(t)
	dir := t.TempDir()
	if err := pack.Write(filepath.Join(dir, "patterns")); err != nil {
		t.Fatal(err)
	}
	arch := gonn.Arch{Name: "resnet-mini", NumClasses: 8, InputSize: pack.ImageSize, Width: 8}
	m0, err := gonn.NewModel(arch, 3)
	if err != nil {
		t.Fatal(err)
	}
	init := filepath.Join(dir, "init.safetensors")
	if err := m0.SaveSafetensors(init); err != nil {
		t.Fatal(err)
	}
	alpha, beta := 0.9, 1.0
	spec := &runners.RunSpec{Version: 1, Name: "parity", Shards: "(in memory)", PatternPack: filepath.Join(dir, "patterns"),
		Network: runners.Network{Arch: "resnet-mini", NumClasses: 8, InputSize: pack.ImageSize, Width: 8},
		Init:    runners.Init{Kind: "checkpoint", Path: init}, Method: "dfv", Alpha: &alpha, Beta: &beta,
		TrainSet: "trn_c", IopSet: "iop", TestSet: "tst", Epochs: 3, BatchSize: 32,
		Optimizer: runners.Optimizer{Name: "sgd", LR: 0.05, Momentum: 0.9, WeightDecay: 5e-4},
		Schedule:  runners.Schedule{Name: "cosine"}, Augment: runners.Augment{HFlip: true}, Seed: 5,
		Eval: runners.EvalConfig{BatchSize: 100}}
	if v := os.Getenv("PARITY_LR"); v != "" {
		fmt.Sscan(v, &spec.Optimizer.LR)
	}
	if v := os.Getenv("PARITY_EPOCHS"); v != "" {
		fmt.Sscan(v, &spec.Epochs)
	}
	if v := os.Getenv("PARITY_METHOD"); v != "" {
		spec.Method = v
	}
	if v := os.Getenv("PARITY_PATTERNS"); v != "" {
		spec.Eval.Patterns = []int{0, 4, 8, 12, 16, 20}
	}
	train, test, iop := parityData(t, pack)
	goRes, err := gonn.Run(spec, runners.Data{Train: train, Iop: iop, Test: test, Pack: pack}, filepath.Join(dir, "go"))
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	pyRes, err := Run(context.Background(), spec, Options{Python: python, Device: "cpu", Offline: true, Progress: &log,
		OutDir: filepath.Join(dir, "py"), CacheDir: filepath.Join(dir, "cache"), Data: &runners.Data{Train: train, Iop: iop, Test: test}, Threads: 2})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if pyRes.Provenance.Runner != "pytorch" || pyRes.SpecHash != goRes.SpecHash {
		t.Errorf("provenance %q, spec hash %s vs %s", pyRes.Provenance.Runner, pyRes.SpecHash, goRes.SpecHash)
	}
	if pyRes.Clean.Total != goRes.Clean.Total || len(pyRes.Patterns) != len(goRes.Patterns) || len(pyRes.Curve) != len(goRes.Curve) {
		t.Fatalf("shapes differ: clean total %d vs %d, patterns %d vs %d, epochs %d vs %d",
			pyRes.Clean.Total, goRes.Clean.Total, len(pyRes.Patterns), len(goRes.Patterns), len(pyRes.Curve), len(goRes.Curve))
	}
	for i := range goRes.Curve {
		g, p := goRes.Curve[i], pyRes.Curve[i]
		t.Logf("epoch %d: loss go %.5f torch %.5f | train acc go %.4f torch %.4f | bank %d/%d", g.Epoch, g.Loss, p.Loss, g.TrainAcc, p.TrainAcc, g.BankSize, p.BankSize)
		if g.BankSize != p.BankSize || math.Abs(g.Loss-p.Loss) > 0.005*math.Max(1, g.Loss) {
			t.Errorf("epoch %d: loss %.5f vs %.5f, bank %d vs %d", g.Epoch, g.Loss, p.Loss, g.BankSize, p.BankSize)
		}
	}
	occTotal := 0
	dPat := 0.0
	for i := range goRes.Patterns {
		occTotal += goRes.Patterns[i].Total
		dPat = math.Max(dPat, math.Abs(goRes.Patterns[i].Accuracy()-pyRes.Patterns[i].Accuracy()))
	}
	dc := math.Abs(goRes.Clean.Accuracy() - pyRes.Clean.Accuracy())
	do := math.Abs(goRes.MeanOccludedAccuracy() - pyRes.MeanOccludedAccuracy())
	t.Logf("clean acc go %.4f torch %.4f (|d| %.4f over %d images); mean occluded go %.4f torch %.4f (|d| %.4f over %d images); max per-pattern |d| %.4f",
		goRes.Clean.Accuracy(), pyRes.Clean.Accuracy(), dc, goRes.Clean.Total, goRes.MeanOccludedAccuracy(), pyRes.MeanOccludedAccuracy(), do, occTotal, dPat)
	t.Logf("train img/s go %.0f torch %.0f", goRes.ImagesPerSec, pyRes.ImagesPerSec)
	// Tolerance: see docs/runners.md, "Reproducibility and parity" (measured spread on this spec).
	if dc > parityTolClean || do > parityTolOccluded {
		t.Errorf("accuracies differ beyond tolerance: clean %.4f (tol %.2f), occluded %.4f (tol %.2f)", dc, parityTolClean, do, parityTolOccluded)
	}
	// Per-image hits: the same images in the same order, so the bits agree but for the few
	// images rounding flips (the accuracy tolerance, read as a share of flipped images).
	checkHitsParity(t, "clean", goRes.Clean, pyRes.Clean, parityTolClean)
	for i := range goRes.Patterns {
		checkHitsParity(t, fmt.Sprintf("pattern %d", goRes.Patterns[i].ID), goRes.Patterns[i].Count, pyRes.Patterns[i].Count, parityTolOccluded)
	}
}

// checkHitsParity compares two runners' per-image hits of one count: both must be present
// and of the same length, and at most tol x total images may differ (a flipped image moves
// the accuracy by 1/total, so this is the accuracy tolerance counted image by image; any
// shift in image order would flip about half the images and fail it).
func checkHitsParity(t *testing.T, what string, g, p runners.Count, tol float64) {
	t.Helper()
	gb, err := g.Images()
	if err != nil || gb == nil {
		t.Errorf("%s: Go hits %v (%d images)", what, err, len(gb))
		return
	}
	pb, err := p.Images()
	if err != nil || pb == nil {
		t.Errorf("%s: PyTorch hits %v (%d images)", what, err, len(pb))
		return
	}
	if len(gb) != len(pb) {
		t.Errorf("%s: %d vs %d images", what, len(gb), len(pb))
		return
	}
	flips := 0
	for i := range gb {
		if gb[i] != pb[i] {
			flips++
		}
	}
	if float64(flips) > tol*float64(len(gb)) {
		t.Errorf("%s: %d of %d images differ between the runners (tolerance %.0f%%)", what, flips, len(gb), 100*tol)
	} else if flips > 0 {
		t.Logf("%s: %d of %d images flipped", what, flips, len(gb))
	}
}

// Measured on this spec (same init, same keyed random streams, float32 on the CPU): losses
// agree to 1e-5, clean and mean occluded counts are identical, the largest per-pattern
// difference is 1 image of 96. The tolerances leave room for BLAS/thread-count rounding.
const (
	parityTolClean    = 0.02
	parityTolOccluded = 0.02
)
