package gonn

import (
	"math"
	"testing"

	"github.com/occbench/occbench/internal/keyed"
	"github.com/occbench/occbench/runners"
)

// TestNormalDrawsGolden pins the keyed Box-Muller stream the PyTorch runner ports
// (runners/torch/tests: TestPremise.test_normal_draws_match_go asserts the same values).
func TestNormalDrawsGolden(t *testing.T) {
	want := []float64{-1.2070995722222606, -2.8354146766179404, -1.1877634241879507, -0.37814046630607417, -0.022337450176835805}
	got := NormalDraws(5, 1, 2, 3, 5)
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("NormalDraws = %v, want %v", got, want)
		}
	}
}

// TestDVNoiseMoments checks that the control rows' draws have the bank's moments: the
// Gaussian its mean and per-coordinate spread, the isotropic noise its mean squared norm.
func TestDVNoiseMoments(t *testing.T) {
	r := keyed.Rand(1, "bank")
	scale := []float64{1, 2, 3, 1, 1, 1}
	bank := make([][]float32, 400)
	for i := range bank {
		bank[i] = make([]float32, 6)
		for k := range bank[i] {
			bank[i][k] = float32(5 + scale[k]*r.NormFloat64())
		}
	}
	mean, sd := moments(bank)
	g, err := NewDVNoise(bank, runners.DVGaussian)
	if err != nil {
		t.Fatal(err)
	}
	var draws [][]float32
	for i := range 3000 {
		draws = append(draws, append([]float32(nil), g.Draw(1, 0, 0, i)...))
	}
	dm, dsd := moments(draws)
	for k := range 6 {
		if math.Abs(dm[k]-mean[k]) > 0.2 || math.Abs(dsd[k]/sd[k]-1) > 0.1 {
			t.Errorf("coordinate %d: draws mean %.3f sd %.3f, bank mean %.3f sd %.3f", k, dm[k], dsd[k], mean[k], sd[k])
		}
	}
	iso, err := NewDVNoise(bank, runners.DVIsotropic)
	if err != nil {
		t.Fatal(err)
	}
	var ss, bs float64
	for i := range 3000 {
		for _, v := range iso.Draw(1, 0, 0, i) {
			ss += float64(v) * float64(v)
		}
	}
	for _, d := range bank {
		for _, v := range d {
			bs += float64(v) * float64(v)
		}
	}
	if got, want := ss/3000, bs/400; math.Abs(got/want-1) > 0.05 {
		t.Errorf("isotropic mean squared norm %.2f, bank's %.2f", got, want)
	}
	if _, err := NewDVNoise(nil, runners.DVGaussian); err == nil {
		t.Error("an empty bank was accepted")
	}
}

func moments(vs [][]float32) (mean, sd []float64) {
	F := len(vs[0])
	mean, sd = make([]float64, F), make([]float64, F)
	for _, v := range vs {
		for k, x := range v {
			mean[k] += float64(x) / float64(len(vs))
		}
	}
	for _, v := range vs {
		for k, x := range v {
			d := float64(x) - mean[k]
			sd[k] += d * d / float64(len(vs))
		}
	}
	for k := range sd {
		sd[k] = math.Sqrt(sd[k])
	}
	return
}
