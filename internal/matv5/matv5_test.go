package matv5_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/occbench/occbench/internal/matv5"
	"github.com/occbench/occbench/internal/matv5/matv5test"
)

func testVars() []matv5test.Var {
	st := matv5test.Struct{Dims: []int{2, 1}, Fields: []string{"ILSVRC2012_ID", "WNID", "sub"},
		Elems: [][]any{
			{matv5test.Row(7), "n01440764", matv5test.Struct{Dims: []int{1, 1}, Fields: []string{"x"}, Elems: [][]any{{"ab"}}}},
			{matv5test.Row(3), "n99", matv5test.Struct{Dims: []int{0, 0}, Fields: []string{"x"}}},
		}}
	return []matv5test.Var{
		{Name: "labels", Value: matv5test.Row(1, 2, 102.5)},
		{Name: "m", Value: matv5test.Double{Dims: []int{2, 2}, Data: []float64{1, 2, 3, 4}}},
		{Name: "s", Value: "héllo 𝄞"}, // a non-BMP character takes two UTF-16 code units
		{Name: "synsets", Value: st},
		{Name: "c", Value: matv5test.Cell{Dims: []int{1, 2}, Elems: []any{matv5test.Char("héllo"),
			matv5test.Double{Dims: []int{2, 3}, Data: []float64{1, 2, 3, 4, 5, 6}}}}},
		{Name: "u", Value: matv5test.Uint8{Dims: []int{1, 2, 2}, Data: []byte{0, 1, 254, 255}}},
	}
}

var allOptions = []matv5test.Options{{}, {BigEndian: true}, {Compress: true}, {BigEndian: true, Compress: true},
	{UTF8Chars: true}, {BigEndian: true, Compress: true, UTF8Chars: true}}

func TestRoundTrip(t *testing.T) {
	for _, opt := range allOptions {
		data, err := matv5test.Encode(testVars(), opt)
		if err != nil {
			t.Fatal(err)
		}
		vars, err := matv5.Read(data)
		if err != nil {
			t.Fatalf("%+v: %v", opt, err)
		}
		if len(vars) != 6 {
			t.Fatalf("%+v: %d vars", opt, len(vars))
		}
		l := vars[0]
		if l.Name != "labels" || l.Class != matv5.ClassDouble || !l.Numeric() || l.TypeName() != "double" ||
			!reflect.DeepEqual(l.Dims, []int{1, 3}) || !reflect.DeepEqual(l.Num, []float64{1, 2, 102.5}) {
			t.Fatalf("%+v: %+v", opt, l)
		}
		if m := vars[1]; m.Numel() != 4 || !reflect.DeepEqual(m.Num, []float64{1, 2, 3, 4}) {
			t.Fatalf("%+v: %+v", opt, m)
		}
		if s := vars[2]; s.Class != matv5.ClassChar || s.Text() != "héllo 𝄞" || s.Numel() != 8 || len(s.Chars) != 8 {
			t.Fatalf("%+v: %q %v", opt, s.Text(), s.Dims)
		}
		st := vars[3]
		if st.Class != matv5.ClassStruct || len(st.Elems) != 2 || st.Field(0, "WNID").Text() != "n01440764" ||
			st.Field(1, "ILSVRC2012_ID").Num[0] != 3 || st.Field(0, "sub").Field(0, "x").Text() != "ab" ||
			st.Field(1, "sub").Numel() != 0 || st.Field(0, "nope") != nil || st.Field(2, "WNID") != nil ||
			st.Field(-1, "WNID") != nil || vars[0].Field(0, "x") != nil {
			t.Fatalf("%+v: %+v", opt, st)
		}
		c := vars[4]
		if c.Name != "c" || c.Class != matv5.ClassCell || len(c.Cells) != 2 || c.Cells[0].Text() != "héllo" ||
			!reflect.DeepEqual(c.Cells[1].Dims, []int{2, 3}) || !reflect.DeepEqual(c.Cells[1].Num, []float64{1, 2, 3, 4, 5, 6}) {
			t.Fatalf("%+v: %+v", opt, c)
		}
		if u := vars[5]; u.Class != matv5.ClassUint8 || !reflect.DeepEqual(u.Dims, []int{1, 2, 2}) ||
			!reflect.DeepEqual(u.Num, []float64{0, 1, 254, 255}) {
			t.Fatalf("%+v: %+v", opt, u)
		}
		if v, err := matv5.Lookup(vars, "synsets"); err != nil || v != st {
			t.Fatal(v, err)
		}
		if _, err := matv5.Lookup(vars, "nope"); err == nil || !strings.Contains(err.Error(), `no variable "nope" (variables: ["labels" "m" "s" "synsets" "c" "u"])`) {
			t.Fatal(err)
		}
	}
	var nilVar *matv5.Var
	if nilVar.Numel() != 0 || nilVar.Text() != "" || nilVar.Field(0, "x") != nil || nilVar.Numeric() {
		t.Fatal("nil Var")
	}
}

