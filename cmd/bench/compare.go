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
		Short: "Diff two report JSONs cell by cell; exit non-zero when a cell falls by more than the tolerance",
		Long: `Diff two report JSON files of the same benchmark cell by cell (current minus baseline).
A cell that falls by more than --tolerance points, or that the current report lacks, fails the
comparison and the command exits with status 1. --junit writes JUnit XML for CI systems.`,
		Example: "  bench compare baselines/table2-mini.json out/table2/mini/report.json --tolerance 2 --junit compare.xml",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			base, err := reports.ReadJSON(args[0])
			if err != nil {
				return err
			}
			cur, err := reports.ReadJSON(args[1])
			if err != nil {
				return err
			}
			for i, r := range []*reports.Report{base, cur} {
				if benchmarks.IsSmokeReport(r) {
					return fmt.Errorf("%s is a smoke run's report (profile %s): its numbers are never compared", args[i], r.Profile)
				}
			}
			c, err := reports.Compare(base, cur, tolerance)
			if err != nil {
				return err
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
				return fmt.Errorf("%d cells regressed by more than %.2f points or are missing", n, tolerance)
			}
			return nil
		},
	}
	cmd.Flags().Float64Var(&tolerance, "tolerance", 0.5, "largest allowed drop, in accuracy points")
	cmd.Flags().StringVar(&junit, "junit", "", "also write JUnit XML to this file")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the comparison as JSON")
	return cmd
}
