package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/occbench/occbench/reports/stats"
)

// Rules of a compared cell (docs/statistics.md, section 6).
const (
	// RulePaired: both sides carry per-image hits; the cell fails when the paired 95%
	// interval of current − baseline lies below 0 and the drop exceeds the tolerance.
	RulePaired = "paired"
	// RuleTolerance: one side has counts only; the cell fails when it drops by more than the
	// tolerance.
	RuleTolerance = "tolerance"
	// RuleFirstSeed: the tolerance rule against a version-1 baseline (one unnamed seed, the
	// base seed), applied to the current run's first seed rather than its mean over seeds.
	RuleFirstSeed = "tolerance, first seed"
)

// compareResamples and compareSeed fix the gate's bootstrap, so a comparison is repeatable.
const (
	compareResamples = 2000
	compareSeed      = 0
)

// CellDiff is one cell of a run-vs-run comparison.
type CellDiff struct {
	Model    string   `json:"model"`
	Column   string   `json:"column"`
	Baseline *float64 `json:"baseline"`
	Current  *float64 `json:"current"`
	Diff     *float64 `json:"diff"` // current - baseline
	// Lo and Hi are the paired 95% interval of Diff (rule paired only).
	Lo        *float64 `json:"ci_lo,omitempty"`
	Hi        *float64 `json:"ci_hi,omitempty"`
	Rule      string   `json:"rule,omitempty"`
	Regressed bool     `json:"regressed"`
	Missing   bool     `json:"missing"` // in the baseline, absent from the current run
}

// Comparison is the cell-by-cell diff of two reports of one benchmark.
type Comparison struct {
	Benchmark string     `json:"benchmark"`
	Profile   string     `json:"profile"`
	Tolerance float64    `json:"tolerance"`
	Cells     []CellDiff `json:"cells"`
	// Seconds is how long the comparison took; Timestamp when it ran (JUnit).
	Seconds   float64   `json:"seconds"`
	Timestamp time.Time `json:"timestamp"`
}

// Failed counts regressed and missing cells.
func (c *Comparison) Failed() int {
	n := 0
	for _, d := range c.Cells {
		if d.Regressed || d.Missing {
			n++
		}
	}
	return n
}

// Compare diffs every measured cell of the baseline against the current report. A cell fails
// when it is missing from the current report, or when it regressed: with per-image hits on
// both sides, worse beyond sampling (paired by image) and by more than tolerance points;
// otherwise, by more than tolerance points. Reports that cannot be compared are an error:
// other benchmarks or profiles, a baseline without a measured cell, or no cell in common.
func Compare(base, cur *Report, tolerance float64) (*Comparison, error) {
	start := time.Now()
	if base.Benchmark != cur.Benchmark {
		return nil, fmt.Errorf("the reports are of different benchmarks: %s and %s", base.Benchmark, cur.Benchmark)
	}
	if base.Profile != cur.Profile {
		return nil, fmt.Errorf("the reports are of different profiles of %s: %s and %s", base.Benchmark, base.Profile, cur.Profile)
	}
	if tolerance < 0 || tolerance != tolerance {
		return nil, fmt.Errorf("tolerance %v: must be a non-negative number of points", tolerance)
	}
	out := &Comparison{Benchmark: base.Benchmark, Profile: base.Profile, Tolerance: tolerance, Timestamp: start.UTC()}
	shared := 0
	for bi, brow := range base.Rows {
		ci := cur.index(brow.Model)
		for j, col := range base.Columns {
			b := brow.Cells[j].Measured
			if b == nil {
				continue
			}
			d := CellDiff{Model: brow.Model, Column: col, Baseline: b, Rule: RuleTolerance}
			k := cur.column(col)
			v1 := len(base.Seeds) == 0 && len(cur.Seeds) > 0
			if ci >= 0 && k >= 0 {
				c := cur.Rows[ci].Cells[k]
				d.Current = c.Measured
				if v1 && len(c.Seeds) > 0 {
					// A version-1 baseline holds one run of the base seed without naming it:
					// it is compared with the current run's first seed, the base seed.
					d.Current, d.Rule = c.Seeds[0].Measured, RuleFirstSeed
				}
			}
			if d.Current == nil {
				d.Missing = true
				out.Cells = append(out.Cells, d)
				continue
			}
			shared++
			v := *d.Current - *b
			d.Diff = &v
			iv, ok, err := pairedDiff(base, bi, j, cur, ci, k)
			if err != nil {
				return nil, err
			}
			if ok && d.Rule != RuleFirstSeed {
				d.Rule = RulePaired
				d.Lo, d.Hi = pct(iv.Lo), pct(iv.Hi)
				d.Regressed = *d.Hi < 0 && v < -tolerance
			} else {
				d.Regressed = v < -tolerance
			}
			out.Cells = append(out.Cells, d)
		}
	}
	if len(out.Cells) == 0 {
		return nil, fmt.Errorf("the baseline of %s has no measured cell: it would pass anything", base.Benchmark)
	}
	if shared == 0 {
		return nil, fmt.Errorf("the reports share no measured cell (baseline rows %s, current rows %s)", rowNames(base), rowNames(cur))
	}
	out.Seconds = time.Since(start).Seconds()
	return out, nil
}

