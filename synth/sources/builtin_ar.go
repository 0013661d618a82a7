package sources

import (
	"fmt"
	"image"
	"slices"
	"strconv"

	"github.com/occbench/occbench/internal/keyed"
	"github.com/occbench/occbench/manifests"
)

// builtinARSource is a procedural stand-in for the AR faces: Subjects men and Subjects
// women, 26 images each in the AR numbering, with the AR layout's attributes. A subject's
// identity is one builtin rendering (shape, colors, texture, pose); each of its images
// shifts it and changes its brightness a little, images 5-7 and every non-neutral occluded
// image get a lighting gradient (AR's lighting variants), images 8-10 / 21-23 have painted
// sunglasses and 11-13 / 24-26 a painted scarf. The occlusion is in the source pixels, as
// in AR: nothing is composited later.
type builtinARSource struct {
	opt     BuiltinOptions
	classes []string
	items   []Item
	base    uint64 // the identity renderings' seed
}

func newBuiltinAR(o BuiltinOptions) (Source, error) {
	if o.Subjects == 0 {
		o.Subjects = 20
	}
	if o.Size == 0 {
		o.Size = 32
	}
	if o.Subjects < 1 || o.Subjects > manifests.BuiltinARMaxSubjects {
		return nil, fmt.Errorf("builtin-ar: %d subjects per gender, want 1..%d", o.Subjects, manifests.BuiltinARMaxSubjects)
	}
	if o.Size < manifests.BuiltinMinSize || o.Size > manifests.BuiltinMaxSize {
		return nil, fmt.Errorf("builtin-ar: size %d, want %d..%d", o.Size, manifests.BuiltinMinSize, manifests.BuiltinMaxSize)
	}
	s := &builtinARSource{opt: o, base: keyed.Rand(o.Seed, "builtin-ar").Uint64()}
	for _, g := range []string{"M", "W"} {
		for n := 1; n <= o.Subjects; n++ {
			subject := fmt.Sprintf("%s-%03d", g, n)
			s.classes = append(s.classes, subject)
			for idx := 1; idx <= 26; idx++ {
				session, occ, neutral := ARAttrs(idx)
				s.items = append(s.items, Item{ID: fmt.Sprintf("%s-%02d", subject, idx), Class: subject,
					Attrs: map[string]string{"gender": g, "subject": subject, "session": strconv.Itoa(session),
						"index": strconv.Itoa(idx), "occlusion": occ, "neutral": strconv.FormatBool(neutral)}})
			}
		}
	}
	sortItems(s.items)
	return s, nil
}

func (s *builtinARSource) Layout() string    { return LayoutBuiltinAR }
func (s *builtinARSource) Classes() []string { return slices.Clone(s.classes) }
func (s *builtinARSource) Items() []Item     { return slices.Clone(s.items) }

// Decode renders the item (an *image.NRGBA, opaque, Size x Size).
func (s *builtinARSource) Decode(it Item) (image.Image, error) {
	var g byte
	var n, idx int
	if _, err := fmt.Sscanf(it.ID, "%c-%03d-%02d", &g, &n, &idx); err != nil || (g != 'M' && g != 'W') ||
		n < 1 || n > s.opt.Subjects || idx < 1 || idx > 26 || it.ID != fmt.Sprintf("%c-%03d-%02d", g, n, idx) {
		return nil, fmt.Errorf("builtin-ar: item %q is not in this dataset", it.ID)
	}
	subject := n - 1
	if g == 'W' {
		subject += s.opt.Subjects
	}
	size := s.opt.Size
	id := renderBuiltin(s.base, subject%len(BuiltinShapes), subject/len(BuiltinShapes), size)
	r := keyed.Rand(s.opt.Seed, "builtin-ar", it.ID)
	shift := max(1, size/16)
	dx, dy := r.IntN(2*shift+1)-shift, r.IntN(2*shift+1)-shift
	bright := r.IntN(31) - 15
	session, occ, neutral := ARAttrs(idx)
	k := idx - 13*(session-1)
	light := 0 // lighting gradient, left to right, in levels
	if (k >= 5 && k <= 7) || (occ != "none" && !neutral) {
		light = 30 + r.IntN(31)
		if r.IntN(2) == 0 {
			light = -light
		}
	}
	scarf := rgb{40 + r.IntN(180), 40 + r.IntN(180), 40 + r.IntN(180)}
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			sx, sy := min(max(x-dx, 0), size-1), min(max(y-dy, 0), size-1)
			o := id.PixOffset(sx, sy)
			c := rgb{int(id.Pix[o]), int(id.Pix[o+1]), int(id.Pix[o+2])}
			switch {
			case occ == "sunglasses" && inSunglasses(x, y, size):
				c = rgb{18, 18, 24}
			case occ == "scarf" && inScarf(x, y, size):
				c = scarf
				if ((x+y)/max(2, size/8))%2 == 1 {
					c = rgb{scarf.r * 3 / 4, scarf.g * 3 / 4, scarf.b * 3 / 4}
				}
			}
			d := bright + light*(2*x-size)/size
			p := img.PixOffset(x, y)
			img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = clamp8(c.r+d), clamp8(c.g+d), clamp8(c.b+d), 255
		}
	}
	return img, nil
}

// inSunglasses reports whether (x, y) is on the painted sunglasses: two lenses at eye
// level (about 38% down) and the bridge between them, some 15% of the image, as AR's
// sunglasses cover about a sixth of a cropped face (the scarf: about 40%).
func inSunglasses(x, y, size int) bool {
	cy, ry, rx := size*38/100, max(1, size*13/100), max(1, size*18/100)
	for _, cx := range []int{size * 32 / 100, size * 68 / 100} {
		ddx, ddy := (x-cx)*ry, (y-cy)*rx
		if ddx*ddx+ddy*ddy <= rx*rx*ry*ry {
			return true
		}
	}
	return y >= cy-1 && y <= cy && x > size*32/100 && x < size*68/100
}

// inScarf reports whether (x, y) is on the painted scarf: the lower 40%, with a wavy top.
func inScarf(x, y, size int) bool {
	top := size*60/100 + []int{0, 1, 2, 1}[(x*4/max(1, size/4))%4]
	return y >= top
}
