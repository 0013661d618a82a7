package occluders

// SDBE occluder sets in the layout of the published files (issue #11), written with
// occluders/sdbetest on internal/matv5/matv5test (which shares no code with the reader).

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occbench/occbench/internal/matv5/matv5test"
	"github.com/occbench/occbench/occluders/sdbetest"
)

var matlab = matv5test.Options{MATLAB: true}

func writeMAT(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMATRealLayout reads both files' layouts, with several patches per class, as MATLAB
// writes them and in the other encodings MAT v5 allows, and checks every occluder, pixel
// and stored position against what was written.
func TestMATRealLayout(t *testing.T) {
	files := map[string]sdbetest.File{
		"occluder_10cls_1percls":        sdbetest.Caltech(1),
		"caltech-3perclass":             sdbetest.Caltech(3),
		"occluder_ilsvrc_12cls_1percls": sdbetest.ILSVRC(1),
		"ilsvrc-2perclass":              sdbetest.ILSVRC(2),
	}
	opts := []matv5test.Options{matlab, {}, {BigEndian: true, Compress: true, UTF8Chars: true}}
	for name, f := range files {
		for oi, opt := range opts {
			t.Run(fmt.Sprintf("%s/%d", name, oi), func(t *testing.T) {
				set, err := LoadMAT(writeMAT(t, name+".mat", f.Encode(opt)))
				if err != nil {
					t.Fatal(err)
				}
				checkSDBESet(t, set, f, name)
			})
		}
	}
}

// sdbeCorner is the 0-based first row (or column) of the patch SDBE pastes for position v
// at scale s, in the image before enlargement: superimpose_occlusion computes
// y_s = max(floor(pos.h.*up_scale),1) with up_scale = 1./scale in the enlarged image.
func sdbeCorner(v, s float64) int {
	return int(math.Round((math.Max(math.Floor(v*(1/s)), 1) - 1) * s))
}

func checkSDBESet(t *testing.T, set *Set, f sdbetest.File, name string) {
	t.Helper()
	if set.Name != name || set.PresetFrame != image.Pt(f.ImgW, f.ImgH) {
		t.Fatalf("set %q, frame %v", set.Name, set.PresetFrame)
	}
	n := 0
	for _, c := range f.Classes {
		for j, p := range c.Patches {
			if n >= len(set.Occluders) {
				t.Fatalf("%d occluders, want one per patch", len(set.Occluders))
			}
			o := set.Occluders[n]
			n++
			if want := fmt.Sprintf("%s-%d", c.ID, j+1); o.Name != want || o.Category != c.ID {
				t.Fatalf("occluder %q category %q, want %q, %q", o.Name, o.Category, want, c.ID)
			}
			if o.Img.Rect != image.Rect(0, 0, p.W, p.H) {
				t.Fatalf("%s: bounds %v, want %dx%d", o.Name, o.Img.Rect, p.W, p.H)
			}
			for y := range p.H {
				for x := range p.W {
					i := y*p.W + x
					want := color.NRGBA{p.RGB[3*i], p.RGB[3*i+1], p.RGB[3*i+2], 255 * p.Mask[i]}
					if g := o.Img.NRGBAAt(x, y); g != want {
						t.Fatalf("%s pixel (%d,%d): %v, want %v", o.Name, x, y, g, want)
					}
				}
			}
			ps := set.Positions[o.Name]
			if len(ps) != len(p.Occ) {
				t.Fatalf("%s: %d ratios, want %d", o.Name, len(ps), len(p.Occ))
			}
			for k, q := range p.Occ {
				pp := ps[k]
				if pp.OR != q.OR || pp.Ratio != q.OR/100 || pp.Scale != q.Scale {
					t.Errorf("%s occ(%d): %+v, want OR %v scale %v", o.Name, k+1, pp, q.OR, q.Scale)
				}
				if len(pp.Random) != len(q.Rnd) {
					t.Fatalf("%s occ(%d): %d random positions, want %d", o.Name, k+1, len(pp.Random), len(q.Rnd))
				}
				for r, hw := range q.Rnd {
					if want := image.Pt(sdbeCorner(float64(hw[1]), q.Scale), sdbeCorner(float64(hw[0]), q.Scale)); pp.Random[r] != want {
						t.Errorf("%s occ(%d).rndpos(%d): %v, want %v (h, w = %v, 1-based)", o.Name, k+1, r+1, pp.Random[r], want, hw)
					}
				}
				switch {
				case q.Cnt == nil && pp.Center != nil:
					t.Errorf("%s occ(%d): a centre the file does not have: %v", o.Name, k+1, *pp.Center)
				case q.Cnt != nil && (pp.Center == nil || *pp.Center != image.Pt(sdbeCorner(q.Cnt[1], q.Scale), sdbeCorner(q.Cnt[0], q.Scale))):
					t.Errorf("%s occ(%d): centre %v, want h, w = %v (1-based)", o.Name, k+1, pp.Center, *q.Cnt)
				}
			}
		}
	}
	if n != len(set.Occluders) {
		t.Fatalf("%d occluders, want %d", len(set.Occluders), n)
	}
}

// TestMATAchievedRatio scales every imported occluder of both layouts to every ratio its
// file offers at 224 x 224: the mask covers the ratio within ScaleFor's promise (0.5 points,
// the bound patterns_test checks for the built-in sets).
func TestMATAchievedRatio(t *testing.T) {
	for _, f := range []sdbetest.File{sdbetest.Caltech(2), sdbetest.ILSVRC(2)} {
		set, err := parseSDBE(f.Encode(matlab))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range set.Occluders {
			for _, pp := range set.Positions[o.Name] {
				sc, err := ScaleFor(o, pp.Ratio, 224, 224, SemanticsMask)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(sc.Achieved-pp.Ratio) > 0.005 {
					t.Errorf("%s at %v: achieved %.4f", o.Name, pp.Ratio, sc.Achieved)
				}
			}
		}
	}
}

func TestMATMasks(t *testing.T) {
	base := func() sdbetest.File { return sdbetest.Caltech(2) }
	// {0, 255} masks read like {0, 1} masks.
	f := base()
	want, err := parseSDBE(f.Encode(matlab))
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.Classes {
		for j := range f.Classes[i].Patches {
			p := &f.Classes[i].Patches[j]
			for k := range p.Mask {
				p.Mask[k] *= 255
			}
		}
	}
	got, err := parseSDBE(f.Encode(matlab))
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range got.Occluders {
		if !bytes.Equal(o.Img.Pix, want.Occluders[i].Img.Pix) {
			t.Fatalf("%s: a {0, 255} mask reads differently from the {0, 1} mask", o.Name)
		}
	}
	// Channels that differ, values outside {0, 1}/{0, 255}, and 1 with 255: errors naming
	// the occluder (the second patch of the third class: bk3-2).
	edit := func(fn func(p *sdbetest.Patch)) []byte {
		f := base()
		fn(&f.Classes[2].Patches[1])
		return f.Encode(matlab)
	}
	center := func(p *sdbetest.Patch) int { return (p.H/2)*p.W + p.W/2 }
	cases := map[string]struct {
		data []byte
		want string
	}{
		"channels": {edit(func(p *sdbetest.Patch) {
			p.Mask3 = make([]byte, 3*len(p.Mask))
			for i, v := range p.Mask {
				p.Mask3[3*i], p.Mask3[3*i+1], p.Mask3[3*i+2] = v, v, v
			}
			p.Mask3[3*center(p)+2] ^= 1
		}), "cls(3).ptch(2) (occluder bk3-2).img_mask channels differ at row"},
		"value 2": {edit(func(p *sdbetest.Patch) { p.Mask[center(p)] = 2 }),
			"cls(3).ptch(2) (occluder bk3-2).img_mask holds the values 0, 1, 2; want {0, 1} or {0, 255}"},
		"1 and 255": {edit(func(p *sdbetest.Patch) { p.Mask[center(p)] = 255 }),
			"(occluder bk3-2).img_mask holds the values 0, 1, 255"},
		"empty": {edit(func(p *sdbetest.Patch) { clear(p.Mask) }), "(occluder bk3-2).img_mask is empty"},
	}
	for name, c := range cases {
		if _, err := parseSDBE(c.data); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

// TestMATLayoutErrors: what the reader refuses, each with an error naming the file and
// the field in MATLAB's notation. The first case is the layout the importer's first tests
// invented (img_mask H x W, occ in cls(i)), which no published file has.
func TestMATLayoutErrors(t *testing.T) {
	caltech := func() sdbetest.File { return sdbetest.Caltech(1) }
	vars := func(f sdbetest.File, fn func(cls, meta *matv5test.Struct)) []byte {
		vs := f.Vars()
		cls, meta := vs[0].Value.(matv5test.Struct), vs[1].Value.(matv5test.Struct)
		fn(&cls, &meta)
		vs[0].Value, vs[1].Value = cls, meta
		return matv5test.MustEncode(vs, matlab)
	}
	invented := matv5test.Struct{Dims: []int{1, 1}, Fields: []string{"idName", "ptch", "occ"}, Elems: [][]any{{
		matv5test.Char("n03792782"),
		matv5test.Struct{Dims: []int{1, 1}, Fields: []string{"img", "img_mask"}, Elems: [][]any{{
			matv5test.Uint8{Dims: []int{2, 2, 3}, Data: make([]byte, 12)}, matv5test.Uint8{Dims: []int{2, 2}, Data: []byte{1, 1, 1, 1}}}}},
		matv5test.Double{Dims: []int{0, 0}},
	}}}
	dupOR := caltech()
	dupOR.Classes[0].Patches[0].Occ[1].OR = 5
	outside := caltech()
	outside.Classes[1].Patches[0].Occ[0].Rnd[2] = [2]int{225, 3}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"invented", matv5test.MustEncode([]matv5test.Var{{Name: "cls", Value: invented}, caltech().Vars()[1]}, matlab),
			"cls(1).ptch(1) (occluder n03792782-1).img_mask is a uint8 array of size 2 x 2, want 2 x 2 x 3 uint8 like img"},
		{"nocls", matv5test.MustEncode([]matv5test.Var{{Name: "x", Value: matv5test.Row(1)}}, matlab), `no variable "cls"`},
		{"cell", matv5test.MustEncode([]matv5test.Var{{Name: "cls", Value: matv5test.Cell{Dims: []int{1, 1}, Elems: []any{matv5test.Char("a")}}}}, matlab),
			`variable "cls" is a cell array`},
		{"nometa", matv5test.MustEncode(caltech().Vars()[:1], matlab), `no variable "meta"`},
		{"meta size", vars(caltech(), func(_, m *matv5test.Struct) { m.Elems[0][0] = matv5test.Row(0) }), "meta.imgH is 0"},
		{"dup id", vars(caltech(), func(c, _ *matv5test.Struct) { c.Elems[4][0] = matv5test.Char("bk2") }),
			`cls(5).idName "bk2" repeats cls(2).idName`},
		{"bad id", vars(caltech(), func(c, _ *matv5test.Struct) { c.Elems[0][0] = matv5test.Char("../x") }),
			`cls(1).idName "../x" is not 1 to 64 letters`},
		{"no occ", vars(caltech(), func(c, _ *matv5test.Struct) {
			p := c.Elems[0][1].(matv5test.Struct)
			c.Elems[0][1] = matv5test.Struct{Dims: p.Dims, Fields: p.Fields[:2], Elems: [][]any{p.Elems[0][:2]}}
		}), `cls(1).ptch(1) (occluder bk1-1) has no field "occ" (fields: img, img_mask)`},
		{"img double", vars(caltech(), func(c, _ *matv5test.Struct) {
			c.Elems[0][1].(matv5test.Struct).Elems[0][0] = matv5test.Double{Dims: []int{1, 1}, Data: []float64{1}}
		}), "(occluder bk1-1).img is a double array of size 1 x 1, want H x W x 3 uint8"},
		{"dup OR", dupOR.Encode(matlab), "(occluder bk1-1).occ(2).OR 5 appears twice"},
		{"outside", outside.Encode(matlab), "cls(2).ptch(1) (occluder bk2-1).occ(1).rndpos(3) (h 225, w 3) is outside the 224x224 image"},
		{"v7.3", append([]byte("MATLAB 7.3 MAT-file"), make([]byte, 200)...), "MAT v7.3 (HDF5) files are not supported"},
	}
	for _, c := range cases {
		p := writeMAT(t, c.name+".mat", c.data)
		_, err := LoadMAT(p)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), p+": ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := LoadMAT(filepath.Join(t.TempDir(), "missing.mat")); err == nil || !strings.Contains(err.Error(), "missing.mat: file does not exist") {
		t.Errorf("missing: %v", err)
	}
	// /dev/zero ran the reader out of memory before (#11): refused as not a regular file.
	if _, err := LoadMAT("/dev/zero"); err == nil || !strings.Contains(err.Error(), "/dev/zero: not a regular file (a device); a MAT occluder set must be a regular file") {
		t.Errorf("/dev/zero: %v", err)
	}
}

