package sources

import (
	"fmt"
	"image"

	"github.com/occbench/occbench/internal/inputs"
)

// ErrTooLarge is wrapped by decoding errors for images whose header claims more pixels
// than allowed.
var ErrTooLarge = inputs.ErrTooLarge

// DecodeFile decodes the image file at path, whatever its format (JPEG, PNG, GIF, BMP,
// WebP; the format is sniffed from the content, not the extension, because some
// ILSVRC ".JPEG" files are PNG or CMYK JPEG). The file must be a regular file of at most
// 256 MiB, and the header is checked first: an image that claims more than maxPixels
// pixels (<= 0: DefaultMaxPixels) is refused before its pixels are decoded. Errors name
// the file. The rules are internal/inputs', shared by every image occbench reads.
func DecodeFile(path string, maxPixels int) (image.Image, error) {
	data, err := inputs.ReadFile(path, inputs.SourceImage)
	if err != nil {
		return nil, err // names the file
	}
	img, err := DecodeBytes(data, maxPixels)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

// DecodeBytes is DecodeFile on an in-memory encoded image; errors do not name a file. A
// 4-component JPEG without an Adobe marker is read as Pillow reads it (inputs.DecodeImage).
func DecodeBytes(data []byte, maxPixels int) (image.Image, error) {
	img, _, err := inputs.DecodeImage(data, maxPixels)
	return img, err
}
