package sources

import (
	"errors"
	"fmt"
	"image"
	"slices"
	"sort"

	"github.com/occbench/occbench/internal/inputs"
)

// Layout names accepted by Open.
const (
	// LayoutCaltech101: ROOT/101_ObjectCategories/<class>/image_NNNN.jpg (or ROOT pointing
	// at 101_ObjectCategories itself). BACKGROUND_Google is excluded: 101 classes, Faces
	// and Faces_easy distinct. Classes() is case-insensitive alphabetical order, ties
	// broken by byte order (accordion ... Faces ... yin_yang). No official split: Attrs is
	// empty.
	LayoutCaltech101 = "caltech101"
	// LayoutILSVRC2012: ROOT/train/<wnid>/*.JPEG and ROOT/val, the validation images
	// either sorted into val/<wnid>/, or flat val/*.JPEG labelled by ROOT/LOC_val_solution.csv
	// (Kaggle) or by the devkit (ROOT/ILSVRC2012_devkit_t12/data/ILSVRC2012_validation_ground_truth.txt
	// + meta.mat). The Kaggle tree ROOT/ILSVRC/Data/CLS-LOC/{train,val} is accepted too.
	// Classes() = sorted wnids. Attrs["split"] = train|val.
	LayoutILSVRC2012 = "ilsvrc2012"
	// LayoutOxford102: ROOT/jpg/image_NNNNN.jpg, ROOT/imagelabels.mat (labels, 1..102),
	// ROOT/setid.mat (trnid, valid, tstid). Classes() = class_001 .. class_102 (label 1 is
	// class_001). Attrs["split"] = train|val|test.
	LayoutOxford102 = "oxford102"
	// LayoutCUB200: ROOT/images.txt, image_class_labels.txt, train_test_split.txt,
	// bounding_boxes.txt, classes.txt, images/<class>/<file>.jpg (ROOT may also be the
	// parent of CUB_200_2011/). Classes() = classes.txt in id order. Attrs["split"] =
	// train|test; BBox set.
	LayoutCUB200 = "cub200"
	// LayoutAR: cropped AR faces, files M-001-01.bmp .. W-050-26.bmp (.bmp, .png, .jpg,
	// .jpeg) anywhere under ROOT. Class = subject ("M-001"); Classes() sorted. Attrs:
	// gender (m|w), subject, session (1|2), index (1..26), occlusion
	// (none|sunglasses|scarf), neutral (true for 8, 11, 21, 24, false otherwise).
	LayoutAR = "ar"
	// LayoutFashionMNIST: the four IDX files (optionally .gz) in ROOT, by default
	// /usr/share/datasets/fashion-mnist; where that Debian copy is absent they are downloaded
	// once into FashionMNISTCacheDir() and checked by SHA-256. Classes() = the 10 standard
	// names. Attrs["split"] = train|test. Decode returns a 28x28 *image.Gray.
	LayoutFashionMNIST = "fashion-mnist"
	// LayoutBuiltin: a procedural dataset (no files) of 10 textured shape classes, see
	// BuiltinOptions. Attrs["split"] = train (first 80% of each class) | test.
	LayoutBuiltin = "builtin"
	// LayoutBuiltinAR: a procedural stand-in for the AR faces (no files): BuiltinOptions.
	// Subjects men and women (M-001 .. W-0nn), 26 images each in the AR numbering and with
	// LayoutAR's attributes, sunglasses and scarves painted into images 8-13 and 21-26.
	// Item IDs are the AR file names without extension (M-001-08).
	LayoutBuiltinAR = "builtin-ar"
)

// DefaultMaxPixels is the decompression-bomb guard used when Options.MaxPixels is 0.
const DefaultMaxPixels = inputs.MaxPixels

// Item is one source image, identified by a stable id.
type Item struct {
	ID    string            // stable, unique, layout-relative, slash-separated
	Class string            // class name, one of Source.Classes()
	Path  string            // file path, "" for in-memory sources
	Attrs map[string]string // layout facts used by split rules (shared, read-only)
	BBox  *image.Rectangle  // CUB bounding box (pixels), nil otherwise
}

