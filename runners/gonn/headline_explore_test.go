package gonn

import (
	"image"
	"math"
	"os"
	"testing"
	"time"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/runners"
)

// TestHeadlineExplore is a research harness (OCCBENCH_EXPLORE=1): it pretrains (or loads
// OCCBENCH_PRE_CKPT), prints DV-structure diagnostics and fine-tunes classical vs dfv over
// OCCBENCH_HEADLINE_SEEDS seeds with the env knobs.
func TestHeadlineExplore(t *testing.T) {
	if os.Getenv("OCCBENCH_EXPLORE") == "" {
		t.Skip("research harness: set OCCBENCH_EXPLORE=1")
	}
	m, err := manifests.Resolve("fashion-mnist")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if n := envInt("OCCBENCH_POOL", 0); n > 0 {
		m.SetByName("pretrain").Images.Random = n
	}
	sets := DefaultHeadlineSets
	if os.Getenv("OCCBENCH_INCLUSIVE") != "" {
		sets = InclusiveHeadlineSets
	}
	d, err := LoadHeadlineData(m, "", sets, envInt("OCCBENCH_TEST", 50))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("data: pool %d train %d test %d iop %d x %d patterns (%.1fs)", d.Pool.Len(), d.Train.Len(), d.Test.Len(), d.IopClean.Len(), len(d.Pack.Patterns), time.Since(t0).Seconds())
	arch := Arch{Name: "resnet-mini", NumClasses: 10, InputSize: 32, Width: envInt("OCCBENCH_WIDTH", 16)}
	var pre *Model
	ck := os.Getenv("OCCBENCH_PRE_CKPT")
	if ck != "" {
		if _, err := os.Stat(ck); err == nil {
			pre, err = LoadCheckpoint(ck)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("loaded %s", ck)
		}
	}
	if pre == nil {
		pre, err = NewModel(arch, 100)
		if err != nil {
			t.Fatal(err)
		}
		cfg := TrainConfig{Method: runners.MethodClassical, Epochs: envInt("OCCBENCH_PRE_EPOCHS", 4), BatchSize: envInt("OCCBENCH_PRE_BATCH", 32),
			Optimizer: runners.Optimizer{Name: "sgd", LR: envFloat("OCCBENCH_PRE_LR", 0.05), Momentum: 0.9, WeightDecay: 5e-4},
			Schedule:  runners.Schedule{Name: "cosine"}, Augment: runners.Augment{HFlip: true}, Seed: 100}
		tr, _ := NewTrainer(pre, cfg)
		t1 := time.Now()
		for e := 0; e < cfg.Epochs; e++ {
			last := 0.0
			st, err := tr.Epoch(e, d.Pool, nil, &last)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("pretrain epoch %d loss %.3f acc %.3f lr %.4f %.0fs", e+1, st.Loss, st.TrainAcc, st.LR, st.Seconds)
		}
		tr.Close()
		t.Logf("pretrain %.0fs, %.0f img/s", time.Since(t1).Seconds(), tr.Throughput())
		if ck != "" {
			if err := pre.SaveSafetensors(ck); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := envInt("OCCBENCH_IOP", 0); n > 0 {
		d.IopClean = firstPerClass(d.IopClean, n)
	}
	t.Logf("train classes %v (source idx %v); iop %d", d.TrainClasses, d.TrainSourceIdx, d.IopClean.Len())
	if os.Getenv("OCCBENCH_SKIPDIAG") == "" {
		t1 := time.Now()
		srcTest := &runners.MemSplit{Images: d.Test.Images}
		for _, l := range d.Test.Labels {
			srcTest.Labels = append(srcTest.Labels, d.TrainSourceIdx[l])
		}
		clean, pcs, err := Evaluate(pre, srcTest, d.Pack, d.Pack.Patterns, 64)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("pretrained (10-way head) on tst 8 classes: clean %.4f occluded %.4f (eval %.1fs, %d forwards)", clean.Accuracy(),
			meanAccuracy(pcs), time.Since(t1).Seconds(), d.Test.Len()*(1+len(pcs)))
		dvDiagnostics(t, pre, d)
	}

	c := DefaultHeadlineConfig()
	c.Finetune.Epochs = envInt("OCCBENCH_EPOCHS", c.Finetune.Epochs)
	c.Finetune.BatchSize = envInt("OCCBENCH_BATCH", c.Finetune.BatchSize)
	c.Finetune.Optimizer.LR = envFloat("OCCBENCH_LR", c.Finetune.Optimizer.LR)
	c.Finetune.Alpha = envFloat("OCCBENCH_ALPHA", c.Finetune.Alpha)
	c.Finetune.Beta = envFloat("OCCBENCH_BETA", c.Finetune.Beta)
	c.Finetune.MinChannels = envInt("OCCBENCH_MINCH", c.Finetune.MinChannels)
	c.Seeds = nil
	for s := 1; s <= envInt("OCCBENCH_HEADLINE_SEEDS", 3); s++ {
		c.Seeds = append(c.Seeds, uint64(s))
	}
	if _, err := RunHeadlineConfig(c, d, pre, t.Logf); err != nil {
		t.Fatal(err)
	}
}

// dvDiagnostics prints the DV structure of m: DV and DFV norms, the cosine of DVs of one
// pattern across Iop images versus across patterns, and how well the Iop bank's mean DV of a
// pattern predicts the DV of test images of the training classes (cross-class transfer).
func dvDiagnostics(t *testing.T, m *Model, d *HeadlineData) {
	pats := d.Pack.Patterns
	P := len(pats)
	feats := func(imgs *runners.MemSplit, withOcc bool) (clean [][]float32, dv [][][]float32) {
		g, err := NewGraph(m, 64, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer g.Close()
		s := m.Arch.InputSize
		per := 3 * s * s
		F := m.FeatureDim
		run := func(list []*imgRef) [][]float32 {
			out := make([][]float32, len(list))
			x := g.X.Data().([]float32)
			for lo := 0; lo < len(list); lo += 64 {
				hi := min(lo+64, len(list))
				clear(x)
				for i := lo; i < hi; i++ {
					im := list[i].img
					if list[i].pat >= 0 {
						im, _ = runners.Occlude(im, d.Pack, pats[list[i].pat])
					}
					toCHW(x[(i-lo)*per:(i-lo+1)*per], im, s)
				}
				g.Run()
				f := g.Features()
				for i := lo; i < hi; i++ {
					out[i] = append([]float32(nil), f[(i-lo)*F:(i-lo+1)*F]...)
				}
			}
			return out
		}
		var list []*imgRef
		for _, im := range imgs.Images {
			list = append(list, &imgRef{im, -1})
		}
		clean = run(list)
		if withOcc {
			dv = make([][][]float32, P)
			for p := 0; p < P; p++ {
				var l []*imgRef
				for _, im := range imgs.Images {
					l = append(l, &imgRef{im, p})
				}
				o := run(l)
				dv[p] = make([][]float32, len(o))
				for i := range o {
					dv[p][i] = sub(o[i], clean[i])
				}
			}
		}
		return
	}
	iopClean, iopDV := feats(d.IopClean, true)
	sub50 := &runners.MemSplit{}
	for i := 0; i < d.Test.Len(); i += 4 {
		sub50.Images = append(sub50.Images, d.Test.Images[i])
		sub50.Labels = append(sub50.Labels, d.Test.Labels[i])
	}
	tstClean, tstDV := feats(sub50, true)
	mean := func(vs [][]float32) []float32 {
		out := make([]float32, len(vs[0]))
		for _, v := range vs {
			for k := range v {
				out[k] += v[k] / float32(len(vs))
			}
		}
		return out
	}
	avgNorm := func(vs [][]float32) float64 {
		s := 0.0
		for _, v := range vs {
			s += norm(v)
		}
		return s / float64(len(vs))
	}
	var allDV [][]float32
	for p := range P {
		allDV = append(allDV, iopDV[p]...)
	}
	t.Logf("DFV norm: iop %.3f test %.3f; DV norm (iop, all patterns) %.3f; dist between class means (test) %.3f",
		avgNorm(iopClean), avgNorm(tstClean), avgNorm(allDV), classMeanDist(tstClean, sub50.Labels))
	// within-pattern cosine vs between-pattern cosine (iop)
	var within, between float64
	var nw, nb int
	for p := range P {
		v := iopDV[p]
		for i := 0; i < len(v); i += 5 {
			for j := i + 5; j < len(v); j += 5 {
				within += cos(v[i], v[j])
				nw++
			}
			for q := p + 1; q < P; q++ {
				between += cos(v[i], iopDV[q][(i+3)%len(v)])
				nb++
			}
		}
	}
	t.Logf("DV cosine: same pattern across images %.3f, different patterns %.3f", within/float64(nw), between/float64(nb))
	// transfer: test DV vs iop mean DV of the same pattern; fraction of test DV explained.
	var cs, rel, ratio float64
	var n int
	for p := range P {
		mu := mean(iopDV[p])
		for i := range tstDV[p] {
			cs += cos(tstDV[p][i], mu)
			r := sub(tstDV[p][i], mu)
			rel += norm(r) / math.Max(norm(tstDV[p][i]), 1e-9)
			ratio += norm(tstDV[p][i])
			n++
		}
	}
	t.Logf("cross-class: cos(test DV, iop mean DV of the pattern) %.3f, |test DV - iop mean|/|test DV| %.3f, test DV norm %.3f",
		cs/float64(n), rel/float64(n), ratio/float64(n))
	for _, p := range []int{0, 4, 8, 12, 16, 20} {
		t.Logf("  pattern %-24s iop DV norm %.3f test DV norm %.3f cos(test, iop mean) %.3f", pats[p].Name, avgNorm(iopDV[p]), avgNorm(tstDV[p]), func() float64 {
			mu := mean(iopDV[p])
			s := 0.0
			for _, v := range tstDV[p] {
				s += cos(v, mu)
			}
			return s / float64(len(tstDV[p]))
		}())
	}
}

type imgRef struct {
	img *image.NRGBA
	pat int
}

func sub(a, b []float32) []float32 {
	out := make([]float32, len(a))
	for i := range a {
		out[i] = a[i] - b[i]
	}
	return out
}

func norm(v []float32) float64 {
	s := 0.0
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func cos(a, b []float32) float64 {
	s := 0.0
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s / math.Max(norm(a)*norm(b), 1e-12)
}

// classMeanDist is the mean distance between the class means of feats.
func classMeanDist(feats [][]float32, labels []int) float64 {
	means := map[int][]float32{}
	counts := map[int]int{}
	for i, f := range feats {
		if means[labels[i]] == nil {
			means[labels[i]] = make([]float32, len(f))
		}
		for k := range f {
			means[labels[i]][k] += f[k]
		}
		counts[labels[i]]++
	}
	var ms [][]float32
	for l, m := range means {
		for k := range m {
			m[k] /= float32(counts[l])
		}
		ms = append(ms, m)
	}
	s, n := 0.0, 0
	for i := range ms {
		for j := i + 1; j < len(ms); j++ {
			s += norm(sub(ms[i], ms[j]))
			n++
		}
	}
	return s / float64(n)
}
