package gonn

import (
	"fmt"
	"image"

	"github.com/occbench/occbench/runners"
)

// PremiseDiagnostics measures the premise of DFV (docs/premise.md) on m as it is: the DVs of
// the Iop pairs and of runners.PremiseTestIndex's test images under the same Iop patterns,
// reduced by runners.PremiseOf. Run calls it on the initial model of a dfv run whose Iop is
// synthesized (real pairs have no pattern to transfer).
func PremiseDiagnostics(m *Model, iop *runners.PatternPairs, test runners.Split, batch int) (*runners.Premise, error) {
	pats := iop.Patterns
	ids := make([]int, len(pats))
	for p, pt := range pats {
		ids[p] = pt.ID
	}
	// Iop: clean image c, pattern p is pair c*len(pats)+p (runners.PatternPairs).
	var clean []*image.NRGBA
	for c := 0; c < iop.Clean.Len(); c++ {
		img, _, err := iop.Clean.Example(c)
		if err != nil {
			return nil, fmt.Errorf("premise: iop image %d: %w", c, err)
		}
		clean = append(clean, img)
	}
	iopFeat, iopOcc, err := occludedFeatures(m, clean, iop, batch)
	if err != nil {
		return nil, fmt.Errorf("premise: iop: %w", err)
	}
	var iopDV [][]float32
	var iopPat []int
	for c := range clean {
		for p := range pats {
			iopDV = append(iopDV, sub32(iopOcc[p][c], iopFeat[c]))
			iopPat = append(iopPat, ids[p])
		}
	}
	var timgs []*image.NRGBA
	for _, i := range runners.PremiseTestIndex(test.Len()) {
		img, _, err := test.Example(i)
		if err != nil {
			return nil, fmt.Errorf("premise: test image %d: %w", i, err)
		}
		timgs = append(timgs, img)
	}
	tFeat, tOcc, err := occludedFeatures(m, timgs, iop, batch)
	if err != nil {
		return nil, fmt.Errorf("premise: test: %w", err)
	}
	testDV := make([][][]float32, len(pats))
	for p := range pats {
		for j := range timgs {
			testDV[p] = append(testDV[p], sub32(tOcc[p][j], tFeat[j]))
		}
	}
	return runners.PremiseOf(iopDV, iopPat, ids, testDV, tFeat)
}

// occludedFeatures returns the DFVs of imgs and, per pattern of iop, of imgs occluded with it.
func occludedFeatures(m *Model, imgs []*image.NRGBA, iop *runners.PatternPairs, batch int) ([][]float32, [][][]float32, error) {
	clean, err := Features(m, imgs, batch)
	if err != nil {
		return nil, nil, err
	}
	occ := make([][][]float32, len(iop.Patterns))
	for p, pt := range iop.Patterns {
		oi := make([]*image.NRGBA, len(imgs))
		for i, img := range imgs {
			if oi[i], err = runners.Occlude(img, iop.Pack, pt); err != nil {
				return nil, nil, err
			}
		}
		if occ[p], err = Features(m, oi, batch); err != nil {
			return nil, nil, err
		}
	}
	return clean, occ, nil
}

func sub32(a, b []float32) []float32 {
	out := make([]float32, len(a))
	for i := range a {
		out[i] = a[i] - b[i]
	}
	return out
}
