// Package turbo is an optional JPEG codec through libjpeg-turbo's TurboJPEG API (cgo),
// compiled only with the build tag `turbojpeg` (Debian: apt-get install libturbojpeg0-dev;
// go build -tags turbojpeg ./cmd/bench). Without the tag, Available is false and every
// function returns ErrUnavailable, so the project builds and tests with no C toolchain.
//
// Decoding at full scale uses libjpeg's accurate integer IDCT and fancy upsampling, the
// same as Pillow; Decode can also let libjpeg scale by N/8 while decoding (DCT scaling),
// never below the requested size, so a following bilinear resize still low-passes.
// The bytes differ from Go's image/jpeg, so the engine records the codec in the plan.
package turbo

import "errors"

// ErrUnavailable is returned when the binary was built without the turbojpeg tag.
var ErrUnavailable = errors.New("libjpeg-turbo codec not compiled in (build with -tags turbojpeg)")
