//go:build turbojpeg && cgo

package turbo

/*
#cgo LDFLAGS: -lturbojpeg
#include <stdlib.h>
#include <turbojpeg.h>
*/
import "C"

import (
	"fmt"
	"image"
	"unsafe"
)

// Available reports whether the codec is compiled in.
const Available = true

// Version names the codec for plan records.
const Version = "libjpeg-turbo"

// Codec holds TurboJPEG handles; it is not safe for concurrent use (one per worker).
type Codec struct {
	dec, enc C.tjhandle
}

// New returns a codec; call Close when done.
func New() (*Codec, error) {
	c := &Codec{dec: C.tjInitDecompress(), enc: C.tjInitCompress()}
	if c.dec == nil || c.enc == nil {
		c.Close()
		return nil, fmt.Errorf("turbojpeg: init failed")
	}
	return c, nil
}

// Close frees the handles.
func (c *Codec) Close() {
	if c.dec != nil {
		C.tjDestroy(c.dec)
		c.dec = nil
	}
	if c.enc != nil {
		C.tjDestroy(c.enc)
		c.enc = nil
	}
}

func (c *Codec) errStr(h C.tjhandle) string { return C.GoString(C.tjGetErrorStr2(h)) }

// Decode decodes JPEG bytes to an opaque *image.NRGBA. With minW, minH > 0 libjpeg scales by
// the smallest N/8 factor that keeps the image at least minW x minH (never up).
func (c *Codec) Decode(data []byte, minW, minH int) (*image.NRGBA, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("turbojpeg: empty data")
	}
	src := (*C.uchar)(unsafe.Pointer(&data[0]))
	var w, h, sub, cs C.int
	if C.tjDecompressHeader3(c.dec, src, C.ulong(len(data)), &w, &h, &sub, &cs) != 0 {
		return nil, fmt.Errorf("turbojpeg: %s", c.errStr(c.dec))
	}
	if w <= 0 || h <= 0 || int64(w)*int64(h) > 1<<30 {
		return nil, fmt.Errorf("turbojpeg: header claims %dx%d", int(w), int(h))
	}
	ow, oh := int(w), int(h)
	if minW > 0 && minH > 0 {
		var n C.int
		sf := C.tjGetScalingFactors(&n)
		facs := unsafe.Slice(sf, int(n))
		for _, f := range facs {
			num, den := int(f.num), int(f.denom)
			if num > den {
				continue
			}
			sw, sh := (int(w)*num+den-1)/den, (int(h)*num+den-1)/den
			if sw >= minW && sh >= minH && sw*sh < ow*oh {
				ow, oh = sw, sh
			}
		}
	}
	img := image.NewNRGBA(image.Rect(0, 0, ow, oh))
	if C.tjDecompress2(c.dec, src, C.ulong(len(data)), (*C.uchar)(unsafe.Pointer(&img.Pix[0])), C.int(ow), C.int(img.Stride), C.int(oh), C.TJPF_RGBA, 0) != 0 {
		if C.tjGetErrorCode(c.dec) == C.TJERR_FATAL {
			return nil, fmt.Errorf("turbojpeg: %s", c.errStr(c.dec))
		}
	}
	return img, nil
}

// Encode encodes an opaque image as baseline JPEG, 4:2:0, the given quality (Pillow's defaults).
func (c *Codec) Encode(img *image.NRGBA, quality int) ([]byte, error) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	var buf *C.uchar
	var size C.ulong
	if C.tjCompress2(c.enc, (*C.uchar)(unsafe.Pointer(&img.Pix[0])), C.int(w), C.int(img.Stride), C.int(h), C.TJPF_RGBA,
		&buf, &size, C.TJSAMP_420, C.int(quality), 0) != 0 {
		if buf != nil {
			C.tjFree(buf)
		}
		return nil, fmt.Errorf("turbojpeg: %s", c.errStr(c.enc))
	}
	out := C.GoBytes(unsafe.Pointer(buf), C.int(size))
	C.tjFree(buf)
	return out, nil
}
