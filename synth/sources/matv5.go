package sources

// A minimal, generic reader of MATLAB Level 5 MAT-files (the format of the devkit's
// meta.mat and of Oxford 102's imagelabels.mat and setid.mat): numeric arrays of every
// class, char arrays, logical arrays, struct arrays and cell arrays, compressed
// (miCOMPRESSED) or not, little- or big-endian. Sparse and object arrays are reported
// as unsupported. Every length is checked against the bytes left before anything is
// allocated, so corrupt input yields an error, never a panic or a huge allocation.

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"unicode/utf16"
	"unicode/utf8"
)

// MAT-file data types.
const (
	miINT8       = 1
	miUINT8      = 2
	miINT16      = 3
	miUINT16     = 4
	miINT32      = 5
	miUINT32     = 6
	miSINGLE     = 7
	miDOUBLE     = 9
	miINT64      = 12
	miUINT64     = 13
	miMATRIX     = 14
	miCOMPRESSED = 15
	miUTF8       = 16
	miUTF16      = 17
	miUTF32      = 18
)

// MAT-file array classes.
const (
	mxCELL   = 1
	mxSTRUCT = 2
	mxOBJECT = 3
	mxCHAR   = 4
	mxSPARSE = 5
	mxDOUBLE = 6
	mxUINT64 = 15
)

const (
	matMaxDepth        = 64
	matMaxDecompressed = 1 << 30
)

// matValue is one array of a MAT-file. Data is column-major, as MATLAB stores it.
type matValue struct {
	Name   string
	Class  int
	Dims   []int
	Num    []float64     // numeric and logical arrays (real part)
	Chars  []rune        // char arrays
	Fields []string      // struct arrays: field names
	Elems  [][]*matValue // struct arrays: Elems[element][field]
	Cells  []*matValue   // cell arrays
}

// Len is the number of elements (the product of Dims).
func (v *matValue) Len() int {
	n := 1
	for _, d := range v.Dims {
		n *= d
	}
	return n
}

// Field returns field name of struct element i, or nil.
func (v *matValue) Field(i int, name string) *matValue {
	if v == nil || v.Class != mxSTRUCT || i < 0 || i >= len(v.Elems) {
		return nil
	}
	for f, n := range v.Fields {
		if n == name && f < len(v.Elems[i]) {
			return v.Elems[i][f]
		}
	}
	return nil
}

// String returns a char array as a string (rows concatenated for a 1xN or Nx1 array).
func (v *matValue) String() string {
	if v == nil {
		return ""
	}
	return string(v.Chars)
}

// readMAT parses a MAT v5 file and returns its top-level variables in file order.
func readMAT(data []byte) ([]*matValue, error) {
	if len(data) < 128 {
		return nil, fmt.Errorf("not a MAT v5 file: %d bytes, shorter than the 128-byte header", len(data))
	}
	if bytes.HasPrefix(data, []byte("\x89HDF")) || bytes.Contains(data[:116], []byte("MATLAB 7.3")) {
		return nil, errors.New("MAT v7.3 (HDF5) files are not supported; re-save with -v7 or -v6")
	}
	var bo binary.ByteOrder
	switch string(data[126:128]) {
	case "IM":
		bo = binary.LittleEndian
	case "MI":
		bo = binary.BigEndian
	default:
		return nil, fmt.Errorf("not a MAT v5 file: bad endian indicator %q", data[126:128])
	}
	if v := bo.Uint16(data[124:126]); v != 0x0100 {
		return nil, fmt.Errorf("not a MAT v5 file: version 0x%04x", v)
	}
	p := &matParser{bo: bo}
	return p.top(data[128:], 0)
}

type matParser struct {
	bo           binary.ByteOrder
	decompressed int
}

