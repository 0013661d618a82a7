package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// SchemaVersion is the version of the report JSON this package writes. Version 1 (one seed,
// counts only, cell parts at the top of a cell) is still read.
const SchemaVersion = 2

// maxReportBytes caps a report file read from outside (a paper-scale report with hits of 240
// patterns x 45,000 images x 4 rows x 3 seeds is about 100 MB).
const maxReportBytes = 1 << 30

// Report is one benchmark table: rows of models, columns of accuracies.
type Report struct {
	Version    int        `json:"version"`
	Benchmark  string     `json:"benchmark"`
	Title      string     `json:"title"`
	Profile    string     `json:"profile"`
	Comparable bool       `json:"comparable"` // measured numbers comparable to the paper's in absolute terms
	Columns    []string   `json:"columns"`
	Rows       []Row      `json:"rows"`
	Notes      []string   `json:"notes,omitempty"`
	Provenance Provenance `json:"provenance"`
	// Premise labels each DFV comparison informative or not (premise.go, docs/premise.md).
	Premise []Premise `json:"premise,omitempty"`
	// Seeds are the training seeds the measured rows were run with, in order (version 2).
	Seeds []uint64 `json:"seeds,omitempty"`
	// Effects are the paired differences of one row against another, per column, with the
	// verdict of the paper's claim where there is one (version 2; verdict.go).
	Effects []Effect `json:"effects,omitempty"`
	// NoLossMargin is the margin of the no-loss claims, in points (docs/statistics.md).
	NoLossMargin float64 `json:"no_loss_margin,omitempty"`
	// Gallery holds example occluded test images for the HTML report (not in the JSON).
	Gallery []Thumb `json:"-"`
}

// Row is one model (or a literature reference, which has no measured values).
type Row struct {
	Model string `json:"model"`
	Role  string `json:"role"` // reproduce | reference
	// Baseline names the classical row a DFV row improves on ("" for none).
	Baseline string `json:"baseline,omitempty"`
	Cells    []Cell `json:"cells"`
	// Patterns is the accuracy under every test pattern, mean over seeds (the heatmap).
	Patterns []PatternAccuracy `json:"patterns,omitempty"`
}

// PatternAccuracy is one row's accuracy under one occlusion pattern.
type PatternAccuracy struct {
	Name     string  `json:"name"`
	Occluder string  `json:"occluder"`
	Ratio    float64 `json:"ratio"`
	Position string  `json:"position"`
	Accuracy float64 `json:"accuracy"` // percent
}

// Cell is one accuracy: the paper's value, the measured value (mean over seeds) with its 95%
// interval, and each seed's raw counts.
type Cell struct {
	Paper    *float64 `json:"paper,omitempty"`
	Measured *float64 `json:"measured,omitempty"`
	Lo       *float64 `json:"ci_lo,omitempty"`
	Hi       *float64 `json:"ci_hi,omitempty"`
	// Method says how the interval was computed (stats.Method*).
	Method string `json:"method,omitempty"`
	// Seeds holds one entry per seed of Report.Seeds, in that order.
	Seeds []SeedCell `json:"seeds,omitempty"`
	// Parts is version 1's single-seed parts; ReadJSON moves it into Seeds.
	Parts []Count `json:"parts,omitempty"`
}

// SeedCell is one seed's measurement of a cell.
type SeedCell struct {
	Seed     uint64   `json:"seed"`
	Measured *float64 `json:"measured,omitempty"`
	Lo       *float64 `json:"ci_lo,omitempty"`
	Hi       *float64 `json:"ci_hi,omitempty"`
	Method   string   `json:"method,omitempty"`
	// Parts are the raw counts: one per test pattern, or one for clean accuracy.
	Parts []Count `json:"parts"`
}

// Count is correct out of total for one part of a cell.
type Count struct {
	Correct int64 `json:"correct"`
	Total   int64 `json:"total"`
	// Hits is the per-image record of this part (runners.EncodeHits), when the runner kept it.
	Hits string `json:"hits,omitempty"`
}

// Tally returns the part's correct and total (runners.Tally).
func (c Count) Tally() (correct, total int64) { return c.Correct, c.Total }

// Provenance says where and how the numbers were measured.
type Provenance struct {
	Commit       string  `json:"commit,omitempty"`
	ManifestLock string  `json:"manifest_lock,omitempty"`
	Runner       string  `json:"runner,omitempty"`
	Hardware     string  `json:"hardware,omitempty"`
	WallSeconds  float64 `json:"wall_seconds,omitempty"`
	Started      string  `json:"started,omitempty"`
}

