package occluders

import (
	"errors"
	"fmt"
	"image"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/occbench/occbench/internal/inputs"
	"github.com/occbench/occbench/internal/matv5"
)

// LoadMAT reads an SDBE occluder set, the layout of the two files the SDBE authors
// published (occluder_10cls_1percls.mat for Caltech-101, occluder_ilsvrc_12cls_1percls.mat
// for ILSVRC; docs/manifest.md describes it field by field):
//
//	meta                 1x1 struct: imgH, imgW (the image size positions refer to), MaxOccPercent
//	cls                  1xN struct array, one element per class
//	cls(i).idName        char: bk1 .. bk10, or a WordNet id such as n01978455
//	cls(i).ptch          1xP struct array, one element per patch (P >= 1)
//	ptch(j).img          H x W x 3 uint8
//	ptch(j).img_mask     H x W x 3 uint8, values {0, 1} (or {0, 255}), the three channels equal
//	ptch(j).occ          1xK struct array, one element per occlusion ratio
//	occ(k).OR            the ratio in percent (5, 15, 25, 35 or 10, 20)
//	occ(k).scale         the patch's scale factor for that ratio
//	occ(k).rndpos        1x4 struct array of h, w: 1-based row and column of the scaled
//	                     patch's top-left corner in an imgH x imgW image (as SDBE rounds
//	                     them, see hw)
//	occ(k).cntpos        1x1 struct of h, w, the same for the centred patch (absent in the
//	                     Caltech file)
//
// Every patch is one occluder, named "<idName>-<j>" (j = 1..P, as SDBE names its occluded
// images); its Category is idName; Img is img with alpha = 255*mask. Set.Positions holds,
// per occluder, the ratios the file offers and their positions, converted to 0-based
// coordinates; Set.PresetFrame is meta's image size.
func LoadMAT(path string) (*Set, error) {
	data, err := inputs.ReadFile(path, inputs.MAT)
	if err != nil {
		return nil, err
	}
	set, err := parseSDBE(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	set.Name = stem(path)
	return set, nil
}

// idNameRE is what an SDBE idName may hold: it becomes part of occluder names and of file
// names inside pattern packs.
var idNameRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// parseSDBE decodes a MAT v5 byte slice holding SDBE's `cls` and `meta` variables.
func parseSDBE(data []byte) (*Set, error) {
	vars, err := matv5.Read(data)
	if err != nil {
		return nil, err
	}
	cls, err := matv5.Lookup(vars, "cls")
	if err != nil {
		return nil, fmt.Errorf("%v; not an SDBE occluder set", err)
	}
	if cls.Class != matv5.ClassStruct {
		return nil, fmt.Errorf(`variable "cls" is a %s array, want a 1xN struct array`, cls.TypeName())
	}
	if len(cls.Elems) == 0 {
		return nil, errors.New(`variable "cls" is empty`)
	}
	frame, err := sdbeMeta(vars)
	if err != nil {
		return nil, err
	}
	set := &Set{Positions: map[string][]PresetPositions{}, PresetFrame: frame}
	classOf := map[string]int{}
	for i := range cls.Elems {
		at := fmt.Sprintf("cls(%d)", i+1)
		idv, err := field(cls, i, "idName", at)
		if err != nil {
			return nil, err
		}
		if idv.Class != matv5.ClassChar {
			return nil, fmt.Errorf("%s.idName is a %s array, want char", at, idv.TypeName())
		}
		id := idv.Text()
		if !idNameRE.MatchString(id) {
			return nil, fmt.Errorf("%s.idName %q is not 1 to 64 letters, digits or '_'", at, id)
		}
		if k, dup := classOf[id]; dup {
			return nil, fmt.Errorf("%s.idName %q repeats cls(%d).idName", at, id, k+1)
		}
		classOf[id] = i
		ptch, err := field(cls, i, "ptch", at)
		if err != nil {
			return nil, err
		}
		if ptch.Class != matv5.ClassStruct || len(ptch.Elems) == 0 {
			return nil, fmt.Errorf("%s.ptch is a %s array of %d elements, want a non-empty struct array", at, ptch.TypeName(), ptch.Numel())
		}
		for j := range ptch.Elems {
			name := id + "-" + strconv.Itoa(j+1)
			pat := fmt.Sprintf("%s.ptch(%d) (occluder %s)", at, j+1, name)
			o, presets, err := sdbePatch(ptch, j, pat, name, id, frame)
			if err != nil {
				return nil, err
			}
			set.Occluders = append(set.Occluders, o)
			set.Positions[name] = presets
		}
	}
	return set, nil
}

// sdbeMeta reads meta.imgH and meta.imgW: the image size the stored positions refer to.
func sdbeMeta(vars []*matv5.Var) (image.Point, error) {
	meta, err := matv5.Lookup(vars, "meta")
	if err != nil {
		return image.Point{}, fmt.Errorf("%v; an SDBE occluder set has a struct meta with imgH and imgW", err)
	}
	if meta.Class != matv5.ClassStruct || len(meta.Elems) != 1 {
		return image.Point{}, fmt.Errorf(`variable "meta" is a %s array of %d elements, want a 1x1 struct`, meta.TypeName(), meta.Numel())
	}
	var size [2]int
	for k, f := range []string{"imgW", "imgH"} {
		v, err := scalar(meta.Field(0, f), "meta", f)
		if err != nil {
			return image.Point{}, err
		}
		if v != math.Trunc(v) || v < 1 || v > 1<<16 {
			return image.Point{}, fmt.Errorf("meta.%s is %v, want a whole number of pixels in 1..65536", f, v)
		}
		size[k] = int(v)
	}
	return image.Pt(size[0], size[1]), nil
}

// field returns field name of struct element i, or an error naming it.
func field(a *matv5.Var, i int, name, at string) (*matv5.Var, error) {
	v := a.Field(i, name)
	if v == nil {
		return nil, fmt.Errorf("%s has no field %q (fields: %s)", at, name, strings.Join(a.Fields, ", "))
	}
	return v, nil
}

// sdbePatch converts ptch(j) into an occluder and its per-ratio presets.
func sdbePatch(ptch *matv5.Var, j int, at, name, category string, frame image.Point) (*Occluder, []PresetPositions, error) {
	img, err := field(ptch, j, "img", at)
	if err != nil {
		return nil, nil, err
	}
	mask, err := field(ptch, j, "img_mask", at)
	if err != nil {
		return nil, nil, err
	}
	nimg, err := sdbeImage(img, mask, at)
	if err != nil {
		return nil, nil, err
	}
	if alphaBBox(nimg).Empty() {
		return nil, nil, fmt.Errorf("%s.img_mask is empty (no pixel is 1)", at)
	}
	occ, err := field(ptch, j, "occ", at)
	if err != nil {
		return nil, nil, err
	}
	if occ.Class != matv5.ClassStruct || len(occ.Elems) == 0 {
		return nil, nil, fmt.Errorf("%s.occ is a %s array of %d elements, want a non-empty struct array", at, occ.TypeName(), occ.Numel())
	}
	var presets []PresetPositions
	for k := range occ.Elems {
		p, err := sdbePreset(occ, k, fmt.Sprintf("%s.occ(%d)", at, k+1), frame)
		if err != nil {
			return nil, nil, err
		}
		for _, q := range presets {
			if q.OR == p.OR {
				return nil, nil, fmt.Errorf("%s.occ(%d).OR %v appears twice", at, k+1, p.OR)
			}
		}
		presets = append(presets, p)
	}
	sort.SliceStable(presets, func(a, b int) bool { return presets[a].OR < presets[b].OR })
	return &Occluder{Name: name, Category: category, Img: nimg}, presets, nil
}

// sdbeImage converts column-major img and img_mask (both H x W x 3 uint8) to NRGBA with
// alpha = 255*mask. The mask's three channels must be equal and its values {0, 1} or
// {0, 255}.
func sdbeImage(img, mask *matv5.Var, at string) (*image.NRGBA, error) {
	d := img.Dims
	if img.Class != matv5.ClassUint8 || img.Logical || len(d) != 3 || d[2] != 3 || d[0] < 1 || d[1] < 1 {
		return nil, fmt.Errorf("%s.img is a %s array of size %s, want H x W x 3 uint8", at, img.TypeName(), dimsText(d))
	}
	if mask.Class != matv5.ClassUint8 || len(mask.Dims) != 3 || mask.Dims[0] != d[0] || mask.Dims[1] != d[1] || mask.Dims[2] != 3 {
		return nil, fmt.Errorf("%s.img_mask is a %s array of size %s, want %d x %d x 3 uint8 like img", at, mask.TypeName(), dimsText(mask.Dims), d[0], d[1])
	}
	h, w := d[0], d[1]
	if int64(h)*int64(w) > inputs.MaxPixels {
		return nil, fmt.Errorf("%s.img has %d x %d pixels, more than the limit of %d", at, h, w, inputs.MaxPixels)
	}
	hw := h * w
	var seen [256]bool
	for i, v := range mask.Num[:hw] {
		if mask.Num[i+hw] != v || mask.Num[i+2*hw] != v {
			return nil, fmt.Errorf("%s.img_mask channels differ at row %d, column %d (%v, %v, %v); the three must be equal",
				at, i%h+1, i/h+1, v, mask.Num[i+hw], mask.Num[i+2*hw])
		}
		seen[uint8(v)] = true
	}
	if (seen[1] && seen[255]) || func() bool {
		for v := 2; v < 255; v++ {
			if seen[v] {
				return true
			}
		}
		return false
	}() {
		var vals []string
		for v, ok := range seen {
			if ok {
				vals = append(vals, strconv.Itoa(v))
			}
		}
		return nil, fmt.Errorf("%s.img_mask holds the values %s; want {0, 1} or {0, 255}", at, strings.Join(vals, ", "))
	}
	mscale := 255.0 // {0, 1} -> alpha {0, 255}
	if seen[255] {
		mscale = 1
	}
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			o := out.PixOffset(x, y)
			i := y + h*x
			for c := range 3 {
				out.Pix[o+c] = uint8(img.Num[i+hw*c])
			}
			out.Pix[o+3] = uint8(mask.Num[i] * mscale)
		}
	}
	return out, nil
}

