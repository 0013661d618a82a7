package occluders

import (
	"embed"
	"fmt"
	"image"
	"image/color"
	"math"
	"path"
	"sort"
	"strings"

	"github.com/occbench/occbench/internal/keyed"
)

// objects30FS holds the 30 real-object occluders (see builtin/objects30/SOURCES.md).
//
//go:embed builtin/objects30/*.png
var objects30FS embed.FS

// BuiltinNames lists the built-in occluder sets accepted by Builtin.
func BuiltinNames() []string { return []string{"objects30", "procedural"} }

// Builtin returns a fresh copy of a built-in set: "procedural" (generated textured shapes
// with soft edges) or "objects30" (30 public-domain clip-art objects, 3 rows x 10 columns).
func Builtin(name string) (*Set, error) {
	switch name {
	case "procedural":
		return proceduralSet(), nil
	case "objects30":
		return objects30Set()
	}
	return nil, fmt.Errorf("occluders: unknown built-in set %q (have %s)", name, strings.Join(BuiltinNames(), ", "))
}

func objects30Set() (*Set, error) {
	entries, err := objects30FS.ReadDir("builtin/objects30")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names) // rRcCC-... sorts row-major
	set := &Set{Name: "objects30", Rows: 3, Cols: 10}
	for _, n := range names {
		data, err := objects30FS.ReadFile("builtin/objects30/" + n)
		if err != nil {
			return nil, err
		}
		img, err := decodePNGBytes("objects30/"+n, data)
		if err != nil {
			return nil, err
		}
		s := strings.TrimSuffix(n, path.Ext(n))
		parts := strings.Split(s, "-") // rRcCC, category, n
		if len(parts) != 3 {
			return nil, fmt.Errorf("objects30/%s: bad built-in file name", n)
		}
		set.Occluders = append(set.Occluders, &Occluder{Name: "objects30/" + s, Category: parts[1], Img: toNRGBA(img)})
	}
	if len(set.Occluders) != set.Rows*set.Cols {
		return nil, fmt.Errorf("objects30: %d files embedded, want %d", len(set.Occluders), set.Rows*set.Cols)
	}
	return set, nil
}

// proceduralSet generates the shapes deterministically (fixed seed through internal/keyed).
func proceduralSet() *Set {
	return &Set{Name: "procedural", Occluders: []*Occluder{
		checkerDisk(), stripedStar(), noisyBlob(), dottedSquare(),
	}}
}

// softAlpha maps a signed distance to the edge (negative inside, in pixels) to an
// anti-aliased alpha with a feather of about 2 px.
func softAlpha(d float64) uint8 {
	a := 0.5 - d/2
	return uint8(math.Round(255 * math.Min(1, math.Max(0, a))))
}

// render fills a size x size image; f returns the colour and signed edge distance at a
// pixel center (relative to the image center).
func render(name string, size int, f func(x, y float64) (color.NRGBA, float64)) *Occluder {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	c := float64(size) / 2
	for y := range size {
		for x := range size {
			col, d := f(float64(x)+0.5-c, float64(y)+0.5-c)
			col.A = softAlpha(d)
			img.SetNRGBA(x, y, col)
		}
	}
	return &Occluder{Name: "procedural/" + name, Category: name, Img: img}
}

func checkerDisk() *Occluder {
	const r = 56.0
	return render("checker-disk", 120, func(x, y float64) (color.NRGBA, float64) {
		col := color.NRGBA{230, 40, 40, 0}
		if (int(math.Floor(x/14))+int(math.Floor(y/14)))%2 == 0 {
			col = color.NRGBA{250, 245, 235, 0}
		}
		return col, math.Hypot(x, y) - r
	})
}

func stripedStar() *Occluder {
	const rOut, rIn = 70.0, 32.0
	return render("striped-star", 148, func(x, y float64) (color.NRGBA, float64) {
		col := color.NRGBA{30, 60, 200, 0}
		if int(math.Floor((x+y)/10))%2 == 0 {
			col = color.NRGBA{250, 210, 30, 0}
		}
		rho, th := math.Hypot(x, y), math.Atan2(y, x)+math.Pi/2
		// piecewise-linear radius between 5 tips and 5 notches
		seg := math.Mod(th*5/(2*math.Pi)+10, 1) // 0 at a tip, 0.5 at a notch
		t := 1 - math.Abs(seg-0.5)*2            // 0 at a tip, 1 at a notch
		edge := rOut + (rIn-rOut)*t
		return col, (rho - edge) * 0.8 // approximate distance (edges are slanted)
	})
}

func noisyBlob() *Occluder {
	r := keyed.Rand(1, "occluders", "procedural", "noisy-blob")
	var amp, phase [5]float64
	for i := range amp {
		amp[i] = 4 + 6*r.Float64()
		phase[i] = 2 * math.Pi * r.Float64()
	}
	const g = 9 // value-noise grid
	var grid [g][g]float64
	for i := range g {
		for j := range g {
			grid[i][j] = r.Float64()
		}
	}
	return render("noisy-blob", 128, func(x, y float64) (color.NRGBA, float64) {
		th := math.Atan2(y, x)
		edge := 44.0
		for i := range amp {
			edge += amp[i] * math.Sin(float64(i+2)*th+phase[i]) / float64(i+1)
		}
		gx, gy := (x+64)/16, (y+64)/16
		ix, iy := min(int(gx), g-2), min(int(gy), g-2)
		fx, fy := gx-float64(ix), gy-float64(iy)
		n := grid[iy][ix]*(1-fx)*(1-fy) + grid[iy][ix+1]*fx*(1-fy) + grid[iy+1][ix]*(1-fx)*fy + grid[iy+1][ix+1]*fx*fy
		col := color.NRGBA{uint8(40 + 120*n), uint8(110 + 120*n), uint8(30 + 40*n), 0}
		return col, math.Hypot(x, y) - edge
	})
}

func dottedSquare() *Occluder {
	const half, round = 46.0, 14.0
	return render("dotted-square", 104, func(x, y float64) (color.NRGBA, float64) {
		qx, qy := math.Abs(x)-(half-round), math.Abs(y)-(half-round)
		d := math.Hypot(math.Max(qx, 0), math.Max(qy, 0)) + math.Min(math.Max(qx, qy), 0) - round
		col := color.NRGBA{120, 40, 160, 0}
		mx, my := math.Mod(x+200, 16)-8, math.Mod(y+200, 16)-8
		if math.Hypot(mx, my) < 4.5 {
			col = color.NRGBA{255, 255, 255, 0}
		}
		return col, d
	})
}
