package reports

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/occbench/occbench/reports/stats"
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

func fmtInterval(v, lo, hi *float64) string {
	if v == nil {
		return "–"
	}
	if lo == nil || hi == nil {
		return fmtNum(v)
	}
	return fmt.Sprintf("%.2f [%.2f, %.2f]", *v, *lo, *hi)
}

func fmtEffect(v, lo, hi float64) string {
	return fmt.Sprintf("%+.2f [%+.2f, %+.2f]", v, lo, hi)
}

// NotComparableNote is printed on reports whose profile does not reproduce the paper's setup.
const NotComparableNote = "This profile does not run the paper's datasets and networks: its numbers are not comparable to the paper's in absolute terms. The verdicts judge the direction of each paper claim (docs/statistics.md); the paper's differences are printed beside the measured ones for reading."

// section is one table of a report: title, header, rows, which columns hold text (left
// aligned; every other column is a number, right aligned), and an anchor for the HTML.
type section struct {
	ID     string
	Title  string
	Note   string
	Header []string
	Text   int // the first Text columns are text
	Rows   [][]string
}

func (r *Report) hasPaper() bool {
	for _, row := range r.Rows {
		for _, c := range row.Cells {
			if c.Paper != nil {
				return true
			}
		}
	}
	return false
}

func (r *Report) hasIntervals() bool {
	for _, row := range r.Rows {
		for _, c := range row.Cells {
			if c.Lo != nil {
				return true
			}
		}
	}
	return false
}

