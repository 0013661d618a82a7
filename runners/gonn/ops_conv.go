package gonn

import (
	"hash"

	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// convGeom is one convolution's fixed geometry: x B x Cin x H x W, w Cout x Cin x K x K,
// square stride S and zero padding P, y B x Cout x OH x OW.
type convGeom struct {
	B, Cin, H, W, Cout, K, S, P, OH, OW int
}

func (g convGeom) kd() int      { return g.Cin * g.K * g.K } // rows of an image's column matrix
func (g convGeom) ohw() int     { return g.OH * g.OW }
func (g convGeom) direct() bool { return g.K == 1 && g.S == 1 && g.P == 0 } // x is its own column matrix

func (g convGeom) String() string {
	return fmt.Sprintf("x%dx%dx%dx%d w%dx%dx%dx%d s%d p%d", g.B, g.Cin, g.H, g.W, g.Cout, g.Cin, g.K, g.K, g.S, g.P)
}

// im2col writes one image's column matrix: row (c*K+ky)*K+kx, column oy*OW+ox holds
// x[c, oy*S-P+ky, ox*S-P+kx] (zero outside the image).
func im2col[T float](g convGeom, x, col []T) {
	if g.S == 1 && g.OH == g.H && g.OW == g.W {
		im2colSame(g, x, col)
		return
	}
	if g.S == 2 && g.H >= 2 && g.W >= 2 {
		buf := getCols[T](g.Cin * g.H * g.W)
		im2colStride2(g, x, col, *buf)
		putCols(buf)
		return
	}
	im2colGeneric(g, x, col)
}

// im2colStride2 is im2col for stride 2 through the input's four polyphase planes
// q[py][px][a][b] = x[2a+py][2b+px]: kernel offset (ky, kx) reads plane ((ky-P) mod 2,
// (kx-P) mod 2) shifted by floor((k-P)/2), so every output row is one contiguous copy instead
// of a strided gather. planes needs Cin*H*W elements.
func im2colStride2[T float](g convGeom, x, col, planes []T) {
	H, W, hw, ohw := g.H, g.W, g.H*g.W, g.ohw()
	var off [2][2]int // plane offsets within a channel's H*W block
	var hq, wq [2]int // plane sizes
	for p := 0; p < 2; p++ {
		hq[p], wq[p] = (H-p+1)/2, (W-p+1)/2
	}
	off[0][1] = hq[0] * wq[0]
	off[1][0] = off[0][1] + hq[0]*wq[1]
	off[1][1] = off[1][0] + hq[1]*wq[0]
	for c := 0; c < g.Cin; c++ {
		xc, pc := x[c*hw:(c+1)*hw], planes[c*hw:(c+1)*hw]
		for iy := 0; iy < H; iy++ {
			row := xc[iy*W : (iy+1)*W]
			py, a := iy&1, iy>>1
			e := pc[off[py][0]+a*wq[0]:][:wq[0]]
			o := pc[off[py][1]+a*wq[1]:][:wq[1]]
			for b := range e {
				e[b] = row[2*b]
			}
			for b := range o {
				o[b] = row[2*b+1]
			}
		}
	}
	floorDiv2 := func(v int) int { return v >> 1 } // arithmetic shift: floor for negatives too
	for c := 0; c < g.Cin; c++ {
		pc := planes[c*hw : (c+1)*hw]
		for ky := 0; ky < g.K; ky++ {
			py, qy := (ky-g.P)&1, floorDiv2(ky-g.P)
			for kx := 0; kx < g.K; kx++ {
				px, qx := (kx-g.P)&1, floorDiv2(kx-g.P)
				plane := pc[off[py][px] : off[py][px]+hq[py]*wq[px]]
				row := col[((c*g.K+ky)*g.K+kx)*ohw:][:ohw]
				lo, hi := max(0, -qx), min(g.OW, wq[px]-qx) // output columns inside the plane
				for oy := 0; oy < g.OH; oy++ {
					d := row[oy*g.OW : (oy+1)*g.OW]
					a := oy + qy
					if a < 0 || a >= hq[py] || lo >= hi {
						clear(d)
						continue
					}
					for i := 0; i < lo; i++ {
						d[i] = 0
					}
					copy(d[lo:hi], plane[a*wq[px]+lo+qx:a*wq[px]+hi+qx])
					for i := hi; i < len(d); i++ {
						d[i] = 0
					}
				}
			}
		}
	}
}

func im2colGeneric[T float](g convGeom, x, col []T) {
	ohw := g.ohw()
	for c := 0; c < g.Cin; c++ {
		xc := x[c*g.H*g.W : (c+1)*g.H*g.W]
		for ky := 0; ky < g.K; ky++ {
			for kx := 0; kx < g.K; kx++ {
				row := col[((c*g.K+ky)*g.K+kx)*ohw:][:ohw]
				// output columns whose input column lies inside the image: [lo, hi)
				lo, hi := g.validRange(kx, g.W, g.OW)
				for oy := 0; oy < g.OH; oy++ {
					d := row[oy*g.OW : (oy+1)*g.OW]
					iy := oy*g.S - g.P + ky
					if iy < 0 || iy >= g.H || lo >= hi {
						clear(d)
						continue
					}
					src := xc[iy*g.W:]
					for ox := 0; ox < lo; ox++ { // a few elements: no memclr call
						d[ox] = 0
					}
					if g.S == 1 {
						copy(d[lo:hi], src[lo-g.P+kx:hi-g.P+kx])
					} else if dd := d[lo:hi]; len(dd) > 0 {
						// strided gather; slicing first lets the compiler drop the bounds checks
						sv := src[lo*g.S-g.P+kx:][:(len(dd)-1)*g.S+1]
						if g.S == 2 {
							for i := range dd {
								dd[i] = sv[2*i]
							}
						} else {
							for i := range dd {
								dd[i] = sv[i*g.S]
							}
						}
					}
					for ox := hi; ox < len(d); ox++ {
						d[ox] = 0
					}
				}
			}
		}
	}
}

// im2colSame is im2col for a stride-1 "same" convolution (output as large as the input): a
// kernel offset (ky, kx) shifts the whole image by (ky-P)*W + kx-P elements, so each row of
// the column matrix is one contiguous copy, then the columns that wrapped around a row edge
// and the rows outside the image are zeroed.
func im2colSame[T float](g convGeom, x, col []T) {
	H, W, hw := g.H, g.W, g.H*g.W
	for c := 0; c < g.Cin; c++ {
		xc := x[c*hw : (c+1)*hw]
		for ky := 0; ky < g.K; ky++ {
			dy := ky - g.P
			oy0, oy1 := max(0, -dy), min(H, H-dy) // rows with the source row inside the image
			for kx := 0; kx < g.K; kx++ {
				dx := kx - g.P
				row := col[((c*g.K+ky)*g.K+kx)*hw:][:hw]
				if oy0 >= oy1 || dx <= -W || dx >= W {
					clear(row)
					continue
				}
				clear(row[:oy0*W])
				clear(row[oy1*W:])
				// row[j] = xc[j + dy*W + dx] for j in [oy0*W, oy1*W), clipped to xc
				off := dy*W + dx
				lo, hi := max(oy0*W, -off), min(oy1*W, hw-off)
				copy(row[lo:hi], xc[lo+off:hi+off])
				for j := oy0 * W; j < lo; j++ {
					row[j] = 0
				}
				for j := hi; j < oy1*W; j++ {
					row[j] = 0
				}
				if dx < 0 {
					for oy := oy0; oy < oy1; oy++ {
						for ox := 0; ox < -dx; ox++ {
							row[oy*W+ox] = 0
						}
					}
				} else if dx > 0 {
					for oy := oy0; oy < oy1; oy++ {
						for ox := W - dx; ox < W; ox++ {
							row[oy*W+ox] = 0
						}
					}
				}
			}
		}
	}
}

// col2im adds a column matrix back into one image (the transpose of im2col); dx must be zeroed.
func col2im[T float](g convGeom, col, dx []T) {
	ohw := g.ohw()
	for c := 0; c < g.Cin; c++ {
		xc := dx[c*g.H*g.W : (c+1)*g.H*g.W]
		for ky := 0; ky < g.K; ky++ {
			for kx := 0; kx < g.K; kx++ {
				row := col[((c*g.K+ky)*g.K+kx)*ohw:][:ohw]
				lo, hi := g.validRange(kx, g.W, g.OW)
				if lo >= hi {
					continue
				}
				for oy := 0; oy < g.OH; oy++ {
					iy := oy*g.S - g.P + ky
					if iy < 0 || iy >= g.H {
						continue
					}
					s := row[oy*g.OW:]
					dst := xc[iy*g.W:]
					if g.S == 1 {
						d := dst[lo-g.P+kx : hi-g.P+kx]
						s := s[lo:hi]
						for i := range d {
							d[i] += s[i]
						}
					} else {
						ix := lo*g.S - g.P + kx
						for ox := lo; ox < hi; ox++ {
							dst[ix] += s[ox]
							ix += g.S
						}
					}
				}
			}
		}
	}
}

// validRange is the range of output positions whose input position o*S-P+k lies in [0, n).
func (g convGeom) validRange(k, n, on int) (lo, hi int) {
	// o*S - P + k >= 0  <=>  o >= ceil((P-k)/S)
	lo = 0
	if g.P-k > 0 {
		lo = (g.P - k + g.S - 1) / g.S
	}
	// o*S - P + k <= n-1  <=>  o <= floor((n-1+P-k)/S)
	if n-1+g.P-k < 0 {
		return lo, lo
	}
	hi = min(on, (n-1+g.P-k)/g.S+1)
	return lo, max(lo, hi)
}

// convOp is a fused 2-D convolution, y = conv(x, w), output in NCHW. Per image: im2col into a
// per-worker column buffer, then one gemm y_b (Cout x OH*OW) = w (Cout x Cin*K*K) x col.
// The batch is split over GOMAXPROCS goroutines, each calling a single-threaded gemm.
type convOp struct {
	baseOp
	convGeom
	id             int64
	needDX, needDW bool

	out *tensor.Dense
}

func newConvOp(b, cin, h, w, cout, k, s, p int) *convOp {
	g := convGeom{B: b, Cin: cin, H: h, W: w, Cout: cout, K: k, S: s, P: p,
		OH: (h+2*p-k)/s + 1, OW: (w+2*p-k)/s + 1}
	return &convOp{convGeom: g, id: newOpID(), needDX: true, needDW: true}
}

func (op *convOp) Arity() int    { return 2 }
func (op *convOp) Type() hm.Type { return fnType(4, 4, 4) }
func (op *convOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.B, op.Cout, op.OH, op.OW}, nil
}
func (op *convOp) String() string        { return fmt.Sprintf("conv#%d(%v)", op.id, op.convGeom) }
func (op *convOp) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op *convOp) Hashcode() uint32      { return hashOf(op) }
func (op *convOp) DiffWRT(int) []bool    { return []bool{op.needDX, op.needDW} }

