package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/occbench/occbench/synth"
)

func newRenderCmd() *cobra.Command {
	var out, rows, root string
	var files, quiet, stats bool
	var workers int
	cmd := &cobra.Command{
		Use:   "render RECIPE_SHARD --out DIR [--rows SPEC] [--root DIR] [--files]",
		Short: "Materialize rows of a recipe shard, byte-identical to a Parquet synth",
		Long: `Render rows of a recipe shard (bench synth --format recipe: every column, no pixels) into
the exact bytes "bench synth --format parquet" writes for the same manifest and options. The
recipe's shard set folder (the parent of its data/ folder) supplies the resolved manifest
(manifest.lock.json) and the pattern pack; the source images are read under --root.

Without --rows, every row is rendered to OUT/{split}-{i}-of-{n}.parquet, a file identical to
the materialized shard. --rows selects rows by index within the shard: "0:1000" (half-open),
"17", "5000:" (to the end), or a comma-separated list of these; the selection goes to
OUT/{split}-{i}-of-{n}.rows.parquet, each image identical to its row in the materialized shard.
--files writes the images as files instead (OUT/{split}/{row key}.png|jpg, the rows' image
paths) with OUT/metadata.jsonl, a Hugging Face imagefolder.

A recipe is written without decoding any image, so a source image that does not decode
fails the render here, named in the error.`,
		Example: `  bench synth ilsvrc2012 --root /data/imagenet --out occ-ilsvrc --format recipe
  bench render occ-ilsvrc/data/tst-00003-of-00012.recipe.parquet --root /data/imagenet --out shard3
  bench render occ-ilsvrc/data/tst-00003-of-00012.recipe.parquet --rows 0:48 --files --out peek`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("--out is required")
			}
			if err := positiveFlags(cmd, "workers"); err != nil {
				return err
			}
			opt := synth.RenderOptions{Shard: args[0], Rows: rows, Out: out, Root: root, Files: files, Workers: workers}
			stderr := cmd.ErrOrStderr()
			var sum *synth.RenderSummary
			err := withProgress(stderr, quiet, "render", func(ctx context.Context, progress func(done, total int)) (err error) {
				opt.Progress = progress
				sum, err = synth.RenderRecipe(ctx, opt)
				return err
			})
			if err != nil {
				return err
			}
			if stats {
				return writeJSON(cmd.OutOrStdout(), sum)
			}
			if !quiet {
				fmt.Fprintf(stderr, "%d rows from %d source images -> %s (%.1f MiB), %.1fs, %.1f images/s\n", sum.Rows, sum.Images,
					sum.Output, float64(sum.Bytes)/(1<<20), sum.Elapsed.Seconds(), sum.RowsPerSec)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "", "output folder (required)")
	f.StringVar(&rows, "rows", "", `rows to render: "lo:hi", "i", "lo:", comma-separated (default: every row)`)
	f.StringVar(&root, "root", "", "dataset folder (default: $OCCBENCH_ROOT_<NAME>, then the manifest's source.root)")
	f.BoolVar(&files, "files", false, "write image files and metadata.jsonl instead of one Parquet file")
	f.IntVar(&workers, "workers", 0, "render workers, at least 1 (default: GOMAXPROCS)")
	f.BoolVar(&quiet, "quiet", false, "no progress bar and no summary")
	f.BoolVar(&stats, "stats", false, "print the summary as JSON on stdout")
	return cmd
}
