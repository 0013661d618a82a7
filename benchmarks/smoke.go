package benchmarks

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/occbench/occbench/internal/inputs"
	"github.com/occbench/occbench/internal/keyed"
	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/reports"
	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/synth"
	"github.com/occbench/occbench/synth/splits"
)

// Smoke scales a run down to minutes while keeping every stage of its profile: the same
// manifest, networks, weights and report formats, on a small deterministic subset of the
// user's own data. The subset is a transformation of the resolved splits and of the run
// specs (never a separate code path): in every set, each class keeps the PerClass images
// with the lowest keyed rank of their id (keyed.Hash(seed, "smoke", id)), so sets that share
// images keep the same ones; sets keep at most Classes classes (lowest keyed rank, 0 = all);
// evaluation and Iop keep Patterns patterns of each ratio and position; every training runs Epochs epochs. A smoke
// report is marked as such and never comparable; the run ends with an estimate of the full
// run (SmokeEstimate).
type Smoke struct {
	PerClass int // images kept a class in every set (0: 2)
	Classes  int // classes kept in every set (0: all, so the label space stays the paper's)
	Patterns int // test and Iop patterns kept of each (ratio, position) group (0: 1)
	Epochs   int // epochs of every training (0: 1)
	// InputSize replaces the manifest's image and network input size (0: keep it). Only for
	// tests on a CPU: the estimate then rests on a pixel-count scaling and says so.
	InputSize int
}

func (s Smoke) withDefaults() Smoke {
	if s.PerClass <= 0 {
		s.PerClass = 2
	}
	if s.Patterns <= 0 {
		s.Patterns = 1
	}
	if s.Epochs <= 0 {
		s.Epochs = 1
	}
	return s
}

// String describes the subset for notes and logs.
func (s Smoke) String() string {
	s = s.withDefaults()
	classes := "all classes"
	if s.Classes > 0 {
		classes = fmt.Sprintf("at most %d classes a set", s.Classes)
	}
	size := ""
	if s.InputSize > 0 {
		size = fmt.Sprintf(", %dx%d input", s.InputSize, s.InputSize)
	}
	return fmt.Sprintf("%d images a class, %s, %d pattern(s) of each ratio and position, %d epoch(s)%s", s.PerClass, classes, s.Patterns, s.Epochs, size)
}

// manifest returns m with the smoke input size (a copy; m itself is unchanged).
func (s Smoke) manifest(m *manifests.Manifest) *manifests.Manifest {
	if s.InputSize <= 0 || s.InputSize == m.Preprocess.Size {
		return m
	}
	c := *m
	if c.Preprocess.Shorter > 0 {
		c.Preprocess.Shorter = int(math.Round(float64(c.Preprocess.Shorter) * float64(s.InputSize) / float64(c.Preprocess.Size)))
	}
	c.Preprocess.Size = s.InputSize
	if c.Hyper.InputSize > 0 {
		c.Hyper.InputSize = s.InputSize
	}
	return &c
}

