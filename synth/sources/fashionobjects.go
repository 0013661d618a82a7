package sources

import (
	"fmt"
	"image"
	"slices"
	"strconv"
	"strings"

	"github.com/occbench/occbench/internal/keyed"
)

// LayoutFashionMNISTObjects is Fashion-MNIST (as LayoutFashionMNIST, same root) plus
// BuiltinOptions.Classes extra "object" classes (object-circle, object-square, ... the first
// N of BuiltinShapes), BuiltinOptions.PerClass images each: a Fashion-MNIST training image
// (keyed pick, any class) with one coloured procedural shape of the class pasted on it at a
// keyed position, size and rotation. Pretraining on these classes teaches a network that a
// pasted foreground object is evidence, as an ImageNet network treats real objects (the
// premise-positive miniature, docs/premise.md). Attrs["split"] = train (first 80% of each
// object class) | test; Decode returns 28x28 (Gray for Fashion-MNIST items, NRGBA for
// object items).
const LayoutFashionMNISTObjects = "fashion-mnist-objects"

type fashionObjects struct {
	fm      *fashionSource
	opt     BuiltinOptions
	classes []string
	items   []Item
}

func openFashionObjects(root string, opt Options) (Source, error) {
	o := opt.Builtin
	if o.Classes < 2 || o.Classes > len(BuiltinShapes) {
		return nil, fmt.Errorf("%s: %d object classes, want 2..%d", LayoutFashionMNISTObjects, o.Classes, len(BuiltinShapes))
	}
	if o.PerClass < 1 || o.PerClass > 100000 {
		return nil, fmt.Errorf("%s: %d images per object class, want 1..100000", LayoutFashionMNISTObjects, o.PerClass)
	}
	src, err := openFashionMNIST(root, opt)
	if err != nil {
		return nil, err
	}
	s := &fashionObjects{fm: src.(*fashionSource), opt: o, classes: slices.Clone(FashionMNISTClasses)}
	s.items = s.fm.Items()
	train, test := map[string]string{"split": "train"}, map[string]string{"split": "test"}
	ntrain := BuiltinTrain(o.PerClass)
	for c := 0; c < o.Classes; c++ {
		name := "object-" + BuiltinShapes[c]
		s.classes = append(s.classes, name)
		for i := 0; i < o.PerClass; i++ {
			a := train
			if i >= ntrain {
				a = test
			}
			s.items = append(s.items, Item{ID: fmt.Sprintf("object/%s/%05d", BuiltinShapes[c], i), Class: name, Attrs: a})
		}
	}
	sortItems(s.items)
	return s, nil
}

func (s *fashionObjects) Layout() string    { return LayoutFashionMNISTObjects }
func (s *fashionObjects) Classes() []string { return slices.Clone(s.classes) }
func (s *fashionObjects) Items() []Item     { return slices.Clone(s.items) }

// Decode returns a Fashion-MNIST item as it is, or renders an object item.
func (s *fashionObjects) Decode(it Item) (image.Image, error) {
	if !strings.HasPrefix(it.ID, "object/") {
		return s.fm.Decode(it)
	}
	parts := strings.Split(it.ID, "/")
	var c, i int = -1, -1
	if len(parts) == 3 {
		c = slices.Index(BuiltinShapes[:s.opt.Classes], parts[1])
		if n, err := strconv.Atoi(parts[2]); err == nil && n >= 0 && n < s.opt.PerClass {
			i = n
		}
	}
	if c < 0 || i < 0 {
		return nil, fmt.Errorf("%s: item %q is not in this dataset", LayoutFashionMNISTObjects, it.ID)
	}
	return s.renderObject(c, i)
}

// renderObject pastes shape c on a keyed Fashion-MNIST training image: a saturated colour
// (one channel high, one low), radius 16-30% of the side (the shape covers roughly 5-25% of
// the image, like the 10%/20% occluders), centre anywhere that keeps it mostly inside, a
// keyed rotation, and a flat shade with a lighter rim so the edge is visible on any
// background.
func (s *fashionObjects) renderObject(c, i int) (*image.NRGBA, error) {
	r := keyed.Rand(s.opt.Seed, "fashion-objects", BuiltinShapes[c], strconv.Itoa(i))
	sp := s.fm.splits["train"]
	bgIdx := r.IntN(len(sp.labels))
	w, h := sp.w, sp.h
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	n := w * h
	for p, v := range sp.pixels[bgIdx*n : (bgIdx+1)*n] {
		img.Pix[4*p], img.Pix[4*p+1], img.Pix[4*p+2], img.Pix[4*p+3] = v, v, v, 255
	}
	col := [3]int{40 + r.IntN(60), 40 + r.IntN(60), 40 + r.IntN(60)}
	col[r.IntN(3)] = 200 + r.IntN(56)
	rim := [3]int{(col[0] + 255) / 2, (col[1] + 255) / 2, (col[2] + 255) / 2}
	fs := float64(min(w, h))
	rad := mul(fs, 0.16+r.Float64()*0.14)
	cx := rad*0.6 + r.Float64()*(float64(w)-1.2*rad)
	cy := rad*0.6 + r.Float64()*(float64(h)-1.2*rad)
	t := r.Float64()*2 - 1
	den := 1 + mul(t, t)
	cosA, sinA := (1-mul(t, t))/den, (2*t)/den
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := (float64(x)+0.5-cx)/rad, (float64(y)+0.5-cy)/rad
			u, v := mul(dx, cosA)+mul(dy, sinA), mul(dy, cosA)-mul(dx, sinA)
			if !inShape(c, u, v) {
				continue
			}
			fill := col
			if !inShape(c, mul(u, 1.25), mul(v, 1.25)) {
				fill = rim
			}
			o := 4 * (y*w + x)
			img.Pix[o], img.Pix[o+1], img.Pix[o+2] = uint8(fill[0]), uint8(fill[1]), uint8(fill[2])
		}
	}
	return img, nil
}
