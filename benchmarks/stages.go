package benchmarks

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/reports"
	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/synth"
	"github.com/occbench/occbench/synth/shards"
)

// Stage names: the steps of a run, in order. The stage cache's folders are named by the
// stages that write something (StageSynth, StagePretrain, and "model" for StageTrain).
const (
	StageSynth    = "synth"
	StagePretrain = "pretrain"
	StageTrain    = "train"
	StageEvaluate = "evaluate"
	StageReport   = "report"
)

// cacheModel is the stage cache folder of trained (and evaluated) models; --force model
// redoes them.
const cacheModel = "model"

// pipeline is one run of a benchmark: what the options resolved to and what each stage
// hands the next.
type pipeline struct {
	b      *Benchmark
	o      Options
	m      *manifests.Manifest
	cache  *StageCache
	logf   func(format string, args ...any)
	start  time.Time
	seeds  []uint64 // the replicates' training seeds (seeds.go); seeds[0] is the base seed
	wanted int      // replicates asked for (more than len(seeds) for kinds that run one)

	in       synth.Inputs // synth
	plan     *synth.Plan
	lock     *shards.Lock
	shardDir string
	init     runners.Init // pretrain: the initial weights of every row
	jobs     []job        // train: one per row (sweep: per alpha x beta), specs of seeds[0]
	dirs     [][]string   // train: dirs[s][i] = model folder of jobs[i] with seeds[s]
	results  [][]*runners.Result
	outcome  *Outcome  // report
	smoke    *smokeRun // a --smoke run (smoke.go), nil otherwise
}

// stage is one named step of a run.
type stage struct {
	name string
	run  func(context.Context) error
}

// stages lists the steps in order: synth -> pretrain -> train -> evaluate -> report.
func (p *pipeline) stages() []stage {
	return []stage{
		{StageSynth, p.synth},
		{StagePretrain, p.pretrain},
		{StageTrain, p.train},
		{StageEvaluate, p.evaluate},
		{StageReport, p.report},
	}
}

// newPipeline resolves the options: profile, manifest, folders, seeds.
func newPipeline(b *Benchmark, o Options) (*pipeline, error) {
	p := &pipeline{b: b, start: time.Now()}
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
	p.logf = func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	p.cache = &StageCache{Root: o.Cache, Force: o.Force, Log: p.logf}
	b, err := runRows(b, o)
	if err != nil {
		return nil, err
	}
	p.b = b
	if o.Manifest != "" {
		ref = o.Manifest
	}
	m, err := manifests.Resolve(ref)
	if err != nil {
		return nil, err
	}
	if o.Profile == ProfilePaper && o.Weights == "" {
		return nil, fmt.Errorf("the paper profile fine-tunes %s-pretrained %s weights: pass --weights FILE.safetensors (%s tensor names)",
			m.Hyper.Pretrained, m.Hyper.Network, map[bool]string{true: "insightface", false: "torchvision"}[m.Hyper.Network == "iresnet50"])
	}
	if o.Seeds < 0 {
		return nil, fmt.Errorf("%s: %d seeds: want at least 1 (0 = the profile's default)", b.ID, o.Seeds)
	}
	p.wanted = o.Seeds
	if p.wanted == 0 {
		p.wanted = b.DefaultSeeds(o.Profile)
	}
	base := m.Seed
	if o.Seed != 0 {
		base = o.Seed
	}
	p.seeds = ReplicateSeeds(base, b.seedsRun(p.wanted))
	p.o, p.m = o, m
	p.startSmoke()
	return p, nil
}

// runRows returns the benchmark with the rows of this run: its own plus the control rows
// (docs/premise.md), narrowed to Options.Only.
func runRows(b *Benchmark, o Options) (*Benchmark, error) {
	withRows := *b
	withRows.Models = b.RowsFor(o.Controls || o.Profile != ProfilePaper)
	if len(o.Only) > 0 {
		rows, err := onlyRows(withRows.Models, o.Only)
		if err != nil {
			return nil, fmt.Errorf("%s: --rows: %w", b.ID, err)
		}
		withRows.Models = rows
	}
	return &withRows, nil
}

