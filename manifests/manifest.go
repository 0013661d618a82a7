package manifests

// Manifest is one dataset description. Field order follows the data flow: where the images
// come from, how they are prepared, which images form which set, how they are occluded.
type Manifest struct {
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	Seed        uint64   `yaml:"seed"`
	Source      Source   `yaml:"source"`
	Preprocess  Prep     `yaml:"preprocess"`
	Sets        []Set    `yaml:"sets"`
	Occluders   OccSrc   `yaml:"occluders"`
	Occlusion   Occl     `yaml:"occlusion"`
	Subsets     []Subset `yaml:"pattern_subsets"`
	// IopVariants names the pattern subsets a pair set may be occluded with (Caltech: full,
	// 10c, 20c); the first is the default.
	IopVariants []string   `yaml:"iop_variants"`
	Scenarios   []Scenario `yaml:"scenarios"`
	Hyper       Hyper      `yaml:"hyper"`
	Output      Output     `yaml:"output"`

	// File is where the manifest was read from ("embedded:NAME.yaml" for built-ins).
	File string `yaml:"-"`
}

// Source says which reader opens the dataset and where it lives by default.
type Source struct {
	// Layout names the on-disk reader: caltech101, ilsvrc2012, oxford102, cub200, ar,
	// fashion-mnist, builtin or builtin-ar.
	Layout string `yaml:"layout"`
	// Root is the default dataset folder; --root and OCCBENCH_ROOT_<NAME> override it.
	Root string `yaml:"root"`
	// Corrupt is the policy for images that fail to decode: skip (listed in a report) or fail.
	Corrupt string `yaml:"corrupt"`
	// Builtin configures the procedural dataset (layout builtin only).
	Builtin *BuiltinSource `yaml:"builtin"`
}

// BuiltinSource sizes the procedural demo datasets: classes and per_class for builtin,
// subjects (per gender) for builtin-ar.
type BuiltinSource struct {
	Classes  int `yaml:"classes"`
	PerClass int `yaml:"per_class"`
	Size     int `yaml:"size"`
	Subjects int `yaml:"subjects"`
}

// Prep is the preprocessing shared by synthesis and evaluation.
type Prep struct {
	// Mode is resize (direct, aspect not kept), shorter_crop (shorter side to Shorter,
	// then a center Size x Size crop) or bbox_crop (crop to the annotated box, then resize).
	Mode    string `yaml:"mode"`
	Size    int    `yaml:"size"`
	Shorter int    `yaml:"shorter"`
}

// Set is one named image set (Itrn, Itst, Iop, ...). Sets are resolved in file order and
// may refer only to sets defined before them.
type Set struct {
	Name string `yaml:"name"`
	// Role is train, test, pairs (clean/occluded pairs for the DV flow) or classes (a
	// helper set that only selects classes, e.g. ILSVRC's 900 evaluation classes).
	Role    string    `yaml:"role"`
	Classes ClassRule `yaml:"classes"`
	Images  ImageRule `yaml:"images"`
	// Union makes the set the union of the images of earlier sets (rules then filter it).
	Union []string `yaml:"union"`
	// Occlude names the pattern subset every image of a pairs set is occluded with;
	// "variant" defers the choice to the model row (one of iop_variants).
	Occlude string `yaml:"occlude"`
	// AddOccluded adds the occluded images of a pairs set (Itrn = Itrn_c + Iop_o).
	AddOccluded string `yaml:"add_occluded"`
	// RealPairs pairs clean and really occluded images of one subject (AR), instead of
	// synthesizing occlusion.
	RealPairs *RealPairs `yaml:"real_pairs"`
	// Note records why the set is as it is (an open point of the protocol, a discrepancy).
	Note string `yaml:"note"`
}

// ClassRule selects classes. The pool starts as every class of the source (or the classes
// of the Among sets), loses the classes of the Exclude sets, is narrowed by at most one of
// Range, First, Last, List and Match, and finally Random picks N of what is left.
type ClassRule struct {
	Among   []string    `yaml:"among"`
	Exclude []string    `yaml:"exclude"`
	Range   *ClassRange `yaml:"range"`
	First   int         `yaml:"first"`
	Last    int         `yaml:"last"`
	List    []string    `yaml:"list"`
	Match   string      `yaml:"match"`
	Random  int         `yaml:"random"`
}

// ClassRange is an inclusive range of class names in case-insensitive alphabetical order
// (the paper's "accordion to sunflower").
type ClassRange struct {
	From string `yaml:"from"`
	To   string `yaml:"to"`
}

