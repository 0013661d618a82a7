package sources

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // register GIF
	_ "image/jpeg" // register JPEG
	_ "image/png"  // register PNG
	"io"
	"os"

	_ "golang.org/x/image/bmp"  // register BMP (AR faces)
	_ "golang.org/x/image/webp" // register WebP
)

// ErrTooLarge is wrapped by decoding errors for images whose header claims more pixels
// than allowed.
var ErrTooLarge = errors.New("image too large")

// DecodeFile decodes the image file at path, whatever its format (JPEG, PNG, GIF, BMP,
// WebP; the format is sniffed from the content, not the extension, because some
// ILSVRC ".JPEG" files are PNG or CMYK JPEG). The header is checked first: an image
// that claims more than maxPixels pixels (<= 0: DefaultMaxPixels) is refused before
// its pixels are decoded. Errors name the file.
func DecodeFile(path string, maxPixels int) (image.Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err // *PathError names the file
	}
	img, err := DecodeBytes(data, maxPixels)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

// DecodeBytes is DecodeFile on an in-memory encoded image; errors do not name a file.
func DecodeBytes(data []byte, maxPixels int) (img image.Image, err error) {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	if len(data) == 0 {
		return nil, errors.New("empty file (0 bytes)")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, fmt.Errorf("not a recognised image (JPEG, PNG, GIF, BMP, WebP): %w", err)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("truncated %s header: %w", format, err)
		}
		return nil, fmt.Errorf("bad %s header: %w", format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%s header claims an empty image (%dx%d)", format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels) {
		return nil, fmt.Errorf("%w: %s header claims %dx%d = %d pixels, more than the limit of %d",
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
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("truncated or corrupt %s data: %w", format, err)
		}
		return nil, fmt.Errorf("corrupt %s data: %w", format, err)
	}
	b := img.Bounds()
	if b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, fmt.Errorf("%s decoded to %dx%d but its header says %dx%d", format, b.Dx(), b.Dy(), cfg.Width, cfg.Height)
	}
	return img, nil
}