// synth writes the shards every row reads (clean images; Iop pairs and test occlusion are
// composited in memory by the runner).
func (p *pipeline) synth(ctx context.Context) error {
	in, err := synth.Load(p.m, p.o.Root, "")
	if err != nil {
		return err
	}
	in = p.smokeInputs(in)
	sopt := synth.Options{Sets: neededSets(p.b, p.m, p.o.Profile), Workers: p.o.Workers, Version: "occbench", Variant: p.b.SynthVariant}
	p.smokeSynth(&sopt, in)
	plan, lock, err := synth.Prepare(in, &sopt)
	if err != nil {
		return err
	}
	p.in, p.plan, p.lock = in, plan, lock
	t0 := time.Now()
	p.shardDir, err = p.cache.DoResumable(StageSynth, lock.PlanID[:20], func(dir string) error {
		sopt.Out, sopt.Resume = dir, true // an interrupted synth keeps its complete shards
		_, err := synth.Run(ctx, in, sopt)
		return err
	})
	p.smokeSynthDone(time.Since(t0))
	return err
}

// pretrain trains on the manifest's clean pool (mini and demo) or imports weights (paper).
// One pretraining serves every replicate: it is seeded with the base seed (docs/seeds.md).
func (p *pipeline) pretrain(ctx context.Context) error {
	p.init = runners.Init{Kind: runners.InitRandom}
	switch {
	case p.o.Profile == ProfilePaper:
		p.init = runners.Init{Kind: runners.InitSafetensors, Path: p.o.Weights} // Skip: each row's head (rowJobs)
	case p.m.Hyper.Pretrained == "pool":
		spec := pretrainSpec(p.m, p.lock.Classes, p.shardDir, p.seeds[0])
		if err := setClasses(spec, p.plan); err != nil {
			return err
		}
		p.smokeSpec(spec)
		key, err := Key(p.lock.PlanID, spec.Hash())
		if err != nil {
			return err
		}
		dir, err := p.cache.Do(StagePretrain, key, func(dir string) error {
			_, err := p.o.Train(ctx, spec, dir)
			return err
		})
		if err != nil {
			return err
		}
		// The fine-tuned classifier is new and covers Itrn's classes (rowJobs), as the
		// paper's: the pretrained head, over the pool's classes, is not imported.
		p.init = runners.Init{Kind: runners.InitCheckpoint, Path: filepath.Join(dir, "model.safetensors"), Skip: []string{headOf(p.m.Hyper.Network)}}
	}
	return nil
}

// train trains (and, inside the runner, evaluates) every job once per seed, each in its own
// cached model folder.
func (p *pipeline) train(ctx context.Context) error {
	jobs, err := rowJobs(p.b, p.o.Profile, p.m, p.in, p.plan, p.lock.Classes, p.shardDir, p.init, p.seeds[0], p.o.PremiseOnly)
	if err != nil {
		return err
	}
	p.jobs = p.smokeJobs(jobs)
	p.dirs = make([][]string, len(p.seeds))
	for s, seed := range p.seeds {
		for _, j := range jobs {
			spec := j.withSeed(seed)
			// The result version is part of the key: a result cached by an older runner lacks
			// what newer reports read (version 2: per-image hits).
			key, err := Key(p.lock.PlanID, spec.Hash(), initKey(p.init), runners.ResultVersion)
			if err != nil {
				return err
			}
			dir, err := p.cache.Do(cacheModel, key, func(dir string) error {
				res, err := p.o.Train(ctx, spec, dir)
				if err != nil {
					return fmt.Errorf("%s: %w", p.jobName(j, s), err)
				}
				return runners.WriteResult(filepath.Join(dir, "result.json"), res)
			})
			if err != nil {
				return err
			}
			p.dirs[s] = append(p.dirs[s], dir)
		}
	}
	return nil
}

