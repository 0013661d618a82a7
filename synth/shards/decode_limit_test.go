package shards

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"strings"
	"testing"
)

// TestDecodeImageHeaderLimit: a shard row whose PNG claims 16000 x 16000 pixels is
// refused from its header, before any pixel buffer is allocated (#11).
func TestDecodeImageHeaderLimit(t *testing.T) {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, 1, 1)))
	b := buf.Bytes()
	binary.BigEndian.PutUint32(b[16:], 16000)
	binary.BigEndian.PutUint32(b[20:], 16000)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	if _, err := DecodeImage(b); err == nil || !strings.Contains(err.Error(), "more than the limit of 50000000") {
		t.Fatalf("%v", err)
	}
}
