package preprocess

import (
	"fmt"
	"image"
	"math"
)

// Modes accepted by Apply.
const (
	// Resize scales directly to size x size, aspect not kept (Caltech-101, Oxford 102, AR).
	Resize = "resize"
	// ShorterCrop scales the shorter side to `shorter` (the longer one to
	// int(shorter*long/short), as torchvision's Resize(shorter)), then takes the center
	// size x size crop (offsets rounded half to even, as torchvision's CenterCrop) (ILSVRC).
	ShorterCrop = "shorter_crop"
	// BBoxCrop crops to the bounding box first (clamped to the image), then scales
	// directly to size x size (CUB-200-2011).
	BBoxCrop = "bbox_crop"
)

// Modes returns the modes Apply accepts.
func Modes() []string { return []string{Resize, ShorterCrop, BBoxCrop} }

// maxSide bounds the output and intermediate sizes.
const maxSide = 1 << 14

// Apply preprocesses img. shorter is used by shorter_crop only (must be >= size); bbox
// by bbox_crop only (required there, in img's pixel coordinates). The result is an
// opaque RGB *image.NRGBA of size x size with origin (0, 0); the same input always
// gives the same bytes.
func Apply(img image.Image, mode string, size, shorter int, bbox *image.Rectangle) (*image.NRGBA, error) {
	if img == nil {
		return nil, fmt.Errorf("preprocess: nil image")
	}
	if size < 1 || size > maxSide {
		return nil, fmt.Errorf("preprocess: size %d out of range 1..%d", size, maxSide)
	}
	b := img.Bounds()
	if b.Empty() {
		return nil, fmt.Errorf("preprocess: empty image %v", b)
	}
	switch mode {
	case Resize:
		return resizeImage(img, b, size, size, image.Rect(0, 0, size, size)), nil
	case BBoxCrop:
		if bbox == nil {
			return nil, fmt.Errorf("preprocess: mode %s needs a bounding box", mode)
		}
		r := bbox.Canon().Intersect(b)
		if r.Empty() {
			return nil, fmt.Errorf("preprocess: bounding box %v lies outside the image %v", *bbox, b)
		}
		return resizeImage(img, r, size, size, image.Rect(0, 0, size, size)), nil
	case ShorterCrop:
		if shorter < size || shorter > maxSide {
			return nil, fmt.Errorf("preprocess: mode %s needs shorter (%d) in %d..%d", mode, shorter, size, maxSide)
		}
		w, h := b.Dx(), b.Dy()
		ow, oh := shorterSides(w, h, shorter)
		if ow > maxSide || oh > maxSide {
			return nil, fmt.Errorf("preprocess: image %dx%d is too elongated: shorter side %d makes it %dx%d", w, h, shorter, ow, oh)
		}
		left := int(math.RoundToEven(float64(ow-size) / 2))
		top := int(math.RoundToEven(float64(oh-size) / 2))
		return resizeImage(img, b, ow, oh, image.Rect(left, top, left+size, top+size)), nil
	}
	return nil, fmt.Errorf("preprocess: unknown mode %q (known: %v)", mode, Modes())
}

// shorterSides returns the size after scaling the shorter side to s (torchvision's
// Resize(s): the longer side becomes int(s * long / short)).
func shorterSides(w, h, s int) (int, int) {
	if w <= h {
		return s, int(float64(s) * float64(h) / float64(w))
	}
	return int(float64(s) * float64(w) / float64(h)), s
}

// resizeImage is resize(ToRGB(img, r), outW, outH, win) without the intermediate image:
// an NRGBA region is read in place (the resampler ignores alpha), other types are
// converted row by row, only the rows the window needs.
func resizeImage(img image.Image, r image.Rectangle, outW, outH int, win image.Rectangle) *image.NRGBA {
	var rows rowFunc
	if n, ok := img.(*image.NRGBA); ok {
		rows = nrgbaRows(n, r)
	} else {
		conv := rowConverter(img, r)
		rows = func(y int, buf []byte) []byte {
			conv(y, buf)
			return buf
		}
	}
	return resizeRows(rows, r.Dx(), r.Dy(), outW, outH, win)
}