func dimsText(d []int) string {
	s := make([]string, len(d))
	for i, v := range d {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, " x ")
}

// scalar reads a real numeric 1x1 value.
func scalar(a *matv5.Var, at, name string) (float64, error) {
	if a == nil {
		return 0, fmt.Errorf("%s has no field %q", at, name)
	}
	if !a.Numeric() || len(a.Num) != 1 {
		return 0, fmt.Errorf("%s.%s is a %s array of size %s, want a numeric scalar", at, name, a.TypeName(), dimsText(a.Dims))
	}
	if v := a.Num[0]; math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%s.%s is %v", at, name, v)
	}
	return a.Num[0], nil
}

// hw reads element i of a struct array of h, w and returns the 0-based top-left corner
// where SDBE's superimpose_occlusion puts the patch scaled by scale: it enlarges the image
// by 1/scale, pastes the patch from row max(floor(h/scale), 1) and column
// max(floor(w/scale), 1) (1-based) and shrinks the image back, so the corner is
// (max(floor(w/scale), 1) - 1) * scale, and likewise for the row, rounded to a pixel. For
// scale <= 1 that is within a pixel of (w - 1, h - 1).
func hw(a *matv5.Var, i int, at string, frame image.Point, scale float64) (image.Point, error) {
	h, err := scalar(a.Field(i, "h"), at, "h")
	if err != nil {
		return image.Point{}, err
	}
	w, err := scalar(a.Field(i, "w"), at, "w")
	if err != nil {
		return image.Point{}, err
	}
	if h < 1 || w < 1 || h > float64(frame.Y) || w > float64(frame.X) {
		return image.Point{}, fmt.Errorf("%s (h %v, w %v) is outside the %dx%d image of meta (1-based)", at, h, w, frame.X, frame.Y)
	}
	up := 1 / scale // as MATLAB computes it: pos.h.*up_scale, up_scale = 1./scale
	corner := func(v float64) int { return int(math.Round((max(math.Floor(v*up), 1) - 1) * scale)) }
	return image.Pt(corner(w), corner(h)), nil
}

