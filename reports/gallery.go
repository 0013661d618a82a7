package reports

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"github.com/disintegration/imaging"
)

// ThumbSize is the longest side of a gallery thumbnail, in pixels.
const ThumbSize = 128

// Thumbnail scales an image to fit ThumbSize x ThumbSize, aspect kept, and encodes it as PNG:
// Lanczos when shrinking; nearest neighbour when enlarging a small image (the demo's), so its
// pixels stay visible as they are rather than smoothed into detail it does not have.
func Thumbnail(img image.Image, label string) (Thumb, error) {
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return Thumb{}, fmt.Errorf("thumbnail %s: empty image", label)
	}
	t := imaging.Fit(img, ThumbSize, ThumbSize, imaging.Lanczos)
	if t.Bounds().Dx() < ThumbSize && t.Bounds().Dy() < ThumbSize {
		t = imaging.Resize(img, ThumbSize*b.Dx()/max(b.Dx(), b.Dy()), 0, imaging.NearestNeighbor)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, t); err != nil {
		return Thumb{}, fmt.Errorf("thumbnail %s: %w", label, err)
	}
	return Thumb{Label: label, PNG: buf.Bytes()}, nil
}
