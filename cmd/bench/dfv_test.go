package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/occbench/occbench/benchmarks"
	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/synth/sources"
)

// dfvMargin is the least average-occluded gain (points) of DFV-Full over classical that the
// manifest seed of table2 mini-objects must show. Derivation (docs/premise.md, "A test that
// would catch a broken DFV"): over the five pre-registered seeds the paired gain had mean
// m = 14.20 and standard deviation s = 3.32 points; a working DFV falls below m - 3s = 4.24 on
// a seed with probability about 0.1% under a normal spread, so the margin is 4 points.
const dfvMargin = 4.0

// TestDFVOnPremisePositiveMiniature runs table2's mini-objects profile through the path
// `bench run` uses (benchmarks.Run with the Go runner) with four rows: classical, DFV-Full,
// DFV-Full with every DV's sign flipped, and DFV-Full with alpha 0. A broken DFV (DVs not
// added, added with the wrong sign or scale, the DV flow not synced, the bank not from the
// trained network) fails at least one of: real DVs beat classical by dfvMargin, flipped DVs
// do worse than real ones, and alpha 0 equals classical bit for bit.
func TestDFVOnPremisePositiveMiniature(t *testing.T) {
	if testing.Short() {
		t.Skip("trains five models on Fashion-MNIST (minutes)")
	}
	if _, err := os.Stat(sources.DefaultFashionMNISTRoot); err != nil {
		t.Skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
	}
	t2, err := benchmarks.Get("table2")
	if err != nil {
		t.Fatal(err)
	}
	b := *t2
	full := func(name string) benchmarks.ModelRow {
		// dv_source bank, set explicitly, keeps benchmarks.Run from adding control rows.
		return benchmarks.ModelRow{Model: name, Method: runners.MethodDFV, Train: "trn_x", Test: "tst_x", Iop: "iop_x", Variant: "full", Baseline: "ResNet18", DVSource: runners.DVBank}
	}
	b.Models = []benchmarks.ModelRow{
		{Model: "ResNet18", Method: runners.MethodClassical, Train: "trn_x", Test: "tst_x"},
		full("ResNet18-Full"), full("ResNet18-Full flipped"), full("ResNet18-Full alpha0"),
	}
	results := map[string]*runners.Result{}
	train := func(ctx context.Context, spec *runners.RunSpec, dir string) (*runners.Result, error) {
		switch {
		case strings.HasSuffix(spec.Name, "flipped"):
			spec.DVSign = -1
		case strings.HasSuffix(spec.Name, "alpha0"):
			zero := 0.0
			spec.Alpha = &zero
		}
		r, err := goTrain(ctx, spec, dir)
		results[spec.Name] = r
		return r, err
	}
	out, err := benchmarks.Run(context.Background(), &b, benchmarks.Options{Profile: benchmarks.ProfileMiniObjects, Out: t.TempDir(), Train: train})
	if err != nil {
		t.Fatal(err)
	}
	c, d, f, z := results["ResNet18"], results["ResNet18-Full"], results["ResNet18-Full flipped"], results["ResNet18-Full alpha0"]
	occ := func(r *runners.Result) float64 { return 100 * r.MeanOccludedAccuracy() }
	t.Logf("avg occluded: classical %.2f, DFV-Full %.2f, flipped %.2f, alpha 0 %.2f; clean %.2f %.2f %.2f %.2f",
		occ(c), occ(d), occ(f), occ(z), 100*c.Clean.Accuracy(), 100*d.Clean.Accuracy(), 100*f.Clean.Accuracy(), 100*z.Clean.Accuracy())
	for _, p := range out.Report.Premise {
		if p.Model == "ResNet18-Full" && p.Label != "informative" {
			t.Fatalf("the miniature's premise failed (%s): the test cannot judge DFV", p.Reason)
		}
	}
	if gain := occ(d) - occ(c); gain < dfvMargin {
		t.Errorf("DFV-Full gains %.2f points of average occluded accuracy over classical, want at least %.0f", gain, dfvMargin)
	}
	if occ(f) >= occ(d) {
		t.Errorf("DVs with the sign flipped (%.2f) do not do worse than the real DVs (%.2f)", occ(f), occ(d))
	}
	if z.Clean.Hits != c.Clean.Hits || z.Clean.Correct != c.Clean.Correct || len(z.Patterns) != len(c.Patterns) {
		t.Fatalf("alpha 0 differs from classical on clean images (%d vs %d correct)", z.Clean.Correct, c.Clean.Correct)
	}
	for i := range c.Patterns {
		if z.Patterns[i].Hits != c.Patterns[i].Hits {
			t.Fatalf("alpha 0 differs from classical on pattern %d (%d vs %d correct)", c.Patterns[i].ID, z.Patterns[i].Correct, c.Patterns[i].Correct)
		}
	}
}
