//go:build turbojpeg && cgo

package turbo

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"
)

func TestRoundTripAndScaling(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	src := image.NewNRGBA(image.Rect(0, 0, 400, 300))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7)
		if i%4 == 3 {
			src.Pix[i] = 255
		}
	}
	data, err := c.Encode(src, 90)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
		t.Fatalf("the standard decoder rejects turbo's JPEG: %v", err)
	}
	full, err := c.Decode(data, 0, 0)
	if err != nil || full.Rect.Dx() != 400 || full.Rect.Dy() != 300 {
		t.Fatalf("full decode %v %v", full.Rect, err)
	}
	small, err := c.Decode(data, 224, 224)
	if err != nil || small.Rect.Dx() < 224 || small.Rect.Dy() < 224 || small.Rect.Dx() >= 400 {
		t.Fatalf("scaled decode %v %v", small.Rect, err)
	}
	if small.Pix[3] != 255 {
		t.Error("alpha not opaque")
	}
	if _, err := c.Decode([]byte{0xff, 0xd8, 0, 1}, 0, 0); err == nil {
		t.Error("garbage decoded")
	}
}
