package gonn

import (
	"image"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/runners"
)

// extract returns the DFVs of imgs through an inference graph (flip mirrors the image).
func extract(t *testing.T, m *Model, imgs []*imgRef2, d *HeadlineData) [][]float32 {
	g, err := NewGraph(m, 64, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	s := m.Arch.InputSize
	per := 3 * s * s
	F := m.FeatureDim
	x := g.X.Data().([]float32)
	out := make([][]float32, len(imgs))
	for lo := 0; lo < len(imgs); lo += 64 {
		hi := min(lo+64, len(imgs))
		clear(x)
		for i := lo; i < hi; i++ {
			im := imgs[i].img
			if imgs[i].pat >= 0 {
				im, _ = runners.Occlude(im, d.Pack, d.Pack.Patterns[imgs[i].pat])
			}
			dst := x[(i-lo)*per : (i-lo+1)*per]
			toCHW(dst, im, s)
			if imgs[i].flip {
				for c := 0; c < 3; c++ {
					for y := 0; y < s; y++ {
						row := dst[c*s*s+y*s : c*s*s+(y+1)*s]
						for a, b := 0, s-1; a < b; a, b = a+1, b-1 {
							row[a], row[b] = row[b], row[a]
						}
					}
				}
			}
		}
		if err := g.Run(); err != nil {
			t.Fatal(err)
		}
		f := g.Features()
		for i := lo; i < hi; i++ {
			out[i] = append([]float32(nil), f[(i-lo)*F:(i-lo+1)*F]...)
		}
	}
	return out
}

// imgRef2 is an image, the pattern that occludes it (-1: none) and whether it is flipped.
type imgRef2 struct {
	img  *image.NRGBA
	pat  int
	flip bool
}

// TestHeadlineLinearProbe is a research harness (OCCBENCH_PRE_CKPT=a pretrained checkpoint,
// e.g. written by TestHeadlineExplore): it freezes the pretrained body, extracts the DFVs of
// the training images (plain and flipped), of the test images (clean and with every
// pattern) and of the Iop pairs once, then trains only a softmax classifier in plain Go,
// classical versus DFV augmentation (several alpha/beta) and an "oracle" whose DV bank comes
// from the training images themselves, over 5 seeds in seconds. It separates "does the DV
// bank carry usable structure for these classes" from everything else the full trainer does.
// OCCBENCH_INCLUSIVE=1 uses the inclusive sets.
func TestHeadlineLinearProbe(t *testing.T) {
	ck := os.Getenv("OCCBENCH_PRE_CKPT")
	if ck == "" {
		t.Skip("research harness: set OCCBENCH_PRE_CKPT to a pretrained checkpoint")
	}
	m, _ := manifests.Resolve("fashion-mnist")
	sets := DefaultHeadlineSets
	if os.Getenv("OCCBENCH_INCLUSIVE") != "" {
		sets = InclusiveHeadlineSets
	}
	d, err := LoadHeadlineData(m, "", sets, envInt("OCCBENCH_TEST", 50))
	if err != nil {
		t.Fatal(err)
	}
	pre, err := LoadCheckpoint(ck)
	if err != nil {
		t.Fatal(err)
	}
	P := len(d.Pack.Patterns)
	var trRefs []*imgRef2
	for _, im := range d.Train.Images {
		trRefs = append(trRefs, &imgRef2{im, -1, false}, &imgRef2{im, -1, true})
	}
	trF := extract(t, pre, trRefs, d)
	var teRefs []*imgRef2
	for _, im := range d.Test.Images {
		for p := -1; p < P; p++ {
			teRefs = append(teRefs, &imgRef2{im, p, false})
		}
	}
	teF := extract(t, pre, teRefs, d)
	var ioRefs []*imgRef2
	for _, im := range d.IopClean.Images {
		for p := -1; p < P; p++ {
			ioRefs = append(ioRefs, &imgRef2{im, p, false})
		}
	}
	ioF := extract(t, pre, ioRefs, d)
	var bank [][]float32
	for i := 0; i < d.IopClean.Len(); i++ {
		for p := 0; p < P; p++ {
			bank = append(bank, sub(ioF[i*(P+1)+1+p], ioF[i*(P+1)]))
		}
	}
	// oracle bank: DVs of the training images themselves (inclusive-like upper bound)
	var oRefs []*imgRef2
	for i, im := range d.Train.Images {
		if i%3 == 0 {
			for p := -1; p < P; p++ {
				oRefs = append(oRefs, &imgRef2{im, p, false})
			}
		}
	}
	oF := extract(t, pre, oRefs, d)
	var obank [][]float32
	for i := 0; i < len(oRefs)/(P+1); i++ {
		for p := 0; p < P; p++ {
			obank = append(obank, sub(oF[i*(P+1)+1+p], oF[i*(P+1)]))
		}
	}
	F := pre.FeatureDim
	K := len(d.TrainClasses)
	eval := func(W []float64) (float64, float64) {
		var cl, oc float64
		n := d.Test.Len()
		for i := 0; i < n; i++ {
			for p := -1; p < P; p++ {
				f := teF[i*(P+1)+1+p]
				if predict(W, f, F, K) == d.Test.Labels[i] {
					if p < 0 {
						cl++
					} else {
						oc++
					}
				}
			}
		}
		return cl / float64(n), oc / float64(n*P)
	}
	type cfg struct {
		name        string
		alpha, beta float64
		bank        [][]float32
	}
	epochs := envInt("OCCBENCH_EPOCHS", 30)
	lr := envFloat("OCCBENCH_LR", 0.1)
	for _, c := range []cfg{{"classical", 0, 0, bank}, {"dfv a.9 b1", 0.9, 1, bank}, {"dfv a.9 b2", 0.9, 2, bank}, {"dfv a.5 b1", 0.5, 1, bank}, {"oracle a.9 b1", 0.9, 1, obank}} {
		var sc, so float64
		for seed := uint64(1); seed <= 5; seed++ {
			W := trainLinear(trF, d.Train.Labels, F, K, c.bank, c.alpha, c.beta, epochs, lr, seed)
			cl, oc := eval(W)
			sc += cl
			so += oc
			t.Logf("%-14s seed %d clean %.4f occ %.4f", c.name, seed, cl, oc)
		}
		t.Logf("%-14s MEAN clean %.4f occ %.4f", c.name, sc/5, so/5)
	}
}

func predict(W []float64, f []float32, F, K int) int {
	best, bv := 0, math.Inf(-1)
	for k := 0; k < K; k++ {
		v := W[K*F+k]
		for j := 0; j < F; j++ {
			v += W[k*F+j] * float64(f[j])
		}
		if v > bv {
			best, bv = k, v
		}
	}
	return best
}

// trainLinear is softmax regression, SGD momentum .9, wd 5e-4, batch 32, cosine lr; each
// sample picks its flipped or plain feature (trF rows 2i, 2i+1) and gets beta*bank[r] with
// probability alpha.
func trainLinear(trF [][]float32, labels []int, F, K int, bank [][]float32, alpha, beta float64, epochs int, lr0 float64, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 7))
	W := make([]float64, K*F+K)
	bound := 1 / math.Sqrt(float64(F))
	for i := range W {
		W[i] = (2*r.Float64() - 1) * bound
	}
	V := make([]float64, len(W))
	n := len(labels)
	x := make([]float64, F)
	for e := 0; e < epochs; e++ {
		lr := lr0 * 0.5 * (1 + math.Cos(math.Pi*float64(e)/float64(epochs)))
		perm := r.Perm(n)
		for lo := 0; lo < n; lo += 32 {
			hi := min(lo+32, n)
			G := make([]float64, len(W))
			for _, i := range perm[lo:hi] {
				f := trF[2*i+r.IntN(2)]
				for j := range x {
					x[j] = float64(f[j])
				}
				if r.Float64() < alpha {
					dv := bank[r.IntN(len(bank))]
					for j := range x {
						x[j] += beta * float64(dv[j])
					}
				}
				z := make([]float64, K)
				mx := math.Inf(-1)
				for k := 0; k < K; k++ {
					v := W[K*F+k]
					for j := 0; j < F; j++ {
						v += W[k*F+j] * x[j]
					}
					z[k] = v
					mx = math.Max(mx, v)
				}
				s := 0.0
				for k := range z {
					z[k] = math.Exp(z[k] - mx)
					s += z[k]
				}
				for k := range z {
					g := z[k] / s
					if k == labels[i] {
						g--
					}
					g /= float64(hi - lo)
					for j := 0; j < F; j++ {
						G[k*F+j] += g * x[j]
					}
					G[K*F+k] += g
				}
			}
			for i := range W {
				gi := G[i] + 5e-4*W[i]
				V[i] = 0.9*V[i] + gi
				W[i] -= lr * V[i]
			}
		}
	}
	return W
}
