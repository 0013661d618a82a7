package matv5

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

// Class is a MATLAB array class (mxCLASS in the format description).
type Class uint8

// Array classes.
const (
	ClassCell     Class = 1
	ClassStruct   Class = 2
	ClassObject   Class = 3
	ClassChar     Class = 4
	ClassSparse   Class = 5
	ClassDouble   Class = 6
	ClassSingle   Class = 7
	ClassInt8     Class = 8
	ClassUint8    Class = 9
	ClassInt16    Class = 10
	ClassUint16   Class = 11
	ClassInt32    Class = 12
	ClassUint32   Class = 13
	ClassInt64    Class = 14
	ClassUint64   Class = 15
	ClassFunction Class = 16
	ClassOpaque   Class = 17
)

var classNames = [...]string{1: "cell", 2: "struct", 3: "object", 4: "char", 5: "sparse", 6: "double",
	7: "single", 8: "int8", 9: "uint8", 10: "int16", 11: "uint16", 12: "int32", 13: "uint32",
	14: "int64", 15: "uint64", 16: "function_handle", 17: "opaque"}

// String is MATLAB's name of the class ("double", "struct", ...).
func (c Class) String() string {
	if int(c) < len(classNames) && classNames[c] != "" {
		return classNames[c]
	}
	return fmt.Sprintf("class %d", uint8(c))
}

// Numeric reports whether c is one of the numeric classes double, single, int8..uint64.
func (c Class) Numeric() bool { return c >= ClassDouble && c <= ClassUint64 }

// Var is one decoded array: a top-level variable, a struct field value or a cell element.
// All data is column-major, as MATLAB stores it: element (i, j) of an M x N array is at
// index i + M*j.
type Var struct {
	Name    string // variable name; empty for struct field values and cell elements
	Class   Class
	Dims    []int // at least two dimensions
	Logical bool  // a logical array (class uint8, values 0 and 1)
	Complex bool  // the array had an imaginary part; it was checked and dropped

	// Num holds the real part of numeric and logical arrays, converted to float64
	// (int64 and uint64 values beyond 2^53 are rounded). len(Num) == Numel().
	Num []float64
	// Chars holds char arrays as MATLAB does: one UTF-16 code unit per element.
	// len(Chars) == Numel(); Text decodes them.
	Chars []uint16
	// Fields and Elems hold struct arrays: Elems[i][f] is field Fields[f] of element i.
	// len(Elems) == Numel().
	Fields []string
	Elems  [][]*Var
	// Cells holds cell arrays. len(Cells) == Numel().
	Cells []*Var
}

// Numel is the number of elements, the product of Dims; 0 for a nil Var.
func (v *Var) Numel() int {
	if v == nil {
		return 0
	}
	n := 1
	for _, d := range v.Dims {
		n *= d
	}
	return n
}

// Field returns field name of struct element i (0-based, column-major), or nil when v is
// nil, not a struct array, has no element i or no such field.
func (v *Var) Field(i int, name string) *Var {
	if v == nil || v.Class != ClassStruct || i < 0 || i >= len(v.Elems) {
		return nil
	}
	for f, n := range v.Fields {
		if n == name && f < len(v.Elems[i]) {
			return v.Elems[i][f]
		}
	}
	return nil
}

// Text returns the characters of a char array as a string, in storage (column-major)
// order, which is reading order for the usual 1 x N row; "" for a nil Var or another class.
func (v *Var) Text() string {
	if v == nil {
		return ""
	}
	return string(utf16.Decode(v.Chars))
}

// Numeric reports whether v is a numeric or logical array.
func (v *Var) Numeric() bool { return v != nil && v.Class.Numeric() }

// TypeName names v's type for messages: "logical" for logical arrays, else the class name.
func (v *Var) TypeName() string {
	if v == nil {
		return "missing"
	}
	if v.Logical {
		return "logical"
	}
	return v.Class.String()
}

