package occluders

// A minimal MATLAB Level 5 MAT-file reader, written by hand.
//
// Why not a library: the Go MAT readers checked were github.com/scigolib/matlab,
// github.com/florianl/matf (unmaintained since 2019, numeric arrays only),
// github.com/sbinet/matfio and github.com/ready-steady/mat (numeric arrays into Go values);
// none is reachable through this project's module proxy and none documents reading nested
// struct arrays and cell arrays (SDBE's `cls` is a struct array of structs of struct arrays).
// The format is small and documented ("MAT-File Format", MathWorks), so this file reads
// exactly what SDBE sets need: the 128-byte header, either byte order, miCOMPRESSED (zlib)
// elements, miMATRIX of class struct, cell, char, double, single, int8..uint64 (and the
// logical flag), small data elements, column-major data. Every size is checked against the
// bytes actually present, and decompression is capped, so no input can allocate absurd
// memory or panic.

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"unicode/utf16"
)

// MAT data types (mi*) and array classes (mx*).
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

	mxCELL   = 1
	mxSTRUCT = 2
	mxOBJECT = 3
	mxCHAR   = 4
	mxSPARSE = 5
	mxDOUBLE = 6
	mxSINGLE = 7
	mxINT8   = 8
	mxUINT64 = 15
)

const (
	matMaxDepth        = 64      // nesting limit for struct/cell arrays
	matMaxInflateRatio = 1024    // decompressed bytes per compressed byte, at most
	matMinInflateLimit = 1 << 20 // always allow 1 MiB per compressed element
	matMaxInflate      = 1 << 30 // and never more than 1 GiB
)

// matArray is one decoded miMATRIX: a numeric/char/struct/cell array with its dimensions.
type matArray struct {
	Name    string
	Class   int
	Dims    []int // MATLAB dimensions; data is column-major
	Logical bool
	Num     []float64     // numeric and logical classes: real part, column-major
	Str     string        // char class, column-major characters (rows interleaved if >1 row)
	Fields  []string      // struct class: field names
	Elems   [][]*matArray // struct class: Elems[element][field], elements column-major
	Cells   []*matArray   // cell class, column-major
}

// numel is the product of the dimensions.
func (a *matArray) numel() int {
	n := 1
	for _, d := range a.Dims {
		n *= d
	}
	return n
}

// field returns element i's field named name, or nil.
func (a *matArray) field(i int, name string) *matArray {
	for f, n := range a.Fields {
		if n == name && i < len(a.Elems) {
			return a.Elems[i][f]
		}
	}
	return nil
}

func (a *matArray) className() string {
	names := map[int]string{1: "cell", 2: "struct", 3: "object", 4: "char", 5: "sparse", 6: "double",
		7: "single", 8: "int8", 9: "uint8", 10: "int16", 11: "uint16", 12: "int32", 13: "uint32", 14: "int64", 15: "uint64"}
	if a.Logical {
		return "logical"
	}
	if n, ok := names[a.Class]; ok {
		return n
	}
	return fmt.Sprintf("class %d", a.Class)
}

type matReader struct {
	order binary.ByteOrder
	limit int // remaining decompression budget in bytes
}

// readMAT parses a whole Level 5 MAT-file and returns its variables in file order.
func readMAT(data []byte) ([]*matArray, error) {
	if len(data) < 128 {
		return nil, errors.New("not a MAT v5 file (shorter than the 128-byte header)")
	}
	if bytes.HasPrefix(data, []byte("MATLAB 7.3")) || bytes.HasPrefix(data, []byte{0x89, 'H', 'D', 'F'}) {
		return nil, errors.New("MAT v7.3 (HDF5) files are not supported; save with -v7 or -v6")
	}
	r := &matReader{}
	switch string(data[126:128]) {
	case "IM":
		r.order = binary.LittleEndian
	case "MI":
		r.order = binary.BigEndian
	default:
		return nil, errors.New("not a MAT v5 file (no endian indicator in the header)")
	}
	if v := r.order.Uint16(data[124:126]); v != 0x0100 {
		return nil, fmt.Errorf("unsupported MAT version 0x%04x", v)
	}
	r.limit = min(matMaxInflate, max(matMinInflateLimit, matMaxInflateRatio*len(data)))
	var vars []*matArray
	rest := data[128:]
	for len(rest) > 0 {
		if len(rest) < 8 { // trailing padding
			break
		}
		typ, body, next, err := r.element(rest)
		if err != nil {
			return nil, err
		}
		rest = next
		switch typ {
		case miMATRIX:
			a, err := r.matrix(body, 0)
			if err != nil {
				return nil, err
			}
			vars = append(vars, a)
		case miCOMPRESSED:
			inner, err := r.inflate(body)
			if err != nil {
				return nil, err
			}
			for len(inner) >= 8 {
				t, b, nx, err := r.element(inner)
				if err != nil {
					return nil, err
				}
				inner = nx
				if t != miMATRIX {
					continue
				}
				a, err := r.matrix(b, 0)
				if err != nil {
					return nil, err
				}
				vars = append(vars, a)
			}
		default:
			// other top-level elements are skipped
		}
	}
	return vars, nil
}

