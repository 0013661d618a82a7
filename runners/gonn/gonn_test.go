package gonn

import (
	"errors"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/occbench/occbench/internal/keyed"
	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/runners"
)

// toyData: class k is a bright square in quadrant k on a noisy background; learnable.
func toyData(n, side, classes int, seed uint64, name string) *runners.MemSplit {
	r := keyed.Rand(seed, "toy", name)
	s := &runners.MemSplit{}
	for i := 0; i < n; i++ {
		k := i % classes
		img := image.NewNRGBA(image.Rect(0, 0, side, side))
		for y := 0; y < side; y++ {
			for x := 0; x < side; x++ {
				v := uint8(r.IntN(80))
				qx, qy := x*2/side, y*2/side
				if qy*2+qx == k {
					v += 150
				}
				img.SetNRGBA(x, y, color.NRGBA{v, v / 2, 255 - v, 255})
			}
		}
		s.Images = append(s.Images, img)
		s.Labels = append(s.Labels, k)
	}
	return s
}

func toyPack(side int) *patterns.Pack {
	occ := image.NewNRGBA(image.Rect(0, 0, side/2, side/2))
	for i := range occ.Pix {
		occ.Pix[i] = 255
		if i%4 != 3 {
			occ.Pix[i] = 20
		}
	}
	return &patterns.Pack{
		Table: patterns.Table{ImageSize: side, Patterns: []patterns.Pattern{
			{ID: 0, Name: "tl", File: "o.png", X: 0, Y: 0, Ratio: 0.25, Position: "center"},
			{ID: 1, Name: "br", File: "o.png", X: side / 2, Y: side / 2, Ratio: 0.25, Position: "random"},
		}},
		Images: map[string]*image.NRGBA{"o.png": occ},
	}
}

func miniArch() Arch {
	return Arch{Name: "resnet-mini", NumClasses: 4, InputSize: 16, Width: 8, Depth: 1, Stages: 2}
}

func baseCfg(method string) TrainConfig {
	return TrainConfig{Method: method, Alpha: 0.9, Beta: 1, Epochs: 2, BatchSize: 8,
		Optimizer: runners.Optimizer{Name: "sgd", LR: 0.05, Momentum: 0.9, WeightDecay: 5e-4},
		Schedule:  runners.Schedule{Name: "cosine"}, Augment: runners.Augment{HFlip: true}, Seed: 7, EvalBatch: 16}
}

func toyIop(side int) runners.PairSet {
	return &runners.PatternPairs{Clean: toyData(4, side, 4, 9, "iop"), Pack: toyPack(side), Patterns: toyPack(side).Patterns}
}

// numerical gradient of the custom pieces: reshape-mean pooling and the DFV add, through a
// linear read-out, in a standalone graph.
func TestGradPoolAndDFVAdd(t *testing.T) {
	const B, C, H = 2, 3, 3
	xs := make([]float32, B*C*H*H)
	ds := make([]float32, B*C)
	cs := make([]float32, B*C)
	r := keyed.Rand(1, "grad")
	for i := range xs {
		xs[i] = float32(r.NormFloat64())
	}
	for i := range ds {
		ds[i] = float32(r.NormFloat64())
		cs[i] = float32(r.NormFloat64())
	}
	f := func() (float64, []float32, []float32) {
		g := G.NewGraph()
		xT := tensor.New(tensor.WithShape(B, C, H, H), tensor.WithBacking(append([]float32(nil), xs...)))
		dT := tensor.New(tensor.WithShape(B, C), tensor.WithBacking(append([]float32(nil), ds...)))
		x := G.NewTensor(g, G.Float32, 4, G.WithShape(B, C, H, H), G.WithValue(xT), G.WithName("x"))
		d := G.NewTensor(g, G.Float32, 2, G.WithShape(B, C), G.WithValue(dT), G.WithName("d"))
		c := G.NewTensor(g, G.Float32, 2, G.WithShape(B, C), G.WithValue(tensor.New(tensor.WithShape(B, C), tensor.WithBacking(cs))), G.WithName("c"))
		b := &builder{g: g}
		p := b.pool(G.Must(G.Square(x)))
		sum := G.Must(G.Add(p, d))
		loss := G.Must(G.Sum(G.Must(G.HadamardProd(sum, c))))
		gr, err := G.Grad(loss, x, d)
		if err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g)
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		return float64(loss.Value().Data().(float32)),
			append([]float32(nil), gr[0].Value().Data().([]float32)...),
			append([]float32(nil), gr[1].Value().Data().([]float32)...)
	}
	_, gx, gd := f()
	check := func(name string, v []float32, an []float32) {
		const eps = 1e-2
		for i := range v {
			o := v[i]
			v[i] = o + eps
			lp, _, _ := f()
			v[i] = o - eps
			lm, _, _ := f()
			v[i] = o
			num := (lp - lm) / (2 * eps)
			if math.Abs(num-float64(an[i])) > 2e-3*(1+math.Abs(num)) {
				t.Fatalf("%s[%d]: numeric %v analytic %v", name, i, num, an[i])
			}
		}
	}
	check("x", xs, gx)
	check("d", ds, gd)
}

