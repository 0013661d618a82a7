package benchmarks

import (
	_ "embed"
	"fmt"

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
