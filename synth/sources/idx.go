package sources

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// IDX is a parsed IDX file (the MNIST / Fashion-MNIST format) of unsigned bytes.
type IDX struct {
	Dims []int  // dimensions, outermost first (e.g. 60000, 28, 28)
	Data []byte // the values, row-major
}

// maxIDXBytes caps the payload of an IDX file (and of its gunzipped form).
const maxIDXBytes = 1 << 30

// ParseIDX parses an IDX file of unsigned bytes (type 0x08): magic 0x00 0x00 0x08 n,
// n big-endian uint32 dimensions, then exactly prod(dims) bytes.
func ParseIDX(data []byte) (*IDX, error) {
	if len(data) < 4 {
		return nil, fmt.Errorf("IDX: %d bytes, shorter than the 4-byte magic", len(data))
	}
	if data[0] != 0 || data[1] != 0 {
		return nil, fmt.Errorf("IDX: bad magic % x (want 00 00 08 nn)", data[:4])
	}
	if data[2] != 0x08 {
		return nil, fmt.Errorf("IDX: element type 0x%02x is not supported (only 0x08, unsigned byte)", data[2])
	}
	n := int(data[3])
	if n == 0 {
		return nil, errors.New("IDX: zero dimensions")
	}
	if len(data) < 4+4*n {
		return nil, fmt.Errorf("IDX: truncated header: %d dimensions need %d bytes, file has %d", n, 4+4*n, len(data))
	}
	dims := make([]int, n)
	total := uint64(1)
	for i := range dims {
		d := binary.BigEndian.Uint32(data[4+4*i:])
		dims[i] = int(d)
		total *= uint64(d)
		if total > maxIDXBytes {
			return nil, fmt.Errorf("IDX: dimensions %v exceed %d bytes", dims[:i+1], maxIDXBytes)
		}
	}
	body := data[4+4*n:]
	if uint64(len(body)) != total {
		return nil, fmt.Errorf("IDX: dimensions %v need %d bytes of data, file has %d", dims, total, len(body))
	}
	return &IDX{Dims: dims, Data: body}, nil
}

// ReadIDXFile reads an IDX file, gunzipping it when it starts with the gzip magic.
func ReadIDXFile(path string) (*IDX, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		raw, err := io.ReadAll(io.LimitReader(zr, maxIDXBytes+1<<16))
		if err != nil {
			return nil, fmt.Errorf("%s: corrupt gzip: %w", path, err)
		}
		data = raw
	}
	idx, err := ParseIDX(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return idx, nil
}
