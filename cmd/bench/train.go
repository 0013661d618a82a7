package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/runners/gonn"
	"github.com/occbench/occbench/runners/sharddata"
	"github.com/occbench/occbench/synth/shards"
)

func newTrainCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "train SPEC.json --out DIR",
		Short: "Train and evaluate one run spec with the Go runner; writes DIR/result.json and DIR/model.safetensors",
		Long: `Train and evaluate one run spec (runners/SPEC.md) on the CPU with the Go runner: classical
or DFV fine-tuning, then clean and per-pattern evaluation with every pattern composited in
memory. The result holds raw counts per pattern and class, the training curve, timing and
provenance.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := runners.ReadSpec(args[0])
			if err != nil {
				return err
			}
			data, err := sharddata.Load(spec)
			if err != nil {
				return err
			}
			res, err := gonn.Run(spec, *data, out)
			if err != nil {
				return err
			}
			p := filepath.Join(out, "result.json")
			if err := runners.WriteResult(p, res); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "clean %.2f%%  avg occluded %.2f%%  (%.0f train img/s, %.0f s)\nwrote %s\n",
				100*res.Clean.Accuracy(), 100*res.MeanOccludedAccuracy(), res.ImagesPerSec, res.WallSeconds, p)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "output folder (required)")
	cmd.MarkFlagRequired("out")
	return cmd
}

func newEvalCmd() *cobra.Command {
	var model, shardDir, out, testSet, pack string
	var batch int
	cmd := &cobra.Command{
		Use:   "eval --model CKPT --shards DIR --out result.json",
		Short: "Evaluate a checkpoint on a shard set's clean test split and every pattern of its pack",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := gonn.LoadCheckpoint(model)
			if err != nil {
				return fmt.Errorf("%s: %w", model, err)
			}
			ds, err := shards.Open(shardDir)
			if err != nil {
				return err
			}
			pk, err := sharddata.LoadPack(ds, pack)
			if err != nil {
				return err
			}
			test, err := sharddata.LoadSplit(ds, testSet, true, pk.ImageSize)
			if err != nil {
				return err
			}
			clean, pcs, err := gonn.Evaluate(m, test, pk, pk.Patterns, batch)
			if err != nil {
				return err
			}
			res := &runners.Result{Version: runners.ResultVersion, Clean: clean, Patterns: pcs, Checkpoint: model}
			if err := runners.WriteResult(out, res); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "clean %.2f%%  avg occluded %.2f%% over %d patterns\nwrote %s\n",
				100*clean.Accuracy(), 100*res.MeanOccludedAccuracy(), len(pcs), out)
			return nil
		},
	}
	cmd.Flags().StringVar(&model, "model", "", "checkpoint (.safetensors) written by bench train (required)")
	cmd.Flags().StringVar(&shardDir, "shards", "", "shard set folder written by bench synth (required)")
	cmd.Flags().StringVar(&out, "out", "result.json", "result file")
	cmd.Flags().StringVar(&testSet, "test-set", "tst", "split to evaluate")
	cmd.Flags().StringVar(&pack, "patterns", "", "pattern pack folder (default: the shard set's)")
	cmd.Flags().IntVar(&batch, "batch-size", 64, "inference batch size")
	cmd.MarkFlagRequired("model")
	cmd.MarkFlagRequired("shards")
	return cmd
}
