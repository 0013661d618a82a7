package gonn

import (
	"runtime"
	"syscall"
	"testing"
)

// BenchmarkGemmShapes measures sgemm (OpenBLAS under -tags openblas, else the pure-Go kernel)
// on resnet-mini's per-image convolution shapes, in GFLOP/s of wall time and of the calling
// thread's CPU time (the latter is meaningful on a busy machine). The orientations the ops use
// were chosen with it: forward y_b = w col (M = Cout), weight gradient dw^T = col dy_b^T
// (M = Cin*K*K; dw = dy_b col^T ran at about half the speed), input gradient of stride-1
// convolutions as a forward convolution with flipped weights. Also used to compare OpenBLAS
// core types (OPENBLAS_CORETYPE=Haswell vs the auto-detected Cooperlake on Zen 4).
func BenchmarkGemmShapes(b *testing.B) {
	cases := []struct {
		name    string
		tA, tB  bool
		m, n, k int
	}{
		{"fwd16-32x32", false, false, 16, 1024, 144},
		{"fwd16-64x64", false, false, 16, 4096, 144},
		{"fwd32-32x32", false, false, 32, 256, 288},
		{"fwd32-64x64", false, false, 32, 1024, 288},
		{"fwd3-64x64", false, false, 16, 4096, 27},
		{"gradWT16-64x64", false, true, 144, 16, 4096},
		{"gradW16-64x64", false, true, 16, 144, 4096},
		{"gradWT32-64x64", false, true, 288, 32, 1024},
		{"gradW32-64x64", false, true, 32, 288, 1024},
		{"gradWT3-64x64", false, true, 27, 16, 4096},
		{"dcol32-64x64", true, false, 144, 1024, 32},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			a := make([]float32, c.m*c.k)
			bb := make([]float32, c.k*c.n)
			cc := make([]float32, c.m*c.n)
			for i := range a {
				a[i] = float32(i%7) * 0.1
			}
			for i := range bb {
				bb[i] = float32(i%5) * 0.1
			}
			lda, ldb := c.k, c.n
			if c.tA {
				lda = c.m
			}
			if c.tB {
				ldb = c.k
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			t0 := threadCPU()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				sgemm(c.tA, c.tB, c.m, c.n, c.k, a, lda, bb, ldb, 0, cc, c.n)
			}
			flop := float64(2*c.m*c.n*c.k) * float64(b.N)
			b.ReportMetric(flop/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(flop/(threadCPU()-t0)/1e9, "cpuGFLOP/s")
		})
	}
}

func threadCPU() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(1, &ru) // RUSAGE_THREAD
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
