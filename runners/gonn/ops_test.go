package gonn

import (
	"fmt"
	"math"
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/occbench/occbench/internal/keyed"
	"github.com/occbench/occbench/runners/gonn/internal/kern"
)

// checkOpGrad is a numerical gradient check of a custom op in float64: loss = Σ y ⊙ c with a
// fixed random c; every element of every input is perturbed by ±eps and the central
// difference compared with the gradient G.Grad builds from the op's SymDiff.
func checkOpGrad(t *testing.T, name string, shapes [][]int, wrt []bool, build func(in []*G.Node) (*G.Node, error)) {
	t.Helper()
	r := keyed.Rand(11, "opgrad", name)
	g := G.NewGraph()
	var ins, ws []*G.Node
	var vals []*tensor.Dense
	for i, s := range shapes {
		n := 1
		for _, d := range s {
			n *= d
		}
		v := make([]float64, n)
		for k := range v {
			v[k] = r.NormFloat64()
		}
		if len(s) == 1 { // batch-norm scales away from 0
			for k := range v {
				v[k] = 0.5 + math.Abs(v[k])
			}
		}
		tv := tensor.New(tensor.WithShape(s...), tensor.WithBacking(v))
		nd := G.NewTensor(g, G.Float64, len(s), G.WithShape(s...), G.WithValue(tv), G.WithName(fmt.Sprintf("in%d", i)))
		ins = append(ins, nd)
		vals = append(vals, tv)
		if wrt[i] {
			ws = append(ws, nd)
		}
	}
	y, err := build(ins)
	if err != nil {
		t.Fatal(err)
	}
	cs := make([]float64, y.Shape().TotalSize())
	for k := range cs {
		cs[k] = r.NormFloat64()
	}
	c := G.NewTensor(g, G.Float64, y.Dims(), G.WithShape(y.Shape()...), G.WithName("c"),
		G.WithValue(tensor.New(tensor.WithShape(y.Shape()...), tensor.WithBacking(cs))))
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(y, c))))
	grads, err := G.Grad(loss, ws...)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	run := func() float64 {
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		return loss.Value().Data().(float64)
	}
	run()
	var an [][]float64
	for _, gr := range grads {
		an = append(an, append([]float64(nil), gr.Value().Data().([]float64)...))
	}
	j := 0
	for i, v := range vals {
		if !wrt[i] {
			continue
		}
		d := v.Data().([]float64)
		const eps = 1e-6
		worst := 0.0
		for k := range d {
			o := d[k]
			d[k] = o + eps
			lp := run()
			d[k] = o - eps
			lm := run()
			d[k] = o
			num := (lp - lm) / (2 * eps)
			e := math.Abs(num-an[j][k]) / (1 + math.Abs(num))
			worst = max(worst, e)
			if e > 1e-5 {
				t.Fatalf("%s: input %d [%d]: numeric %.8f analytic %.8f", name, i, k, num, an[j][k])
			}
		}
		t.Logf("%s: input %d: %d elements, worst relative error %.2g", name, i, len(d), worst)
		j++
	}
}

func TestGradConvOp(t *testing.T) {
	cases := []struct{ b, cin, h, w, cout, k, s, p int }{
		{2, 3, 5, 5, 4, 3, 1, 1}, // stride 1: flipped-weight dx
		{2, 3, 6, 5, 4, 3, 2, 1}, // stride 2: col2im dx
		{2, 2, 5, 6, 3, 3, 1, 0}, // no padding
		{2, 3, 7, 7, 2, 5, 2, 2}, // 5x5 stride 2
		{3, 4, 4, 4, 3, 1, 1, 0}, // 1x1: the input is its own column matrix
		{2, 4, 5, 5, 3, 1, 2, 0}, // 1x1 stride 2
		{1, 2, 9, 9, 2, 7, 2, 3}, // 7x7 stride 2 (ResNet stem)
		{3, 2, 4, 4, 2, 3, 1, 2}, // padding wider than usual
	}
	for _, c := range cases {
		name := fmt.Sprintf("conv b%d %dx%dx%d -> %d k%d s%d p%d", c.b, c.cin, c.h, c.w, c.cout, c.k, c.s, c.p)
		checkOpGrad(t, name, [][]int{{c.b, c.cin, c.h, c.w}, {c.cout, c.cin, c.k, c.k}}, []bool{true, true},
			func(in []*G.Node) (*G.Node, error) { return conv2d(in[0], in[1], c.k, c.s, c.p, true, true) })
	}
}

