package benchmarks

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/reports"
	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/synth"
)

// Options configure one `bench run`.
type Options struct {
	Profile string // paper | mini | demo ("" = the benchmark's smallest supported profile)
	Root    string // dataset folder override
	Out     string // reports go to Out/<benchmark>/<profile>/
	Cache   string // stage cache folder (default Out/.cache)
	Runner  RunnerName
	Weights string // paper profile: pretrained weights (safetensors, torchvision names)
	// Manifest replaces the profile's manifest (a file or a built-in name); it must define
	// the sets the benchmark's rows name.
	Manifest string
	Force    map[string]bool
	Workers  int
	// Seed is the base seed (0 = the manifest's): replicate 0 trains with it, and the other
	// replicates' seeds derive from it (ReplicateSeeds).
	Seed uint64
	// Seeds is the number of replicates, independent trainings of every row (0 = the
	// profile's default, Benchmark.DefaultSeeds). docs/seeds.md says what a seed changes.
	Seeds int
	// Controls adds the DFV control rows (Gaussian DVs, isotropic noise; docs/premise.md)
	// on the paper profile; the mini and demo profiles always have them.
	Controls bool
	// PremiseOnly trains the classical rows and measures, for each DFV row, only the premise
	// diagnostics (docs/premise.md) on the initial model, without training it: a profile's
	// settings can then be chosen on clean accuracy and premise metrics without seeing any
	// DFV effect. The report holds the classical rows and the premise table.
	PremiseOnly bool
	// Only trains and reports just these rows (by model name, control rows included); the
	// rows they are compared with must be among them. Empty: every row.
	Only []string
	Log  io.Writer
	// Train runs one spec and returns its result; the orchestrator does not know the runner.
	Train func(ctx context.Context, spec *runners.RunSpec, dir string) (*runners.Result, error)
	// Features exports DFVs for fig2 (nil when the runner cannot).
	Features FeatureFunc
	// Smoke, when set, runs every stage on a small subset and ends with an estimate of the
	// full run (smoke.go); the report goes to OUT/BENCHMARK/PROFILE-smoke.
	Smoke *Smoke
}

// RunnerName names a runner on the command line.
type RunnerName string

// The runners (DESIGN.md decision 5).
const (
	RunnerGo    RunnerName = "go"    // runners/gonn, gorgonia on the CPU
	RunnerTorch RunnerName = "torch" // runners/torchrun, PyTorch on GPUs
)

// Outcome is what a run produced.
type Outcome struct {
	Report *reports.Report
	Dir    string // where the report files are
}

// Run executes a benchmark as a pipeline of named stages (stages.go): synth -> pretrain ->
// train every model row once per seed -> evaluate -> report. Each stage is cached by the hash
// of what determines it, so a rerun redoes only what changed.
func Run(ctx context.Context, b *Benchmark, o Options) (*Outcome, error) {
	p, err := newPipeline(b, o)
	if err != nil {
		return nil, err
	}
	for _, st := range p.stages() {
		if err := st.run(ctx); err != nil {
			return nil, err
		}
	}
	return p.outcome, nil
}

// pretrainSpec is the pretraining run of a manifest with a pool (mini and demo): every layer
// learns on the clean pool, evaluated on clean pool images only.
func pretrainSpec(m *manifests.Manifest, classes []string, shardDir string, seed uint64) *runners.RunSpec {
	spec := baseSpec(m, classes, shardDir, seed)
	spec.Name = "pretrain"
	spec.TrainSet = "pretrain"
	spec.TestSet = "pretrain"
	spec.Epochs = m.Hyper.PretrainEpochs
	spec.Optimizer.LR = m.Hyper.PretrainLR
	spec.Eval.CleanOnly = true
	// Pretraining stands in for ImageNet (or MS-Celeb-1M) training: every layer learns.
	// hyper.train_min_channels is the fine-tuning rule only.
	spec.Freeze = runners.Freeze{}
	return spec
}

