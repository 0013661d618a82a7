package preprocess

import (
	"image"
	"math"
	"sync"
)

// The resampler is Pillow's (Image.resize with Image.BILINEAR, Pillow >= 2.7 / 7.0
// semantics): a separable triangle filter whose support grows with the downscale factor
// (so downscaling low-passes instead of aliasing), 22-bit fixed-point weights, the
// horizontal pass first with 8-bit rounding in between. It is written here rather than
// taken from golang.org/x/image/draw for two reasons: every floating-point product is
// explicitly rounded and the pixel arithmetic is integer, so the bytes are the same on
// every architecture (x/image/draw accumulates in float64, which the compiler may fuse
// into multiply-adds on arm64 and others); and it reproduces the pixels of
// torchvision's Resize on PIL images, which the PyTorch runner uses.

const precisionBits = 32 - 8 - 2

// mul rounds the product explicitly, which forbids fusing it into a multiply-add.
func mul(a, b float64) float64 { return float64(a * b) }

type coeffs struct {
	ksize  int
	bounds []int   // per output pixel: first input pixel, number of taps
	k      []int32 // per output pixel: ksize weights
}

func bilinear(x float64) float64 {
	if x < 0 {
		x = -x
	}
	if x < 1 {
		return 1 - x
	}
	return 0
}

// precompute mirrors Pillow's precompute_coeffs + normalize_coeffs_8bpc for an input of
// inSize pixels resampled to outSize (box = the whole input).
func precompute(inSize, outSize int) coeffs {
	scale := float64(inSize) / float64(outSize)
	filterscale := scale
	if filterscale < 1 {
		filterscale = 1
	}
	support := mul(1.0, filterscale)
	ksize := int(math.Ceil(support))*2 + 1
	c := coeffs{ksize: ksize, bounds: make([]int, 2*outSize), k: make([]int32, outSize*ksize)}
	pre := make([]float64, ksize)
	ss := 1 / filterscale
	for xx := 0; xx < outSize; xx++ {
		center := mul(float64(xx)+0.5, scale)
		xmin := int(center - support + 0.5)
		if xmin < 0 {
			xmin = 0
		}
		xmax := int(center + support + 0.5)
		if xmax > inSize {
			xmax = inSize
		}
		xmax -= xmin
		ww := 0.0
		for x := 0; x < xmax; x++ {
			w := bilinear(mul(float64(x+xmin)-center+0.5, ss))
			pre[x] = w
			ww += w
		}
		k := c.k[xx*ksize : (xx+1)*ksize]
		for x := 0; x < xmax; x++ {
			w := pre[x]
			if ww != 0 {
				w /= ww
			}
			if w < 0 {
				k[x] = int32(-0.5 + mul(w, 1<<precisionBits))
			} else {
				k[x] = int32(0.5 + mul(w, 1<<precisionBits))
			}
		}
		c.bounds[2*xx], c.bounds[2*xx+1] = xmin, xmax
	}
	return c
}

const half = int32(1 << (precisionBits - 1))

func clip8(v int32) uint8 {
	if v >= 1<<precisionBits<<8 {
		return 255
	}
	if v <= 0 {
		return 0
	}
	return uint8(v >> precisionBits)
}

// rowFunc returns row y (0-based) of a resampler input as 4*width bytes, R, G, B and an
// ignored fourth byte per pixel: a slice of the image itself, or the row converted into
// buf (4*width bytes).
type rowFunc func(y int, buf []byte) []byte

// nrgbaRows reads the region r of an NRGBA image in place (its alpha is ignored).
func nrgbaRows(src *image.NRGBA, r image.Rectangle) rowFunc {
	n := 4 * r.Dx()
	return func(y int, _ []byte) []byte {
		o := src.PixOffset(r.Min.X, r.Min.Y+y)
		return src.Pix[o : o+n]
	}
}

// bufPool recycles the resampler's scratch buffers (the horizontal pass's output and a
// converted input row), which would otherwise be garbage for every image.
var bufPool sync.Pool

func getBuf(n int) *[]byte {
	if p, ok := bufPool.Get().(*[]byte); ok {
		if cap(*p) >= n {
			*p = (*p)[:n]
			return p
		}
	}
	b := make([]byte, n)
	return &b
}

// hcoeffs are the horizontal weights of the output columns first..first+len(starts)-1,
// padded to the same number of taps n for all of them (extra taps weigh 0, the window
// shifted left where it would pass the right edge), so that the inner loop has a fixed
// trip count. Integer sums do not depend on the order of the terms, so the padding does
// not change a byte.
type hcoeffs struct {
	n int
	// per output pixel n+1 values: the byte offset of its first tap in an input row,
	// then the n weights
	tab []int32
}