// The fused convolution equals gorgonia's stock Conv2d (float32 forward).
func TestConvOpMatchesGorgonia(t *testing.T) {
	r := keyed.Rand(5, "convref")
	for _, c := range []struct{ k, s, p int }{{3, 1, 1}, {3, 2, 1}, {1, 2, 0}, {7, 2, 3}} {
		g := G.NewGraph()
		xv := make([]float32, 2*3*9*9)
		wv := make([]float32, 4*3*c.k*c.k)
		for i := range xv {
			xv[i] = float32(r.NormFloat64())
		}
		for i := range wv {
			wv[i] = float32(r.NormFloat64())
		}
		x := G.NewTensor(g, G.Float32, 4, G.WithShape(2, 3, 9, 9), G.WithValue(tensor.New(tensor.WithShape(2, 3, 9, 9), tensor.WithBacking(xv))))
		w := G.NewTensor(g, G.Float32, 4, G.WithShape(4, 3, c.k, c.k), G.WithValue(tensor.New(tensor.WithShape(4, 3, c.k, c.k), tensor.WithBacking(wv))))
		ours := G.Must(conv2d(x, w, c.k, c.s, c.p, true, true))
		ref := G.Must(G.Conv2d(x, w, tensor.Shape{c.k, c.k}, []int{c.p, c.p}, []int{c.s, c.s}, []int{1, 1}))
		vm := G.NewTapeMachine(g)
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		a, b := ours.Value().Data().([]float32), ref.Value().Data().([]float32)
		if !slices.Equal(ours.Shape(), ref.Shape()) {
			t.Fatalf("k%d s%d p%d: shape %v vs %v", c.k, c.s, c.p, ours.Shape(), ref.Shape())
		}
		for i := range a {
			if math.Abs(float64(a[i]-b[i])) > 1e-4*(1+math.Abs(float64(b[i]))) {
				t.Fatalf("k%d s%d p%d: [%d] %v vs gorgonia %v", c.k, c.s, c.p, i, a[i], b[i])
			}
		}
		vm.Close()
	}
}

func TestGradBNOp(t *testing.T) {
	for _, train := range []bool{true, false} {
		for _, relu := range []bool{false, true} {
			name := fmt.Sprintf("bn train=%v relu=%v", train, relu)
			st := &BNState{Mean: []float32{0.1, -0.2, 0.3}, Var: []float32{0.5, 1.5, 2}, Channels: 3}
			checkOpGrad(t, name, [][]int{{4, 3, 3, 2}, {3}, {3}}, []bool{true, true, true},
				func(in []*G.Node) (*G.Node, error) {
					return G.ApplyOp(newBNOp(in[0].Shape(), st, train, relu, 0.1, 1e-5), in[0], in[1], in[2])
				})
		}
	}
}