// TestParseSDBECorrupt feeds parseSDBE truncated and bit-flipped files in the real layout:
// no panic, and an accepted set has only occluders with a mask and presets for each.
func TestParseSDBECorrupt(t *testing.T) {
	small := sdbetest.File{ImgH: 224, ImgW: 224, MaxOccPercent: 20, Classes: []sdbetest.Class{
		{ID: "n01978455", Patches: []sdbetest.Patch{shrink(sdbetest.Shape(0, []float64{10, 20}, 224, 224, false))}},
		{ID: "bk2", Patches: []sdbetest.Patch{shrink(sdbetest.Shape(1, []float64{10, 20}, 224, 224, false))}},
	}}
	noCnt := small
	noCnt.NoCntpos = true
	for _, good := range [][]byte{small.Encode(matlab), noCnt.Encode(matv5test.Options{BigEndian: true})} {
		if _, err := parseSDBE(good); err != nil {
			t.Fatal(err)
		}
		for n := 0; n < len(good); n += 5 {
			checkParsed(t, good[:n])
		}
		for i := 128; i < len(good); i++ {
			bad := bytes.Clone(good)
			bad[i] ^= 0x81
			checkParsed(t, bad)
		}
	}
}

// shrink cuts a fixture patch to its top-left 6 x 5 pixels (with a mask pixel) so that
// exhaustive corruption stays fast.
func shrink(p sdbetest.Patch) sdbetest.Patch {
	q := sdbetest.Patch{H: 6, W: 5, Occ: p.Occ}
	for y := range q.H {
		for x := range q.W {
			i := y*p.W + x
			q.RGB = append(q.RGB, p.RGB[3*i:3*i+3]...)
			q.Mask = append(q.Mask, byte((x+y)%2))
		}
	}
	return q
}