// pairedDiff is the paired interval of current − baseline in one cell, when both carry hits
// over the same images: by seed and image when the seed lists agree, else by image of the
// mean over each side's seeds. ok is false when the cell has no hits on a side.
func pairedDiff(base *Report, bi, bj int, cur *Report, ci, cj int) (stats.Interval, bool, error) {
	xb, _, err := base.cellData(bi, bj)
	if err != nil {
		return stats.Interval{}, false, fmt.Errorf("baseline: %w", err)
	}
	xc, _, err := cur.cellData(ci, cj)
	if err != nil {
		return stats.Interval{}, false, fmt.Errorf("current: %w", err)
	}
	if xb == nil || xc == nil || len(xb[0]) != len(xc[0]) {
		return stats.Interval{}, false, nil
	}
	if !slices.Equal(base.Seeds, cur.Seeds) {
		xb, xc = [][]float64{meanOverSeeds(xb)}, [][]float64{meanOverSeeds(xc)}
	}
	d, err := stats.Diff(xc, xb)
	if err != nil {
		return stats.Interval{}, false, nil
	}
	iv, err := stats.Bootstrap(d, compareResamples, compareSeed, "compare", base.Benchmark, base.Rows[bi].Model, base.Columns[bj])
	return iv, err == nil, err
}

func meanOverSeeds(x [][]float64) []float64 {
	m := make([]float64, len(x[0]))
	for _, xs := range x {
		for i, v := range xs {
			m[i] += v / float64(len(x))
		}
	}
	return m
}

func rowNames(r *Report) string {
	var s []string
	for _, row := range r.Rows {
		s = append(s, row.Model)
	}
	return fmt.Sprintf("%q", s)
}

// WriteText prints the per-cell diff table with a verdict per cell and a summary line.
func (c *Comparison) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "model\tcolumn\tbaseline\tcurrent\tdiff\tpaired 95% CI\trule\tverdict")
	for _, d := range c.Cells {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.Model, d.Column, fmtNum(d.Baseline), fmtNum(d.Current), fmtSigned(d.Diff), fmtCI(d.Lo, d.Hi), d.Rule, c.verdict(d))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s (%s): %d cells, %d failed (tolerance %.2f points; paired cells fail only when also worse beyond sampling, 95%%)\n",
		c.Benchmark, c.Profile, len(c.Cells), c.Failed(), c.Tolerance)
	return err
}

func (c *Comparison) verdict(d CellDiff) string {
	switch {
	case d.Missing:
		return "MISSING"
	case d.Regressed:
		return "REGRESSED"
	case *d.Diff > c.Tolerance:
		return "improved"
	}
	return "ok"
}

func fmtCI(lo, hi *float64) string {
	if lo == nil || hi == nil {
		return "–"
	}
	return fmt.Sprintf("[%+.2f, %+.2f]", *lo, *hi)
}

// The JUnit XML follows the Jenkins xunit plugin's junit-10.xsd: a testsuite with the
// required name, tests, failures and errors, plus skipped, time and timestamp; one testcase
// per cell, with a failure whose type says regression or missing.
type junitSuite struct {
	XMLName   xml.Name    `xml:"testsuite"`
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Type    string `xml:"type,attr"`
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit renders the comparison as JUnit XML, one test case per cell.
func (c *Comparison) WriteJUnit(w io.Writer) error {
	per := 0.0
	if len(c.Cells) > 0 {
		per = c.Seconds / float64(len(c.Cells))
	}
	s := junitSuite{Name: "bench compare " + c.Benchmark + " " + c.Profile, Tests: len(c.Cells), Failures: c.Failed(),
		Time: fmt.Sprintf("%.3f", c.Seconds), Timestamp: c.Timestamp.Format("2006-01-02T15:04:05")}
	for _, d := range c.Cells {
		tc := junitCase{Name: d.Model + " / " + d.Column, ClassName: c.Benchmark + "." + c.Profile, Time: fmt.Sprintf("%.3f", per)}
		switch {
		case d.Missing:
			tc.Failure = &junitFailure{Type: "missing", Message: "cell missing from the current report"}
		case d.Regressed:
			msg := fmt.Sprintf("fell %.2f points (%s -> %s), tolerance %.2f", -*d.Diff, fmtNum(d.Baseline), fmtNum(d.Current), c.Tolerance)
			if d.Rule == RulePaired {
				msg += fmt.Sprintf(", paired 95%% interval %s", fmtCI(d.Lo, d.Hi))
			}
			tc.Failure = &junitFailure{Type: "regression", Message: msg, Text: msg}
		}
		s.Cases = append(s.Cases, tc)
	}
	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
