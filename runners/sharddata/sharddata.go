// Package sharddata loads what a run spec trains and evaluates on from a synthesized shard
// set: the training split, the Iop pairs (clean Iop images x the spec's Iop patterns,
// composited in memory from the pattern pack), the clean test split and the pack.
package sharddata

import (
	"fmt"

	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/synth/shards"
)

// Data is everything a run reads, decoded into memory: the Go runner is the CPU engine for
// small profiles, where every split fits comfortably.
type Data struct {
	Classes []string
	Train   runners.Split
	Iop     runners.PairSet // nil for method classical
	Test    runners.Split   // clean images only: patterns are composited at evaluation
	Pack    *patterns.Pack
}

// Load reads the splits a spec names from spec.Shards.
func Load(spec *runners.RunSpec) (*Data, error) {
	ds, err := shards.Open(spec.Shards)
	if err != nil {
		return nil, err
	}
	var pack *patterns.Pack
	if spec.PatternPack != "" {
		pack, err = patterns.ReadPack(spec.PatternPack)
	} else {
		pack, err = ds.Pack()
	}
	if err != nil {
		return nil, err
	}
	d := &Data{Classes: ds.Classes(), Pack: pack}
	if d.Train, err = LoadSplit(ds, spec.TrainSet, false, spec.Network.InputSize); err != nil {
		return nil, err
	}
	test := spec.TestSet
	if test == "" {
		test = "tst"
	}
	if d.Test, err = LoadSplit(ds, test, true, spec.Network.InputSize); err != nil {
		return nil, err
	}
	if spec.Method == runners.MethodDFV {
		clean, err := LoadSplit(ds, spec.IopSet, true, spec.Network.InputSize)
		if err != nil {
			return nil, err
		}
		pts, err := selectPatterns(pack, spec.IopPatterns)
		if err != nil {
			return nil, fmt.Errorf("run spec: iop_patterns: %w", err)
		}
		d.Iop = &runners.PatternPairs{Clean: clean, Pack: pack, Patterns: pts}
	}
	return d, nil
}

// LoadSplit decodes every row of a split (only the clean ones when cleanOnly) and checks sizes.
func LoadSplit(ds *shards.Dataset, name string, cleanOnly bool, size int) (*runners.MemSplit, error) {
	sp, err := ds.Split(name)
	if err != nil {
		return nil, fmt.Errorf("shards %s: split %q: %w (have %v)", ds.Dir, name, err, ds.Splits())
	}
	defer sp.Close()
	out := &runners.MemSplit{}
	err = sp.Each(func(i int, r *shards.Row) error {
		if cleanOnly && !r.Clean() {
			return nil
		}
		img, err := r.Decode()
		if err != nil {
			return fmt.Errorf("shards %s: split %s row %d (%s): %w", ds.Dir, name, i, r.SourceID, err)
		}
		if b := img.Bounds(); size > 0 && (b.Dx() != size || b.Dy() != size) {
			return fmt.Errorf("shards %s: split %s row %d is %dx%d, the network takes %dx%d", ds.Dir, name, i, b.Dx(), b.Dy(), size, size)
		}
		out.Images = append(out.Images, img)
		out.Labels = append(out.Labels, r.Label)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out.Images) == 0 {
		return nil, fmt.Errorf("shards %s: split %s has no usable rows", ds.Dir, name)
	}
	return out, nil
}

func selectPatterns(pack *patterns.Pack, ids []int) ([]patterns.Pattern, error) {
	if len(ids) == 0 {
		return pack.Patterns, nil
	}
	var out []patterns.Pattern
	for _, id := range ids {
		if id < 0 || id >= len(pack.Patterns) || pack.Patterns[id].ID != id {
			return nil, fmt.Errorf("pattern %d is not in the pack (%d patterns)", id, len(pack.Patterns))
		}
		out = append(out, pack.Patterns[id])
	}
	return out, nil
}
