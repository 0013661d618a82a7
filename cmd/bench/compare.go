package main

import (
	"bytes"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/occbench/occbench/benchmarks"
	"github.com/occbench/occbench/internal/atomicfile"
	"github.com/occbench/occbench/reports"
)

func newCompareCmd() *cobra.Command {
	var tolerance float64
	var junit string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "compare BASELINE.json CURRENT.json",
		Short: "Gate a report against a baseline, cell by cell: exit 1 on a regression, 2 on unusable input",
		Long: `Compare two report JSON files of the same benchmark and profile cell by cell (current minus
baseline).

When both reports carry per-image hits, the runs are paired by test image: a cell fails only
when the current run is worse than the baseline beyond sampling (the paired 95% bootstrap
interval of the difference lies below 0) AND by more than --tolerance points. Without hits on
both sides (e.g. a version-1 baseline), a cell fails when it drops by more than --tolerance.
A baseline cell missing from the current report fails too. docs/statistics.md has the rules.

Exit status: 0 no regression; 1 a cell regressed or is missing; 2 unusable input (a missing
or unreadable file, a report version this bench does not read, different benchmarks or
profiles, an empty baseline, no shared cell, duplicate model rows, negative counts).
--junit writes JUnit XML (Jenkins xunit junit-10 schema) for CI systems.`,
		Example: "  bench compare ci/baselines/demo.json out/demo/demo/report.json --tolerance 3 --junit compare.xml",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			unusable := func(err error) error { return &exitError{code: exitUnusable, err: err} }
			base, err := reports.ReadJSON(args[0])
			if err != nil {
				return unusable(fmt.Errorf("baseline: %w", err))
			}
			cur, err := reports.ReadJSON(args[1])
			if err != nil {
				return unusable(fmt.Errorf("current: %w", err))
			}
			for i, r := range []*reports.Report{base, cur} {
				if benchmarks.IsSmokeReport(r) {
					return unusable(fmt.Errorf("%s is a smoke run's report (profile %s): its numbers are never compared", args[i], r.Profile))
				}
			}
			c, err := reports.Compare(base, cur, tolerance)
			if err != nil {
				return unusable(fmt.Errorf("%s against %s: %w", args[1], args[0], err))
			}
			if junit != "" {
				var buf bytes.Buffer
				if err := c.WriteJUnit(&buf); err != nil {
					return err
				}
				if err := atomicfile.Write(junit, buf.Bytes()); err != nil {
					return err
				}
			}
			if asJSON {
				err = writeJSON(cmd.OutOrStdout(), c)
			} else {
				err = c.WriteText(cmd.OutOrStdout())
			}
			if err != nil {
				return err
			}
			if n := c.Failed(); n > 0 {
				return &exitError{code: exitFailed, err: fmt.Errorf("%d cells regressed or are missing (tolerance %.2f points)", n, tolerance)}
			}
			return nil
		},
	}
	cmd.Flags().Float64Var(&tolerance, "tolerance", 0.5, "largest allowed drop, in accuracy points (with hits, a larger drop fails only when it is also beyond sampling)")
	cmd.Flags().StringVar(&junit, "junit", "", "also write JUnit XML to this file")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the comparison as JSON")
	return cmd
}
