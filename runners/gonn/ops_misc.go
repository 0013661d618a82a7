package gonn

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/occbench/occbench/runners/gonn/internal/kern"
)

// binaryOp is the shared part of the two-input ops whose output has their inputs' shape
// (add, addRelu, reluMask): an id for hashing, the shape, an owned output buffer and the
// kernel for each dtype.
type binaryOp struct {
	baseOp
	name  string
	id    int64
	shape tensor.Shape
	out   *tensor.Dense
	f32   func(a, b, y []float32)
	f64   func(a, b, y []float64)
}

func (op *binaryOp) Arity() int    { return 2 }
func (op *binaryOp) Type() hm.Type { d := len(op.shape); return fnType(d, d, d) }
func (op *binaryOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.shape.Clone(), nil
}
func (op *binaryOp) String() string        { return fmt.Sprintf("%s#%d(%v)", op.name, op.id, op.shape) }
func (op *binaryOp) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op *binaryOp) Hashcode() uint32      { return hashOf(op) }

func (op *binaryOp) Do(vs ...G.Value) (G.Value, error) {
	return do2(op, &op.out, op.shape, vs, op.f32, op.f64)
}

// addOp is y = a + b into its own buffer. The DFV addition uses it rather than gorgonia's Add,
// which the tape machine may run in place over its first input: that input is the pooled
// feature, which Graph.Features returns after the run.
type addOp struct{ binaryOp }

func newAddOp(shape tensor.Shape) *addOp {
	return &addOp{binaryOp{name: "add", id: newOpID(), shape: shape.Clone(), f32: addInto[float32], f64: addInto[float64]}}
}

func (op *addOp) DiffWRT(int) []bool { return []bool{true, true} }

func addInto[T float](a, b, y []T) {
	a, b = a[:len(y)], b[:len(y)]
	for i := range y {
		y[i] = a[i] + b[i]
	}
}

// SymDiff: the gradient passes unchanged to both inputs.
func (op *addOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return G.Nodes{grad, grad}, nil
}

// addReluOp is the residual join y = max(0, a + b). Its gradient with respect to both inputs
// is dy masked by y > 0 (reluMaskOp).
type addReluOp struct{ binaryOp }

func newAddReluOp(shape tensor.Shape) *addReluOp {
	return &addReluOp{binaryOp{name: "addRelu", id: newOpID(), shape: shape.Clone(), f32: addRelu[float32], f64: addRelu[float64]}}
}

func (op *addReluOp) DiffWRT(int) []bool { return []bool{true, true} }

func addRelu[T float](a, b, y []T) {
	parallel(len(y), func(_, lo, hi int) {
		a, b, y := a[lo:hi], b[lo:hi], y[lo:hi]
		if y32, ok := any(y).([]float32); ok {
			kern.AddRelu(any(a).([]float32), any(b).([]float32), y32)
			return
		}
		for i := range y {
			y[i] = max(a[i]+b[i], 0)
		}
	})
}

func (op *addReluOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	g, err := G.ApplyOp(newReluMaskOp(op.shape), output, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{g, g}, nil
}

// reluMaskOp is dy where y > 0, else 0, from (y, dy).
type reluMaskOp struct{ binaryOp }

func newReluMaskOp(shape tensor.Shape) *reluMaskOp {
	return &reluMaskOp{binaryOp{name: "reluMask", id: newOpID(), shape: shape.Clone(), f32: reluMask[float32], f64: reluMask[float64]}}
}

func reluMask[T float](y, dy, dx []T) {
	parallel(len(dx), func(_, lo, hi int) { reluGrad(y[lo:hi], dy[lo:hi], dx[lo:hi]) })
}

// reluGrad writes g = dy where y > 0, else 0, for y a ReLU output (y >= +0). The float32
// path is branchless (kern.ReluMask): the ReLU pattern is random, so a branch would
// mispredict about half the time.
func reluGrad[T float](y, dy, g []T) {
	if y32, ok := any(y).([]float32); ok {
		kern.ReluMask(y32, any(dy).([]float32), any(g).([]float32))
		return
	}
	for i, v := range y {
		if v > 0 {
			g[i] = dy[i]
		} else {
			g[i] = 0
		}
	}
}

// poolOp is global average pooling, B x C x H x W -> B x C (the DFV of the ResNets).
type poolOp struct {
	baseOp
	id         int64
	B, C, H, W int
	out        *tensor.Dense
}

func (op *poolOp) Arity() int    { return 1 }
func (op *poolOp) Type() hm.Type { return fnType(4, 2) }
func (op *poolOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.B, op.C}, nil
}
func (op *poolOp) String() string {
	return fmt.Sprintf("avgpool#%d(%dx%dx%dx%d)", op.id, op.B, op.C, op.H, op.W)
}
func (op *poolOp) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op *poolOp) Hashcode() uint32      { return hashOf(op) }
func (op *poolOp) DiffWRT(int) []bool    { return []bool{true} }

func (op *poolOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 1 {
		return nil, fmt.Errorf("%v: %d inputs", op, len(vs))
	}
	dt, err := dtypeOf(op, vs...)
	if err != nil {
		return nil, err
	}
	out := outBuf(&op.out, dt, op.B, op.C)
	if dt == tensor.Float32 {
		avgPool(op, data[float32](vs[0]), data[float32](out))
	} else {
		avgPool(op, data[float64](vs[0]), data[float64](out))
	}
	return out, nil
}

func avgPool[T float](op *poolOp, x, y []T) {
	hw := op.H * op.W
	for i := range y {
		y[i] = T(sum64(x[i*hw:(i+1)*hw]) / float64(hw))
	}
}

func (op *poolOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	g, err := G.ApplyOp(&poolGradOp{id: newOpID(), fwd: op}, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{g}, nil
}

// poolGradOp spreads dy (B x C) evenly over each channel's H x W positions.
type poolGradOp struct {
	baseOp
	id  int64
	fwd *poolOp
	out *tensor.Dense
}

func (op *poolGradOp) Arity() int    { return 1 }
func (op *poolGradOp) Type() hm.Type { return fnType(2, 4) }
func (op *poolGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.fwd.B, op.fwd.C, op.fwd.H, op.fwd.W}, nil
}
func (op *poolGradOp) String() string        { return fmt.Sprintf("avgpoolGrad#%d(%v)", op.id, op.fwd) }
func (op *poolGradOp) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op *poolGradOp) Hashcode() uint32      { return hashOf(op) }

func (op *poolGradOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 1 {
		return nil, fmt.Errorf("%v: %d inputs", op, len(vs))
	}
	dt, err := dtypeOf(op, vs...)
	if err != nil {
		return nil, err
	}
	f := op.fwd
	out := outBuf(&op.out, dt, f.B, f.C, f.H, f.W)
	if dt == tensor.Float32 {
		avgPoolBack(f, data[float32](vs[0]), data[float32](out))
	} else {
		avgPoolBack(f, data[float64](vs[0]), data[float64](out))
	}
	return out, nil
}

func avgPoolBack[T float](f *poolOp, dy, dx []T) {
	hw := f.H * f.W
	for i, d := range dy {
		v := d / T(hw)
		s := dx[i*hw : (i+1)*hw]
		for k := range s {
			s[k] = v
		}
	}
}