// methods lists the interval methods the report's cells and effects used.
func (r *Report) methods() []string {
	seen := map[string]bool{}
	var out []string
	add := func(m string) {
		if m != "" && !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	for _, row := range r.Rows {
		for _, c := range row.Cells {
			add(c.Method)
		}
	}
	for _, e := range r.Effects {
		add(e.Method)
	}
	return out
}

func (r *Report) effectOf(row, against, col string) *Effect {
	for i, e := range r.Effects {
		if e.Row == row && e.Against == against && e.Column == col {
			return &r.Effects[i]
		}
	}
	return nil
}

func (r *Report) sections() []section {
	paper := r.hasPaper()
	title := "Accuracy (%)"
	switch {
	case paper && r.hasIntervals():
		title = "Accuracy (%): paper and measured, 95% CI"
	case paper:
		title = "Accuracy (%): paper and measured"
	case r.hasIntervals():
		title = "Measured (%), 95% CI"
	default:
		title = "Measured"
	}
	main := section{ID: "accuracy", Title: title, Header: []string{"model"}, Text: 1}
	for _, col := range r.Columns {
		if paper {
			main.Header = append(main.Header, col+" paper", col+" measured")
		} else {
			main.Header = append(main.Header, col)
		}
	}
	verdicts := len(r.Effects) > 0
	if verdicts {
		main.Header = append(main.Header, "claims ✓ / ✗ / ?")
	}
	diff := section{ID: "difference", Title: "Difference (measured − paper)", Header: append([]string{"model"}, r.Columns...), Text: 1}
	for _, row := range r.Rows {
		m := []string{row.Model}
		d := []string{row.Model}
		for _, c := range row.Cells {
			if paper {
				m = append(m, fmtNum(c.Paper))
			}
			m = append(m, fmtInterval(c.Measured, c.Lo, c.Hi))
			d = append(d, fmtSigned(c.Diff()))
		}
		if verdicts {
			var ok, bad, open int
			for _, e := range r.Effects {
				if e.Row != row.Model {
					continue
				}
				switch e.Verdict {
				case Reproduced:
					ok++
				case Contradicted:
					bad++
				case Inconclusive:
					open++
				}
			}
			v := "–"
			if ok+bad+open > 0 {
				v = fmt.Sprintf("%d / %d / %d", ok, bad, open)
			}
			m = append(m, v)
		}
		main.Rows = append(main.Rows, m)
		if row.Role != "reference" {
			diff.Rows = append(diff.Rows, d)
		}
	}
	out := []section{main}
	if r.Comparable && paper {
		out = append(out, diff)
	}
	if len(r.Effects) > 0 {
		eff := section{ID: "effects", Title: "Paired effects and verdicts (points)", Text: 5,
			Header: []string{"model", "over", "column", "verdict", "method", "paper Δ", "measured Δ [95% CI]"}}
		if r.NoLossMargin > 0 {
			eff.Note = fmt.Sprintf("Improvement claims: reproduced when the interval lies above 0, contradicted below 0. No-loss claims (clean): reproduced when the interval lies above −%.2f (the paper's largest clean drop), contradicted below it. ✓ means reproduced and nothing else.", r.NoLossMargin)
		}
		for _, e := range r.Effects {
			v := "– (no claim)"
			if e.Verdict != "" {
				v = Mark(e.Verdict) + " " + e.Verdict
				if e.Method == stats.MethodBinomialUnpaired {
					v += " (unpaired)"
				}
				if r.premiseLabel(e.Row, e.Against) == "uninformative" {
					v += " (premise failed: uninformative)"
				}
			}
			eff.Rows = append(eff.Rows, []string{e.Row, e.Against, e.Column, v, e.Method, fmtSigned(e.Paper), fmtEffect(e.Estimate, e.Lo, e.Hi)})
		}
		out = append(out, eff)
	}
	if ps := r.perSeed(); ps != nil {
		out = append(out, *ps)
	}
	if len(r.Premise) > 0 {
		out = append(out, r.premiseSection())
	}
	return out
}

// perSeed is the table of every seed's value of every measured cell and every effect.
func (r *Report) perSeed() *section {
	if len(r.Seeds) == 0 {
		return nil
	}
	s := section{ID: "per-seed", Title: "Per seed (95% CI)", Header: []string{"model", "column"}, Text: 2}
	for _, sd := range r.Seeds {
		s.Header = append(s.Header, fmt.Sprintf("seed %d", sd))
	}
	for _, row := range r.Rows {
		for j, c := range row.Cells {
			if len(c.Seeds) != len(r.Seeds) {
				continue
			}
			line := []string{row.Model, r.Columns[j]}
			for _, sc := range c.Seeds {
				line = append(line, fmtInterval(sc.Measured, sc.Lo, sc.Hi))
			}
			s.Rows = append(s.Rows, line)
		}
	}
	for _, e := range r.Effects {
		if len(e.PerSeed) != len(r.Seeds) {
			continue
		}
		line := []string{e.Row + " − " + e.Against, e.Column}
		for _, se := range e.PerSeed {
			line = append(line, fmtEffect(se.Estimate, se.Lo, se.Hi))
		}
		s.Rows = append(s.Rows, line)
	}
	if len(s.Rows) == 0 {
		return nil
	}
	return &s
}

// intervalNote says how the report's intervals were computed.
func (r *Report) intervalNote() string {
	ms := r.methods()
	if len(ms) == 0 {
		return ""
	}
	seeds := ""
	if len(r.Seeds) > 0 {
		var s []string
		for _, v := range r.Seeds {
			s = append(s, fmt.Sprint(v))
		}
		seeds = fmt.Sprintf(" over %d seed(s) (%s)", len(r.Seeds), strings.Join(s, ", "))
	}
	note := fmt.Sprintf("Intervals: 95%% percentile bootstrap%s; methods: %s (docs/statistics.md).", seeds, strings.Join(ms, "; "))
	for _, m := range ms {
		if m == stats.MethodBinomial || m == stats.MethodBinomialUnpaired {
			note += " Cells marked binomial have no per-image hits (an older result): their patterns are resampled as if independent, so their intervals are too narrow and their effects unpaired; rerun for hits."
			break
		}
	}
	return note
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

// WriteMarkdown renders the report for terminals and pull requests: text columns left
// aligned, numbers right aligned.
func (r *Report) WriteMarkdown(w io.Writer) error {
	fmt.Fprintf(w, "## %s — %s\n\n%s\n", r.Benchmark, r.Title, r.provenanceLine())
	if !r.Comparable {
		fmt.Fprintf(w, "\n> %s\n", NotComparableNote)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\n> %s\n", n)
	}
	if n := r.intervalNote(); n != "" {
		fmt.Fprintf(w, "\n%s\n", n)
	}
	for _, s := range r.sections() {
		fmt.Fprintf(w, "\n### %s\n\n", s.Title)
		if s.Note != "" {
			fmt.Fprintf(w, "%s\n\n", s.Note)
		}
		fmt.Fprintf(w, "| %s |\n|", strings.Join(s.Header, " | "))
		for k := range s.Header {
			if k < s.Text {
				io.WriteString(w, ":---|")
			} else {
				io.WriteString(w, "---:|")
			}
		}
		io.WriteString(w, "\n")
		for _, row := range s.Rows {
			fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
		}
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// WriteCSV renders one line per (model, column), long form, for spreadsheets and scripts,
// with the paired effect over the row's baseline and its verdict.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"benchmark", "profile", "model", "role", "column", "paper", "measured", "ci_lo", "ci_hi", "method", "diff",
		"baseline", "gain_paper", "effect", "effect_lo", "effect_hi", "effect_method", "claim", "verdict"})
	opt := func(v *float64) string {
		if v == nil {
			return ""
		}
		return fmt.Sprintf("%.4f", *v)
	}
	for i, row := range r.Rows {
		for j, col := range r.Columns {
			c := row.Cells[j]
			pg, _ := r.Improvement(i, j)
			line := []string{r.Benchmark, r.Profile, row.Model, row.Role, col, opt(c.Paper), opt(c.Measured), opt(c.Lo), opt(c.Hi), c.Method, opt(c.Diff()), row.Baseline, opt(pg)}
			if e := r.effectOf(row.Model, row.Baseline, col); e != nil {
				line = append(line, opt(&e.Estimate), opt(&e.Lo), opt(&e.Hi), e.Method, e.Claim, e.Verdict)
			} else {
				line = append(line, "", "", "", "", "", "")
			}
			cw.Write(line)
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