// numerical gradient of the whole training graph (conv, BN in training mode, pooling, DFV add,
// classifier, cross-entropy) for a few weights of each kind.
func TestGradNetwork(t *testing.T) {
	m, err := NewModel(Arch{Name: "resnet-mini", NumClasses: 3, InputSize: 8, Width: 4, Depth: 1, Stages: 2}, 3)
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewGraph(m, 4, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := keyed.Rand(3, "x")
	for i := range g.X.Data().([]float32) {
		g.X.Data().([]float32)[i] = float32(r.NormFloat64())
	}
	for i := range g.D.Data().([]float32) {
		g.D.Data().([]float32)[i] = float32(r.NormFloat64() * 0.3)
	}
	for i := 0; i < 4; i++ {
		g.Y.Data().([]float32)[i*3+i%3] = 1
	}
	if err := g.Run(); err != nil {
		t.Fatal(err)
	}
	grads := map[string][]float32{}
	for i, p := range g.Trainable() {
		grads[p.Name] = append([]float32(nil), g.Grad(i)...)
	}
	for _, name := range []string{"conv1.weight", "bn1.weight", "layer2.0.conv2.weight", "trans2.bn.bias", "fc.weight", "fc.bias"} {
		w := m.Param(name).Data()
		for _, i := range []int{0, len(w) / 2, len(w) - 1} {
			o := w[i]
			const eps = 1e-3
			w[i] = o + eps
			g.Run()
			lp := g.Loss()
			w[i] = o - eps
			g.Run()
			lm := g.Loss()
			w[i] = o
			num := (lp - lm) / (2 * eps)
			an := float64(grads[name][i])
			if math.Abs(num-an) > 0.05*math.Abs(an)+3e-3 {
				t.Errorf("%s[%d]: numeric %.5f analytic %.5f", name, i, num, an)
			}
		}
	}
}

func snapshot(m *Model) map[string][]float32 {
	out := map[string][]float32{}
	for n, t := range m.tensors() {
		out[n] = append([]float32(nil), t.data...)
	}
	return out
}

func TestFrozenLayersBitIdentical(t *testing.T) {
	m, _ := NewModel(miniArch(), 1)
	before := snapshot(m)
	cfg := baseCfg(runners.MethodDFV)
	cfg.MinChannels = 16 // conv1, bn1, layer1 (8 channels) frozen
	tr, _ := NewTrainer(m, cfg)
	defer tr.Close()
	if _, err := tr.Train(toyData(20, 16, 4, 1, "trn"), toyIop(16)); err != nil {
		t.Fatal(err)
	}
	after := snapshot(m)
	frozen, trained := 0, 0
	for n, b := range before {
		same := true
		for i := range b {
			if math.Float32bits(b[i]) != math.Float32bits(after[n][i]) {
				same = false
			}
		}
		isFrozen := strings.HasPrefix(n, "conv1.") || strings.HasPrefix(n, "bn1.") || strings.HasPrefix(n, "layer1.")
		if isFrozen && !same {
			t.Errorf("frozen %s changed", n)
		}
		if isFrozen {
			frozen++
		} else if !same {
			trained++
		}
	}
	if frozen == 0 || trained < 10 {
		t.Fatalf("frozen %d tensors, trained %d changed", frozen, trained)
	}
}

func TestAlphaZeroEqualsClassical(t *testing.T) {
	trn := toyData(20, 16, 4, 1, "trn") // 20 = 2 full batches + a partial one
	run := func(method string) ([]runners.EpochStat, map[string][]float32) {
		m, _ := NewModel(miniArch(), 1)
		cfg := baseCfg(method)
		cfg.Alpha = 0
		cfg.Augment = runners.Augment{HFlip: true, Degrees: 10, CropScaleLo: 0.7}
		tr, _ := NewTrainer(m, cfg)
		defer tr.Close()
		c, err := tr.Train(trn, toyIop(16))
		if err != nil {
			t.Fatal(err)
		}
		return c, snapshot(m)
	}
	c1, w1 := run(runners.MethodClassical)
	c2, w2 := run(runners.MethodDFV)
	for i := range c1 {
		if c1[i].Loss != c2[i].Loss {
			t.Fatalf("epoch %d loss %v vs %v", i, c1[i].Loss, c2[i].Loss)
		}
	}
	for n := range w1 {
		for i := range w1[n] {
			if math.Float32bits(w1[n][i]) != math.Float32bits(w2[n][i]) {
				t.Fatalf("%s[%d] differs: %v vs %v", n, i, w1[n][i], w2[n][i])
			}
		}
	}
}

func TestBankFromSyncedCopy(t *testing.T) {
	m, _ := NewModel(miniArch(), 1)
	cfg := baseCfg(runners.MethodDFV)
	var saved [][]float32
	changedNext := false
	cfg.OnStep = func(tr *Trainer, e, step int) {
		switch {
		case e == 0 && step == 0:
			for _, b := range tr.Bank {
				saved = append(saved, append([]float32(nil), b...))
			}
			w := tr.M.Param("conv1.weight").Data()
			for i := range w {
				w[i] *= 1.5 // change the trained network mid-epoch
			}
		case e == 0:
			// the DV bank must not change until the next epoch's sync
			for i := range saved {
				for k := range saved[i] {
					if saved[i][k] != tr.Bank[i][k] {
						t.Fatalf("bank changed mid-epoch at step %d", step)
					}
				}
			}
		case e == 1 && step == 0:
			for i := range saved {
				for k := range saved[i] {
					if saved[i][k] != tr.Bank[i][k] {
						changedNext = true
					}
				}
			}
		}
	}
	tr, _ := NewTrainer(m, cfg)
	defer tr.Close()
	if _, err := tr.Train(toyData(24, 16, 4, 1, "trn"), toyIop(16)); err != nil {
		t.Fatal(err)
	}
	if !changedNext {
		t.Fatal("bank did not follow the trained weights at the next epoch")
	}
	if len(saved) != 8 {
		t.Fatalf("bank size %d, want 4 images x 2 patterns", len(saved))
	}
}

func TestLossFallsAndEvaluate(t *testing.T) {
	m, _ := NewModel(miniArch(), 2)
	cfg := baseCfg(runners.MethodClassical)
	cfg.Epochs = 6
	cfg.Augment = runners.Augment{}
	tr, _ := NewTrainer(m, cfg)
	defer tr.Close()
	curve, err := tr.Train(toyData(64, 16, 4, 1, "trn"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !(curve[len(curve)-1].Loss < 0.5*curve[0].Loss) {
		t.Fatalf("loss did not fall: %+v", curve)
	}
	test := toyData(21, 16, 4, 5, "tst")
	pack := toyPack(16)
	clean, pcs, err := Evaluate(m, test, pack, pack.Patterns, 8)
	if err != nil {
		t.Fatal(err)
	}
	if clean.Total != 21 || pcs[0].Total != 21 || pcs[1].Total != 21 || clean.PerTotal[0] != 6 {
		t.Fatalf("counts: %+v %+v", clean, pcs)
	}
	if clean.Accuracy() < 0.9 {
		t.Fatalf("clean accuracy %v on a learnable task", clean.Accuracy())
	}
	// Class 0 lives in the top-left quadrant, which pattern "tl" covers entirely.
	if pcs[0].PerClass[0] >= clean.PerClass[0] && clean.PerClass[0] > 0 && pcs[0].Accuracy() >= clean.Accuracy() {
		t.Logf("occlusion did not hurt (clean %v, tl %v)", clean.Accuracy(), pcs[0].Accuracy())
	}
	// Hits: bit i is image i's own outcome, the same as evaluating that image alone (batch 1,
	// so no batch position or padding can leak into another image's bit).
	for j, c := range append([]runners.Count{clean}, pcs[0].Count, pcs[1].Count) {
		bits, err := c.Images()
		if err != nil || len(bits) != 21 {
			t.Fatalf("part %d: hits %v, %v", j, bits, err)
		}
		for i := range bits {
			img, label, _ := test.Example(i)
			one := &runners.MemSplit{Images: []*image.NRGBA{img}, Labels: []int{label}}
			var pats []patterns.Pattern
			if j > 0 {
				pats = pack.Patterns[j-1 : j]
			}
			c1, p1, err := Evaluate(m, one, pack, pats, 1)
			if err != nil {
				t.Fatal(err)
			}
			if j > 0 {
				c1 = p1[0].Count
			}
			if bits[i] != (c1.Correct == 1) {
				t.Fatalf("part %d image %d: hit %v, alone %v", j, i, bits[i], c1.Correct == 1)
			}
		}
	}
	t.Logf("curve %v..%v clean %.3f tl %.3f br %.3f", curve[0].Loss, curve[len(curve)-1].Loss, clean.Accuracy(), pcs[0].Accuracy(), pcs[1].Accuracy())
}

func TestNaNStops(t *testing.T) {
	m, _ := NewModel(miniArch(), 1)
	cfg := baseCfg(runners.MethodClassical)
	cfg.OnStep = func(tr *Trainer, e, step int) {
		if e == 0 && step == 1 {
			tr.M.Param("fc.weight").Data()[0] = float32(math.NaN())
		}
	}
	tr, _ := NewTrainer(m, cfg)
	defer tr.Close()
	_, err := tr.Train(toyData(24, 16, 4, 1, "trn"), nil)
	var ne *NaNError
	if !errors.As(err, &ne) || ne.Epoch != 1 || ne.Step != 2 || math.IsNaN(ne.LastFinite) {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "step 2") || !strings.Contains(err.Error(), "last finite loss") || strings.Contains(err.Error(), DVHint) {
		t.Fatalf("message: %v", err)
	}
	// A DFV run's message points at the DV flow's usual cause.
	ne.DFV = true
	if !strings.HasSuffix(ne.Error(), DVHint) {
		t.Errorf("dfv message lacks the hint: %v", ne)
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	m, _ := NewModel(miniArch(), 4)
	for _, s := range m.BNs {
		s.Mean[0], s.Var[0] = 0.25, 3
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "m.safetensors")
	if err := m.SaveSafetensors(p); err != nil {
		t.Fatal(err)
	}
	m2, err := LoadCheckpoint(p)
	if err != nil {
		t.Fatal(err)
	}
	a, b := snapshot(m), snapshot(m2)
	for n := range a {
		for i := range a[n] {
			if math.Float32bits(a[n][i]) != math.Float32bits(b[n][i]) {
				t.Fatalf("%s differs", n)
			}
		}
	}
	// inference is identical
	test := toyData(5, 16, 4, 5, "tst")
	c1, _, _ := Evaluate(m, test, nil, nil, 4)
	c2, _, _ := Evaluate(m2, test, nil, nil, 4)
	if c1.Correct != c2.Correct {
		t.Fatal("evaluation differs after reload")
	}
	// mismatches name the tensor
	other, _ := NewModel(Arch{Name: "resnet-mini", NumClasses: 4, InputSize: 16, Width: 4, Depth: 1, Stages: 2}, 1)
	if err := other.LoadSafetensors(p); err == nil || !strings.Contains(err.Error(), `"bn1.bias"`) || !strings.Contains(err.Error(), "shape") {
		t.Fatalf("shape mismatch: %v", err)
	}
	deeper, _ := NewModel(Arch{Name: "resnet-mini", NumClasses: 4, InputSize: 16, Width: 8, Depth: 2, Stages: 2}, 1)
	if err := deeper.LoadSafetensors(p); err == nil || !strings.Contains(err.Error(), "layer1.1.") || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing tensor: %v", err)
	}
	// a new classifier: skip fc
	k10, _ := NewModel(Arch{Name: "resnet-mini", NumClasses: 10, InputSize: 16, Width: 8, Depth: 1, Stages: 2}, 1)
	if err := k10.LoadSafetensors(p); err == nil || !strings.Contains(err.Error(), "fc.") {
		t.Fatalf("fc mismatch: %v", err)
	}
	if err := k10.LoadSafetensors(p, "fc."); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
}

// The paper's networks: torchvision names and shapes, and a forward pass on a tiny input.
func TestPaperNetworks(t *testing.T) {
	cases := []struct {
		arch             string
		size             int
		nParams, feature int
		name             string
		shape            []int
	}{
		{"resnet18", 32, 62, 512, "layer2.0.downsample.0.weight", []int{128, 64, 1, 1}},
		{"resnet50", 32, 161, 2048, "layer3.5.conv3.weight", []int{1024, 256, 1, 1}},
		{"vgg16", 32, 32, 4096, "features.28.weight", []int{512, 512, 3, 3}},
	}
	for _, c := range cases {
		if testing.Short() && c.arch != "resnet18" {
			continue
		}
		m, err := NewModel(Arch{Name: c.arch, NumClasses: 5, InputSize: c.size}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Params) != c.nParams || m.FeatureDim != c.feature {
			t.Errorf("%s: %d params, feature %d", c.arch, len(m.Params), m.FeatureDim)
		}
		if p := m.Param(c.name); p == nil || !slices.Equal(p.Shape, c.shape) {
			t.Errorf("%s: %s = %+v", c.arch, c.name, p)
		}
		g, err := NewGraph(m, 1, false, 0)
		if err != nil {
			t.Fatalf("%s: %v", c.arch, err)
		}
		if err := g.Run(); err != nil {
			t.Fatalf("%s: %v", c.arch, err)
		}
		if len(g.Logits()) != 5 || len(g.Features()) != c.feature {
			t.Errorf("%s: logits %d features %d", c.arch, len(g.Logits()), len(g.Features()))
		}
		g.Close()
	}
}

// TestInferenceIndependentOfBatch guards the evaluator and the DV flow: an inference
// graph must give each image the same output whatever else shares its batch. (Gorgonia's
// tape machine switches every BatchNormOp to training mode when it is built, so an engine on
// G.BatchNorm silently normalized inference batches with their own statistics: Evaluate,
// which batches a clean image with its 24 occluded versions, then measured nonsense.)
func TestInferenceIndependentOfBatch(t *testing.T) {
	m, err := NewModel(miniArch(), 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range m.BNs { // non-trivial running statistics
		for c := range s.Mean {
			s.Mean[c] = 0.1 * float32((c+i)%5)
			s.Var[c] = 0.5 + 0.1*float32(c%3)
		}
	}
	data := toyData(8, m.Arch.InputSize, 4, 5, "batch-independence")
	g, err := NewGraph(m, 4, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	s := m.Arch.InputSize
	per := 3 * s * s
	x := g.X.Data().([]float32)
	first := func(companion int) []float32 {
		img, _, _ := data.Example(0)
		if err := toCHW(x[:per], img, s); err != nil {
			t.Fatal(err)
		}
		for i := 1; i < 4; i++ {
			img, _, _ := data.Example(companion + i)
			if err := toCHW(x[i*per:(i+1)*per], img, s); err != nil {
				t.Fatal(err)
			}
		}
		if err := g.Run(); err != nil {
			t.Fatal(err)
		}
		return append([]float32(nil), g.Logits()[:m.Arch.NumClasses]...)
	}
	a, b := first(0), first(4)
	for k := range a {
		if math.Abs(float64(a[k]-b[k])) > 1e-5*(1+math.Abs(float64(a[k]))) {
			t.Fatalf("inference output of image 0 depends on its batch companions: %v vs %v", a, b)
		}
	}
}