// rowJobs returns the training runs of a benchmark's model rows (a sweep: every alpha x
// beta of its DFV row), their specs seeded with seed.
// Each spec's head covers its training set's classes (plan); premiseOnly leaves DFV rows
// untrained (Options.PremiseOnly).
func rowJobs(b *Benchmark, profile string, m *manifests.Manifest, in synth.Inputs, plan *synth.Plan, classes []string, shardDir string, init runners.Init, seed uint64, premiseOnly bool) ([]job, error) {
	testPats, err := subsetIDs(in.Pack, m, b.TestSubset)
	if err != nil {
		return nil, err
	}
	var jobs []job
	for _, row := range b.Models {
		spec := baseSpec(m, classes, shardDir, seed)
		spec.Name = row.Model
		spec.Init = init
		spec.Method = row.Method
		spec.TrainSet = b.SetName(profile, row.Train)
		spec.TestSet = b.SetName(profile, row.Test)
		spec.Eval.Patterns = testPats
		if err := setClasses(spec, plan); err != nil {
			return nil, err
		}
		if b.Kind == KindAR {
			// Real occlusion: the scenario splits are the columns; nothing is composited.
			spec.Eval.Sets, spec.Eval.CleanOnly = b.EvalSets, true
		}
		if row.Network != "" && profile == ProfilePaper {
			spec.Network.Arch = row.Network
		}
		if profile == ProfilePaper {
			spec.Init.Skip = []string{headOf(spec.Network.Arch)} // table9's VGG16 rows: classifier.6.
		}
		if row.Method == runners.MethodDFV && premiseOnly {
			spec.Epochs, spec.Eval.CleanOnly = 0, true
		}
		if row.Method == runners.MethodDFV {
			spec.DVSource = row.DVSource
			spec.IopSet = b.SetName(profile, row.Iop)
			if spec.IopPatterns, err = subsetIDs(in.Pack, m, row.Variant); err != nil {
				return nil, err
			}
		}
		switch {
		case b.Kind == KindSweep && row.Method == runners.MethodDFV:
			jobs = append(jobs, sweepJobs(spec, profile)...)
		case b.Kind != KindSweep:
			jobs = append(jobs, job{name: row.Model, spec: spec})
		}
	}
	return jobs, nil
}

// withSeed returns a copy of the job's spec trained with another seed.
func (j job) withSeed(seed uint64) *runners.RunSpec {
	s := *j.spec
	s.Seed = seed
	return &s
}

// baseSpec is the run spec every row of a manifest starts from.
func baseSpec(m *manifests.Manifest, classes []string, shardDir string, seed uint64) *runners.RunSpec {
	h := m.Hyper
	alpha, beta := h.Alpha, h.Beta
	spec := &runners.RunSpec{Version: runners.SpecVersion, Shards: shardDir, PatternPack: filepath.Join(shardDir, "patterns"),
		Network:   runners.Network{Arch: h.Network, NumClasses: len(classes), InputSize: m.Preprocess.Size},
		Init:      runners.Init{Kind: runners.InitRandom},
		Method:    runners.MethodClassical,
		Alpha:     &alpha,
		Beta:      &beta,
		Epochs:    h.Epochs,
		BatchSize: h.BatchSize,
		Optimizer: runners.Optimizer{Name: "sgd", LR: h.LR, Momentum: 0.9, WeightDecay: 5e-4},
		Schedule:  runners.Schedule{Name: "cosine"},
		Freeze:    runners.Freeze{MinChannels: h.TrainMinChannels},
		Seed:      seed,
	}
	for _, a := range h.Augment {
		switch a {
		case "flip":
			spec.Augment.HFlip = true
		case "affine":
			spec.Augment.Degrees, spec.Augment.Translate = 10, 0.1
		case "random_resized_crop":
			spec.Augment.CropScaleLo = 0.08
		}
	}
	return spec
}

