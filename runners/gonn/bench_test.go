package gonn

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"

	"github.com/occbench/occbench/runners"
)

// BenchmarkTrainResNetMini measures training images/s (forward, backward, SGD update) of
// resnet-mini (conv 3->16, residual block 16, stride-2 conv 16->32, residual block 32, pool,
// linear) at batch 32, the shape scripts/bench_vs_pytorch.sh compares against PyTorch.
func BenchmarkTrainResNetMini(b *testing.B) {
	for _, side := range []int{32, 64} {
		b.Run(fmt.Sprintf("%dx%d", side, side), func(b *testing.B) {
			runtime.GC() // free the previous round's trainer: peak memory is one trainer's
			m, err := NewModel(Arch{Name: "resnet-mini", NumClasses: 10, InputSize: side}, 1)
			if err != nil {
				b.Fatal(err)
			}
			data := toyData(32, side, 4, 1, "bench")
			cfg := TrainConfig{Method: runners.MethodClassical, Epochs: 1, BatchSize: 32,
				Optimizer: runners.Optimizer{Name: "sgd", LR: 0.01, Momentum: 0.9, WeightDecay: 5e-4},
				Schedule:  runners.Schedule{Name: "constant"}, Seed: 1}
			tr, err := NewTrainer(m, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer tr.Close()
			last := 0.0
			if _, err := tr.Epoch(0, data, nil, &last); err != nil { // build the graph, warm up
				b.Fatal(err)
			}
			tr.images, tr.seconds = 0, 0
			cpu0 := processCPU()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := tr.Epoch(0, data, nil, &last); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(tr.Throughput(), "img/s")
			// CPU time per image (all threads): comparable across runs on a busy machine.
			b.ReportMetric((processCPU()-cpu0)*1e3/float64(tr.images), "cpu_ms/img")
			b.ReportMetric(float64(PeakRSS())/(1<<20), "peakRSS_MiB")
		})
	}
}

func processCPU() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
