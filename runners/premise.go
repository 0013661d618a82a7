package runners

import (
	"fmt"
	"math"
)

// Premise holds the DV diagnostics of a dfv run (docs/premise.md), computed by the runner
// on its initial model (the pretrained network both the classical and the DFV rows start
// from) before training: DVs of the Iop pairs and of PremiseTestImages test images under the
// same Iop patterns.
type Premise struct {
	Model      string `json:"model"`       // "initial": the weights before fine-tuning
	TestImages int    `json:"test_images"` // clean test images whose DVs were measured
	IopPairs   int    `json:"iop_pairs"`
	// R2 is the DV-transfer R^2: 1 - SSE(each test DV predicted by its pattern's Iop mean DV)
	// / SST(test DVs around their grand mean), pooled over patterns.
	R2 float64 `json:"dv_transfer_r2"`
	// OwnR2 is the same with each pattern's own test mean (how much the pattern explains).
	OwnR2 float64 `json:"own_mean_r2"`
	// WithinCos and AcrossCos are mean cosines between test DVs of the same pattern (other
	// images) and of different patterns.
	WithinCos float64 `json:"within_pattern_cosine"`
	AcrossCos float64 `json:"across_pattern_cosine"`
	// DVNorm and FeatureNorm are the mean norms of the test DVs and the clean test DFVs;
	// RelNorm = DVNorm / FeatureNorm.
	DVNorm      float64          `json:"dv_norm"`
	FeatureNorm float64          `json:"feature_norm"`
	RelNorm     float64          `json:"dv_norm_relative"`
	Patterns    []PatternPremise `json:"patterns"`
}

// PatternPremise is one Iop pattern's share of the diagnostics.
type PatternPremise struct {
	ID    int     `json:"id"`
	R2    float64 `json:"dv_transfer_r2"`
	OwnR2 float64 `json:"own_mean_r2"`
}

// PremiseTestImages caps the test images of the diagnostics; PremiseTestIndex picks them.
const PremiseTestImages = 200

// PremiseTestIndex returns the test images the diagnostics use: n evenly spaced indices
// i*total/n (all of them when total <= PremiseTestImages). Both runners use this rule.
func PremiseTestIndex(total int) []int {
	n := min(total, PremiseTestImages)
	out := make([]int, n)
	for i := range out {
		out[i] = i * total / n
	}
	return out
}

// PremiseOf computes the diagnostics. iopDV[i] is Iop pair i's DV and iopPat[i] its pattern
// id; testDV[p][j] is test image j's DV under pattern ids[p]; testFeat[j] its clean DFV.
func PremiseOf(iopDV [][]float32, iopPat []int, ids []int, testDV [][][]float32, testFeat [][]float32) (*Premise, error) {
	if len(ids) == 0 || len(testDV) != len(ids) || len(testFeat) == 0 || len(iopDV) != len(iopPat) {
		return nil, fmt.Errorf("premise: %d patterns, %d test DV groups, %d test features, %d Iop DVs / %d pattern ids",
			len(ids), len(testDV), len(testFeat), len(iopDV), len(iopPat))
	}
	F := len(testFeat[0])
	pr := &Premise{Model: "initial", TestImages: len(testFeat), IopPairs: len(iopDV)}
	where := map[int]int{}
	for p, id := range ids {
		where[id] = p
	}
	iopMean := make([][]float64, len(ids))
	iopN := make([]int, len(ids))
	for p := range ids {
		iopMean[p] = make([]float64, F)
	}
	for i, d := range iopDV {
		p, ok := where[iopPat[i]]
		if !ok {
			return nil, fmt.Errorf("premise: Iop pair %d has pattern %d, not among the test DV patterns", i, iopPat[i])
		}
		iopN[p]++
		for k, v := range d {
			iopMean[p][k] += float64(v)
		}
	}
	grand := make([]float64, F)
	var N int
	ownMean := make([][]float64, len(ids))
	for p, g := range testDV {
		if iopN[p] == 0 {
			return nil, fmt.Errorf("premise: pattern %d has no Iop pair", ids[p])
		}
		for k := range iopMean[p] {
			iopMean[p][k] /= float64(iopN[p])
		}
		ownMean[p] = make([]float64, F)
		for _, d := range g {
			for k, v := range d {
				grand[k] += float64(v)
				ownMean[p][k] += float64(v)
			}
		}
		for k := range ownMean[p] {
			ownMean[p][k] /= float64(len(g))
		}
		N += len(g)
	}
	for k := range grand {
		grand[k] /= float64(N)
	}
	sq := func(d []float32, mu []float64) float64 {
		var s float64
		for k, v := range d {
			e := float64(v) - mu[k]
			s += e * e
		}
		return s
	}
	var sse, sseOwn, sst float64
	// Cosines through sums of unit vectors: the mean pairwise cosine within a group of n
	// unit vectors u is (|sum u|^2 - n) / (n(n-1)), exactly, in O(n F).
	all := make([]float64, F)
	var withinNum, withinDen, sumGroupSq float64
	var dvNorm float64
	for p, g := range testDV {
		var e, eo, t float64
		gs := make([]float64, F)
		for _, d := range g {
			e += sq(d, iopMean[p])
			eo += sq(d, ownMean[p])
			t += sq(d, grand)
			n := norm32(d)
			dvNorm += n
			if n > 0 {
				for k, v := range d {
					gs[k] += float64(v) / n
				}
			}
		}
		sse, sseOwn, sst = sse+e, sseOwn+eo, sst+t
		pp := PatternPremise{ID: ids[p], R2: 1 - e/t, OwnR2: 1 - eo/t}
		if t == 0 {
			pp.R2, pp.OwnR2 = 0, 0
		}
		pr.Patterns = append(pr.Patterns, pp)
		n := float64(len(g))
		s2 := dot(gs, gs)
		sumGroupSq += s2
		if n > 1 {
			withinNum += s2 - n
			withinDen += n * (n - 1)
		}
		for k := range all {
			all[k] += gs[k]
		}
	}
	if sst > 0 {
		pr.R2, pr.OwnR2 = 1-sse/sst, 1-sseOwn/sst
	}
	if withinDen > 0 {
		pr.WithinCos = withinNum / withinDen
	}
	var nn float64
	for _, g := range testDV {
		nn += float64(len(g)) * float64(len(g))
	}
	if across := float64(N)*float64(N) - nn; across > 0 {
		pr.AcrossCos = (dot(all, all) - sumGroupSq) / across
	}
	pr.DVNorm = dvNorm / float64(N)
	for _, f := range testFeat {
		pr.FeatureNorm += norm32(f)
	}
	pr.FeatureNorm /= float64(len(testFeat))
	if pr.FeatureNorm > 0 {
		pr.RelNorm = pr.DVNorm / pr.FeatureNorm
	}
	return pr, nil
}

func norm32(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
