package benchmarks

import (
	"fmt"
	"strings"

	"github.com/occbench/occbench/reports"
	"github.com/occbench/occbench/runners"
)

// The premise thresholds of docs/premise.md, written before any DFV result of the
// premise-positive miniature was seen; a DFV comparison is informative only when its
// classical baseline loses at least PremiseMinGap points under occlusion and the initial
// model's pooled DV-transfer R^2 is at least PremiseMinR2.
const (
	PremiseMinGap = 25.0
	PremiseMinR2  = 0.4
)

// Control row suffixes: DFV with Gaussian DVs of the bank's moments, and with isotropic noise.
const (
	ControlGaussian  = " (Gaussian DVs)"
	ControlIsotropic = " (isotropic noise)"
)

// RowsFor returns the rows a benchmark trains in a run: its Models, plus, when controls is
// set, the two control rows (docs/premise.md) right after its first DFV row, with that row's
// sets, variant and baseline. Sweeps and t-SNE figures get none.
func (b *Benchmark) RowsFor(controls bool) []ModelRow {
	rows := append([]ModelRow(nil), b.Models...)
	if !controls || (b.Kind != KindOcclusion && b.Kind != KindAR) {
		return rows
	}
	for i, r := range rows {
		if r.Method != runners.MethodDFV || r.DVSource != "" {
			continue
		}
		g, iso := r, r
		g.Model, g.DVSource = r.Model+ControlGaussian, runners.DVGaussian
		iso.Model, iso.DVSource = r.Model+ControlIsotropic, runners.DVIsotropic
		return append(rows[:i+1], append([]ModelRow{g, iso}, rows[i+1:]...)...)
	}
	return rows
}

// premiseOf labels every DFV row's comparison with its baseline (docs/premise.md).
func premiseOf(rows []ModelRow, results []*runners.Result) []reports.Premise {
	byModel := map[string]int{}
	for i, r := range rows {
		byModel[r.Model] = i
	}
	var out []reports.Premise
	for i, r := range rows {
		if r.Method != runners.MethodDFV || r.Baseline == "" {
			continue
		}
		bi, ok := byModel[r.Baseline]
		if !ok || results[bi] == nil || results[i] == nil {
			continue
		}
		base := results[bi]
		p := reports.Premise{Model: r.Model, Baseline: r.Baseline}
		if len(base.Patterns) == 0 {
			continue // real occlusion (AR): no clean-vs-pattern gap and no DV diagnostics
		}
		p.Gap = 100 * (base.Clean.Accuracy() - base.MeanOccludedAccuracy())
		p.GapByColumn = map[string]float64{}
		for _, ratio := range []float64{0.2, 0.1} {
			for _, pos := range []string{"center", "random"} {
				var s float64
				var n int
				for _, pc := range base.Patterns {
					if pc.Ratio == ratio && pc.Position == pos {
						s += pc.Accuracy()
						n++
					}
				}
				if n > 0 {
					p.GapByColumn[fmt.Sprintf("occ%d_%s", int(ratio*100+0.5), pos)] = 100 * (base.Clean.Accuracy() - s/float64(n))
				}
			}
		}
		var why []string
		if p.Gap < PremiseMinGap {
			why = append(why, fmt.Sprintf("occlusion gap %.1f < %.0f points", p.Gap, PremiseMinGap))
		}
		if pr := results[i].Premise; pr != nil {
			p.HasDV, p.R2, p.OwnR2, p.WithinCos, p.AcrossCos, p.RelNorm = true, pr.R2, pr.OwnR2, pr.WithinCos, pr.AcrossCos, pr.RelNorm
			if pr.R2 < PremiseMinR2 {
				why = append(why, fmt.Sprintf("DV-transfer R² %.2f < %.1f", pr.R2, PremiseMinR2))
			}
		} else {
			why = append(why, "no DV diagnostics in the run")
		}
		p.Label = "informative"
		if len(why) > 0 {
			p.Label, p.Reason = "uninformative", strings.Join(why, "; ")
		}
		out = append(out, p)
	}
	return out
}

// classicalOnly keeps the classical rows of a run (premise-only mode); results is
// seed-major.
func classicalOnly(b *Benchmark, results [][]*runners.Result) (*Benchmark, [][]*runners.Result) {
	c := *b
	c.Models = nil
	rs := make([][]*runners.Result, len(results))
	for i, r := range b.Models {
		if r.Method != runners.MethodDFV {
			c.Models = append(c.Models, r)
			for s := range results {
				rs[s] = append(rs[s], results[s][i])
			}
		}
	}
	return &c, rs
}

// onlyRows keeps the named rows, in their order; an unknown name, or a kept row whose
// baseline is not kept, is an error.
func onlyRows(rows []ModelRow, only []string) ([]ModelRow, error) {
	want := map[string]bool{}
	for _, n := range only {
		want[n] = true
	}
	var out []ModelRow
	for _, r := range rows {
		if want[r.Model] {
			out = append(out, r)
			delete(want, r.Model)
		}
	}
	for n := range want {
		var have []string
		for _, r := range rows {
			have = append(have, r.Model)
		}
		return nil, fmt.Errorf("no row %q (rows: %s)", n, strings.Join(have, ", "))
	}
	kept := map[string]bool{}
	for _, r := range out {
		kept[r.Model] = true
	}
	for _, r := range out {
		if r.Baseline != "" && !kept[r.Baseline] {
			return nil, fmt.Errorf("row %q is compared with %q, which is not among the rows kept", r.Model, r.Baseline)
		}
	}
	return out, nil
}
