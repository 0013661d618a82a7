//go:build !amd64

package kern

// HaveAVX is false: no assembly kernels on this architecture.
const HaveAVX = false

// HaveAVX512 is false: no assembly kernels on this architecture.
const HaveAVX512 = false

// SgemmKernel16x16 is not available here (HaveAVX512 is false).
func SgemmKernel16x16(k int, a, b, c *float32, ldb, ldc int, add int) {
	panic("kern: no sgemm kernel on this architecture")
}

// SgemmKernel4x16 is not available here (HaveAVX is false).
func SgemmKernel4x16(k int, a, b, c *float32, ldc int, add int, ldb int) {
	panic("kern: no sgemm kernel on this architecture")
}

func ScaleShift(x, y []float32, a, b float32, relu bool) { ScaleShiftGo(x, y, a, b, relu) }

func ShiftedSums(v []float32, shift float32) (float64, float64) { return ShiftedSumsGo(v, shift) }

func ReluGradSumDot(y, dy, x, g []float32, mean float32) (float64, float64) {
	return ReluGradSumDotGo(y, dy, x, g, mean)
}

func BNBackFinal(g, x []float32, k, c1, c0 float32) { BNBackFinalGo(g, x, k, c1, c0) }

func SumDot(g, x []float32, mean float32) (float64, float64) { return SumDotGo(g, x, mean) }

func AddRelu(a, b, y []float32) { AddReluGo(a, b, y) }

func ReluMask(y, dy, g []float32) { ReluMaskGo(y, dy, g) }