// ImageRule selects images inside each selected class. The pool is every image of the class
// (or those of the Among sets), filtered by Where, minus the images of the Exclude sets; then
// Random takes exactly N (an error if a class has fewer), UpTo takes N or all if fewer, List
// keeps the named source ids, and All (or nothing) keeps the pool.
type ImageRule struct {
	Among   []string          `yaml:"among"`
	Exclude []string          `yaml:"exclude"`
	Where   map[string]string `yaml:"where"`
	Random  int               `yaml:"random"`
	UpTo    int               `yaml:"up_to"`
	List    []string          `yaml:"list"`
	All     bool              `yaml:"all"`
}

// RealPairs pairs every clean image with every occluded image of the same class.
type RealPairs struct {
	Clean    map[string]string `yaml:"clean"`
	Occluded map[string]string `yaml:"occluded"`
}

// OccSrc names the occluder set: exactly one of a built-in set, a folder of PNGs or a
// MATLAB v5 .mat set (SDBE layout).
type OccSrc struct {
	Builtin string `yaml:"builtin"`
	Dir     string `yaml:"dir"`
	Mat     string `yaml:"mat"`
	// Use keeps only these occluders, in this order (a name, or the prefix before "-" of a
	// name, such as r1c04 for objects30); empty keeps all.
	Use []string `yaml:"use"`
}

// Occl is the occlusion grid: every occluder x ratio x position is one pattern.
type Occl struct {
	Ratios []float64 `yaml:"ratios"`
	// Semantics is mask (opaque mask pixels cover the ratio, the default) or bbox.
	Semantics string    `yaml:"semantics"`
	Positions Positions `yaml:"positions"`
}

// Positions lists the occluder placements of every (occluder, ratio).
type Positions struct {
	Center bool `yaml:"center"`
	// Random is the count of seeded random positions drawn once per (occluder, ratio),
	// fully inside the image.
	Random int `yaml:"random"`
	// Explicit positions are the top-left corner of the scaled occluder, in pixels.
	Explicit []Point `yaml:"explicit"`
	// Preset uses the positions stored in a .mat occluder set instead of drawing them.
	Preset bool `yaml:"preset"`
}

// Point is a pixel position.
type Point struct {
	X int `yaml:"x"`
	Y int `yaml:"y"`
}

// Subset is a named selection of patterns (Iop variants, cross-pattern test rows).
// An empty selector field keeps every value.
type Subset struct {
	Name      string    `yaml:"name"`
	Ratios    []float64 `yaml:"ratios"`
	Positions []string  `yaml:"positions"`
	Rows      []int     `yaml:"rows"`
}

// Scenario is a named test condition over source attributes (AR: sunglasses neutral, ...).
type Scenario struct {
	Name  string            `yaml:"name"`
	Set   string            `yaml:"set"`
	Where map[string]string `yaml:"where"`
}

// Hyper holds the training constants the protocol fixes; fields the paper leaves open are
// commented in each manifest.
type Hyper struct {
	Network    string  `yaml:"network"`
	Pretrained string  `yaml:"pretrained"`
	Alpha      float64 `yaml:"alpha"`
	Beta       float64 `yaml:"beta"`
	InputSize  int     `yaml:"input_size"`
	// TrainMinChannels trains only layers with at least this many output channels (and the
	// classifier); 0 trains every layer.
	TrainMinChannels int      `yaml:"train_min_channels"`
	Augment          []string `yaml:"augment"`
	Epochs           int      `yaml:"epochs"`
	BatchSize        int      `yaml:"batch_size"`
	LR               float64  `yaml:"lr"`
	// PretrainEpochs and PretrainLR train the clean pool of profiles whose pretrained
	// weights come from the manifest itself (pretrained: pool).
	PretrainEpochs int     `yaml:"pretrain_epochs"`
	PretrainLR     float64 `yaml:"pretrain_lr"`
}

// Output is how synthesized images are encoded.
type Output struct {
	Encode      string `yaml:"encode"`
	JPEGQuality int    `yaml:"jpeg_quality"`
}

// SetByName returns the named set, or nil.
func (m *Manifest) SetByName(name string) *Set {
	for i := range m.Sets {
		if m.Sets[i].Name == name {
			return &m.Sets[i]
		}
	}
	return nil
}

// SubsetByName returns the named pattern subset, or nil.
func (m *Manifest) SubsetByName(name string) *Subset {
	for i := range m.Subsets {
		if m.Subsets[i].Name == name {
			return &m.Subsets[i]
		}
	}
	return nil
}
