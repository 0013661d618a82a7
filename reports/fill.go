package reports

import (
	"fmt"

	"github.com/occbench/occbench/reports/stats"
	"github.com/occbench/occbench/runners"
)

// DefaultResamples is the number of bootstrap resamples behind every interval.
const DefaultResamples = 2000

// Fill computes each cell's measured value (the mean over seeds of the mean accuracy of its
// parts, in percent), each seed's value, their intervals (docs/statistics.md, section 3) and
// the paired effect of every row over its Baseline row (section 4). seed keys the
// resampling so a report renders identically twice.
func (r *Report) Fill(seed uint64, resamples int) error {
	if resamples <= 0 {
		resamples = DefaultResamples
	}
	for i := range r.Rows {
		for j := range r.Rows[i].Cells {
			c := &r.Rows[i].Cells[j]
			if len(c.Seeds) == 0 {
				continue
			}
			key := []string{r.Benchmark, r.Rows[i].Model, r.Columns[j]}
			x, parts, err := r.cellData(i, j)
			if err != nil {
				return err
			}
			for s := range c.Seeds {
				var iv stats.Interval
				if x != nil {
					iv, err = stats.Bootstrap(x[s:s+1], resamples, seed, append(key, fmt.Sprint("seed", s))...)
				} else {
					iv, err = stats.Binomial(parts[s:s+1], resamples, seed, append(key, fmt.Sprint("seed", s))...)
				}
				if err != nil {
					return fmt.Errorf("%s: row %s, column %s, seed %d: %w", r.Benchmark, r.Rows[i].Model, r.Columns[j], s, err)
				}
				sc := &c.Seeds[s]
				sc.Measured, sc.Lo, sc.Hi, sc.Method = pct(iv.Estimate), pct(iv.Lo), pct(iv.Hi), iv.Method
			}
			var iv stats.Interval
			if x != nil {
				iv, err = stats.Bootstrap(x, resamples, seed, key...)
			} else {
				iv, err = stats.Binomial(parts, resamples, seed, key...)
			}
			if err != nil {
				return fmt.Errorf("%s: row %s, column %s: %w", r.Benchmark, r.Rows[i].Model, r.Columns[j], err)
			}
			c.Measured, c.Lo, c.Hi, c.Method = pct(iv.Estimate), pct(iv.Lo), pct(iv.Hi), iv.Method
		}
	}
	r.Effects = r.Effects[:0]
	for _, row := range r.Rows {
		if row.Baseline == "" || r.row(row.Baseline) == nil {
			continue
		}
		if err := r.AddEffect(row.Model, row.Baseline, seed, resamples); err != nil {
			return err
		}
	}
	if len(r.Effects) == 0 {
		r.Effects = nil
	}
	return nil
}

// AddEffect appends the paired effect of row over against in every column both rows measured:
// per seed and pooled, with 95% intervals (docs/statistics.md, section 4). Any row may be
// paired with any other row of the report (a DFV row with its classical baseline, a control
// row with the DFV row); the two must have been measured on the same seeds.
func (r *Report) AddEffect(row, against string, seed uint64, resamples int) error {
	a, b := r.index(row), r.index(against)
	if a < 0 || b < 0 {
		return fmt.Errorf("%s: effect of %q over %q: no such row", r.Benchmark, row, against)
	}
	if resamples <= 0 {
		resamples = DefaultResamples
	}
	for j, col := range r.Columns {
		ca, cb := r.Rows[a].Cells[j], r.Rows[b].Cells[j]
		if len(ca.Seeds) == 0 || len(cb.Seeds) == 0 {
			continue
		}
		where := fmt.Sprintf("%s: effect of %s over %s, column %s", r.Benchmark, row, against, col)
		xa, pa, err := r.cellData(a, j)
		if err != nil {
			return err
		}
		xb, pb, err := r.cellData(b, j)
		if err != nil {
			return err
		}
		key := []string{r.Benchmark, "effect", row, against, col}
		e := Effect{Row: row, Against: against, Column: col}
		if p1, p0 := ca.Paper, cb.Paper; p1 != nil && p0 != nil {
			v := *p1 - *p0
			e.Paper = &v
		}
		var d [][]float64
		if xa != nil && xb != nil {
			if d, err = stats.Diff(xa, xb); err != nil {
				d = nil // not over the same images: fall back to the unpaired counts
			}
		}
		var iv stats.Interval
		for s := range ca.Seeds {
			if d != nil {
				iv, err = stats.Bootstrap(d[s:s+1], resamples, seed, append(key, fmt.Sprint("seed", s))...)
			} else {
				iv, err = stats.BinomialDiff(pa[s:s+1], pb[s:s+1], resamples, seed, append(key, fmt.Sprint("seed", s))...)
			}
			if err != nil {
				return fmt.Errorf("%s, seed %d: %w", where, s, err)
			}
			e.PerSeed = append(e.PerSeed, SeedEffect{Seed: ca.Seeds[s].Seed, Estimate: 100 * iv.Estimate, Lo: 100 * iv.Lo, Hi: 100 * iv.Hi, Method: iv.Method})
		}
		if d != nil {
			iv, err = stats.Bootstrap(d, resamples, seed, key...)
		} else {
			iv, err = stats.BinomialDiff(pa, pb, resamples, seed, key...)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		e.Estimate, e.Lo, e.Hi, e.Method = 100*iv.Estimate, 100*iv.Lo, 100*iv.Hi, iv.Method
		r.Effects = append(r.Effects, e)
	}
	return nil
}

func (r *Report) index(model string) int {
	for i := range r.Rows {
		if r.Rows[i].Model == model {
			return i
		}
	}
	return -1
}

// cellData returns a cell's per-seed, per-image scores when every seed of it carries hits
// over one set of images (x[s][i]), and always its per-seed parts as counts.
func (r *Report) cellData(i, j int) (x [][]float64, parts [][]stats.Part, err error) {
	c := r.Rows[i].Cells[j]
	if len(c.Seeds) != len(r.Seeds) && len(r.Seeds) > 0 {
		return nil, nil, fmt.Errorf("%s: row %s, column %s: %d seeds for the report's %d", r.Benchmark, r.Rows[i].Model, r.Columns[j], len(c.Seeds), len(r.Seeds))
	}
	withHits := true
	for s, sc := range c.Seeds {
		var ps []stats.Part
		for k, p := range sc.Parts {
			sp := stats.Part{Correct: p.Correct, Total: p.Total}
			if p.Hits != "" {
				h, err := runners.DecodeHits(p.Hits, int(p.Total))
				if err != nil {
					return nil, nil, fmt.Errorf("%s: row %s, column %s, seed %d, part %d: %w", r.Benchmark, r.Rows[i].Model, r.Columns[j], s, k, err)
				}
				n := int64(0)
				for _, v := range h {
					if v {
						n++
					}
				}
				if n != p.Correct {
					return nil, nil, fmt.Errorf("%s: row %s, column %s, seed %d, part %d: hits say %d correct, the count %d", r.Benchmark, r.Rows[i].Model, r.Columns[j], s, k, n, p.Correct)
				}
				sp.Hits = h
			}
			ps = append(ps, sp)
		}
		parts = append(parts, ps)
		sx, ok := stats.Scores(ps)
		if !ok || (len(x) > 0 && len(sx) != len(x[0])) {
			withHits = false
		}
		x = append(x, sx)
	}
	if !withHits {
		x = nil
	}
	return x, parts, nil
}

func pct(v float64) *float64 {
	p := 100 * v
	return &p
}