func (r *matReader) inflate(body []byte) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("compressed element: %v", err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(zr, int64(r.limit)+1))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("compressed element: %v", err)
	}
	if err != nil {
		return nil, errors.New("compressed element: truncated zlib stream")
	}
	if n > int64(r.limit) {
		return nil, fmt.Errorf("compressed element inflates beyond %d bytes", r.limit)
	}
	r.limit -= int(n)
	return buf.Bytes(), nil
}

// element splits one data element (normal or small format) off b.
func (r *matReader) element(b []byte) (typ int, body, rest []byte, err error) {
	if len(b) < 8 {
		return 0, nil, nil, errors.New("truncated data element tag")
	}
	w := r.order.Uint32(b[:4])
	if w>>16 != 0 { // small data element: size in the upper 16 bits, data in bytes 4..8
		n := int(w >> 16)
		if n > 4 {
			return 0, nil, nil, fmt.Errorf("small data element claims %d bytes", n)
		}
		return int(w & 0xffff), b[4 : 4+n], b[8:], nil
	}
	typ = int(w)
	n := uint64(r.order.Uint32(b[4:8]))
	if n > uint64(len(b)-8) {
		return 0, nil, nil, fmt.Errorf("data element of %d bytes overruns the file (%d left)", n, len(b)-8)
	}
	body = b[8 : 8+n]
	end := 8 + n
	if typ != miCOMPRESSED { // compressed elements are not padded
		end = (end + 7) &^ 7
	}
	if end > uint64(len(b)) {
		end = uint64(len(b))
	}
	return typ, body, b[end:], nil
}

// matrix decodes the body of one miMATRIX element.
func (r *matReader) matrix(b []byte, depth int) (*matArray, error) {
	if depth > matMaxDepth {
		return nil, errors.New("arrays nested too deeply")
	}
	a := &matArray{}
	if len(b) == 0 { // empty matrix, e.g. [] in a struct field
		a.Class, a.Dims = mxDOUBLE, []int{0, 0}
		return a, nil
	}
	// Array flags.
	typ, flags, b, err := r.element(b)
	if err != nil {
		return nil, err
	}
	if typ != miUINT32 || len(flags) < 8 {
		return nil, errors.New("array flags missing")
	}
	f0 := r.order.Uint32(flags[:4])
	a.Class = int(f0 & 0xff)
	a.Logical = f0&0x200 != 0
	complexFlag := f0&0x800 != 0
	// Dimensions.
	typ, dims, b, err := r.element(b)
	if err != nil {
		return nil, err
	}
	if typ != miINT32 || len(dims) < 8 || len(dims)%4 != 0 {
		return nil, errors.New("array dimensions missing")
	}
	n := 1
	for i := 0; i < len(dims); i += 4 {
		d := int32(r.order.Uint32(dims[i:]))
		if d < 0 {
			return nil, fmt.Errorf("negative array dimension %d", d)
		}
		a.Dims = append(a.Dims, int(d))
		if d != 0 && n > math.MaxInt32/int(d) {
			return nil, errors.New("array dimensions too large")
		}
		n *= int(d)
	}
	// Name.
	typ, name, b, err := r.element(b)
	if err != nil {
		return nil, err
	}
	if typ != miINT8 && typ != miUINT8 && typ != miUTF8 {
		return nil, errors.New("array name missing")
	}
	a.Name = string(name)
	switch {
	case a.Class == mxSTRUCT || a.Class == mxOBJECT:
		if a.Class == mxOBJECT { // class name precedes the fields
			if _, _, b, err = r.element(b); err != nil {
				return nil, err
			}
		}
		typ, fl, rest, err := r.element(b)
		if err != nil {
			return nil, err
		}
		if typ != miINT32 || len(fl) < 4 {
			return nil, errors.New("struct field name length missing")
		}
		flen := int(r.order.Uint32(fl[:4]))
		typ, fnames, rest, err := r.element(rest)
		if err != nil {
			return nil, err
		}
		if typ != miINT8 && typ != miUINT8 {
			return nil, errors.New("struct field names missing")
		}
		nf := 0
		if flen > 0 {
			if len(fnames)%flen != 0 {
				return nil, errors.New("struct field names have a bad length")
			}
			nf = len(fnames) / flen
		}
		for i := range nf {
			fn := fnames[i*flen : (i+1)*flen]
			if j := bytes.IndexByte(fn, 0); j >= 0 {
				fn = fn[:j]
			}
			a.Fields = append(a.Fields, string(fn))
		}
		// every field value takes at least an 8-byte tag
		if nf > 0 && n > len(rest)/8/nf {
			return nil, fmt.Errorf("struct array of %d elements x %d fields overruns the file", n, nf)
		}
		if nf == 0 {
			n = min(n, len(rest)) // elements without fields carry no data
		}
		a.Elems = make([][]*matArray, n)
		for i := range n {
			a.Elems[i] = make([]*matArray, nf)
			for f := range nf {
				t, body, nx, err := r.element(rest)
				if err != nil {
					return nil, err
				}
				if t != miMATRIX {
					return nil, fmt.Errorf("struct field %q is not an array", a.Fields[f])
				}
				rest = nx
				if a.Elems[i][f], err = r.matrix(body, depth+1); err != nil {
					return nil, err
				}
			}
		}
	case a.Class == mxCELL:
		if n > len(b)/8 {
			return nil, fmt.Errorf("cell array of %d elements overruns the file", n)
		}
		a.Cells = make([]*matArray, n)
		for i := range n {
			t, body, nx, err := r.element(b)
			if err != nil {
				return nil, err
			}
			if t != miMATRIX {
				return nil, errors.New("cell element is not an array")
			}
			b = nx
			if a.Cells[i], err = r.matrix(body, depth+1); err != nil {
				return nil, err
			}
		}
	case a.Class == mxCHAR:
		if n == 0 {
			return a, nil
		}
		t, body, _, err := r.element(b)
		if err != nil {
			return nil, err
		}
		s, err := r.chars(t, body)
		if err != nil {
			return nil, err
		}
		a.Str = s
	case a.Class >= mxDOUBLE && a.Class <= mxUINT64:
		if n == 0 {
			return a, nil
		}
		t, body, rest, err := r.element(b)
		if err != nil {
			return nil, err
		}
		if a.Num, err = r.numbers(t, body, n); err != nil {
			return nil, err
		}
		if complexFlag { // imaginary part must be present; it is ignored
			if _, _, _, err := r.element(rest); err != nil {
				return nil, err
			}
		}
	case a.Class == mxSPARSE:
		return nil, errors.New("sparse arrays are not supported")
	default:
		return nil, fmt.Errorf("unknown array class %d", a.Class)
	}
	return a, nil
}

