package gonn

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/gonum/mat"

	"github.com/occbench/occbench/internal/keyed"
	"github.com/occbench/occbench/runners"
)

// DVNoise draws the control rows' stand-ins for DVs (issue 13, docs/premise.md): a
// Gaussian with the bank's mean and covariance, or zero-mean isotropic noise with the
// bank's mean squared norm. Both runners draw z from the same keyed stream with the same
// Box-Muller rule, so their draws match in distribution (and bit for bit before float
// rounding of the factorization).
type DVNoise struct {
	Source string
	Mean   []float64 // gaussian: the bank's mean
	L      []float64 // gaussian: lower Cholesky factor of the covariance (+ jitter), F x F row-major
	Sigma  float64   // isotropic: per-coordinate standard deviation, sqrt(mean |d|^2 / F)
	F      int
	out    []float32
}

// NewDVNoise computes the bank's moments. The covariance gets a jitter of 1e-6 x its mean
// diagonal (at least 1e-12) so that a bank with fewer pairs than dimensions still factors.
func NewDVNoise(bank [][]float32, source string) (*DVNoise, error) {
	n := len(bank)
	if n == 0 {
		return nil, fmt.Errorf("dv noise: empty bank")
	}
	F := len(bank[0])
	nz := &DVNoise{Source: source, F: F, out: make([]float32, F)}
	switch source {
	case runners.DVIsotropic:
		var ss float64
		for _, d := range bank {
			for _, v := range d {
				ss += float64(v) * float64(v)
			}
		}
		nz.Sigma = math.Sqrt(ss / float64(n) / float64(F))
		return nz, nil
	case runners.DVGaussian:
	default:
		return nil, fmt.Errorf("dv noise: unknown source %q", source)
	}
	nz.Mean = make([]float64, F)
	for _, d := range bank {
		for k, v := range d {
			nz.Mean[k] += float64(v)
		}
	}
	for k := range nz.Mean {
		nz.Mean[k] /= float64(n)
	}
	cov := mat.NewSymDense(F, nil)
	c := make([]float64, F)
	for _, d := range bank {
		for k, v := range d {
			c[k] = float64(v) - nz.Mean[k]
		}
		cov.SymRankOne(cov, 1/float64(n), mat.NewVecDense(F, c))
	}
	var tr float64
	for k := range F {
		tr += cov.At(k, k)
	}
	jit := math.Max(1e-6*tr/float64(F), 1e-12)
	for k := range F {
		cov.SetSym(k, k, cov.At(k, k)+jit)
	}
	var ch mat.Cholesky
	if !ch.Factorize(cov) {
		return nil, fmt.Errorf("dv noise: the bank's covariance is not positive definite even with jitter %g", jit)
	}
	var l mat.TriDense
	ch.LTo(&l)
	nz.L = make([]float64, F*F)
	for i := range F {
		for j := 0; j <= i; j++ {
			nz.L[i*F+j] = l.At(i, j)
		}
	}
	return nz, nil
}

// NormalDraws returns F standard normals from the keyed stream
// (seed, "dvnoise", epoch, step, sample), by Box-Muller on pairs of Float64 draws:
// z = sqrt(-2 ln(1-u1)) * (cos, sin)(2 pi u2). The PyTorch runner ports this rule.
func NormalDraws(seed uint64, epoch, step, sample, F int) []float64 {
	r := keyed.Rand(seed, "dvnoise", strconv.Itoa(epoch), strconv.Itoa(step), strconv.Itoa(sample))
	z := make([]float64, F)
	for k := 0; k < F; k += 2 {
		u1, u2 := r.Float64(), r.Float64()
		rad := math.Sqrt(-2 * math.Log(1-u1))
		z[k] = rad * math.Cos(2*math.Pi*u2)
		if k+1 < F {
			z[k+1] = rad * math.Sin(2*math.Pi*u2)
		}
	}
	return z
}

// Draw returns one vector for sample i of a step (reused buffer: copy before the next call).
func (nz *DVNoise) Draw(seed uint64, epoch, step, sample int) []float32 {
	z := NormalDraws(seed, epoch, step, sample, nz.F)
	if nz.Source == runners.DVIsotropic {
		for k, v := range z {
			nz.out[k] = float32(nz.Sigma * v)
		}
		return nz.out
	}
	F := nz.F
	for i := range F {
		s := nz.Mean[i]
		row := nz.L[i*F : i*F+i+1]
		for j, l := range row {
			s += l * z[j]
		}
		nz.out[i] = float32(s)
	}
	return nz.out
}
