package preprocess

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"os"
	"testing"
)

func load(t *testing.T, name string) *image.NRGBA {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return ToRGB(img, img.Bounds())
}

// TestPillowParity compares with Pillow 9.4 Image.resize(..., BILINEAR) outputs made by
// testdata/ (see the README there): byte-identical.
func TestPillowParity(t *testing.T) {
	src := load(t, "src.png")
	for _, wh := range [][2]int{{32, 32}, {224, 224}, {40, 17}, {97, 20}, {13, 61}} {
		want := load(t, fmt.Sprintf("pil_%dx%d.png", wh[0], wh[1]))
		got := resize(src, wh[0], wh[1], image.Rect(0, 0, wh[0], wh[1]))
		if n := diff(got, want); n != 0 {
			t.Errorf("%dx%d: %d bytes differ from Pillow", wh[0], wh[1], n)
		}
	}
	want := load(t, "pil_shorter50_crop40.png")
	got, err := Apply(src, ShorterCrop, 40, 50, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := diff(got, want); n != 0 {
		t.Errorf("shorter_crop: %d bytes differ from Pillow + torchvision", n)
	}
}

func diff(a, b *image.NRGBA) int {
	if a.Rect != b.Rect {
		return -1
	}
	n := 0
	for i := range a.Pix {
		if a.Pix[i] != b.Pix[i] {
			n++
		}
	}
	return n
}

func TestApplyModes(t *testing.T) {
	src := load(t, "src.png") // 97x61
	for _, c := range []struct {
		mode          string
		size, shorter int
		bbox          *image.Rectangle
	}{
		{Resize, 224, 0, nil}, {Resize, 16, 0, nil}, {ShorterCrop, 50, 61, nil}, {ShorterCrop, 32, 40, nil},
		{BBoxCrop, 20, 0, &image.Rectangle{image.Pt(10, 5), image.Pt(50, 40)}},
		{BBoxCrop, 20, 0, &image.Rectangle{image.Pt(-10, -5), image.Pt(500, 400)}},
	} {
		a, err := Apply(src, c.mode, c.size, c.shorter, c.bbox)
		if err != nil {
			t.Fatal(c.mode, err)
		}
		b, _ := Apply(src, c.mode, c.size, c.shorter, c.bbox)
		if a.Rect != image.Rect(0, 0, c.size, c.size) || !bytes.Equal(a.Pix, b.Pix) {
			t.Fatalf("%s: rect %v or not deterministic", c.mode, a.Rect)
		}
		for i := 3; i < len(a.Pix); i += 4 {
			if a.Pix[i] != 255 {
				t.Fatal("not opaque")
			}
		}
	}
	// Full-image bbox == resize.
	full := src.Rect
	a, _ := Apply(src, BBoxCrop, 24, 0, &full)
	b, _ := Apply(src, Resize, 24, 0, nil)
	if !bytes.Equal(a.Pix, b.Pix) {
		t.Fatal("full bbox differs from resize")
	}
	// Identity resize returns the same pixels.
	sq := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	for i := range sq.Pix {
		sq.Pix[i] = uint8(i * 7)
	}
	for i := 3; i < len(sq.Pix); i += 4 {
		sq.Pix[i] = 255
	}
	id, _ := Apply(sq, Resize, 8, 0, nil)
	if !bytes.Equal(id.Pix, sq.Pix) {
		t.Fatal("identity resize changed pixels")
	}
	for _, bad := range []func() error{
		func() error { _, err := Apply(src, "zoom", 8, 0, nil); return err },
		func() error { _, err := Apply(src, Resize, 0, 0, nil); return err },
		func() error { _, err := Apply(src, ShorterCrop, 40, 30, nil); return err },
		func() error { _, err := Apply(src, BBoxCrop, 40, 0, nil); return err },
		func() error {
			r := image.Rect(200, 200, 300, 300)
			_, err := Apply(src, BBoxCrop, 40, 0, &r)
			return err
		},
		func() error { _, err := Apply(nil, Resize, 8, 0, nil); return err },
	} {
		if bad() == nil {
			t.Fatal("bad call accepted")
		}
	}
}

// TestBBoxCrop: an image whose box region is red and outside blue gives an all-red
// output; a box partly outside the image is clamped.
func TestBBoxCrop(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 60, 40))
	draw.Draw(img, img.Rect, image.NewUniform(color.RGBA{0, 0, 255, 255}), image.Point{}, draw.Src)
	box := image.Rect(10, 5, 30, 35)
	draw.Draw(img, box, image.NewUniform(color.RGBA{255, 0, 0, 255}), image.Point{}, draw.Src)
	out, err := Apply(img, BBoxCrop, 16, 0, &box)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(out.Pix); i += 4 {
		if out.Pix[i] != 255 || out.Pix[i+2] != 0 {
			t.Fatalf("pixel %d = %v", i/4, out.Pix[i:i+4])
		}
	}
	// Box extending past the right edge: clamped to x in 40..60, all blue.
	over := image.Rect(40, -10, 90, 50)
	out, _ = Apply(img, BBoxCrop, 16, 0, &over)
	for i := 0; i < len(out.Pix); i += 4 {
		if out.Pix[i+2] != 255 || out.Pix[i] != 0 {
			t.Fatalf("clamped pixel %d = %v", i/4, out.Pix[i:i+4])
		}
	}
}

