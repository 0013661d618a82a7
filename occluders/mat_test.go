package occluders

// SDBE-shaped MAT v5 fixtures, written with internal/matv5/matv5test (which shares no
// code with the reader), so LoadMAT can be checked field for field.

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/occbench/occbench/internal/matv5/matv5test"
)

// matFile returns a MAT v5 file holding the named variables (name, value pairs) in the
// given byte order, each variable compressed when compress is set.
func matFile(order binary.ByteOrder, compress bool, vars ...any) []byte {
	var vs []matv5test.Var
	for i := 0; i+1 < len(vars); i += 2 {
		vs = append(vs, matv5test.Var{Name: vars[i].(string), Value: vars[i+1]})
	}
	return matv5test.MustEncode(vs, matv5test.Options{BigEndian: order == binary.BigEndian, Compress: compress})
}

// sdbeEntry is one test occluder for sdbeValue.
type sdbeEntry struct {
	id   string
	h, w int
	img  []byte // row-major RGB, h*w*3
	mask []byte // row-major 0/1, h*w
	// presets: OR, scale, cnt(h,w), rnd [][2]{h,w} (1-based)
	or     [2]float64
	scale  [2]float64
	cnt    [2][2]float64
	rnd    [2][][2]float64
	noPtch bool
}

func scalarD(v float64) matv5test.Double {
	return matv5test.Double{Dims: []int{1, 1}, Data: []float64{v}}
}

func pos(h, w float64) matv5test.Struct {
	return matv5test.Struct{Dims: []int{1, 1}, Fields: []string{"h", "w"}, Elems: [][]any{{scalarD(h), scalarD(w)}}}
}

// sdbeValue builds the `cls` struct array value.
func sdbeValue(entries []sdbeEntry) matv5test.Struct {
	cls := matv5test.Struct{Dims: []int{1, len(entries)}, Fields: []string{"idName", "ptch", "occ"}}
	for _, e := range entries {
		cm := make([]byte, e.h*e.w*3)
		mk := make([]byte, e.h*e.w)
		for y := range e.h {
			for x := range e.w {
				for c := range 3 {
					cm[y+e.h*x+e.h*e.w*c] = e.img[(y*e.w+x)*3+c]
				}
				mk[y+e.h*x] = e.mask[y*e.w+x]
			}
		}
		var ptch any = matv5test.Struct{Dims: []int{1, 1}, Fields: []string{"img", "img_mask"},
			Elems: [][]any{{matv5test.Uint8{Dims: []int{e.h, e.w, 3}, Data: cm}, matv5test.Uint8{Dims: []int{e.h, e.w}, Data: mk}}}}
		occ := matv5test.Struct{Dims: []int{1, 2}, Fields: []string{"OR", "scale", "cntpos", "rndpos"}}
		for k := range 2 {
			rnd := matv5test.Struct{Dims: []int{1, len(e.rnd[k])}, Fields: []string{"h", "w"}}
			for _, p := range e.rnd[k] {
				rnd.Elems = append(rnd.Elems, pos(p[0], p[1]).Elems[0])
			}
			occ.Elems = append(occ.Elems, []any{scalarD(e.or[k]), scalarD(e.scale[k]), pos(e.cnt[k][0], e.cnt[k][1]), rnd})
		}
		if e.noPtch {
			ptch = matv5test.Double{Dims: []int{0, 0}}
			cls.Fields = []string{"idName", "notptch", "occ"}
		}
		cls.Elems = append(cls.Elems, []any{matv5test.Char(e.id), ptch, occ})
	}
	return cls
}

// TestParseSDBECorrupt feeds parseSDBE truncated and bit-flipped SDBE files (the checks of
// the former FuzzReadMAT; the MAT reader itself is fuzzed in internal/matv5): no panic, and
// an accepted set has only occluders with a mask.
func TestParseSDBECorrupt(t *testing.T) {
	e := testSDBE()
	for _, good := range [][]byte{
		matFile(binary.LittleEndian, false, "cls", sdbeValue(e)),
		matFile(binary.BigEndian, false, "cls", sdbeValue(e[:1])),
		matFile(binary.LittleEndian, true, "cls", sdbeValue(e)),
	} {
		check := func(data []byte) {
			set, err := parseSDBE(data)
			if err != nil {
				return
			}
			for _, o := range set.Occluders {
				if o.Img == nil || alphaBBox(o.Img).Empty() {
					t.Fatalf("accepted occluder %q without mask", o.Name)
				}
			}
		}
		for n := 0; n < len(good); n += 3 {
			check(good[:n])
		}
		for i := 128; i < len(good); i++ {
			for _, bit := range []byte{0x01, 0x80} {
				bad := bytes.Clone(good)
				bad[i] ^= bit
				check(bad)
			}
		}
	}
}
