package benchmarks

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/runners/weightstest"
	"github.com/occbench/occbench/synth/sources/sourcestest"
)

// findCheck returns the first check with the name and status whose detail or fix contains want.
func findCheck(checks []Check, name, status, want string) bool {
	for _, c := range checks {
		if c.Name == name && c.Status == status && strings.Contains(c.Detail+" fix: "+c.Fix, want) {
			return true
		}
	}
	return false
}

func checksText(checks []Check) string {
	var b strings.Builder
	WriteChecks(&b, checks)
	return b.String()
}

// caltechTree is a Caltech-101 tree in the real layout with 101 classes of n images.
func caltechTree(t *testing.T, n int) string {
	t.Helper()
	return sourcestest.Caltech101(t, t.TempDir(), nil, func(string) int { return n })
}

func resnet18Weights(t *testing.T, drop []string, extra map[string][]int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "resnet18.safetensors")
	if err := weightstest.WriteSparse(p, runners.Network{Arch: "resnet18", NumClasses: 1000, InputSize: 224}, drop, extra); err != nil {
		t.Fatal(err)
	}
	return p
}

func lots(string) (int64, error) { return 1 << 50, nil }

// Every check's failure (or warning) message, one case each, on the paper profile of table2
// (Caltech-101, ResNet18) with a tree in the real layout.
func TestDoctorChecks(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 101-class Caltech tree")
	}
	b, err := Get("table2")
	if err != nil {
		t.Fatal(err)
	}
	tree := caltechTree(t, 31)
	good := resnet18Weights(t, nil, nil)
	base := DoctorOptions{Profile: ProfilePaper, Root: tree, Weights: good, Out: t.TempDir(), FreeBytes: lots}

	all := Doctor(context.Background(), b, base)
	if !CanStart(all) {
		t.Fatalf("a complete setup cannot start:\n%s", checksText(all))
	}
	for _, want := range []struct{ name, status, text string }{
		{"dataset", CheckOK, "caltech101 tree at " + tree + ": 101 classes, 3131 images"},
		{"counts", CheckWarn, "the tree is not the published Caltech-101: 3131 images (published: 8677)"},
		{"set", CheckOK, "trn_x (train): 91 classes, 2730 images, 30 a class"},
		{"set", CheckOK, "iop_x (pairs): 10 classes, 50 images, 5 a class"},
		{"weights", CheckOK, "has every tensor resnet18 needs (100 of 102 loaded); skips fc.bias, fc.weight"},
		{"disk", CheckOK, "needs about"},
		{"output", CheckOK, "is writable"},
	} {
		if !findCheck(all, want.name, want.status, want.text) {
			t.Errorf("no %s %s line with %q in\n%s", want.status, want.name, want.text, checksText(all))
		}
	}

	fileOut := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(fileOut, nil, 0o644)
	corrupt := filepath.Join(t.TempDir(), "corrupt.safetensors")
	os.WriteFile(corrupt, []byte("PK\x03\x04 not safetensors"), 0o644)
	pth := filepath.Join(t.TempDir(), "resnet18.pth")
	os.WriteFile(pth, []byte("x"), 0o644)
	cuda := func(context.Context) (*TorchEnv, error) {
		return &TorchEnv{Python: "3.11", Torch: "2.3", Torchvision: "0.18", CUDA: true, Devices: 2, DeviceName: "H100", DeviceMemory: 80 << 30}, nil
	}
	cpu := func(context.Context) (*TorchEnv, error) {
		return &TorchEnv{Python: "3.11", Torch: "1.13", Torchvision: "0.14"}, nil
	}
	noTorch := func(context.Context) (*TorchEnv, error) {
		return nil, errors.New("torch is not installed for /usr/bin/python3: apt-get install python3-torch")
	}

	cases := []struct {
		name          string
		edit          func(o *DoctorOptions)
		check, status string
		want          string
		canStart      bool
	}{
		{"no such profile", func(o *DoctorOptions) { o.Profile = "tiny" }, "profile", CheckFail, `table2 has no profile "tiny"`, false},
		{"wrong root", func(o *DoctorOptions) { o.Root = filepath.Join(tree, "101_ObjectCategories", "accordion") }, "dataset", CheckFail,
			`LAYOUTS.md's "caltech101" section`, false},
		{"too few images", func(o *DoctorOptions) { o.Root = caltechTree(t, 20) }, "splits", CheckFail,
			`set trn_x: class "accordion" has 20 eligible images, 30 needed (images.random)`, false},
		{"no weights", func(o *DoctorOptions) { o.Weights = "" }, "weights", CheckFail,
			"fine-tunes imagenet-pretrained resnet18 weights and none were given", false},
		{"not safetensors", func(o *DoctorOptions) { o.Weights = corrupt }, "weights", CheckFail, "not a safetensors file", false},
		{"missing tensors", func(o *DoctorOptions) { o.Weights = resnet18Weights(t, []string{"layer4.1.conv2."}, nil) }, "weights", CheckFail,
			"does not fit resnet18: 1 missing (layer4.1.conv2.weight)", false},
		{"prefixed names", func(o *DoctorOptions) {
			o.Weights = resnet18Weights(t, []string{"conv1."}, map[string][]int{"module.conv1.weight": {64, 3, 7, 7}})
		}, "weights", CheckFail, "1 not tensors of resnet18 (module.conv1.weight)", false},
		{"wrong architecture", func(o *DoctorOptions) {
			p := filepath.Join(t.TempDir(), "r50.safetensors")
			if err := weightstest.WriteSparse(p, runners.Network{Arch: "resnet50", NumClasses: 1000, InputSize: 224}, nil, nil); err != nil {
				t.Fatal(err)
			}
			o.Weights = p
		}, "weights", CheckFail, "with another shape (layer1.0.conv1.weight: file [64 64 1 1], resnet18 wants [64 64 3 3]", false},
		{"pth file", func(o *DoctorOptions) { o.Weights = pth }, "weights", CheckWarn, "only safetensors headers are read without Python", true},
		{"no torch", func(o *DoctorOptions) { o.Runner, o.TorchProbe = "torch", noTorch }, "python", CheckFail, "torch is not installed", false},
		{"cuda asked, none", func(o *DoctorOptions) { o.Runner, o.Device, o.TorchProbe = "torch", "cuda", cpu }, "cuda", CheckFail,
			"--device cuda: torch 1.13 sees no CUDA device", false},
		{"cpu only", func(o *DoctorOptions) { o.Runner, o.TorchProbe = "torch", cpu }, "cuda", CheckWarn, "the run trains on the CPU", true},
		{"gpu", func(o *DoctorOptions) { o.Runner, o.Device, o.TorchProbe = "torch", "cuda", cuda }, "cuda", CheckOK,
			"2 CUDA device(s), the first H100 (80 GiB)", true},
		{"full disk", func(o *DoctorOptions) { o.FreeBytes = func(string) (int64, error) { return 1 << 20, nil } }, "disk", CheckFail,
			"has 1 MiB free", false},
		{"output is a file", func(o *DoctorOptions) { o.Out = fileOut }, "output", CheckFail, "cannot create " + fileOut, false},
	}
	for _, c := range cases {
		o := base
		c.edit(&o)
		got := Doctor(context.Background(), b, o)
		if !findCheck(got, c.check, c.status, c.want) {
			t.Errorf("%s: no %s %s line with %q in\n%s", c.name, c.status, c.check, c.want, checksText(got))
		}
		if CanStart(got) != c.canStart {
			t.Errorf("%s: CanStart = %v\n%s", c.name, !c.canStart, checksText(got))
		}
	}
}
