package occluders

import (
	"image"

	"github.com/occbench/occbench/internal/keyed"
)

// CenterPosition returns the top-left corner that puts s's bounding box (its whole Img) at
// the center of a w x h image: x = (w - width) / 2, y = (h - height) / 2, rounded down.
func CenterPosition(s *Scaled, w, h int) (x, y int) {
	b := s.Img.Bounds()
	return (w - b.Dx()) / 2, (h - b.Dy()) / 2
}

// RandomPositions draws k top-left corners that keep s fully inside a w x h image, uniformly
// over x in [0, w-width] and y in [0, h-height], from keyed.Rand(seed, key...): the same
// arguments always give the same positions. It returns nil when s does not fit or k <= 0.
func RandomPositions(s *Scaled, w, h, k int, seed uint64, key ...string) []image.Point {
	b := s.Img.Bounds()
	if k <= 0 || b.Dx() > w || b.Dy() > h {
		return nil
	}
	r := keyed.Rand(seed, key...)
	pts := make([]image.Point, k)
	for i := range pts {
		pts[i].X = r.IntN(w - b.Dx() + 1)
		pts[i].Y = r.IntN(h - b.Dy() + 1)
	}
	return pts
}

// Composite pastes occ over dst with its top-left corner at (x, y) (clipped to dst), using
// integer arithmetic only, so other runners can reproduce it bit for bit. Per pixel with
// occluder alpha a and each channel c in R, G, B:
//
//	dst.c = (occ.c*a + dst.c*(255-a) + 127) / 255   (integer division, all uint32)
//
// dst's alpha is left unchanged (clean images are opaque, 255); pixels outside the occluder
// rectangle are untouched.
func Composite(dst *image.NRGBA, occ *image.NRGBA, x, y int) {
	ob := occ.Bounds()
	r := image.Rect(x, y, x+ob.Dx(), y+ob.Dy()).Intersect(dst.Bounds())
	for py := r.Min.Y; py < r.Max.Y; py++ {
		for px := r.Min.X; px < r.Max.X; px++ {
			si := occ.PixOffset(ob.Min.X+px-x, ob.Min.Y+py-y)
			di := dst.PixOffset(px, py)
			a := uint32(occ.Pix[si+3])
			if a == 0 {
				continue
			}
			for c := range 3 {
				s, d := uint32(occ.Pix[si+c]), uint32(dst.Pix[di+c])
				dst.Pix[di+c] = uint8((s*a + d*(255-a) + 127) / 255)
			}
		}
	}
}
