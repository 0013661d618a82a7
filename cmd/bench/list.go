package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/occbench/occbench/benchmarks"
	"github.com/occbench/occbench/reports"
)

// listRow is one benchmark in bench list.
type listRow struct {
	ID       string             `json:"id"`
	Title    string             `json:"title"`
	Profiles []string           `json:"profiles"`
	Seeds    []int              `json:"default_seeds"` // per profile, in Profiles' order
	Headline string             `json:"headline,omitempty"`
	Paper    *float64           `json:"paper,omitempty"`
	Last     map[string]float64 `json:"last_measured,omitempty"`
	// Verdicts counts the paper claims of the last report per profile.
	Verdicts map[string]verdictTally `json:"last_verdicts,omitempty"`
}

// verdictTally counts a report's claims by verdict (docs/statistics.md, section 5).
type verdictTally struct {
	Reproduced   int `json:"reproduced"`
	Contradicted int `json:"contradicted"`
	Inconclusive int `json:"inconclusive"`
}

func newListCmd() *cobra.Command {
	var out string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every benchmark: profiles, default seeds, the paper's headline number, the last measured one and the last verdicts",
		Long: `List every benchmark: its profiles (paper, mini, demo), the number of seeds (replicates) a
run of each profile trains by default (SEEDS, in the order of PROFILES; bench run --seeds
overrides it, docs/seeds.md), the paper's headline number, and, from the reports of earlier
runs under --out (OUT/ID/PROFILE/report.json), the last measured headline and the count of
the last report's paper claims reproduced / contradicted / inconclusive (docs/statistics.md).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rows, err := listRows(out)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), rows)
			}
			return writeListTable(cmd.OutOrStdout(), rows)
		},
	}
	cmd.Flags().StringVar(&out, "out", "out", "folder of earlier runs, for the last measured numbers")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// listRows gathers every benchmark's row: its profiles and default seeds, the paper's
// headline number and the last measured one in the reports under out.
func listRows(out string) ([]listRow, error) {
	paper, err := benchmarks.PaperTables()
	if err != nil {
		return nil, err
	}
	var rows []listRow
	for _, b := range benchmarks.All() {
		r := listRow{ID: b.ID, Title: b.Title, Profiles: b.Profiles(), Last: map[string]float64{}, Verdicts: map[string]verdictTally{}}
		for _, p := range r.Profiles {
			r.Seeds = append(r.Seeds, b.DefaultSeeds(p))
			rep, err := reports.ReadJSON(filepath.Join(out, b.ID, p, "report.json"))
			if err != nil {
				continue
			}
			var v verdictTally
			v.Reproduced, v.Contradicted, v.Inconclusive = rep.Tally()
			if v.Reproduced+v.Contradicted+v.Inconclusive > 0 {
				r.Verdicts[p] = v
			}
		}
		if b.Headline[0] != "" {
			r.Headline = b.Headline[0] + " " + b.Headline[1]
			r.Paper = headline(paper[b.PaperID()], b.Headline)
			for _, p := range r.Profiles {
				rep, err := reports.ReadJSON(filepath.Join(out, b.ID, p, "report.json"))
				if err != nil {
					continue
				}
				if v := measuredHeadline(rep, b.Headline); v != nil {
					r.Last[p] = *v
				}
			}
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// writeListTable prints the rows as an aligned table.
func writeListTable(w io.Writer, rows []listRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BENCHMARK\tPROFILES\tSEEDS\tHEADLINE\tPAPER\tLAST MEASURED\tLAST VERDICTS ✓/✗/?\tTITLE")
	for _, r := range rows {
		p, last := "–", "–"
		if r.Paper != nil {
			p = fmt.Sprintf("%.2f", *r.Paper)
		}
		var l []string
		for _, prof := range r.Profiles {
			if v, ok := r.Last[prof]; ok {
				l = append(l, fmt.Sprintf("%.2f (%s)", v, prof))
			}
		}
		if len(l) > 0 {
			last = strings.Join(l, ", ")
		}
		seeds := make([]string, len(r.Seeds))
		for i, n := range r.Seeds {
			seeds[i] = fmt.Sprint(n)
		}
		var vs []string
		for _, prof := range r.Profiles {
			if v, ok := r.Verdicts[prof]; ok {
				vs = append(vs, fmt.Sprintf("%d/%d/%d (%s)", v.Reproduced, v.Contradicted, v.Inconclusive, prof))
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, strings.Join(r.Profiles, ","), strings.Join(seeds, ","), orDash(r.Headline), p, last, orDash(strings.Join(vs, ", ")), r.Title)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// headline returns the paper's value of (model, column) in a paper table.
func headline(t *benchmarks.PaperTable, h [2]string) *float64 {
	if t == nil {
		return nil
	}
	for _, r := range t.Rows {
		if r.Model != h[0] {
			continue
		}
		for j, c := range t.Columns {
			if c == h[1] && j < len(r.Values) {
				v := r.Values[j]
				return &v
			}
		}
	}
	return nil
}

// measuredHeadline returns a report's measured value of (model, column).
func measuredHeadline(rep *reports.Report, h [2]string) *float64 {
	for _, r := range rep.Rows {
		if r.Model != h[0] {
			continue
		}
		for j, c := range rep.Columns {
			if c == h[1] {
				return r.Cells[j].Measured
			}
		}
	}
	return nil
}
