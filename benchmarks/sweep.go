package benchmarks

import (
	"fmt"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/reports"
	"github.com/occbench/occbench/runners"
)

// job is one training run of a benchmark.
type job struct {
	name        string
	spec        *runners.RunSpec
	alpha, beta float64 // sweep only
}

// sweepGrid is Fig. 6's alpha x beta grid: the paper's in full, a smaller one on a CPU.
func sweepGrid(profile string) (alphas, betas []float64) {
	if profile == ProfilePaper {
		return []float64{0.8, 0.9, 0.95}, []float64{0, 0.25, 0.5, 1, 2, 4}
	}
	return []float64{0.9, 0.95}, []float64{0, 0.5, 1, 2}
}

// sweepJobs varies alpha and beta of a DFV spec over the grid.
func sweepJobs(base *runners.RunSpec, profile string) []job {
	alphas, betas := sweepGrid(profile)
	var out []job
	for _, a := range alphas {
		for _, b := range betas {
			s := *base
			s.Alpha, s.Beta = &a, &b
			s.Name = fmt.Sprintf("alpha=%g beta=%g", a, b)
			out = append(out, job{name: s.Name, spec: &s, alpha: a, beta: b})
		}
	}
	return out
}

// sweepReport tabulates the sweep (one row per alpha, beta; beta = 0 is classical training,
// the baseline of its alpha), pooled over seeds with the paired effect of every beta > 0 over
// its alpha's beta = 0, and plots clean and occluded accuracy against beta with 95% error
// bars. seedResults[s][i] is job i trained with seeds[s]. The paper prints no numbers for
// this figure, so no claim is judged.
func sweepReport(b *Benchmark, profile string, m *manifests.Manifest, jobs []job, seeds []uint64, seedResults [][]*runners.Result) (*reports.Report, []reports.Figure, error) {
	rep := &reports.Report{Version: reports.SchemaVersion, Benchmark: b.ID, Title: b.Title, Profile: profile,
		Comparable: false, Columns: b.Columns, Notes: []string{b.Note}, Seeds: seeds}
	base := map[float64]string{}
	for i, j := range jobs {
		row := reports.Row{Model: j.name, Role: "reproduce"}
		if j.beta == 0 {
			base[j.alpha] = j.name
		} else {
			row.Baseline = base[j.alpha]
		}
		for _, col := range b.Columns {
			c, err := cellOver(col, seeds, seedResults, i, m)
			if err != nil {
				return nil, nil, err
			}
			row.Cells = append(row.Cells, c)
		}
		rep.Rows = append(rep.Rows, row)
	}
	if err := rep.Fill(m.Seed, reports.DefaultResamples); err != nil {
		return nil, nil, err
	}
	panels := []reports.Panel{
		{Title: "clean test images", XLabel: "beta", YLabel: "accuracy (%)"},
		{Title: "occluded test images (mean over patterns)", XLabel: "beta", YLabel: "accuracy (%)"},
	}
	cols := []string{"clean", "avg_occ"}
	series := map[float64]int{}
	for i, j := range jobs {
		k, ok := series[j.alpha]
		if !ok {
			k = len(panels[0].Series)
			series[j.alpha] = k
			for p := range panels {
				panels[p].Series = append(panels[p].Series, reports.Series{Label: fmt.Sprintf("alpha = %g", j.alpha)})
			}
		}
		for p := range panels {
			c := rep.Rows[i].Cells[columnIndex(b.Columns, cols[p])]
			if c.Measured == nil || c.Lo == nil || c.Hi == nil {
				return nil, nil, fmt.Errorf("%s: %s has no measured %s", b.ID, j.name, cols[p])
			}
			sr := &panels[p].Series[k]
			sr.X = append(sr.X, j.beta)
			sr.Y = append(sr.Y, *c.Measured)
			sr.YLo = append(sr.YLo, *c.Lo)
			sr.YHi = append(sr.YHi, *c.Hi)
		}
	}
	png, svg, err := reports.LinePlots(panels)
	if err != nil {
		return nil, nil, err
	}
	return rep, []reports.Figure{{Title: "Accuracy against beta for each alpha (paper Fig. 6), 95% intervals", PNG: png, SVG: svg}}, nil
}

func columnIndex(cols []string, name string) int {
	for j, c := range cols {
		if c == name {
			return j
		}
	}
	return -1
}
