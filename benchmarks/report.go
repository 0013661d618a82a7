package benchmarks

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/occbench/occbench/internal/atomicfile"
	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/reports"
	"github.com/occbench/occbench/runners"
)

// buildReport turns the runners' raw counts and per-image hits into the benchmark's table,
// beside the paper's numbers: every cell pooled over the seeds, with each seed's value, the
// paired effect of every row over its baseline and the verdict of each paper claim
// (docs/statistics.md). results is seed-major: seedResults[s][i] is row i of b.Models trained
// with seeds[s].
func buildReport(b *Benchmark, profile string, m *manifests.Manifest, seeds []uint64, seedResults [][]*runners.Result) (*reports.Report, error) {
	if len(seeds) == 0 || len(seeds) != len(seedResults) {
		return nil, fmt.Errorf("%s: %d seeds, %d result sets", b.ID, len(seeds), len(seedResults))
	}
	for s, rs := range seedResults {
		if len(rs) != len(b.Models) {
			return nil, fmt.Errorf("%s: seed %d: %d results for %d rows", b.ID, seeds[s], len(rs), len(b.Models))
		}
	}
	paper, err := PaperTables()
	if err != nil {
		return nil, err
	}
	pt := paper[b.PaperID()]
	rep := &reports.Report{Version: reports.SchemaVersion, Benchmark: b.ID, Title: b.Title, Profile: profile,
		Comparable: profile == ProfilePaper, Columns: b.Columns, Seeds: seeds}
	if b.Note != "" {
		rep.Notes = append(rep.Notes, b.Note)
	}
	if profile != ProfilePaper {
		rep.Notes = append(rep.Notes, fmt.Sprintf("Profile %s runs manifest %s (%s, %dx%d, network %s) with the paper's rows, sets and pattern grid.",
			profile, m.Name, m.Source.Layout, m.Preprocess.Size, m.Preprocess.Size, m.Hyper.Network))
	}
	for i, row := range b.Models {
		r := reports.Row{Model: row.Model, Role: "reproduce", Baseline: row.Baseline}
		pv := paperValues(pt, row.Model)
		for j, col := range b.Columns {
			c, err := cellOver(col, seeds, seedResults, i, m)
			if err != nil {
				return nil, fmt.Errorf("%s: row %s: %w", b.ID, row.Model, err)
			}
			if j < len(pv) {
				v := pv[j]
				c.Paper = &v
			}
			r.Cells = append(r.Cells, c)
		}
		r.Patterns = patternAccuracies(seedResults, i)
		rep.Rows = append(rep.Rows, r)
	}
	if pt != nil {
		var literature []string
		for _, pr := range pt.Rows {
			if pr.Role != "reference" {
				continue
			}
			if pr.Sunglasses != nil || pr.Scarf != nil {
				// AR literature rows: one number per occluder type, column unknown (tables.yaml).
				literature = append(literature, fmt.Sprintf("%s %s / %s", pr.Model, fmtOpt(pr.Sunglasses), fmtOpt(pr.Scarf)))
				continue
			}
			r := reports.Row{Model: pr.Model, Role: "reference"}
			for j := range b.Columns {
				c := reports.Cell{}
				if j < len(pr.Values) {
					v := pr.Values[j]
					c.Paper = &v
				}
				r.Cells = append(r.Cells, c)
			}
			rep.Rows = append(rep.Rows, r)
		}
		if len(literature) > 0 {
			rep.Notes = append(rep.Notes, "Literature, sunglasses / scarf (not re-run; the paper's sub-column of each number is not recoverable): "+
				strings.Join(literature, ", ")+".")
		}
	}
	if err := rep.Fill(m.Seed, reports.DefaultResamples); err != nil {
		return nil, err
	}
	// A control row (docs/premise.md) is paired with its classical baseline by Fill, and here
	// with the DFV row it controls: the control row's name is that row's plus a suffix.
	for _, row := range b.Models {
		if row.DVSource == "" {
			continue
		}
		for _, dfv := range b.Models {
			if dfv.Method == runners.MethodDFV && dfv.DVSource == "" && strings.HasPrefix(row.Model, dfv.Model+" (") {
				if err := rep.AddEffect(row.Model, dfv.Model, m.Seed, reports.DefaultResamples); err != nil {
					return nil, err
				}
			}
		}
	}
	margin, err := NoLossMargin()
	if err != nil {
		return nil, err
	}
	rep.Judge(margin)
	return rep, nil
}