// splits returns the smoke subset of resolved splits, with checksums that name the subset
// (so the stage cache never mistakes smoke shards for the full run's).
func (s Smoke) splits(seed uint64, full *splits.Splits) *splits.Splits {
	s = s.withDefaults()
	rank := func(parts ...string) uint64 { return keyed.Hash(seed, append([]string{"smoke"}, parts...)...) }
	out := &splits.Splits{Manifest: full.Manifest, Seed: full.Seed}
	total := sha256.New()
	fmt.Fprintf(total, "smoke %s of %s\n", s, full.Checksum)
	for _, l := range full.Sets {
		c := l
		c.Classes = l.Classes
		if s.Classes > 0 && len(l.Classes) > s.Classes {
			byRank := append([]string(nil), l.Classes...)
			sort.Slice(byRank, func(i, j int) bool { return rank("class", byRank[i]) < rank("class", byRank[j]) })
			keep := map[string]bool{}
			for _, cl := range byRank[:s.Classes] {
				keep[cl] = true
			}
			c.Classes = nil
			for _, cl := range l.Classes {
				if keep[cl] {
					c.Classes = append(c.Classes, cl)
				}
			}
		}
		kept := map[string]bool{}
		if len(l.Pairs) > 0 {
			// Real pairs (AR): keep PerClass pairs a class, and both their images.
			classOf := map[string]string{}
			for _, e := range l.Items {
				classOf[e.ID] = e.Class
			}
			inClass := map[string]bool{}
			for _, cl := range c.Classes {
				inClass[cl] = true
			}
			byClass := map[string][]splits.Pair{}
			for _, pr := range l.Pairs {
				if cl := classOf[pr.Clean]; inClass[cl] {
					byClass[cl] = append(byClass[cl], pr)
				}
			}
			c.Pairs = nil
			for _, prs := range byClass {
				sort.Slice(prs, func(i, j int) bool {
					return rank("pair", prs[i].Clean, prs[i].Occluded) < rank("pair", prs[j].Clean, prs[j].Occluded)
				})
				for _, pr := range prs[:min(len(prs), s.PerClass)] {
					kept[pr.Clean], kept[pr.Occluded] = true, true
				}
			}
			for _, pr := range l.Pairs {
				if kept[pr.Clean] && kept[pr.Occluded] {
					c.Pairs = append(c.Pairs, pr)
				}
			}
			c.Items = nil
			for _, e := range l.Items {
				if kept[e.ID] {
					c.Items = append(c.Items, e)
				}
			}
		} else if len(l.Items) > 0 {
			inClass := map[string]bool{}
			for _, cl := range c.Classes {
				inClass[cl] = true
			}
			byClass := map[string][]string{}
			for _, e := range l.Items {
				if inClass[e.Class] {
					byClass[e.Class] = append(byClass[e.Class], e.ID)
				}
			}
			for _, ids := range byClass {
				sort.Slice(ids, func(i, j int) bool { return rank("image", ids[i]) < rank("image", ids[j]) })
				for _, id := range ids[:min(len(ids), s.PerClass)] {
					kept[id] = true
				}
			}
			c.Items = nil
			for _, e := range l.Items {
				if kept[e.ID] {
					c.Items = append(c.Items, e)
				}
			}
		}
		h := sha256.New()
		fmt.Fprintf(h, "smoke %s of %s\n", s, l.Checksum)
		for _, e := range c.Items {
			fmt.Fprintf(h, "item %s\n", e.ID)
		}
		c.Checksum = hex.EncodeToString(h.Sum(nil))
		out.Sets = append(out.Sets, c)
		fmt.Fprintf(total, "%s %s\n", c.Name, c.Checksum)
	}
	out.Checksum = hex.EncodeToString(total.Sum(nil))
	return out
}

// patterns keeps, of the ids (every pattern of the table when ids is empty), Patterns of
// each (ratio, position) group, chosen by keyed rank, so every report column keeps a pattern.
func (s Smoke) patterns(seed uint64, ids []int, table []patterns.Pattern) []int {
	s = s.withDefaults()
	byID := map[int]patterns.Pattern{}
	for _, p := range table {
		byID[p.ID] = p
	}
	if len(ids) == 0 {
		for _, p := range table {
			ids = append(ids, p.ID)
		}
	}
	groups := map[string][]int{}
	for _, id := range ids {
		p := byID[id]
		k := fmt.Sprintf("%g %s", p.Ratio, p.Position)
		groups[k] = append(groups[k], id)
	}
	var out []int
	for _, g := range groups {
		sort.Slice(g, func(i, j int) bool {
			return keyed.Hash(seed, "smoke", "pattern", fmt.Sprint(g[i])) < keyed.Hash(seed, "smoke", "pattern", fmt.Sprint(g[j]))
		})
		out = append(out, g[:min(len(g), s.Patterns)]...)
	}
	sort.Ints(out)
	return out
}

// spec scales a run spec down: the smoke epochs and patterns.
func (s Smoke) spec(seed uint64, spec *runners.RunSpec, table []patterns.Pattern) {
	s = s.withDefaults()
	spec.Epochs = min(spec.Epochs, s.Epochs)
	if !spec.Eval.CleanOnly {
		spec.Eval.Patterns = s.patterns(seed, spec.Eval.Patterns, table)
	}
	if spec.Method == runners.MethodDFV {
		spec.IopPatterns = s.patterns(seed, spec.IopPatterns, table)
	}
}

// SmokeEstimate is the full run's cost on this hardware, from the smoke run's measured
// throughput times the full plan's counts.
type SmokeEstimate struct {
	SynthRows     int     // rows the full synth stage writes
	SynthSeconds  float64 // at the smoke's measured rows a second
	DiskBytes     int64   // the full shards (synth.RowBytes)
	TrainImages   int64   // images seen in training, all rows and epochs
	TrainSeconds  float64 // at the smoke's measured training images a second
	EvalImages    int64   // test images x (1 + patterns), all rows
	EvalSeconds   float64 // at the smoke's measured evaluation images a second
	Scaled        string  // "" or why the figures rest on a scaling (smoke input size)
	SmokeSeconds  float64 // the smoke run's wall time
	TotalSeconds  float64
	Replicates    int
	TrainingsRuns int
}

