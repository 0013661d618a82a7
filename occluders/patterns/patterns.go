// Package patterns expands a manifest's occlusion grid (occluder x ratio x position) into a
// pattern table and a pattern pack: every occluder pre-scaled per ratio, so any runner
// composites at integer positions with no resampling (DESIGN.md decision 2).
package patterns

import (
	"fmt"
	"image"
	"strconv"
	"strings"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/occluders"
)

// Pattern is one occlusion pattern: the same occluder, size and place on every image.
type Pattern struct {
	ID       int     `json:"id"`
	Name     string  `json:"name"`
	Occluder string  `json:"occluder"`
	Category string  `json:"category,omitempty"`
	Row      int     `json:"row,omitempty"` // 1-based grid row of the occluder (objects30), 0 if none
	Col      int     `json:"col,omitempty"` // 1-based grid column, 0 if none
	Ratio    float64 `json:"ratio"`
	Position string  `json:"position"` // center, random, explicit or preset
	Index    int     `json:"index"`    // which random/explicit/preset position, from 0
	Scale    float64 `json:"scale"`
	Achieved float64 `json:"achieved_ratio"`
	X        int     `json:"x"` // top-left corner of the scaled occluder image
	Y        int     `json:"y"`
	W        int     `json:"w"` // size of the scaled occluder image
	H        int     `json:"h"`
	File     string  `json:"file"` // the scaled occluder inside the pack
}

// Table is every pattern of a manifest, with what produced it.
type Table struct {
	Manifest  string    `json:"manifest"`
	Seed      uint64    `json:"seed"`
	ImageSize int       `json:"image_size"`
	Semantics string    `json:"semantics"`
	Occluders string    `json:"occluders"`
	Rows      int       `json:"rows,omitempty"`
	Cols      int       `json:"cols,omitempty"`
	Patterns  []Pattern `json:"patterns"`
}

// Pack is a pattern table plus its pre-scaled occluder images, keyed by Pattern.File.
type Pack struct {
	Table
	Images map[string]*image.NRGBA `json:"-"`
}

// FromManifest loads a manifest's occluders (a folder given by override replaces them) and
// expands its pattern pack.
func FromManifest(m *manifests.Manifest, override string) (*Pack, error) {
	set, full, err := LoadOccluders(m, override)
	if err != nil {
		return nil, err
	}
	return Expand(m, set, full)
}

// LoadOccluders opens the manifest's occluder set (a folder given by override replaces it)
// and returns the occluders its `use` list names, in that order, plus the whole set.
func LoadOccluders(m *manifests.Manifest, override string) (picked, full *occluders.Set, err error) {
	var set *occluders.Set
	o := m.Occluders
	switch {
	case override != "":
		set, err = occluders.LoadDir(override)
	case o.Builtin != "":
		set, err = occluders.Builtin(o.Builtin)
	case o.Dir != "":
		set, err = occluders.LoadDir(m.OccluderPath(o.Dir))
	default:
		set, err = occluders.LoadMAT(m.OccluderPath(o.Mat))
	}
	if err != nil {
		return nil, nil, err
	}
	if len(o.Use) == 0 || override != "" {
		return set, set, nil
	}
	sub := *set
	sub.Occluders = nil
	for _, want := range o.Use {
		var hit *occluders.Occluder
		for _, oc := range set.Occluders {
			if shortName(oc.Name) == want || strings.HasPrefix(shortName(oc.Name), want+"-") {
				hit = oc
				break
			}
		}
		if hit == nil {
			return nil, nil, fmt.Errorf("%s: occluders.use: no occluder %q in set %s", m.File, want, set.Name)
		}
		sub.Occluders = append(sub.Occluders, hit)
	}
	return &sub, set, nil
}

// shortName drops a set prefix such as "objects30/".
func shortName(name string) string {
	return name[strings.LastIndexByte(name, '/')+1:]
}

// gridOf returns the 1-based row and column of an occluder in its set's layout.
func gridOf(set *occluders.Set, all []*occluders.Occluder, oc *occluders.Occluder) (int, int) {
	if set.Cols == 0 {
		return 0, 0
	}
	for i, o := range all {
		if o == oc {
			return i/set.Cols + 1, i%set.Cols + 1
		}
	}
	return 0, 0
}

