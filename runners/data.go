package runners

import (
	"fmt"
	"image"

	"github.com/occbench/occbench/occluders"
	"github.com/occbench/occbench/occluders/patterns"
)

// Split is a set of clean, labeled images, already preprocessed to the network input size
// (square, opaque NRGBA). The shard reader is adapted to it; MemSplit serves tests.
type Split interface {
	Len() int
	Example(i int) (img *image.NRGBA, label int, err error)
}

// PairSet is the DV flow's Iop: clean/occluded image pairs (PROTOCOL.md section 1).
type PairSet interface {
	Len() int
	Pair(i int) (clean, occluded *image.NRGBA, err error)
}

// NamedSplit is a split with its name (the spec's eval.sets).
type NamedSplit struct {
	Name string
	Split
}

// Data is what a run reads: the splits its run spec names, decoded and adapted to these
// interfaces by the caller (runners/sharddata reads them from a shard set; tests build them
// in memory).
type Data struct {
	Classes []string // class names in label order, when the caller knows them
	Train   Split    // the training set named by spec.train_set
	Iop     PairSet  // the DV flow's pairs (method dfv); nil for method classical
	Test    Split    // clean test images: patterns are composited at evaluation
	Pack    *patterns.Pack
	// EvalSets are more test splits, evaluated as they are (spec eval.sets), in order.
	EvalSets []NamedSplit
}

// MemSplit is an in-memory Split.
type MemSplit struct {
	Images []*image.NRGBA
	Labels []int
}

// Len returns the number of examples.
func (s *MemSplit) Len() int { return len(s.Images) }

// Example returns image i and its label.
func (s *MemSplit) Example(i int) (*image.NRGBA, int, error) {
	if i < 0 || i >= len(s.Images) {
		return nil, 0, fmt.Errorf("split: example %d out of range [0,%d)", i, len(s.Images))
	}
	return s.Images[i], s.Labels[i], nil
}

// PatternPairs expands every clean image of a split with every selected pattern of a pattern
// pack: pair i is image i / len(Patterns) with pattern i % len(Patterns). The occluded image
// is composited in memory with occluders.Composite (DESIGN.md decisions 2 and 6).
type PatternPairs struct {
	Clean    Split
	Pack     *patterns.Pack
	Patterns []patterns.Pattern
}

// Len returns clean images x patterns.
func (p *PatternPairs) Len() int { return p.Clean.Len() * len(p.Patterns) }

// Pair returns the clean image and its occluded version for pair i.
func (p *PatternPairs) Pair(i int) (*image.NRGBA, *image.NRGBA, error) {
	if len(p.Patterns) == 0 {
		return nil, nil, fmt.Errorf("pairs: no patterns")
	}
	img, _, err := p.Clean.Example(i / len(p.Patterns))
	if err != nil {
		return nil, nil, err
	}
	occ, err := Occlude(img, p.Pack, p.Patterns[i%len(p.Patterns)])
	return img, occ, err
}

// RealPairs holds real clean/occluded pairs (AR faces: nothing is synthesized).
type RealPairs struct {
	Clean, Occluded []*image.NRGBA
}

// Len returns the number of pairs.
func (p *RealPairs) Len() int { return len(p.Clean) }

// Pair returns pair i.
func (p *RealPairs) Pair(i int) (*image.NRGBA, *image.NRGBA, error) {
	if i < 0 || i >= len(p.Clean) {
		return nil, nil, fmt.Errorf("pairs: pair %d out of range [0,%d)", i, len(p.Clean))
	}
	return p.Clean[i], p.Occluded[i], nil
}

// Occlude returns a copy of img with pattern pt of pack composited at its position.
func Occlude(img *image.NRGBA, pack *patterns.Pack, pt patterns.Pattern) (*image.NRGBA, error) {
	occ := pack.Images[pt.File]
	if occ == nil {
		return nil, fmt.Errorf("pattern %d (%s): occluder image %q is not in the pack", pt.ID, pt.Name, pt.File)
	}
	dst := image.NewNRGBA(img.Rect)
	copy(dst.Pix, img.Pix)
	if img.Stride != dst.Stride {
		for y := 0; y < img.Rect.Dy(); y++ {
			copy(dst.Pix[y*dst.Stride:(y+1)*dst.Stride], img.Pix[y*img.Stride:])
		}
	}
	occluders.Composite(dst, occ, pt.X, pt.Y)
	return dst, nil
}

// Relabel returns a split whose labels are classifier outputs: label l becomes index(l)
// (RunSpec.LabelIndex). A label the classifier does not cover is an error naming the example.
func Relabel(s Split, index func(int) (int, bool)) Split {
	return &relabeled{s, index}
}

type relabeled struct {
	Split
	index func(int) (int, bool)
}

func (r *relabeled) Example(i int) (*image.NRGBA, int, error) {
	img, l, err := r.Split.Example(i)
	if err != nil {
		return nil, 0, err
	}
	k, ok := r.index(l)
	if !ok {
		return nil, 0, fmt.Errorf("example %d: label %d is not among the classifier's classes (run spec classes)", i, l)
	}
	return img, k, nil
}
