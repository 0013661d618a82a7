package gonn

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/runners"
)

// Run executes a run spec on data: build the model, initialize it, train, evaluate clean and
// every selected pattern, save the checkpoint to outDir/model.safetensors (when outDir is not
// empty) and return the result.
func Run(spec *runners.RunSpec, data runners.Data, outDir string) (*runners.Result, error) {
	start := time.Now()
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	pats, err := evalPatterns(spec, data.Pack)
	if err != nil {
		return nil, err
	}
	m, err := initModel(spec)
	if err != nil {
		return nil, err
	}
	res := &runners.Result{Version: runners.ResultVersion, SpecHash: spec.Hash(), Spec: spec,
		Provenance: provenance(start)}
	tr, err := NewTrainer(m, ConfigOf(spec))
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	// The classifier's outputs stand for spec.classes (the paper's head covers Itrn's
	// classes): shard labels become output indices here, for training and evaluation alike.
	index := spec.LabelIndex()
	if data.Train != nil {
		data.Train = runners.Relabel(data.Train, index)
	}
	if data.Test != nil {
		data.Test = runners.Relabel(data.Test, index)
	}
	data.EvalSets = append([]runners.NamedSplit(nil), data.EvalSets...)
	for i := range data.EvalSets {
		data.EvalSets[i].Split = runners.Relabel(data.EvalSets[i].Split, index)
	}
	if pp, ok := data.Iop.(*runners.PatternPairs); ok && spec.Method == runners.MethodDFV && data.Test != nil {
		// The premise of DFV, measured on the initial model (docs/premise.md).
		if res.Premise, err = PremiseDiagnostics(m, pp, data.Test, spec.Eval.BatchSize); err != nil {
			return nil, err
		}
	}
	curve, err := tr.Train(data.Train, data.Iop)
	res.Curve = curve
	if err != nil {
		if _, ok := err.(*NaNError); !ok {
			return nil, err
		}
		res.StoppedReason = err.Error()
	}
	res.ImagesPerSec = tr.Throughput()
	res.TrainSeconds = tr.seconds
	if outDir != "" {
		ck := filepath.Join(outDir, "model.safetensors")
		if err := m.SaveSafetensors(ck); err != nil {
			return nil, err
		}
		res.Checkpoint = ck
	}
	if data.Test != nil {
		clean, pcs, err := Evaluate(m, data.Test, data.Pack, pats, spec.Eval.BatchSize)
		if err != nil {
			return nil, err
		}
		res.Clean, res.Patterns = clean, pcs
	}
	for _, es := range data.EvalSets {
		c, _, err := Evaluate(m, es.Split, nil, nil, spec.Eval.BatchSize)
		if err != nil {
			return nil, fmt.Errorf("eval set %s: %w", es.Name, err)
		}
		res.Sets = append(res.Sets, runners.SetCount{Name: es.Name, Count: c})
	}
	res.WallSeconds = time.Since(start).Seconds()
	res.PeakRSSBytes = PeakRSS()
	if res.StoppedReason != "" {
		return res, fmt.Errorf("%s", res.StoppedReason)
	}
	return res, nil
}

// evalPatterns returns the patterns the test images are evaluated under (spec eval.patterns,
// none listed: every pattern of the pack), before anything trains.
func evalPatterns(spec *runners.RunSpec, pack *patterns.Pack) ([]patterns.Pattern, error) {
	switch {
	case spec.Eval.CleanOnly:
		return nil, nil
	case pack != nil:
		pats, err := pack.ByID(spec.Eval.Patterns)
		if err != nil {
			return nil, fmt.Errorf("run spec: eval.patterns: %w", err)
		}
		return pats, nil
	case len(spec.Eval.Patterns) > 0:
		return nil, fmt.Errorf("run spec: eval.patterns: %d patterns named but the data has no pattern pack", len(spec.Eval.Patterns))
	}
	return nil, nil
}

func initModel(spec *runners.RunSpec) (*Model, error) {
	m, err := NewModel(ArchOf(spec.Network), spec.Seed)
	if err != nil {
		return nil, err
	}
	switch spec.Init.Kind {
	case "checkpoint", "safetensors":
		if err := m.LoadSafetensors(spec.Init.Path, spec.Init.Skip...); err != nil {
			return nil, fmt.Errorf("init: %w", err)
		}
	}
	return m, nil
}

func provenance(start time.Time) runners.Provenance {
	return runners.Provenance{Runner: "go-gorgonia", GoVersion: runtime.Version(), CPU: cpuModel(),
		Threads: runtime.GOMAXPROCS(0), BLAS: blasName, Started: start.UTC().Format(time.RFC3339)}
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "model name") {
			if i := strings.Index(l, ":"); i >= 0 {
				return strings.TrimSpace(l[i+1:])
			}
		}
	}
	return runtime.GOARCH
}

// PeakRSS returns the process's peak resident set size in bytes (getrusage maxrss).
func PeakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024
}
