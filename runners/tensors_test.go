package runners_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/runners/gonn"
	"github.com/occbench/occbench/runners/weightstest"
)

func tensorMap(t *testing.T, n runners.Network) map[string][]int {
	t.Helper()
	ts, err := runners.Tensors(n)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]int{}
	for _, x := range ts {
		out[x.Name] = x.Shape
	}
	return out
}

func compareTables(t *testing.T, what string, want, got map[string][]int) {
	t.Helper()
	for n, s := range want {
		g, ok := got[n]
		if !ok {
			t.Errorf("%s lacks %s %v", what, n, s)
		} else if !equal(g, s) {
			t.Errorf("%s: %s has shape %v, the table %v", what, n, g, s)
		}
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			t.Errorf("%s has %s, the table does not", what, n)
		}
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The table agrees with the Go runner's networks, name for name and shape for shape.
func TestTensorsMatchGoRunner(t *testing.T) {
	for _, n := range []runners.Network{
		{Arch: "resnet18", NumClasses: 7, InputSize: 32},
		{Arch: "resnet50", NumClasses: 7, InputSize: 32},
		{Arch: "vgg16", NumClasses: 7, InputSize: 64},
	} {
		m, err := gonn.NewModel(gonn.ArchOf(n), 1)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]int{}
		for _, p := range m.Params {
			got[p.Name] = p.Shape
		}
		for _, s := range m.BNs {
			got[s.Prefix+".running_mean"] = []int{s.Channels}
			got[s.Prefix+".running_var"] = []int{s.Channels}
		}
		compareTables(t, "gonn "+n.Arch, tensorMap(t, n), got)
	}
}

// torchStateDicts returns the PyTorch runner's state_dict names and shapes (counters
// dropped), or skips when torch is not installed.
func torchStateDicts(t *testing.T, nets []runners.Network) []map[string][]int {
	t.Helper()
	python := os.Getenv("OCCBENCH_TEST_PYTHON")
	if python == "" {
		python = "/usr/bin/python3" // the Debian interpreter with python3-torch (as runners/torchrun's tests)
	}
	if _, err := exec.LookPath(python); err != nil {
		t.Skipf("%s not found: the table is not checked against the PyTorch runner", python)
	}
	src, err := filepath.Abs("torch")
	if err != nil {
		t.Fatal(err)
	}
	in, _ := json.Marshal(nets)
	script := `import json, sys
try:
    import torch
except ImportError:
    print("NO-TORCH"); sys.exit(0)
from occbench_torch import models
out = []
for n in json.loads(sys.stdin.read()):
    m = models.build(n)
    out.append({k: list(v.shape) for k, v in m.state_dict().items() if not k.endswith("num_batches_tracked")})
print(json.dumps(out))`
	cmd := exec.Command(python, "-c", script)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+src)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", python, err)
	}
	if strings.TrimSpace(string(out)) == "NO-TORCH" {
		t.Skip("torch is not installed for " + python + ": the table is not checked against the PyTorch runner")
	}
	var res []map[string][]int
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

// The table agrees with the PyTorch runner's models' state_dict (torchvision's ResNets, the
// runner's VGG16 and insightface's iresnet50), at the paper's input sizes.
func TestTensorsMatchTorchRunner(t *testing.T) {
	nets := []runners.Network{
		{Arch: "resnet18", NumClasses: 101, InputSize: 224},
		{Arch: "resnet50", NumClasses: 900, InputSize: 224},
		{Arch: "vgg16", NumClasses: 900, InputSize: 64},
		{Arch: "iresnet50", NumClasses: 100, InputSize: 112},
	}
	if testing.Short() {
		nets = nets[:1]
	}
	got := torchStateDicts(t, nets)
	for i, n := range nets {
		compareTables(t, "torch "+n.Arch, tensorMap(t, n), got[i])
	}
}

func TestTensorsErrors(t *testing.T) {
	for _, c := range []struct {
		n    runners.Network
		want string
	}{
		{runners.Network{Arch: "alexnet"}, `network "alexnet": no tensor table`},
		{runners.Network{Arch: "vgg16", InputSize: 100}, "vgg16: input size 100 is not a positive multiple of 32"},
		{runners.Network{Arch: "iresnet50", InputSize: 0}, "iresnet50: input size 0 is not a positive multiple of 16"},
	} {
		if _, err := runners.Tensors(c.n); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.n, err, c.want)
		}
	}
}

func writeWeights(t *testing.T, n runners.Network, drop []string, extra map[string][]int) string {
	t.Helper()
	data, err := weightstest.Encode(n, 1, drop, extra)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "w.safetensors")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// CheckWeights names what is missing, misshapen, unexpected and skipped; a file it passes
// the Go runner loads, and a file it fails the Go runner refuses.
func TestCheckWeights(t *testing.T) {
	n := runners.Network{Arch: "resnet18", NumClasses: 1000, InputSize: 224}
	target := runners.Network{Arch: "resnet18", NumClasses: 91, InputSize: 224}
	cases := []struct {
		name  string
		drop  []string
		extra map[string][]int
		net   runners.Network
		skip  []string
		ok    bool
		check func(c *runners.WeightsCheck) bool
	}{
		{"imagenet file, fc skipped", nil, map[string][]int{"bn1.num_batches_tracked": {}}, target, []string{"fc."}, true,
			func(c *runners.WeightsCheck) bool {
				return strings.Join(c.Skipped, ",") == "fc.bias,fc.weight" && c.Loaded == 100
			}},
		{"fc not skipped", nil, nil, target, nil, false,
			func(c *runners.WeightsCheck) bool {
				return len(c.WrongShape) == 2 && strings.HasPrefix(c.WrongShape[0], "fc.bias: file [1000], resnet18 wants [91]")
			}},
		{"missing layer4", []string{"layer4.1.bn2"}, nil, target, []string{"fc."}, false,
			func(c *runners.WeightsCheck) bool {
				return strings.Join(c.Missing, ",") == "layer4.1.bn2.bias,layer4.1.bn2.running_mean,layer4.1.bn2.running_var,layer4.1.bn2.weight"
			}},
		{"unexpected prefix", nil, map[string][]int{"module.conv1.weight": {64, 3, 7, 7}}, target, []string{"fc."}, false,
			func(c *runners.WeightsCheck) bool { return strings.Join(c.Unexpected, ",") == "module.conv1.weight" }},
	}
	for _, c := range cases {
		p := writeWeights(t, n, c.drop, c.extra)
		ts, _, err := runners.ReadSafetensorsHeader(p)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		wc, err := runners.CheckWeights(ts, c.net, c.skip, true)
		if err != nil {
			t.Fatal(err)
		}
		if wc.OK() != c.ok || !c.check(wc) {
			t.Errorf("%s: %+v", c.name, wc)
		}
		// The Go runner agrees (it rejects 0-dimensional counters itself: skip that case).
		if c.extra["bn1.num_batches_tracked"] != nil {
			continue
		}
		m, err := gonn.NewModel(gonn.ArchOf(c.net), 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.LoadSafetensors(p, c.skip...); (err == nil) != c.ok {
			t.Errorf("%s: check ok=%v, gonn load: %v", c.name, c.ok, err)
		}
	}
}
