package sources

import (
	"bytes"
	"fmt"
	"image"
	"strconv"
	"strings"
	"testing"
)

func TestBuiltinAR(t *testing.T) {
	src, err := Open(LayoutBuiltinAR, "", Options{Builtin: BuiltinOptions{Subjects: 3, Size: 32, Seed: 9}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(src.Classes(), ","); got != "M-001,M-002,M-003,W-001,W-002,W-003" {
		t.Fatalf("classes %s", got)
	}
	items := src.Items()
	if len(items) != 6*26 {
		t.Fatalf("%d items, want %d", len(items), 6*26)
	}
	byID := map[string]Item{}
	for _, it := range items {
		byID[it.ID] = it
		idx, _ := strconv.Atoi(it.Attrs["index"])
		session, occ, neutral := ARAttrs(idx)
		if it.Attrs["session"] != strconv.Itoa(session) || it.Attrs["occlusion"] != occ ||
			it.Attrs["neutral"] != strconv.FormatBool(neutral) || it.Attrs["subject"] != it.Class ||
			it.ID != fmt.Sprintf("%s-%02d", it.Class, idx) {
			t.Errorf("item %s: attrs %v", it.ID, it.Attrs)
		}
	}
	decode := func(id string) *image.NRGBA {
		t.Helper()
		img, err := src.Decode(byID[id])
		if err != nil {
			t.Fatal(err)
		}
		return img.(*image.NRGBA)
	}
	// Deterministic, and a fresh source with the same seed renders the same pixels.
	again, _ := Open(LayoutBuiltinAR, "", Options{Builtin: BuiltinOptions{Subjects: 3, Size: 32, Seed: 9}})
	a, _ := again.Decode(byID["W-002-09"])
	if !bytes.Equal(decode("W-002-09").Pix, a.(*image.NRGBA).Pix) {
		t.Error("two renderings of W-002-09 differ")
	}
	// Sunglasses darken the lens centres; the scarf changes the bottom rows; a subject's
	// clean images are closer to each other than to another subject's.
	lens := func(img *image.NRGBA) int {
		o := img.PixOffset(32*32/100, 32*38/100)
		return int(img.Pix[o]) + int(img.Pix[o+1]) + int(img.Pix[o+2])
	}
	if l := lens(decode("M-001-08")); l > 3*60 {
		t.Errorf("M-001-08 (sunglasses): lens pixel sum %d, want dark", l)
	}
	dist := func(a, b *image.NRGBA, y0, y1 int) int {
		d := 0
		for i := y0 * a.Stride; i < y1*a.Stride; i++ {
			v := int(a.Pix[i]) - int(b.Pix[i])
			d += v * v
		}
		return d
	}
	if dist(decode("M-001-01"), decode("M-001-02"), 0, 32) >= dist(decode("M-001-01"), decode("M-002-01"), 0, 32) {
		t.Error("images of one subject are not closer than images of two subjects")
	}
	if dist(decode("M-001-01"), decode("M-001-11"), 26, 32) <= dist(decode("M-001-01"), decode("M-001-02"), 26, 32) {
		t.Error("the scarf does not change the bottom rows")
	}
	for _, bad := range []string{"M-004-01", "X-001-01", "M-001-27", "M-01-01"} {
		if _, err := src.Decode(Item{ID: bad}); err == nil {
			t.Errorf("Decode(%s) accepted", bad)
		}
	}
	if _, err := Open(LayoutBuiltinAR, "", Options{Builtin: BuiltinOptions{Subjects: 501}}); err == nil {
		t.Error("501 subjects accepted")
	}
}