func TestTruncated(t *testing.T) {
	for _, opt := range allOptions[:4] {
		data, _ := matv5test.Encode(testVars(), opt)
		for n := 0; n < len(data); n++ {
			// Truncation at an element boundary can be valid; inside an element it must fail.
			vars, err := matv5.Read(data[:n])
			if err == nil && len(vars) == 6 {
				t.Fatalf("%+v: truncated to %d of %d bytes parsed fully", opt, n, len(data))
			}
		}
	}
	data, _ := matv5test.Encode(testVars(), matv5test.Options{})
	if _, err := matv5.Read(data[:len(data)-50]); err == nil || !strings.Contains(err.Error(), "overruns the file") {
		t.Fatal(err)
	}
	if _, err := matv5.Read([]byte("MATLAB")); err == nil || !strings.Contains(err.Error(), "shorter than the 128-byte header") {
		t.Fatal(err)
	}
}

// raw builds hand-made little-endian MAT data for cases the writer does not produce.
type raw struct{}

func (raw) u32(v ...uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], x)
	}
	return b
}

// tag is a normal (8-byte tag) data element, padded.
func (r raw) tag(typ uint32, data []byte) []byte {
	out := append(r.u32(typ, uint32(len(data))), data...)
	return append(out, make([]byte, (8-len(data)%8)%8)...)
}

// small is a small data element (at most 4 bytes).
func (r raw) small(typ uint32, data []byte) []byte {
	out := r.u32(uint32(len(data))<<16 | typ)
	return append(append(out, data...), make([]byte, 4-len(data))...)
}

// matrix is an miMATRIX element with the given flags word, dims and name, then rest.
func (r raw) matrix(flags uint32, dims []uint32, name string, rest ...[]byte) []byte {
	body := r.tag(6, r.u32(flags, 0))
	body = append(body, r.tag(5, r.u32(dims...))...)
	body = append(body, r.tag(1, []byte(name))...)
	for _, b := range rest {
		body = append(body, b...)
	}
	return r.tag(14, body)
}

func (raw) file(elems ...[]byte) []byte {
	out := make([]byte, 128)
	copy(out, "MATLAB 5.0 MAT-file, hand-made")
	binary.LittleEndian.PutUint16(out[124:], 0x0100)
	copy(out[126:], "IM")
	for _, e := range elems {
		out = append(out, e...)
	}
	return out
}

func (r raw) compressed(data []byte) []byte {
	var zb bytes.Buffer
	zw := zlib.NewWriter(&zb)
	zw.Write(data)
	zw.Close()
	return append(r.u32(15, uint32(zb.Len())), zb.Bytes()...)
}

func le16(v ...uint16) []byte {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], x)
	}
	return b
}

