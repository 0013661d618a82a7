package benchmarks

import (
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/synth/shards"
)

// fakeTrain stands in for a runner: it checks the spec it gets and returns counts that
// depend on the method, so the report's arithmetic can be checked.
func fakeTrain(t *testing.T, calls *atomic.Int32) func(context.Context, *runners.RunSpec, string) (*runners.Result, error) {
	return func(_ context.Context, spec *runners.RunSpec, dir string) (*runners.Result, error) {
		calls.Add(1)
		if err := spec.Validate(); err != nil {
			t.Errorf("invalid spec %s: %v", spec.Name, err)
		}
		if _, err := os.Stat(spec.Shards); err != nil {
			t.Errorf("spec %s names missing shards: %v", spec.Name, err)
		}
		os.WriteFile(filepath.Join(dir, "model.safetensors"), []byte("x"), 0o644)
		res := &runners.Result{Version: runners.ResultVersion, Spec: spec, Provenance: runners.Provenance{Runner: "fake"}}
		// per-image hits: the first k of 100 test images right
		first := func(k int) runners.Count {
			h := make([]bool, 100)
			for i := range h[:k] {
				h[i] = true
			}
			return runners.Count{Correct: k, Total: 100, Hits: runners.EncodeHits(h)}
		}
		res.Clean = first(90)
		occ := 40
		if spec.Method == runners.MethodDFV {
			occ = 60
		}
		for id := 0; id < 24; id++ {
			ratio, pos := 0.2, "random"
			if id%8 >= 4 {
				ratio = 0.1
			}
			if id%4 == 0 {
				pos = "center"
			}
			res.Patterns = append(res.Patterns, runners.PatternCount{ID: id, Ratio: ratio, Position: pos, Count: first(occ)})
		}
		return res, nil
	}
}

func TestRunDemoPipelineAndCache(t *testing.T) {
	b, _ := Get("demo")
	out := t.TempDir()
	var calls atomic.Int32
	o := Options{Out: out, Train: fakeTrain(t, &calls), Seeds: 1}
	res, err := Run(context.Background(), b, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := calls.Load(); got != 7 { // pretrain + 4 rows + 2 control rows
		t.Fatalf("%d training runs, want 7", got)
	}
	for _, f := range []string{"report.md", "report.html", "report.csv", "report.json"} {
		if _, err := os.Stat(filepath.Join(out, "demo", "demo", f)); err != nil {
			t.Fatal(err)
		}
	}
	full := res.Report.Rows[1]
	if full.Model != "ResNet18-Full" || math.Abs(*full.Cells[5].Measured-60) > 1e-9 || math.Abs(*res.Report.Rows[0].Cells[5].Measured-40) > 1e-9 {
		t.Fatalf("avg_occ cells: %+v", full.Cells[5])
	}
	md, _ := os.ReadFile(filepath.Join(out, "demo", "demo", "report.md"))
	if !strings.Contains(string(md), "| ResNet18-Full | ResNet18 | avg_occ | ✓ reproduced") || !strings.Contains(string(md), "| images | +22.19 | +20.00 [") {
		t.Fatalf("report lacks the paired improvement and its verdict:\n%s", md)
	}
	controlled := 0
	for _, e := range res.Report.Effects {
		if e.Row == "ResNet18-Full"+ControlGaussian && (e.Against == "ResNet18" || e.Against == "ResNet18-Full") {
			controlled++
			if e.Verdict != "" {
				t.Errorf("a control row's effect got a verdict: %+v", e)
			}
		}
	}
	if controlled != 2*len(res.Report.Columns) {
		t.Errorf("%d effects of the Gaussian control row, want one per column over classical and over DFV", controlled)
	}
	html, _ := os.ReadFile(filepath.Join(out, "demo", "demo", "report.html"))
	for _, want := range []string{`<section id="gallery">`, `<section id="heatmap">`, `<section id="per-seed">`} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report.html lacks %s", want)
		}
	}
	if _, err := Run(context.Background(), b, o); err != nil || calls.Load() != 7 {
		t.Fatalf("a rerun trained again (%d calls, %v)", calls.Load(), err)
	}
	o.Force = map[string]bool{"model": true}
	if _, err := Run(context.Background(), b, o); err != nil || calls.Load() != 13 {
		t.Fatalf("--force model: %d calls, want 13 (%v)", calls.Load(), err)
	}
}