func miSize(t int) int {
	switch t {
	case miINT8, miUINT8, miUTF8:
		return 1
	case miINT16, miUINT16, miUTF16:
		return 2
	case miINT32, miUINT32, miSINGLE, miUTF32:
		return 4
	case miDOUBLE, miINT64, miUINT64:
		return 8
	}
	return 0
}

// numbers decodes n values of data type t as float64.
func (r *matReader) numbers(t int, b []byte, n int) ([]float64, error) {
	sz := miSize(t)
	if sz == 0 || t == miUTF8 || t == miUTF16 || t == miUTF32 {
		return nil, fmt.Errorf("numeric data has unsupported type %d", t)
	}
	if len(b)/sz != n {
		return nil, fmt.Errorf("numeric data holds %d values, dimensions need %d", len(b)/sz, n)
	}
	out := make([]float64, n)
	o := r.order
	for i := range out {
		p := b[i*sz:]
		switch t {
		case miINT8:
			out[i] = float64(int8(p[0]))
		case miUINT8:
			out[i] = float64(p[0])
		case miINT16:
			out[i] = float64(int16(o.Uint16(p)))
		case miUINT16:
			out[i] = float64(o.Uint16(p))
		case miINT32:
			out[i] = float64(int32(o.Uint32(p)))
		case miUINT32:
			out[i] = float64(o.Uint32(p))
		case miSINGLE:
			out[i] = float64(math.Float32frombits(o.Uint32(p)))
		case miDOUBLE:
			out[i] = math.Float64frombits(o.Uint64(p))
		case miINT64:
			out[i] = float64(int64(o.Uint64(p)))
		case miUINT64:
			out[i] = float64(o.Uint64(p))
		}
	}
	return out, nil
}

// chars decodes char data (MATLAB writes miUINT16 / miUTF16; miUTF8 and miUINT8 are accepted).
func (r *matReader) chars(t int, b []byte) (string, error) {
	switch t {
	case miUINT8, miINT8, miUTF8:
		return string(b), nil
	case miUINT16, miUTF16:
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = r.order.Uint16(b[2*i:])
		}
		return string(utf16.Decode(u)), nil
	case miUINT32, miUTF32, miINT32:
		rs := make([]rune, len(b)/4)
		for i := range rs {
			rs[i] = rune(r.order.Uint32(b[4*i:]))
		}
		return string(rs), nil
	}
	return "", fmt.Errorf("char data has unsupported type %d", t)
}
