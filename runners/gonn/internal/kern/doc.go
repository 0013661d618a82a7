// Package kern holds the engine's float32 inner loops: AVX2+FMA assembly on amd64 (the
// pure-Go build's sgemm micro-kernel and the batch-norm / ReLU element loops) with plain Go
// versions for the tails and other CPUs. It is a package of its own because a package using
// cgo (gonn under -tags openblas) cannot hold Go assembly.
package kern
