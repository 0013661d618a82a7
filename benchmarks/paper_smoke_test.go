package benchmarks

import (
	"context"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/runners/gonn"
	"github.com/occbench/occbench/runners/sharddata"
	"github.com/occbench/occbench/runners/torchrun"
	"github.com/occbench/occbench/runners/weightstest"
	"github.com/occbench/occbench/synth/sources/sourcestest"
)

// paperTrees writes, once per test binary, a fixture tree in each paper dataset's exact
// on-disk layout, with just enough images for the paper manifests' set rules.
var paperTrees = struct {
	sync.Mutex
	dir   string
	roots map[string]string
}{roots: map[string]string{}}

func paperTree(t *testing.T, name string) string {
	t.Helper()
	paperTrees.Lock()
	defer paperTrees.Unlock()
	if r, ok := paperTrees.roots[name]; ok {
		return r
	}
	if paperTrees.dir == "" {
		d, err := os.MkdirTemp("", "occbench-paper-trees-")
		if err != nil {
			t.Fatal(err)
		}
		paperTrees.dir = d
	}
	dir := filepath.Join(paperTrees.dir, name)
	var wnids []string
	for i := 0; i < 1000; i++ {
		wnids = append(wnids, fmt.Sprintf("n%08d", 1440764+i))
	}
	var root string
	switch name {
	case "caltech101": // 101 classes x 31: trn_x/trn_c take 30, tst_x/tst keep one
		root = sourcestest.Caltech101(t, dir, nil, func(string) int { return 31 })
	case "ilsvrc-loc": // 1000 classes, 5 train images (Iop takes 5), flat val + LOC_val_solution.csv
		root = sourcestest.ILSVRC(t, dir, wnids, 5, 1, "loc_csv")
	case "ilsvrc-devkit": // the same with the devkit's ground truth and meta.mat
		root = sourcestest.ILSVRC(t, dir, wnids, 5, 1, "devkit")
	case "oxford102": // 102 classes x 21: trn_c takes 20 (imagelabels.mat, setid.mat)
		root = sourcestest.Oxford102(t, dir, 102, 21)
	case "cub200": // 200 classes x 10, half train (Iop takes 5), bounding_boxes.txt
		root = sourcestest.CUB200(t, dir, 200, 10)
	case "ar": // 50 men + 50 women x 26 cropped BMPs
		root = sourcestest.AR(t, dir, 50, 50)
	default:
		t.Fatalf("no paper tree %q", name)
	}
	paperTrees.roots[name] = root
	return root
}

// paperSmokeSize is the smoke input size of the fixture runs: the paper networks at 32x32
// on a 2-core CPU (VGG16 needs a multiple of 32).
const paperSmokeSize = 32

// testPython is the interpreter with PyTorch the torch-runner tests use.
func testPython() string {
	if p := os.Getenv("OCCBENCH_TEST_PYTHON"); p != "" {
		return p
	}
	return "/usr/bin/python3"
}

func goTrainForTest(_ context.Context, spec *runners.RunSpec, dir string) (*runners.Result, error) {
	d, err := sharddata.Load(spec)
	if err != nil {
		return nil, err
	}
	return gonn.Run(spec, *d, dir)
}

func goFeatures(ckpt string, imgs []*image.NRGBA) ([][]float32, error) {
	m, err := gonn.LoadCheckpoint(ckpt)
	if err != nil {
		return nil, err
	}
	return gonn.Features(m, imgs, 64)
}

// Every paper benchmark runs --profile paper --smoke on fixture trees in its dataset's real
// layout, with a weights file of the real tensor names and shapes: the Go runner where it
// has the network, the PyTorch runner on the CPU otherwise (iresnet50, table5). Slow ones
// run only when OCCBENCH_PAPER_SMOKE is set (.ci/run sets it).
func TestPaperSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("writes fixture trees and runs every paper benchmark")
	}
	all := os.Getenv("OCCBENCH_PAPER_SMOKE") != ""
	t.Cleanup(func() {
		weightstest.Cleanup()
		paperTrees.Lock()
		defer paperTrees.Unlock()
		if paperTrees.dir != "" {
			os.RemoveAll(paperTrees.dir)
			paperTrees.dir, paperTrees.roots = "", map[string]string{}
		}
	})
	cases := []struct {
		id, tree, net string
		torch, slow   bool
	}{
		{"table2", "caltech101", "resnet18", false, false},
		{"table4", "caltech101", "resnet18", false, true},
		{"fig6", "caltech101", "resnet18", false, true},
		{"fig2", "caltech101", "resnet18", false, true},
		{"tableS1", "oxford102", "resnet18", false, true},
		{"tableS2", "cub200", "resnet50", false, true},
		{"table6", "ilsvrc-loc", "resnet50", false, true},
		{"table7", "ilsvrc-loc", "resnet50", false, true},
		{"table8", "ilsvrc-devkit", "resnet50", false, true},
		{"table9", "ilsvrc-devkit", "vgg16", false, true},
		{"table5", "ar", "iresnet50", true, true},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			if c.slow && !all {
				t.Skip("set OCCBENCH_PAPER_SMOKE=1 to run every paper benchmark's smoke run")
			}
			b, err := Get(c.id)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			root := paperTree(t, c.tree)
			treeDone := time.Now()
			weights := weightstest.File(t, runners.Network{Arch: c.net, NumClasses: 1000, InputSize: paperSmokeSize})
			weightsDone := time.Now()
			o := Options{Profile: ProfilePaper, Root: root, Weights: weights, Out: t.TempDir(), Train: goTrainForTest, Features: goFeatures,
				Smoke: &Smoke{PerClass: 2, Classes: 5, InputSize: paperSmokeSize}}
			if c.torch {
				if out, err := exec.Command(testPython(), "-c", "import torch, torchvision").CombinedOutput(); err != nil {
					t.Skipf("%s has no torch/torchvision (%v: %s): the PyTorch runner's smoke run is skipped", testPython(), err, strings.TrimSpace(string(out)))
				}
				o.Runner = RunnerTorch
				o.Train = func(ctx context.Context, spec *runners.RunSpec, dir string) (*runners.Result, error) {
					return torchrun.Run(ctx, spec, torchrun.Options{Python: testPython(), Device: "cpu", OutDir: dir, CacheDir: filepath.Join(o.Out, "torch-cache")})
				}
			}
			var log strings.Builder
			o.Log = &log
			out, err := Run(context.Background(), b, o)
			if err != nil {
				t.Fatalf("%v\n%s", err, log.String())
			}
			rep := out.Report
			if rep.Comparable || rep.Profile != "paper-smoke" || !strings.HasSuffix(out.Dir, filepath.Join(c.id, "paper-smoke")) {
				t.Errorf("smoke report: comparable %v, profile %q, dir %s", rep.Comparable, rep.Profile, out.Dir)
			}
			if len(rep.Notes) == 0 || !strings.HasPrefix(rep.Notes[0], "SMOKE RUN") || !strings.Contains(rep.Notes[1], "estimate for the full run on this hardware") {
				t.Errorf("notes: %q", rep.Notes)
			}
			for _, f := range []string{"report.md", "report.html", "report.json", "report.csv"} {
				if _, err := os.Stat(filepath.Join(out.Dir, f)); err != nil {
					t.Error(err)
				}
			}
			t.Logf("%s: tree %.1f s, weights %.1f s, run %.1f s; %s", c.id, treeDone.Sub(start).Seconds(), weightsDone.Sub(treeDone).Seconds(),
				time.Since(weightsDone).Seconds(), strings.Join(strings.Split(rep.Notes[1], "\n"), " "))
			t.Log(log.String())
		})
	}
}