func TestDataTypes(t *testing.T) {
	var r raw
	f64 := make([]byte, 16)
	binary.LittleEndian.PutUint64(f64, math.Float64bits(-1.5))
	binary.LittleEndian.PutUint64(f64[8:], math.Float64bits(2))
	cases := []struct {
		name string
		elem []byte
		want []float64
	}{
		{"int8", r.matrix(8, []uint32{1, 2}, "a", r.small(1, []byte{0xff, 7})), []float64{-1, 7}},
		{"int16", r.matrix(10, []uint32{1, 2}, "a", r.small(3, le16(0xffff, 300))), []float64{-1, 300}},
		{"uint16", r.matrix(11, []uint32{2, 1}, "a", r.small(4, le16(0xffff, 300))), []float64{65535, 300}},
		{"int32", r.matrix(12, []uint32{1, 2}, "a", r.tag(5, r.u32(0xffffffff, 5))), []float64{-1, 5}},
		{"uint32", r.matrix(13, []uint32{1, 1}, "a", r.small(6, r.u32(0xffffffff))), []float64{4294967295}},
		{"single", r.matrix(7, []uint32{1, 1}, "a", r.small(7, r.u32(math.Float32bits(0.25)))), []float64{0.25}},
		{"int64", r.matrix(14, []uint32{1, 1}, "a", r.tag(12, r.u32(0xfffffffe, 0xffffffff))), []float64{-2}},
		{"uint64", r.matrix(15, []uint32{1, 1}, "a", r.tag(13, r.u32(3, 1))), []float64{1<<32 + 3}},
		{"double", r.matrix(6, []uint32{2, 1}, "a", r.tag(9, f64)), []float64{-1.5, 2}},
		// MATLAB stores doubles in the smallest type that holds them.
		{"double as uint8", r.matrix(6, []uint32{1, 3}, "a", r.small(2, []byte{1, 2, 250})), []float64{1, 2, 250}},
		{"logical", r.matrix(9|0x200, []uint32{1, 2}, "a", r.small(2, []byte{1, 0})), []float64{1, 0}},
		{"complex", r.matrix(6|0x800, []uint32{1, 2}, "a", r.tag(9, f64), r.small(2, []byte{9, 9})), []float64{-1.5, 2}},
		{"empty", r.matrix(6, []uint32{0, 0}, "a", r.tag(9, nil)), nil},
		{"empty without data", r.matrix(6, []uint32{0, 3}, "a"), nil},
	}
	for _, c := range cases {
		vars, err := matv5.Read(r.file(c.elem))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if v := vars[0]; (len(c.want) > 0 || len(v.Num) > 0) && !reflect.DeepEqual(v.Num, c.want) || v.Name != "a" || len(v.Num) != v.Numel() {
			t.Errorf("%s: %+v", c.name, v)
		}
	}
	vars, err := matv5.Read(r.file(cases[10].elem, cases[11].elem))
	if err != nil || !vars[0].Logical || vars[0].TypeName() != "logical" || !vars[1].Complex {
		t.Errorf("flags: %+v %v", vars, err)
	}
	// Big endian, by flipping every 4-byte word of an all-uint32 file.
	be := r.file(r.matrix(13, []uint32{1, 1}, "", r.tag(6, r.u32(0x01020304))))
	for i := 128; i < len(be); i += 4 {
		be[i], be[i+1], be[i+2], be[i+3] = be[i+3], be[i+2], be[i+1], be[i]
	}
	binary.BigEndian.PutUint16(be[124:], 0x0100)
	copy(be[126:], "MI")
	if vars, err := matv5.Read(be); err != nil || vars[0].Num[0] != 0x01020304 {
		t.Errorf("big endian: %+v %v", vars, err)
	}
}

func TestChars(t *testing.T) {
	var r raw
	cases := []struct {
		name string
		elem []byte
		want string
	}{
		{"utf8", r.matrix(4, []uint32{1, 4}, "c", r.tag(16, []byte("h€𝄞"))), "h€𝄞"},
		{"uint8 is latin-1", r.matrix(4, []uint32{1, 2}, "c", r.small(2, []byte{'a', 0xe9})), "aé"},
		{"invalid utf8 is latin-1", r.matrix(4, []uint32{1, 2}, "c", r.small(16, []byte{'a', 0xe9})), "aé"},
		{"utf16", r.matrix(4, []uint32{1, 3}, "c", r.tag(17, le16('x', 0xd834, 0xdd1e))), "x𝄞"},
		{"utf32", r.matrix(4, []uint32{1, 3}, "c", r.tag(18, r.u32('x', 0x1d11e))), "x𝄞"},
		{"2x2 column-major", r.matrix(4, []uint32{2, 2}, "c", r.tag(4, le16('a', 'c', 'b', 'd'))), "acbd"},
		{"empty", r.matrix(4, []uint32{0, 0}, "c"), ""},
	}
	for _, c := range cases {
		vars, err := matv5.Read(r.file(c.elem))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if v := vars[0]; v.Text() != c.want || len(v.Chars) != v.Numel() {
			t.Errorf("%s: %q, %d units for dims %v", c.name, v.Text(), len(v.Chars), v.Dims)
		}
	}
}

