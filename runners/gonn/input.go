package gonn

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"

	"github.com/occbench/occbench/runners"
)

// Normalization: torchvision's ImageNet mean and standard deviation, applied to RGB in [0,1]
// (the convention of the pretrained networks the paper fine-tunes; used for every network).
var (
	normMean = [3]float32{0.485, 0.456, 0.406}
	normStd  = [3]float32{0.229, 0.224, 0.225}
)

// toCHW writes img (s x s, origin at its Rect.Min) normalized into dst (3 x s x s).
func toCHW(dst []float32, img *image.NRGBA, s int) error {
	if img.Rect.Dx() != s || img.Rect.Dy() != s {
		return fmt.Errorf("image is %dx%d, network input is %dx%d", img.Rect.Dx(), img.Rect.Dy(), s, s)
	}
	plane := s * s
	for y := 0; y < s; y++ {
		row := img.Pix[y*img.Stride:]
		for x := 0; x < s; x++ {
			for c := 0; c < 3; c++ {
				dst[c*plane+y*s+x] = (float32(row[4*x+c])/255 - normMean[c]) / normStd[c]
			}
		}
	}
	return nil
}

// augment draws one random transform of the DFV flow (never of the DV flow) from r and
// writes img through it into dst. The transform composes, output pixel to source pixel:
// random-resized-crop (area in [CropScaleLo, 1], aspect in [3/4, 4/3], as torchvision), a
// random affine (rotation in [-Degrees, Degrees], shift up to Translate of the side) and a
// horizontal flip with probability 1/2; sampling is bilinear, outside pixels are black.
func augment(dst []float32, img *image.NRGBA, s int, a runners.Augment, r *rand.Rand) error {
	flip := a.HFlip && r.IntN(2) == 1
	geo := a.CropScaleLo > 0 || a.Degrees > 0 || a.Translate > 0
	if !geo {
		if err := toCHW(dst, img, s); err != nil {
			return err
		}
		if flip {
			for c := 0; c < 3; c++ {
				for y := 0; y < s; y++ {
					row := dst[c*s*s+y*s : c*s*s+(y+1)*s]
					for i, j := 0, s-1; i < j; i, j = i+1, j-1 {
						row[i], row[j] = row[j], row[i]
					}
				}
			}
		}
		return nil
	}
	if img.Rect.Dx() != s || img.Rect.Dy() != s {
		return fmt.Errorf("image is %dx%d, network input is %dx%d", img.Rect.Dx(), img.Rect.Dy(), s, s)
	}
	S := float64(s)
	// crop region (cx0, cy0, cw, ch) in source pixels
	cx0, cy0, cw, ch := 0.0, 0.0, S, S
	if a.CropScaleLo > 0 {
		area := a.CropScaleLo + r.Float64()*(1-a.CropScaleLo)
		logr := math.Log(3.0/4) + r.Float64()*(math.Log(4.0/3)-math.Log(3.0/4))
		ar := math.Exp(logr)
		cw = math.Min(S, S*math.Sqrt(area*ar))
		ch = math.Min(S, S*math.Sqrt(area/ar))
		cx0 = r.Float64() * (S - cw)
		cy0 = r.Float64() * (S - ch)
	}
	theta := 0.0
	if a.Degrees > 0 {
		theta = (2*r.Float64() - 1) * a.Degrees * math.Pi / 180
	}
	tx, ty := 0.0, 0.0
	if a.Translate > 0 {
		tx = (2*r.Float64() - 1) * a.Translate * S
		ty = (2*r.Float64() - 1) * a.Translate * S
	}
	cos, sin := math.Cos(theta), math.Sin(theta)
	half := S / 2
	plane := s * s
	for v := 0; v < s; v++ {
		for u := 0; u < s; u++ {
			// output pixel center -> undo flip -> undo affine (about the center) -> crop map
			ox, oy := float64(u)+0.5, float64(v)+0.5
			if flip {
				ox = S - ox
			}
			px, py := ox-half-tx, oy-half-ty
			qx := cos*px + sin*py + half
			qy := -sin*px + cos*py + half
			sx := cx0 + qx*cw/S - 0.5
			sy := cy0 + qy*ch/S - 0.5
			for c := 0; c < 3; c++ {
				dst[c*plane+v*s+u] = (float32(bilinear(img, s, sx, sy, c))/255 - normMean[c]) / normStd[c]
			}
		}
	}
	return nil
}

func bilinear(img *image.NRGBA, s int, x, y float64, c int) float64 {
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := x-x0, y-y0
	at := func(ix, iy int) float64 {
		if ix < 0 || iy < 0 || ix >= s || iy >= s {
			return 0
		}
		return float64(img.Pix[iy*img.Stride+4*ix+c])
	}
	ix, iy := int(x0), int(y0)
	return (1-fy)*((1-fx)*at(ix, iy)+fx*at(ix+1, iy)) + fy*((1-fx)*at(ix, iy+1)+fx*at(ix+1, iy+1))
}

func cloneNRGBA(img *image.NRGBA) *image.NRGBA {
	c := &image.NRGBA{Pix: make([]byte, len(img.Pix)), Stride: img.Stride, Rect: img.Rect}
	copy(c.Pix, img.Pix)
	return c
}
