package gonn

import (
	"strings"
	"testing"

	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/runners"
)

// An eval.patterns id the pack does not hold is an error, raised before anything trains
// (the run used to drop such ids and report fewer patterns).
func TestRunRefusesUnknownEvalPattern(t *testing.T) {
	pack := &patterns.Pack{Table: patterns.Table{ImageSize: 8, Patterns: []patterns.Pattern{{ID: 0}, {ID: 1}}}}
	spec := &runners.RunSpec{Version: 1, Name: "unknown-pattern", Shards: "(in memory)",
		Network: runners.Network{Arch: "resnet-mini", NumClasses: 2, InputSize: 8, Width: 4},
		Init:    runners.Init{Kind: "random"}, Method: "classical", TrainSet: "trn", TestSet: "tst", Epochs: 1, BatchSize: 4,
		Optimizer: runners.Optimizer{Name: "sgd", LR: 0.01}, Schedule: runners.Schedule{Name: "cosine"}, Seed: 1,
		Eval: runners.EvalConfig{BatchSize: 4, Patterns: []int{1, 7}}}
	data := runners.Data{Train: toyData(4, 8, 2, 1, "trn"), Test: toyData(4, 8, 2, 2, "tst"), Pack: pack}
	if _, err := Run(spec, data, ""); err == nil || !strings.Contains(err.Error(), "pattern 7 is not in the table") {
		t.Fatalf("eval.patterns [1 7] on a 2-pattern pack: %v", err)
	}
	data.Pack = nil
	if _, err := Run(spec, data, ""); err == nil || !strings.Contains(err.Error(), "no pattern pack") {
		t.Fatalf("eval.patterns without a pack: %v", err)
	}
}
