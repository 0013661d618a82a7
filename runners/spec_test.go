package runners

import (
	"path/filepath"
	"strings"
	"testing"
)

const goodSpec = `{
  "version": 1, "shards": "s", "pattern_pack": "p",
  "network": {"arch": "resnet-mini", "num_classes": 8, "input_size": 32},
  "init": {"kind": "checkpoint", "path": "pre.safetensors"},
  "method": "dfv", "alpha": 0.9, "beta": 1, "train_set": "trn_c", "iop_set": "iop",
  "epochs": 3, "batch_size": 32,
  "optimizer": {"name": "sgd", "lr": 0.01, "momentum": 0.9, "weight_decay": 0.0005},
  "schedule": {"name": "step", "step_size": 2, "gamma": 0.1},
  "augmentation": {"hflip": true}, "freeze": {"min_channels": 32}, "seed": 1
}`

func TestSpecDecode(t *testing.T) {
	s, err := DecodeSpec(strings.NewReader(goodSpec))
	if err != nil {
		t.Fatal(err)
	}
	if s.AlphaOr() != 0.9 || s.Freeze.MinChannels != 32 || !strings.HasPrefix(s.Hash(), "sha256:") {
		t.Fatalf("%+v", s)
	}
	bad := map[string]string{
		`"seed": 1`:                 `"seed": 1, "sed": 2`,
		`"method": "dfv"`:           `"method": "dfa"`,
		`"iop_set": "iop",`:         ``,
		`"version": 1`:              `"version": 2`,
		`"alpha": 0.9`:              `"alpha": 1.5`,
		`"arch": "resnet-mini"`:     `"arch": "resnet7"`,
		`"step_size": 2`:            `"step_size": 0`,
		`"path": "pre.safetensors"`: `"path": ""`,
		`"min_channels": 32`:        `"min_channels": 32, "layers": 3`,
	}
	want := map[string]string{
		`"seed": 1`: `unknown field "sed"`, `"method": "dfv"`: "method", `"iop_set": "iop",`: "iop_set",
		`"version": 1`: "version", `"alpha": 0.9`: "alpha", `"arch": "resnet-mini"`: "network.arch",
		`"step_size": 2`: "schedule.step_size", `"path": "pre.safetensors"`: "init.path",
		`"min_channels": 32`: `unknown field "layers"`,
	}
	for from, to := range bad {
		_, err := DecodeSpec(strings.NewReader(strings.Replace(goodSpec, from, to, 1)))
		if err == nil || !strings.Contains(err.Error(), want[from]) {
			t.Errorf("%s -> %s: got %v, want it to name %s", from, to, err, want[from])
		}
	}
	if _, err := DecodeSpec(strings.NewReader(goodSpec + "{}")); err == nil {
		t.Error("trailing data accepted")
	}
}

func TestResultRoundTrip(t *testing.T) {
	s, _ := DecodeSpec(strings.NewReader(goodSpec))
	c := NewCount(2)
	c.Add(0, 0)
	c.Add(1, 0)
	r := &Result{Version: ResultVersion, SpecHash: s.Hash(), Spec: s, Clean: c,
		Patterns: []PatternCount{{ID: 3, Name: "x", Count: c}}, Curve: []EpochStat{{Epoch: 1, Loss: 2}}}
	p := filepath.Join(t.TempDir(), "r", "result.json")
	if err := WriteResult(p, r); err != nil {
		t.Fatal(err)
	}
	got, err := ReadResult(p)
	if err != nil {
		t.Fatal(err)
	}
	if got.Clean.Correct != 1 || got.Clean.PerClass[0] != 1 || got.Patterns[0].ID != 3 || got.MeanOccludedAccuracy() != 0.5 {
		t.Fatalf("%+v", got)
	}
}