// cellOver gathers one column of row i over every seed.
func cellOver(col string, seeds []uint64, seedResults [][]*runners.Result, i int, m *manifests.Manifest) (reports.Cell, error) {
	var c reports.Cell
	for s, rs := range seedResults {
		parts, fixed, err := cellOf(col, rs[i], m)
		if err != nil {
			return c, fmt.Errorf("seed %d: %w", seeds[s], err)
		}
		if fixed != nil { // a setting, not a measured accuracy (input_size)
			return reports.Cell{Measured: fixed}, nil
		}
		c.Seeds = append(c.Seeds, reports.SeedCell{Seed: seeds[s], Parts: parts})
	}
	return c, nil
}

// patternAccuracies is row i's accuracy under every test pattern, mean over seeds, in the
// first seed's pattern order (the heatmap).
func patternAccuracies(seedResults [][]*runners.Result, i int) []reports.PatternAccuracy {
	first := seedResults[0][i]
	var out []reports.PatternAccuracy
	for k, p := range first.Patterns {
		var sum float64
		n := 0
		for _, rs := range seedResults {
			if k < len(rs[i].Patterns) && rs[i].Patterns[k].ID == p.ID {
				sum += rs[i].Patterns[k].Accuracy()
				n++
			}
		}
		occ := p.Name
		if at := strings.IndexByte(occ, '@'); at >= 0 {
			occ = occ[:at]
		}
		out = append(out, reports.PatternAccuracy{Name: p.Name, Occluder: occ, Ratio: p.Ratio, Position: p.Position, Accuracy: 100 * sum / float64(n)})
	}
	return out
}

func fmtOpt(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f", *v)
}

func paperValues(t *PaperTable, model string) []float64 {
	if t == nil {
		return nil
	}
	for _, r := range t.Rows {
		if r.Model == model {
			return r.Values
		}
	}
	return nil
}

func countOf(c runners.Count) reports.Count {
	return reports.Count{Correct: int64(c.Correct), Total: int64(c.Total), Hits: c.Hits}
}

// cellOf gathers one seed's raw counts behind one column: clean accuracy, or the patterns of a
// ratio and position kind (each pattern one part, so every pattern weighs the same). A column
// that is a setting rather than an accuracy (input_size) returns its value as fixed.
func cellOf(col string, res *runners.Result, m *manifests.Manifest) (parts []reports.Count, fixed *float64, err error) {
	var keep func(p runners.PatternCount) bool
	switch col {
	case "clean":
		return []reports.Count{countOf(res.Clean)}, nil, nil
	case "input_size":
		v := float64(m.Preprocess.Size)
		return nil, &v, nil
	case "avg_occ":
		keep = func(runners.PatternCount) bool { return true }
	case "occ20_center", "occ20_random", "occ10_center", "occ10_random":
		ratio := map[byte]float64{'2': 0.2, '1': 0.1}[col[3]]
		pos := col[6:]
		keep = func(p runners.PatternCount) bool { return p.Ratio == ratio && p.Position == pos }
	case "occ20", "occ10":
		ratio := map[byte]float64{'2': 0.2, '1': 0.1}[col[3]]
		keep = func(p runners.PatternCount) bool { return p.Ratio == ratio }
	default:
		if s := res.Set(col); s != nil {
			return []reports.Count{countOf(s.Count)}, nil, nil
		}
		return nil, nil, fmt.Errorf("no rule for column %q (and no eval set of that name in the result)", col)
	}
	for _, p := range res.Patterns {
		if keep(p) {
			parts = append(parts, countOf(p.Count))
		}
	}
	if len(parts) == 0 {
		return nil, nil, fmt.Errorf("column %s: the result has no matching pattern", col)
	}
	return parts, nil, nil
}

// WriteReport writes report.md, report.html, report.csv and report.json into dir, plus each
// figure as PNG and SVG.
func WriteReport(rep *reports.Report, figures []reports.Figure, dir string) error {
	for i, f := range figures {
		if err := atomicfile.Write(filepath.Join(dir, fmt.Sprintf("figure%d.png", i+1)), f.PNG); err != nil {
			return err
		}
		if len(f.SVG) > 0 {
			if err := atomicfile.Write(filepath.Join(dir, fmt.Sprintf("figure%d.svg", i+1)), f.SVG); err != nil {
				return err
			}
		}
	}
	type render struct {
		name string
		fn   func(*bytes.Buffer) error
	}
	for _, r := range []render{
		{"report.md", func(b *bytes.Buffer) error { return rep.WriteMarkdown(b) }},
		{"report.html", func(b *bytes.Buffer) error { return rep.WriteHTML(b, figures) }},
		{"report.csv", func(b *bytes.Buffer) error { return rep.WriteCSV(b) }},
		{"report.json", func(b *bytes.Buffer) error { return rep.WriteJSON(b) }},
	} {
		var buf bytes.Buffer
		if err := r.fn(&buf); err != nil {
			return err
		}
		if err := atomicfile.Write(filepath.Join(dir, r.name), buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}
