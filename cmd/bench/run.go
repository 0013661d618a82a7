package main

import (
	"context"
	"fmt"
	"image"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/occbench/occbench/benchmarks"
	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/runners/gonn"
	"github.com/occbench/occbench/runners/sharddata"
	"github.com/occbench/occbench/runners/torchrun"
)

// goTrain runs one spec with the Go runner. The Go runner takes no context, so on
// cancellation (Ctrl-C) goTrain returns at once and leaves it to die with the process.
func goTrain(ctx context.Context, spec *runners.RunSpec, dir string) (*runners.Result, error) {
	data, err := sharddata.Load(spec)
	if err != nil {
		return nil, err
	}
	type outcome struct {
		res *runners.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := gonn.Run(spec, *data, dir)
		done <- outcome{res, err}
	}()
	select {
	case o := <-done:
		return o.res, o.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// setRunner points the options at the named runner: its training function and, for the Go
// runner, its feature extractor (fig2).
func setRunner(o *benchmarks.Options, runner string, torchOpts torchrun.Options, progress io.Writer) error {
	o.Runner = benchmarks.RunnerName(runner)
	switch o.Runner {
	case benchmarks.RunnerGo:
		o.Train = goTrain
		o.Features = func(ckpt string, imgs []*image.NRGBA) ([][]float32, error) {
			m, err := gonn.LoadCheckpoint(ckpt)
			if err != nil {
				return nil, err
			}
			return gonn.Features(m, imgs, 64)
		}
	case benchmarks.RunnerTorch:
		torchOpts.Progress = progress
		o.Train = func(ctx context.Context, spec *runners.RunSpec, dir string) (*runners.Result, error) {
			opts := torchOpts
			opts.OutDir = dir
			return torchrun.Run(ctx, spec, opts)
		}
	default:
		return fmt.Errorf("--runner %q: want %s or %s", runner, benchmarks.RunnerGo, benchmarks.RunnerTorch)
	}
	return nil
}

func newRunCmd() *cobra.Command {
	var o benchmarks.Options
	var torchOpts torchrun.Options
	var force []string
	var quiet, smoke bool
	var runner string
	cmd := &cobra.Command{
		Use:   "run BENCHMARK [--profile paper|mini|demo]",
		Short: "Run a benchmark end to end: synth, pretrain, train each model, evaluate, report",
		Long: `Run one benchmark of "bench list" end to end: synthesize the shards, pretrain (mini and
demo profiles), train and evaluate every model row, and write the report (Markdown, HTML, CSV,
JSON) to OUT/BENCHMARK/PROFILE/. Every stage is cached under OUT/.cache by a hash of what
determines it: a rerun redoes only what changed, and rerunning a finished benchmark only
re-renders the report. --force STAGE (synth, pretrain, model, all) redoes a stage.

--seeds N trains every model row N times (replicates) with seeds derived from --seed; the
test images and the occlusion patterns are the same for all of them, so the cells stay
paired. Each replicate's models are cached on their own, and a run with more seeds reuses
those of a run with fewer. "bench list" shows each profile's default.

Ctrl-C or SIGTERM (also for a bench run started in the background with &) stops the run with
exit status 130 or 143; the stage that was running leaves no .tmp-* folder, except the synth
stage, which keeps its complete shards and resumes on the next run. Work folders that a killed
run left are removed when the next run of their stage starts. Two runs needing the same stage
at once: the second fails with "folder busy (pid N)".`,
		Example: "  bench run demo\n  bench run demo --seeds 5\n  bench run table2 --profile mini\n  bench run table6 --profile paper --root /data/imagenet --weights resnet50.safetensors --runner torch",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := positiveFlags(cmd, "workers"); err != nil {
				return err
			}
			b, err := benchmarks.Get(args[0])
			if err != nil {
				return err
			}
			var progress io.Writer
			if !quiet {
				progress = cmd.ErrOrStderr()
			}
			if err := setRunner(&o, runner, torchOpts, progress); err != nil {
				return err
			}
			if err := benchmarks.CheckStages(force); err != nil {
				return fmt.Errorf("--force: %w", err)
			}
			o.Force = map[string]bool{}
			for _, f := range force {
				o.Force[f] = true
			}
			o.Log = progress
			if smoke {
				o.Smoke = &benchmarks.Smoke{}
			}
			ctx, finish := interruptible(cmd.Context())
			out, err := benchmarks.Run(ctx, b, o)
			if err := finish(err); err != nil {
				if interrupted(err) {
					fmt.Fprintf(cmd.ErrOrStderr(), "bench: run interrupted; run the same command again: finished stages are cached and the synth stage resumes:\n  %s\n", commandLine(cmd, args))
				}
				return err
			}
			if err := out.Report.WriteMarkdown(cmd.OutOrStdout()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "report: %s (.md .html .csv .json)\n", filepath.Join(out.Dir, "report"))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Profile, "profile", "", "paper, mini or demo (default: the smallest the benchmark supports)")
	f.StringVar(&o.Root, "root", "", "dataset folder (default: $OCCBENCH_ROOT_<NAME>, then the manifest's source.root)")
	f.StringVar(&o.Out, "out", "out", "output folder: reports in OUT/BENCHMARK/PROFILE, the stage cache in OUT/.cache")
	f.StringVar(&runner, "runner", string(benchmarks.RunnerGo), "go (CPU, gorgonia) or torch (PyTorch, GPUs)")
	f.StringVar(&o.Weights, "weights", "", "paper profile: ImageNet-pretrained weights (.safetensors with torchvision names)")
	f.StringVar(&o.Manifest, "manifest", "", "run on this manifest (a file or a built-in name) instead of the profile's: your own hyperparameters or a scaled-down copy; it must define the benchmark's sets")
	f.StringSliceVar(&force, "force", nil, "redo a stage even if cached: synth, pretrain, model or all (comma-separated or repeated)")
	f.IntVar(&o.Workers, "workers", 0, "synthesis workers, at least 1 (default: one per CPU)")
	f.Uint64Var(&o.Seed, "seed", 0, "base training seed (default: the manifest's); the first replicate trains with it, the others derive from it")
	f.IntVar(&o.Seeds, "seeds", 0, "replicates: train every row N times with different seeds, same test images and patterns (default: the profile's, see bench list; docs/seeds.md)")
	f.BoolVar(&o.PremiseOnly, "premise-only", false, "train only the classical rows and measure the DFV rows' premise diagnostics on the initial model, without training them (choose a profile's settings without seeing any DFV effect; docs/premise.md)")
	f.StringSliceVar(&o.Only, "rows", nil, "train and report only these rows (model names as in the report, comma-separated; each row's baseline must be kept)")
	f.BoolVar(&o.Controls, "controls", false, "paper profile: also train the DFV control rows (Gaussian DVs, isotropic noise; docs/premise.md); mini and demo always do")
	f.BoolVarP(&quiet, "quiet", "q", false, "no stage log on stderr")
	f.BoolVar(&smoke, "smoke", false, "every stage on a small deterministic subset (2 images a class, 2 patterns, 1 epoch), report in OUT/BENCHMARK/PROFILE-smoke (never comparable), then an estimate of the full run's wall time and disk on this hardware (docs/doctor.md)")
	f.StringVar(&torchOpts.Python, "python", "python3", "torch runner: Python interpreter with PyTorch")
	f.StringVar(&torchOpts.Device, "device", "auto", "torch runner: cpu, cuda or auto")
	f.BoolVar(&torchOpts.Offline, "offline", true, "torch runner: never download weights")
	f.IntVar(&torchOpts.NProcPerNode, "gpus", 0, "torch runner: processes (GPUs) per node under torchrun; 0 = one process")
	return cmd
}