// TestControlRowsAndPremiseLabels checks the rows a demo run trains: the head covers the
// training set's classes, the two control rows copy the Full row but for dv_source, and the
// report labels every DFV comparison (the fake runner has no DV diagnostics, so each is
// uninformative and says why).
func TestControlRowsAndPremiseLabels(t *testing.T) {
	b, _ := Get("demo")
	specs := map[string]*runners.RunSpec{}
	var calls atomic.Int32
	fake := fakeTrain(t, &calls)
	res, err := Run(context.Background(), b, Options{Out: t.TempDir(), Train: func(ctx context.Context, s *runners.RunSpec, dir string) (*runners.Result, error) {
		specs[s.Name] = s
		return fake(ctx, s, dir)
	}})
	if err != nil {
		t.Fatal(err)
	}
	full, g, iso := specs["ResNet18-Full"], specs["ResNet18-Full"+ControlGaussian], specs["ResNet18-Full"+ControlIsotropic]
	if full == nil || g == nil || iso == nil {
		t.Fatalf("trained %v, want the Full row and its two controls", specs)
	}
	if g.DVSource != runners.DVGaussian || iso.DVSource != runners.DVIsotropic || full.DVSource != "" {
		t.Fatalf("dv_source: full %q, gaussian row %q, isotropic row %q", full.DVSource, g.DVSource, iso.DVSource)
	}
	for _, c := range []*runners.RunSpec{g, iso} {
		cc := *c
		cc.Name, cc.DVSource = full.Name, full.DVSource
		if cc.Hash() != full.Hash() {
			t.Errorf("%s differs from the Full row in more than dv_source", c.Name)
		}
	}
	if want := []int{0, 1, 2, 3, 4, 5, 6, 7}; len(full.Classes) != 8 || full.Network.NumClasses != 8 || fmt.Sprint(full.Classes) != fmt.Sprint(want) {
		t.Errorf("head: classes %v, num_classes %d; want demo's trn_x classes %v", full.Classes, full.Network.NumClasses, want)
	}
	if pre := specs["pretrain"]; pre == nil || pre.Network.NumClasses != 10 {
		t.Errorf("pretraining head: %+v, want the pool's 10 classes", pre)
	}
	if len(full.Init.Skip) != 1 || full.Init.Skip[0] != "fc." {
		t.Errorf("fine-tuning init %+v: the pretrained head must not be imported", full.Init)
	}
	if len(res.Report.Premise) != 5 {
		t.Fatalf("%d premise rows, want 5 (3 DFV rows, 2 controls)", len(res.Report.Premise))
	}
	for _, p := range res.Report.Premise {
		if p.Label != "uninformative" || !strings.Contains(p.Reason, "no DV diagnostics") || math.Abs(p.Gap-50) > 1e-9 {
			t.Errorf("premise %+v: want uninformative, no DV diagnostics, gap 50", p)
		}
	}
}

func TestRunFailureNamesStageAndKeepsFinished(t *testing.T) {
	b, _ := Get("demo")
	out := t.TempDir()
	var calls atomic.Int32
	good := fakeTrain(t, &calls)
	o := Options{Out: out, Seeds: 1, Train: func(ctx context.Context, s *runners.RunSpec, dir string) (*runners.Result, error) {
		if s.Name == "ResNet18-10C" {
			return nil, os.ErrDeadlineExceeded
		}
		return good(ctx, s, dir)
	}}
	_, err := Run(context.Background(), b, o)
	if err == nil || !strings.Contains(err.Error(), "stage model") || !strings.Contains(err.Error(), "ResNet18-10C") {
		t.Fatalf("err = %v", err)
	}
	o.Train = good
	before := calls.Load()
	if _, err := Run(context.Background(), b, o); err != nil {
		t.Fatal(err)
	}
	if got := calls.Load() - before; got != 2 {
		t.Fatalf("the rerun trained %d models, want only the failed one and the one after it (2)", got)
	}
}

