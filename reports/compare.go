package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"text/tabwriter"
)

// CellDiff is one cell of a run-vs-run comparison.
type CellDiff struct {
	Model     string   `json:"model"`
	Column    string   `json:"column"`
	Baseline  *float64 `json:"baseline"`
	Current   *float64 `json:"current"`
	Diff      *float64 `json:"diff"` // current - baseline
	Regressed bool     `json:"regressed"`
	Missing   bool     `json:"missing"` // in the baseline, absent from the current run
}

// Comparison is the cell-by-cell diff of two reports of one benchmark.
type Comparison struct {
	Benchmark string     `json:"benchmark"`
	Tolerance float64    `json:"tolerance"`
	Cells     []CellDiff `json:"cells"`
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

// Compare diffs every measured cell of the baseline against the current report. A cell
// regresses when it falls by more than tolerance points; a baseline cell the current run
// lacks counts as a failure too.
func Compare(base, cur *Report, tolerance float64) (*Comparison, error) {
	if base.Benchmark != cur.Benchmark {
		return nil, fmt.Errorf("the reports are of different benchmarks: %s and %s", base.Benchmark, cur.Benchmark)
	}
	out := &Comparison{Benchmark: base.Benchmark, Tolerance: tolerance}
	for _, brow := range base.Rows {
		crow := cur.row(brow.Model)
		for j, col := range base.Columns {
			b := brow.Cells[j].Measured
			if b == nil {
				continue
			}
			d := CellDiff{Model: brow.Model, Column: col, Baseline: b}
			if crow != nil {
				if k := indexOf(cur.Columns, col); k >= 0 {
					d.Current = crow.Cells[k].Measured
				}
			}
			if d.Current == nil {
				d.Missing = true
			} else {
				v := *d.Current - *b
				d.Diff = &v
				d.Regressed = v < -tolerance
			}
			out.Cells = append(out.Cells, d)
		}
	}
	return out, nil
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// WriteText prints the per-cell diff table with a verdict per cell and a summary line.
func (c *Comparison) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "model\tcolumn\tbaseline\tcurrent\tdiff\tverdict")
	for _, d := range c.Cells {
		verdict := "ok"
		switch {
		case d.Missing:
			verdict = "MISSING"
		case d.Regressed:
			verdict = "REGRESSED"
		case *d.Diff > c.Tolerance:
			verdict = "improved"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", d.Model, d.Column, fmtNum(d.Baseline), fmtNum(d.Current), fmtSigned(d.Diff), verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s: %d cells, %d failed (tolerance %.2f points)\n", c.Benchmark, len(c.Cells), c.Failed(), c.Tolerance)
	return err
}

type junitSuite struct {
	XMLName  xml.Name    `xml:"testsuite"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit renders the comparison as JUnit XML, one test case per cell.
func (c *Comparison) WriteJUnit(w io.Writer) error {
	s := junitSuite{Name: "bench compare " + c.Benchmark, Tests: len(c.Cells), Failures: c.Failed()}
	for _, d := range c.Cells {
		tc := junitCase{Name: d.Model + " / " + d.Column, ClassName: c.Benchmark}
		switch {
		case d.Missing:
			tc.Failure = &junitFailure{Message: "cell missing from the current report"}
		case d.Regressed:
			tc.Failure = &junitFailure{Message: fmt.Sprintf("fell %.2f points (%s -> %s), tolerance %.2f", -*d.Diff, fmtNum(d.Baseline), fmtNum(d.Current), c.Tolerance)}
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
