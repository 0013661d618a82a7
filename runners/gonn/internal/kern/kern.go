package kern

import "math"

// ScaleShiftGo writes y = x*a + b (then max(., 0) under relu).
func ScaleShiftGo(x, y []float32, a, b float32, relu bool) {
	y = y[:len(x)]
	if relu {
		for i, v := range x {
			y[i] = max(v*a+b, 0)
		}
		return
	}
	for i, v := range x {
		y[i] = v*a + b
	}
}

// ShiftedSumsGo returns Σ(v-shift) and Σ(v-shift)², accumulated in T (two lanes); the
// portable path of ShiftedSums, and the float64 one of the Go runner's gradient checks.
func ShiftedSumsGo[T ~float32 | ~float64](v []T, shift T) (float64, float64) {
	var s0, s1, q0, q1 T
	i := 0
	for ; i+2 <= len(v); i += 2 {
		d0, d1 := v[i]-shift, v[i+1]-shift
		s0 += d0
		s1 += d1
		q0 += d0 * d0
		q1 += d1 * d1
	}
	for ; i < len(v); i++ {
		d := v[i] - shift
		s0 += d
		q0 += d * d
	}
	return float64(s0) + float64(s1), float64(q0) + float64(q1)
}

// ReluGradSumDotGo writes g = dy masked by y != 0 (y a ReLU output, so y >= +0; branchless:
// the ReLU pattern is random) and returns Σg and Σg (x - mean).
func ReluGradSumDotGo(y, dy, x, g []float32, mean float32) (float64, float64) {
	dy, x, g = dy[:len(y)], x[:len(y)], g[:len(y)]
	var s0, t0 float32
	for i, v := range y {
		m := math.Float32bits(v) &^ (1 << 31)
		mask := uint32(int32(m|-m) >> 31) // all ones when y != 0
		gi := math.Float32frombits(math.Float32bits(dy[i]) & mask)
		g[i] = gi
		s0 += gi
		t0 += gi * (x[i] - mean)
	}
	return float64(s0), float64(t0)
}

// BNBackFinalGo writes g = k g - c1 x - c0.
func BNBackFinalGo(g, x []float32, k, c1, c0 float32) {
	x = x[:len(g)]
	for i := range g {
		g[i] = k*g[i] - c0 - c1*x[i]
	}
}

// SumDotGo returns Σg and Σg (x - mean).
func SumDotGo(g, x []float32, mean float32) (float64, float64) {
	x = x[:len(g)]
	var s0, t0 float32
	for i, v := range g {
		s0 += v
		t0 += v * (x[i] - mean)
	}
	return float64(s0), float64(t0)
}

// AddReluGo writes y = max(0, a + b).
func AddReluGo(a, b, y []float32) {
	a, b = a[:len(y)], b[:len(y)]
	for i := range y {
		y[i] = max(a[i]+b[i], 0)
	}
}

// ReluMaskGo writes g = dy where y != 0 (y a ReLU output, >= +0), else 0, branchless.
func ReluMaskGo(y, dy, g []float32) {
	dy, g = dy[:len(y)], g[:len(y)]
	for i, v := range y {
		m := math.Float32bits(v) &^ (1 << 31)
		mask := uint32(int32(m|-m) >> 31)
		g[i] = math.Float32frombits(math.Float32bits(dy[i]) & mask)
	}
}
