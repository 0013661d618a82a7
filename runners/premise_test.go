package runners

import (
	"math"
	"testing"
)

// TestPremiseOfKnownAnswers checks the diagnostics on DVs whose answers follow by hand:
// test DVs equal to their pattern's direction (a for pattern 7, b for pattern 9, a ⟂ b).
func TestPremiseOfKnownAnswers(t *testing.T) {
	a := []float32{2, 0, 0}
	b := []float32{0, 2, 0}
	neg := func(v []float32) []float32 { return []float32{-v[0], -v[1], -v[2]} }
	feat := [][]float32{{0, 0, 4}, {0, 0, 4}, {0, 0, 4}}
	testDV := [][][]float32{{a, a, a}, {b, b, b}}
	ids := []int{7, 9}

	// Iop means equal the test DVs: everything is explained.
	p, err := PremiseOf([][]float32{a, b, a, b}, []int{7, 9, 7, 9}, ids, testDV, feat)
	if err != nil {
		t.Fatal(err)
	}
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	near("R2", p.R2, 1)
	near("OwnR2", p.OwnR2, 1)
	near("WithinCos", p.WithinCos, 1)
	near("AcrossCos", p.AcrossCos, 0)
	near("DVNorm", p.DVNorm, 2)
	near("RelNorm", p.RelNorm, 0.5)

	// Iop means point the other way: SSE = 16 per DV; SST = |a - (a+b)/2|^2 = 2 per DV.
	p, err = PremiseOf([][]float32{neg(a), neg(b)}, []int{7, 9}, ids, testDV, feat)
	if err != nil {
		t.Fatal(err)
	}
	near("R2 (opposite means)", p.R2, 1-16.0/2)
	near("OwnR2 (opposite means)", p.OwnR2, 1)
	if len(p.Patterns) != 2 || p.Patterns[1].ID != 9 {
		t.Fatalf("patterns = %+v", p.Patterns)
	}
	near("pattern 9 R2", p.Patterns[1].R2, 1-16.0/2)

	// An Iop pair whose pattern has no test DVs is an error, not a silent skip.
	if _, err := PremiseOf([][]float32{a}, []int{3}, ids, testDV, feat); err == nil {
		t.Error("an Iop pattern outside the test patterns was accepted")
	}
}
