package synth

import (
	"fmt"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/synth/shards"
	"github.com/occbench/occbench/synth/sources"
	"github.com/occbench/occbench/synth/splits"
)

// Plan is every row of a synth run, grouped into jobs (one source image each) and shards.
type Plan struct {
	Splits []SplitPlan
	Jobs   []Job
	Shards []ShardPlan // global order: splits in manifest order, shards in index order
}

// SplitPlan is one output split.
type SplitPlan struct {
	Name, Role, Checksum string
	Subset               string // pattern subset of its occluded rows, "" if none
	AddOccluded          string
	Images, Rows         int
	Shards               []int // indices into Plan.Shards
}

// Job is one source image of one split and the rows rendered from it.
type Job struct {
	Split    int
	Item     sources.Item
	Label    int
	Clean    bool  // write the clean image
	Patterns []int // pattern ids to composite, in order
	Key      int   // planned row index of the job's first row in its split
	PairID   int
	Shard    int
}

// Rows is the number of rows the job renders.
func (j *Job) Rows() int {
	n := len(j.Patterns)
	if j.Clean {
		n++
	}
	return n
}

// ShardPlan is one shard file: a contiguous run of jobs.
type ShardPlan struct {
	Split        int
	Index, Of    int
	File         string // data/{split}-{i:05d}-of-{n:05d}.{parquet|tar}
	JobLo, JobHi int
	Rows         int
}

// PlanOptions are the choices that shape a plan.
type PlanOptions struct {
	Sets         []string // split names to write (empty: every non-classes set)
	Occluded     bool     // write the occluded rows of pairs sets
	Variant      string   // pattern subset for occlude: variant
	RowsPerShard int
	Format       string // shard format: parquet ("") or webdataset (names the files .tar)
	// PatternFilter, when set, narrows the pattern ids of every occluded row (a smoke run
	// keeps a few of each subset); nil keeps the subset's.
	PatternFilter func(ids []int) []int
}

// subsetOf returns the pattern subset name a pairs set occludes with.
func subsetOf(m *manifests.Manifest, set *splits.SetList, variant string) (string, error) {
	name := set.Occlude
	if name == "variant" {
		name = variant
		if name == "" {
			if len(m.IopVariants) == 0 {
				return "", fmt.Errorf("set %s: occlude is variant but the manifest has no iop_variants", set.Name)
			}
			name = m.IopVariants[0]
		}
	}
	return name, nil
}

// subsetIDs is the pattern ids of a subset, narrowed by PatternFilter when it is set.
func (opt PlanOptions) subsetIDs(m *manifests.Manifest, table *patterns.Table, subset string) ([]int, error) {
	ids, err := table.SubsetIDs(m, subset)
	if err != nil || opt.PatternFilter == nil {
		return ids, err
	}
	if ids = opt.PatternFilter(ids); len(ids) == 0 {
		return nil, fmt.Errorf("pattern subset %q: the pattern filter keeps no pattern", subset)
	}
	return ids, nil
}

// BuildPlan plans every row of the chosen sets.
func BuildPlan(m *manifests.Manifest, classes []string, items []sources.Item, sp *splits.Splits, table *patterns.Table, opt PlanOptions) (*Plan, error) {
	if opt.RowsPerShard <= 0 {
		return nil, fmt.Errorf("rows per shard must be positive")
	}
	byID := make(map[string]sources.Item, len(items))
	for _, it := range items {
		byID[it.ID] = it
	}
	label := map[string]int{}
	for i, c := range classes {
		label[c] = i
	}
	want := map[string]bool{}
	for _, s := range opt.Sets {
		l := sp.Set(s)
		if l == nil {
			return nil, fmt.Errorf("sets: no set %q in manifest %s", s, m.Name)
		}
		if l.Role == "classes" {
			return nil, fmt.Errorf("sets: set %q only selects classes; it has no images", s)
		}
		want[s] = true
	}
	if opt.Variant != "" {
		ok := false
		for _, v := range m.IopVariants {
			ok = ok || v == opt.Variant
		}
		if !ok {
			return nil, fmt.Errorf("variant %q is not one of the manifest's iop_variants %v", opt.Variant, m.IopVariants)
		}
	}
	p := &Plan{}
	for si := range sp.Sets {
		set := &sp.Sets[si]
		if set.Role == "classes" || (len(want) > 0 && !want[set.Name]) {
			continue
		}
		spl := SplitPlan{Name: set.Name, Role: set.Role, Checksum: set.Checksum, AddOccluded: set.AddOccluded}
		idx := len(p.Splits)
		key, pair := 0, 0
		var jobs []Job
		add := func(e splits.Entry, clean bool, pats []int) error {
			it, ok := byID[e.ID]
			if !ok {
				return fmt.Errorf("set %s: image %q is not in the source", set.Name, e.ID)
			}
			j := Job{Split: idx, Item: it, Label: label[e.Class], Clean: clean, Patterns: pats, Key: key, PairID: pair}
			key += j.Rows()
			pair++
			jobs = append(jobs, j)
			return nil
		}
		var occl []int
		if set.Role == "pairs" && set.Occlude != "" && opt.Occluded {
			name, err := subsetOf(m, set, opt.Variant)
			if err != nil {
				return nil, err
			}
			if occl, err = opt.subsetIDs(m, table, name); err != nil {
				return nil, fmt.Errorf("set %s: %w", set.Name, err)
			}
			spl.Subset = name
		}
		for _, e := range set.Items {
			if err := add(e, true, occl); err != nil {
				return nil, err
			}
		}
		if set.AddOccluded != "" {
			src := sp.Set(set.AddOccluded)
			if src == nil {
				return nil, fmt.Errorf("set %s: add_occluded names unknown set %q", set.Name, set.AddOccluded)
			}
			name, err := subsetOf(m, src, opt.Variant)
			if err != nil {
				return nil, err
			}
			if name == "" {
				name = "full"
			}
			pats, err := opt.subsetIDs(m, table, name)
			if err != nil {
				return nil, fmt.Errorf("set %s: add_occluded: %w", set.Name, err)
			}
			spl.Subset = name
			for _, e := range src.Items {
				if err := add(e, false, pats); err != nil {
					return nil, err
				}
			}
		}
		spl.Images, spl.Rows = len(jobs), key
		// Cut into shards at job boundaries.
		base := len(p.Jobs)
		var cuts []int // job index (within jobs) where each shard starts
		rows := 0
		for i := range jobs {
			if i == 0 || (rows > 0 && rows+jobs[i].Rows() > opt.RowsPerShard) {
				cuts = append(cuts, i)
				rows = 0
			}
			rows += jobs[i].Rows()
		}
		if len(jobs) == 0 {
			cuts = []int{0}
		}
		for k, lo := range cuts {
			hi := len(jobs)
			if k+1 < len(cuts) {
				hi = cuts[k+1]
			}
			sh := ShardPlan{Split: idx, Index: k, Of: len(cuts), File: shards.DataDir + "/" + shards.ShardFileName(set.Name, k, len(cuts), opt.Format),
				JobLo: base + lo, JobHi: base + hi}
			for i := lo; i < hi; i++ {
				jobs[i].Shard = len(p.Shards)
				sh.Rows += jobs[i].Rows()
			}
			spl.Shards = append(spl.Shards, len(p.Shards))
			p.Shards = append(p.Shards, sh)
		}
		p.Jobs = append(p.Jobs, jobs...)
		p.Splits = append(p.Splits, spl)
	}
	if len(p.Splits) == 0 {
		return nil, fmt.Errorf("manifest %s: no set with images to write", m.Name)
	}
	return p, nil
}
