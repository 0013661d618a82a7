package patterns

import (
	"fmt"
	"image"
	"math"
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
	Position string  `json:"position"` // center, random, explicit, preset_center or preset_random
	Index    int     `json:"index"`    // which random/explicit/preset_random position, from 0
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
	picked = &sub
	by := map[*occluders.Occluder]int{} // occluder -> the use entry that picked it
	for i, want := range o.Use {
		n := 0
		for _, oc := range set.Occluders {
			if short := shortName(oc.Name); short != want && !(strings.HasPrefix(short, want+"-") && useByPrefix(set, want, short)) {
				continue
			}
			if k, dup := by[oc]; dup {
				return nil, nil, fmt.Errorf("%s: occluders.use[%d]: %q picks occluder %s again (occluders.use[%d] %q picked it already)",
					m.File, i, want, shortName(oc.Name), k, o.Use[k])
			}
			by[oc] = i
			sub.Occluders = append(sub.Occluders, oc)
			n++
		}
		if n == 0 {
			return nil, nil, fmt.Errorf("%s: occluders.use[%d]: no occluder %q in set %s", m.File, i, want, set.Name)
		}
	}
	return picked, set, nil
}

// useByPrefix reports whether a use entry that is a prefix of the occluder name short picks
// it: in a .mat set a class id (bk1) picks every patch of the class (bk1-1, bk1-2, ...); in
// other sets a prefix picks the first occluder that has it (r1c04 for r1c04-bird-1).
func useByPrefix(set *occluders.Set, want, short string) bool {
	if set.Positions != nil {
		return !strings.Contains(short[len(want)+1:], "-")
	}
	for _, oc := range set.Occluders {
		if s := shortName(oc.Name); strings.HasPrefix(s, want+"-") {
			return s == short
		}
	}
	return false
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
// order), each ratio (manifest order): center, then the random, explicit and preset positions
// (preset_center, then preset_random 1..K). A .mat set offers only the ratios it stores: any
// other ratio is an error listing them.
// full is the unfiltered set, used to find grid rows and columns after a `use` filter.
func Expand(m *manifests.Manifest, set, full *occluders.Set) (*Pack, error) {
	size := m.Preprocess.Size
	oc := m.Occlusion
	p := &Pack{Table: Table{Manifest: m.Name, Seed: m.Seed, ImageSize: size, Semantics: oc.Semantics,
		Occluders: set.Name, Rows: set.Rows, Cols: set.Cols}, Images: map[string]*image.NRGBA{}}
	for _, o := range set.Occluders {
		row, col := gridOf(full, full.Occluders, o)
		for ri, ratio := range oc.Ratios {
			pre, err := offered(set, o, ratio)
			if err != nil {
				return nil, fmt.Errorf("%s: occlusion.ratios[%d]: %w", m.File, ri, err)
			}
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
				if pre == nil {
					return nil, fmt.Errorf("%s: occlusion.positions.preset: occluder set %s stores no positions (only .mat sets do)", m.File, set.Name)
				}
				conv := presetPlacer(set, o, sc, size)
				c := image.Pt(occluders.CenterPosition(sc, size, size))
				if pre.Center != nil {
					c = conv(*pre.Center)
				}
				if err := add("preset_center", 0, c); err != nil {
					return nil, err
				}
				for i, pt := range pre.Random {
					if err := add("preset_random", i, conv(pt)); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	return p, nil
}

func suffix(kind string, idx int) string {
	if kind == "center" || kind == "preset_center" {
		return ""
	}
	return strconv.Itoa(idx + 1)
}

// offered returns what a .mat set stores for an occluder at a ratio: nil for sets that
// store nothing (every ratio is theirs to scale to), an error listing the ratios the file
// offers when it lacks this one.
func offered(set *occluders.Set, o *occluders.Occluder, ratio float64) (*occluders.PresetPositions, error) {
	if set.Positions == nil {
		return nil, nil
	}
	pre := set.Positions[o.Name]
	var have []string
	for i := range pre {
		if math.Abs(pre[i].Ratio-ratio) < 1e-9 {
			return &pre[i], nil
		}
		have = append(have, strconv.FormatFloat(pre[i].Ratio, 'f', -1, 64))
	}
	return nil, fmt.Errorf("ratio %v is not in occluder set %s: occluder %s offers %s (OR %s in the file)",
		ratio, set.Name, shortName(o.Name), strings.Join(have, ", "), orList(pre))
}

func orList(pre []occluders.PresetPositions) string {
	s := make([]string, len(pre))
	for i, p := range pre {
		s[i] = strconv.FormatFloat(p.OR, 'f', -1, 64)
	}
	return strings.Join(s, ", ")
}

// presetPlacer converts a stored SDBE position (0-based top-left corner of the whole scaled
// patch in a PresetFrame-sized image) to the top-left corner of sc, the occluder scaled and
// cropped to its mask, in a size x size image: the position is scaled to the image size, the
// mask's offset inside the patch is added at sc's scale, and a corner that would put the
// occluder partly outside the image is moved inside by the least amount (SDBE clips the
// patch at the image border instead; moving keeps the occlusion ratio).
func presetPlacer(set *occluders.Set, o *occluders.Occluder, sc *occluders.Scaled, size int) func(image.Point) image.Point {
	bb := o.BBox()
	b := sc.Img.Bounds()
	fx := float64(size) / float64(set.PresetFrame.X)
	fy := float64(size) / float64(set.PresetFrame.Y)
	return func(p image.Point) image.Point {
		x := int(math.Round(float64(p.X)*fx + float64(bb.Min.X)*sc.Scale))
		y := int(math.Round(float64(p.Y)*fy + float64(bb.Min.Y)*sc.Scale))
		return image.Pt(max(0, min(x, size-b.Dx())), max(0, min(y, size-b.Dy())))
	}
}

// Select returns the patterns a subset keeps (nil subset: all), in table order.
func (t *Table) Select(sub *manifests.Subset) []Pattern {
	if sub == nil {
		return t.Patterns
	}
	var out []Pattern
	for _, p := range t.Patterns {
		if keep(sub.Ratios, p.Ratio) && keepPosition(sub.Positions, p.Position) && keep(sub.Rows, p.Row) {
			out = append(out, p)
		}
	}
	return out
}

// keepPosition is keep for position kinds, where "preset" selects both preset kinds.
func keepPosition(list []string, kind string) bool {
	if strings.HasPrefix(kind, "preset_") && keep(list, "preset") && len(list) > 0 {
		return true
	}
	return keep(list, kind)
}

func keep[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return len(list) == 0
}