func TestStructsAndCells(t *testing.T) {
	var r raw
	names := make([]byte, 64)
	copy(names, "a")
	copy(names[32:], "b")
	one := r.matrix(6, []uint32{1, 1}, "", r.small(2, []byte{1}))
	// struct with an empty-payload miMATRIX field (the [] MATLAB writes as a bare tag)
	s := r.matrix(2, []uint32{1, 1}, "s", r.small(5, r.u32(32)), r.tag(1, names), one, r.tag(14, nil))
	// field-less struct array, as struct() repeated
	e := r.matrix(2, []uint32{3, 1}, "e", r.small(5, r.u32(32)), r.tag(1, nil))
	c := r.matrix(1, []uint32{1, 2}, "c", one, r.tag(14, nil))
	vars, err := matv5.Read(r.file(s, e, r.compressed(c)))
	if err != nil {
		t.Fatal(err)
	}
	if v := vars[0]; !reflect.DeepEqual(v.Fields, []string{"a", "b"}) || v.Field(0, "a").Num[0] != 1 ||
		v.Field(0, "b").Class != matv5.ClassDouble || v.Field(0, "b").Numel() != 0 {
		t.Errorf("struct: %+v", v)
	}
	if v := vars[1]; len(v.Fields) != 0 || len(v.Elems) != 3 || v.Numel() != 3 || v.Field(0, "a") != nil {
		t.Errorf("field-less struct: %+v", v)
	}
	if v := vars[2]; len(v.Cells) != 2 || v.Cells[0].Num[0] != 1 || v.Cells[1].Numel() != 0 {
		t.Errorf("cell: %+v", v)
	}
}

func TestErrors(t *testing.T) {
	var r raw
	good, _ := matv5test.Encode(testVars(), matv5test.Options{})
	badEndian := bytes.Clone(good)
	badEndian[126], badEndian[127] = 'X', 'X'
	badVersion := bytes.Clone(good)
	badVersion[124] = 7
	v73 := bytes.Clone(good)
	copy(v73, "MATLAB 7.3 MAT-file")
	v73b := bytes.Clone(good)
	v73b[124], v73b[125] = 0, 2
	one := r.matrix(6, []uint32{1, 1}, "", r.small(2, []byte{1}))
	deep := one
	for range 70 {
		deep = r.matrix(1, []uint32{1, 1}, "", deep)
	}
	truncZ := r.compressed(one)
	truncZ = truncZ[:len(truncZ)-6]
	binary.LittleEndian.PutUint32(truncZ[4:], uint32(len(truncZ)-8))
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"short", []byte("MATLAB 5.0"), "shorter than the 128-byte header"},
		{"endian", badEndian, `bad endian indicator "XX"`},
		{"version", badVersion, "version 0x0107"},
		{"v7.3 text", v73, "MAT v7.3 (HDF5) files are not supported"},
		{"v7.3 version", v73b, "MAT v7.3 (HDF5) files are not supported"},
		{"hdf5", append([]byte("\x89HDF\r\n"), make([]byte, 200)...), "MAT v7.3 (HDF5)"},
		{"truncated", good[:len(good)-50], "overruns the file"},
		{"stray bytes", append(r.file(one), 1, 2, 3), "truncated data element tag"},
		{"top-level type", r.file(r.tag(9, make([]byte, 8))), "unexpected top-level data element of type 9"},
		{"sparse", r.file(r.matrix(5, []uint32{2, 2}, "sp")), `variable "sp": sparse arrays are not supported`},
		{"object", r.file(r.matrix(3, []uint32{1, 1}, "ob")), `variable "ob": object arrays are not supported`},
		{"function", r.file(r.matrix(16, []uint32{1, 1}, "f")), "function handles are not supported"},
		{"opaque", r.file(r.matrix(17, []uint32{1, 1}, "o")), "opaque values"},
		{"unknown class", r.file(r.matrix(40, []uint32{1, 1}, "u")), "unknown array class 40"},
		{"sparse in struct", r.file(r.matrix(2, []uint32{1, 1}, "s", r.small(5, r.u32(4)), r.small(1, []byte("sp\x00\x00")),
			r.matrix(5, []uint32{1, 1}, ""))), `variable "s": struct element 1 field "sp": sparse arrays are not supported`},
		{"small element size", r.file(r.matrix(6, []uint32{1, 1}, "a", r.u32(5<<16|2, 0))), "small data element claims 5 bytes"},
		{"negative dim", r.file(r.matrix(6, []uint32{1, 0xffffffff}, "a")), "negative array dimension -1"},
		{"huge dims", r.file(r.matrix(6, []uint32{1 << 20, 1 << 20}, "a")), "too many elements"},
		{"one dim", r.file(r.matrix(6, []uint32{1}, "a")), "array dimensions missing"},
		{"count", r.file(r.matrix(6, []uint32{1, 3}, "a", r.small(2, []byte{1, 2}))), "numeric array of 2 values, dimensions [1 3] need 3"},
		{"ragged", r.file(r.matrix(6, []uint32{1, 1}, "a", r.small(3, []byte{1, 2, 3}))), "not a multiple of 2"},
		{"numeric type", r.file(r.matrix(6, []uint32{1, 1}, "a", r.small(16, []byte{1}))), "numeric data of unsupported type 16"},
		{"no imaginary part", r.file(r.matrix(6|0x800, []uint32{1, 1}, "a", r.small(2, []byte{1}))), "imaginary part"},
		{"short imaginary part", r.file(r.matrix(6|0x800, []uint32{1, 2}, "a", r.small(2, []byte{1, 2}), r.small(2, []byte{1}))), "imaginary part"},
		{"char count", r.file(r.matrix(4, []uint32{1, 3}, "c", r.small(4, le16('a', 'b')))), "char array of 2 characters, dimensions [1 3] need 3"},
		{"cell overrun", r.file(r.matrix(1, []uint32{1, 1000}, "c", one)), "cell array of 1000 elements overruns the file"},
		{"cell element type", r.file(r.matrix(1, []uint32{1, 1}, "c", r.tag(9, make([]byte, 8)))), "cell element 1 is a data element of type 9"},
		{"struct overrun", r.file(r.matrix(2, []uint32{1, 100}, "s", r.small(5, r.u32(4)), r.small(1, []byte("a\x00\x00\x00")), one)), "struct array of 100 elements x 1 fields overruns"},
		{"field-less struct", r.file(r.matrix(2, []uint32{1 << 15, 1 << 15}, "s", r.small(5, r.u32(4)), r.tag(1, nil))), "without fields is larger than the file"},
		{"field name length", r.file(r.matrix(2, []uint32{1, 1}, "s", r.small(5, r.u32(3)), r.small(1, []byte("ab")))), "not a multiple of 3"},
		{"field names without length", r.file(r.matrix(2, []uint32{1, 1}, "s", r.small(5, r.u32(0)), r.small(1, []byte("ab")))), "struct field name length 0"},
		{"depth", r.file(deep), "nested more than 64 deep"},
		{"zlib garbage", r.file(append(r.u32(15, 8), make([]byte, 8)...)), "compressed element"},
		{"zlib truncated", r.file(truncZ), "truncated zlib stream"},
		{"nested compressed", r.file(r.compressed(r.compressed(one))), "compressed element inside a compressed element"},
	}
	for _, c := range cases {
		_, err := matv5.Read(c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
}

func FuzzRead(f *testing.F) {
	for _, opt := range allOptions {
		data, _ := matv5test.Encode(testVars(), opt)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		vars, err := matv5.Read(data)
		if err != nil {
			if err.Error() == "" || strings.Contains(err.Error(), "\n") {
				t.Fatalf("bad error text %q", err)
			}
			return
		}
		for _, v := range vars {
			checkVar(t, v, 0)
		}
	})
}

