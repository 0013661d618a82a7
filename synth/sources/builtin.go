package sources

import (
	"fmt"
	"image"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/occbench/occbench/internal/keyed"
	"github.com/occbench/occbench/manifests"
)

// BuiltinShapes are the classes of the builtin procedural dataset, in class-index order.
// Each class is one shape family with its own texture style:
//
//	circle solid, square checkerboard, triangle horizontal stripes, cross dots, ring
//	radial bands, star two-tone halves, hexagon diagonal stripes, bar (stripes-bar) cross
//	stripes, crescent speckle noise, heart vertical gradient.
var BuiltinShapes = []string{"circle", "square", "triangle", "cross", "ring", "star",
	"hexagon", "bar", "crescent", "heart"}

// BuiltinOptions configure the builtin layout. Zero fields take the defaults.
type BuiltinOptions struct {
	Classes  int    // number of classes, the first N of BuiltinShapes (default and max 10)
	PerClass int    // images per class (default 60); the first 80% of each class are "train", the rest "test"
	Size     int    // image side in pixels (default 64, min 16, max 1024; builtin-ar: default 32)
	Subjects int    // builtin-ar: subjects per gender (default 20, max 500)
	Seed     uint64 // every pixel derives from the seed through internal/keyed
}

func (o BuiltinOptions) withDefaults() (BuiltinOptions, error) {
	if o.Classes == 0 {
		o.Classes = len(BuiltinShapes)
	}
	if o.PerClass == 0 {
		o.PerClass = 60
	}
	if o.Size == 0 {
		o.Size = 64
	}
	// The limits are the manifest schema's (manifests.Builtin*), which validation checks.
	if o.Classes < 2 || o.Classes > min(len(BuiltinShapes), manifests.BuiltinMaxClasses) {
		return o, fmt.Errorf("builtin: %d classes, want 2..%d", o.Classes, manifests.BuiltinMaxClasses)
	}
	if o.PerClass < 1 || o.PerClass > manifests.BuiltinMaxPerClass {
		return o, fmt.Errorf("builtin: %d images per class, want 1..%d", o.PerClass, manifests.BuiltinMaxPerClass)
	}
	if o.Size < manifests.BuiltinMinSize || o.Size > manifests.BuiltinMaxSize {
		return o, fmt.Errorf("builtin: size %d, want %d..%d", o.Size, manifests.BuiltinMinSize, manifests.BuiltinMaxSize)
	}
	return o, nil
}

// BuiltinTrain is the number of "train" images of each builtin class (80%, rounded down,
// at least 1 when PerClass > 1).
func BuiltinTrain(perClass int) int {
	n := perClass * 8 / 10
	if n == 0 && perClass > 1 {
		n = 1
	}
	return n
}

type builtinSource struct {
	opt   BuiltinOptions
	items []Item
}

func newBuiltin(o BuiltinOptions) (Source, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &builtinSource{opt: o}
	train, test := map[string]string{"split": "train"}, map[string]string{"split": "test"}
	ntrain := BuiltinTrain(o.PerClass)
	for c := 0; c < o.Classes; c++ {
		for i := 0; i < o.PerClass; i++ {
			a := train
			if i >= ntrain {
				a = test
			}
			s.items = append(s.items, Item{ID: fmt.Sprintf("%s/%05d", BuiltinShapes[c], i), Class: BuiltinShapes[c], Attrs: a})
		}
	}
	sortItems(s.items)
	return s, nil
}

func (s *builtinSource) Layout() string    { return LayoutBuiltin }
func (s *builtinSource) Classes() []string { return slices.Clone(BuiltinShapes[:s.opt.Classes]) }
func (s *builtinSource) Items() []Item     { return slices.Clone(s.items) }

// Decode renders the item (an *image.NRGBA, opaque, Size x Size).
func (s *builtinSource) Decode(it Item) (image.Image, error) {
	class, num, ok := strings.Cut(it.ID, "/")
	ci := slices.Index(BuiltinShapes[:s.opt.Classes], class)
	i, err := strconv.Atoi(num)
	if !ok || ci < 0 || err != nil || i < 0 || i >= s.opt.PerClass {
		return nil, fmt.Errorf("builtin: item %q is not in this dataset", it.ID)
	}
	return renderBuiltin(s.opt.Seed, ci, i, s.opt.Size), nil
}

// mul rounds the product explicitly so that no platform fuses it into a multiply-add:
// the rendering is bit-identical on every architecture.
func mul(a, b float64) float64 { return float64(a * b) }

