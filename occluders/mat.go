package occluders

import (
	"errors"
	"fmt"
	"image"
	"io/fs"
	"math"
	"os"
	"strconv"

	"github.com/occbench/occbench/internal/matv5"
)

// LoadMAT reads an SDBE occluder set: a MATLAB v5 file holding a struct array `cls` whose
// elements have `idName` (char), `ptch.img` (uint8 H x W x 3), `ptch.img_mask` (H x W, 0/1)
// and optionally `occ` (struct array with OR, scale, cntpos.{h,w}, rndpos(k).{h,w}, 1-based).
// Occluders are named by idName (with "-2", "-3", ... when repeated), Img alpha = 255*mask,
// and presets land in Set.Positions, converted to 0-based coordinates.
func LoadMAT(path string) (*Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: file does not exist", path)
		}
		return nil, fmt.Errorf("%s: cannot read: %v", path, unwrapPath(err))
	}
	set, err := parseSDBE(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	set.Name = stem(path)
	return set, nil
}

// parseSDBE decodes a MAT v5 byte slice holding an SDBE `cls` variable.
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
		return nil, fmt.Errorf(`variable "cls" is a %s array, want struct`, cls.TypeName())
	}
	set := &Set{Positions: map[string][]PresetPositions{}}
	seen := map[string]int{}
	for i := range cls.Elems {
		where := fmt.Sprintf(`variable "cls" element %d`, i+1)
		get := func(a *matv5.Var, idx int, name, at string) (*matv5.Var, error) {
			v := a.Field(idx, name)
			if v == nil {
				return nil, fmt.Errorf("%s has no field %q", at, name)
			}
			return v, nil
		}
		idv, err := get(cls, i, "idName", where)
		if err != nil {
			return nil, err
		}
		if idv.Class != matv5.ClassChar || len(idv.Chars) == 0 {
			return nil, fmt.Errorf("%s field \"idName\" is a %s array, want a non-empty char", where, idv.TypeName())
		}
		ptch, err := get(cls, i, "ptch", where)
		if err != nil {
			return nil, err
		}
		if ptch.Class != matv5.ClassStruct || len(ptch.Elems) == 0 {
			return nil, fmt.Errorf("%s field \"ptch\" is a %s array, want struct", where, ptch.TypeName())
		}
		img, err := get(ptch, 0, "img", where+" ptch")
		if err != nil {
			return nil, err
		}
		mask, err := get(ptch, 0, "img_mask", where+" ptch")
		if err != nil {
			return nil, err
		}
		nimg, err := sdbeImage(img, mask)
		if err != nil {
			return nil, fmt.Errorf("%s ptch: %v", where, err)
		}
		name := idv.Text()
		seen[name]++
		if seen[name] > 1 {
			name += "-" + strconv.Itoa(seen[name])
		}
		if alphaBBox(nimg).Empty() {
			return nil, fmt.Errorf("%s: mask of %s is empty", where, name)
		}
		set.Occluders = append(set.Occluders, &Occluder{Name: name, Category: idv.Text(), Img: nimg})
		occ := cls.Field(i, "occ")
		if occ == nil || occ.Numel() == 0 {
			continue
		}
		if occ.Class != matv5.ClassStruct {
			return nil, fmt.Errorf("%s field \"occ\" is a %s array, want struct", where, occ.TypeName())
		}
		for k := range occ.Elems {
			at := fmt.Sprintf("%s occ(%d)", where, k+1)
			p, err := sdbePreset(occ, k, at)
			if err != nil {
				return nil, err
			}
			set.Positions[name] = append(set.Positions[name], p)
		}
	}
	if len(set.Occluders) == 0 {
		return nil, errors.New(`variable "cls" is empty`)
	}
	return set, nil
}

