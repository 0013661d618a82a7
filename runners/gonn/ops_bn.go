package gonn

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/occbench/occbench/runners/gonn/internal/kern"
)

// bnOp is batch normalization over (B, H, W) per channel, y = gamma x̂ + beta, optionally fused
// with a ReLU (y = max(0, gamma x̂ + beta)). In training mode x̂ uses the batch mean and biased
// variance and the running statistics are updated as PyTorch (and gorgonia's BatchNormOp) do:
// running = (1-momentum) running + momentum batch, with the unbiased batch variance. In
// inference mode x̂ uses the running statistics. The running statistics are the model's
// BNState slices themselves, so graphs of every batch size share them without copying.
// Inputs: x (B x C x H x W), gamma (C), beta (C).
type bnOp struct {
	baseOp
	id       int64
	B, C, HW int
	shape    tensor.Shape
	train    bool
	relu     bool
	momentum float64
	eps      float64
	st       *BNState

	// per-channel mean and 1/sqrt(var+eps) used by the last forward run (for the backward)
	mean, invstd []float64
	out          *tensor.Dense
}

func newBNOp(shape tensor.Shape, st *BNState, train, relu bool, momentum, eps float64) *bnOp {
	hw := 1
	for _, d := range shape[2:] {
		hw *= d
	}
	return &bnOp{id: newOpID(), B: shape[0], C: shape[1], HW: hw, shape: shape.Clone(), train: train, relu: relu,
		momentum: momentum, eps: eps, st: st, mean: make([]float64, shape[1]), invstd: make([]float64, shape[1])}
}

func (op *bnOp) Arity() int    { return 3 }
func (op *bnOp) Type() hm.Type { return fnType(len(op.shape), 1, 1, len(op.shape)) }
func (op *bnOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.shape.Clone(), nil
}
func (op *bnOp) String() string {
	return fmt.Sprintf("bn#%d(%v train=%v relu=%v)", op.id, op.shape, op.train, op.relu)
}
func (op *bnOp) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op *bnOp) Hashcode() uint32      { return hashOf(op) }
func (op *bnOp) DiffWRT(int) []bool    { return []bool{true, true, true} }

func (op *bnOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 3 {
		return nil, fmt.Errorf("%v: %d inputs", op, len(vs))
	}
	dt, err := dtypeOf(op, vs...)
	if err != nil {
		return nil, err
	}
	out := outBuf(&op.out, dt, op.shape...)
	if dt == tensor.Float32 {
		bnForward(op, data[float32](vs[0]), data[float32](vs[1]), data[float32](vs[2]), data[float32](out))
	} else {
		bnForward(op, data[float64](vs[0]), data[float64](vs[1]), data[float64](vs[2]), data[float64](out))
	}
	return out, nil
}

func bnForward[T float](op *bnOp, x, gamma, beta, y []T) {
	B, C, HW := op.B, op.C, op.HW
	n := float64(B * HW)
	parallel(C, func(_, lo, hi int) {
		for c := lo; c < hi; c++ {
			var mean, invstd float64
			if op.train {
				// one pass of sums shifted by the channel's first value (stable when the
				// shift is a sample of the same distribution), accumulated per image in
				// float32 and across images in float64
				shift := x[c*HW]
				var s, ss float64
				for b := 0; b < B; b++ {
					xs := x[(b*C+c)*HW : (b*C+c+1)*HW]
					var a, q float64
					if x32, ok := any(xs).([]float32); ok {
						a, q = kern.ShiftedSums(x32, float32(shift))
					} else {
						a, q = kern.ShiftedSumsGo(xs, shift)
					}
					s += a
					ss += q
				}
				d := s / n
				mean = float64(shift) + d
				v := max(ss-d*s, 0) // Σ(x-mean)² = Σ(x-shift)² - n d²
				invstd = 1 / math.Sqrt(v/n+op.eps)
				if op.st != nil {
					m := op.momentum
					op.st.Mean[c] = float32(m*mean + (1-m)*float64(op.st.Mean[c]))
					unbiased := v / max(n-1, 1)
					op.st.Var[c] = float32(m*unbiased + (1-m)*float64(op.st.Var[c]))
				}
			} else {
				mean = float64(op.st.Mean[c])
				invstd = 1 / math.Sqrt(float64(op.st.Var[c])+op.eps)
			}
			op.mean[c], op.invstd[c] = mean, invstd
			a := T(float64(gamma[c]) * invstd)
			sh := T(float64(beta[c]) - mean*float64(gamma[c])*invstd)
			for b := 0; b < B; b++ {
				xs := x[(b*C+c)*HW : (b*C+c+1)*HW]
				ys := y[(b*C+c)*HW : (b*C+c+1)*HW][:len(xs)]
				if x32, ok := any(xs).([]float32); ok {
					kern.ScaleShift(x32, any(ys).([]float32), float32(a), float32(sh), op.relu)
					continue
				}
				if op.relu {
					for i, v := range xs {
						ys[i] = max(v*a+sh, 0)
					}
				} else {
					for i, v := range xs {
						ys[i] = v*a + sh
					}
				}
			}
		}
	})
}