// RealOccluder returns what really occludes the image (AR: "sunglasses" or "scarf", from
// the "occlusion" attribute), or "" for an unoccluded image or a layout without real
// occlusion.
func (it *Item) RealOccluder() string {
	if o := it.Attrs["occlusion"]; o != "none" {
		return o
	}
	return ""
}

// Source is one dataset on disk (or in memory).
type Source interface {
	Layout() string
	// Classes returns the class names in the dataset's class-index order.
	Classes() []string
	// Items returns every item, sorted by ID (a fresh slice).
	Items() []Item
	// Decode decodes an item; errors name the file and what is wrong.
	Decode(it Item) (image.Image, error)
}

// Options tune Open.
type Options struct {
	// MaxPixels refuses images whose header claims more pixels (0: DefaultMaxPixels).
	MaxPixels int
	// Builtin configures the builtin layout.
	Builtin BuiltinOptions
}

func (o Options) maxPixels() int {
	if o.MaxPixels <= 0 {
		return DefaultMaxPixels
	}
	return o.MaxPixels
}

// ErrUnknownLayout is returned (wrapped) by Open for a layout name it does not know.
var ErrUnknownLayout = errors.New("unknown layout")

// Layouts returns the layout names Open accepts, sorted.
func Layouts() []string {
	l := []string{LayoutCaltech101, LayoutILSVRC2012, LayoutOxford102, LayoutCUB200, LayoutAR, LayoutFashionMNIST, LayoutFashionMNISTObjects, LayoutBuiltin, LayoutBuiltinAR}
	sort.Strings(l)
	return l
}

// Open opens the dataset at root in the given layout. Root may be "" for fashion-mnist
// (the Debian copy, else the download cache) and is ignored for builtin and builtin-ar.
func Open(layout, root string, opt Options) (Source, error) {
	if layout != LayoutBuiltin && layout != LayoutBuiltinAR && layout != LayoutFashionMNIST && layout != LayoutFashionMNISTObjects && root == "" {
		return nil, fmt.Errorf("%s: no root folder given", layout)
	}
	switch layout {
	case LayoutCaltech101:
		return openCaltech(root, opt)
	case LayoutILSVRC2012:
		return openILSVRC(root, opt)
	case LayoutOxford102:
		return openOxford(root, opt)
	case LayoutCUB200:
		return openCUB(root, opt)
	case LayoutAR:
		return openAR(root, opt)
	case LayoutFashionMNIST:
		return openFashionMNIST(root, opt)
	case LayoutFashionMNISTObjects:
		return openFashionObjects(root, opt)
	case LayoutBuiltin:
		return newBuiltin(opt.Builtin)
	case LayoutBuiltinAR:
		return newBuiltinAR(opt.Builtin)
	}
	return nil, fmt.Errorf("%w %q (known: %v)", ErrUnknownLayout, layout, Layouts())
}

// fileSource is the common part of the layouts whose items are image files.
type fileSource struct {
	layout    string
	classes   []string
	items     []Item
	maxPixels int
}

func (s *fileSource) Layout() string    { return s.layout }
func (s *fileSource) Classes() []string { return slices.Clone(s.classes) }
func (s *fileSource) Items() []Item     { return slices.Clone(s.items) }
func (s *fileSource) Decode(it Item) (image.Image, error) {
	if it.Path == "" {
		return nil, fmt.Errorf("%s: item %q has no file path", s.layout, it.ID)
	}
	return DecodeFile(it.Path, s.maxPixels)
}

func sortItems(items []Item) {
	slices.SortFunc(items, func(a, b Item) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
}

// checkUnique reports the first duplicate id of sorted items.
func checkUnique(layout string, items []Item) error {
	for i := 1; i < len(items); i++ {
		if items[i].ID == items[i-1].ID {
			return fmt.Errorf("%s: duplicate item id %q", layout, items[i].ID)
		}
	}
	return nil
}