func TestSweepReportsAndPlots(t *testing.T) {
	b, _ := Get("fig6")
	out := t.TempDir()
	var calls atomic.Int32
	res, err := Run(context.Background(), b, Options{Out: out, Profile: ProfileDemo, Train: fakeTrain(t, &calls)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Report.Rows) != 8 {
		t.Fatalf("%d sweep rows, want 2 alphas x 4 betas", len(res.Report.Rows))
	}
	if _, err := os.Stat(filepath.Join(out, "fig6", "demo", "figure1.svg")); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownProfile(t *testing.T) {
	b, _ := Get("table8")
	_, err := Run(context.Background(), b, Options{Profile: ProfileMini, Out: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "it has: paper") {
		t.Fatalf("err = %v", err)
	}
}

// gridMeans is a stand-in feature extractor: mean RGB over a 4x4 grid of cells (48-D), so an
// occluder's colour and texture shift the features the same way on every image.
func gridMeans(_ string, imgs []*image.NRGBA) ([][]float32, error) {
	out := make([][]float32, len(imgs))
	for n, img := range imgs {
		s := img.Bounds().Dx()
		v := make([]float32, 48)
		for y := 0; y < s; y++ {
			for x := 0; x < s; x++ {
				c := ((y*4/s)*4 + x*4/s) * 3
				p := img.Pix[y*img.Stride+4*x:]
				v[c] += float32(p[0])
				v[c+1] += float32(p[1])
				v[c+2] += float32(p[2])
			}
		}
		out[n] = v
	}
	return out, nil
}

func TestTSNEFigure(t *testing.T) {
	b, _ := Get("fig2")
	out := t.TempDir()
	var calls atomic.Int32
	res, err := Run(context.Background(), b, Options{Out: out, Profile: ProfileDemo, Train: fakeTrain(t, &calls), Features: gridMeans})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Report.Rows[0].Cells
	if !(*c[0].Measured > *c[1].Measured) || *c[2].Measured < 50 {
		t.Fatalf("DVs of one pattern should be more alike than DVs of different patterns: within %.1f, between %.1f, 1-NN purity %.1f", *c[0].Measured, *c[1].Measured, *c[2].Measured)
	}
	if _, err := os.Stat(filepath.Join(out, "fig2", "demo", "figure1.png")); err != nil {
		t.Fatal(err)
	}
}

// The pretraining stage trains every layer, whatever the fine-tuning freeze rule says.
func TestPretrainTrainsEveryLayer(t *testing.T) {
	src, err := manifests.EmbeddedSource("demo")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(src), "train_min_channels: 0", "train_min_channels: 64", 1)
	if text == string(src) {
		t.Fatal("demo.yaml has no train_min_channels: 0")
	}
	path := filepath.Join(t.TempDir(), "demo-frozen.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	freeze := map[string]int{}
	fake := fakeTrain(t, &calls)
	train := func(ctx context.Context, spec *runners.RunSpec, dir string) (*runners.Result, error) {
		freeze[spec.Name] = spec.Freeze.MinChannels
		return fake(ctx, spec, dir)
	}
	b, _ := Get("demo")
	if _, err := Run(context.Background(), b, Options{Out: t.TempDir(), Manifest: path, Train: train}); err != nil {
		t.Fatal(err)
	}
	if freeze["pretrain"] != 0 || freeze["ResNet18"] != 64 || freeze["ResNet18-Full"] != 64 {
		t.Errorf("freeze.min_channels per run: %v; want 0 for pretrain, 64 for the fine-tuned rows", freeze)
	}
}

// Table 8 keeps the test occluders out of training: the occluded training images and the DV
// pairs use the first grid row only, the occluded test set rows two and three.
func TestTable8CrossPattern(t *testing.T) {
	b, _ := Get("table8")
	var calls atomic.Int32
	fake := fakeTrain(t, &calls)
	specs := map[string]*runners.RunSpec{}
	train := func(ctx context.Context, spec *runners.RunSpec, dir string) (*runners.Result, error) {
		specs[spec.Name] = spec
		return fake(ctx, spec, dir)
	}
	if _, err := Run(context.Background(), b, Options{Profile: ProfileDemo, Out: t.TempDir(), Train: train}); err != nil {
		t.Fatal(err)
	}
	f, ff := specs["ResNet50 F"], specs["ResNet50 F-Full"]
	if f == nil || ff == nil {
		t.Fatalf("runs: %v", specs)
	}
	ds, err := shards.Open(f.Shards)
	if err != nil {
		t.Fatal(err)
	}
	pack, err := ds.Pack()
	if err != nil {
		t.Fatal(err)
	}
	row := func(id int) int { return pack.Patterns[id].Row }
	sp, err := ds.Split(f.TrainSet)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	occluded := 0
	sp.Each(func(_ int, r *shards.Row) error {
		if !r.Clean() {
			occluded++
			if row(r.PatternID) != 1 {
				t.Errorf("training row %s uses pattern %d of grid row %d", r.Path, r.PatternID, row(r.PatternID))
			}
		}
		return nil
	})
	if occluded != 15*80 {
		t.Errorf("%d occluded training rows, want 15 images x 80 first-row patterns", occluded)
	}
	for _, id := range ff.IopPatterns {
		if row(id) != 1 {
			t.Errorf("Iop pattern %d is in grid row %d", id, row(id))
		}
	}
	if len(ff.IopPatterns) != 80 || len(f.Eval.Patterns) != 160 {
		t.Errorf("%d Iop patterns (want 80), %d test patterns (want 160)", len(ff.IopPatterns), len(f.Eval.Patterns))
	}
	for _, id := range f.Eval.Patterns {
		if row(id) == 1 {
			t.Errorf("test pattern %d is in the training row", id)
		}
	}
}

func TestHardwareNamesDeviceAndHost(t *testing.T) {
	gpu := &runners.Result{Provenance: runners.Provenance{CPU: "Intel Xeon", Device: "NVIDIA H200 x8"}}
	cpu := &runners.Result{Provenance: runners.Provenance{CPU: "AMD EPYC"}}
	if got := cpuName([]*runners.Result{gpu}); got != "NVIDIA H200 x8 (host Intel Xeon)" {
		t.Errorf("gpu run: %q", got)
	}
	if got := cpuName([]*runners.Result{cpu}); got != "AMD EPYC" {
		t.Errorf("cpu run: %q", got)
	}
}

// The paper profile imports pretrained weights without each row's own classifier head:
// table9's VGG16 rows skip classifier.6., ResNet rows fc., table5's iresnet50 classifier.
func TestPaperImportSkipsEachRowsHead(t *testing.T) {
	weights := filepath.Join(t.TempDir(), "w.safetensors")
	os.WriteFile(weights, []byte("x"), 0o644)
	for _, c := range []struct {
		bench, manifest string
		want            map[string]string
	}{
		{"table9", "demo", map[string]string{"VGG16 C": "classifier.6.", "VGG16 F-Full": "classifier.6."}},
		{"table7", "demo", map[string]string{"ResNet50 F": "fc."}},
		{"table5", "demo-ar", map[string]string{"LResNet50E-IR F": "classifier."}},
	} {
		b, _ := Get(c.bench)
		var calls atomic.Int32
		fake := fakeTrain(t, &calls)
		skips := map[string]string{}
		train := func(ctx context.Context, spec *runners.RunSpec, dir string) (*runners.Result, error) {
			skips[spec.Name] = strings.Join(spec.Init.Skip, ",")
			res, err := fake(ctx, spec, dir)
			for _, s := range spec.Eval.Sets {
				res.Sets = append(res.Sets, runners.SetCount{Name: s, Count: runners.Count{Correct: 1, Total: 2}})
			}
			return res, err
		}
		m, err := manifests.Resolve(c.manifest)
		if err != nil {
			t.Fatal(err)
		}
		// The paper manifests need their datasets: run the paper profile's logic on a small
		// manifest with the paper network, as --manifest does (the fake runner reads no set).
		src, _ := manifests.EmbeddedSource(c.manifest)
		text := strings.Replace(string(src), "network: resnet-mini", "network: "+paperNet(t, b), 1)
		path := filepath.Join(t.TempDir(), m.Name+".yaml")
		os.WriteFile(path, []byte(text), 0o644)
		if _, err := Run(context.Background(), b, Options{Profile: ProfilePaper, Manifest: path, Weights: weights, Out: t.TempDir(), Train: train}); err != nil {
			t.Fatalf("%s: %v", c.bench, err)
		}
		for name, want := range c.want {
			if skips[name] != want {
				t.Errorf("%s %s: init.skip %q, want %q", c.bench, name, skips[name], want)
			}
		}
	}
}

// paperNet is the network of a benchmark's paper manifest.
func paperNet(t *testing.T, b *Benchmark) string {
	m, err := manifests.Resolve(b.Manifests[ProfilePaper])
	if err != nil {
		t.Fatal(err)
	}
	return m.Hyper.Network
}
