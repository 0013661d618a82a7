package preprocess

import (
	"image"
	"image/color"
)

// ToRGB converts the region r of img (r must lie inside img.Bounds()) to an opaque
// *image.NRGBA with origin (0, 0). Alpha is dropped, as Pillow's convert("RGB") does:
// non-premultiplied colors are kept as they are, premultiplied ones are un-premultiplied.
// YCbCr (every subsampling), Gray, Gray16, CMYK, NRGBA, RGBA and Paletted images take
// fast paths without per-pixel interface calls; the integer formulas are those of
// image/color, so the output is the same on every platform.
func ToRGB(img image.Image, r image.Rectangle) *image.NRGBA {
	w, h := r.Dx(), r.Dy()
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	if w <= 0 || h <= 0 {
		return dst
	}
	conv := rowConverter(img, r)
	for y := 0; y < h; y++ {
		conv(y, dst.Pix[y*dst.Stride:y*dst.Stride+4*w])
	}
	return dst
}

// rowConverter returns a function that writes row y (0-based) of the region r of img
// into d (4*r.Dx() bytes) as ToRGB does.
func rowConverter(img image.Image, r image.Rectangle) func(y int, d []byte) {
	w := r.Dx()
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
		return func(y int, d []byte) {
			py := r.Min.Y + y
			yrow := src.Y[(py-my)*src.YStride+r.Min.X-mx:]
			yrow = yrow[:w]
			crow := (py>>sy - my>>sy) * src.CStride
			cb, cr := src.Cb[crow:], src.Cr[crow:]
			d = d[:4*w]
			if sx == 0 {
				c0 := r.Min.X - mx
				cb, cr = cb[c0:c0+w], cr[c0:c0+w]
				for x, yv := range yrow {
					q := (*[4]byte)(d[4*x:])
					q[0], q[1], q[2], q[3] = ycbcrToRGB(yv, cb[x], cr[x])
				}
				return
			}
			// Subsampled chroma: the chroma terms once per run of pixels sharing them.
			x := 0
			if sx == 1 { // 4:2:0 and 4:2:2, by pairs
				ci := r.Min.X>>1 - mx>>1
				if r.Min.X&1 != 0 {
					q := (*[4]byte)(d)
					q[0], q[1], q[2], q[3] = ycbcrToRGB(yrow[0], cb[ci], cr[ci])
					x, ci = 1, ci+1
				}
				n := (w - x) / 2
				cbs, crs := cb[ci:ci+n], cr[ci:ci+n]
				for i := range cbs {
					cb1 := int32(cbs[i]) - 128
					cr1 := int32(crs[i]) - 128
					tr, tg, tb := 91881*cr1, -22554*cb1-46802*cr1, 116130*cb1
					ys := (*[2]byte)(yrow[x:])
					q := (*[8]byte)(d[4*x:])
					y0, y1 := int32(ys[0])*0x10101, int32(ys[1])*0x10101
					q[0], q[1], q[2], q[3] = clampYCbCr(y0+tr), clampYCbCr(y0+tg), clampYCbCr(y0+tb), 255
					q[4], q[5], q[6], q[7] = clampYCbCr(y1+tr), clampYCbCr(y1+tg), clampYCbCr(y1+tb), 255
					x += 2
				}
				if x < w {
					q := (*[4]byte)(d[4*x:])
					q[0], q[1], q[2], q[3] = ycbcrToRGB(yrow[x], cb[ci+n], cr[ci+n])
				}
				return
			}
			for x < w {
				px := r.Min.X + x
				ci := px>>sx - mx>>sx
				end := min(w, ((px>>sx)+1)<<sx-r.Min.X) // first x of the next chroma sample
				cb1 := int32(cb[ci]) - 128
				cr1 := int32(cr[ci]) - 128
				tr, tg, tb := 91881*cr1, -22554*cb1-46802*cr1, 116130*cb1
				for ; x < end; x++ {
					yy1 := int32(yrow[x]) * 0x10101
					q := (*[4]byte)(d[4*x:])
					q[0], q[1], q[2], q[3] = clampYCbCr(yy1+tr), clampYCbCr(yy1+tg), clampYCbCr(yy1+tb), 255
				}
			}
		}
	case *image.Gray:
		return func(y int, d []byte) {
			s := src.Pix[src.PixOffset(r.Min.X, r.Min.Y+y):]
			for x := 0; x < w; x++ {
				v := s[x]
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = v, v, v, 255
			}
		}
	case *image.Gray16:
		return func(y int, d []byte) {
			s := src.Pix[src.PixOffset(r.Min.X, r.Min.Y+y):]
			for x := 0; x < w; x++ {
				v := s[2*x] // high byte, as color.Gray16 -> 8 bits
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = v, v, v, 255
			}
		}
	case *image.CMYK:
		// image/jpeg has already undone the Adobe inversion: 0 is no ink.
		return func(y int, d []byte) {
			s := src.Pix[src.PixOffset(r.Min.X, r.Min.Y+y):]
			for x := 0; x < w; x++ {
				rr, gg, bb := color.CMYKToRGB(s[4*x], s[4*x+1], s[4*x+2], s[4*x+3])
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = rr, gg, bb, 255
			}
		}
	case *image.NRGBA:
		return func(y int, d []byte) {
			s := src.Pix[src.PixOffset(r.Min.X, r.Min.Y+y):]
			copy(d, s[:4*w])
			for x := 0; x < w; x++ {
				d[4*x+3] = 255
			}
		}
	case *image.RGBA:
		return func(y int, d []byte) {
			s := src.Pix[src.PixOffset(r.Min.X, r.Min.Y+y):]
			for x := 0; x < w; x++ {
				a := uint32(s[4*x+3])
				switch a {
				case 255:
					d[4*x], d[4*x+1], d[4*x+2] = s[4*x], s[4*x+1], s[4*x+2]
				case 0:
					d[4*x], d[4*x+1], d[4*x+2] = 0, 0, 0
				default:
					// As color.NRGBAModel: un-premultiply in 16 bits.
					a16 := a * 0x101
					d[4*x] = uint8((uint32(s[4*x]) * 0x101 * 0xffff / a16) >> 8)
					d[4*x+1] = uint8((uint32(s[4*x+1]) * 0x101 * 0xffff / a16) >> 8)
					d[4*x+2] = uint8((uint32(s[4*x+2]) * 0x101 * 0xffff / a16) >> 8)
				}
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
		return func(y int, d []byte) {
			s := src.Pix[src.PixOffset(r.Min.X, r.Min.Y+y):]
			for x := 0; x < w; x++ {
				c := lut[s[x]]
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = c[0], c[1], c[2], 255
			}
		}
	}
	return func(y int, d []byte) {
		for x := 0; x < w; x++ {
			n := color.NRGBAModel.Convert(img.At(r.Min.X+x, r.Min.Y+y)).(color.NRGBA)
			d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = n.R, n.G, n.B, 255
		}
	}
}

// ycbcrToRGB is color.YCbCrToRGB (the same integer formulas) as opaque RGBA bytes.
func ycbcrToRGB(y, cb, cr uint8) (uint8, uint8, uint8, uint8) {
	yy1 := int32(y) * 0x10101
	cb1 := int32(cb) - 128
	cr1 := int32(cr) - 128
	return clampYCbCr(yy1 + 91881*cr1), clampYCbCr(yy1 - 22554*cb1 - 46802*cr1), clampYCbCr(yy1 + 116130*cb1), 255
}

// clampYCbCr is image/color's clamp of a 16.16 fixed-point channel to 8 bits.
func clampYCbCr(v int32) uint8 {
	if uint32(v)&0xff000000 == 0 {
		return uint8(v >> 16)
	}
	return uint8(^(v >> 31))
}
