package preprocess

import (
	"image"
	"math"
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

func clip8(v int32) uint8 {
	if v >= 1<<precisionBits<<8 {
		return 255
	}
	if v <= 0 {
		return 0
	}
	return uint8(v >> precisionBits)
}

// resize scales src (origin (0, 0), opaque) to outW x outH and returns the window
// win of the result (win inside (0,0)-(outW,outH)), computing only that window. The
// result is identical to resizing fully and then cropping.
func resize(src *image.NRGBA, outW, outH int, win image.Rectangle) *image.NRGBA {
	inW, inH := src.Rect.Dx(), src.Rect.Dy()
	needH, needV := outW != inW, outH != inH
	var ky coeffs
	rowFirst, rowLast := win.Min.Y, win.Max.Y // input rows the vertical pass reads
	if needV {
		ky = precompute(inH, outH)
		rowFirst = ky.bounds[2*win.Min.Y]
		rowLast = 0
		for yy := win.Min.Y; yy < win.Max.Y; yy++ {
			if e := ky.bounds[2*yy] + ky.bounds[2*yy+1]; e > rowLast {
				rowLast = e
			}
		}
	}
	w := win.Dx()
	// Horizontal pass into tmp: columns win.Min.X.., rows rowFirst..rowLast.
	tmp := image.NewNRGBA(image.Rect(0, 0, w, rowLast-rowFirst))
	if needH {
		kx := precompute(inW, outW)
		for y := rowFirst; y < rowLast; y++ {
			s := src.Pix[y*src.Stride:]
			d := tmp.Pix[(y-rowFirst)*tmp.Stride:]
			for xx := 0; xx < w; xx++ {
				ox := win.Min.X + xx
				xmin, n := kx.bounds[2*ox], kx.bounds[2*ox+1]
				k := kx.k[ox*kx.ksize : ox*kx.ksize+n]
				p := s[4*xmin : 4*(xmin+n)]
				r, g, b := int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1))
				for i, kw := range k {
					r += int32(p[4*i]) * kw
					g += int32(p[4*i+1]) * kw
					b += int32(p[4*i+2]) * kw
				}
				d[4*xx], d[4*xx+1], d[4*xx+2], d[4*xx+3] = clip8(r), clip8(g), clip8(b), 255
			}
		}
	} else {
		for y := rowFirst; y < rowLast; y++ {
			copy(tmp.Pix[(y-rowFirst)*tmp.Stride:(y-rowFirst)*tmp.Stride+4*w], src.Pix[y*src.Stride+4*win.Min.X:])
		}
	}
	if !needV {
		return tmp
	}
	out := image.NewNRGBA(image.Rect(0, 0, w, win.Dy()))
	for yy := win.Min.Y; yy < win.Max.Y; yy++ {
		ymin, n := ky.bounds[2*yy]-rowFirst, ky.bounds[2*yy+1]
		k := ky.k[yy*ky.ksize : yy*ky.ksize+n]
		d := out.Pix[(yy-win.Min.Y)*out.Stride:]
		for x := 0; x < w; x++ {
			r, g, b := int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1))
			o := ymin*tmp.Stride + 4*x
			for _, kw := range k {
				r += int32(tmp.Pix[o]) * kw
				g += int32(tmp.Pix[o+1]) * kw
				b += int32(tmp.Pix[o+2]) * kw
				o += tmp.Stride
			}
			d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = clip8(r), clip8(g), clip8(b), 255
		}
	}
	return out
}
