package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/occbench/occbench/benchmarks"
	"github.com/occbench/occbench/runners/torchrun"
)

func newDoctorCmd() *cobra.Command {
	var o benchmarks.DoctorOptions
	var python string
	cmd := &cobra.Command{
		Use:   "doctor BENCHMARK [--profile paper] [--root DIR] [--weights FILE] [--runner torch] [--device cuda] [--out DIR]",
		Short: "Check that a run can start: dataset tree and counts, weights tensors, PyTorch and GPU, free disk, output folder",
		Long: `Check everything "bench run" needs before its first stage and print one line per check,
with a fix for each problem: the dataset tree matches its layout and the published counts,
the manifest's sets resolve on it, the weights file (paper profile) has every tensor each
network needs with the expected names and shapes (and which ones it skips), Python, torch,
torchvision, CUDA and the GPU's memory (--runner torch), the free disk for the synth stage
estimated from the plan, and whether the output folder is writable. The exit status is 0
only when the run can start ("warn" lines do not stop it). docs/doctor.md explains each check.`,
		Example: "  bench doctor table6 --profile paper --root /data/ILSVRC2012 --weights resnet50.safetensors --runner torch --device cuda",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := benchmarks.Get(args[0])
			if err != nil {
				return err
			}
			if o.Runner == "torch" {
				o.TorchProbe = func(ctx context.Context) (*benchmarks.TorchEnv, error) {
					_, p, err := torchrun.Check(ctx, python)
					if err != nil {
						return nil, err
					}
					return &benchmarks.TorchEnv{Python: p.Python, Torch: p.Torch, Torchvision: p.Torchvision, CUDA: p.CUDA,
						Devices: p.Devices, DeviceName: p.DeviceName, DeviceMemory: p.DeviceMemory}, nil
				}
			}
			checks := benchmarks.Doctor(cmd.Context(), b, o)
			if err := benchmarks.WriteChecks(cmd.OutOrStdout(), checks); err != nil {
				return err
			}
			if !benchmarks.CanStart(checks) {
				cmd.SilenceUsage = true
				return fmt.Errorf("doctor: %s cannot start: fix the FAIL lines above", b.ID)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Profile, "profile", "", "paper, mini or demo (default: the smallest the benchmark supports)")
	f.StringVar(&o.Root, "root", "", "dataset folder (default: $OCCBENCH_ROOT_<NAME>, then the manifest's source.root)")
	f.StringVar(&o.Weights, "weights", "", "paper profile: the pretrained weights file to check (.safetensors)")
	f.StringVar(&o.Manifest, "manifest", "", "check this manifest (a file or a built-in name) instead of the profile's")
	f.StringVar(&o.Out, "out", "out", "output folder of the run (its free disk and whether it is writable)")
	f.StringVar(&o.Runner, "runner", "go", "go or torch (torch: check Python, PyTorch, CUDA)")
	f.StringVar(&o.Device, "device", "auto", "torch runner: cpu, cuda or auto (cuda: fail without a CUDA device)")
	f.StringVar(&python, "python", "python3", "torch runner: Python interpreter with PyTorch")
	return cmd
}