// setClasses gives a spec's classifier one output per class of its training set (the
// paper's head covers Itrn's classes), in label order, from the synth plan.
func setClasses(spec *runners.RunSpec, plan *synth.Plan) error {
	si := -1
	for i, sp := range plan.Splits {
		if sp.Name == spec.TrainSet {
			si = i
		}
	}
	if si < 0 {
		// Not synthesized (a --manifest without the set): the runner names the missing
		// split when it reads the shards; the head keeps one output per source class.
		return nil
	}
	have := map[int]bool{}
	for _, j := range plan.Jobs {
		if j.Split == si {
			have[j.Label] = true
		}
	}
	spec.Classes = spec.Classes[:0]
	for l := range have {
		spec.Classes = append(spec.Classes, l)
	}
	slices.Sort(spec.Classes)
	if len(spec.Classes) < 2 {
		return fmt.Errorf("%s: training set %q has %d classes, a classifier needs at least 2", spec.Name, spec.TrainSet, len(spec.Classes))
	}
	spec.Network.NumClasses = len(spec.Classes)
	return nil
}

// neededSets lists the manifest sets a benchmark reads in a profile, in manifest order.
func neededSets(b *Benchmark, m *manifests.Manifest, profile string) []string {
	want := map[string]bool{}
	if m.Hyper.Pretrained == "pool" && profile != ProfilePaper {
		want["pretrain"] = true
	}
	for _, r := range b.Models {
		for _, s := range []string{r.Train, r.Test, r.Iop} {
			if s != "" {
				want[b.SetName(profile, s)] = true
			}
		}
	}
	for _, s := range b.EvalSets {
		want[s] = true
	}
	var out []string
	for _, s := range m.Sets {
		if want[s.Name] {
			out = append(out, s.Name)
		}
	}
	for _, s := range m.Scenarios {
		if want[s.Name] {
			out = append(out, s.Name)
		}
	}
	return out
}

// headOf is the classifier's tensor-name prefix of an architecture: ImageNet (or
// MS-Celeb-1M) weights are imported without it, since the classes differ.
func headOf(arch string) string {
	switch arch {
	case "vgg16":
		return "classifier.6."
	case "iresnet50":
		return "classifier."
	}
	return "fc."
}

// setsLine is a log line of a result's eval.sets accuracies.
func setsLine(r *runners.Result) string {
	var b strings.Builder
	for i, s := range r.Sets {
		if i > 0 {
			b.WriteString("  ")
		}
		fmt.Fprintf(&b, "%s %.2f", s.Name, 100*s.Accuracy())
	}
	return b.String()
}

// subsetIDs returns the ids of the patterns a named subset keeps, by the one rule
// (patterns.Table.SubsetIDs); no name leaves the spec's list empty, which runners read as
// every pattern.
func subsetIDs(pack *patterns.Pack, m *manifests.Manifest, subset string) ([]int, error) {
	if subset == "" {
		return nil, nil
	}
	return pack.SubsetIDs(m, subset)
}

// initKey identifies initial weights by content, so a retrained checkpoint changes the key.
func initKey(in runners.Init) string {
	if in.Path == "" {
		return string(in.Kind)
	}
	st, err := os.Stat(in.Path)
	if err != nil {
		return string(in.Kind) + ":" + in.Path
	}
	data, _ := json.Marshal([]any{in.Kind, in.Skip, filepath.Base(filepath.Dir(in.Path)), st.Size()})
	return string(data)
}

func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func runnerName(rs []*runners.Result) string {
	if len(rs) > 0 && rs[0] != nil {
		return rs[0].Provenance.Runner
	}
	return ""
}

// cpuName is the hardware of the first result: its accelerator and host, or its processor.
func cpuName(rs []*runners.Result) string {
	if len(rs) == 0 || rs[0] == nil {
		return runtime.GOARCH
	}
	p := rs[0].Provenance
	host := p.CPU
	if host == "" {
		host = runtime.GOARCH
	}
	if p.Device != "" {
		return p.Device + " (host " + host + ")"
	}
	return host
}