// Star polygon (5 points, outer radius 1, inner 0.4), vertices precomputed.
var starPoly = [10][2]float64{
	{0, -1}, {0.2351141009, -0.3236067977}, {0.9510565163, -0.3090169944}, {0.3804226065, 0.1236067977},
	{0.5877852523, 0.8090169944}, {0, 0.4}, {-0.5877852523, 0.8090169944}, {-0.3804226065, 0.1236067977},
	{-0.9510565163, -0.3090169944}, {-0.2351141009, -0.3236067977},
}

func inPoly(poly [][2]float64, x, y float64) bool {
	in := false
	j := len(poly) - 1
	for i := range poly {
		xi, yi, xj, yj := poly[i][0], poly[i][1], poly[j][0], poly[j][1]
		if (yi > y) != (yj > y) {
			xc := xi + mul(xj-xi, (y-yi)/(yj-yi))
			if x < xc {
				in = !in
			}
		}
		j = i
	}
	return in
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// inShape reports whether local coordinates (u, v), in units of the shape radius, are
// inside shape class c.
func inShape(c int, u, v float64) bool {
	r2 := mul(u, u) + mul(v, v)
	switch c {
	case 0: // circle
		return r2 <= 1
	case 1: // square
		return abs(u) <= 0.8 && abs(v) <= 0.8
	case 2: // triangle
		return v <= 0.55 && mul(1.732, u)-v <= 1 && mul(-1.732, u)-v <= 1
	case 3: // cross
		return (abs(u) <= 0.3 && abs(v) <= 0.95) || (abs(v) <= 0.3 && abs(u) <= 0.95)
	case 4: // ring
		return r2 <= 1 && r2 >= 0.3
	case 5: // star
		return inPoly(starPoly[:], u, v)
	case 6: // hexagon
		return abs(v) <= 0.866 && abs(u)+mul(abs(v), 0.57735) <= 1
	case 7: // bar
		return abs(u) <= 1 && abs(v) <= 0.32
	case 8: // crescent
		d := u - 0.45
		return r2 <= 1 && mul(d, d)+mul(v, v) > 0.6
	case 9: // heart: (x^2+y^2-1)^3 - x^2 y^3 <= 0
		x, y := mul(u, 1.15), mul(-v, 1.15)+0.15
		q := mul(x, x) + mul(y, y) - 1
		return mul(mul(q, q), q)-mul(mul(x, x), mul(mul(y, y), y)) <= 0
	}
	return false
}

type rgb struct{ r, g, b int }

func randColor(r *rand.Rand, lo, hi int) rgb {
	return rgb{lo + r.IntN(hi-lo+1), lo + r.IntN(hi-lo+1), lo + r.IntN(hi-lo+1)}
}

func clamp8(v int) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// renderBuiltin draws image i of class c.
func renderBuiltin(seed uint64, c, i, size int) *image.NRGBA {
	r := keyed.Rand(seed, "builtin", BuiltinShapes[c], strconv.Itoa(i))
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	// Foreground and background on opposite sides of mid-grey, so the shape is visible.
	var bgA, bgB, fg, fg2 rgb
	if r.IntN(2) == 0 {
		bgA, bgB, fg = randColor(r, 0, 110), randColor(r, 0, 110), randColor(r, 150, 255)
	} else {
		bgA, bgB, fg = randColor(r, 145, 255), randColor(r, 145, 255), randColor(r, 0, 105)
	}
	fg2 = rgb{(fg.r + 128) / 2, (fg.g + 128) / 2, (fg.b + 128) / 2}
	if fg.r+fg.g+fg.b > 384 {
		fg2 = rgb{fg.r * 2 / 3, fg.g * 2 / 3, fg.b * 2 / 3}
	}
	// Background: 0 linear gradient, 1 value noise, 2 two-tone split.
	bgStyle := r.IntN(3)
	gdx, gdy := r.IntN(17)-8, r.IntN(17)-8
	if gdx == 0 && gdy == 0 {
		gdx = 1
	}
	const grid = 5
	var noise [grid + 1][grid + 1]int
	for y := range noise {
		for x := range noise[y] {
			noise[y][x] = r.IntN(257)
		}
	}
	// Shape placement: center jitter, radius, rotation (rational parametrisation of the
	// angle, exact in IEEE arithmetic), texture frequency.
	fs := float64(size)
	cx := fs/2 + mul(fs, r.Float64()*0.24-0.12)
	cy := fs/2 + mul(fs, r.Float64()*0.24-0.12)
	rad := mul(fs, 0.26+r.Float64()*0.14)
	t := r.Float64()*2 - 1
	den := 1 + mul(t, t)
	cosA, sinA := (1-mul(t, t))/den, (2*t)/den
	if r.IntN(2) == 0 {
		cosA, sinA = -cosA, -sinA
	}
	freq := 3 + r.IntN(3)
	pixNoise := r.Uint64()
	span := (abs(float64(gdx)) + abs(float64(gdy))) * fs
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			// Background.
			var bg rgb
			switch bgStyle {
			case 0:
				p := float64(gdx*x+gdy*y) / span
				w := int(mul(p+1, 128)) // 0..256
				bg = rgb{bgA.r + (bgB.r-bgA.r)*w/256, bgA.g + (bgB.g-bgA.g)*w/256, bgA.b + (bgB.b-bgA.b)*w/256}
			case 1:
				gx, gy := x*grid*256/size, y*grid*256/size
				ix, iy, fx, fy := gx>>8, gy>>8, gx&255, gy&255
				n := (noise[iy][ix]*(256-fx)+noise[iy][ix+1]*fx)*(256-fy) + (noise[iy+1][ix]*(256-fx)+noise[iy+1][ix+1]*fx)*fy
				w := n >> 16 // 0..256
				bg = rgb{bgA.r + (bgB.r-bgA.r)*w/256, bgA.g + (bgB.g-bgA.g)*w/256, bgA.b + (bgB.b-bgA.b)*w/256}
			default:
				if gdx*(2*x-size)+gdy*(2*y-size) > 0 {
					bg = bgB
				} else {
					bg = bgA
				}
			}
			// Shape coverage (2x2 supersampling) and texture at the pixel center.
			cover := 0
			var u0, v0 float64
			for sy := 0; sy < 2; sy++ {
				for sx := 0; sx < 2; sx++ {
					dx := float64(x) + 0.25 + 0.5*float64(sx) - cx
					dy := float64(y) + 0.25 + 0.5*float64(sy) - cy
					u := (mul(cosA, dx) + mul(sinA, dy)) / rad
					v := (mul(cosA, dy) - mul(sinA, dx)) / rad
					if inShape(c, u, v) {
						cover++
					}
					u0, v0 = u, v
				}
			}
			col := bg
			if cover > 0 {
				tex := texture(c, u0, v0, freq, pixNoise, x, y)
				f := rgb{fg.r + (fg2.r-fg.r)*tex/256, fg.g + (fg2.g-fg.g)*tex/256, fg.b + (fg2.b-fg.b)*tex/256}
				col = rgb{(f.r*cover + bg.r*(4-cover)) / 4, (f.g*cover + bg.g*(4-cover)) / 4, (f.b*cover + bg.b*(4-cover)) / 4}
			}
			// Mild pixel noise from a hash of the position.
			h := (pixNoise ^ uint64(y*size+x)*0x9E3779B97F4A7C15) * 0xBF58476D1CE4E5B9
			nz := int(h>>59) - 16 // -16..15
			nz /= 2
			o := y*img.Stride + 4*x
			img.Pix[o] = clamp8(col.r + nz)
			img.Pix[o+1] = clamp8(col.g + nz)
			img.Pix[o+2] = clamp8(col.b + nz)
			img.Pix[o+3] = 255
		}
	}
	return img
}