// element reads one data element tag at the start of b; it returns the type, the
// payload and the bytes after the element (padding skipped).
func (p *matParser) element(b []byte) (typ uint32, payload, rest []byte, err error) {
	if len(b) < 8 {
		return 0, nil, nil, fmt.Errorf("truncated element tag (%d bytes left)", len(b))
	}
	first := p.bo.Uint32(b)
	if first>>16 != 0 { // small data element: 2-byte size, 2-byte type, 4 bytes of data
		n := int(first >> 16)
		typ = first & 0xffff
		if n > 4 {
			return 0, nil, nil, fmt.Errorf("small data element claims %d bytes (max 4)", n)
		}
		return typ, b[4 : 4+n], b[8:], nil
	}
	typ = first
	n := uint64(p.bo.Uint32(b[4:]))
	if n > uint64(len(b)-8) {
		return 0, nil, nil, fmt.Errorf("element of type %d claims %d bytes, only %d left", typ, n, len(b)-8)
	}
	payload = b[8 : 8+n]
	end := 8 + n
	if typ != miCOMPRESSED {
		end = (end + 7) &^ 7
	}
	if end > uint64(len(b)) {
		end = uint64(len(b)) // tolerate missing final padding
	}
	return typ, payload, b[end:], nil
}

func (p *matParser) top(b []byte, depth int) ([]*matValue, error) {
	var vars []*matValue
	for len(b) > 0 {
		if len(b) < 8 && len(bytes.Trim(b, "\x00")) == 0 {
			break // trailing padding
		}
		typ, payload, rest, err := p.element(b)
		if err != nil {
			return nil, err
		}
		b = rest
		switch typ {
		case miCOMPRESSED:
			if depth > 2 {
				return nil, errors.New("nested compressed elements")
			}
			raw, err := p.inflate(payload)
			if err != nil {
				return nil, err
			}
			inner, err := p.top(raw, depth+1)
			if err != nil {
				return nil, err
			}
			vars = append(vars, inner...)
		case miMATRIX:
			v, err := p.matrix(payload, 0)
			if err != nil {
				return nil, err
			}
			vars = append(vars, v)
		default:
			return nil, fmt.Errorf("unexpected top-level element of type %d", typ)
		}
	}
	return vars, nil
}

func (p *matParser) inflate(b []byte) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("compressed element: %w", err)
	}
	defer zr.Close()
	limit := int64(matMaxDecompressed - p.decompressed)
	raw, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil && !(errors.Is(err, io.ErrUnexpectedEOF) && len(raw) > 0) {
		return nil, fmt.Errorf("compressed element: %w", err)
	}
	if int64(len(raw)) > limit {
		return nil, fmt.Errorf("compressed elements inflate to more than %d bytes", matMaxDecompressed)
	}
	p.decompressed += len(raw)
	return raw, nil
}