// Lookup returns the variable called name, or an error listing the variables there are.
func Lookup(vars []*Var, name string) (*Var, error) {
	names := []string{}
	for _, v := range vars {
		if v.Name == name {
			return v, nil
		}
		names = append(names, v.Name)
	}
	return nil, fmt.Errorf("no variable %q (variables: %q)", name, names)
}

// MAT data types (miXXX).
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

const (
	headerLen       = 128
	maxDepth        = 64      // nesting limit for struct and cell arrays
	maxInflateRatio = 1024    // decompressed bytes per input byte, at most (zlib's own limit is ~1032)
	minInflateLimit = 1 << 20 // always allow 1 MiB of decompressed data
)

// maxInflate caps what one Read inflates, whatever the input size: 1 GiB (a variable so
// that tests can lower it).
var maxInflate = 1 << 30

type decoder struct {
	order binary.ByteOrder
	// inflateLimit is what all miCOMPRESSED elements together may inflate to, in bytes,
	// and inflateLeft what is left of it.
	inflateLimit, inflateLeft int
	// emptyLeft bounds the elements of struct arrays without fields, which take no
	// bytes of their own: at most one per byte of input (including inflated bytes).
	emptyLeft int
}

// Read decodes a whole MAT v5 file and returns its variables in file order. Corrupt,
// truncated or unsupported input yields an error (never a panic), without the file name:
// callers add it.
func Read(data []byte) ([]*Var, error) {
	if len(data) < headerLen {
		return nil, fmt.Errorf("not a MAT v5 file: %d bytes, shorter than the 128-byte header", len(data))
	}
	if bytes.HasPrefix(data, []byte("MATLAB 7.3")) || bytes.HasPrefix(data, []byte("\x89HDF")) {
		return nil, errors.New("MAT v7.3 (HDF5) files are not supported; save with -v7 or -v6")
	}
	d := &decoder{}
	switch string(data[126:128]) {
	case "IM":
		d.order = binary.LittleEndian
	case "MI":
		d.order = binary.BigEndian
	default:
		return nil, fmt.Errorf("not a MAT v5 file: bad endian indicator %q", data[126:128])
	}
	switch v := d.order.Uint16(data[124:126]); v {
	case 0x0100:
	case 0x0200:
		return nil, errors.New("MAT v7.3 (HDF5) files are not supported; save with -v7 or -v6")
	default:
		return nil, fmt.Errorf("not a MAT v5 file: version 0x%04x", v)
	}
	d.inflateLimit = min(maxInflate, max(minInflateLimit, maxInflateRatio*len(data)))
	d.inflateLeft = d.inflateLimit
	d.emptyLeft = len(data)
	return d.top(data[headerLen:], false)
}

// top decodes a sequence of top-level elements (the file body, or the contents of an
// miCOMPRESSED element when inflated is set).
func (d *decoder) top(b []byte, inflated bool) ([]*Var, error) {
	var vars []*Var
	for len(b) > 0 {
		if len(b) < 8 && len(bytes.Trim(b, "\x00")) == 0 {
			break // trailing padding
		}
		typ, body, rest, err := d.element(b)
		if err != nil {
			return nil, err
		}
		b = rest
		switch typ {
		case miMATRIX:
			v, err := d.matrix(body, 0)
			if err != nil {
				return nil, err
			}
			vars = append(vars, v)
		case miCOMPRESSED:
			if inflated {
				return nil, errors.New("compressed element inside a compressed element")
			}
			raw, err := d.inflate(body)
			if err != nil {
				return nil, err
			}
			inner, err := d.top(raw, true)
			if err != nil {
				return nil, err
			}
			vars = append(vars, inner...)
		default:
			return nil, fmt.Errorf("unexpected top-level data element of type %d", typ)
		}
	}
	return vars, nil
}