// texture returns the mix 0..256 between the two foreground colors.
func texture(c int, u, v float64, freq int, h uint64, x, y int) int {
	f := float64(freq)
	band := func(a float64) int { // square wave of period 2/f
		k := int(mul(a+4, f))
		return k & 1
	}
	switch c {
	case 1: // checker
		return 256 * (band(u) ^ band(v))
	case 2: // horizontal stripes
		return 256 * band(v)
	case 3: // dots
		du := mul(u+4, f) - float64(int(mul(u+4, f))) - 0.5
		dv := mul(v+4, f) - float64(int(mul(v+4, f))) - 0.5
		if mul(du, du)+mul(dv, dv) < 0.09 {
			return 256
		}
		return 0
	case 4: // radial bands
		return 256 * band(mul(u, u)+mul(v, v))
	case 5: // two-tone halves
		if u < 0 {
			return 256
		}
		return 0
	case 6: // diagonal stripes
		return 256 * band(mul(u+v, 0.7))
	case 7: // stripes across the bar
		return 256 * band(u)
	case 8: // speckle
		hh := (h ^ uint64(y*4099+x)*0xD6E8FEB86659FD93) * 0x94D049BB133111EB
		return int(hh>>61) * 256 / 7
	case 9: // vertical gradient
		w := int(mul(v+1, 128))
		if w < 0 {
			w = 0
		}
		if w > 256 {
			w = 256
		}
		return w
	}
	return 0 // solid
}
