package matv5test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"unicode/utf16"
)

// Double is a double array; Data is column-major and has the product of Dims values.
type Double struct {
	Dims []int
	Data []float64
}

// Row returns a 1 x len(v) double array.
func Row(v ...float64) Double { return Double{Dims: []int{1, len(v)}, Data: v} }

// Uint8 is a uint8 array; Data is column-major and has the product of Dims values.
type Uint8 struct {
	Dims []int
	Data []byte
}

// Char is a 1 x N char array, N being the number of UTF-16 code units (as in MATLAB).
// A plain string value is written the same way.
type Char string

// Struct is a struct array: Elems[i][f] is field Fields[f] of element i (column-major),
// each value one of the types this package writes. len(Elems) must be the product of
// Dims.
type Struct struct {
	Dims   []int
	Fields []string
	Elems  [][]any
}

// Cell is a cell array: Elems are its elements, column-major, one per element of Dims.
type Cell struct {
	Dims  []int
	Elems []any
}

// Var is one named top-level variable.
type Var struct {
	Name  string
	Value any // Double, Uint8, Char or string, Struct, Cell
}

// Options select the byte order, compression and char encoding of Encode.
type Options struct {
	BigEndian bool
	Compress  bool // wrap each variable in its own miCOMPRESSED element
	UTF8Chars bool // write char data as miUTF8 instead of MATLAB's miUINT16
	// NarrowDoubles stores the data of a double array whose values are all integers in
	// the narrowest integer type that holds them, as MATLAB does.
	NarrowDoubles bool
	// MATLAB sets Compress and NarrowDoubles and writes MATLAB's header text:
	// the file `save -v7` writes on a little-endian machine.
	MATLAB bool
}

const (
	miINT8       = 1
	miUINT8      = 2
	miINT16      = 3
	miUINT16     = 4
	miINT32      = 5
	miUINT32     = 6
	miDOUBLE     = 9
	miMATRIX     = 14
	miCOMPRESSED = 15
	miUTF8       = 16
)

type writer struct {
	bo  binary.ByteOrder
	opt Options
}

func (w writer) u32(v ...uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		w.bo.PutUint32(b[4*i:], x)
	}
	return b
}

// elem encodes a data element, in the small format when the data takes 1 to 4 bytes,
// padded to 8 bytes.
func (w writer) elem(typ uint32, data []byte) []byte {
	if len(data) > 0 && len(data) <= 4 {
		out := w.u32(uint32(len(data))<<16 | typ)
		out = append(out, data...)
		return append(out, make([]byte, 4-len(data))...)
	}
	out := append(w.u32(typ, uint32(len(data))), data...)
	return append(out, make([]byte, (8-len(data)%8)%8)...)
}

func numel(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}

