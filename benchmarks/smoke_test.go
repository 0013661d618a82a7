package benchmarks

import (
	"fmt"
	"testing"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/synth"
)

// The smoke subset is deterministic, keeps PerClass images a class in every set (the same
// images wherever sets share them), caps classes, names itself in the checksums, and keeps
// a pattern of every (ratio, position) group.
func TestSmokeSubset(t *testing.T) {
	m, err := manifests.Resolve("demo")
	if err != nil {
		t.Fatal(err)
	}
	in, err := synth.Load(m, "", "")
	if err != nil {
		t.Fatal(err)
	}
	s := Smoke{PerClass: 3, Classes: 4}
	a, b := s.splits(m.Seed, in.Splits), s.splits(m.Seed, in.Splits)
	if a.Checksum != b.Checksum || a.Checksum == in.Splits.Checksum {
		t.Fatalf("checksums: %s %s (full %s)", a.Checksum, b.Checksum, in.Splits.Checksum)
	}
	if c := (Smoke{PerClass: 2, Classes: 4}).splits(m.Seed, in.Splits); c.Checksum == a.Checksum {
		t.Error("another subset has the same checksum")
	}
	kept := map[string]map[string]bool{}
	for _, l := range a.Sets {
		full := in.Splits.Set(l.Name)
		if l.Role == "classes" {
			continue
		}
		if want := min(4, len(full.Classes)); len(l.Classes) != want {
			t.Errorf("%s: %d classes, want %d", l.Name, len(l.Classes), want)
		}
		kept[l.Name] = map[string]bool{}
		per := map[string]int{}
		for _, e := range l.Items {
			per[e.Class]++
			kept[l.Name][e.ID] = true
		}
		for c, n := range per {
			if n > 3 {
				t.Errorf("%s: class %s keeps %d images", l.Name, c, n)
			}
		}
		if len(l.Items) == 0 {
			t.Errorf("%s: no image kept", l.Name)
		}
	}
	// A set and its union copy (demo: trn is trn_c plus occluded rows) keep the same images.
	compared := 0
	for _, l := range in.Splits.Sets {
		if len(l.Items) == 0 || l.Role == "classes" {
			continue
		}
		for _, o := range in.Splits.Sets {
			if o.Name == l.Name || len(o.Items) != len(l.Items) || fmt.Sprint(o.Items) != fmt.Sprint(l.Items) {
				continue
			}
			compared++
			if fmt.Sprint(kept[o.Name]) != fmt.Sprint(kept[l.Name]) {
				t.Errorf("sets %s and %s hold the same images but keep different ones", l.Name, o.Name)
			}
		}
	}
	if compared == 0 {
		t.Fatal("no two sets of the demo manifest hold the same images: the check compared nothing")
	}
	table := in.Pack.Table.Patterns
	ids := (Smoke{}).patterns(m.Seed, nil, table)
	groups := map[string]int{}
	for _, p := range table {
		groups[fmt.Sprintf("%g %s", p.Ratio, p.Position)] = 0
	}
	for _, id := range ids {
		p := table[id]
		groups[fmt.Sprintf("%g %s", p.Ratio, p.Position)]++
	}
	for g, n := range groups {
		if n != 1 {
			t.Errorf("pattern group %s keeps %d patterns, want 1", g, n)
		}
	}
	if fmt.Sprint(ids) != fmt.Sprint((Smoke{}).patterns(m.Seed, nil, table)) {
		t.Error("pattern choice is not deterministic")
	}
}
