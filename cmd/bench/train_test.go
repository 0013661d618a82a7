package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occbench/occbench/runners"
)

// bench synth, then bench train on the shards with both methods, then bench eval on the
// checkpoint: the command-line path a user takes without bench run.
func TestSynthTrainEval(t *testing.T) {
	dir := t.TempDir()
	shardDir := filepath.Join(dir, "shards")
	if _, _, err := run(t, "synth", "demo", "--out", shardDir, "--sets", "trn_x,tst_x,iop_x", "--quiet"); err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"classical", "dfv"} {
		spec := map[string]any{
			"version": 1, "shards": shardDir,
			"network": map[string]any{"arch": "resnet-mini", "num_classes": 10, "input_size": 32, "width": 8},
			"init":    map[string]any{"kind": "random"}, "method": method, "train_set": "trn_x", "test_set": "tst_x",
			"epochs": 1, "batch_size": 32, "optimizer": map[string]any{"name": "sgd", "lr": 0.01, "momentum": 0.9},
			"schedule": map[string]any{"name": "constant"}, "seed": 1, "eval": map[string]any{"patterns": []int{0, 4}},
		}
		if method == "dfv" {
			spec["iop_set"] = "iop_x"
			spec["iop_patterns"] = []int{0, 4}
		}
		data, _ := json.Marshal(spec)
		sp := filepath.Join(dir, method+".json")
		os.WriteFile(sp, data, 0o644)
		out := filepath.Join(dir, method)
		stdout, _, err := run(t, "train", sp, "--out", out)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if !strings.Contains(stdout, "avg occluded") {
			t.Fatalf("%s: stdout %q", method, stdout)
		}
		res, err := runners.ReadResult(filepath.Join(out, "result.json"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Clean.Total != 8*24 || len(res.Patterns) != 2 || len(res.Curve) != 1 {
			t.Fatalf("%s: clean total %d, %d patterns, %d epochs", method, res.Clean.Total, len(res.Patterns), len(res.Curve))
		}
		if method == "dfv" && res.Curve[0].BankSize != 2*10*2 {
			t.Fatalf("dfv: DV bank of %d, want 2 classes x 10 images x 2 patterns", res.Curve[0].BankSize)
		}
	}
	ev := filepath.Join(dir, "eval.json")
	if _, _, err := run(t, "eval", "--model", filepath.Join(dir, "dfv", "model.safetensors"), "--shards", shardDir, "--test-set", "tst_x", "--out", ev); err != nil {
		t.Fatal(err)
	}
	res, err := runners.ReadResult(ev)
	if err != nil || res.Clean.Total != 8*24 || len(res.Patterns) != 24 {
		t.Fatalf("eval: %v, %+v", err, res)
	}
	if _, _, err := run(t, "train", filepath.Join(dir, "nope.json"), "--out", dir); err == nil {
		t.Fatal("a missing spec trained")
	}
}
