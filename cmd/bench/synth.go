package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/synth"
)

// bar is a progress bar on stderr with rate and ETA, or nothing when stderr is not a
// terminal or with --quiet.
type bar struct{ pb *progressbar.ProgressBar }

func newBar(w io.Writer, quiet bool, what string) *bar {
	f, ok := w.(*os.File)
	if !ok || quiet || !term.IsTerminal(int(f.Fd())) {
		return &bar{}
	}
	return &bar{pb: progressbar.NewOptions(-1, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("img"),
		progressbar.OptionThrottle(100_000_000), progressbar.OptionClearOnFinish())}
}

// set reports done of total rows; nil-safe for use as a Progress callback.
func (b *bar) set(done, total int) {
	if b.pb == nil {
		return
	}
	if b.pb.GetMax() != total {
		b.pb.ChangeMax(total)
	}
	b.pb.Set(done)
}

func (b *bar) finish() {
	if b.pb != nil {
		b.pb.Finish()
	}
}

// withProgress runs long work with a progress bar on w (see newBar) and a context that
// Ctrl-C or SIGTERM cancels, so writers remove their partial files; an interrupted run
// ends with exit status 128 + the signal (interruptible).
func withProgress(w io.Writer, quiet bool, what string, fn func(ctx context.Context, progress func(done, total int)) error) error {
	b := newBar(w, quiet, what)
	ctx, finish := interruptible(context.Background())
	err := fn(ctx, b.set)
	b.finish()
	return finish(err)
}

// parseShard parses --shard "i/N".
func parseShard(s string) (int, int, error) {
	if s == "" {
		return 0, 1, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("--shard %q: want i/N with 0 <= i < N", s)
	}
	return i, n, nil
}

// synthInputs resolves everything a synth run reads.
func synthInputs(ref, root, occDir string) (synth.Inputs, error) {
	m, err := manifests.Resolve(ref)
	if err != nil {
		return synth.Inputs{}, err
	}
	return synth.Load(m, root, occDir)
}

