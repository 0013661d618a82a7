package benchmarks

import (
	"strings"
	"testing"

	"github.com/occbench/occbench/manifests"
)

// Every row of every benchmark must name sets and pattern subsets that its manifests define,
// for every profile, and the reproduced rows must match the paper's table.
func TestRegistryIsConsistent(t *testing.T) {
	paper, err := PaperTables()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"demo", "table2", "table4", "fig6", "table5", "table6", "table7", "table8", "table9", "tableS1", "tableS2", "fig2"}
	if len(All()) != len(want) {
		t.Fatalf("%d benchmarks, want %d", len(All()), len(want))
	}
	for i, b := range All() {
		if b.ID != want[i] {
			t.Fatalf("benchmark %d is %s, want %s", i, b.ID, want[i])
		}
		for _, profile := range b.Profiles() {
			m, err := manifests.Resolve(b.Manifests[profile])
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range b.Models {
				for _, set := range []string{r.Train, r.Test, r.Iop} {
					if set != "" && m.SetByName(b.SetName(profile, set)) == nil {
						t.Errorf("%s/%s: row %s: manifest %s has no set %s", b.ID, profile, r.Model, m.Name, b.SetName(profile, set))
					}
				}
				if r.Variant != "" && m.SubsetByName(r.Variant) == nil {
					t.Errorf("%s/%s: row %s: manifest %s has no pattern subset %s", b.ID, profile, r.Model, m.Name, r.Variant)
				}
			}
			for _, es := range b.EvalSets {
				found := false
				for _, sc := range m.Scenarios {
					found = found || sc.Name == es
				}
				if !found {
					t.Errorf("%s/%s: manifest %s has no scenario %s", b.ID, profile, m.Name, es)
				}
			}
			if b.TestSubset != "" && m.SubsetByName(b.TestSubset) == nil {
				t.Errorf("%s/%s: no test subset %s", b.ID, profile, b.TestSubset)
			}
		}
		pt := paper[b.PaperID()]
		if b.Kind == "occlusion" || b.Kind == "ar" {
			if pt == nil {
				t.Fatalf("%s: no paper table %s", b.ID, b.PaperID())
			}
			var reproduce []string
			for _, r := range pt.Rows {
				if r.Role == "reproduce" {
					reproduce = append(reproduce, r.Model)
				}
			}
			if len(reproduce) != len(b.Models) {
				t.Errorf("%s: %d model rows, the paper reproduces %d", b.ID, len(b.Models), len(reproduce))
				continue
			}
			for j, r := range b.Models {
				if r.Model != reproduce[j] {
					t.Errorf("%s: row %d is %q, the paper's is %q", b.ID, j, r.Model, reproduce[j])
				}
			}
			// The paper's columns come first; measured-only columns (table5's _90) may follow.
			if len(pt.Columns) > len(b.Columns) || strings.Join(pt.Columns, ",") != strings.Join(b.Columns[:len(pt.Columns)], ",") {
				t.Errorf("%s: columns %v, paper %v", b.ID, b.Columns, pt.Columns)
			}
		}
	}
}

func TestGetUnknownListsKnown(t *testing.T) {
	if _, err := Get("table3"); err == nil {
		t.Fatal("table3 is not a benchmark")
	}
	if b, err := Get("Table6"); err != nil || b.ID != "table6" {
		t.Fatalf("Get is case-insensitive: %v", err)
	}
}

// The no-loss margin is derived from the paper's own tables: table2's ResNet18-10C loses
// 1.13 points of clean accuracy to ResNet18, the largest drop of any DFV row, which the paper
// calls "slight degradation" (docs/statistics.md).
func TestNoLossMarginFromPaper(t *testing.T) {
	m, err := NoLossMargin()
	if err != nil {
		t.Fatal(err)
	}
	if m != 1.13 {
		t.Fatalf("no-loss margin %v, want 1.13", m)
	}
}
