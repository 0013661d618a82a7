package gonn

// Shared machinery of the engine's custom gorgonia ops (ops_conv.go, ops_bn.go, ops_misc.go).
//
// The ops keep gorgonia as the graph and autodiff framework: each is a gorgonia Op (Do) and an
// SDOp (SymDiff returns further custom ops for the backward pass), so G.Grad builds the
// backward graph and the tape machine runs it. What they add over gorgonia's stock ops:
//   - fused kernels (im2col straight into sgemm with NCHW output, BN+ReLU, add+ReLU, pooling);
//   - buffers owned by the op and reused on every run: an op's Do returns the same tensor each
//     time (a graph is compiled once per batch size and run many times), so the training loop
//     allocates nothing for them. The tape machine may later write into such a tensor (register
//     reuse, in-place ops) only after its last reader; every op rewrites its whole output on
//     each run and never reads another op's buffer except through its graph inputs.
//   - both cores: the work is split over the batch (or the channels) across GOMAXPROCS
//     goroutines.
// Kernels are generic over float32 (the engine) and float64 (numerical gradient checks).

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

type float interface{ ~float32 | ~float64 }

var opSeq atomic.Int64

// newOpID gives every stateful op a distinct identity, so gorgonia never merges two of their
// nodes (it deduplicates nodes by op hash and children).
func newOpID() int64 { return opSeq.Add(1) }

// gemm dispatches to sgemm or dgemm (row-major, C = op(A) op(B) + beta C).
func gemm[T float](tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	switch a := any(a).(type) {
	case []float32:
		sgemm(tA, tB, m, n, k, a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		dgemm(tA, tB, m, n, k, a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// workers is how many goroutines the ops split their work over.
func workers() int { return max(1, runtime.GOMAXPROCS(0)) }

// parallel runs f(w, lo, hi) over [0,n) split into at most workers() contiguous chunks; the
// calling goroutine runs chunk 0.
func parallel(n int, f func(w, lo, hi int)) {
	nw := min(workers(), n)
	if nw <= 1 {
		if n > 0 {
			f(0, 0, n)
		}
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < nw; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			f(w, w*n/nw, (w+1)*n/nw)
		}(w)
	}
	f(0, 0, n/nw)
	wg.Wait()
}

// outBuf returns *p, (re)allocating it when it is missing or of another dtype.
func outBuf(p **tensor.Dense, dt tensor.Dtype, shape ...int) *tensor.Dense {
	if *p == nil || (*p).Dtype() != dt {
		*p = tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
	}
	return *p
}

// scratch returns per-worker slices of at least n elements kept in *p.
func scratch[T float](p *any, nw, n int) [][]T {
	s, _ := (*p).([][]T)
	if len(s) < nw || (len(s) > 0 && len(s[0]) < n) {
		s = make([][]T, nw)
		for i := range s {
			s[i] = make([]T, n)
		}
		*p = s
	}
	return s
}

// Column-matrix buffers are shared by all convolution ops through pools by size class (a
// power of two), rather than each op keeping one per worker: the tape machine runs one op at a
// time, so a deep network needs only about GOMAXPROCS of them.
var colPools [2][64]sync.Pool

// getCols returns a buffer of n elements from the pool.
func getCols[T float](n int) *[]T {
	cls := bits.Len(uint(n - 1))
	kind := 0
	if _, ok := any(T(0)).(float64); ok {
		kind = 1
	}
	if p, ok := colPools[kind][cls].Get().(*[]T); ok {
		*p = (*p)[:n]
		return p
	}
	b := make([]T, n, 1<<cls)
	return &b
}

func putCols[T float](p *[]T) {
	kind := 0
	if _, ok := any(T(0)).(float64); ok {
		kind = 1
	}
	colPools[kind][bits.Len(uint(cap(*p)-1))].Put(p)
}

// data returns a value's backing slice as []T.
func data[T float](v G.Value) []T { return v.Data().([]T) }

// dtypeOf returns the dtype of the first input, which must be float32 or float64.
// do2 is the Do of every two-input op: check the inputs, pick their dtype, reuse the op's
// output buffer of the given shape and run the kernel for that dtype.
func do2(op fmt.Stringer, buf **tensor.Dense, shape []int, vs []G.Value, f32 func(a, b, y []float32), f64 func(a, b, y []float64)) (G.Value, error) {
	if len(vs) != 2 {
		return nil, fmt.Errorf("%v: %d inputs", op, len(vs))
	}
	dt, err := dtypeOf(op, vs...)
	if err != nil {
		return nil, err
	}
	out := outBuf(buf, dt, shape...)
	if dt == tensor.Float32 {
		f32(data[float32](vs[0]), data[float32](vs[1]), data[float32](out))
	} else {
		f64(data[float64](vs[0]), data[float64](vs[1]), data[float64](out))
	}
	return out, nil
}

func dtypeOf(op fmt.Stringer, vs ...G.Value) (tensor.Dtype, error) {
	for i, v := range vs {
		if _, ok := v.(tensor.Tensor); !ok {
			return tensor.Dtype{}, fmt.Errorf("%v: input %d is %T, not a tensor", op, i, v)
		}
		if v.Dtype() != vs[0].Dtype() {
			return tensor.Dtype{}, fmt.Errorf("%v: input %d is %v, input 0 %v", op, i, v.Dtype(), vs[0].Dtype())
		}
	}
	dt := vs[0].Dtype()
	if dt != tensor.Float32 && dt != tensor.Float64 {
		return dt, fmt.Errorf("%v: dtype %v (float32 or float64 only)", op, dt)
	}
	return dt, nil
}

// baseOp holds what every custom op answers the same way.
type baseOp struct{}

func (baseOp) ReturnsPtr() bool     { return false }
func (baseOp) CallsExtern() bool    { return false }
func (baseOp) OverwritesInput() int { return -1 }

func hashOf(s fmt.Stringer) uint32 {
	h := fnv.New32a()
	fmt.Fprint(h, s.String())
	return h.Sum32()
}

func writeHash(h hash.Hash, s fmt.Stringer) { fmt.Fprint(h, s.String()) }

// fnType is a ∷ t_in1 → ... → t_out for tensors of the given ranks over one dtype variable.
func fnType(dims ...int) hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, len(dims))
	for i, d := range dims {
		ts[i] = &G.TensorType{Dims: d, Of: a}
	}
	return hm.NewFnType(ts...)
}

func shapeOf(in G.DimSizer) (tensor.Shape, error) {
	s, ok := in.(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("expected a shape, got %T", in)
	}
	return s, nil
}