func checkParsed(t *testing.T, data []byte) {
	t.Helper()
	set, err := parseSDBE(data)
	if err != nil {
		if strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error %q", err)
		}
		return
	}
	if len(set.Occluders) == 0 {
		t.Fatal("accepted a set without occluders")
	}
	for _, o := range set.Occluders {
		if o.Img == nil || alphaBBox(o.Img).Empty() {
			t.Fatalf("accepted occluder %q without mask", o.Name)
		}
		if len(set.Positions[o.Name]) == 0 {
			t.Fatalf("accepted occluder %q without ratios", o.Name)
		}
		for _, p := range set.Positions[o.Name] {
			if !(p.Ratio > 0 && p.Ratio < 1) || !(p.Scale > 0) {
				t.Fatalf("accepted %q preset %+v", o.Name, p)
			}
		}
	}
}

// FuzzParseSDBE fuzzes the SDBE importer (and under it the MAT reader) from files in the
// real layout; testdata/fuzz/FuzzParseSDBE holds the committed seeds.
func FuzzParseSDBE(f *testing.F) {
	small := sdbetest.File{ImgH: 224, ImgW: 224, MaxOccPercent: 35, NoCntpos: true, Classes: []sdbetest.Class{
		{ID: "bk1", Patches: []sdbetest.Patch{shrink(sdbetest.Shape(2, []float64{5, 35}, 224, 224, true))}},
	}}
	f.Add(small.Encode(matlab))
	f.Add(small.Encode(matv5test.Options{}))
	f.Fuzz(func(t *testing.T, data []byte) { checkParsed(t, data) })
}
