package matv5

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"strings"
	"testing"
)

// bombFile is a MAT file whose one compressed element inflates to a 1 x n uint8 array of
// zeros.
func bombFile(n int) []byte {
	le := binary.LittleEndian
	var m []byte
	for _, w := range []uint32{miMATRIX, uint32(48 + n), miUINT32, 8, 9, 0, miINT32, 8, 1, uint32(n), miINT8, 0, miUINT8, uint32(n)} {
		m = le.AppendUint32(m, w)
	}
	m = append(m, make([]byte, n)...) // n is a multiple of 8 here
	var zb bytes.Buffer
	zw := zlib.NewWriter(&zb)
	zw.Write(m)
	zw.Close()
	out := make([]byte, 128, 128+8+zb.Len())
	binary.LittleEndian.PutUint16(out[124:], 0x0100)
	copy(out[126:], "IM")
	out = binary.LittleEndian.AppendUint32(out, miCOMPRESSED)
	out = binary.LittleEndian.AppendUint32(out, uint32(zb.Len()))
	return append(out, zb.Bytes()...)
}

func TestInflateLimits(t *testing.T) {
	// Zeros inflate to well-formed (if empty) elements: within the bounds they are read.
	if vars, err := Read(bombFile(2 << 20)); err != nil || len(vars[0].Num) != 2<<20 {
		t.Fatalf("2 MiB inflate in a 2 KiB file: %v", err)
	}
	// The absolute cap.
	defer func(old int) { maxInflate = old }(maxInflate)
	maxInflate = 1 << 20
	if _, err := Read(bombFile(2 << 20)); err == nil || !strings.Contains(err.Error(), "compressed elements inflate to more than 1048576 bytes") {
		t.Fatalf("cap: %v", err)
	}
	maxInflate = 1 << 30
	// The ratio: 64 MiB of zeros deflate about 1029:1, beyond the 1024:1 allowed.
	if testing.Short() {
		return
	}
	data := bombFile(64 << 20)
	if _, err := Read(data); err == nil || !strings.Contains(err.Error(), "inflate to more than") {
		t.Fatalf("ratio (%d input bytes): %v", len(data), err)
	}
}