func (op *convOp) Do(vs ...G.Value) (G.Value, error) {
	return do2(op, &op.out, []int{op.B, op.Cout, op.OH, op.OW}, vs,
		func(a, b, y []float32) { convForward(op, a, b, y) }, func(a, b, y []float64) { convForward(op, a, b, y) })
}

func convForward[T float](op *convOp, x, w, y []T) {
	g := op.convGeom
	kd, ohw := g.kd(), g.ohw()
	in, on := g.Cin*g.H*g.W, g.Cout*ohw
	parallel(g.B, func(wk, lo, hi int) {
		buf := getCols[T](kd * ohw)
		defer putCols(buf)
		col := *buf
		for b := lo; b < hi; b++ {
			xb := x[b*in : (b+1)*in]
			if g.direct() {
				col = xb
			} else {
				im2col(g, xb, col)
			}
			gemm(false, false, g.Cout, ohw, kd, w, kd, col, ohw, 0, y[b*on:(b+1)*on], ohw)
		}
	})
}

func (op *convOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("%v: %d inputs", op, len(inputs))
	}
	res := make(G.Nodes, 2)
	var err error
	if op.needDX {
		if res[0], err = G.ApplyOp(&convGradXOp{convGeom: op.convGeom, id: newOpID()}, inputs[1], grad); err != nil {
			return nil, err
		}
	}
	if op.needDW {
		if res[1], err = G.ApplyOp(&convGradWOp{convGeom: op.convGeom, id: newOpID()}, inputs[0], grad); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// convGradXOp is dL/dx of a convolution from (w, dy): per image, dcol = w^T dy_b (gemm), then
// col2im into dx_b (a 1x1 stride-1 convolution writes the gemm straight into dx_b).
type convGradXOp struct {
	baseOp
	convGeom
	id    int64
	out   *tensor.Dense
	wflip any
}

func (op *convGradXOp) Arity() int    { return 2 }
func (op *convGradXOp) Type() hm.Type { return fnType(4, 4, 4) }
func (op *convGradXOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.B, op.Cin, op.H, op.W}, nil
}
func (op *convGradXOp) String() string        { return fmt.Sprintf("convGradX#%d(%v)", op.id, op.convGeom) }
func (op *convGradXOp) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op *convGradXOp) Hashcode() uint32      { return hashOf(op) }

