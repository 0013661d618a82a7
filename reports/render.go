package reports

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// fmtNum prints a percentage with two decimals, or "–" when absent.
func fmtNum(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.2f", *v)
}

// fmtSigned prints a signed difference.
func fmtSigned(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%+.2f", *v)
}

// fmtGain prints an improvement the way the paper does: ↑ 11.21 or ↓ 0.30.
func fmtGain(v *float64) string {
	if v == nil {
		return "–"
	}
	if *v < 0 {
		return fmt.Sprintf("↓ %.2f", -*v)
	}
	return fmt.Sprintf("↑ %.2f", *v)
}

func fmtMeasured(c Cell) string {
	if c.Measured == nil {
		return "–"
	}
	if c.Lo == nil || c.Hi == nil {
		return fmtNum(c.Measured)
	}
	return fmt.Sprintf("%.2f [%.2f, %.2f]", *c.Measured, *c.Lo, *c.Hi)
}

// NotComparableNote is printed on reports whose profile does not reproduce the paper's setup.
const NotComparableNote = "This profile does not run the paper's datasets and networks: its numbers are not comparable to the paper's in absolute terms. Compare the shape instead: the sign and relative size of each DFV improvement."

// sections lists the tables a report shows, as (title, header, rows).
type section struct {
	Title  string
	Header []string
	Rows   [][]string
}

func (r *Report) sections() []section {
	head := append([]string{"model"}, r.Columns...)
	measured := section{Title: "Measured (95% bootstrap CI)", Header: head}
	paper := section{Title: "Paper", Header: head}
	diff := section{Title: "Difference (measured − paper)", Header: head}
	gains := section{Title: "DFV improvement over classical (paper / measured)", Header: append([]string{"model", "over"}, r.Columns...)}
	for i, row := range r.Rows {
		p := []string{row.Model}
		m := []string{row.Model}
		d := []string{row.Model}
		for _, c := range row.Cells {
			p = append(p, fmtNum(c.Paper))
			m = append(m, fmtMeasured(c))
			d = append(d, fmtSigned(c.Diff()))
		}
		paper.Rows = append(paper.Rows, p)
		if row.Role == "reference" {
			continue
		}
		measured.Rows = append(measured.Rows, m)
		diff.Rows = append(diff.Rows, d)
		if row.Baseline != "" {
			g := []string{row.Model, row.Baseline}
			for j := range r.Columns {
				pg, mg := r.Improvement(i, j)
				cell := fmtGain(pg) + " / " + fmtGain(mg)
				if !r.Comparable && pg != nil && mg != nil {
					if (*pg >= 0) == (*mg >= 0) {
						cell += " ✓"
					} else {
						cell += " ✗"
					}
				}
				g = append(g, cell)
			}
			gains.Rows = append(gains.Rows, g)
		}
	}
	out := []section{measured, paper}
	if r.Comparable {
		out = append(out, diff)
	}
	if len(gains.Rows) > 0 {
		out = append(out, gains)
	}
	if len(r.Premise) > 0 {
		out = append(out, r.premiseSection())
	}
	return out
}

func (r *Report) provenanceLine() string {
	p := r.Provenance
	parts := []string{"profile " + r.Profile}
	for _, kv := range [][2]string{{"runner", p.Runner}, {"commit", p.Commit}, {"manifest lock", p.ManifestLock}, {"hardware", p.Hardware}, {"started", p.Started}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+" "+kv[1])
		}
	}
	if p.WallSeconds > 0 {
		parts = append(parts, fmt.Sprintf("wall %.0f s", p.WallSeconds))
	}
	return strings.Join(parts, " · ")
}

// WriteMarkdown renders the report for terminals and pull requests.
func (r *Report) WriteMarkdown(w io.Writer) error {
	fmt.Fprintf(w, "## %s — %s\n\n%s\n", r.Benchmark, r.Title, r.provenanceLine())
	if !r.Comparable {
		fmt.Fprintf(w, "\n> %s\n", NotComparableNote)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\n> %s\n", n)
	}
	for _, s := range r.sections() {
		fmt.Fprintf(w, "\n### %s\n\n", s.Title)
		fmt.Fprintf(w, "| %s |\n", strings.Join(s.Header, " | "))
		fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(s.Header)))
		for _, row := range s.Rows {
			fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
		}
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// WriteCSV renders one line per (model, column), long form, for spreadsheets and scripts.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"benchmark", "profile", "model", "role", "column", "paper", "measured", "ci_lo", "ci_hi", "diff", "baseline", "gain_paper", "gain_measured"})
	opt := func(v *float64) string {
		if v == nil {
			return ""
		}
		return fmt.Sprintf("%.4f", *v)
	}
	for i, row := range r.Rows {
		for j, col := range r.Columns {
			c := row.Cells[j]
			pg, mg := r.Improvement(i, j)
			cw.Write([]string{r.Benchmark, r.Profile, row.Model, row.Role, col, opt(c.Paper), opt(c.Measured), opt(c.Lo), opt(c.Hi), opt(c.Diff()), row.Baseline, opt(pg), opt(mg)})
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON renders the report with its raw counts, the input of `bench compare`.
func (r *Report) WriteJSON(w io.Writer) error {
	r.Version = SchemaVersion
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
