package sourcestest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"math"
	"os"
)

// A minimal MAT v5 writer, independent of the reader in package sources, for fixtures.

// MatDouble is a double array (column-major data).
type MatDouble struct {
	Dims []int
	Data []float64
}

// Row returns a 1 x len(v) double array.
func Row(v ...float64) MatDouble { return MatDouble{Dims: []int{1, len(v)}, Data: v} }

// MatStruct is a struct array: Elems[i][f] is field Fields[f] of element i, each a
// MatDouble, a string (1 x n char array) or a MatStruct.
type MatStruct struct {
	Dims   []int
	Fields []string
	Elems  [][]any
}

// MatVar is one named top-level variable.
type MatVar struct {
	Name  string
	Value any // MatDouble, string, MatStruct
}

// MatOptions select the byte order and compression of WriteMAT.
type MatOptions struct {
	BigEndian bool
	Compress  bool // wrap each variable in an miCOMPRESSED element
}

const (
	miINT8       = 1
	miUINT16     = 4
	miINT32      = 5
	miUINT32     = 6
	miDOUBLE     = 9
	miMATRIX     = 14
	miCOMPRESSED = 15
)

type matWriter struct{ bo binary.ByteOrder }

func (w matWriter) u32(v uint32) []byte {
	b := make([]byte, 4)
	w.bo.PutUint32(b, v)
	return b
}

// elem encodes a data element (small format when it fits in 4 bytes), padded to 8.
func (w matWriter) elem(typ uint32, data []byte) []byte {
	var out []byte
	if len(data) > 0 && len(data) <= 4 {
		out = append(out, w.u32(uint32(len(data))<<16|typ)...)
		out = append(out, data...)
		return append(out, make([]byte, 4-len(data))...)
	}
	out = append(out, w.u32(typ)...)
	out = append(out, w.u32(uint32(len(data)))...)
	out = append(out, data...)
	if pad := (8 - len(data)%8) % 8; pad > 0 {
		out = append(out, make([]byte, pad)...)
	}
	return out
}

func (w matWriter) matrix(name string, v any) ([]byte, error) {
	var class uint32
	var dims []int
	var body []byte
	switch v := v.(type) {
	case MatDouble:
		class, dims = 6, v.Dims
		b := make([]byte, 8*len(v.Data))
		for i, f := range v.Data {
			w.bo.PutUint64(b[8*i:], math.Float64bits(f))
		}
		body = w.elem(miDOUBLE, b)
	case string:
		r := []rune(v)
		class, dims = 4, []int{1, len(r)}
		b := make([]byte, 2*len(r))
		for i, c := range r {
			if c > 0xffff {
				return nil, fmt.Errorf("char %q outside the BMP", c)
			}
			w.bo.PutUint16(b[2*i:], uint16(c))
		}
		body = w.elem(miUINT16, b)
	case MatStruct:
		class, dims = 2, v.Dims
		maxLen := 0
		for _, f := range v.Fields {
			if len(f)+1 > maxLen {
				maxLen = len(f) + 1
			}
		}
		body = w.elem(miINT32, w.u32(uint32(maxLen)))
		names := make([]byte, maxLen*len(v.Fields))
		for i, f := range v.Fields {
			copy(names[i*maxLen:], f)
		}
		body = append(body, w.elem(miINT8, names)...)
		for _, el := range v.Elems {
			if len(el) != len(v.Fields) {
				return nil, fmt.Errorf("struct element with %d values for %d fields", len(el), len(v.Fields))
			}
			for _, fv := range el {
				m, err := w.matrix("", fv)
				if err != nil {
					return nil, err
				}
				body = append(body, m...)
			}
		}
	default:
		return nil, fmt.Errorf("unsupported MAT value %T", v)
	}
	var payload []byte
	payload = append(payload, w.elem(miUINT32, append(w.u32(class), w.u32(0)...))...)
	db := make([]byte, 0, 4*len(dims))
	for _, d := range dims {
		db = append(db, w.u32(uint32(d))...)
	}
	payload = append(payload, w.elem(miINT32, db)...)
	if name == "" {
		payload = append(payload, w.u32(miINT8)...)
		payload = append(payload, w.u32(0)...)
	} else {
		payload = append(payload, w.elem(miINT8, []byte(name))...)
	}
	payload = append(payload, body...)
	out := append(w.u32(miMATRIX), w.u32(uint32(len(payload)))...)
	return append(out, payload...), nil
}

// EncodeMAT encodes variables as a MAT v5 file.
func EncodeMAT(vars []MatVar, opt MatOptions) ([]byte, error) {
	w := matWriter{bo: binary.LittleEndian}
	if opt.BigEndian {
		w.bo = binary.BigEndian
	}
	hdr := make([]byte, 128)
	copy(hdr, fmt.Sprintf("%-116s", "MATLAB 5.0 MAT-file, written by occbench sourcestest"))
	w.bo.PutUint16(hdr[124:], 0x0100)
	w.bo.PutUint16(hdr[126:], 'M'<<8|'I')
	out := hdr
	for _, v := range vars {
		m, err := w.matrix(v.Name, v.Value)
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", v.Name, err)
		}
		if opt.Compress {
			var zb bytes.Buffer
			zw := zlib.NewWriter(&zb)
			zw.Write(m)
			zw.Close()
			out = append(out, w.u32(miCOMPRESSED)...)
			out = append(out, w.u32(uint32(zb.Len()))...)
			out = append(out, zb.Bytes()...)
		} else {
			out = append(out, m...)
		}
	}
	return out, nil
}

// WriteMAT writes variables to a MAT v5 file.
func WriteMAT(path string, vars []MatVar, opt MatOptions) error {
	b, err := EncodeMAT(vars, opt)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