func (op *convGradXOp) Do(vs ...G.Value) (G.Value, error) {
	return do2(op, &op.out, []int{op.B, op.Cin, op.H, op.W}, vs,
		func(a, b, y []float32) { convBackX(op, a, b, y) }, func(a, b, y []float64) { convBackX(op, a, b, y) })
}

func convBackX[T float](op *convGradXOp, w, dy, dx []T) {
	g := op.convGeom
	if g.S == 1 && g.P <= g.K-1 && !g.direct() {
		convBackXFlip(op, w, dy, dx)
		return
	}
	kd, ohw := g.kd(), g.ohw()
	in, on := g.Cin*g.H*g.W, g.Cout*ohw
	parallel(g.B, func(wk, lo, hi int) {
		buf := getCols[T](kd * ohw)
		defer putCols(buf)
		col := *buf
		for b := lo; b < hi; b++ {
			dxb := dx[b*in : (b+1)*in]
			if g.direct() {
				gemm(true, false, kd, ohw, g.Cout, w, kd, dy[b*on:(b+1)*on], ohw, 0, dxb, ohw)
				continue
			}
			gemm(true, false, kd, ohw, g.Cout, w, kd, dy[b*on:(b+1)*on], ohw, 0, col, ohw)
			clear(dxb)
			col2im(g, col, dxb)
		}
	})
}

