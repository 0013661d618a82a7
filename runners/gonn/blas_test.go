package gonn

import (
	"math"
	"testing"

	"github.com/occbench/occbench/internal/keyed"
)

// sgemm (OpenBLAS, or the pure-Go packed AVX2 kernel, or gonum) against a naive product, over
// shapes with ragged edges, both transposes, beta 0 and 1 and leading dimensions wider than
// the matrices.
func TestSgemm(t *testing.T) {
	r := keyed.Rand(1, "sgemm")
	for _, s := range [][3]int{{1, 1, 1}, {4, 16, 8}, {5, 17, 3}, {16, 1024, 144}, {3, 33, 70}, {144, 16, 1000}, {31, 15, 2}, {8, 48, 1}, {16, 32, 5}, {32, 48, 144}, {16, 1024, 27}} {
		m, n, k := s[0], s[1], s[2]
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for _, beta := range []float32{0, 1} {
					ra, ca := m, k
					if tA {
						ra, ca = k, m
					}
					rb, cb := k, n
					if tB {
						rb, cb = n, k
					}
					lda, ldb, ldc := ca+2, cb+1, n+3
					a := make([]float32, (ra-1)*lda+ca)
					b := make([]float32, (rb-1)*ldb+cb)
					c := make([]float32, (m-1)*ldc+n)
					for i := range a {
						a[i] = float32(r.NormFloat64())
					}
					for i := range b {
						b[i] = float32(r.NormFloat64())
					}
					for i := range c {
						c[i] = float32(r.NormFloat64())
					}
					want := append([]float32(nil), c...)
					for i := 0; i < m; i++ {
						for j := 0; j < n; j++ {
							var s float64
							for l := 0; l < k; l++ {
								var av, bv float32
								if tA {
									av = a[l*lda+i]
								} else {
									av = a[i*lda+l]
								}
								if tB {
									bv = b[j*ldb+l]
								} else {
									bv = b[l*ldb+j]
								}
								s += float64(av) * float64(bv)
							}
							want[i*ldc+j] = float32(s + float64(beta)*float64(c[i*ldc+j]))
						}
					}
					sgemm(tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
					for i := range c {
						if math.Abs(float64(c[i]-want[i])) > 1e-4*(1+math.Sqrt(float64(k))) {
							t.Fatalf("m%d n%d k%d tA %v tB %v beta %v: [%d] %v want %v", m, n, k, tA, tB, beta, i, c[i], want[i])
						}
					}
				}
			}
		}
	}
}