// Lines renders the estimate for the log and the report notes.
func (e *SmokeEstimate) Lines() []string {
	out := []string{
		fmt.Sprintf("estimate for the full run on this hardware: %s wall, %s of shards", duration(e.TotalSeconds), inputs.Size(e.DiskBytes)),
		fmt.Sprintf("  synth %d rows: %s; training %d trainings, %d images seen: %s; evaluation %d image-patterns: %s",
			e.SynthRows, duration(e.SynthSeconds), e.TrainingsRuns, e.TrainImages, duration(e.TrainSeconds), e.EvalImages, duration(e.EvalSeconds)),
	}
	if e.Scaled != "" {
		out = append(out, "  "+e.Scaled)
	}
	return out
}

func duration(s float64) string {
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return "unknown"
	}
	return (time.Duration(s) * time.Second).Round(time.Second).String()
}

// estimate computes the full run's cost from the smoke run (p) and the full splits.
func (p *pipeline) smokeEstimate() *SmokeEstimate {
	full, fullManifest, synthSeconds, smokeRows := p.smoke.full, p.smoke.manifest, p.smoke.synthSeconds, p.smoke.rows
	e := &SmokeEstimate{Replicates: len(p.seeds)}
	// The full plan's rows: the smoke plan's rows per image times the full images, per split.
	count := func(sp *splits.Splits, name string) int {
		if l := sp.Set(name); l != nil {
			return len(l.Items)
		}
		return 0
	}
	fullImages, smokeImages := 0, 0
	for _, sp := range p.lock.Splits {
		fullImages += count(full, sp.Name)
		smokeImages += sp.Images
	}
	if smokeImages > 0 {
		e.SynthRows = int(math.Round(float64(smokeRows) * float64(fullImages) / float64(smokeImages)))
	}
	e.DiskBytes = int64(e.SynthRows) * synth.RowBytes(fullManifest.Preprocess.Size, p.lock.Encode)
	if smokeRows > 0 {
		e.SynthSeconds = synthSeconds / float64(smokeRows) * float64(e.SynthRows)
	}
	scale := 1.0
	if p.m.Preprocess.Size != fullManifest.Preprocess.Size {
		r := float64(fullManifest.Preprocess.Size) / float64(p.m.Preprocess.Size)
		scale = r * r
		e.Scaled = fmt.Sprintf("measured at %dx%d, not the profile's %dx%d: times scaled by the pixel count (x%.1f), a rough guide only",
			p.m.Preprocess.Size, p.m.Preprocess.Size, fullManifest.Preprocess.Size, fullManifest.Preprocess.Size, scale)
	}
	for s := range p.results {
		for i, res := range p.results[s] {
			spec := p.jobs[i].spec
			e.TrainingsRuns++
			fullTrain := int64(count(full, spec.TrainSet)) * int64(fullManifest.Hyper.Epochs)
			smokeTrain := int64(count(p.in.Splits, spec.TrainSet)) * int64(max(spec.Epochs, 1))
			e.TrainImages += fullTrain
			switch {
			case res.ImagesPerSec > 0: // the training loop's own throughput, without start-up costs
				e.TrainSeconds += float64(fullTrain) / res.ImagesPerSec * scale
			case smokeTrain > 0 && res.TrainSeconds > 0:
				e.TrainSeconds += res.TrainSeconds / float64(smokeTrain) * float64(fullTrain) * scale
			}
			pats := len(p.in.Pack.Table.Patterns)
			if len(spec.Eval.Patterns) > 0 || spec.Eval.CleanOnly {
				pats = len(spec.Eval.Patterns)
			}
			fullPats := pats
			if !spec.Eval.CleanOnly {
				fullPats = p.smoke.fullPatterns[i]
			}
			smokeEval := int64(count(p.in.Splits, spec.TestSet)) * int64(1+pats)
			fullEval := int64(count(full, spec.TestSet)) * int64(1+fullPats)
			e.EvalImages += fullEval
			if evalSec := res.WallSeconds - res.TrainSeconds; smokeEval > 0 && evalSec > 0 {
				e.EvalSeconds += evalSec / float64(smokeEval) * float64(fullEval) * scale
			}
		}
	}
	e.SmokeSeconds = time.Since(p.start).Seconds()
	e.TotalSeconds = e.SynthSeconds + e.TrainSeconds + e.EvalSeconds
	return e
}