// Training-mode batch norm updates the running statistics as PyTorch: momentum 0.1 on the
// batch mean and the unbiased batch variance.
func TestBNOpRunningStats(t *testing.T) {
	x := []float32{1, 2, 3, 4, 10, 20, 30, 40} // B=2, C=2, HW=2
	st := &BNState{Mean: []float32{0, 1}, Var: []float32{1, 1}, Channels: 2}
	op := newBNOp(tensor.Shape{2, 2, 2}, st, true, false, 0.1, 1e-5)
	xt := tensor.New(tensor.WithShape(2, 2, 2), tensor.WithBacking(x))
	one := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{1, 1}))
	zero := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{0, 0}))
	if _, err := op.Do(xt, one, zero); err != nil {
		t.Fatal(err)
	}
	// channel 0: {1,2,10,20} mean 8.25, unbiased var 78.25; channel 1: {3,4,30,40} mean 19.25
	want := []float64{0.9*0 + 0.1*8.25, 0.9*1 + 0.1*19.25}
	wantV := []float64{0.9 + 0.1*(sqsum([]float64{1, 2, 10, 20})/3), 0.9 + 0.1*(sqsum([]float64{3, 4, 30, 40})/3)}
	for c := range 2 {
		if math.Abs(float64(st.Mean[c])-want[c]) > 1e-5 || math.Abs(float64(st.Var[c])-wantV[c]) > 1e-4 {
			t.Fatalf("channel %d: mean %v var %v, want %v %v", c, st.Mean[c], st.Var[c], want[c], wantV[c])
		}
	}
}

func sqsum(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	s := 0.0
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return s
}

func TestGradAddReluAndPoolOps(t *testing.T) {
	checkOpGrad(t, "addRelu", [][]int{{2, 3, 2, 2}, {2, 3, 2, 2}}, []bool{true, true},
		func(in []*G.Node) (*G.Node, error) {
			return G.ApplyOp(newAddReluOp(in[0].Shape()), in[0], in[1])
		})
	checkOpGrad(t, "add", [][]int{{2, 3}, {2, 3}}, []bool{true, true},
		func(in []*G.Node) (*G.Node, error) {
			return G.ApplyOp(newAddOp(in[0].Shape()), in[0], in[1])
		})
	checkOpGrad(t, "avgpool", [][]int{{2, 3, 3, 2}}, []bool{true},
		func(in []*G.Node) (*G.Node, error) {
			s := in[0].Shape()
			return G.ApplyOp(&poolOp{id: newOpID(), B: s[0], C: s[1], H: s[2], W: s[3]}, in[0])
		})
	// the whole fused residual block: conv, BN+ReLU, conv, BN, add+ReLU
	checkOpGrad(t, "block", [][]int{{2, 2, 4, 4}, {2, 2, 3, 3}, {2}, {2}, {2, 2, 3, 3}, {2}, {2}}, []bool{true, true, true, true, true, true, true},
		func(in []*G.Node) (*G.Node, error) {
			st1 := &BNState{Mean: make([]float32, 2), Var: []float32{1, 1}}
			st2 := &BNState{Mean: make([]float32, 2), Var: []float32{1, 1}}
			h, err := conv2d(in[0], in[1], 3, 1, 1, true, true)
			if err != nil {
				return nil, err
			}
			h = G.Must(G.ApplyOp(newBNOp(h.Shape(), st1, true, true, 0.1, 1e-5), h, in[2], in[3]))
			h = G.Must(conv2d(h, in[4], 3, 1, 1, true, true))
			h = G.Must(G.ApplyOp(newBNOp(h.Shape(), st2, true, false, 0.1, 1e-5), h, in[5], in[6]))
			return G.ApplyOp(newAddReluOp(h.Shape()), h, in[0])
		})
}

// The contiguous-shift im2col of stride-1 "same" convolutions equals the generic one.
func TestIm2colSame(t *testing.T) {
	r := keyed.Rand(3, "im2col")
	for _, c := range []struct{ cin, h, w, k int }{{2, 5, 5, 3}, {3, 4, 7, 3}, {1, 1, 1, 3}, {2, 1, 6, 3}, {2, 6, 1, 3}, {2, 6, 6, 5}, {1, 2, 2, 5}, {2, 9, 8, 7}} {
		p := (c.k - 1) / 2
		g := convGeom{B: 1, Cin: c.cin, H: c.h, W: c.w, Cout: 1, K: c.k, S: 1, P: p, OH: c.h, OW: c.w}
		x := make([]float32, c.cin*c.h*c.w)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		a := make([]float32, g.kd()*g.ohw())
		b := make([]float32, len(a))
		for i := range a {
			a[i], b[i] = 7, 7 // stale values must be overwritten
		}
		im2colSame(g, x, a)
		im2colGeneric(g, x, b)
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%+v: [%d] %v vs generic %v", c, i, a[i], b[i])
			}
		}
	}
}

