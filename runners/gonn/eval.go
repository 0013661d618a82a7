package gonn

import (
	"fmt"

	"github.com/occbench/occbench/occluders"
	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/runners"
)

// Evaluate counts correct predictions of m on every clean test image and on the same image
// composited with every pattern (DESIGN.md decision 6: each clean image is read once and
// occluded in memory with occluders.Composite; nothing occluded is materialized). batch is the
// inference batch (default 64); the last partial batch is padded and the padding ignored.
// Every count carries Hits: bit i says whether test image i (in split order) was right.
func Evaluate(m *Model, test runners.Split, pack *patterns.Pack, pats []patterns.Pattern, batch int) (runners.Count, []runners.PatternCount, error) {
	K := m.Arch.NumClasses
	clean := runners.NewCount(K)
	pcs := make([]runners.PatternCount, len(pats))
	for i, p := range pats {
		pcs[i] = runners.PatternCount{ID: p.ID, Name: p.Name, Ratio: p.Ratio, Position: p.Position, Count: runners.NewCount(K)}
		if pack == nil || pack.Images[p.File] == nil {
			return clean, nil, fmt.Errorf("evaluate: pattern %d (%s): occluder image %q is not in the pack", p.ID, p.Name, p.File)
		}
	}
	if batch <= 0 {
		batch = 64
	}
	g, err := NewGraph(m, batch, false, 0)
	if err != nil {
		return clean, nil, err
	}
	defer g.Close()
	s := m.Arch.InputSize
	per := 3 * s * s
	x := g.X.Data().([]float32)
	n := test.Len()
	hits := make([][]bool, len(pats)+1) // [0] clean, [j+1] pattern j
	for j := range hits {
		hits[j] = make([]bool, n)
	}
	type item struct{ image, label, pattern int } // pattern -1 = clean
	pending := make([]item, 0, batch)
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		clear(x[len(pending)*per:])
		if err := g.Run(); err != nil {
			return err
		}
		lg := g.Logits()
		for i, it := range pending {
			pred := argmax(lg[i*K : (i+1)*K])
			hits[it.pattern+1][it.image] = pred == it.label
			if it.pattern < 0 {
				clean.Add(it.label, pred)
			} else {
				pcs[it.pattern].Add(it.label, pred)
			}
		}
		pending = pending[:0]
		return nil
	}
	for i := 0; i < n; i++ {
		img, label, err := test.Example(i)
		if err != nil {
			return clean, nil, fmt.Errorf("test example %d: %w", i, err)
		}
		if label < 0 || label >= K {
			return clean, nil, fmt.Errorf("test example %d: label %d outside [0,%d)", i, label, K)
		}
		work := cloneNRGBA(img)
		for j := -1; j < len(pats); j++ {
			src := img
			if j >= 0 {
				copy(work.Pix, img.Pix)
				p := pats[j]
				occluders.Composite(work, pack.Images[p.File], p.X, p.Y)
				src = work
			}
			if err := toCHW(x[len(pending)*per:(len(pending)+1)*per], src, s); err != nil {
				return clean, nil, fmt.Errorf("test example %d: %w", i, err)
			}
			pending = append(pending, item{i, label, j})
			if len(pending) == batch {
				if err := flush(); err != nil {
					return clean, nil, err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return clean, nil, err
	}
	clean.Hits = runners.EncodeHits(hits[0])
	for j := range pcs {
		pcs[j].Hits = runners.EncodeHits(hits[j+1])
	}
	return clean, pcs, nil
}
