package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/occbench/occbench/synth/shards"
)

func newShardsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "shards",
		Short: "Inspect and verify shard sets written by bench synth",
	}
	var asJSON bool
	verify := &cobra.Command{
		Use:   "verify OUT",
		Short: "Check a shard set: lock, pattern pack, SHA-256, row counts, schema, HF metadata, every image, pattern ids",
		Long: `Check a shard set against its manifest.lock.json: the pattern pack (patterns.json row by
row, every file's SHA-256), every shard's SHA-256, size and row count, the schema and Hugging
Face metadata, that every image decodes at the lock's size, labels, split names and pattern
ids. Each problem is printed as a FAULT line naming the file; any fault exits with status 1.
A folder that an interrupted bench synth left without a lock exits with status 3.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := shards.Verify(args[0])
			if err != nil {
				if why := shards.Incomplete(args[0], nil); why != "" {
					return &exitError{code: exitIncomplete, err: fmt.Errorf("%s: incomplete (%s); run bench synth again with --resume", args[0], why)}
				}
				return err
			}
			if asJSON {
				if err := writeJSON(cmd.OutOrStdout(), rep); err != nil {
					return err
				}
			} else {
				for _, f := range rep.Faults {
					fmt.Fprintln(cmd.OutOrStdout(), "FAULT", f)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %d shards, %d rows, %d images decoded, %d faults\n", rep.Dir, rep.Shards, rep.Rows, rep.Images, len(rep.Faults))
			}
			if !rep.OK() {
				return fmt.Errorf("%s: %d faults", rep.Dir, len(rep.Faults))
			}
			return nil
		},
	}
	verify.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	var showJSON bool
	show := &cobra.Command{
		Use:   "show OUT",
		Short: "Row counts of a shard set per split, pattern and class",
		Long: `Print the row counts of a shard set per split, pattern and class (from the rows'
metadata; no image is decoded).

A shard set that a killed or unfinished bench synth left (no manifest.lock.json, or a lock
that says complete: false) is shown with the counts of the shards present, then the command
says "incomplete" and exits with status 3; bench synth ... --resume completes it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := shards.Open(args[0])
			if err != nil {
				if why := shards.Incomplete(args[0], nil); why != "" {
					return &exitError{code: exitIncomplete, err: fmt.Errorf("%s: incomplete (%s); run bench synth again with --resume", args[0], why)}
				}
				return err
			}
			c, err := d.Count()
			if err != nil {
				return err
			}
			incomplete := func() error {
				if why := shards.Incomplete(d.Dir, d.Lock); why != "" {
					return &exitError{code: exitIncomplete, err: fmt.Errorf("%s: incomplete (%s); these are the counts of the shards present; run bench synth again with --resume", d.Dir, why)}
				}
				return nil
			}
			if showJSON {
				if err := writeJSON(cmd.OutOrStdout(), c); err != nil {
					return err
				}
				return incomplete()
			}
			w := cmd.OutOrStdout()
			if d.Lock != nil {
				fmt.Fprintf(w, "plan %s  encode %s  classes %d  patterns %d  complete %v\n\n", d.Lock.PlanID, d.Lock.Encode, len(d.Lock.Classes), len(d.Lock.Patterns.Patterns), d.Lock.Complete)
			} else if shards.Incomplete(d.Dir, nil) != "" {
				fmt.Fprintf(w, "INCOMPLETE: no %s (an interrupted bench synth)\n\n", shards.LockFile)
			}
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "split\tshards\trows\timages\tclean\toccluded\tclasses\tpatterns\t")
			for _, s := range c.Splits {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", s.Name, s.Shards, s.Rows, s.Images, s.Clean, s.Occluded, len(s.PerClass), len(s.PerPattern))
			}
			tw.Flush()
			for _, s := range c.Splits {
				fmt.Fprintf(w, "\n%s per class:", s.Name)
				for _, k := range shards.SortedKeys(s.PerClass) {
					fmt.Fprintf(w, " %s=%d", k, s.PerClass[k])
				}
				if len(s.PerPattern) > 0 {
					fmt.Fprintf(w, "\n%s per pattern:", s.Name)
					for _, k := range shards.SortedKeys(s.PerPattern) {
						fmt.Fprintf(w, " %d=%d", k, s.PerPattern[k])
					}
				}
				fmt.Fprintln(w)
			}
			return incomplete()
		},
	}
	show.Flags().BoolVar(&showJSON, "json", false, "print the counts as JSON")
	cmd.AddCommand(verify, show)
	return cmd
}