// The polyphase stride-2 im2col equals the generic one.
func TestIm2colStride2(t *testing.T) {
	r := keyed.Rand(6, "im2col2")
	for _, c := range []struct{ cin, h, w, k, p int }{{2, 8, 8, 3, 1}, {3, 7, 9, 3, 1}, {1, 6, 5, 1, 0}, {2, 9, 9, 7, 3}, {2, 5, 6, 5, 2}, {1, 2, 2, 3, 1}, {2, 4, 7, 3, 0}, {1, 3, 3, 3, 2}} {
		g := convGeom{B: 1, Cin: c.cin, H: c.h, W: c.w, Cout: 1, K: c.k, S: 2, P: c.p,
			OH: (c.h+2*c.p-c.k)/2 + 1, OW: (c.w+2*c.p-c.k)/2 + 1}
		x := make([]float32, c.cin*c.h*c.w)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		a := make([]float32, g.kd()*g.ohw())
		b := make([]float32, len(a))
		for i := range a {
			a[i], b[i] = 7, 7
		}
		im2colStride2(g, x, a, make([]float32, len(x)))
		im2colGeneric(g, x, b)
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%+v: [%d] %v vs generic %v", c, i, a[i], b[i])
			}
		}
	}
}

func TestReluGradFloat32(t *testing.T) {
	y := []float32{0, 1, 1e-42, 3.5, 0, float32(math.Inf(1)), 2}
	dy := []float32{1, -2, 3, 4, -5, 6, float32(math.Copysign(0, -1))}
	g := make([]float32, len(y))
	reluGrad(y, dy, g)
	want := []float32{0, -2, 3, 4, 0, 6, float32(math.Copysign(0, -1))}
	for i := range g {
		if math.Float32bits(g[i]) != math.Float32bits(want[i]) {
			t.Fatalf("[%d]: %v want %v", i, g[i], want[i])
		}
	}
}

func TestReluGradSumDot32(t *testing.T) {
	r := keyed.Rand(4, "rgsd")
	n := 37
	y, dy, x := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range y {
		y[i] = max(float32(r.NormFloat64()), 0)
		dy[i] = float32(r.NormFloat64())
		x[i] = float32(r.NormFloat64())
	}
	g1, g2 := make([]float32, n), make([]float32, n)
	a0, a1 := kern.ReluGradSumDot(y, dy, x, g1, 0.3)
	reluGrad(y, dy, g2)
	b0, b1 := sumDot(g2, x, float32(0.3))
	for i := range g1 {
		if g1[i] != g2[i] {
			t.Fatalf("[%d] %v vs %v", i, g1[i], g2[i])
		}
	}
	if math.Abs(a0-b0) > 1e-5 || math.Abs(a1-b1) > 1e-5 {
		t.Fatalf("sums %v %v vs %v %v", a0, a1, b0, b1)
	}
}