func (d *decoder) inflate(body []byte) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("compressed element: %w", err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(zr, int64(d.inflateLeft)+1))
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, errors.New("compressed element: truncated zlib stream")
	}
	if err != nil {
		return nil, fmt.Errorf("compressed element: %w", err)
	}
	if n > int64(d.inflateLeft) {
		return nil, fmt.Errorf("compressed elements inflate to more than %d bytes", d.inflateLimit)
	}
	d.inflateLeft -= int(n)
	d.emptyLeft += int(n)
	return buf.Bytes(), nil
}

// element splits one data element (normal or small format) off b: its type, its payload
// and the bytes after it (padding skipped).
func (d *decoder) element(b []byte) (typ uint32, payload, rest []byte, err error) {
	if len(b) < 8 {
		return 0, nil, nil, fmt.Errorf("truncated data element tag (%d bytes left)", len(b))
	}
	w := d.order.Uint32(b)
	if w>>16 != 0 { // small data element: 2-byte size, 2-byte type, data in bytes 4..8
		n := int(w >> 16)
		if n > 4 {
			return 0, nil, nil, fmt.Errorf("small data element claims %d bytes (at most 4)", n)
		}
		return w & 0xffff, b[4 : 4+n], b[8:], nil
	}
	typ = w
	n := uint64(d.order.Uint32(b[4:]))
	if n > uint64(len(b)-8) {
		return 0, nil, nil, fmt.Errorf("data element of type %d and %d bytes overruns the file (%d left)", typ, n, len(b)-8)
	}
	payload = b[8 : 8+n]
	end := 8 + n
	if typ != miCOMPRESSED { // compressed elements are not padded
		end = (end + 7) &^ 7
	}
	if end > uint64(len(b)) {
		end = uint64(len(b)) // tolerate missing final padding
	}
	return typ, payload, b[end:], nil
}

