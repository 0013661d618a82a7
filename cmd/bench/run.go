package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/occbench/occbench/internal/atomicfile"
	"github.com/occbench/occbench/occluders/patterns"
)

func newRunCmd() *cobra.Command {
	var root, out string
	cmd := &cobra.Command{
		Use:   "run BENCHMARK",
		Short: "Run a benchmark end to end (today: plan its sets and patterns)",
		Long: `Run a benchmark end to end. Today the pipeline stops after planning: it resolves the
manifest's image sets, expands its patterns and writes the pattern pack, the split lists and
a contact sheet under --out. Synthesis, training and reports are not built yet, and the
command says so.`,
		Example: "  bench run demo\n  bench run caltech101 --root /data/caltech101",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, s, err := resolveSplits(args[0], root)
			if err != nil {
				return err
			}
			dir := filepath.Join(out, m.Name)
			p, err := patterns.FromManifest(m, "")
			if err != nil {
				return err
			}
			if err := p.Write(filepath.Join(dir, "patterns")); err != nil {
				return err
			}
			lists, err := json.MarshalIndent(s, "", " ")
			if err != nil {
				return err
			}
			if err := atomicfile.Write(filepath.Join(dir, "splits.json"), append(lists, '\n')); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if err := s.WriteSummary(w, false); err != nil {
				return err
			}
			fmt.Fprintf(w, "\n%d patterns (pack in %s)\n", len(p.Patterns), filepath.Join(dir, "patterns"))
			fmt.Fprintf(w, "split lists in %s\n", filepath.Join(dir, "splits.json"))
			fmt.Fprintln(w, "\nstopped after planning: synthesis, training and the report are not implemented yet")
			return nil
		},
	}
	cmd.Flags().StringVar(&root, "root", "", "dataset folder (default: $OCCBENCH_ROOT_<NAME>, then the manifest's source.root)")
	cmd.Flags().StringVar(&out, "out", "out", "output folder")
	return cmd
}