// sdbePreset reads occ(k): OR, scale, rndpos and the optional cntpos.
func sdbePreset(occ *matv5.Var, k int, at string, frame image.Point) (PresetPositions, error) {
	var p PresetPositions
	or, err := scalar(occ.Field(k, "OR"), at, "OR")
	if err != nil {
		return p, err
	}
	if !(or > 0 && or < 100) {
		return p, fmt.Errorf("%s.OR is %v, want a percentage in (0, 100)", at, or)
	}
	p.OR, p.Ratio = or, or/100
	if p.Scale, err = scalar(occ.Field(k, "scale"), at, "scale"); err != nil {
		return p, err
	}
	if !(p.Scale > 0) {
		return p, fmt.Errorf("%s.scale is %v, want > 0", at, p.Scale)
	}
	rnd := occ.Field(k, "rndpos")
	if rnd == nil {
		return p, fmt.Errorf("%s has no field \"rndpos\"", at)
	}
	if rnd.Numel() > 0 && rnd.Class != matv5.ClassStruct {
		return p, fmt.Errorf("%s.rndpos is a %s array, want a struct array of h, w", at, rnd.TypeName())
	}
	for j := range rnd.Elems {
		pt, err := hw(rnd, j, fmt.Sprintf("%s.rndpos(%d)", at, j+1), frame, p.Scale)
		if err != nil {
			return p, err
		}
		p.Random = append(p.Random, pt)
	}
	if cnt := occ.Field(k, "cntpos"); cnt != nil && cnt.Numel() > 0 {
		if cnt.Class != matv5.ClassStruct || len(cnt.Elems) != 1 {
			return p, fmt.Errorf("%s.cntpos is a %s array of size %s, want a 1x1 struct of h, w", at, cnt.TypeName(), dimsText(cnt.Dims))
		}
		c, err := hw(cnt, 0, at+".cntpos", frame, p.Scale)
		if err != nil {
			return p, err
		}
		p.Center = &c
	}
	return p, nil
}