// smokeNotes mark a smoke report.
func smokeNotes(s Smoke, e *SmokeEstimate) []string {
	notes := []string{"SMOKE RUN (" + s.String() + "): every stage of the profile ran on a small subset of the data to check the setup; its numbers mean nothing and it is never comparable."}
	if e != nil {
		notes = append(notes, strings.Join(e.Lines(), "\n"))
	}
	return notes
}

// smokeSuffix ends the profile of a smoke run's report (and its folder).
const smokeSuffix = "-smoke"

// IsSmokeReport reports whether a report is a smoke run's: its numbers are never compared.
func IsSmokeReport(r *reports.Report) bool { return strings.HasSuffix(r.Profile, smokeSuffix) }

// smokeRun is what a smoke run keeps of the full run it stands for.
type smokeRun struct {
	Smoke
	manifest     *manifests.Manifest // the profile's manifest (before InputSize)
	full         *splits.Splits      // the full splits
	synthSeconds float64
	rows         int   // rows of the smoke synth plan
	fullPatterns []int // per job: the patterns the full run evaluates
	estimate     *SmokeEstimate
}

// startSmoke applies the smoke input size to the pipeline's manifest and redoes the synth
// stage (its time is measured; a few images cost little).
func (p *pipeline) startSmoke() {
	if p.o.Smoke == nil {
		return
	}
	p.smoke = &smokeRun{Smoke: p.o.Smoke.withDefaults(), manifest: p.m}
	p.m = p.smoke.Smoke.manifest(p.m)
	p.seeds, p.wanted = p.seeds[:1], 1 // one replicate: the estimate multiplies by the full run's
	force := map[string]bool{StageSynth: true}
	for k, v := range p.o.Force {
		force[k] = v
	}
	p.cache.Force = force
}

// smokeInputs replaces the resolved splits by their smoke subset.
func (p *pipeline) smokeInputs(in synth.Inputs) synth.Inputs {
	if p.smoke == nil {
		return in
	}
	p.smoke.full = in.Splits
	in.Splits = p.smoke.splits(p.m.Seed, in.Splits)
	return in
}

// smokeSynth narrows the occluded training rows (add_occluded) to the smoke patterns.
func (p *pipeline) smokeSynth(o *synth.Options, in synth.Inputs) {
	if p.smoke == nil {
		return
	}
	table := in.Pack.Table.Patterns
	o.PatternFilter = func(ids []int) []int { return p.smoke.patterns(p.m.Seed, ids, table) }
}

func (p *pipeline) smokeSynthDone(d time.Duration) {
	if p.smoke == nil || p.lock == nil {
		return
	}
	p.smoke.synthSeconds = d.Seconds()
	p.smoke.rows = 0
	for _, sp := range p.lock.Splits {
		p.smoke.rows += sp.PlannedRows
	}
}

func (p *pipeline) smokeSpec(spec *runners.RunSpec) {
	if p.smoke != nil {
		p.smoke.spec(p.m.Seed, spec, p.in.Pack.Table.Patterns)
	}
}

// smokeJobs scales every job's spec down, keeping what the full run evaluates.
func (p *pipeline) smokeJobs(jobs []job) []job {
	if p.smoke == nil {
		return jobs
	}
	all := len(p.in.Pack.Table.Patterns)
	for _, j := range jobs {
		n := len(j.spec.Eval.Patterns)
		if n == 0 && !j.spec.Eval.CleanOnly {
			n = all
		}
		p.smoke.fullPatterns = append(p.smoke.fullPatterns, n)
		p.smokeSpec(j.spec)
	}
	return jobs
}

// smokeReport marks the report as a smoke run's and adds the estimate.
func (p *pipeline) smokeReport(rep *reports.Report) {
	if p.smoke == nil {
		return
	}
	e := p.smokeEstimate()
	p.smoke.estimate = e
	rep.Comparable = false
	rep.Profile += smokeSuffix
	rep.Notes = append(smokeNotes(p.smoke.Smoke, e), rep.Notes...)
	for _, l := range e.Lines() {
		p.logf("%s", l)
	}
}