func precomputeH(inSize, outSize, first, count int) hcoeffs {
	c := precompute(inSize, outSize)
	n := 0
	for x := first; x < first+count; x++ {
		n = max(n, c.bounds[2*x+1])
	}
	h := hcoeffs{n: n, tab: make([]int32, count*(n+1))}
	for i := range count {
		x := first + i
		xmin, cnt := c.bounds[2*x], c.bounds[2*x+1]
		xs := min(xmin, inSize-n) // n <= inSize, so xs >= 0
		t := h.tab[i*(n+1) : (i+1)*(n+1)]
		t[0] = int32(4 * xs)
		copy(t[1+xmin-xs:1+xmin-xs+cnt], c.k[x*c.ksize:x*c.ksize+cnt])
	}
	return h
}

// resize scales src (origin (0, 0), opaque) to outW x outH and returns the window
// win of the result (win inside (0,0)-(outW,outH)), computing only that window. The
// result is identical to resizing fully and then cropping.
func resize(src *image.NRGBA, outW, outH int, win image.Rectangle) *image.NRGBA {
	return resizeRows(nrgbaRows(src, src.Rect), src.Rect.Dx(), src.Rect.Dy(), outW, outH, win)
}

// resizeRows is resize over an input of inW x inH pixels given row by row: only the
// input rows that the window needs are read. The passes work row by row: the horizontal
// one from each input row into a scratch row of the window's width, the vertical one
// streaming over its taps' scratch rows, both with unrolled, bounds-check-free kernels
// (resample_kernels.go).
func resizeRows(rows rowFunc, inW, inH, outW, outH int, win image.Rectangle) *image.NRGBA {
	needH, needV := outW != inW, outH != inH
	var ky coeffs
	rowFirst, rowLast := win.Min.Y, win.Max.Y // input rows the vertical pass reads
	if needV {
		ky = precompute(inH, outH)
		rowFirst = ky.bounds[2*win.Min.Y]
		rowLast = 0
		for yy := win.Min.Y; yy < win.Max.Y; yy++ {
			rowFirst = min(rowFirst, ky.bounds[2*yy])
			rowLast = max(rowLast, ky.bounds[2*yy]+ky.bounds[2*yy+1])
		}
	}
	w := win.Dx()
	stride := 4 * w
	out := image.NewNRGBA(image.Rect(0, 0, w, win.Dy()))
	// Horizontal pass into tmp: columns win.Min.X.., rows rowFirst..rowLast; straight
	// into out when there is no vertical pass (then those are win's rows).
	tmp := out.Pix
	if needV {
		tp := getBuf(stride * (rowLast - rowFirst))
		defer bufPool.Put(tp)
		tmp = *tp
	}
	rp := getBuf(4 * inW)
	defer bufPool.Put(rp)
	if needH {
		kx := precomputeH(inW, outW, win.Min.X, w)
		for y := rowFirst; y < rowLast; y++ {
			o := (y - rowFirst) * stride
			hpass(tmp[o:o+stride], rows(y, *rp), kx.tab, kx.n)
		}
	} else {
		for y := rowFirst; y < rowLast; y++ {
			o := (y - rowFirst) * stride
			d := tmp[o : o+stride]
			copy(d, rows(y, *rp)[4*win.Min.X:])
			for i := 3; i < len(d); i += 4 {
				d[i] = 255
			}
		}
	}
	if !needV {
		return out
	}
	var taps [][]byte
	for yy := win.Min.Y; yy < win.Max.Y; yy++ {
		ymin, n := ky.bounds[2*yy]-rowFirst, ky.bounds[2*yy+1]
		taps = taps[:0]
		for j := range n {
			o := (ymin + j) * stride
			taps = append(taps, tmp[o:o+stride])
		}
		o := (yy - win.Min.Y) * out.Stride
		vpass(out.Pix[o:o+stride], taps, ky.k[yy*ky.ksize:yy*ky.ksize+n])
	}
	return out
}

// vpassN is the vertical pass for any number of taps.
func vpassN(d []byte, rows [][]byte, k []int32) {
	for i := 3; i < len(d); i += 4 {
		r, g, b := half, half, half
		for j, row := range rows {
			px := (*[3]byte)(row[i-3:])
			r += int32(px[0]) * k[j]
			g += int32(px[1]) * k[j]
			b += int32(px[2]) * k[j]
		}
		d[i-3], d[i-2], d[i-1], d[i] = clip8(r), clip8(g), clip8(b), 255
	}
}
