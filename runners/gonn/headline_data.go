package gonn

import (
	"fmt"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/synth/preprocess"
	"github.com/occbench/occbench/synth/sources"
	"github.com/occbench/occbench/synth/splits"
)

// HeadlineData is the image data of the mini Table 2, read through the project's own
// pipeline (sources -> splits -> preprocess -> pattern pack) from a manifest shaped like
// manifests/data/fashion-mnist.yaml: a pretraining pool, an exclusive training set, its test
// set and the Iop clean images of the classes outside it.
type HeadlineData struct {
	// Pool is the pretraining pool (labels: the source's class index).
	Pool *runners.MemSplit
	// Train and Test are the fine-tuning task (labels: index in TrainClasses).
	Train, Test  *runners.MemSplit
	TrainClasses []string
	// TrainSourceIdx maps a Train/Test label to the source's class index (the manifest may
	// order classes differently from the source: `first: 8` is alphabetical).
	TrainSourceIdx []int
	// IopClean holds the clean Iop images; every pattern of Pack occludes each of them.
	IopClean *runners.MemSplit
	Pack     *patterns.Pack
}

// HeadlineSets names the manifest sets the headline reads.
type HeadlineSets struct {
	Pool, Train, Test, Iop string
	// Inclusive allows Iop classes inside the training set (Table 4's shape); otherwise they
	// must lie outside it (Table 2's exclusive protocol).
	Inclusive bool
}

// DefaultHeadlineSets are the fashion-mnist manifest's exclusive-protocol sets (Table 2's
// shape: Iop from the 2 classes outside the 8 training classes).
var DefaultHeadlineSets = HeadlineSets{Pool: "pretrain", Train: "trn_x", Test: "tst_x", Iop: "iop_x"}

// InclusiveHeadlineSets are its inclusive-protocol sets (Table 4's C vs C-Full: Iop drawn
// from 3 of the 10 training classes, Itrn = Itrn_c).
var InclusiveHeadlineSets = HeadlineSets{Pool: "pretrain", Train: "trn_c", Test: "tst", Iop: "iop", Inclusive: true}

// LoadHeadlineData resolves manifest m against the dataset at root ("" = the manifest's
// default root) and decodes and preprocesses the named sets in memory. testPerClass > 0 keeps
// only the first testPerClass test images of each class (the set's own order: source id
// order within a class), so a CI run can evaluate on a deterministic subset.
func LoadHeadlineData(m *manifests.Manifest, root string, sets HeadlineSets, testPerClass int) (*HeadlineData, error) {
	if root == "" {
		root = m.DatasetRoot("")
	}
	src, err := sources.Open(m.Source.Layout, root, sources.Options{})
	if err != nil {
		return nil, err
	}
	sp, err := splits.Resolve(m, src.Classes(), src.Items())
	if err != nil {
		return nil, err
	}
	items := map[string]sources.Item{}
	for _, it := range src.Items() {
		items[it.ID] = it
	}
	classIdx := map[string]int{}
	for i, c := range src.Classes() {
		classIdx[c] = i
	}
	load := func(name string, labelOf map[string]int, perClass int) (*runners.MemSplit, error) {
		l := sp.Set(name)
		if l == nil {
			return nil, fmt.Errorf("headline: manifest %s has no set %q", m.Name, name)
		}
		out := &runners.MemSplit{}
		seen := map[string]int{}
		for _, e := range l.Items {
			if perClass > 0 && seen[e.Class] >= perClass {
				continue
			}
			seen[e.Class]++
			it, ok := items[e.ID]
			if !ok {
				return nil, fmt.Errorf("headline: set %s: item %s is not in the source", name, e.ID)
			}
			img, err := src.Decode(it)
			if err != nil {
				return nil, err
			}
			p, err := preprocess.Apply(img, m.Preprocess.Mode, m.Preprocess.Size, m.Preprocess.Shorter, it.BBox)
			if err != nil {
				return nil, fmt.Errorf("headline: %s: %w", e.ID, err)
			}
			lab, ok := labelOf[e.Class]
			if !ok {
				return nil, fmt.Errorf("headline: set %s: class %q has no label", name, e.Class)
			}
			out.Images = append(out.Images, p)
			out.Labels = append(out.Labels, lab)
		}
		return out, nil
	}
	d := &HeadlineData{}
	if d.Pool, err = load(sets.Pool, classIdx, 0); err != nil {
		return nil, err
	}
	trn := sp.Set(sets.Train)
	if trn == nil {
		return nil, fmt.Errorf("headline: manifest %s has no set %q", m.Name, sets.Train)
	}
	d.TrainClasses = trn.Classes
	local := map[string]int{}
	for i, c := range trn.Classes {
		local[c] = i
		d.TrainSourceIdx = append(d.TrainSourceIdx, classIdx[c])
	}
	if d.Train, err = load(sets.Train, local, 0); err != nil {
		return nil, err
	}
	if d.Test, err = load(sets.Test, local, testPerClass); err != nil {
		return nil, err
	}
	if d.IopClean, err = load(sets.Iop, classIdx, 0); err != nil {
		return nil, err
	}
	for _, c := range sp.Set(sets.Iop).Classes {
		if _, ok := local[c]; ok && !sets.Inclusive {
			return nil, fmt.Errorf("headline: Iop class %q is also a training class (the headline is the exclusive protocol)", c)
		}
	}
	if d.Pack, err = patterns.FromManifest(m, ""); err != nil {
		return nil, err
	}
	return d, nil
}
