package benchmarks

import (
	"fmt"
	"sort"
	"strings"
)

// Profiles, from the paper's exact protocol to the one that runs anywhere.
const (
	ProfilePaper = "paper"
	ProfileMini  = "mini"
	// ProfileMiniObjects is the premise-positive miniature (docs/premise.md): Fashion-MNIST
	// with a pretraining pool extended by pasted-object classes, on a CPU.
	ProfileMiniObjects = "mini-objects"
	ProfileDemo        = "demo"
)

// Kind says how a benchmark's columns are computed.
type Kind string

// Benchmark kinds.
const (
	KindOcclusion Kind = "occlusion" // clean + pattern columns
	KindAR        Kind = "ar"        // real occlusion scenarios (eval.sets), no patterns
	KindSweep     Kind = "sweep"     // an alpha x beta figure
	KindTSNE      Kind = "tsne"      // a feature scatter
)

// Benchmark is one table or figure of the paper.
type Benchmark struct {
	ID    string
	Title string
	// Kind says how columns are computed.
	Kind Kind
	// Manifests maps each supported profile to its manifest.
	Manifests map[string]string
	// Columns are the report's columns (the paper's, for tables).
	Columns []string
	// Models are the rows this benchmark trains and evaluates, in the paper's order.
	Models []ModelRow
	// TestSubset restricts the occluded test patterns (table8: rows two and three).
	TestSubset string
	// EvalSets are test splits evaluated as they are, one column each (kind ar: the
	// manifest's real-occlusion scenarios).
	EvalSets []string
	// SynthVariant is the pattern subset synth occludes "occlude: variant" pairs sets with,
	// and so the occluded part of the training sets built from them (table8: row1, so no
	// test occluder is seen in training); "" is the manifest's first iop_variants entry.
	SynthVariant string
	// Headline names the row and column quoted by `bench list`.
	Headline [2]string
	// Note explains what the benchmark can and cannot do.
	Note string
	// Seeds overrides the profile's default number of replicates (DefaultSeeds) for this
	// benchmark, per profile.
	Seeds map[string]int
	// SmallSets renames the paper manifest's sets for the mini and demo manifests, whose
	// sets follow Caltech-101's names (trn_x/tst_x/iop_x exclusive, trn_c/tst/iop/trn
	// inclusive).
	SmallSets map[string]string
}

// SetName maps a row's set name to the manifest of a profile.
func (b *Benchmark) SetName(profile, set string) string {
	if profile != ProfilePaper {
		if s, ok := b.SmallSets[set]; ok {
			return s
		}
	}
	return set
}

// ModelRow is one trained model: what it trains on and how.
type ModelRow struct {
	Model    string // the paper's row name
	Method   string // classical | dfv
	Train    string // training set name in the manifest
	Test     string // test set name
	Iop      string // pairs set for the DV flow (dfv only)
	Variant  string // pattern subset of the pairs (dfv only)
	Network  string // overrides the manifest's network (table9: vgg16)
	Baseline string // the classical row this one improves on
	// DVSource is a dfv row's vector source (runners.DVGaussian, runners.DVIsotropic for
	// the control rows of RowsFor; "" = the DV bank).
	DVSource string
}

func occlusionColumns() []string {
	return []string{"clean", "occ20_center", "occ20_random", "occ10_center", "occ10_random", "avg_occ"}
}

// exclusive returns Table 2's rows: classical and the three Iop variants.
func exclusive(net string) []ModelRow {
	return []ModelRow{
		{Model: net, Method: "classical", Train: "trn_x", Test: "tst_x"},
		{Model: net + "-Full", Method: "dfv", Train: "trn_x", Test: "tst_x", Iop: "iop_x", Variant: "full", Baseline: net},
		{Model: net + "-10C", Method: "dfv", Train: "trn_x", Test: "tst_x", Iop: "iop_x", Variant: "10c", Baseline: net},
		{Model: net + "-20C", Method: "dfv", Train: "trn_x", Test: "tst_x", Iop: "iop_x", Variant: "20c", Baseline: net},
	}
}

// inclusive returns the C / F / C-Full / F-Full rows of Tables 4, 7, 9, S1.
func inclusive(prefix, iop, variant, trn, trnC, tst string, order []string) []ModelRow {
	all := map[string]ModelRow{
		"F":      {Model: prefix + " F", Method: "classical", Train: trn, Test: tst},
		"C":      {Model: prefix + " C", Method: "classical", Train: trnC, Test: tst},
		"C-Full": {Model: prefix + " C-Full", Method: "dfv", Train: trnC, Test: tst, Iop: iop, Variant: variant, Baseline: prefix + " C"},
		"F-Full": {Model: prefix + " F-Full", Method: "dfv", Train: trn, Test: tst, Iop: iop, Variant: variant, Baseline: prefix + " F"},
	}
	var rows []ModelRow
	for _, k := range order {
		rows = append(rows, all[k])
	}
	return rows
}