// Graph.Features of a training graph is the pooled feature v, before the DFV addition v+beta*d
// (the tape machine must not run the addition in place over it).
func TestTrainingGraphFeaturesBeforeDFVAdd(t *testing.T) {
	m, _ := NewModel(miniArch(), 1)
	g, err := NewGraph(m, 4, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	x := g.X.Data().([]float32)
	for i := range x {
		x[i] = float32(i%7) * 0.1
	}
	g.Y.Data().([]float32)[0] = 1
	if err := g.Run(); err != nil {
		t.Fatal(err)
	}
	f0 := append([]float32(nil), g.Features()...)
	d := g.D.Data().([]float32)
	for i := range d {
		d[i] = 5
	}
	if err := g.Run(); err != nil {
		t.Fatal(err)
	}
	for i, v := range g.Features() {
		if v != f0[i] {
			t.Fatalf("feature %d: %v with d = 5, %v with d = 0", i, v, f0[i])
		}
	}
}

// The float32 batch-norm kernels (AVX2 on amd64) against plain Go, over lengths with tails.
func TestBNKernels32(t *testing.T) {
	r := keyed.Rand(8, "bnkern")
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-4*(1+math.Abs(b)) }
	for n := 0; n < 70; n += 3 {
		x, y, dy, g := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64())
			y[i] = max(float32(r.NormFloat64()), 0)
			dy[i] = float32(r.NormFloat64())
		}
		for _, relu := range []bool{false, true} {
			want := make([]float32, n)
			kern.ScaleShiftGo(x, want, 1.3, -0.2, relu)
			kern.ScaleShift(x, g, 1.3, -0.2, relu)
			for i := range g {
				if !close(float64(g[i]), float64(want[i])) {
					t.Fatalf("scaleShift n%d relu %v [%d]: %v want %v", n, relu, i, g[i], want[i])
				}
			}
		}
		s, q := kern.ShiftedSums(x, 0.4)
		s2, q2 := kern.ShiftedSumsGo(x, 0.4)
		if !close(s, s2) || !close(q, q2) {
			t.Fatalf("shiftedSums n%d: %v %v want %v %v", n, s, q, s2, q2)
		}
		want := make([]float32, n)
		a0, a1 := kern.ReluGradSumDot(y, dy, x, g, 0.3)
		b0, b1 := kern.ReluGradSumDotGo(y, dy, x, want, 0.3)
		if !close(a0, b0) || !close(a1, b1) {
			t.Fatalf("reluGradSumDot n%d: %v %v want %v %v", n, a0, a1, b0, b1)
		}
		for i := range g {
			if g[i] != want[i] {
				t.Fatalf("reluGradSumDot n%d [%d]: %v want %v", n, i, g[i], want[i])
			}
		}
		copy(want, g)
		kern.BNBackFinal(g, x, 0.7, 0.2, -0.1)
		kern.BNBackFinalGo(want, x, 0.7, 0.2, -0.1)
		for i := range g {
			if !close(float64(g[i]), float64(want[i])) {
				t.Fatalf("bnBackFinal n%d [%d]: %v want %v", n, i, g[i], want[i])
			}
		}
	}
	for n := 0; n < 40; n += 5 {
		a, b, y, dy := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range a {
			a[i], b[i], dy[i] = float32(r.NormFloat64()), float32(r.NormFloat64()), float32(r.NormFloat64())
		}
		got, want := make([]float32, n), make([]float32, n)
		kern.AddRelu(a, b, got)
		kern.AddReluGo(a, b, want)
		kern.AddReluGo(a, b, y)
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("addRelu n%d [%d]: %v want %v", n, i, got[i], want[i])
			}
		}
		kern.ReluMask(y, dy, got)
		kern.ReluMaskGo(y, dy, want)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("reluMask n%d [%d]: %v want %v", n, i, got[i], want[i])
			}
		}
		s0, s1 := kern.SumDot(dy, a, 0.2)
		t0, t1 := kern.SumDotGo(dy, a, 0.2)
		if !close(s0, t0) || !close(s1, t1) {
			t.Fatalf("sumDot n%d: %v %v want %v %v", n, s0, s1, t0, t1)
		}
	}
	// a NaN survives the ReLU (so a NaN loss still stops training)
	x := make([]float32, 16)
	x[3] = float32(math.NaN())
	y := make([]float32, 16)
	kern.ScaleShift(x, y, 1, 0, true)
	if !math.IsNaN(float64(y[3])) {
		t.Fatalf("relu(NaN) = %v", y[3])
	}
	kern.AddRelu(x, make([]float32, 16), y)
	if !math.IsNaN(float64(y[3])) {
		t.Fatalf("addRelu(NaN) = %v", y[3])
	}
}
