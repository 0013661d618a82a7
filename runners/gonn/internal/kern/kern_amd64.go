//go:build amd64

package kern

import "golang.org/x/sys/cpu"

// HaveAVX reports whether the AVX2+FMA kernels of kern_amd64.s run on this CPU.
var HaveAVX = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// HaveAVX512 reports whether SgemmKernel16x16 (AVX-512F) runs on this CPU.
var HaveAVX512 = HaveAVX && cpu.X86.HasAVX512F

// SgemmKernel16x16 computes a 16 x 16 tile: c[r*ldc+j] = (c[r*ldc+j] if add) + Σ_kk
// a[kk*16+r] b[kk*ldb+j], from a packed 16-row panel of A and 16 columns of B read in place.
// Only when HaveAVX512.
//
//go:noescape
func SgemmKernel16x16(k int, a, b, c *float32, ldb, ldc int, add int)

// SgemmKernel4x16 computes a 4 x 16 tile: c[r*ldc+j] = (c[r*ldc+j] if add) + Σ_kk
// a[kk*4+r] b[kk*ldb+j], from a packed 4-row panel of A and 16 columns of B, packed (ldb 16)
// or read in place. Only when HaveAVX.
//
//go:noescape
func SgemmKernel4x16(k int, a, b, c *float32, ldc int, add int, ldb int)

//go:noescape
func scaleShiftAVX(x, y *float32, n int, a, b float32, relu int32)

//go:noescape
func shiftedSumsAVX(v *float32, n int, shift float32) (s, q float32)

//go:noescape
func reluGradSumDotAVX(y, dy, x, gr *float32, n int, mean float32) (s0, s1 float32)

//go:noescape
func bnBackFinalAVX(gr, x *float32, n int, k, c1, c0 float32)

// ScaleShift writes y = x*a + b (then max(0, .) under relu; a NaN stays NaN).
func ScaleShift(x, y []float32, a, b float32, relu bool) {
	y = y[:len(x)]
	n := len(x) &^ 7
	if HaveAVX && n > 0 {
		r := int32(0)
		if relu {
			r = 1
		}
		scaleShiftAVX(&x[0], &y[0], n, a, b, r)
	} else {
		n = 0
	}
	ScaleShiftGo(x[n:], y[n:], a, b, relu)
}

// ShiftedSums returns Σ(v-shift) and Σ(v-shift)².
func ShiftedSums(v []float32, shift float32) (float64, float64) {
	n := len(v) &^ 7
	var s, q float64
	if HaveAVX && n > 0 {
		s32, q32 := shiftedSumsAVX(&v[0], n, shift)
		s, q = float64(s32), float64(q32)
	} else {
		n = 0
	}
	s2, q2 := ShiftedSumsGo(v[n:], shift)
	return s + s2, q + q2
}

// ReluGradSumDot writes g = dy masked by y != 0 (y a ReLU output) and returns Σg and
// Σg (x - mean).
func ReluGradSumDot(y, dy, x, g []float32, mean float32) (float64, float64) {
	dy, x, g = dy[:len(y)], x[:len(y)], g[:len(y)]
	n := len(y) &^ 7
	var s0, s1 float64
	if HaveAVX && n > 0 {
		a, b := reluGradSumDotAVX(&y[0], &dy[0], &x[0], &g[0], n, mean)
		s0, s1 = float64(a), float64(b)
	} else {
		n = 0
	}
	a, b := ReluGradSumDotGo(y[n:], dy[n:], x[n:], g[n:], mean)
	return s0 + a, s1 + b
}

// BNBackFinal writes g = k g - c1 x - c0.
func BNBackFinal(g, x []float32, k, c1, c0 float32) {
	x = x[:len(g)]
	n := len(g) &^ 7
	if HaveAVX && n > 0 {
		bnBackFinalAVX(&g[0], &x[0], n, k, c1, c0)
	} else {
		n = 0
	}
	BNBackFinalGo(g[n:], x[n:], k, c1, c0)
}

//go:noescape
func sumDotAVX(gr, x *float32, n int, mean float32) (s0, s1 float32)

//go:noescape
func addReluAVX(a, b, y *float32, n int)

//go:noescape
func reluMaskAVX(y, dy, gr *float32, n int)

// SumDot returns Σg and Σg (x - mean).
func SumDot(g, x []float32, mean float32) (float64, float64) {
	x = x[:len(g)]
	n := len(g) &^ 7
	var s0, s1 float64
	if HaveAVX && n > 0 {
		a, b := sumDotAVX(&g[0], &x[0], n, mean)
		s0, s1 = float64(a), float64(b)
	} else {
		n = 0
	}
	a, b := SumDotGo(g[n:], x[n:], mean)
	return s0 + a, s1 + b
}

// AddRelu writes y = max(0, a + b).
func AddRelu(a, b, y []float32) {
	a, b = a[:len(y)], b[:len(y)]
	n := len(y) &^ 7
	if HaveAVX && n > 0 {
		addReluAVX(&a[0], &b[0], &y[0], n)
	} else {
		n = 0
	}
	AddReluGo(a[n:], b[n:], y[n:])
}

// ReluMask writes g = dy where y != 0 (y a ReLU output), else 0.
func ReluMask(y, dy, g []float32) {
	dy, g = dy[:len(y)], g[:len(y)]
	n := len(y) &^ 7
	if HaveAVX && n > 0 {
		reluMaskAVX(&y[0], &dy[0], &g[0], n)
	} else {
		n = 0
	}
	ReluMaskGo(y[n:], dy[n:], g[n:])
}
