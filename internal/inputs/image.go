package inputs

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // register GIF
	"image/jpeg"
	_ "image/png" // register PNG
	"io"
	"strings"

	_ "golang.org/x/image/bmp"  // register BMP (AR faces)
	_ "golang.org/x/image/webp" // register WebP
)

// ErrTooLarge is wrapped by decoding errors for images whose header claims more pixels
// than allowed.
var ErrTooLarge = errors.New("image too large")

// DecodeImage decodes an encoded image after checking its header: the format must be one
// of formats ("png", "jpeg", "gif", "bmp", "webp"; none given: any of them), the size
// positive and width x height at most maxPixels (<= 0: MaxPixels), all before a pixel is
// decoded. A 4-component JPEG without an Adobe APP14 marker is read as CMYK stored the
// Adobe way (inverted), as Pillow reads it (its JpegImagePlugin decodes every CMYK JPEG
// with rawmode "CMYK;I", "assume adobe conventions"); Go's image/jpeg refuses it. Errors
// do not name a file (callers add it) and never come from a panic.
func DecodeImage(data []byte, maxPixels int, formats ...string) (img image.Image, format string, err error) {
	if maxPixels <= 0 {
		maxPixels = MaxPixels
	}
	if len(data) == 0 {
		return nil, "", errors.New("empty file (0 bytes)")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, "", fmt.Errorf("not a recognised image (%s): %w", want(formats), err)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, format, fmt.Errorf("truncated %s header: %w", format, err)
		}
		return nil, format, fmt.Errorf("bad %s header: %w", format, err)
	}
	if len(formats) > 0 && !contains(formats, format) {
		return nil, format, fmt.Errorf("a %s image, not %s", strings.ToUpper(format), want(formats))
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, format, fmt.Errorf("%s header claims an empty image (%dx%d)", format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels) {
		return nil, format, fmt.Errorf("%w: %s header claims %dx%d = %d pixels, more than the limit of %d",
			ErrTooLarge, format, cfg.Width, cfg.Height, int64(cfg.Width)*int64(cfg.Height), maxPixels)
	}
	// Decoders in the standard library are not supposed to panic, but a corrupt file
	// must never take the whole run down.
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("%s decoder panicked: %v", format, r)
		}
	}()
	img, _, err = image.Decode(bytes.NewReader(data))
	var ue jpeg.UnsupportedError
	if format == "jpeg" && errors.As(err, &ue) && strings.Contains(string(ue), "Adobe APP14") {
		img, err = jpeg.Decode(bytes.NewReader(withAdobeCMYK(data)))
	}
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, format, fmt.Errorf("truncated or corrupt %s data: %w", format, err)
		}
		return nil, format, fmt.Errorf("corrupt %s data: %w", format, err)
	}
	b := img.Bounds()
	if b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, format, fmt.Errorf("%s decoded to %dx%d but its header says %dx%d", format, b.Dx(), b.Dy(), cfg.Width, cfg.Height)
	}
	return img, format, nil
}

// adobeCMYK is an Adobe APP14 segment saying "transform 0": CMYK stored inverted, no
// YCCK transform (what Photoshop and Pillow write for CMYK).
var adobeCMYK = []byte{0xFF, 0xEE, 0x00, 0x0E, 'A', 'd', 'o', 'b', 'e', 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00}

// withAdobeCMYK inserts adobeCMYK right after the JPEG's SOI marker.
func withAdobeCMYK(data []byte) []byte {
	out := make([]byte, 0, len(data)+len(adobeCMYK))
	out = append(out, data[:2]...)
	out = append(out, adobeCMYK...)
	return append(out, data[2:]...)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func want(formats []string) string {
	if len(formats) == 0 {
		return "JPEG, PNG, GIF, BMP, WebP"
	}
	return strings.ToUpper(strings.Join(formats, ", "))
}
