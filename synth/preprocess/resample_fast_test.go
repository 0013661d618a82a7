package preprocess

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"image/jpeg"
)

// refApply is Apply as it was before the fast paths: a full ToRGB copy, then refResize.
func refApply(img image.Image, mode string, size, shorter int, bbox *image.Rectangle) *image.NRGBA {
	b := img.Bounds()
	switch mode {
	case Resize:
		return refResize(refToRGB(img, b), size, size, image.Rect(0, 0, size, size))
	case BBoxCrop:
		r := bbox.Canon().Intersect(b)
		return refResize(refToRGB(img, r), size, size, image.Rect(0, 0, size, size))
	}
	w, h := b.Dx(), b.Dy()
	ow, oh := shorterSides(w, h, shorter)
	left := int(math.RoundToEven(float64(ow-size) / 2))
	top := int(math.RoundToEven(float64(oh-size) / 2))
	return refResize(refToRGB(img, b), ow, oh, image.Rect(left, top, left+size, top+size))
}

func randNRGBA(r *rand.Rand, w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	return img
}

// TestResizeMatchesReference: the unrolled, row-wise resampler gives the bytes of the
// reference (the straightforward port of Pillow) for up- and downscales of many ratios,
// extreme pixel values and arbitrary windows.
func TestResizeMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for it := 0; it < 400; it++ {
		w, h := 1+r.IntN(120), 1+r.IntN(120)
		if it%10 == 0 {
			w, h = 300+r.IntN(300), 300+r.IntN(300)
		}
		src := randNRGBA(r, w, h)
		if it%7 == 0 { // saturated pixels exercise the clipping
			for i := range src.Pix {
				src.Pix[i] = uint8(255 * r.IntN(2))
			}
		}
		ow, oh := 1+r.IntN(2*w+2), 1+r.IntN(2*h+2)
		switch it % 5 {
		case 0:
			ow = w
		case 1:
			oh = h
		case 2:
			ow, oh = 224, 224
		}
		win := image.Rect(0, 0, ow, oh)
		if it%3 == 0 {
			x0, y0 := r.IntN(ow), r.IntN(oh)
			win = image.Rect(x0, y0, x0+1+r.IntN(ow-x0), y0+1+r.IntN(oh-y0))
		}
		got, want := resize(src, ow, oh, win), refResize(src, ow, oh, win)
		if got.Rect != want.Rect || !bytes.Equal(got.Pix, want.Pix) {
			t.Fatalf("%dx%d -> %dx%d window %v: differs from the reference (%d bytes)", w, h, ow, oh, win, diff(got, want))
		}
	}
}

// TestApplyMatchesReference: Apply (rows converted on the fly, NRGBA read in place) gives
// the bytes of ToRGB + the reference resampler for every source type and mode.
func TestApplyMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var imgs []image.Image
	base := randNRGBA(r, 173, 131)
	for _, q := range []int{60, 95} {
		var b bytes.Buffer
		jpeg.Encode(&b, base, &jpeg.Options{Quality: q})
		j, _ := jpeg.Decode(&b)
		imgs = append(imgs, j)
	}
	for _, sr := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410} {
		for _, rect := range []image.Rectangle{image.Rect(0, 0, 97, 83), image.Rect(3, 5, 140, 91)} {
			y := image.NewYCbCr(rect, sr)
			for i := range y.Y {
				y.Y[i] = uint8(r.IntN(256))
			}
			for i := range y.Cb {
				y.Cb[i], y.Cr[i] = uint8(r.IntN(256)), uint8(r.IntN(256))
			}
			imgs = append(imgs, y)
		}
	}
	nr := randNRGBA(r, 90, 70)
	for i := 3; i < len(nr.Pix); i += 8 {
		nr.Pix[i] = uint8(r.IntN(256)) // alpha is dropped
	}
	sub := nr.SubImage(image.Rect(7, 9, 80, 66)).(*image.NRGBA)
	rgba := image.NewRGBA(image.Rect(2, 1, 80, 60))
	for i := 0; i < len(rgba.Pix); i += 4 {
		a := uint8(r.IntN(256))
		if i%12 == 0 {
			a = 255
		}
		rgba.Pix[i+3] = a
		for c := 0; c < 3; c++ {
			rgba.Pix[i+c] = uint8(r.IntN(int(a) + 1))
		}
	}
	gray := image.NewGray(image.Rect(0, 0, 77, 50))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(r.IntN(256))
	}
	pal := image.NewPaletted(image.Rect(0, 0, 60, 61), color.Palette{color.Black, color.RGBA{10, 200, 30, 255}, color.White})
	for i := range pal.Pix {
		pal.Pix[i] = uint8(r.IntN(3))
	}
	imgs = append(imgs, nr, sub, rgba, gray, pal, struct{ image.Image }{base})
	if dir := os.Getenv("OCCBENCH_PHOTOS"); dir != "" {
		names, _ := filepath.Glob(filepath.Join(dir, "*.jpg"))
		for _, n := range names {
			data, err := os.ReadFile(n)
			if err != nil {
				t.Fatal(err)
			}
			img, err := jpeg.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			imgs = append(imgs, img)
		}
	}
	for i, img := range imgs {
		b := img.Bounds()
		for _, r := range []image.Rectangle{b, b.Inset(3)} {
			if got, want := ToRGB(img, r), refToRGB(img, r); !bytes.Equal(got.Pix, want.Pix) {
				t.Fatalf("image %d (%T %v) ToRGB %v: %d bytes differ from the reference", i, img, b, r, diff(got, want))
			}
		}
		box := image.Rect(b.Min.X+3, b.Min.Y+2, b.Max.X-5, b.Max.Y-1)
		for _, c := range []struct {
			mode          string
			size, shorter int
			bbox          *image.Rectangle
		}{{Resize, 224, 0, nil}, {Resize, 37, 0, nil}, {ShorterCrop, 40, 52, nil}, {ShorterCrop, 224, 256, nil}, {BBoxCrop, 31, 0, &box}} {
			got, err := Apply(img, c.mode, c.size, c.shorter, c.bbox)
			if err != nil {
				t.Fatal(err)
			}
			want := refApply(img, c.mode, c.size, c.shorter, c.bbox)
			if !bytes.Equal(got.Pix, want.Pix) || got.Rect != want.Rect {
				t.Fatalf("image %d (%T %v) %s %d: %d bytes differ from the reference", i, img, b, c.mode, c.size, diff(got, want))
			}
		}
	}
}

func benchResize(b *testing.B, f func(*image.NRGBA, int, int, image.Rectangle) *image.NRGBA) {
	r := rand.New(rand.NewPCG(1, 1))
	srcs := []*image.NRGBA{randNRGBA(r, 500, 375), randNRGBA(r, 317, 433), randNRGBA(r, 401, 301)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f(srcs[i%3], 224, 224, image.Rect(0, 0, 224, 224))
	}
}

func BenchmarkResizeFast(b *testing.B) { benchResize(b, resize) }
func BenchmarkResizeRef(b *testing.B)  { benchResize(b, refResize) }
