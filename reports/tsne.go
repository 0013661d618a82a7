package reports

import (
	"fmt"
	"math"

	"github.com/occbench/occbench/internal/keyed"
)

// TSNE embeds points in 2-D with exact t-SNE (van der Maaten and Hinton, 2008): Gaussian
// affinities calibrated to the perplexity by bisection, Student-t affinities in the
// embedding, gradient descent with momentum and early exaggeration. It is O(n^2) per
// iteration, fine for the few thousand vectors of Fig. 2. Written by hand: the Go t-SNE
// packages on the module proxy are unversioned and unmaintained since 2019.
func TSNE(x [][]float64, perplexity float64, iters int, seed uint64) ([][2]float64, error) {
	n := len(x)
	if n < 4 {
		return nil, fmt.Errorf("t-SNE needs at least 4 points, got %d", n)
	}
	if perplexity <= 0 || perplexity >= float64(n-1) {
		perplexity = math.Min(30, float64(n-1)/3)
	}
	d := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			var s float64
			for k := range x[i] {
				v := x[i][k] - x[j][k]
				s += v * v
			}
			d[i*n+j], d[j*n+i] = s, s
		}
	}
	p := affinities(d, n, perplexity)
	y := make([][2]float64, n)
	rng := keyed.Rand(seed, "tsne")
	for i := range y {
		y[i] = [2]float64{rng.NormFloat64() * 1e-4, rng.NormFloat64() * 1e-4}
	}
	vel := make([][2]float64, n)
	gains := make([][2]float64, n)
	for i := range gains {
		gains[i] = [2]float64{1, 1}
	}
	q := make([]float64, n*n)
	const lr = 200.0
	for it := 0; it < iters; it++ {
		exag, mom := 1.0, 0.8
		if it < 250 {
			exag, mom = 12, 0.5
		}
		var z float64
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				dx, dy := y[i][0]-y[j][0], y[i][1]-y[j][1]
				v := 1 / (1 + dx*dx + dy*dy)
				q[i*n+j], q[j*n+i] = v, v
				z += 2 * v
			}
		}
		for i := 0; i < n; i++ {
			var g [2]float64
			for j := 0; j < n; j++ {
				if i == j {
					continue
				}
				w := q[i*n+j]
				f := 4 * (exag*p[i*n+j] - w/z) * w
				g[0] += f * (y[i][0] - y[j][0])
				g[1] += f * (y[i][1] - y[j][1])
			}
			for k := 0; k < 2; k++ {
				if (g[k] > 0) == (vel[i][k] > 0) {
					gains[i][k] = math.Max(gains[i][k]*0.8, 0.01)
				} else {
					gains[i][k] += 0.2
				}
				vel[i][k] = mom*vel[i][k] - lr*gains[i][k]*g[k]
			}
		}
		for i := range y {
			y[i][0] += vel[i][0]
			y[i][1] += vel[i][1]
		}
	}
	return y, nil
}

// affinities returns the symmetric joint probabilities P of t-SNE for squared distances d.
func affinities(d []float64, n int, perplexity float64) []float64 {
	p := make([]float64, n*n)
	target := math.Log(perplexity)
	row := make([]float64, n)
	for i := 0; i < n; i++ {
		lo, hi, beta := 0.0, math.Inf(1), 1.0
		for step := 0; step < 64; step++ {
			var sum, hsum float64
			for j := 0; j < n; j++ {
				if j == i {
					row[j] = 0
					continue
				}
				row[j] = math.Exp(-d[i*n+j] * beta)
				sum += row[j]
				hsum += d[i*n+j] * row[j]
			}
			if sum == 0 {
				sum = 1e-300
			}
			h := math.Log(sum) + beta*hsum/sum
			if math.Abs(h-target) < 1e-5 {
				break
			}
			if h > target {
				lo = beta
				if math.IsInf(hi, 1) {
					beta *= 2
				} else {
					beta = (beta + hi) / 2
				}
			} else {
				hi = beta
				beta = (beta + lo) / 2
			}
		}
		var sum float64
		for j := 0; j < n; j++ {
			sum += row[j]
		}
		for j := 0; j < n; j++ {
			if sum > 0 {
				p[i*n+j] = row[j] / sum
			}
		}
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			v := math.Max((p[i*n+j]+p[j*n+i])/(2*float64(n)), 1e-12)
			p[i*n+j], p[j*n+i] = v, v
		}
	}
	return p
}
