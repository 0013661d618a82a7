package occluders

// A tiny MAT v5 writer used only by tests: it builds SDBE-shaped files so the reader can be
// checked field for field, in both byte orders, with and without miCOMPRESSED.

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"math"
	"unicode/utf16"
)

type (
	wChar   string
	wDouble struct {
		dims []int
		data []float64 // column-major
	}
	wUint8 struct {
		dims []int
		data []byte // column-major
	}
	wStruct struct {
		dims   []int
		fields []string
		elems  [][]any // elems[element][field]
	}
	wCell struct {
		dims  []int
		elems []any
	}
)

type matWriter struct {
	order    binary.ByteOrder
	compress bool
}

func (m matWriter) tag(buf *bytes.Buffer, typ int, data []byte) {
	var t [8]byte
	if len(data) <= 4 && typ != miMATRIX {
		m.order.PutUint32(t[:4], uint32(len(data))<<16|uint32(typ))
		copy(t[4:], data)
		buf.Write(t[:])
		return
	}
	m.order.PutUint32(t[:4], uint32(typ))
	m.order.PutUint32(t[4:], uint32(len(data)))
	buf.Write(t[:])
	buf.Write(data)
	for buf.Len()%8 != 0 {
		buf.WriteByte(0)
	}
}

func (m matWriter) u32s(v ...int) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		m.order.PutUint32(b[4*i:], uint32(x))
	}
	return b
}

// matrix encodes v as an miMATRIX element named name.
func (m matWriter) matrix(name string, v any) []byte {
	var body bytes.Buffer
	var class int
	var dims []int
	var rest bytes.Buffer
	switch x := v.(type) {
	case wChar:
		u := utf16.Encode([]rune(string(x)))
		class, dims = mxCHAR, []int{1, len(u)}
		b := make([]byte, 2*len(u))
		for i, c := range u {
			m.order.PutUint16(b[2*i:], c)
		}
		m.tag(&rest, miUTF16, b)
	case wDouble:
		class, dims = mxDOUBLE, x.dims
		b := make([]byte, 8*len(x.data))
		for i, f := range x.data {
			m.order.PutUint64(b[8*i:], math.Float64bits(f))
		}
		m.tag(&rest, miDOUBLE, b)
	case wUint8:
		class, dims = 9, x.dims
		m.tag(&rest, miUINT8, x.data)
	case wStruct:
		class, dims = mxSTRUCT, x.dims
		fl := 32
		m.tag(&rest, miINT32, m.u32s(fl))
		names := make([]byte, fl*len(x.fields))
		for i, f := range x.fields {
			copy(names[i*fl:], f)
		}
		m.tag(&rest, miINT8, names)
		for _, el := range x.elems {
			for _, fv := range el {
				rest.Write(m.matrix("", fv))
			}
		}
	case wCell:
		class, dims = mxCELL, x.dims
		for _, el := range x.elems {
			rest.Write(m.matrix("", el))
		}
	default:
		panic("matWriter: unsupported value")
	}
	m.tag(&body, miUINT32, m.u32s(class, 0))
	m.tag(&body, miINT32, m.u32s(dims...))
	m.tag(&body, miINT8, []byte(name))
	body.Write(rest.Bytes())
	var out bytes.Buffer
	m.tag(&out, miMATRIX, body.Bytes())
	return out.Bytes()
}

// file returns a complete MAT v5 file holding the named variables (name, value pairs).
func (m matWriter) file(vars ...any) []byte {
	var out bytes.Buffer
	hdr := make([]byte, 128)
	copy(hdr, "MATLAB 5.0 MAT-file, written by occbench tests")
	for i := 46; i < 116; i++ {
		hdr[i] = ' '
	}
	m.order.PutUint16(hdr[124:], 0x0100)
	m.order.PutUint16(hdr[126:], 'M'<<8|'I')
	out.Write(hdr)
	for i := 0; i+1 < len(vars); i += 2 {
		el := m.matrix(vars[i].(string), vars[i+1])
		if m.compress {
			var z bytes.Buffer
			zw := zlib.NewWriter(&z)
			zw.Write(el)
			zw.Close()
			var t [8]byte
			m.order.PutUint32(t[:4], miCOMPRESSED)
			m.order.PutUint32(t[4:], uint32(z.Len()))
			out.Write(t[:])
			out.Write(z.Bytes())
			continue
		}
		out.Write(el)
	}
	return out.Bytes()
}

// sdbeEntry is one test occluder for sdbeFile.
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

func pos(h, w float64) wStruct {
	return wStruct{dims: []int{1, 1}, fields: []string{"h", "w"},
		elems: [][]any{{wDouble{[]int{1, 1}, []float64{h}}, wDouble{[]int{1, 1}, []float64{w}}}}}
}

// sdbeValue builds the `cls` struct array value.
func sdbeValue(entries []sdbeEntry) wStruct {
	cls := wStruct{dims: []int{1, len(entries)}, fields: []string{"idName", "ptch", "occ"}}
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
		var ptch any = wStruct{dims: []int{1, 1}, fields: []string{"img", "img_mask"},
			elems: [][]any{{wUint8{[]int{e.h, e.w, 3}, cm}, wUint8{[]int{e.h, e.w}, mk}}}}
		occ := wStruct{dims: []int{1, 2}, fields: []string{"OR", "scale", "cntpos", "rndpos"}}
		for k := range 2 {
			rnd := wStruct{dims: []int{1, len(e.rnd[k])}, fields: []string{"h", "w"}}
			for _, p := range e.rnd[k] {
				rnd.elems = append(rnd.elems, pos(p[0], p[1]).elems[0])
			}
			occ.elems = append(occ.elems, []any{
				wDouble{[]int{1, 1}, []float64{e.or[k]}}, wDouble{[]int{1, 1}, []float64{e.scale[k]}},
				pos(e.cnt[k][0], e.cnt[k][1]), rnd})
		}
		if e.noPtch {
			ptch = wDouble{[]int{0, 0}, nil}
			cls.fields = []string{"idName", "notptch", "occ"}
		}
		cls.elems = append(cls.elems, []any{wChar(e.id), ptch, occ})
	}
	return cls
}
