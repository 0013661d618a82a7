package runners

import (
	"math"
	"testing"
)

func TestMeanAccuracy(t *testing.T) {
	pcs := []PatternCount{
		{ID: 0, Count: Count{Correct: 1, Total: 4}},
		{ID: 1, Count: Count{Correct: 3, Total: 3}},
		{ID: 2, Count: Count{}}, // no image: not a part of the mean
		{ID: 3, Count: Count{Correct: 1, Total: 3}},
	}
	want := (0.25 + 1 + 1.0/3) / 3
	if m, ok := MeanAccuracy(pcs); !ok || math.Abs(m-want) > 1e-15 {
		t.Errorf("MeanAccuracy = %v, %v; want %v", m, ok, want)
	}
	// Percent is 100*sum/n, which is not always the same float as 100*(sum/n).
	sum := 0.25 + 1 + 1.0/3
	if p, ok := MeanPercent(pcs); !ok || p != 100*sum/3 {
		t.Errorf("MeanPercent = %v, %v; want %v", p, ok, 100*sum/3)
	}
	if m, ok := MeanAccuracy([]PatternCount{{}}); ok || m != 0 {
		t.Errorf("no image: %v, %v", m, ok)
	}
	r := &Result{Patterns: pcs}
	if got := r.MeanOccludedAccuracy(); got != want {
		t.Errorf("MeanOccludedAccuracy = %v, want %v", got, want)
	}
	if got := (&Result{}).MeanOccludedAccuracy(); got != 0 {
		t.Errorf("no pattern: MeanOccludedAccuracy = %v, want 0", got)
	}
}
