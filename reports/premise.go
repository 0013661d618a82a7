package reports

import "fmt"

// Premise is the premise check of one DFV comparison (docs/premise.md): the occlusion gap of
// its classical baseline, the DV diagnostics of its run, and the label they give.
type Premise struct {
	Model    string `json:"model"`
	Baseline string `json:"baseline"`
	// Label is informative or uninformative; Reason names the failing figure(s).
	Label  string `json:"label"`
	Reason string `json:"reason,omitempty"`
	// Gap is the baseline's clean accuracy minus its mean occluded accuracy, in points;
	// GapByColumn the same per occlusion column (ratio and position).
	Gap         float64            `json:"occlusion_gap"`
	GapByColumn map[string]float64 `json:"occlusion_gap_by_column,omitempty"`
	// The run's DV diagnostics (runners.Premise), absent when the run had none (real pairs).
	HasDV     bool    `json:"has_dv_diagnostics"`
	R2        float64 `json:"dv_transfer_r2"`
	OwnR2     float64 `json:"own_mean_r2"`
	WithinCos float64 `json:"within_pattern_cosine"`
	AcrossCos float64 `json:"across_pattern_cosine"`
	RelNorm   float64 `json:"dv_norm_relative"`
}

func (r *Report) premiseSection() section {
	s := section{ID: "premise", Text: 3, Title: "Premise of DFV (docs/premise.md)", Header: []string{"model", "over", "label", "occlusion gap", "DV-transfer R²", "own-mean R²", "cosine within / across", "norm DV / DFV", "reason"}}
	for _, p := range r.Premise {
		row := []string{p.Model, p.Baseline, p.Label, fmt.Sprintf("%.2f", p.Gap)}
		if p.HasDV {
			row = append(row, fmt.Sprintf("%.3f", p.R2), fmt.Sprintf("%.3f", p.OwnR2),
				fmt.Sprintf("%.3f / %.3f", p.WithinCos, p.AcrossCos), fmt.Sprintf("%.3f", p.RelNorm))
		} else {
			row = append(row, "—", "—", "—", "—")
		}
		s.Rows = append(s.Rows, append(row, p.Reason))
	}
	return s
}

// premiseLabel is the premise label of the comparison row over baseline, "" when the report
// has none.
func (r *Report) premiseLabel(row, baseline string) string {
	for _, p := range r.Premise {
		if p.Model == row && p.Baseline == baseline {
			return p.Label
		}
	}
	return ""
}