var registry = []*Benchmark{
	{ID: "demo", Title: "Built-in procedural dataset, Table-2-shaped", Kind: KindOcclusion,
		Manifests: map[string]string{ProfileDemo: "demo"}, Columns: occlusionColumns(), Models: exclusive("ResNet18"),
		Headline: [2]string{"ResNet18-Full", "avg_occ"}, Note: "reported against table2's paper numbers for shape only"},
	{ID: "table2", Title: "Caltech-101, occlusion-exclusive training set", Kind: KindOcclusion,
		Manifests: map[string]string{ProfilePaper: "caltech101", ProfileMini: "fashion-mnist", ProfileMiniObjects: "fashion-mnist-objects", ProfileDemo: "demo"},
		Columns:   occlusionColumns(), Models: exclusive("ResNet18"), Headline: [2]string{"ResNet18-Full", "avg_occ"}},
	{ID: "table4", Title: "Caltech-101, occlusion-inclusive training set", Kind: KindOcclusion,
		Manifests: map[string]string{ProfilePaper: "caltech101", ProfileMini: "fashion-mnist", ProfileMiniObjects: "fashion-mnist-objects", ProfileDemo: "demo"},
		Columns:   occlusionColumns(), Models: inclusive("ResNet18", "iop", "full", "trn", "trn_c", "tst", []string{"F", "C", "C-Full", "F-Full"}),
		Headline: [2]string{"ResNet18 C-Full", "avg_occ"}},
	{ID: "fig6", Title: "Caltech-101 accuracy vs beta for several alpha (ResNet18-Full)", Kind: KindSweep,
		Manifests: map[string]string{ProfilePaper: "caltech101", ProfileMini: "fashion-mnist", ProfileDemo: "demo"},
		Columns:   []string{"clean", "avg_occ"}, Models: exclusive("ResNet18")[:2],
		Note: "alpha in {0.8, 0.9, 0.95} x beta in {0, 0.25, 0.5, 1, 2, 4} on the paper profile, {0.9, 0.95} x {0, 0.5, 1, 2} on a CPU; beta = 0 is classical training; the paper prints no numbers, only the curves"},
	{ID: "table5", Title: "AR faces, real sunglasses and scarf occlusion", Kind: KindAR,
		Manifests: map[string]string{ProfilePaper: "ar", ProfileDemo: "demo-ar"},
		Columns:   arScenarios, EvalSets: arScenarios,
		Models: []ModelRow{
			{Model: "LResNet50E-IR F", Method: "classical", Train: "trn", Test: "tst"},
			{Model: "LResNet50E-IR C-Full", Method: "dfv", Train: "trn_c", Test: "tst", Iop: "iop", Baseline: "LResNet50E-IR F"},
		},
		Headline: [2]string{"LResNet50E-IR C-Full", "sunglasses_all"},
		Note:     "needs the AR database (--root) and an MS-Celeb-1M LResNet50E-IR checkpoint (--weights, insightface iresnet50 names) on the PyTorch runner; the _90 columns are the subjects outside Iop only (90 in the paper, which reports them within 0.3 of the full test set); the demo profile runs a built-in stand-in with painted sunglasses and scarves"},
	{ID: "table6", Title: "ILSVRC2012, occlusion-exclusive training set", Kind: KindOcclusion,
		Seeds:     ilsvrcSeeds,
		Manifests: map[string]string{ProfilePaper: "ilsvrc2012", ProfileMini: "fashion-mnist", ProfileDemo: "demo"},
		Columns:   occlusionColumns(),
		Models: []ModelRow{
			{Model: "ResNet50", Method: "classical", Train: "trn", Test: "tst"},
			{Model: "ResNet50-Full", Method: "dfv", Train: "trn", Test: "tst", Iop: "iop6", Variant: "full", Baseline: "ResNet50"},
		},
		Headline: [2]string{"ResNet50-Full", "avg_occ"}, SmallSets: map[string]string{"trn": "trn_x", "tst": "tst_x", "iop6": "iop_x"}},
	{ID: "table7", Title: "ILSVRC2012, occlusion-inclusive training set", Kind: KindOcclusion,
		Seeds:     ilsvrcSeeds,
		Manifests: map[string]string{ProfilePaper: "ilsvrc2012", ProfileMini: "fashion-mnist", ProfileDemo: "demo"},
		Columns:   occlusionColumns(), Models: inclusive("ResNet50", "iop7", "full", "trn7", "trn", "tst", []string{"F", "C-Full", "F-Full"}),
		Headline: [2]string{"ResNet50 F-Full", "avg_occ"}, SmallSets: inclusiveSmall},
	{ID: "table8", Title: "ILSVRC2012, cross-pattern (test occluders unseen in training)", Kind: KindOcclusion,
		Seeds:     ilsvrcSeeds,
		Manifests: map[string]string{ProfilePaper: "ilsvrc2012", ProfileDemo: "demo-objects"},
		Columns:   occlusionColumns(), Models: inclusive("ResNet50", "iop7", "row1", "trn7", "trn", "tst", []string{"F", "F-Full"}),
		TestSubset: "rows23", SynthVariant: "row1", Headline: [2]string{"ResNet50 F-Full", "avg_occ"}, SmallSets: inclusiveSmall,
		Note: "the occluded training images and the DV pairs use the first row of the 3 x 10 occluder grid, the occluded test set rows two and three; the demo profile uses the built-in objects30 grid"},
	{ID: "table9", Title: "ILSVRC2012, VGG16, settings of table7", Kind: KindOcclusion,
		Seeds:     ilsvrcSeeds,
		Manifests: map[string]string{ProfilePaper: "ilsvrc2012", ProfileMini: "fashion-mnist", ProfileDemo: "demo"},
		Columns:   []string{"clean", "avg_occ"}, Models: withNetwork("vgg16", inclusive("VGG16", "iop7", "full", "trn7", "trn", "tst", []string{"C", "C-Full", "F", "F-Full"})),
		Headline: [2]string{"VGG16 F-Full", "avg_occ"}, SmallSets: inclusiveSmall},
	{ID: "tableS1", Title: "Oxford 102 flowers, occlusion-inclusive training set", Kind: KindOcclusion,
		Manifests: map[string]string{ProfilePaper: "oxford102", ProfileMini: "fashion-mnist", ProfileDemo: "demo"},
		Columns:   []string{"clean", "avg_occ"}, Models: inclusive("ResNet18", "iop", "full", "trn", "trn_c", "tst", []string{"C", "C-Full", "F", "F-Full"}),
		Headline: [2]string{"ResNet18 C-Full", "avg_occ"}},
	{ID: "tableS2", Title: "CUB-200-2011 (bounding-box crops), against A3M", Kind: KindOcclusion,
		Manifests: map[string]string{ProfilePaper: "cub200", ProfileMini: "fashion-mnist", ProfileDemo: "demo"},
		Columns:   []string{"input_size", "clean", "occ20", "occ10", "avg_occ"},
		Models: []ModelRow{
			{Model: "ResNet50 C", Method: "classical", Train: "trn_c", Test: "tst"},
			{Model: "ResNet50 C-Full", Method: "dfv", Train: "trn_c", Test: "tst", Iop: "iop", Variant: "full", Baseline: "ResNet50 C"},
		},
		Headline: [2]string{"ResNet50 C-Full", "avg_occ"}},
	{ID: "fig2", Title: "t-SNE of DFVs, DVs and pseudo-DFVs (Caltech-101, ResNet18 C)", Kind: KindTSNE,
		Manifests: map[string]string{ProfilePaper: "caltech101", ProfileMini: "fashion-mnist", ProfileDemo: "demo"},
		Models:    exclusive("ResNet18")[:1], Note: "DVs of one pattern should cluster apart from other patterns"},
}

