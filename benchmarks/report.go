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

// bootstrapResamples is the number of bootstrap resamples behind every interval.
const bootstrapResamples = 2000

// buildReport turns the runners' raw counts into the benchmark's table, beside the paper's
// numbers. results is seed-major: results[s][i] is row i of b.Models trained with seeds[s].
func buildReport(b *Benchmark, profile string, m *manifests.Manifest, seeds []uint64, seedResults [][]*runners.Result) (*reports.Report, error) {
	// TODO(verdicts): aggregate over every seed; for now the first seed's results.
	results := seedResults[0]
	paper, err := PaperTables()
	if err != nil {
		return nil, err
	}
	pt := paper[b.PaperID()]
	rep := &reports.Report{Version: reports.SchemaVersion, Benchmark: b.ID, Title: b.Title, Profile: profile,
		Comparable: profile == ProfilePaper, Columns: b.Columns}
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
			c, err := cellOf(col, results[i], m)
			if err != nil {
				return nil, fmt.Errorf("%s: row %s: %w", b.ID, row.Model, err)
			}
			if j < len(pv) {
				v := pv[j]
				c.Paper = &v
			}
			r.Cells = append(r.Cells, c)
		}
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
	rep.Fill(m.Seed, bootstrapResamples)
	return rep, nil
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

// cellOf gathers the raw counts behind one column: clean accuracy, or the patterns of a
// ratio and position kind (each pattern one part, so every pattern weighs the same).
func cellOf(col string, res *runners.Result, m *manifests.Manifest) (reports.Cell, error) {
	var keep func(p runners.PatternCount) bool
	switch col {
	case "clean":
		return reports.Cell{Parts: []reports.Count{{Correct: int64(res.Clean.Correct), Total: int64(res.Clean.Total)}}}, nil
	case "input_size":
		v := float64(m.Preprocess.Size)
		return reports.Cell{Measured: &v}, nil
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
			return reports.Cell{Parts: []reports.Count{{Correct: int64(s.Correct), Total: int64(s.Total)}}}, nil
		}
		return reports.Cell{}, fmt.Errorf("no rule for column %q (and no eval set of that name in the result)", col)
	}
	var c reports.Cell
	for _, p := range res.Patterns {
		if keep(p) {
			c.Parts = append(c.Parts, reports.Count{Correct: int64(p.Correct), Total: int64(p.Total)})
		}
	}
	if len(c.Parts) == 0 {
		return c, fmt.Errorf("column %s: the result has no matching pattern", col)
	}
	return c, nil
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