// TestToRGBFastPaths compares every fast path with the generic color-model conversion.
func TestToRGBFastPaths(t *testing.T) {
	src := load(t, "src.png")
	var imgs []image.Image
	for _, q := range []int{75} {
		var b bytes.Buffer
		jpeg.Encode(&b, src, &jpeg.Options{Quality: q})
		j, _ := jpeg.Decode(&b)
		imgs = append(imgs, j)
	}
	for _, r := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410} {
		y := image.NewYCbCr(image.Rect(3, 5, 40, 31), r)
		for i := range y.Y {
			y.Y[i] = uint8(i * 13)
		}
		for i := range y.Cb {
			y.Cb[i], y.Cr[i] = uint8(i*7), uint8(255-i*3)
		}
		imgs = append(imgs, y)
	}
	g := image.NewGray(image.Rect(0, 0, 9, 7))
	g16 := image.NewGray16(image.Rect(0, 0, 9, 7))
	cm := image.NewCMYK(image.Rect(0, 0, 9, 7))
	rgba := image.NewRGBA(image.Rect(0, 0, 9, 7))
	nrgba := image.NewNRGBA(image.Rect(0, 0, 9, 7))
	pal := image.NewPaletted(image.Rect(0, 0, 9, 7), color.Palette{color.Black, color.RGBA{10, 200, 30, 255}, color.White})
	for i := range cm.Pix {
		cm.Pix[i] = uint8(i * 11)
		rgba.Pix[i] = uint8(i * 5)
		nrgba.Pix[i] = uint8(i * 3)
	}
	for i := 3; i < len(rgba.Pix); i += 4 {
		if rgba.Pix[i-1] > rgba.Pix[i] || rgba.Pix[i-2] > rgba.Pix[i] || rgba.Pix[i-3] > rgba.Pix[i] {
			rgba.Pix[i] = 255 // keep premultiplied values valid
		}
	}
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 9)
		pal.Pix[i] = uint8(i % 3)
	}
	for i := range g16.Pix {
		g16.Pix[i] = uint8(i * 17)
	}
	imgs = append(imgs, g, g16, cm, rgba, nrgba, pal)
	for _, img := range imgs {
		for _, r := range []image.Rectangle{img.Bounds(), img.Bounds().Inset(2)} {
			fast := ToRGB(img, r)
			slow := ToRGB(struct{ image.Image }{img}, r) // hides the concrete type
			if n := diff(fast, slow); n != 0 {
				t.Errorf("%T %v: %d bytes differ from the generic path", img, r, n)
			}
		}
	}
}

func BenchmarkApplyResize224(b *testing.B) {
	src := image.NewYCbCr(image.Rect(0, 0, 500, 375), image.YCbCrSubsampleRatio420)
	for i := range src.Y {
		src.Y[i] = uint8(i)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Apply(src, Resize, 224, 0, nil)
	}
}

func BenchmarkApplyShorterCrop(b *testing.B) {
	src := image.NewYCbCr(image.Rect(0, 0, 500, 375), image.YCbCrSubsampleRatio420)
	for i := range src.Y {
		src.Y[i] = uint8(i)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Apply(src, ShorterCrop, 224, 256, nil)
	}
}
