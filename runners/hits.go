package runners

import (
	"encoding/base64"
	"fmt"
)

// Per-image results (the verdict issue): a Count may carry Hits, which test images were
// classified correctly. The encoding is shared by both runners and by the reports:
//
//   - bit i is image i of the evaluated split, in shard row order (the order both runners
//     read a split in: shard files in name order, rows in file order);
//   - bits are packed LSB-first into bytes (image 0 is bit 0 of byte 0, image 8 bit 0 of
//     byte 1), the last byte padded with zero bits;
//   - the bytes are written as standard base64 with padding (RFC 4648 section 4).
//
// Table 6 (45,000 images x 240 patterns x 4 models) is 5.6 KB per pattern before base64.

// EncodeHits packs one bit per image, LSB-first, and returns it as standard base64.
func EncodeHits(correct []bool) string {
	buf := make([]byte, (len(correct)+7)/8)
	for i, c := range correct {
		if c {
			buf[i/8] |= 1 << (i % 8)
		}
	}
	return base64.StdEncoding.EncodeToString(buf)
}

// DecodeHits unpacks n images' bits. The length must be exactly ceil(n/8) bytes and the
// padding bits zero, so a Hits string of another split (or a truncated one) is refused.
func DecodeHits(s string, n int) ([]bool, error) {
	buf, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("hits: %w", err)
	}
	if n < 0 || len(buf) != (n+7)/8 {
		return nil, fmt.Errorf("hits: %d bytes for %d images, want %d", len(buf), n, (n+7)/8)
	}
	out := make([]bool, n)
	for i := range out {
		out[i] = buf[i/8]&(1<<(i%8)) != 0
	}
	if n%8 != 0 && buf[len(buf)-1]>>(n%8) != 0 {
		return nil, fmt.Errorf("hits: padding bits after image %d are set", n-1)
	}
	return out, nil
}