// checkVar asserts the invariants callers rely on to index decoded data safely.
func checkVar(t *testing.T, v *matv5.Var, depth int) {
	t.Helper()
	if v == nil || len(v.Dims) < 2 || depth > 65 {
		t.Fatalf("var %+v at depth %d", v, depth)
	}
	n := v.Numel()
	switch {
	case v.Class.Numeric():
		if len(v.Num) != n {
			t.Fatalf("%d values for dims %v", len(v.Num), v.Dims)
		}
	case v.Class == matv5.ClassChar:
		if len(v.Chars) != n {
			t.Fatalf("%d chars for dims %v", len(v.Chars), v.Dims)
		}
	case v.Class == matv5.ClassStruct:
		if len(v.Elems) != n {
			t.Fatalf("%d struct elements for dims %v", len(v.Elems), v.Dims)
		}
		for _, row := range v.Elems {
			if len(row) != len(v.Fields) {
				t.Fatalf("%d values for fields %q", len(row), v.Fields)
			}
			for _, c := range row {
				checkVar(t, c, depth+1)
			}
		}
	case v.Class == matv5.ClassCell:
		if len(v.Cells) != n {
			t.Fatalf("%d cells for dims %v", len(v.Cells), v.Dims)
		}
		for _, c := range v.Cells {
			checkVar(t, c, depth+1)
		}
	default:
		t.Fatalf("class %v accepted", v.Class)
	}
}
