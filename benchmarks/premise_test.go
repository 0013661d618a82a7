package benchmarks

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/occbench/occbench/runners"
)

// TestPremiseLabels checks the rule of docs/premise.md at and around its thresholds.
func TestPremiseLabels(t *testing.T) {
	rows := []ModelRow{
		{Model: "C", Method: runners.MethodClassical},
		{Model: "C-Full", Method: runners.MethodDFV, Baseline: "C"},
	}
	result := func(clean, occ int, pr *runners.Premise) *runners.Result {
		r := &runners.Result{Clean: runners.Count{Correct: clean, Total: 100}, Premise: pr}
		for id, pos := range []string{"center", "random"} {
			r.Patterns = append(r.Patterns, runners.PatternCount{ID: id, Ratio: 0.2, Position: pos, Count: runners.Count{Correct: occ, Total: 100}})
		}
		return r
	}
	for _, c := range []struct {
		clean, occ int
		r2         float64
		label, why string
	}{
		{90, 65, 0.4, "informative", ""},
		{90, 66, 0.9, "uninformative", "occlusion gap 24.0 < 25"},
		{90, 40, 0.39, "uninformative", "DV-transfer R² 0.39 < 0.4"},
	} {
		ps := premiseOf(rows, []*runners.Result{result(c.clean, c.occ, nil), result(0, 0, &runners.Premise{R2: c.r2})})
		if len(ps) != 1 {
			t.Fatalf("%d premise rows, want 1", len(ps))
		}
		p := ps[0]
		if p.Label != c.label || !strings.Contains(p.Reason, c.why) || (c.why == "") != (p.Reason == "") {
			t.Errorf("gap %d, R² %v: %s (%s), want %s (%s)", c.clean-c.occ, c.r2, p.Label, p.Reason, c.label, c.why)
		}
		if p.GapByColumn["occ20_center"] != float64(c.clean-c.occ) {
			t.Errorf("gap by column %v", p.GapByColumn)
		}
	}
}

func TestOnlyRows(t *testing.T) {
	b, _ := Get("table2")
	rows := b.RowsFor(true)
	got, err := onlyRows(rows, []string{"ResNet18-Full" + ControlGaussian, "ResNet18"})
	if err != nil || len(got) != 2 || got[0].Model != "ResNet18" || got[1].DVSource != runners.DVGaussian {
		t.Fatalf("onlyRows = %+v, %v", got, err)
	}
	if _, err := onlyRows(rows, []string{"ResNet18-Full"}); err == nil || !strings.Contains(err.Error(), "not among the rows kept") {
		t.Errorf("a row without its baseline: %v", err)
	}
	if _, err := onlyRows(rows, []string{"ResNet99"}); err == nil || !strings.Contains(err.Error(), "ResNet18-10C") {
		t.Errorf("an unknown row: %v", err)
	}
}

// TestPremiseOnly checks that --premise-only trains no DFV row (epochs 0, clean only) and
// reports the classical rows with every DFV row's premise label.
func TestPremiseOnly(t *testing.T) {
	b, _ := Get("demo")
	var calls atomic.Int32
	fake := fakeTrain(t, &calls)
	res, err := Run(context.Background(), b, Options{Out: t.TempDir(), Seeds: 1, PremiseOnly: true,
		Train: func(ctx context.Context, s *runners.RunSpec, dir string) (*runners.Result, error) {
			if s.Method == runners.MethodDFV && (s.Epochs != 0 || !s.Eval.CleanOnly) {
				t.Errorf("%s: a DFV row is trained (%d epochs) in premise-only mode", s.Name, s.Epochs)
			}
			return fake(ctx, s, dir)
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Report.Rows) != 1 || res.Report.Rows[0].Model != "ResNet18" || len(res.Report.Premise) != 5 {
		t.Fatalf("%d rows (want the classical one), %d premise rows (want 5)", len(res.Report.Rows), len(res.Report.Premise))
	}
	if notes := strings.Join(res.Report.Notes, " "); !strings.Contains(notes, "Premise only") {
		t.Errorf("the report does not say the DFV rows were not trained: %s", notes)
	}
}