func newSynthCmd() *cobra.Command {
	var root, out, sets, format, encode, codec, shard, variant, occDir string
	var workers, rowsPerShard int
	var resume, force, strict, quiet, occluded, stats, dryRun bool
	cmd := &cobra.Command{
		Use:   "synth MANIFEST --out OUT [--root DIR] [--sets a,b] [--shard i/N] [--workers N] [--resume]",
		Short: "Render a manifest's sets to Hugging Face–compatible Parquet shards",
		Long: `Plan every (source image, pattern, set) row of a manifest, render the rows in a worker
pool (decode once, preprocess, composite each pattern from the pattern pack) and write them in
plan order to OUT/data/{split}-{i:05d}-of-{n:05d}.parquet (--format webdataset: .tar shards
whose samples are {key}.png|jpg, {key}.cls and {key}.json; --format recipe: .recipe.parquet
shards with every column but the pixels, which "bench render" materializes byte-identically
on demand), with the dataset card README.md,
the pattern pack (OUT/patterns) and OUT/manifest.lock.json. The bytes never depend on
--workers, --shard or --resume.

Train and test sets are written clean (plus the occluded rows of add_occluded). Pairs sets
are written clean, since runners composite them in memory from the pattern pack; --occluded
also writes each pair image's occluded rows. --variant picks the pattern subset of sets
whose occlude is "variant" (default: the manifest's first iop_variants entry).

--shard i/N writes only the shards whose global index is i modulo N: N machines (a Slurm
array, a Kubernetes Indexed Job) writing into one folder produce exactly the single-machine
output. The lock's checksums are complete once every part is there; run the same command
with --resume afterwards (it writes nothing new) to seal the lock if parts ran concurrently.

OUT must be absent, empty, or a shard set of the same plan: a folder of another plan, or one
holding files of its own (a README.md), is refused unless --force. While it writes, bench
synth holds OUT/.occbench/lock: a second bench synth into OUT fails with "folder busy (pid
N)"; the lock of a process that died (kill -9) is taken over. Ctrl-C or SIGTERM stops it
with exit status 130 or 143, keeping the complete shards, and prints the --resume command
that continues; --resume on a finished set writes nothing (it may be read-only). --strict,
given either way, overrides the manifest's source.corrupt.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("--out is required")
			}
			if err := positiveFlags(cmd, "workers", "rows-per-shard"); err != nil {
				return err
			}
			si, sn, err := parseShard(shard)
			if err != nil {
				return err
			}
			in, err := synthInputs(args[0], root, occDir)
			if err != nil {
				return err
			}
			opt := synth.Options{Out: out, Format: format, Encode: encode, Codec: codec, Occluded: occluded, Variant: variant,
				RowsPerShard: rowsPerShard, Shard: si, NumShards: sn, Workers: workers, Resume: resume, Force: force,
				Version: version}
			if cmd.Flags().Changed("strict") { // given, the flag overrides the manifest's source.corrupt
				opt.Corrupt = map[bool]string{true: "fail", false: "skip"}[strict]
			}
			if sets != "" {
				opt.Sets = strings.Split(sets, ",")
			}
			stderr := cmd.ErrOrStderr()
			if dryRun {
				plan, lock, err := synth.Prepare(in, &opt)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "plan %s: %d splits, %d shards, %d jobs\n", lock.PlanID, len(plan.Splits), len(plan.Shards), len(plan.Jobs))
				for _, s := range lock.Splits {
					fmt.Fprintf(cmd.OutOrStdout(), "  %-12s %-6s images %6d rows %7d shards %d %s\n", s.Name, s.Role, s.Images, s.PlannedRows, len(s.Shards), s.Subset)
				}
				return nil
			}
			var sum *synth.Summary
			err = withProgress(stderr, quiet, "synth", func(ctx context.Context, progress func(done, total int)) (err error) {
				opt.Progress = progress
				sum, err = synth.Run(ctx, in, opt)
				return err
			})
			switch {
			case interrupted(err):
				fmt.Fprintf(stderr, "bench: synth interrupted; the complete shards are kept. Resume with:\n  %s\n", commandLine(cmd, args, "--resume"))
				return err
			case errors.Is(err, synth.ErrOtherPlan) || errors.Is(err, synth.ErrNotShardSet):
				return fmt.Errorf("%w; use another --out, or --force to write into it", err)
			case err != nil:
				return err
			}
			if stats {
				return writeJSON(cmd.OutOrStdout(), sum)
			}
			if !quiet {
				sum.WriteSummary(stderr)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&root, "root", "", "dataset folder (default: $OCCBENCH_ROOT_<NAME>, then the manifest's source.root)")
	f.StringVar(&out, "out", "", "output folder (required)")
	f.StringVar(&sets, "sets", "", "comma-separated sets to write (default: every set with images)")
	f.StringVar(&format, "format", "parquet", "shard format: parquet; webdataset (tar shards of {key}.png|jpg, {key}.cls, {key}.json); or recipe (every column but the pixels; materialize rows with bench render)")
	f.StringVar(&encode, "encode", "", "image encoding: png or jpeg (default: the manifest's output.encode)")
	f.StringVar(&codec, "codec", "go", "JPEG codec: go (standard library, same bytes everywhere) or turbo (libjpeg-turbo; binary built with -tags turbojpeg)")
	f.StringVar(&shard, "shard", "", "write only part i of N (i/N, 0-based): shards with global index i mod N")
	f.StringVar(&variant, "variant", "", "pattern subset for sets with occlude: variant (default: first iop_variants)")
	f.StringVar(&occDir, "occluders", "", "use the RGBA PNGs of this folder instead of the manifest's occluders")
	f.IntVar(&workers, "workers", 0, "render workers, at least 1 (default: GOMAXPROCS)")
	f.IntVar(&rowsPerShard, "rows-per-shard", 0, "rows per shard, at least 1 (default: about 256 MiB of images)")
	f.BoolVar(&occluded, "occluded", false, "also write the occluded rows of pairs sets")
	f.BoolVar(&resume, "resume", false, "keep the complete shards of an interrupted run of the same plan")
	f.BoolVar(&force, "force", false, "write into a folder that holds another plan's shards (replacing them) or files of its own (a README.md is replaced by the card)")
	f.BoolVar(&strict, "strict", false, "fail on a source image that does not decode; --strict=false skips it; given either way, it overrides the manifest's source.corrupt")
	f.BoolVar(&quiet, "quiet", false, "no progress bar and no summary")
	f.BoolVar(&stats, "stats", false, "print the run summary as JSON on stdout (images/s, peak memory)")
	f.BoolVar(&dryRun, "dry-run", false, "print the plan (splits, rows, shards) and write nothing")
	return cmd
}
