package sources

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// DefaultFashionMNISTRoot is where Debian's dataset-fashion-mnist package installs the data.
const DefaultFashionMNISTRoot = "/usr/share/datasets/fashion-mnist"

// FashionMNISTClasses are the 10 standard Fashion-MNIST class names, in label order.
var FashionMNISTClasses = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// FashionMNISTFiles are the IDX file base names (each may carry a .gz suffix).
var FashionMNISTFiles = []string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
	"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}

type fashionSplit struct {
	name   string // train | test
	w, h   int
	pixels []byte
	labels []byte
}

type fashionSource struct {
	root   string
	splits map[string]*fashionSplit
	items  []Item
}

func openFashionMNIST(root string, opt Options) (Source, error) {
	if root == "" {
		root = DefaultFashionMNISTRoot
	}
	if !isDir(root) {
		hint := ""
		if root == DefaultFashionMNISTRoot {
			hint = " (install the Debian package dataset-fashion-mnist, or download the four IDX files from https://github.com/zalandoresearch/fashion-mnist and pass their folder as root; automatic download is not implemented)"
		}
		return nil, fmt.Errorf("fashion-mnist: root %s is not a folder%s", root, hint)
	}
	s := &fashionSource{root: root, splits: map[string]*fashionSplit{}}
	for _, sp := range []struct{ name, prefix string }{{"train", "train"}, {"test", "t10k"}} {
		imgs, err := readFashionFile(root, sp.prefix+"-images-idx3-ubyte")
		if err != nil {
			return nil, err
		}
		labs, err := readFashionFile(root, sp.prefix+"-labels-idx1-ubyte")
		if err != nil {
			return nil, err
		}
		if len(imgs.Dims) != 3 || imgs.Dims[1] == 0 || imgs.Dims[2] == 0 {
			return nil, fmt.Errorf("fashion-mnist: %s images have dimensions %v, want N x rows x cols", sp.name, imgs.Dims)
		}
		if len(labs.Dims) != 1 || labs.Dims[0] != imgs.Dims[0] {
			return nil, fmt.Errorf("fashion-mnist: %s labels have dimensions %v, want [%d] (one per image)", sp.name, labs.Dims, imgs.Dims[0])
		}
		for i, l := range labs.Data {
			if int(l) >= len(FashionMNISTClasses) {
				return nil, fmt.Errorf("fashion-mnist: %s label %d is %d, not in 0..9", sp.prefix+"-labels-idx1-ubyte", i, l)
			}
		}
		fs := &fashionSplit{name: sp.name, h: imgs.Dims[1], w: imgs.Dims[2], pixels: imgs.Data, labels: labs.Data}
		s.splits[sp.name] = fs
		attrs := map[string]string{"split": sp.name}
		for i, l := range labs.Data {
			s.items = append(s.items, Item{ID: fmt.Sprintf("fashion-mnist/%s/%05d", sp.name, i),
				Class: FashionMNISTClasses[l], Attrs: attrs})
		}
	}
	sortItems(s.items)
	return s, nil
}

func readFashionFile(root, base string) (*IDX, error) {
	for _, name := range []string{base, base + ".gz"} {
		p := filepath.Join(root, name)
		if _, err := os.Stat(p); err == nil {
			idx, err := ReadIDXFile(p)
			if err != nil {
				return nil, fmt.Errorf("fashion-mnist: %w", err)
			}
			return idx, nil
		}
	}
	return nil, fmt.Errorf("fashion-mnist: ROOT %s has neither %s nor %s.gz", root, base, base)
}

func (s *fashionSource) Layout() string    { return LayoutFashionMNIST }
func (s *fashionSource) Classes() []string { return slices.Clone(FashionMNISTClasses) }
func (s *fashionSource) Items() []Item     { return slices.Clone(s.items) }

// Decode returns the item's image as an *image.Gray (28x28 for Fashion-MNIST).
func (s *fashionSource) Decode(it Item) (image.Image, error) {
	parts := strings.Split(it.ID, "/")
	if len(parts) != 3 || parts[0] != "fashion-mnist" {
		return nil, fmt.Errorf("fashion-mnist: bad item id %q", it.ID)
	}
	sp, ok := s.splits[parts[1]]
	i, err := strconv.Atoi(parts[2])
	if !ok || err != nil || i < 0 || i >= len(sp.labels) {
		return nil, fmt.Errorf("fashion-mnist: item %q is not in %s", it.ID, s.root)
	}
	n := sp.w * sp.h
	img := image.NewGray(image.Rect(0, 0, sp.w, sp.h))
	copy(img.Pix, sp.pixels[i*n:(i+1)*n])
	return img, nil
}