// convBackXFlip computes a stride-1 convolution's dx as a forward convolution of dy with the
// flipped, transposed weights w'[ci, co, ky, kx] = w[co, ci, K-1-ky, K-1-kx] and padding
// K-1-P: a copy-based im2col of dy and a forward-shaped gemm replace the gemm into a column
// matrix and the scatter-add col2im.
func convBackXFlip[T float](op *convGradXOp, w, dy, dx []T) {
	g := op.convGeom
	t := convGeom{B: g.B, Cin: g.Cout, H: g.OH, W: g.OW, Cout: g.Cin, K: g.K, S: 1, P: g.K - 1 - g.P, OH: g.H, OW: g.W}
	kk := g.K * g.K
	wf := scratch[T](&op.wflip, 1, len(w))[0][:len(w)]
	for co := 0; co < g.Cout; co++ {
		for ci := 0; ci < g.Cin; ci++ {
			src := w[(co*g.Cin+ci)*kk : (co*g.Cin+ci+1)*kk]
			dst := wf[(ci*g.Cout+co)*kk : (ci*g.Cout+co+1)*kk]
			for i := range dst {
				dst[i] = src[kk-1-i]
			}
		}
	}
	kd, ohw := t.kd(), t.ohw()
	in, on := t.Cin*t.H*t.W, t.Cout*ohw
	parallel(t.B, func(wk, lo, hi int) {
		buf := getCols[T](kd * ohw)
		defer putCols(buf)
		col := *buf
		for b := lo; b < hi; b++ {
			im2col(t, dy[b*in:(b+1)*in], col)
			gemm(false, false, t.Cout, ohw, kd, wf, kd, col, ohw, 0, dx[b*on:(b+1)*on], ohw)
		}
	})
}

