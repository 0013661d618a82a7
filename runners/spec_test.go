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

func TestResultHitsRoundTripAndVersion1(t *testing.T) {
	c := NewCount(2)
	c.Add(0, 0)
	c.Add(1, 0)
	c.Add(1, 1)
	c.Hits = EncodeHits([]bool{true, false, true})
	r := &Result{Version: ResultVersion, Clean: c, Patterns: []PatternCount{{ID: 3, Count: c}},
		Sets: []SetCount{{Name: "s", Count: c}}}
	dir := t.TempDir()
	p := filepath.Join(dir, "result.json")
	if err := WriteResult(p, r); err != nil {
		t.Fatal(err)
	}
	got, err := ReadResult(p)
	if err != nil {
		t.Fatal(err)
	}
	bits, err := got.Patterns[0].Images()
	if err != nil || len(bits) != 3 || !bits[0] || bits[1] || !bits[2] {
		t.Fatalf("pattern hits %v, %v", bits, err)
	}

	// A version-1 result (no hits) stays readable; Images says nothing is known.
	v1 := *r
	v1.Version, v1.Clean.Hits, v1.Patterns, v1.Sets = 1, "", nil, nil
	if err := WriteResult(p, &v1); err != nil {
		t.Fatal(err)
	}
	got, err = ReadResult(p)
	if err != nil {
		t.Fatalf("version 1: %v", err)
	}
	if bits, err := got.Clean.Images(); bits != nil || err != nil {
		t.Fatalf("version 1 clean hits %v, %v", bits, err)
	}

	// Hits that disagree with the count are refused, naming the part.
	for name, mut := range map[string]func(*Result){
		"patterns[0] (id 3)": func(r *Result) { r.Patterns[0].Hits = EncodeHits([]bool{true, true, true}) },
		"sets[0] (s)":        func(r *Result) { r.Sets[0].Hits = EncodeHits([]bool{true, false}) + "AA==" },
		"clean":              func(r *Result) { r.Clean.Hits = "!!" },
	} {
		bad := *r
		bad.Patterns = append([]PatternCount(nil), r.Patterns...)
		bad.Sets = append([]SetCount(nil), r.Sets...)
		mut(&bad)
		if err := WriteResult(p, &bad); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadResult(p); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: got %v, want an error naming it", name, err)
		}
	}
	for _, v := range []int{0, ResultVersion + 1} {
		bad := *r
		bad.Version = v
		if err := WriteResult(p, &bad); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadResult(p); err == nil || !strings.Contains(err.Error(), "version") {
			t.Errorf("version %d: got %v", v, err)
		}
	}
}
