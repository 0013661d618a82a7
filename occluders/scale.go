package occluders

import (
	"fmt"
	"image"
	stddraw "image/draw"
	"math"

	"golang.org/x/image/draw"
)

// Ratio semantics accepted by ScaleFor.
const (
	SemanticsMask = "mask" // opaque mask pixels (sum of alpha/255) cover the ratio (default)
	SemanticsBBox = "bbox" // the occluder's bounding box covers the ratio
)

// Scaled is an occluder resampled for one image size and ratio, cropped to its alpha
// bounding box: what a pattern pack stores and every runner composites as is.
type Scaled struct {
	Img      *image.NRGBA // resampled occluder, cropped to alpha > 0, bounds at (0,0)
	Scale    float64      // linear scale factor applied to the source's bounding-box crop
	Achieved float64      // achieved ratio (by the requested semantics) over the w x h image
}

// ratioTolerance is how close (absolute, as a fraction) refinement tries to bring the
// achieved ratio to the target before it stops early; callers are promised 0.5 pp.
const ratioTolerance = 0.0005

// ScaleFor resamples o (Catmull-Rom) so that it covers ratio of a w x h image, by semantics
// "mask" (PROTOCOL.md section 2: scale = sqrt(ratio*w*h/mask_pixels), aspect kept) or "bbox".
// Because resampling changes coverage, the scale is then refined by a few multiplicative
// secant steps (coverage ~ scale^2), keeping the closest result.
func ScaleFor(o *Occluder, ratio float64, w, h int, semantics string) (*Scaled, error) {
	if o == nil || o.Img == nil {
		return nil, fmt.Errorf("occluders: nil occluder")
	}
	if !(ratio > 0 && ratio < 1) {
		return nil, fmt.Errorf("occluder %s: ratio %v is outside (0,1)", o.Name, ratio)
	}
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("occluder %s: image size %dx%d is not positive", o.Name, w, h)
	}
	if semantics == "" {
		semantics = SemanticsMask
	}
	if semantics != SemanticsMask && semantics != SemanticsBBox {
		return nil, fmt.Errorf("occluder %s: unknown ratio semantics %q (want %q or %q)", o.Name, semantics, SemanticsMask, SemanticsBBox)
	}
	bb := o.BBox()
	if bb.Empty() {
		return nil, fmt.Errorf("mask of %s is empty", o.Name)
	}
	src := cropTo(o.Img, bb)
	area := float64(w) * float64(h)
	measure := func(img *image.NRGBA) float64 {
		if semantics == SemanticsBBox {
			return float64(img.Rect.Dx()*img.Rect.Dy()) / area
		}
		return coverage(img) / area
	}
	s := math.Sqrt(ratio * area / measure0(src, semantics))
	var best *Scaled
	for range 8 {
		img, err := resample(src, s, w, h, o.Name, ratio)
		if err != nil {
			if best != nil {
				break // a refinement step overshot the image; keep the best fitting one
			}
			return nil, err
		}
		a := measure(img)
		if best == nil || math.Abs(a-ratio) < math.Abs(best.Achieved-ratio) {
			best = &Scaled{Img: img, Scale: s, Achieved: a}
		}
		if math.Abs(a-ratio) <= ratioTolerance || a <= 0 {
			break
		}
		s *= math.Sqrt(ratio / a)
	}
	return best, nil
}

func measure0(src *image.NRGBA, semantics string) float64 {
	if semantics == SemanticsBBox {
		return float64(src.Rect.Dx() * src.Rect.Dy())
	}
	return coverage(src)
}

// resample scales src by s with Catmull-Rom and crops the result to its alpha bounding box.
func resample(src *image.NRGBA, s float64, w, h int, name string, ratio float64) (*image.NRGBA, error) {
	dw := max(1, int(math.Round(float64(src.Rect.Dx())*s)))
	dh := max(1, int(math.Round(float64(src.Rect.Dy())*s)))
	if dw > w || dh > h {
		return nil, fmt.Errorf("occluder %s at ratio %v is larger than the %dx%d image after scaling (%dx%d px)", name, ratio, w, h, dw, dh)
	}
	// Resample in premultiplied space (image.RGBA), then convert back to non-premultiplied.
	tmp := image.NewRGBA(image.Rect(0, 0, dw, dh))
	draw.CatmullRom.Scale(tmp, tmp.Bounds(), src, src.Bounds(), draw.Src, nil)
	out := image.NewNRGBA(tmp.Bounds())
	stddraw.Draw(out, out.Bounds(), tmp, image.Point{}, stddraw.Src)
	bb := alphaBBox(out)
	if bb.Empty() {
		return nil, fmt.Errorf("occluder %s vanishes when scaled to ratio %v of %dx%d", name, ratio, w, h)
	}
	if bb != out.Rect {
		out = cropTo(out, bb)
	}
	return out, nil
}
