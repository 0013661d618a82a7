package sources

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFashionObjects checks the premise-positive miniature's source on fake IDX files: the
// object classes follow Fashion-MNIST's, their items split 80/20, an object image is its
// keyed background with a saturated shape pasted on it (same bytes on every decode, other
// bytes for another seed), and bad ids and options are errors.
func TestFashionObjects(t *testing.T) {
	root := t.TempDir()
	for name, b := range fakeFashionFiles(40, 10) {
		if err := os.WriteFile(filepath.Join(root, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	open := func(seed uint64) Source {
		t.Helper()
		s, err := Open(LayoutFashionMNISTObjects, root, Options{Builtin: BuiltinOptions{Classes: 3, PerClass: 10, Seed: seed}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open(5)
	cl := s.Classes()
	if len(cl) != 13 || cl[9] != "Ankle boot" || cl[10] != "object-circle" || cl[12] != "object-triangle" {
		t.Fatalf("classes %v", cl)
	}
	var obj []Item
	for _, it := range s.Items() {
		if strings.HasPrefix(it.Class, "object-") {
			obj = append(obj, it)
		}
	}
	if len(obj) != 30 {
		t.Fatalf("%d object items, want 30", len(obj))
	}
	train := 0
	for _, it := range obj {
		if it.Attrs["split"] == "train" {
			train++
		}
	}
	if train != 24 {
		t.Errorf("%d object items in train, want 24 (80%%)", train)
	}
	a, err := s.Decode(obj[0])
	if err != nil {
		t.Fatal(err)
	}
	img := a.(*image.NRGBA)
	colored := 0
	for p := 0; p < len(img.Pix); p += 4 {
		r, g, b := int(img.Pix[p]), int(img.Pix[p+1]), int(img.Pix[p+2])
		if max(r, g, b)-min(r, g, b) >= 100 { // the background is gray: only the shape has colour
			colored++
		}
	}
	if frac := float64(colored) / float64(28*28); frac < 0.03 || frac > 0.4 {
		t.Errorf("the pasted shape covers %.1f%% of the image, want 3-40%%", 100*frac)
	}
	again, _ := open(5).Decode(obj[0])
	other, _ := open(6).Decode(obj[0])
	if !bytes.Equal(img.Pix, again.(*image.NRGBA).Pix) || bytes.Equal(img.Pix, other.(*image.NRGBA).Pix) {
		t.Error("object images must be a function of the seed and the item")
	}
	for _, id := range []string{"object/circle/00010", "object/heart/00000", "object/circle/x"} {
		if _, err := s.Decode(Item{ID: id}); err == nil {
			t.Errorf("item %s decoded", id)
		}
	}
	if _, err := Open(LayoutFashionMNISTObjects, root, Options{Builtin: BuiltinOptions{Classes: 11, PerClass: 1}}); err == nil {
		t.Error("11 object classes accepted")
	}
}