// sdbeImage converts column-major img (H x W x 3 or H x W) and mask (H x W) to NRGBA.
func sdbeImage(img, mask *matv5.Var) (*image.NRGBA, error) {
	if img.Num == nil || !img.Numeric() {
		return nil, fmt.Errorf("field \"img\" is a %s array, want numeric H x W x 3", img.TypeName())
	}
	if mask.Num == nil || !mask.Numeric() {
		return nil, fmt.Errorf("field \"img_mask\" is a %s array, want numeric H x W", mask.TypeName())
	}
	d := img.Dims
	ch := 1
	switch {
	case len(d) == 3 && (d[2] == 3 || d[2] == 1):
		ch = d[2]
	case len(d) == 2:
	default:
		return nil, fmt.Errorf("field \"img\" has dimensions %v, want H x W x 3", d)
	}
	h, w := d[0], d[1]
	if len(mask.Dims) != 2 || mask.Dims[0] != h || mask.Dims[1] != w {
		return nil, fmt.Errorf("field \"img_mask\" has dimensions %v, want %d x %d like img", mask.Dims, h, w)
	}
	maxM := 0.0
	for _, v := range mask.Num {
		maxM = max(maxM, v)
	}
	mscale := 255.0 // 0/1 masks (SDBE) -> alpha 0/255
	if maxM > 1 {
		mscale = 1 // already 0..255
	}
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			o := out.PixOffset(x, y)
			for c := range 3 {
				src := y + h*x + h*w*min(c, ch-1)
				out.Pix[o+c] = clamp8(img.Num[src])
			}
			out.Pix[o+3] = clamp8(mask.Num[y+h*x] * mscale)
		}
	}
	return out, nil
}

func clamp8(v float64) uint8 {
	if !(v > 0) { // also NaN
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(math.Round(v))
}

func scalar(a *matv5.Var, at, name string) (float64, error) {
	if a == nil {
		return 0, fmt.Errorf("%s has no field %q", at, name)
	}
	if len(a.Num) != 1 {
		return 0, fmt.Errorf("%s field %q is not a numeric scalar", at, name)
	}
	return a.Num[0], nil
}

// hw reads a struct element with numeric scalar fields h and w as a 0-based point.
func hw(a *matv5.Var, i int, at string) (image.Point, error) {
	h, err := scalar(a.Field(i, "h"), at, "h")
	if err != nil {
		return image.Point{}, err
	}
	w, err := scalar(a.Field(i, "w"), at, "w")
	if err != nil {
		return image.Point{}, err
	}
	if math.Abs(h) > 1<<30 || math.Abs(w) > 1<<30 || h != h || w != w {
		return image.Point{}, fmt.Errorf("%s position (%v, %v) is out of range", at, h, w)
	}
	return image.Pt(int(math.Round(w))-1, int(math.Round(h))-1), nil
}

func sdbePreset(occ *matv5.Var, k int, at string) (PresetPositions, error) {
	var p PresetPositions
	or, err := scalar(occ.Field(k, "OR"), at, "OR")
	if err != nil {
		return p, err
	}
	p.Ratio = or
	if or > 1 {
		p.Ratio = or / 100
	}
	if p.Scale, err = scalar(occ.Field(k, "scale"), at, "scale"); err != nil {
		return p, err
	}
	cnt := occ.Field(k, "cntpos")
	if cnt == nil {
		return p, fmt.Errorf("%s has no field %q", at, "cntpos")
	}
	if cnt.Class != matv5.ClassStruct || len(cnt.Elems) != 1 {
		return p, fmt.Errorf("%s field \"cntpos\" is not a 1x1 struct", at)
	}
	if p.Center, err = hw(cnt, 0, at+" cntpos"); err != nil {
		return p, err
	}
	rnd := occ.Field(k, "rndpos")
	if rnd == nil {
		return p, fmt.Errorf("%s has no field %q", at, "rndpos")
	}
	if rnd.Numel() > 0 && rnd.Class != matv5.ClassStruct {
		return p, fmt.Errorf("%s field \"rndpos\" is not a struct array", at)
	}
	for j := range rnd.Elems {
		pt, err := hw(rnd, j, fmt.Sprintf("%s rndpos(%d)", at, j+1))
		if err != nil {
			return p, err
		}
		p.Random = append(p.Random, pt)
	}
	return p, nil
}