// narrow encodes integer-valued double data in the narrowest integer type that holds every
// value; ok is false when a value is not an integer (or -0, NaN, out of int32 range) or
// there is no value.
func (w writer) narrow(data []float64) (typ uint32, b []byte, ok bool) {
	if len(data) == 0 {
		return 0, nil, false
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, f := range data {
		if f != math.Trunc(f) || (f == 0 && math.Signbit(f)) || f < math.MinInt32 || f > math.MaxUint32 {
			return 0, nil, false
		}
		lo, hi = min(lo, f), max(hi, f)
	}
	var sz int
	switch {
	case lo >= 0 && hi <= math.MaxUint8:
		typ, sz = miUINT8, 1
	case lo >= math.MinInt8 && hi <= math.MaxInt8:
		typ, sz = miINT8, 1
	case lo >= 0 && hi <= math.MaxUint16:
		typ, sz = miUINT16, 2
	case lo >= math.MinInt16 && hi <= math.MaxInt16:
		typ, sz = miINT16, 2
	case lo >= 0:
		typ, sz = miUINT32, 4
	case hi <= math.MaxInt32:
		typ, sz = miINT32, 4
	default:
		return 0, nil, false
	}
	b = make([]byte, sz*len(data))
	for i, f := range data {
		switch sz {
		case 1:
			b[i] = byte(int8(int64(f)))
			if typ == miUINT8 {
				b[i] = byte(uint64(f))
			}
		case 2:
			w.bo.PutUint16(b[2*i:], uint16(int64(f)))
		case 4:
			w.bo.PutUint32(b[4*i:], uint32(int64(f)))
		}
	}
	return typ, b, true
}

// matrix encodes v as an miMATRIX element named name.
func (w writer) matrix(name string, v any) ([]byte, error) {
	var class uint32
	var dims []int
	var body []byte
	switch v := v.(type) {
	case Double:
		class, dims = 6, v.Dims
		if len(v.Data) != numel(dims) {
			return nil, fmt.Errorf("double array of %d values for dimensions %v", len(v.Data), dims)
		}
		if w.opt.NarrowDoubles {
			if typ, b, ok := w.narrow(v.Data); ok {
				body = w.elem(typ, b)
				break
			}
		}
		b := make([]byte, 8*len(v.Data))
		for i, f := range v.Data {
			w.bo.PutUint64(b[8*i:], math.Float64bits(f))
		}
		body = w.elem(miDOUBLE, b)
	case Uint8:
		class, dims = 9, v.Dims
		if len(v.Data) != numel(dims) {
			return nil, fmt.Errorf("uint8 array of %d values for dimensions %v", len(v.Data), dims)
		}
		body = w.elem(miUINT8, v.Data)
	case Char:
		return w.matrix(name, string(v))
	case string:
		u := utf16.Encode([]rune(v))
		class, dims = 4, []int{1, len(u)}
		if w.opt.UTF8Chars {
			body = w.elem(miUTF8, []byte(v))
			break
		}
		b := make([]byte, 2*len(u))
		for i, c := range u {
			w.bo.PutUint16(b[2*i:], c)
		}
		body = w.elem(miUINT16, b)
	case Struct:
		class, dims = 2, v.Dims
		if len(v.Elems) != numel(dims) {
			return nil, fmt.Errorf("struct array of %d elements for dimensions %v", len(v.Elems), dims)
		}
		flen := 32 // what MATLAB writes, unless a name is longer
		for _, f := range v.Fields {
			flen = max(flen, len(f)+1)
		}
		body = w.elem(miINT32, w.u32(uint32(flen)))
		names := make([]byte, flen*len(v.Fields))
		for i, f := range v.Fields {
			copy(names[i*flen:], f)
		}
		body = append(body, w.elem(miINT8, names)...)
		for i, el := range v.Elems {
			if len(el) != len(v.Fields) {
				return nil, fmt.Errorf("struct element %d has %d values for %d fields", i+1, len(el), len(v.Fields))
			}
			for _, fv := range el {
				m, err := w.matrix("", fv)
				if err != nil {
					return nil, err
				}
				body = append(body, m...)
			}
		}
	case Cell:
		class, dims = 1, v.Dims
		if len(v.Elems) != numel(dims) {
			return nil, fmt.Errorf("cell array of %d elements for dimensions %v", len(v.Elems), dims)
		}
		for _, el := range v.Elems {
			m, err := w.matrix("", el)
			if err != nil {
				return nil, err
			}
			body = append(body, m...)
		}
	default:
		return nil, fmt.Errorf("unsupported MAT value %T", v)
	}
	payload := w.elem(miUINT32, w.u32(class, 0))
	db := make([]uint32, len(dims))
	for i, d := range dims {
		db[i] = uint32(d)
	}
	payload = append(payload, w.elem(miINT32, w.u32(db...))...)
	payload = append(payload, w.elem(miINT8, []byte(name))...)
	payload = append(payload, body...)
	return append(w.u32(miMATRIX, uint32(len(payload))), payload...), nil
}

// Encode encodes variables as a MAT v5 file.
func Encode(vars []Var, opt Options) ([]byte, error) {
	header := "MATLAB 5.0 MAT-file, written by occbench matv5test"
	if opt.MATLAB {
		opt.Compress, opt.NarrowDoubles = true, true
		header = "MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: Thu Nov 16 10:21:08 2017"
	}
	w := writer{bo: binary.LittleEndian, opt: opt}
	if opt.BigEndian {
		w.bo = binary.BigEndian
	}
	out := make([]byte, 128)
	copy(out, fmt.Sprintf("%-116s", header))
	w.bo.PutUint16(out[124:], 0x0100)
	w.bo.PutUint16(out[126:], 'M'<<8|'I')
	for _, v := range vars {
		m, err := w.matrix(v.Name, v.Value)
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", v.Name, err)
		}
		if !opt.Compress {
			out = append(out, m...)
			continue
		}
		var zb bytes.Buffer
		zw := zlib.NewWriter(&zb)
		zw.Write(m)
		zw.Close()
		out = append(out, w.u32(miCOMPRESSED, uint32(zb.Len()))...)
		out = append(out, zb.Bytes()...)
	}
	return out, nil
}

// MustEncode is Encode for fixed test values: it panics on an error.
func MustEncode(vars []Var, opt Options) []byte {
	b, err := Encode(vars, opt)
	if err != nil {
		panic(err)
	}
	return b
}

// Write writes variables to a MAT v5 file at path.
func Write(path string, vars []Var, opt Options) error {
	b, err := Encode(vars, opt)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