// evaluate reads every model's evaluated counts (the runner evaluates at the end of its
// run, DESIGN.md decision 6) into seed-major results: results[s][i] = jobs[i], seeds[s].
func (p *pipeline) evaluate(context.Context) error {
	p.results = make([][]*runners.Result, len(p.seeds))
	for s := range p.seeds {
		for i, j := range p.jobs {
			res, err := runners.ReadResult(filepath.Join(p.dirs[s][i], "result.json"))
			if err != nil {
				return err
			}
			p.results[s] = append(p.results[s], res)
			if p.b.Kind == KindAR {
				p.logf("%-10s %-22s %s", "model", p.jobName(j, s), setsLine(res))
			} else {
				p.logf("%-10s %-22s clean %.2f  avg occluded %.2f", "model", p.jobName(j, s), 100*res.Clean.Accuracy(), 100*res.MeanOccludedAccuracy())
			}
		}
	}
	return nil
}

// report builds the benchmark's report from the results and writes it.
func (p *pipeline) report(context.Context) error {
	rep, figures, err := p.buildKind()
	if err != nil {
		return err
	}
	rep.Notes = append(rep.Notes, seedNotes(p.b, p.seeds, p.wanted)...)
	if p.o.Manifest != "" {
		rep.Comparable = false
		rep.Notes = append(rep.Notes, fmt.Sprintf("--manifest %s (%s, %dx%d, network %s) replaces the profile's manifest %s: the numbers are not the protocol's.",
			p.o.Manifest, p.m.Name, p.m.Preprocess.Size, p.m.Preprocess.Size, p.m.Hyper.Network, p.b.Manifests[p.o.Profile]))
	}
	p.smokeReport(rep)
	first := p.results[0]
	rep.Provenance = reports.Provenance{Commit: gitCommit(), ManifestLock: p.lock.PlanID[:20], Runner: runnerName(first),
		Hardware:    fmt.Sprintf("%s, %d threads", cpuName(first), runtime.GOMAXPROCS(0)),
		WallSeconds: time.Since(p.start).Seconds(), Started: p.start.UTC().Format(time.RFC3339)}
	dir := filepath.Join(p.o.Out, p.b.ID, rep.Profile)
	if err := WriteReport(rep, figures, dir); err != nil {
		return err
	}
	p.outcome = &Outcome{Report: rep, Dir: dir}
	return nil
}

// buildKind builds the report the benchmark's kind calls for.
func (p *pipeline) buildKind() (*reports.Report, []reports.Figure, error) {
	switch p.b.Kind {
	case KindSweep:
		return sweepReport(p.b, p.o.Profile, p.m, p.jobs, p.seeds[:len(p.results)], p.results)
	case KindTSNE:
		return tsneReport(p.b, p.o.Profile, p.m, p.shardDir, filepath.Join(p.dirs[0][0], "model.safetensors"), p.jobs[0].spec, p.o.Features)
	}
	rb, rres := p.b, p.results
	if p.o.PremiseOnly {
		rb, rres = classicalOnly(p.b, p.results)
	}
	rep, err := buildReport(rb, p.o.Profile, p.m, p.seeds, rres)
	if err != nil {
		return nil, nil, err
	}
	// The premise labels (docs/premise.md) of the first replicate: every replicate starts
	// from the same pretrained network, so its DV diagnostics are the same.
	rep.Premise = premiseOf(p.b.Models, p.results[0])
	if p.o.PremiseOnly {
		rep.Notes = append(rep.Notes, "Premise only: the DFV rows were not trained; their premise diagnostics come from the initial model (docs/premise.md).")
	}
	if p.b.Kind == KindOcclusion {
		if rep.Gallery, err = gallery(p.shardDir, p.jobs[0].spec.TestSet, p.in.Pack, p.jobs[0].spec.Eval.Patterns); err != nil {
			return nil, nil, err
		}
	}
	return rep, nil, nil
}

// jobName is a job's name in logs and errors, with the replicate when there are several.
func (p *pipeline) jobName(j job, s int) string {
	if len(p.seeds) == 1 {
		return j.name
	}
	return fmt.Sprintf("%s [seed %d/%d]", j.name, s+1, len(p.seeds))
}