// matrix parses the payload of an miMATRIX element.
func (p *matParser) matrix(b []byte, depth int) (*matValue, error) {
	if depth > matMaxDepth {
		return nil, errors.New("arrays nested too deeply")
	}
	v := &matValue{}
	if len(b) == 0 { // empty array (e.g. [] in a struct field)
		v.Class = mxDOUBLE
		v.Dims = []int{0, 0}
		return v, nil
	}
	// Array flags.
	typ, flags, b, err := p.element(b)
	if err != nil {
		return nil, fmt.Errorf("array flags: %w", err)
	}
	if typ != miUINT32 || len(flags) < 8 {
		return nil, fmt.Errorf("array flags: type %d, %d bytes", typ, len(flags))
	}
	f0 := p.bo.Uint32(flags)
	v.Class = int(f0 & 0xff)
	complexFlag := f0&0x800 != 0
	// Dimensions.
	typ, dims, b, err := p.element(b)
	if err != nil {
		return nil, fmt.Errorf("dimensions: %w", err)
	}
	if typ != miINT32 || len(dims)%4 != 0 || len(dims) < 8 {
		return nil, fmt.Errorf("dimensions: type %d, %d bytes", typ, len(dims))
	}
	n := 1
	for i := 0; i < len(dims); i += 4 {
		d := int32(p.bo.Uint32(dims[i:]))
		if d < 0 {
			return nil, fmt.Errorf("negative dimension %d", d)
		}
		v.Dims = append(v.Dims, int(d))
		if d != 0 && n > math.MaxInt32/int(d) {
			return nil, errors.New("array has too many elements")
		}
		n *= int(d)
	}
	// Name.
	typ, name, b, err := p.element(b)
	if err != nil {
		return nil, fmt.Errorf("array name: %w", err)
	}
	if typ != miINT8 && typ != miUINT8 && typ != miUTF8 {
		return nil, fmt.Errorf("array name: type %d", typ)
	}
	v.Name = string(name)
	where := func(err error) error {
		if v.Name != "" {
			return fmt.Errorf("variable %q: %w", v.Name, err)
		}
		return err
	}
	switch {
	case v.Class == mxCELL:
		if n > len(b)/8+1 {
			return nil, where(fmt.Errorf("cell array of %d elements in %d bytes", n, len(b)))
		}
		for i := 0; i < n; i++ {
			typ, payload, rest, err := p.element(b)
			if err != nil {
				return nil, where(err)
			}
			if typ != miMATRIX {
				return nil, where(fmt.Errorf("cell element of type %d", typ))
			}
			b = rest
			c, err := p.matrix(payload, depth+1)
			if err != nil {
				return nil, where(err)
			}
			v.Cells = append(v.Cells, c)
		}
	case v.Class == mxSTRUCT:
		typ, fl, rest, err := p.element(b)
		if err != nil || typ != miINT32 || len(fl) != 4 {
			return nil, where(fmt.Errorf("struct field name length missing or bad (%v)", err))
		}
		b = rest
		flen := int(int32(p.bo.Uint32(fl)))
		typ, fnames, rest, err := p.element(b)
		if err != nil {
			return nil, where(fmt.Errorf("struct field names: %w", err))
		}
		if typ != miINT8 && typ != miUINT8 && typ != miUTF8 {
			return nil, where(fmt.Errorf("struct field names: type %d", typ))
		}
		b = rest
		if flen <= 0 {
			if len(fnames) != 0 {
				return nil, where(fmt.Errorf("struct field name length %d", flen))
			}
		} else {
			if len(fnames)%flen != 0 {
				return nil, where(fmt.Errorf("struct field names: %d bytes, not a multiple of %d", len(fnames), flen))
			}
			for i := 0; i < len(fnames); i += flen {
				v.Fields = append(v.Fields, string(bytes.TrimRight(fnames[i:i+flen], "\x00")))
			}
		}
		nf := len(v.Fields)
		if nf > 0 && n > len(b)/(8*nf)+1 {
			return nil, where(fmt.Errorf("struct array of %d elements x %d fields in %d bytes", n, nf, len(b)))
		}
		for i := 0; i < n; i++ {
			row := make([]*matValue, nf)
			for f := 0; f < nf; f++ {
				typ, payload, rest, err := p.element(b)
				if err != nil {
					return nil, where(fmt.Errorf("struct element %d field %q: %w", i+1, v.Fields[f], err))
				}
				if typ != miMATRIX {
					return nil, where(fmt.Errorf("struct element %d field %q: type %d", i+1, v.Fields[f], typ))
				}
				b = rest
				c, err := p.matrix(payload, depth+1)
				if err != nil {
					return nil, where(fmt.Errorf("struct element %d field %q: %w", i+1, v.Fields[f], err))
				}
				row[f] = c
			}
			v.Elems = append(v.Elems, row)
		}
	case v.Class == mxCHAR:
		typ, data, _, err := p.element(b)
		if err != nil {
			if n == 0 && len(b) == 0 {
				return v, nil
			}
			return nil, where(fmt.Errorf("char data: %w", err))
		}
		chars, err := p.chars(typ, data)
		if err != nil {
			return nil, where(err)
		}
		if len(chars) != n {
			return nil, where(fmt.Errorf("char array of %d characters, dimensions say %d", len(chars), n))
		}
		v.Chars = chars
	case v.Class >= mxDOUBLE && v.Class <= mxUINT64:
		typ, data, rest, err := p.element(b)
		if err != nil {
			if n == 0 && len(b) == 0 {
				return v, nil
			}
			return nil, where(fmt.Errorf("numeric data: %w", err))
		}
		nums, err := p.numbers(typ, data)
		if err != nil {
			return nil, where(err)
		}
		if len(nums) != n {
			return nil, where(fmt.Errorf("numeric array of %d values, dimensions say %d", len(nums), n))
		}
		v.Num = nums
		_ = rest // imaginary part (complexFlag) ignored
		_ = complexFlag
	case v.Class == mxSPARSE:
		return nil, where(errors.New("sparse arrays are not supported"))
	case v.Class == mxOBJECT:
		return nil, where(errors.New("object arrays are not supported"))
	default:
		return nil, where(fmt.Errorf("unknown array class %d", v.Class))
	}
	return v, nil
}

