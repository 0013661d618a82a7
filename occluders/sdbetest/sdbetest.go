package sdbetest

import (
	"math"

	"github.com/occbench/occbench/internal/matv5/matv5test"
)

// Occ is one element of ptch(j).occ.
type Occ struct {
	OR    float64     // percent
	Scale float64     // scale factor of the patch for this ratio
	Rnd   [][2]int    // rndpos: (h, w), 1-based
	Cnt   *[2]float64 // cntpos (h, w), 1-based; nil: no cntpos field (the Caltech file)
}

// Patch is one element of cls(i).ptch.
type Patch struct {
	H, W int
	RGB  []byte // row-major, H*W*3
	Mask []byte // row-major, H*W, 0/1 (written to all three channels)
	// Mask3, when set, is written as img_mask instead (row-major H*W*3, channels
	// interleaved): for tests of masks whose channels differ.
	Mask3 []byte
	Occ   []Occ
}

// Class is one element of cls.
type Class struct {
	ID      string
	Patches []Patch
}

// File is an SDBE occluder set.
type File struct {
	Classes       []Class
	ImgH, ImgW    int
	MaxOccPercent float64
	NoCntpos      bool // leave the cntpos field out of every occ (the Caltech file)
}

// CaltechIDs and ILSVRCIDs are the class ids of the two files' fixtures: bk1..bk10 as in
// the Caltech file, and twelve WordNet ids (stand-ins; the real file's ids are not known
// here beyond the form of n01978455).
var (
	CaltechIDs = []string{"bk1", "bk2", "bk3", "bk4", "bk5", "bk6", "bk7", "bk8", "bk9", "bk10"}
	ILSVRCIDs  = []string{"n01978455", "n02086240", "n02280649", "n02504458", "n02835271", "n03133878",
		"n03417042", "n03658185", "n03792782", "n04037443", "n04254680", "n07747607"}
)

// Caltech is a fixture in the layout of occluder_10cls_1percls.mat with perClass patches
// per class: ratios 5, 15, 25, 35 %, four random positions each, no cntpos.
func Caltech(perClass int) File {
	return build(CaltechIDs, perClass, []float64{5, 15, 25, 35}, true)
}

// ILSVRC is a fixture in the layout of occluder_ilsvrc_12cls_1percls.mat with perClass
// patches per class: ratios 10, 20 %, four random positions and a centre position each.
func ILSVRC(perClass int) File {
	return build(ILSVRCIDs, perClass, []float64{10, 20}, false)
}

func build(ids []string, perClass int, ors []float64, noCnt bool) File {
	f := File{ImgH: 224, ImgW: 224, MaxOccPercent: ors[len(ors)-1], NoCntpos: noCnt}
	for i, id := range ids {
		c := Class{ID: id}
		for j := range perClass {
			c.Patches = append(c.Patches, Shape(i*7+j*3, ors, f.ImgH, f.ImgW, noCnt))
		}
		f.Classes = append(f.Classes, c)
	}
	return f
}

// Shape draws patch number n: a coloured shape (ellipse, rounded square or ring, depending
// on n) on a transparent margin, 48..72 px a side, with its occ elements computed for the
// ratios. Every shape scaled to 35 % of a 224 x 224 image fits in it.
func Shape(n int, ors []float64, imgH, imgW int, noCnt bool) Patch {
	h, w := 48+(n*13)%25, 48+(n*17)%25
	p := Patch{H: h, W: w, RGB: make([]byte, h*w*3), Mask: make([]byte, h*w)}
	cy, cx := float64(h-1)/2, float64(w-1)/2
	ry, rx := float64(h)/2-2, float64(w)/2-3 // a margin of 2 and 3 px stays transparent
	area := 0
	for y := range h {
		for x := range w {
			dy, dx := (float64(y)-cy)/ry, (float64(x)-cx)/rx
			var in bool
			switch n % 3 {
			case 0:
				in = dx*dx+dy*dy <= 1
			case 1:
				in = dx*dx*dx*dx+dy*dy*dy*dy <= 1
			default:
				r := dx*dx + dy*dy
				in = r <= 1 && r >= 0.1
			}
			i := y*w + x
			p.RGB[3*i] = byte(40 + 19*n + x*3)
			p.RGB[3*i+1] = byte(200 - 11*n + y*2)
			p.RGB[3*i+2] = byte(90 + 29*n + (x^y)&31)
			if in {
				p.Mask[i] = 1
				area++
			}
		}
	}
	for k, or := range ors {
		s := math.Sqrt(or / 100 * float64(imgH*imgW) / float64(area))
		sh, sw := int(math.Ceil(float64(h)*s)), int(math.Ceil(float64(w)*s))
		o := Occ{OR: or, Scale: s}
		for r := range 4 {
			// positions spread over the room the scaled patch leaves, 1-based
			u := float64((n*5+k*3+r*7)%11) / 10
			v := float64((n*3+k*7+r*5)%13) / 12
			o.Rnd = append(o.Rnd, [2]int{1 + int(u*float64(imgH-sh)), 1 + int(v*float64(imgW-sw))})
		}
		if !noCnt {
			o.Cnt = &[2]float64{math.Floor(float64(imgH-sh)/2) + 1, math.Floor(float64(imgW-sw)/2) + 1}
		}
		p.Occ = append(p.Occ, o)
	}
	return p
}