func sum64[T float](v []T) float64 {
	var s0, s1, s2, s3 T
	i := 0
	for ; i+4 <= len(v); i += 4 {
		s0 += v[i]
		s1 += v[i+1]
		s2 += v[i+2]
		s3 += v[i+3]
	}
	for ; i < len(v); i++ {
		s0 += v[i]
	}
	return float64(s0) + float64(s1) + float64(s2) + float64(s3)
}

// SymDiff: one fused backward op computes dx from (x, gamma, y, dy) and, on the way, the
// per-channel sums Σg and Σg x̂ (g = dy, masked by y > 0 under the ReLU); dgamma = Σg x̂ and
// dbeta = Σg are read from it by two small ops that take dx as their input (for ordering).
func (op *bnOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 3 {
		return nil, fmt.Errorf("%v: %d inputs", op, len(inputs))
	}
	back := &bnGradOp{fwd: op, id: newOpID(), stats: make([]float64, 2*op.C)}
	dx, err := G.ApplyOp(back, inputs[0], inputs[1], output, grad)
	if err != nil {
		return nil, err
	}
	dg, err := G.ApplyOp(&bnParamGradOp{back: back, row: 1, id: newOpID()}, dx)
	if err != nil {
		return nil, err
	}
	db, err := G.ApplyOp(&bnParamGradOp{back: back, row: 0, id: newOpID()}, dx)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dg, db}, nil
}

// bnGradOp computes dx from (x, gamma, y, dy), per channel in two passes over the channel's
// data (which the first pass leaves in cache): g and the sums Σg, Σg x̂ (kept in stats),
// then training mode: dx = gamma invstd (g - Σg/N - x̂ Σg x̂/N); inference mode:
// dx = gamma invstd g.
type bnGradOp struct {
	baseOp
	fwd   *bnOp
	id    int64
	stats []float64 // [Σg (C), Σg x̂ (C)] of the last run
	out   *tensor.Dense
}

func (op *bnGradOp) Arity() int { return 4 }
func (op *bnGradOp) Type() hm.Type {
	d := len(op.fwd.shape)
	return fnType(d, 1, d, d, d)
}
func (op *bnGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.fwd.shape.Clone(), nil
}
func (op *bnGradOp) String() string        { return fmt.Sprintf("bnGrad#%d(%v)", op.id, op.fwd) }
func (op *bnGradOp) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op *bnGradOp) Hashcode() uint32      { return hashOf(op) }

func (op *bnGradOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 4 {
		return nil, fmt.Errorf("%v: %d inputs", op, len(vs))
	}
	dt, err := dtypeOf(op, vs...)
	if err != nil {
		return nil, err
	}
	out := outBuf(&op.out, dt, op.fwd.shape...)
	if dt == tensor.Float32 {
		bnBack(op, data[float32](vs[0]), data[float32](vs[1]), data[float32](vs[2]), data[float32](vs[3]), data[float32](out))
	} else {
		bnBack(op, data[float64](vs[0]), data[float64](vs[1]), data[float64](vs[2]), data[float64](vs[3]), data[float64](out))
	}
	return out, nil
}

