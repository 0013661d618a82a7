package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"os"

	"github.com/occbench/occbench/runners"
)

// SchemaVersion is the version of the report JSON.
const SchemaVersion = 1

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
}

// Row is one model (or a literature reference, which has no measured values).
type Row struct {
	Model string `json:"model"`
	Role  string `json:"role"` // reproduce | reference
	// Baseline names the classical row a DFV row improves on ("" for none).
	Baseline string `json:"baseline,omitempty"`
	Cells    []Cell `json:"cells"`
}

// Cell is one accuracy: the paper's value, the measured value with its 95% interval, and the
// raw counts it came from (one part per test pattern, or one for clean accuracy).
type Cell struct {
	Paper    *float64 `json:"paper,omitempty"`
	Measured *float64 `json:"measured,omitempty"`
	Lo       *float64 `json:"ci_lo,omitempty"`
	Hi       *float64 `json:"ci_hi,omitempty"`
	Parts    []Count  `json:"parts,omitempty"`
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

// Fill computes each cell's measured value (the mean accuracy of its parts, in percent) and
// its bootstrap interval. seed keys the resampling so a report renders identically twice.
func (r *Report) Fill(seed uint64, resamples int) {
	for i := range r.Rows {
		for j := range r.Rows[i].Cells {
			c := &r.Rows[i].Cells[j]
			if len(c.Parts) == 0 {
				continue
			}
			m := meanAccuracy(c.Parts)
			lo, hi := Bootstrap(c.Parts, resamples, seed, r.Benchmark, r.Rows[i].Model, r.Columns[j])
			c.Measured, c.Lo, c.Hi = &m, &lo, &hi
		}
	}
}

// meanAccuracy is the unweighted mean of the parts' accuracies, in percent
// (runners.MeanPercent: every pattern counts once, as the paper's "avg over occlusion"
// does); NaN when no part holds an image.
func meanAccuracy(parts []Count) float64 {
	m, ok := runners.MeanPercent(parts)
	if !ok {
		return math.NaN()
	}
	return m
}

// ReadJSON loads a report written by WriteJSON, refusing unknown fields and other versions.
func ReadJSON(path string) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var r Report
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.Version != SchemaVersion {
		return nil, fmt.Errorf("%s: report version %d, this bench reads %d", path, r.Version, SchemaVersion)
	}
	for i, row := range r.Rows {
		if len(row.Cells) != len(r.Columns) {
			return nil, fmt.Errorf("%s: row %d (%s) has %d cells for %d columns", path, i, row.Model, len(row.Cells), len(r.Columns))
		}
	}
	return &r, nil
}
