package benchmarks

import (
	_ "embed"
	"fmt"
	"math"

	"gopkg.in/yaml.v3"
)

// tablesYAML is the project's copy of the paper's tables (../shared/paper/tables.yaml).
//
//go:embed paper/tables.yaml
var tablesYAML []byte

// PaperTable is one table of the paper, transcribed.
type PaperTable struct {
	Title   string     `yaml:"title"`
	Dataset string     `yaml:"dataset"`
	Network string     `yaml:"network"`
	Note    string     `yaml:"note"`
	Columns []string   `yaml:"columns"`
	Rows    []PaperRow `yaml:"rows"`
}

// PaperRow is one printed row: a model to reproduce or a literature reference.
type PaperRow struct {
	Model      string    `yaml:"model"`
	Role       string    `yaml:"role"`
	Method     string    `yaml:"method"`
	Iop        string    `yaml:"iop"`
	Train      string    `yaml:"train"`
	Values     []float64 `yaml:"values"`
	Sunglasses *float64  `yaml:"sunglasses"`
	Scarf      *float64  `yaml:"scarf"`
}

// PaperTables parses the embedded transcription; tables without rows (figures) are skipped.
func PaperTables() (map[string]*PaperTable, error) {
	var raw map[string]yaml.Node
	if err := yaml.Unmarshal(tablesYAML, &raw); err != nil {
		return nil, fmt.Errorf("benchmarks/paper/tables.yaml: %w", err)
	}
	out := map[string]*PaperTable{}
	for id, node := range raw {
		if id == "figures" {
			continue
		}
		var t PaperTable
		if err := node.Decode(&t); err != nil {
			return nil, fmt.Errorf("benchmarks/paper/tables.yaml: %s: %w", id, err)
		}
		for _, r := range t.Rows {
			if r.Role == "reproduce" && len(r.Values) != len(t.Columns) {
				return nil, fmt.Errorf("benchmarks/paper/tables.yaml: %s: row %q has %d values for %d columns", id, r.Model, len(r.Values), len(t.Columns))
			}
		}
		out[id] = &t
	}
	return out, nil
}

// NoLossMargin is the margin of every "no loss" claim, in points: the largest clean-accuracy
// drop of a DFV row below its classical baseline across the paper's tables (table2's
// ResNet18-10C, 1.13), which the paper itself calls "slight degradation" (docs/statistics.md,
// section 5). The pairs are the registry's Baseline fields.
func NoLossMargin() (float64, error) {
	paper, err := PaperTables()
	if err != nil {
		return 0, err
	}
	margin := 0.0
	for _, b := range registry {
		t := paper[b.ID]
		if t == nil {
			continue
		}
		clean := -1
		for j, c := range t.Columns {
			if c == "clean" {
				clean = j
			}
		}
		if clean < 0 {
			continue
		}
		for _, row := range b.Models {
			if row.Baseline == "" {
				continue
			}
			v, base := paperValues(t, row.Model), paperValues(t, row.Baseline)
			if len(v) > clean && len(base) > clean {
				margin = max(margin, base[clean]-v[clean])
			}
		}
	}
	if margin == 0 {
		return 0, fmt.Errorf("benchmarks/paper/tables.yaml: no DFV row loses clean accuracy to its baseline, so no no-loss margin can be derived")
	}
	return math.Round(margin*100) / 100, nil
}