// matrix decodes the payload of one miMATRIX element.
func (d *decoder) matrix(b []byte, depth int) (*Var, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("arrays nested more than %d deep", maxDepth)
	}
	v := &Var{}
	if len(b) == 0 { // empty array, e.g. [] in a struct field
		v.Class, v.Dims = ClassDouble, []int{0, 0}
		return v, nil
	}
	// Array flags.
	typ, flags, b, err := d.element(b)
	if err != nil {
		return nil, fmt.Errorf("array flags: %w", err)
	}
	if typ != miUINT32 || len(flags) != 8 {
		return nil, fmt.Errorf("array flags missing (type %d, %d bytes)", typ, len(flags))
	}
	f0 := d.order.Uint32(flags)
	v.Class = Class(f0 & 0xff)
	v.Logical = f0&0x200 != 0
	v.Complex = f0&0x800 != 0
	// Dimensions.
	typ, dims, b, err := d.element(b)
	if err != nil {
		return nil, fmt.Errorf("array dimensions: %w", err)
	}
	if typ != miINT32 || len(dims) < 8 || len(dims)%4 != 0 {
		return nil, fmt.Errorf("array dimensions missing (type %d, %d bytes)", typ, len(dims))
	}
	n := 1
	v.Dims = make([]int, 0, len(dims)/4)
	for i := 0; i < len(dims); i += 4 {
		k := int32(d.order.Uint32(dims[i:]))
		if k < 0 {
			return nil, fmt.Errorf("negative array dimension %d", k)
		}
		v.Dims = append(v.Dims, int(k))
		if k != 0 && n > math.MaxInt32/int(k) {
			return nil, errors.New("array has too many elements")
		}
		n *= int(k)
	}
	// Name.
	typ, name, b, err := d.element(b)
	if err != nil {
		return nil, fmt.Errorf("array name: %w", err)
	}
	if typ != miINT8 && typ != miUINT8 && typ != miUTF8 {
		return nil, fmt.Errorf("array name missing (type %d)", typ)
	}
	v.Name = string(name)
	where := func(err error) error {
		if v.Name != "" {
			return fmt.Errorf("variable %q: %w", v.Name, err)
		}
		return err
	}
	switch {
	case v.Class == ClassStruct:
		if err := d.structArray(v, b, n, depth); err != nil {
			return nil, where(err)
		}
	case v.Class == ClassCell:
		// every element takes at least an 8-byte tag
		if n > len(b)/8 {
			return nil, where(fmt.Errorf("cell array of %d elements overruns the file (%d bytes left)", n, len(b)))
		}
		for i := range n {
			typ, payload, rest, err := d.element(b)
			if err != nil {
				return nil, where(fmt.Errorf("cell element %d: %w", i+1, err))
			}
			if typ != miMATRIX {
				return nil, where(fmt.Errorf("cell element %d is a data element of type %d, not an array", i+1, typ))
			}
			b = rest
			c, err := d.matrix(payload, depth+1)
			if err != nil {
				return nil, where(fmt.Errorf("cell element %d: %w", i+1, err))
			}
			v.Cells = append(v.Cells, c)
		}
	case v.Class == ClassChar:
		if n == 0 && len(b) == 0 {
			return v, nil
		}
		typ, data, _, err := d.element(b)
		if err != nil {
			return nil, where(fmt.Errorf("char data: %w", err))
		}
		if v.Chars, err = d.chars(typ, data); err != nil {
			return nil, where(err)
		}
		if len(v.Chars) != n {
			return nil, where(fmt.Errorf("char array of %d characters, dimensions %v need %d", len(v.Chars), v.Dims, n))
		}
	case v.Class.Numeric():
		if n == 0 && len(b) == 0 {
			return v, nil
		}
		typ, data, rest, err := d.element(b)
		if err != nil {
			return nil, where(fmt.Errorf("numeric data: %w", err))
		}
		if v.Num, err = d.numbers(typ, data); err != nil {
			return nil, where(err)
		}
		if len(v.Num) != n {
			return nil, where(fmt.Errorf("numeric array of %d values, dimensions %v need %d", len(v.Num), v.Dims, n))
		}
		if v.Complex { // the imaginary part must be there and complete; it is dropped
			typ, data, _, err := d.element(rest)
			if err != nil {
				return nil, where(fmt.Errorf("imaginary part: %w", err))
			}
			if m, err := count(typ, data); err != nil || m != n {
				return nil, where(fmt.Errorf("imaginary part of type %d and %d bytes does not match %d values", typ, len(data), n))
			}
		}
	case v.Class == ClassSparse:
		return nil, where(errors.New("sparse arrays are not supported"))
	case v.Class == ClassObject:
		return nil, where(errors.New("object arrays are not supported"))
	case v.Class == ClassFunction:
		return nil, where(errors.New("function handles are not supported"))
	case v.Class == ClassOpaque:
		return nil, where(errors.New("opaque values (MATLAB classes, strings, tables) are not supported"))
	default:
		return nil, where(fmt.Errorf("unknown array class %d", v.Class))
	}
	return v, nil
}

