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
	"strings"
	"time"

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
	Runner  string // go | torch
	Weights string // paper profile: pretrained weights (safetensors, torchvision names)
	// Manifest replaces the profile's manifest (a file or a built-in name); it must define
	// the sets the benchmark's rows name.
	Manifest string
	Force    map[string]bool
	Workers  int
	Seed     uint64 // 0 = the manifest's seed; another value reruns training with that seed
	Log      io.Writer
	// Train runs one spec and returns its result; the orchestrator does not know the runner.
	Train func(ctx context.Context, spec *runners.RunSpec, dir string) (*runners.Result, error)
	// Features exports DFVs for fig2 (nil when the runner cannot).
	Features FeatureFunc
}

// Outcome is what a run produced.
type Outcome struct {
	Report *reports.Report
	Dir    string // where the report files are
}

// Run executes a benchmark: synth -> pretrain -> train each model -> evaluate -> report. Each
// stage is cached by the hash of what determines it, so a rerun redoes only what changed.
func Run(ctx context.Context, b *Benchmark, o Options) (*Outcome, error) {
	start := time.Now()
	var force []string
	for st := range o.Force {
		force = append(force, st)
	}
	if err := CheckStages(force); err != nil {
		return nil, err
	}
	if o.Profile == "" {
		ps := b.Profiles()
		o.Profile = ps[len(ps)-1]
	}
	ref, ok := b.Manifests[o.Profile]
	if !ok {
		return nil, fmt.Errorf("%s has no profile %q (it has: %s)", b.ID, o.Profile, strings.Join(b.Profiles(), ", "))
	}
	if o.Out == "" {
		o.Out = "out"
	}
	if o.Cache == "" {
		o.Cache = filepath.Join(o.Out, ".cache")
	}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	cache := &StageCache{Root: o.Cache, Force: o.Force, Log: logf}
	if o.Manifest != "" {
		ref = o.Manifest
	}
	m, err := manifests.Resolve(ref)
	if err != nil {
		return nil, err
	}
	seed := m.Seed
	if o.Seed != 0 {
		seed = o.Seed
	}

	if o.Profile == ProfilePaper && o.Weights == "" {
		return nil, fmt.Errorf("the paper profile fine-tunes %s-pretrained %s weights: pass --weights FILE.safetensors (%s tensor names)",
			m.Hyper.Pretrained, m.Hyper.Network, map[bool]string{true: "insightface", false: "torchvision"}[m.Hyper.Network == "iresnet50"])
	}

	// Stage 1: synthesize the shards every row reads (clean images; Iop pairs and test
	// occlusion are composited in memory by the runner).
	in, err := synth.Load(m, o.Root, "")
	if err != nil {
		return nil, err
	}
	sopt := synth.Options{Sets: neededSets(b, m, o.Profile), Workers: o.Workers, Version: "occbench", Variant: b.SynthVariant}
	_, lock, err := synth.Prepare(in, &sopt)
	if err != nil {
		return nil, err
	}
	shardDir, err := cache.DoResumable("synth", lock.PlanID[:20], func(dir string) error {
		sopt.Out, sopt.Resume = dir, true // an interrupted synth keeps its complete shards
		_, err := synth.Run(ctx, in, sopt)
		return err
	})
	if err != nil {
		return nil, err
	}

	// Stage 2: pretraining on the manifest's clean pool (mini and demo), or imported weights.
	init := runners.Init{Kind: "random"}
	switch {
	case o.Profile == ProfilePaper:
		init = runners.Init{Kind: "safetensors", Path: o.Weights} // Skip: each row's head, below
	case m.Hyper.Pretrained == "pool":
		spec := baseSpec(m, lock.Classes, shardDir, seed)
		spec.Name = "pretrain"
		spec.TrainSet = "pretrain"
		spec.TestSet = "pretrain"
		spec.Epochs = m.Hyper.PretrainEpochs
		spec.Optimizer.LR = m.Hyper.PretrainLR
		spec.Eval.CleanOnly = true
		// Pretraining stands in for ImageNet (or MS-Celeb-1M) training: every layer learns.
		// hyper.train_min_channels is the fine-tuning rule only.
		spec.Freeze = runners.Freeze{}
		key, err := Key(lock.PlanID, spec.Hash())
		if err != nil {
			return nil, err
		}
		dir, err := cache.Do("pretrain", key, func(dir string) error {
			_, err := o.Train(ctx, spec, dir)
			return err
		})
		if err != nil {
			return nil, err
		}
		// The pool and the fine-tuning sets share one label space, so the pretrained
		// classifier is kept (the paper replaces it because ImageNet has other classes).
		init = runners.Init{Kind: "checkpoint", Path: filepath.Join(dir, "model.safetensors")}
	}

	// Stage 3: train and evaluate every model row (for a sweep: every alpha x beta).
	testPats, err := subsetIDs(in.Pack, m, b.TestSubset)
	if err != nil {
		return nil, err
	}
	var jobs []job
	for _, row := range b.Models {
		spec := baseSpec(m, lock.Classes, shardDir, seed)
		spec.Name = row.Model
		spec.Init = init
		spec.Method = row.Method
		spec.TrainSet = b.SetName(o.Profile, row.Train)
		spec.TestSet = b.SetName(o.Profile, row.Test)
		spec.Eval.Patterns = testPats
		if b.Kind == "ar" {
			// Real occlusion: the scenario splits are the columns; nothing is composited.
			spec.Eval.Sets, spec.Eval.CleanOnly = b.EvalSets, true
		}
		if row.Network != "" && o.Profile == ProfilePaper {
			spec.Network.Arch = row.Network
		}
		if o.Profile == ProfilePaper {
			spec.Init.Skip = []string{headOf(spec.Network.Arch)} // table9's VGG16 rows: classifier.6.
		}
		if row.Method == runners.MethodDFV {
			spec.IopSet = b.SetName(o.Profile, row.Iop)
			if spec.IopPatterns, err = subsetIDs(in.Pack, m, row.Variant); err != nil {
				return nil, err
			}
		}
		switch {
		case b.Kind == "sweep" && row.Method == runners.MethodDFV:
			jobs = append(jobs, sweepJobs(spec, o.Profile)...)
		case b.Kind != "sweep":
			jobs = append(jobs, job{name: row.Model, spec: spec})
		}
	}
	results := make([]*runners.Result, len(jobs))
	dirs := make([]string, len(jobs))
	for i, j := range jobs {
		// The result version is part of the key: a result cached by an older runner lacks
		// what newer reports read (version 2: per-image hits).
		key, err := Key(lock.PlanID, j.spec.Hash(), initKey(init), runners.ResultVersion)
		if err != nil {
			return nil, err
		}
		dir, err := cache.Do("model", key, func(dir string) error {
			res, err := o.Train(ctx, j.spec, dir)
			if err != nil {
				return fmt.Errorf("%s: %w", j.name, err)
			}
			return runners.WriteResult(filepath.Join(dir, "result.json"), res)
		})
		if err != nil {
			return nil, err
		}
		dirs[i] = dir
		if results[i], err = runners.ReadResult(filepath.Join(dir, "result.json")); err != nil {
			return nil, err
		}
		if b.Kind == "ar" {
			logf("%-10s %-22s %s", "model", j.name, setsLine(results[i]))
		} else {
			logf("%-10s %-22s clean %.2f  avg occluded %.2f", "model", j.name, 100*results[i].Clean.Accuracy(), 100*results[i].MeanOccludedAccuracy())
		}
	}

	// Stage 4: the report.
	var rep *reports.Report
	var figures []reports.Figure
	switch b.Kind {
	case "sweep":
		rep, figures, err = sweepReport(b, o.Profile, m, jobs, results)
	case "tsne":
		rep, figures, err = tsneReport(b, o.Profile, m, shardDir, filepath.Join(dirs[0], "model.safetensors"), jobs[0].spec, o.Features)
	default:
		rep, err = buildReport(b, o.Profile, m, []uint64{seed}, [][]*runners.Result{results})
	}
	if err != nil {
		return nil, err
	}
	if o.Manifest != "" {
		rep.Comparable = false
		rep.Notes = append(rep.Notes, fmt.Sprintf("--manifest %s (%s, %dx%d, network %s) replaces the profile's manifest %s: the numbers are not the protocol's.",
			o.Manifest, m.Name, m.Preprocess.Size, m.Preprocess.Size, m.Hyper.Network, b.Manifests[o.Profile]))
	}
	rep.Provenance = reports.Provenance{Commit: gitCommit(), ManifestLock: lock.PlanID[:20], Runner: runnerName(results),
		Hardware:    fmt.Sprintf("%s, %d threads", cpuName(results), runtime.GOMAXPROCS(0)),
		WallSeconds: time.Since(start).Seconds(), Started: start.UTC().Format(time.RFC3339)}
	dir := filepath.Join(o.Out, b.ID, o.Profile)
	if err := WriteReport(rep, figures, dir); err != nil {
		return nil, err
	}
	return &Outcome{Report: rep, Dir: dir}, nil
}