// convGradWOp is dL/dw of a convolution from (x, dy): per image, dw += dy_b col_b^T, with
// col_b recomputed by im2col (cheaper than keeping every image's columns); each worker sums
// its images into its own buffer and the buffers are added at the end.
type convGradWOp struct {
	baseOp
	convGeom
	id  int64
	out *tensor.Dense
	acc any // per-worker partial sums
}

func (op *convGradWOp) Arity() int    { return 2 }
func (op *convGradWOp) Type() hm.Type { return fnType(4, 4, 4) }
func (op *convGradWOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.Cout, op.Cin, op.K, op.K}, nil
}
func (op *convGradWOp) String() string        { return fmt.Sprintf("convGradW#%d(%v)", op.id, op.convGeom) }
func (op *convGradWOp) WriteHash(h hash.Hash) { writeHash(h, op) }
func (op *convGradWOp) Hashcode() uint32      { return hashOf(op) }

func (op *convGradWOp) Do(vs ...G.Value) (G.Value, error) {
	return do2(op, &op.out, []int{op.Cout, op.Cin, op.K, op.K}, vs,
		func(a, b, y []float32) { convBackW(op, a, b, y) }, func(a, b, y []float64) { convBackW(op, a, b, y) })
}

func convBackW[T float](op *convGradWOp, x, dy, dw []T) {
	g := op.convGeom
	kd, ohw := g.kd(), g.ohw()
	in, on := g.Cin*g.H*g.W, g.Cout*ohw
	nw := min(workers(), g.B)
	accs := scratch[T](&op.acc, nw, len(dw))
	parallel(g.B, func(wk, lo, hi int) {
		buf := getCols[T](kd * ohw)
		defer putCols(buf)
		col := *buf
		acc := accs[wk][:len(dw)]
		for b := lo; b < hi; b++ {
			xb := x[b*in : (b+1)*in]
			// The columns are recomputed rather than kept from the forward run: measured as
			// fast (the per-worker buffer stays in cache) at half the peak memory.
			if g.direct() {
				col = xb
			} else {
				im2col(g, xb, col)
			}
			beta := T(1)
			if b == lo {
				beta = 0
			}
			// dw^T (kd x Cout) += col (kd x OHW) dy_b^T: this orientation runs about twice as
			// fast in OpenBLAS as dw = dy_b col^T (measured on resnet-mini's shapes).
			gemm(false, true, kd, g.Cout, ohw, col, ohw, dy[b*on:(b+1)*on], ohw, beta, acc, g.Cout)
		}
	})
	// dw[o, r] = Σ_workers acc[r, o]
	for o := 0; o < g.Cout; o++ {
		row := dw[o*kd : (o+1)*kd]
		for r := range row {
			var v T
			for wk := 0; wk < nw; wk++ {
				v += accs[wk][r*g.Cout+o]
			}
			row[r] = v
		}
	}
}