func (p *matParser) numbers(typ uint32, b []byte) ([]float64, error) {
	size := map[uint32]int{miINT8: 1, miUINT8: 1, miINT16: 2, miUINT16: 2, miINT32: 4, miUINT32: 4,
		miSINGLE: 4, miDOUBLE: 8, miINT64: 8, miUINT64: 8}[typ]
	if size == 0 {
		return nil, fmt.Errorf("numeric data of type %d", typ)
	}
	if len(b)%size != 0 {
		return nil, fmt.Errorf("numeric data: %d bytes, not a multiple of %d", len(b), size)
	}
	out := make([]float64, len(b)/size)
	for i := range out {
		e := b[i*size:]
		switch typ {
		case miINT8:
			out[i] = float64(int8(e[0]))
		case miUINT8:
			out[i] = float64(e[0])
		case miINT16:
			out[i] = float64(int16(p.bo.Uint16(e)))
		case miUINT16:
			out[i] = float64(p.bo.Uint16(e))
		case miINT32:
			out[i] = float64(int32(p.bo.Uint32(e)))
		case miUINT32:
			out[i] = float64(p.bo.Uint32(e))
		case miSINGLE:
			out[i] = float64(math.Float32frombits(p.bo.Uint32(e)))
		case miDOUBLE:
			out[i] = math.Float64frombits(p.bo.Uint64(e))
		case miINT64:
			out[i] = float64(int64(p.bo.Uint64(e)))
		case miUINT64:
			out[i] = float64(p.bo.Uint64(e))
		}
	}
	return out, nil
}

func (p *matParser) chars(typ uint32, b []byte) ([]rune, error) {
	switch typ {
	case miUTF8, miINT8, miUINT8:
		if typ == miUTF8 && utf8.Valid(b) {
			return []rune(string(b)), nil
		}
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return r, nil
	case miUINT16, miUTF16, miINT16:
		if len(b)%2 != 0 {
			return nil, fmt.Errorf("char data: odd byte count %d", len(b))
		}
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = p.bo.Uint16(b[2*i:])
		}
		if typ == miUTF16 {
			return utf16.Decode(u), nil
		}
		r := make([]rune, len(u))
		for i, c := range u {
			r[i] = rune(c)
		}
		return r, nil
	case miUTF32, miUINT32, miINT32:
		if len(b)%4 != 0 {
			return nil, fmt.Errorf("char data: %d bytes, not a multiple of 4", len(b))
		}
		r := make([]rune, len(b)/4)
		for i := range r {
			r[i] = rune(p.bo.Uint32(b[4*i:]))
		}
		return r, nil
	}
	return nil, fmt.Errorf("char data of type %d", typ)
}

// matVar returns the top-level variable name from a MAT file, or an error naming the
// file.
func matVar(file string, vars []*matValue, name string) (*matValue, error) {
	for _, v := range vars {
		if v.Name == name {
			return v, nil
		}
	}
	var names []string
	for _, v := range vars {
		names = append(names, v.Name)
	}
	return nil, fmt.Errorf("%s: no variable %q (variables: %q)", file, name, names)
}
