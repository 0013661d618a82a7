package patterns

import (
	"slices"
	"strings"
	"testing"

	"github.com/occbench/occbench/manifests"
)

func TestSubsetIDs(t *testing.T) {
	p := expand(t, "caltech101", nil)
	m, err := manifests.Resolve("caltech101")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := p.SubsetIDs(m, "10c")
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 3 {
		t.Fatalf("10c: %v, want 3 ids", ids)
	}
	for _, id := range ids {
		if pt := p.Patterns[id]; pt.Ratio != 0.1 || pt.Position != "center" {
			t.Errorf("10c keeps pattern %d (%g %s)", id, pt.Ratio, pt.Position)
		}
	}
	// "full" keeps every pattern, defined by the manifest or not.
	noFull := *m
	noFull.Subsets = slices.DeleteFunc(slices.Clone(m.Subsets), func(s manifests.Subset) bool { return s.Name == "full" })
	for _, mm := range []*manifests.Manifest{m, &noFull} {
		ids, err := p.SubsetIDs(mm, "full")
		if err != nil || len(ids) != 24 || !slices.IsSorted(ids) {
			t.Errorf("full (%d subsets defined): %v, %v", len(mm.Subsets), ids, err)
		}
	}
	if _, err := p.SubsetIDs(m, "nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("an unknown subset: %v", err)
	}
	if _, err := p.SubsetIDs(m, ""); err == nil {
		t.Error("an empty subset name was accepted")
	}
	empty := *m
	empty.Subsets = append(slices.Clone(m.Subsets), manifests.Subset{Name: "none", Ratios: []float64{0.5}})
	if _, err := p.SubsetIDs(&empty, "none"); err == nil || !strings.Contains(err.Error(), "selects no pattern") {
		t.Errorf("a subset that keeps nothing: %v", err)
	}
}

func TestByID(t *testing.T) {
	p := expand(t, "demo", nil)
	all, err := p.ByID(nil)
	if err != nil || len(all) != len(p.Patterns) {
		t.Fatalf("no ids: %d patterns, %v", len(all), err)
	}
	got, err := p.ByID([]int{5, 2})
	if err != nil || len(got) != 2 || got[0].ID != 5 || got[1].ID != 2 {
		t.Fatalf("ids 5, 2: %v, %v", got, err)
	}
	for _, bad := range []int{-1, len(p.Patterns)} {
		if _, err := p.ByID([]int{0, bad}); err == nil || !strings.Contains(err.Error(), "not in the table") {
			t.Errorf("id %d: %v", bad, err)
		}
	}
	// A table whose ids are not its indices (a subset written out) is looked up by id.
	sub := Table{Patterns: []Pattern{p.Patterns[7], p.Patterns[3]}}
	if got, err := sub.ByID([]int{3}); err != nil || got[0].ID != 3 {
		t.Errorf("by id in a sparse table: %v, %v", got, err)
	}
}
