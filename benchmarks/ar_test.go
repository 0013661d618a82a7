package benchmarks

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/runners/gonn"
	"github.com/occbench/occbench/runners/sharddata"
	"github.com/occbench/occbench/synth/sources/sourcestest"
)

// Table 5 end to end on a fixture AR tree with the Go runner: real pairs reach the DV flow,
// every scenario is a column with the protocol's image count, literature rows are notes.
func TestTable5OnARFixture(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two models")
	}
	dir := t.TempDir()
	root := sourcestest.AR(t, filepath.Join(dir, "AR"), 50, 50)
	mpath := sourcestest.ARMiniManifest(t, dir)
	weights := filepath.Join(dir, "pretrained.safetensors")
	m, err := gonn.NewModel(gonn.Arch{Name: "resnet-mini", NumClasses: 100, InputSize: 32}, 7)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SaveSafetensors(weights); err != nil {
		t.Fatal(err)
	}
	b, _ := Get("table5")
	iopPairs := map[string]int{}
	train := func(_ context.Context, spec *runners.RunSpec, dir string) (*runners.Result, error) {
		d, err := sharddata.Load(spec)
		if err != nil {
			return nil, err
		}
		if d.Iop != nil {
			iopPairs[spec.Name] = d.Iop.Len()
		}
		if d.Train.Len() != map[string]int{"classical": 760, "dfv": 700}[spec.Method] {
			t.Errorf("%s trains on %s with %d images", spec.Name, spec.TrainSet, d.Train.Len())
		}
		return gonn.Run(spec, *d, dir)
	}
	out, err := Run(context.Background(), b, Options{Profile: ProfilePaper, Manifest: mpath, Root: root, Weights: weights, Out: filepath.Join(dir, "out"), Train: train})
	if err != nil {
		t.Fatal(err)
	}
	if iopPairs["LResNet50E-IR C-Full"] != 420 || len(iopPairs) != 1 {
		t.Errorf("Iop pairs per model: %v, want 420 real pairs for C-Full only", iopPairs)
	}
	rep := out.Report
	want := []int64{190, 570, 190, 570, 180, 540, 180, 540}
	reproduced := 0
	for _, row := range rep.Rows {
		if row.Role != "reproduce" {
			continue
		}
		reproduced++
		if len(row.Cells) != len(want) {
			t.Fatalf("%s: %d cells", row.Model, len(row.Cells))
		}
		for j, c := range row.Cells {
			if len(c.Seeds) != len(rep.Seeds) || c.Measured == nil {
				t.Errorf("%s %s: %d seeds for the report's %d", row.Model, rep.Columns[j], len(c.Seeds), len(rep.Seeds))
			}
			for _, s := range c.Seeds {
				if len(s.Parts) != 1 || s.Parts[0].Total != want[j] {
					t.Errorf("%s %s seed %d: parts %+v, want one of %d images", row.Model, rep.Columns[j], s.Seed, s.Parts, want[j])
				}
			}
			if (j < 4) != (c.Paper != nil) {
				t.Errorf("%s %s: paper value %v (only the first four columns have one)", row.Model, rep.Columns[j], c.Paper)
			}
		}
	}
	if reproduced != 2 {
		t.Errorf("%d reproduced rows, want 2", reproduced)
	}
	notes := strings.Join(rep.Notes, "\n")
	if !strings.Contains(notes, "PDSN 99.7 / 100.0") {
		t.Errorf("literature rows missing from the notes:\n%s", notes)
	}
	md, err := os.ReadFile(filepath.Join(out.Dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "sunglasses_all_90") || !strings.Contains(string(md), "LResNet50E-IR C-Full") {
		t.Errorf("report.md lacks the AR columns or rows:\n%s", md)
	}
}
