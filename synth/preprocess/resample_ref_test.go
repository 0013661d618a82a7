package preprocess

// The pre-optimization resampler and converter, kept as the reference that
// TestResizeMatchesReference compares the fast paths with. It shares no code with what it
// checks where the standard library defines the answer: *image.RGBA goes through
// color.NRGBAModel, not a copy of convert.go's un-premultiply branch.

import (
	"image"
	"image/color"
)

// resize scales src (origin (0, 0), opaque) to outW x outH and returns the window
// win of the result (win inside (0,0)-(outW,outH)), computing only that window. The
// result is identical to resizing fully and then cropping.
func refResize(src *image.NRGBA, outW, outH int, win image.Rectangle) *image.NRGBA {
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
func refToRGB(img image.Image, r image.Rectangle) *image.NRGBA {
	w, h := r.Dx(), r.Dy()
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	if w <= 0 || h <= 0 {
		return dst
	}
	if y, ok := img.(*image.YCbCr); ok && (y.Rect.Min.X < 0 || y.Rect.Min.Y < 0) {
		img = struct{ image.Image }{img} // the fast path's shifts assume a non-negative origin
	}
	switch src := img.(type) {
	case *image.YCbCr:
		var sx, sy uint // subsampling as shifts
		switch src.SubsampleRatio {
		case image.YCbCrSubsampleRatio422:
			sx = 1
		case image.YCbCrSubsampleRatio420:
			sx, sy = 1, 1
		case image.YCbCrSubsampleRatio440:
			sy = 1
		case image.YCbCrSubsampleRatio411:
			sx = 2
		case image.YCbCrSubsampleRatio410:
			sx, sy = 2, 1
		}
		mx, my := src.Rect.Min.X, src.Rect.Min.Y
		for y := 0; y < h; y++ {
			py := r.Min.Y + y
			yrow := src.Y[(py-my)*src.YStride:]
			crow := (py>>sy - my>>sy) * src.CStride
			cb, cr := src.Cb[crow:], src.Cr[crow:]
			d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for x := 0; x < w; x++ {
				px := r.Min.X + x
				ci := px>>sx - mx>>sx
				yy1 := int32(yrow[px-mx]) * 0x10101
				cb1 := int32(cb[ci]) - 128
				cr1 := int32(cr[ci]) - 128
				rr := yy1 + 91881*cr1
				if uint32(rr)&0xff000000 == 0 {
					rr >>= 16
				} else {
					rr = ^(rr >> 31)
				}
				gg := yy1 - 22554*cb1 - 46802*cr1
				if uint32(gg)&0xff000000 == 0 {
					gg >>= 16
				} else {
					gg = ^(gg >> 31)
				}
				bb := yy1 + 116130*cb1
				if uint32(bb)&0xff000000 == 0 {
					bb >>= 16
				} else {
					bb = ^(bb >> 31)
				}
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = uint8(rr), uint8(gg), uint8(bb), 255
			}
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			s := src.Pix[src.PixOffset(r.Min.X, r.Min.Y+y):]
			d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for x := 0; x < w; x++ {
				v := s[x]
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = v, v, v, 255
			}
		}
	case *image.Gray16:
		for y := 0; y < h; y++ {
			s := src.Pix[src.PixOffset(r.Min.X, r.Min.Y+y):]
			d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for x := 0; x < w; x++ {
				v := s[2*x] // high byte, as color.Gray16 -> 8 bits
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = v, v, v, 255
			}
		}
	case *image.CMYK:
		// image/jpeg has already undone the Adobe inversion: 0 is no ink.
		for y := 0; y < h; y++ {
			s := src.Pix[src.PixOffset(r.Min.X, r.Min.Y+y):]
			d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for x := 0; x < w; x++ {
				rr, gg, bb := color.CMYKToRGB(s[4*x], s[4*x+1], s[4*x+2], s[4*x+3])
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = rr, gg, bb, 255
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			s := src.Pix[src.PixOffset(r.Min.X, r.Min.Y+y):]
			d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			copy(d, s[:4*w])
			for x := 0; x < w; x++ {
				d[4*x+3] = 255
			}
		}
	case *image.Paletted:
		var lut [256][3]uint8
		for i, c := range src.Palette {
			if i >= 256 {
				break
			}
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			lut[i] = [3]uint8{n.R, n.G, n.B}
		}
		for y := 0; y < h; y++ {
			s := src.Pix[src.PixOffset(r.Min.X, r.Min.Y+y):]
			d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for x := 0; x < w; x++ {
				c := lut[s[x]]
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = c[0], c[1], c[2], 255
			}
		}
	default:
		// *image.RGBA lands here on purpose: the standard library's own un-premultiply
		// (color.NRGBAModel) is the reference for the fast path's copy of it in convert.go.
		for y := 0; y < h; y++ {
			d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for x := 0; x < w; x++ {
				n := color.NRGBAModel.Convert(img.At(r.Min.X+x, r.Min.Y+y)).(color.NRGBA)
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = n.R, n.G, n.B, 255
			}
		}
	}
	return dst
}