func bnBack[T float](op *bnGradOp, x, gamma, y, dy, dx []T) {
	f := op.fwd
	B, C, HW := f.B, f.C, f.HW
	n := float64(B * HW)
	parallel(C, func(_, lo, hi int) {
		for c := lo; c < hi; c++ {
			mean := T(f.mean[c])
			var sg, sgx float64
			for b := 0; b < B; b++ {
				o := (b*C + c) * HW
				xs, g := x[o:o+HW], dx[o:o+HW]
				var a0, a1 float64
				if g32, ok := any(g).([]float32); ok && f.relu {
					a0, a1 = kern.ReluGradSumDot(any(y).([]float32)[o:o+HW], any(dy).([]float32)[o:o+HW], any(xs).([]float32), g32, float32(mean))
				} else {
					if f.relu {
						reluGrad(y[o:o+HW], dy[o:o+HW], g)
					} else {
						copy(g, dy[o:o+HW])
					}
					if g32, ok := any(g).([]float32); ok {
						a0, a1 = kern.SumDot(g32, any(xs).([]float32), float32(mean))
					} else {
						a0, a1 = sumDot(g, xs, mean)
					}
				}
				sg += a0
				sgx += a1
			}
			invstd := f.invstd[c]
			op.stats[c], op.stats[C+c] = sg, sgx*invstd
			k := T(float64(gamma[c]) * invstd)
			var c0, c1 T
			if f.train {
				c0 = T(float64(gamma[c]) * invstd * sg / n)
				c1 = T(float64(gamma[c]) * invstd * invstd * sgx * invstd / n)
			}
			for b := 0; b < B; b++ {
				o := (b*C + c) * HW
				xs, g := x[o:o+HW], dx[o:o+HW]
				if g32, ok := any(g).([]float32); ok {
					kern.BNBackFinal(g32, any(xs).([]float32), float32(k), float32(c1), float32(c0-c1*mean))
					continue
				}
				for i := range g[:len(xs)] {
					g[i] = k*g[i] - c0 - c1*(xs[i]-mean)
				}
			}
		}
	})
}

// sumDot returns Σg and Σg (x - mean).
func sumDot[T float](g, x []T, mean T) (float64, float64) {
	var s0, s1, t0, t1 T
	x = x[:len(g)]
	i := 0
	for ; i+2 <= len(g); i += 2 {
		s0 += g[i]
		s1 += g[i+1]
		t0 += g[i] * (x[i] - mean)
		t1 += g[i+1] * (x[i+1] - mean)
	}
	for ; i < len(g); i++ {
		s0 += g[i]
		t0 += g[i] * (x[i] - mean)
	}
	return float64(s0) + float64(s1), float64(t0) + float64(t1)
}

// bnParamGradOp returns dgamma (row 1) or dbeta (row 0) of a bnGradOp's last run; its input
// is that op's dx, so it runs after it.
type bnParamGradOp struct {
	baseOp
	back *bnGradOp
	row  int
	id   int64
	out  *tensor.Dense
}

func (op *bnParamGradOp) Arity() int    { return 1 }
func (op *bnParamGradOp) Type() hm.Type { return fnType(len(op.back.fwd.shape), 1) }
func (op *bnParamGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.back.fwd.C}, nil
}
func (op *bnParamGradOp) String() string {
	return fmt.Sprintf("bnParamGrad#%d(row %d of %v)", op.id, op.row, op.back)
}
func (op *bnParamGradOp) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op *bnParamGradOp) Hashcode() uint32      { return hashOf(op) }

func (op *bnParamGradOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 1 {
		return nil, fmt.Errorf("%v: %d inputs", op, len(vs))
	}
	dt, err := dtypeOf(op, vs...)
	if err != nil {
		return nil, err
	}
	C := op.back.fwd.C
	out := outBuf(&op.out, dt, C)
	src := op.back.stats[op.row*C : (op.row+1)*C]
	if dt == tensor.Float32 {
		d := data[float32](out)
		for i, v := range src {
			d[i] = float32(v)
		}
	} else {
		copy(data[float64](out), src)
	}
	return out, nil
}