// Expand builds the pattern pack of a manifest from an occluder set: for each occluder (set
// order), each ratio (manifest order): center, then the random, explicit and preset positions.
// full is the unfiltered set, used to find grid rows and columns after a `use` filter.
func Expand(m *manifests.Manifest, set, full *occluders.Set) (*Pack, error) {
	size := m.Preprocess.Size
	oc := m.Occlusion
	p := &Pack{Table: Table{Manifest: m.Name, Seed: m.Seed, ImageSize: size, Semantics: oc.Semantics,
		Occluders: set.Name, Rows: set.Rows, Cols: set.Cols}, Images: map[string]*image.NRGBA{}}
	for _, o := range set.Occluders {
		row, col := gridOf(full, full.Occluders, o)
		for _, ratio := range oc.Ratios {
			sc, err := occluders.ScaleFor(o, ratio, size, size, oc.Semantics)
			if err != nil {
				return nil, err
			}
			pct := strconv.FormatFloat(ratio*100, 'f', -1, 64)
			file := "occluders/" + shortName(o.Name) + "@" + pct + ".png"
			p.Images[file] = sc.Img
			b := sc.Img.Bounds()
			add := func(kind string, idx int, pt image.Point) error {
				if pt.X < 0 || pt.Y < 0 || pt.X+b.Dx() > size || pt.Y+b.Dy() > size {
					return fmt.Errorf("%s: pattern %s %s %d at (%d, %d): the %dx%d occluder does not fit in the %dx%d image",
						m.File, shortName(o.Name), kind, idx, pt.X, pt.Y, b.Dx(), b.Dy(), size, size)
				}
				id := len(p.Patterns)
				p.Patterns = append(p.Patterns, Pattern{ID: id,
					Name:     fmt.Sprintf("%s@%s%%/%s%s", shortName(o.Name), pct, kind, suffix(kind, idx)),
					Occluder: o.Name, Category: o.Category, Row: row, Col: col, Ratio: ratio, Position: kind, Index: idx,
					Scale: sc.Scale, Achieved: sc.Achieved, X: pt.X, Y: pt.Y, W: b.Dx(), H: b.Dy(), File: file})
				return nil
			}
			if oc.Positions.Center {
				x, y := occluders.CenterPosition(sc, size, size)
				if err := add("center", 0, image.Pt(x, y)); err != nil {
					return nil, err
				}
			}
			if k := oc.Positions.Random; k > 0 {
				pts := occluders.RandomPositions(sc, size, size, k, m.Seed, "positions", o.Name, pct)
				for i, pt := range pts {
					if err := add("random", i, pt); err != nil {
						return nil, err
					}
				}
			}
			for i, pt := range oc.Positions.Explicit {
				if err := add("explicit", i, image.Pt(pt.X, pt.Y)); err != nil {
					return nil, err
				}
			}
			if oc.Positions.Preset {
				pre, err := presetFor(set, o, ratio)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", m.File, err)
				}
				for i, pt := range pre {
					if err := add("preset", i, pt); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	return p, nil
}

func suffix(kind string, idx int) string {
	if kind == "center" {
		return ""
	}
	return strconv.Itoa(idx + 1)
}

// presetFor returns the center and random positions stored for an occluder and ratio.
func presetFor(set *occluders.Set, o *occluders.Occluder, ratio float64) ([]image.Point, error) {
	for _, pp := range set.Positions[o.Name] {
		if pp.Ratio == ratio {
			return append([]image.Point{pp.Center}, pp.Random...), nil
		}
	}
	return nil, fmt.Errorf("occluder %s has no preset positions for ratio %v", o.Name, ratio)
}

// Select returns the patterns a subset keeps (nil subset: all), in table order.
func (t *Table) Select(sub *manifests.Subset) []Pattern {
	if sub == nil {
		return t.Patterns
	}
	var out []Pattern
	for _, p := range t.Patterns {
		if keep(sub.Ratios, p.Ratio) && keep(sub.Positions, p.Position) && keep(sub.Rows, p.Row) {
			out = append(out, p)
		}
	}
	return out
}

func keep[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return len(list) == 0
}
