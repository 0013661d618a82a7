package runners

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
)

// SafetensorsTensor is one tensor of a safetensors file's header.
type SafetensorsTensor struct {
	Name  string
	DType string // F32, F16, BF16, ...
	Shape []int
}

// maxSafetensorsHeader caps the JSON header read before its size is trusted: a real header
// is a few hundred bytes a tensor (VGG16's 32 tensors: 3 KB; the format's own limit is 100 MB).
const maxSafetensorsHeader = 100 << 20

// dtypeSize is the byte size of each safetensors dtype.
var dtypeSize = map[string]int{"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
	"I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8}

// ReadSafetensorsHeader reads only the header of a safetensors file (8-byte little-endian
// length, JSON header), so a 500 MB VGG16 file is checked without reading its data. Every
// tensor's byte range must match its dtype and shape and lie inside the file. Tensors are
// returned sorted by name; the __metadata__ entry is returned as a map.
func ReadSafetensorsHeader(path string) ([]SafetensorsTensor, map[string]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("weights %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("weights %s: not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("weights %s: %w", path, err)
	}
	defer f.Close()
	ts, meta, err := ParseSafetensorsHeader(f, st.Size())
	if err != nil {
		return nil, nil, fmt.Errorf("weights %s: %w", path, err)
	}
	return ts, meta, nil
}

// ParseSafetensorsHeader parses the header of a safetensors file of the given size.
func ParseSafetensorsHeader(r io.ReaderAt, size int64) ([]SafetensorsTensor, map[string]string, error) {
	var lb [8]byte
	if size < 8 {
		return nil, nil, fmt.Errorf("not a safetensors file: %d bytes, shorter than the 8-byte header length", size)
	}
	if _, err := r.ReadAt(lb[:], 0); err != nil {
		return nil, nil, fmt.Errorf("read header length: %w", err)
	}
	n := binary.LittleEndian.Uint64(lb[:])
	if n > maxSafetensorsHeader || int64(n) > size-8 {
		return nil, nil, fmt.Errorf("not a safetensors file: header length %d beyond the file's %d bytes", n, size)
	}
	hb := make([]byte, n)
	if _, err := r.ReadAt(hb, 8); err != nil {
		return nil, nil, fmt.Errorf("read header: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(hb))
	dec.UseNumber()
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, nil, fmt.Errorf("not a safetensors file: header is not a JSON object: %v", err)
	}
	dataLen := size - 8 - int64(n)
	var meta map[string]string
	var out []SafetensorsTensor
	for name, v := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(v, &meta); err != nil {
				return nil, nil, fmt.Errorf("__metadata__: want string values: %v", err)
			}
			continue
		}
		var e struct {
			DType   string  `json:"dtype"`
			Shape   []int64 `json:"shape"`
			Offsets []int64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, nil, fmt.Errorf("tensor %q: %v", name, err)
		}
		bs, ok := dtypeSize[e.DType]
		if !ok {
			return nil, nil, fmt.Errorf("tensor %q: unknown dtype %q", name, e.DType)
		}
		if len(e.Offsets) != 2 || e.Offsets[0] < 0 || e.Offsets[1] < e.Offsets[0] || e.Offsets[1] > dataLen {
			return nil, nil, fmt.Errorf("tensor %q: data_offsets %v outside the file's %d data bytes", name, e.Offsets, dataLen)
		}
		elems := int64(1)
		shape := make([]int, len(e.Shape))
		for i, d := range e.Shape {
			if d < 0 || d > dataLen || (d > 0 && elems > dataLen/d) {
				return nil, nil, fmt.Errorf("tensor %q: shape %v does not fit the file", name, e.Shape)
			}
			elems *= d
			shape[i] = int(d)
		}
		if elems*int64(bs) != e.Offsets[1]-e.Offsets[0] {
			return nil, nil, fmt.Errorf("tensor %q: %s %v needs %d bytes, data_offsets give %d", name, e.DType, e.Shape, elems*int64(bs), e.Offsets[1]-e.Offsets[0])
		}
		out = append(out, SafetensorsTensor{Name: name, DType: e.DType, Shape: shape})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, meta, nil
}
