package sources

// Published is what the official release of a dataset holds, as its authors (and the
// loaders everybody uses, e.g. torchvision's) count it: a copy on disk with other counts is
// incomplete, a subset or another version, and the paper's protocol does not apply to it
// unchanged. Images is keyed by the items' split attribute ("" = every item, for layouts
// without splits).
type Published struct {
	Name    string
	Classes int
	Images  map[string]int
}

// published holds the official counts of each layout's dataset.
var published = map[string]Published{
	"ilsvrc2012": {Name: "ILSVRC2012", Classes: 1000, Images: map[string]int{"train": 1281167, "val": 50000}},
	// 9,144 files in 101_ObjectCategories, 467 of them BACKGROUND_Google (not a class).
	"caltech101": {Name: "Caltech-101", Classes: 101, Images: map[string]int{"": 8677}},
	"oxford102":  {Name: "Oxford 102 Flowers", Classes: 102, Images: map[string]int{"train": 1020, "val": 1020, "test": 6149}},
	"cub200":     {Name: "CUB-200-2011", Classes: 200, Images: map[string]int{"train": 5994, "test": 5794}},
	// The cropped AR faces: 50 men and 50 women, 26 images each.
	"ar": {Name: "AR faces (cropped)", Classes: 100, Images: map[string]int{"": 2600}},
}

// PublishedCounts returns the official counts of a layout's dataset; ok is false for layouts
// without a fixed release (builtin, fashion-mnist is checked by its reader).
func PublishedCounts(layout string) (Published, bool) {
	p, ok := published[layout]
	return p, ok
}
