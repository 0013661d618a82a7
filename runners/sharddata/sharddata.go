package sharddata

import (
	"fmt"
	"image"
	"path/filepath"

	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/synth/shards"
)

// Load reads the splits a spec names from spec.Shards.
func Load(spec *runners.RunSpec) (*runners.Data, error) {
	ds, err := shards.Open(spec.Shards)
	if err != nil {
		return nil, err
	}
	pack, err := LoadPack(ds, spec.PatternPack)
	if err != nil {
		return nil, err
	}
	d := &runners.Data{Classes: ds.Classes(), Pack: pack}
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
	for _, name := range spec.Eval.Sets {
		sp, err := LoadSplit(ds, name, true, spec.Network.InputSize)
		if err != nil {
			return nil, err
		}
		d.EvalSets = append(d.EvalSets, runners.NamedSplit{Name: name, Split: sp})
	}
	if spec.Method == runners.MethodDFV {
		if pairs := RealPairsOf(ds, spec.IopSet); pairs != nil {
			if len(spec.IopPatterns) > 0 {
				return nil, fmt.Errorf("run spec: iop_patterns: split %s holds real pairs, it takes no patterns", spec.IopSet)
			}
			if d.Iop, err = RealPairs(ds, spec.IopSet, pairs, spec.Network.InputSize); err != nil {
				return nil, err
			}
			return d, nil
		}
		clean, err := LoadSplit(ds, spec.IopSet, true, spec.Network.InputSize)
		if err != nil {
			return nil, err
		}
		pts, err := pack.ByID(spec.IopPatterns)
		if err != nil {
			return nil, fmt.Errorf("run spec: iop_patterns: %w", err)
		}
		d.Iop = &runners.PatternPairs{Clean: clean, Pack: pack, Patterns: pts}
	}
	return d, nil
}

// LoadPack reads the pattern pack a run composites with (dir, or the shard set's own when
// dir is ""), after checking it against the shard set's lock: a pack whose table or files
// differ from the ones the shards were written with (a replaced occluder PNG, a moved
// position) is refused with an error naming the file.
func LoadPack(ds *shards.Dataset, dir string) (*patterns.Pack, error) {
	if dir == "" {
		dir = filepath.Join(ds.Dir, shards.PackDir)
	}
	if ds.Lock != nil {
		if err := shards.CheckPack(dir, ds.Lock); err != nil {
			return nil, err
		}
	}
	return patterns.ReadPack(dir)
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

// RealPairsOf returns the real pairs the lock lists for a split, or nil.
func RealPairsOf(ds *shards.Dataset, split string) []shards.RealPair {
	if ds.Lock == nil {
		return nil
	}
	for _, s := range ds.Lock.Splits {
		if s.Name == split {
			return s.RealPairs
		}
	}
	return nil
}

// RealPairs pairs the rows of a split by source id as the lock's real pairs say (AR:
// every clean image of a subject with every really occluded one). A pair whose image is
// missing from the split (a source image synth skipped) is an error naming it.
func RealPairs(ds *shards.Dataset, split string, pairs []shards.RealPair, size int) (*runners.RealPairs, error) {
	sp, err := ds.Split(split)
	if err != nil {
		return nil, fmt.Errorf("shards %s: split %q: %w", ds.Dir, split, err)
	}
	defer sp.Close()
	byID := map[string]*image.NRGBA{}
	err = sp.Each(func(i int, r *shards.Row) error {
		img, err := r.Decode()
		if err != nil {
			return fmt.Errorf("shards %s: split %s row %d (%s): %w", ds.Dir, split, i, r.SourceID, err)
		}
		if b := img.Bounds(); size > 0 && (b.Dx() != size || b.Dy() != size) {
			return fmt.Errorf("shards %s: split %s row %d is %dx%d, the network takes %dx%d", ds.Dir, split, i, b.Dx(), b.Dy(), size, size)
		}
		byID[r.SourceID] = img
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &runners.RealPairs{}
	for _, p := range pairs {
		c, o := byID[p.Clean], byID[p.Occluded]
		if c == nil || o == nil {
			return nil, fmt.Errorf("shards %s: split %s: real pair %s / %s: image not in the split", ds.Dir, split, p.Clean, p.Occluded)
		}
		out.Clean = append(out.Clean, c)
		out.Occluded = append(out.Occluded, o)
	}
	return out, nil
}