// structArray decodes the field names and the n elements of a struct array.
func (d *decoder) structArray(v *Var, b []byte, n, depth int) error {
	typ, fl, b, err := d.element(b)
	if err != nil {
		return fmt.Errorf("struct field name length: %w", err)
	}
	if typ != miINT32 || len(fl) != 4 {
		return fmt.Errorf("struct field name length missing (type %d, %d bytes)", typ, len(fl))
	}
	flen := int(int32(d.order.Uint32(fl)))
	typ, names, b, err := d.element(b)
	if err != nil {
		return fmt.Errorf("struct field names: %w", err)
	}
	if typ != miINT8 && typ != miUINT8 && typ != miUTF8 {
		return fmt.Errorf("struct field names missing (type %d)", typ)
	}
	switch {
	case flen <= 0 && len(names) != 0:
		return fmt.Errorf("struct field name length %d", flen)
	case flen > 0 && len(names)%flen != 0:
		return fmt.Errorf("struct field names: %d bytes, not a multiple of %d", len(names), flen)
	}
	for i := 0; i < len(names); i += flen {
		v.Fields = append(v.Fields, string(bytes.TrimRight(names[i:i+flen], "\x00")))
	}
	nf := len(v.Fields)
	if nf == 0 { // elements without fields carry no data, so they get a budget of their own
		if n > d.emptyLeft {
			return fmt.Errorf("struct array of %d elements without fields is larger than the file", n)
		}
		d.emptyLeft -= n
		v.Elems = make([][]*Var, n)
		return nil
	}
	// every field value takes at least an 8-byte tag
	if n > len(b)/8/nf {
		return fmt.Errorf("struct array of %d elements x %d fields overruns the file (%d bytes left)", n, nf, len(b))
	}
	for i := range n {
		row := make([]*Var, nf)
		for f := range nf {
			typ, payload, rest, err := d.element(b)
			if err != nil {
				return fmt.Errorf("struct element %d field %q: %w", i+1, v.Fields[f], err)
			}
			if typ != miMATRIX {
				return fmt.Errorf("struct element %d field %q is a data element of type %d, not an array", i+1, v.Fields[f], typ)
			}
			b = rest
			if row[f], err = d.matrix(payload, depth+1); err != nil {
				return fmt.Errorf("struct element %d field %q: %w", i+1, v.Fields[f], err)
			}
		}
		v.Elems = append(v.Elems, row)
	}
	return nil
}

// size is the byte size of one value of numeric data type typ, or 0.
func size(typ uint32) int {
	switch typ {
	case miINT8, miUINT8:
		return 1
	case miINT16, miUINT16:
		return 2
	case miINT32, miUINT32, miSINGLE:
		return 4
	case miDOUBLE, miINT64, miUINT64:
		return 8
	}
	return 0
}

// count is the number of values of numeric data type typ in b.
func count(typ uint32, b []byte) (int, error) {
	sz := size(typ)
	if sz == 0 {
		return 0, fmt.Errorf("numeric data of unsupported type %d", typ)
	}
	if len(b)%sz != 0 {
		return 0, fmt.Errorf("numeric data of type %d: %d bytes, not a multiple of %d", typ, len(b), sz)
	}
	return len(b) / sz, nil
}

// numbers decodes numeric data of type typ as float64.
func (d *decoder) numbers(typ uint32, b []byte) ([]float64, error) {
	n, err := count(typ, b)
	if err != nil {
		return nil, err
	}
	sz, o := size(typ), d.order
	out := make([]float64, n)
	for i := range out {
		p := b[i*sz:]
		switch typ {
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

// chars decodes char data as UTF-16 code units. MATLAB writes miUINT16 (or miUTF16)
// code units; miUTF8 and miUTF32 are transcoded; miINT8/miUINT8 bytes (and invalid
// UTF-8) are taken as Latin-1.
func (d *decoder) chars(typ uint32, b []byte) ([]uint16, error) {
	switch typ {
	case miUTF8, miINT8, miUINT8:
		if typ == miUTF8 && utf8.Valid(b) {
			out := make([]uint16, 0, len(b))
			for _, r := range string(b) {
				out = utf16.AppendRune(out, r)
			}
			return out, nil
		}
		out := make([]uint16, len(b))
		for i, c := range b {
			out[i] = uint16(c)
		}
		return out, nil
	case miUINT16, miUTF16, miINT16:
		if len(b)%2 != 0 {
			return nil, fmt.Errorf("char data: odd byte count %d", len(b))
		}
		out := make([]uint16, len(b)/2)
		for i := range out {
			out[i] = d.order.Uint16(b[2*i:])
		}
		return out, nil
	case miUTF32, miUINT32, miINT32:
		if len(b)%4 != 0 {
			return nil, fmt.Errorf("char data: %d bytes, not a multiple of 4", len(b))
		}
		out := make([]uint16, 0, len(b)/4)
		for i := 0; i < len(b); i += 4 {
			out = utf16.AppendRune(out, rune(d.order.Uint32(b[i:])))
		}
		return out, nil
	}
	return nil, fmt.Errorf("char data of unsupported type %d", typ)
}
