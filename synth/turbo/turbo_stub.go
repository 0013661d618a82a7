//go:build !(turbojpeg && cgo)

package turbo

import "image"

// Available reports whether the codec is compiled in.
const Available = false

// Version names the codec for plan records.
const Version = ""

// Codec is a placeholder without the turbojpeg build tag.
type Codec struct{}

// New returns ErrUnavailable.
func New() (*Codec, error) { return nil, ErrUnavailable }

// Close does nothing.
func (c *Codec) Close() {}

// Decode returns ErrUnavailable.
func (c *Codec) Decode(data []byte, minW, minH int) (*image.NRGBA, error) { return nil, ErrUnavailable }

// Encode returns ErrUnavailable.
func (c *Codec) Encode(img *image.NRGBA, quality int) ([]byte, error) { return nil, ErrUnavailable }