func scalar(v float64) matv5test.Double {
	return matv5test.Double{Dims: []int{1, 1}, Data: []float64{v}}
}

func u8(v int) matv5test.Uint8 { return matv5test.Uint8{Dims: []int{1, 1}, Data: []byte{byte(v)}} }

// Vars returns the top-level variables cls and meta.
func (f File) Vars() []matv5test.Var {
	cls := matv5test.Struct{Dims: []int{1, len(f.Classes)}, Fields: []string{"idName", "ptch"}}
	for _, c := range f.Classes {
		ptch := matv5test.Struct{Dims: []int{1, len(c.Patches)}, Fields: []string{"img", "img_mask", "occ"}}
		for _, p := range c.Patches {
			mask := repeat3(p.Mask)
			if p.Mask3 != nil {
				mask = p.Mask3
			}
			ptch.Elems = append(ptch.Elems, []any{
				matv5test.Uint8{Dims: []int{p.H, p.W, 3}, Data: colMajor(p.RGB, p.H, p.W, 3)},
				matv5test.Uint8{Dims: []int{p.H, p.W, 3}, Data: colMajor(mask, p.H, p.W, 3)},
				f.occ(p.Occ),
			})
		}
		cls.Elems = append(cls.Elems, []any{matv5test.Char(c.ID), ptch})
	}
	meta := matv5test.Struct{Dims: []int{1, 1}, Fields: []string{"imgH", "imgW", "MaxOccPercent"},
		Elems: [][]any{{scalar(float64(f.ImgH)), scalar(float64(f.ImgW)), scalar(f.MaxOccPercent)}}}
	return []matv5test.Var{{Name: "cls", Value: cls}, {Name: "meta", Value: meta}}
}

func (f File) occ(os []Occ) matv5test.Struct {
	fields := []string{"OR", "scale", "rndpos", "cntpos"}
	if f.NoCntpos {
		fields = fields[:3]
	}
	st := matv5test.Struct{Dims: []int{1, len(os)}, Fields: fields}
	for _, o := range os {
		rnd := matv5test.Struct{Dims: []int{1, len(o.Rnd)}, Fields: []string{"h", "w"}}
		for _, p := range o.Rnd {
			rnd.Elems = append(rnd.Elems, []any{u8(p[0]), u8(p[1])})
		}
		el := []any{scalar(o.OR), scalar(o.Scale), rnd}
		if !f.NoCntpos {
			var c [2]float64
			if o.Cnt != nil {
				c = *o.Cnt
			}
			el = append(el, matv5test.Struct{Dims: []int{1, 1}, Fields: []string{"h", "w"}, Elems: [][]any{{scalar(c[0]), scalar(c[1])}}})
		}
		st.Elems = append(st.Elems, el)
	}
	return st
}

// Encode writes the file as MATLAB's save -v7 would (matv5test.Options.MATLAB) unless opt
// says otherwise.
func (f File) Encode(opt matv5test.Options) []byte { return matv5test.MustEncode(f.Vars(), opt) }

func repeat3(m []byte) []byte {
	out := make([]byte, 3*len(m))
	for i, v := range m {
		out[3*i], out[3*i+1], out[3*i+2] = v, v, v
	}
	return out
}

// colMajor turns row-major h x w x c data (channels interleaved) into MATLAB's
// column-major order: element (y, x, k) at y + h*x + h*w*k.
func colMajor(rm []byte, h, w, c int) []byte {
	out := make([]byte, len(rm))
	for y := range h {
		for x := range w {
			for k := range c {
				out[y+h*x+h*w*k] = rm[(y*w+x)*c+k]
			}
		}
	}
	return out
}