// Diff is measured minus paper, when both exist.
func (c Cell) Diff() *float64 {
	if c.Paper == nil || c.Measured == nil {
		return nil
	}
	d := *c.Measured - *c.Paper
	return &d
}

// Improvement returns row r's gain over its baseline in column j, paper and measured.
func (r *Report) Improvement(row, col int) (paper, measured *float64) {
	base := r.row(r.Rows[row].Baseline)
	if base == nil {
		return nil, nil
	}
	c, b := r.Rows[row].Cells[col], base.Cells[col]
	if c.Paper != nil && b.Paper != nil {
		v := *c.Paper - *b.Paper
		paper = &v
	}
	if c.Measured != nil && b.Measured != nil {
		v := *c.Measured - *b.Measured
		measured = &v
	}
	return paper, measured
}

func (r *Report) row(model string) *Row {
	if model == "" {
		return nil
	}
	for i := range r.Rows {
		if r.Rows[i].Model == model {
			return &r.Rows[i]
		}
	}
	return nil
}

func (r *Report) column(name string) int {
	for j, c := range r.Columns {
		if c == name {
			return j
		}
	}
	return -1
}

// ReadJSON loads a report written by WriteJSON (version 1 or 2), refusing unknown fields,
// other versions, duplicate rows, cells that do not match the columns, and impossible counts.
func ReadJSON(path string) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if st.Size() > maxReportBytes {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d a report may have", path, st.Size(), maxReportBytes)
	}
	r, err := DecodeJSON(io.LimitReader(f, maxReportBytes))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// DecodeJSON reads one report from r (see ReadJSON).
func DecodeJSON(in io.Reader) (*Report, error) {
	dec := json.NewDecoder(in)
	dec.DisallowUnknownFields()
	var r Report
	if err := dec.Decode(&r); err != nil {
		return nil, err
	}
	if r.Version != 1 && r.Version != SchemaVersion {
		return nil, fmt.Errorf("report version %d, this bench reads 1 and %d", r.Version, SchemaVersion)
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	if r.Version == 1 {
		// Version 1 is one seed, counts only: its parts become seed 0's.
		for i := range r.Rows {
			for j := range r.Rows[i].Cells {
				c := &r.Rows[i].Cells[j]
				if c.Parts != nil {
					c.Seeds = []SeedCell{{Measured: c.Measured, Lo: c.Lo, Hi: c.Hi, Parts: c.Parts}}
					c.Parts = nil
				}
			}
		}
		r.Version = SchemaVersion
	}
	return &r, nil
}

func (r *Report) validate() error {
	seen := map[string]bool{}
	for i, row := range r.Rows {
		if seen[row.Model] {
			return fmt.Errorf("rows %q: the model appears twice", row.Model)
		}
		seen[row.Model] = true
		if len(row.Cells) != len(r.Columns) {
			return fmt.Errorf("row %d (%s) has %d cells for %d columns", i, row.Model, len(row.Cells), len(r.Columns))
		}
		for j, c := range row.Cells {
			where := fmt.Sprintf("row %s, column %s", row.Model, r.Columns[j])
			if r.Version >= 2 && c.Parts != nil {
				return fmt.Errorf("%s: parts belong under seeds in version %d", where, r.Version)
			}
			if len(c.Seeds) > 0 && len(c.Seeds) != len(r.Seeds) {
				return fmt.Errorf("%s: %d seeds for the report's %d", where, len(c.Seeds), len(r.Seeds))
			}
			for k, v := range []*float64{c.Measured, c.Lo, c.Hi} {
				if v != nil && (*v != *v) {
					return fmt.Errorf("%s: %s is not a number", where, []string{"measured", "ci_lo", "ci_hi"}[k])
				}
			}
			parts := [][]Count{c.Parts}
			for _, s := range c.Seeds {
				parts = append(parts, s.Parts)
			}
			for _, ps := range parts {
				for _, p := range ps {
					if p.Correct < 0 || p.Total < 0 {
						return fmt.Errorf("%s: negative count %d of %d", where, p.Correct, p.Total)
					}
					if p.Correct > p.Total {
						return fmt.Errorf("%s: %d correct of %d", where, p.Correct, p.Total)
					}
				}
			}
		}
	}
	return nil
}
