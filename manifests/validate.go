package manifests

import (
	"fmt"
	"math"
	"path"
	"regexp"
	"strings"
)

// Layouts are the source readers a manifest may name.
var Layouts = []string{"caltech101", "ilsvrc2012", "oxford102", "cub200", "ar", "fashion-mnist", "fashion-mnist-objects", "builtin", "builtin-ar"}

// Roles of a set.
var Roles = []string{"train", "test", "pairs", "classes"}

// PositionKinds are the kinds of occluder placement a pattern subset may select.
var PositionKinds = []string{"center", "random", "explicit", "preset", "preset_center", "preset_random"}

// Limits of the built-in procedural datasets (layouts builtin and builtin-ar), checked
// here and by synth/sources, which generates them.
const (
	BuiltinMaxClasses    = 10     // the built-in shapes
	BuiltinMaxPerClass   = 100000 // images per class
	BuiltinMinSize       = 16     // image side, pixels
	BuiltinMaxSize       = 1024
	BuiltinARMaxSubjects = 500 // subjects per gender
)

// Limits on the lists of the occlusion grid: a manifest describes a pattern grid a person
// can look at, and validation must stay fast whatever the file holds.
const (
	MaxRatios   = 100
	MaxRandom   = 1000
	MaxExplicit = 1000
	MaxUse      = 1000
)

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// splitNameRE is a set or scenario name: each becomes a split of the shard set, and
// Hugging Face split names are \w+ (no '-').
var splitNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_]*$`)

func (m *Manifest) applyDefaults() {
	if m.Source.Corrupt == "" {
		m.Source.Corrupt = "skip"
	}
	if m.Occlusion.Semantics == "" {
		m.Occlusion.Semantics = "mask"
	}
	if m.Output.Encode == "" {
		m.Output.Encode = "jpeg"
	}
	if m.Output.JPEGQuality == 0 {
		m.Output.JPEGQuality = 90
	}
	if m.Hyper.InputSize == 0 {
		m.Hyper.InputSize = m.Preprocess.Size
	}
	for i := range m.Sets {
		if m.Sets[i].Role == "" {
			m.Sets[i].Role = "train"
		}
	}
}

func bad(field, format string, args ...any) *Error {
	return &Error{Field: field, Msg: fmt.Sprintf(format, args...)}
}

func oneOf(v string, allowed []string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

// validate checks every rule of the schema and returns the first problem, with its field
// path; Load adds the file and line.
func (m *Manifest) validate() *Error {
	if !nameRE.MatchString(m.Name) {
		return bad("name", "%q must be lowercase letters, digits, '-' or '_'", m.Name)
	}
	if !oneOf(m.Source.Layout, Layouts) {
		return bad("source.layout", "%q is not one of %s", m.Source.Layout, strings.Join(Layouts, ", "))
	}
	if !oneOf(m.Source.Corrupt, []string{"skip", "fail"}) {
		return bad("source.corrupt", "%q must be skip or fail", m.Source.Corrupt)
	}
	if b := m.Source.Builtin; b != nil {
		switch m.Source.Layout {
		case "builtin":
			switch {
			case b.Subjects != 0:
				return bad("source.builtin.subjects", "is for builtin-ar")
			case b.Classes < 2 || b.Classes > BuiltinMaxClasses:
				return bad("source.builtin.classes", "%d must be in 2..%d (the built-in shapes)", b.Classes, BuiltinMaxClasses)
			case b.PerClass < 1 || b.PerClass > BuiltinMaxPerClass:
				return bad("source.builtin.per_class", "%d must be in 1..%d", b.PerClass, BuiltinMaxPerClass)
			case b.Size < BuiltinMinSize || b.Size > BuiltinMaxSize:
				return bad("source.builtin.size", "%d must be in %d..%d", b.Size, BuiltinMinSize, BuiltinMaxSize)
			}
		case "builtin-ar":
			switch {
			case b.Classes != 0 || b.PerClass != 0:
				return bad("source.builtin", "classes and per_class are for builtin; builtin-ar takes subjects")
			case b.Subjects < 1 || b.Subjects > BuiltinARMaxSubjects:
				return bad("source.builtin.subjects", "%d must be in 1..%d", b.Subjects, BuiltinARMaxSubjects)
			case b.Size < BuiltinMinSize || b.Size > BuiltinMaxSize:
				return bad("source.builtin.size", "%d must be in %d..%d", b.Size, BuiltinMinSize, BuiltinMaxSize)
			}
		case "fashion-mnist-objects":
			if b.Classes < 2 || b.Classes > 10 || b.PerClass < 1 || b.Size != 0 || b.Subjects != 0 {
				return bad("source.builtin", "needs classes in 2..10 (object classes) and per_class >= 1 (size and subjects are for the procedural layouts)")
			}
		default:
			return bad("source.builtin", "only allowed with layout builtin, builtin-ar or fashion-mnist-objects")
		}
	}
	if err := m.validatePrep(); err != nil {
		return err
	}
	if err := m.validateSets(); err != nil {
		return err
	}
	if err := m.validateOcclusion(); err != nil {
		return err
	}
	for i, s := range m.Scenarios {
		f := fmt.Sprintf("scenarios[%d]", i)
		if !splitNameRE.MatchString(s.Name) {
			return bad(f+".name", "%q is not a valid scenario name (lowercase letters, digits and _: it names a split, and Hugging Face split names cannot hold '-')", s.Name)
		}
		if m.SetByName(s.Name) != nil {
			return bad(f+".name", "%q is already a set's name", s.Name)
		}
		if m.SetByName(s.Set) == nil {
			return bad(f+".set", "no set %q defined", s.Set)
		}
		if len(s.Where) == 0 {
			return bad(f+".where", "a scenario needs at least one attribute filter")
		}
	}
	h := m.Hyper
	if h.Alpha < 0 || h.Alpha > 1 || math.IsNaN(h.Alpha) {
		return bad("hyper.alpha", "%v must be in [0, 1]", h.Alpha)
	}
	if h.Beta < 0 || math.IsNaN(h.Beta) || math.IsInf(h.Beta, 0) {
		return bad("hyper.beta", "%v must be >= 0", h.Beta)
	}
	if h.Pretrained == "pool" && (h.PretrainEpochs < 1 || h.PretrainLR <= 0 || m.SetByName("pretrain") == nil) {
		return bad("hyper.pretrained", "pool needs pretrain_epochs, pretrain_lr and a set named pretrain")
	}
	if h.InputSize <= 0 || h.TrainMinChannels < 0 || h.Epochs < 0 || h.BatchSize < 0 || h.LR < 0 {
		return bad("hyper", "input_size must be positive; train_min_channels, epochs, batch_size and lr must not be negative")
	}
	for i, a := range h.Augment {
		if !oneOf(a, []string{"flip", "affine", "random_resized_crop"}) {
			return bad(fmt.Sprintf("hyper.augment[%d]", i), "%q is not one of flip, affine, random_resized_crop", a)
		}
	}
	if !oneOf(m.Output.Encode, []string{"jpeg", "png"}) {
		return bad("output.encode", "%q must be jpeg or png", m.Output.Encode)
	}
	if m.Output.JPEGQuality < 1 || m.Output.JPEGQuality > 100 {
		return bad("output.jpeg_quality", "%d must be in 1..100", m.Output.JPEGQuality)
	}
	return nil
}

func (m *Manifest) validatePrep() *Error {
	p := m.Preprocess
	if !oneOf(p.Mode, []string{"resize", "shorter_crop", "bbox_crop"}) {
		return bad("preprocess.mode", "%q must be resize, shorter_crop or bbox_crop", p.Mode)
	}
	if p.Size < 8 || p.Size > 4096 {
		return bad("preprocess.size", "%d must be in 8..4096", p.Size)
	}
	if p.Mode == "shorter_crop" && p.Shorter < p.Size {
		return bad("preprocess.shorter", "%d must be at least size (%d) for shorter_crop", p.Shorter, p.Size)
	}
	if p.Mode != "shorter_crop" && p.Shorter != 0 {
		return bad("preprocess.shorter", "only used with mode shorter_crop")
	}
	if p.Mode == "bbox_crop" && m.Source.Layout != "cub200" {
		return bad("preprocess.mode", "bbox_crop needs a layout with bounding boxes (cub200)")
	}
	return nil
}

func (m *Manifest) validateSets() *Error {
	if len(m.Sets) == 0 {
		return bad("sets", "a manifest needs at least one set")
	}
	seen := map[string]string{} // set name -> role, for sets defined so far
	ref := func(field string, names []string) *Error {
		for j, n := range names {
			if _, ok := seen[n]; !ok {
				return bad(fmt.Sprintf("%s[%d]", field, j), "set %q is not defined before this set", n)
			}
		}
		return nil
	}
	for i, s := range m.Sets {
		f := fmt.Sprintf("sets[%d]", i)
		if !splitNameRE.MatchString(s.Name) {
			return bad(f+".name", "%q is not a valid set name (lowercase letters, digits and _: it names a split, and Hugging Face split names cannot hold '-')", s.Name)
		}
		if _, dup := seen[s.Name]; dup {
			return bad(f+".name", "set %q defined twice", s.Name)
		}
		if !oneOf(s.Role, Roles) {
			return bad(f+".role", "%q is not one of %s", s.Role, strings.Join(Roles, ", "))
		}
		c := s.Classes
		if err := ref(f+".classes.among", c.Among); err != nil {
			return err
		}
		if err := ref(f+".classes.exclude", c.Exclude); err != nil {
			return err
		}
		narrow := 0
		for _, on := range []bool{c.Range != nil, c.First > 0, c.Last > 0, len(c.List) > 0, c.Match != ""} {
			if on {
				narrow++
			}
		}
		if narrow > 1 {
			return bad(f+".classes", "use at most one of range, first, last, list, match")
		}
		if c.First < 0 || c.Last < 0 || c.Random < 0 {
			return bad(f+".classes", "first, last and random must not be negative")
		}
		if c.Range != nil && (c.Range.From == "" || c.Range.To == "") {
			return bad(f+".classes.range", "needs both from and to")
		}
		if c.Match != "" {
			if _, err := path.Match(c.Match, ""); err != nil {
				return bad(f+".classes.match", "bad pattern %q", c.Match)
			}
		}
		im := s.Images
		if err := ref(f+".images.among", im.Among); err != nil {
			return err
		}
		if err := ref(f+".images.exclude", im.Exclude); err != nil {
			return err
		}
		picks := 0
		for _, on := range []bool{im.Random > 0, im.UpTo > 0, len(im.List) > 0, im.All} {
			if on {
				picks++
			}
		}
		if picks > 1 {
			return bad(f+".images", "use at most one of random, up_to, list, all")
		}
		if im.Random < 0 || im.UpTo < 0 {
			return bad(f+".images", "random and up_to must not be negative")
		}
		if s.Role == "classes" && (picks > 0 || len(im.Where) > 0 || len(im.Among) > 0 || len(s.Union) > 0) {
			return bad(f+".images", "a set with role classes selects classes only")
		}
		if err := ref(f+".union", s.Union); err != nil {
			return err
		}
		for _, u := range s.Union {
			if seen[u] == "classes" {
				return bad(f+".union", "set %q has role classes and holds no images", u)
			}
		}
		if s.Occlude != "" {
			if s.Role != "pairs" {
				return bad(f+".occlude", "only a pairs set is occluded")
			}
			if s.Occlude != "variant" && m.SubsetByName(s.Occlude) == nil {
				return bad(f+".occlude", "%q is neither variant nor a pattern subset", s.Occlude)
			}
		}
		if s.RealPairs != nil {
			if s.Role != "pairs" || s.Occlude != "" {
				return bad(f+".real_pairs", "only a pairs set without occlude has real pairs")
			}
			if len(s.RealPairs.Clean) == 0 || len(s.RealPairs.Occluded) == 0 {
				return bad(f+".real_pairs", "needs clean and occluded attribute filters")
			}
		}
		if s.Role == "pairs" && s.Occlude == "" && s.RealPairs == nil {
			return bad(f+".occlude", "a pairs set needs occlude or real_pairs")
		}
		if s.AddOccluded != "" {
			if seen[s.AddOccluded] != "pairs" {
				return bad(f+".add_occluded", "%q is not a pairs set defined before this set", s.AddOccluded)
			}
		}
		seen[s.Name] = s.Role
	}
	return nil
}

func (m *Manifest) validateOcclusion() *Error {
	o := m.Occluders
	n := 0
	for _, v := range []string{o.Builtin, o.Dir, o.Mat} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return bad("occluders", "name exactly one of builtin, dir, mat")
	}
	if o.Builtin != "" && !oneOf(o.Builtin, []string{"procedural", "objects30"}) {
		return bad("occluders.builtin", "%q is not a built-in set (procedural, objects30)", o.Builtin)
	}
	if len(o.Use) > MaxUse {
		return bad("occluders.use", "%d entries, at most %d", len(o.Use), MaxUse)
	}
	first := map[string]int{}
	for i, u := range o.Use {
		if u == "" {
			return bad(fmt.Sprintf("occluders.use[%d]", i), "empty name")
		}
		if j, dup := first[u]; dup {
			return bad(fmt.Sprintf("occluders.use[%d]", i), "%q is listed twice (also occluders.use[%d]): each occluder is used once", u, j)
		}
		first[u] = i
	}
	oc := m.Occlusion
	if len(oc.Ratios) == 0 {
		return bad("occlusion.ratios", "at least one ratio is needed")
	}
	if len(oc.Ratios) > MaxRatios {
		return bad("occlusion.ratios", "%d ratios, at most %d", len(oc.Ratios), MaxRatios)
	}
	for i, r := range oc.Ratios {
		if !(r > 0 && r < 1) {
			return bad(fmt.Sprintf("occlusion.ratios[%d]", i), "%v is outside (0, 1)", r)
		}
		for _, q := range oc.Ratios[:i] {
			if q == r {
				return bad(fmt.Sprintf("occlusion.ratios[%d]", i), "%v listed twice", r)
			}
		}
	}
	if !oneOf(oc.Semantics, []string{"mask", "bbox"}) {
		return bad("occlusion.semantics", "%q must be mask or bbox", oc.Semantics)
	}
	p := oc.Positions
	if p.Random < 0 || p.Random > MaxRandom {
		return bad("occlusion.positions.random", "%d must be in 0..%d", p.Random, MaxRandom)
	}
	if len(p.Explicit) > MaxExplicit {
		return bad("occlusion.positions.explicit", "%d positions, at most %d", len(p.Explicit), MaxExplicit)
	}
	if !p.Center && p.Random == 0 && len(p.Explicit) == 0 && !p.Preset {
		return bad("occlusion.positions", "no position: set center, random, explicit or preset")
	}
	if p.Preset && o.Mat == "" {
		return bad("occlusion.positions.preset", "preset positions come from a .mat occluder set")
	}
	size := m.Preprocess.Size
	for i, pt := range p.Explicit {
		if pt.X < 0 || pt.Y < 0 || pt.X >= size || pt.Y >= size {
			return bad(fmt.Sprintf("occlusion.positions.explicit[%d]", i), "position (%d, %d) is outside the %dx%d image", pt.X, pt.Y, size, size)
		}
	}
	names := map[string]bool{}
	for i, s := range m.Subsets {
		f := fmt.Sprintf("pattern_subsets[%d]", i)
		if !nameRE.MatchString(s.Name) || s.Name == "variant" {
			return bad(f+".name", "%q is not a valid subset name", s.Name)
		}
		if names[s.Name] {
			return bad(f+".name", "subset %q defined twice", s.Name)
		}
		names[s.Name] = true
		for j, r := range s.Ratios {
			found := false
			for _, q := range oc.Ratios {
				found = found || q == r
			}
			if !found {
				return bad(fmt.Sprintf("%s.ratios[%d]", f, j), "%v is not one of occlusion.ratios", r)
			}
		}
		for j, k := range s.Positions {
			if !oneOf(k, PositionKinds) {
				return bad(fmt.Sprintf("%s.positions[%d]", f, j), "%q is not one of %s", k, strings.Join(PositionKinds, ", "))
			}
		}
		for j, r := range s.Rows {
			if r < 1 {
				return bad(fmt.Sprintf("%s.rows[%d]", f, j), "rows count from 1")
			}
		}
	}
	for i, v := range m.IopVariants {
		if !names[v] {
			return bad(fmt.Sprintf("iop_variants[%d]", i), "%q is not a pattern subset", v)
		}
	}
	for i, s := range m.Sets {
		if s.Occlude == "variant" && len(m.IopVariants) == 0 {
			return bad(fmt.Sprintf("sets[%d].occlude", i), "variant needs iop_variants")
		}
	}
	return nil
}