// arScenarios are table5's columns: the AR manifest's scenarios, on every test subject and
// on the 90 outside Iop.
var arScenarios = []string{"sunglasses_neutral", "sunglasses_all", "scarf_neutral", "scarf_all",
	"sunglasses_neutral_90", "sunglasses_all_90", "scarf_neutral_90", "scarf_all_90"}

// ilsvrcSeeds: ILSVRC's paper-profile rows fine-tune on the training images of 900 classes
// (over a million), so a paper run trains one seed unless more are asked for.
var ilsvrcSeeds = map[string]int{ProfilePaper: 1}

// inclusiveSmall maps ILSVRC's inclusive sets to the small manifests' inclusive sets.
var inclusiveSmall = map[string]string{"trn7": "trn", "trn": "trn_c", "tst": "tst", "iop7": "iop"}

// withNetwork sets the network of every row (table9 runs VGG16 with table7's sets).
func withNetwork(net string, rows []ModelRow) []ModelRow {
	for i := range rows {
		rows[i].Network = net
	}
	return rows
}

// All returns every benchmark, in the paper's order with demo first.
func All() []*Benchmark { return registry }

// Get returns the benchmark with the id, or an error listing the known ones.
func Get(id string) (*Benchmark, error) {
	for _, b := range registry {
		if strings.EqualFold(b.ID, id) {
			return b, nil
		}
	}
	var ids []string
	for _, b := range registry {
		ids = append(ids, b.ID)
	}
	return nil, fmt.Errorf("no benchmark %q (have: %s)", id, strings.Join(ids, ", "))
}

// Profiles lists the profiles a benchmark supports, from paper to demo.
func (b *Benchmark) Profiles() []string {
	var out []string
	for p := range b.Manifests {
		out = append(out, p)
	}
	rank := map[string]int{ProfilePaper: 0, ProfileMini: 1, ProfileMiniObjects: 2, ProfileDemo: 3}
	sort.Slice(out, func(i, j int) bool { return rank[out[i]] < rank[out[j]] })
	return out
}

// PaperID is the paper table whose numbers the benchmark reports beside its own.
func (b *Benchmark) PaperID() string {
	if b.ID == "demo" {
		return "table2"
	}
	return b.ID
}