// baseSpec is the run spec every row of a manifest starts from.
func baseSpec(m *manifests.Manifest, classes []string, shardDir string, seed uint64) *runners.RunSpec {
	h := m.Hyper
	alpha, beta := h.Alpha, h.Beta
	spec := &runners.RunSpec{Version: runners.SpecVersion, Shards: shardDir, PatternPack: filepath.Join(shardDir, "patterns"),
		Network:   runners.Network{Arch: h.Network, NumClasses: len(classes), InputSize: m.Preprocess.Size},
		Init:      runners.Init{Kind: "random"},
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

// subsetIDs returns the ids of the patterns a named subset keeps ("" = all, as nil).
func subsetIDs(pack *patterns.Pack, m *manifests.Manifest, subset string) ([]int, error) {
	if subset == "" {
		return nil, nil
	}
	sub := m.SubsetByName(subset)
	if sub == nil {
		return nil, fmt.Errorf("manifest %s has no pattern subset %q", m.Name, subset)
	}
	var ids []int
	for _, p := range pack.Select(sub) {
		ids = append(ids, p.ID)
	}
	return ids, nil
}

// initKey identifies initial weights by content, so a retrained checkpoint changes the key.
func initKey(in runners.Init) string {
	if in.Path == "" {
		return in.Kind
	}
	st, err := os.Stat(in.Path)
	if err != nil {
		return in.Kind + ":" + in.Path
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
