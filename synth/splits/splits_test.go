package splits

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/occbench/occbench/internal/golden"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/synth/sources"
)

// caltechClasses are Caltech-101's 101 folders (BACKGROUND_Google excluded) in the
// case-insensitive alphabetical order of the reader.
var caltechClasses = strings.Fields(`accordion airplanes anchor ant barrel bass beaver binocular bonsai brain
brontosaurus buddha butterfly camera cannon car_side ceiling_fan cellphone chair chandelier cougar_body
cougar_face crab crayfish crocodile crocodile_head cup dalmatian dollar_bill dolphin dragonfly
electric_guitar elephant emu euphonium ewer Faces Faces_easy ferry flamingo flamingo_head garfield
gerenuk gramophone grand_piano hawksbill headphone hedgehog helicopter ibis inline_skate joshua_tree
kangaroo ketch lamp laptop Leopards llama lobster lotus mandolin mayfly menorah metronome minaret
Motorbikes nautilus octopus okapi pagoda panda pigeon pizza platypus pyramid revolver rhino rooster
saxophone schooner scissors scorpion sea_horse snoopy soccer_ball stapler starfish stegosaurus
stop_sign strawberry sunflower tick trilobite umbrella watch water_lilly wheelchair wild_cat
windsor_chair wrench yin_yang`)

// caltechItems gives class i 31 + (i*7)%60 images, so some classes have fewer than 30 + 50.
func caltechItems() []sources.Item {
	var items []sources.Item
	for i, c := range caltechClasses {
		for j := 1; j <= 31+(i*7)%60; j++ {
			items = append(items, sources.Item{ID: fmt.Sprintf("%s/image_%04d.jpg", c, j), Class: c})
		}
	}
	return items
}

func mustResolve(t *testing.T, name string, classes []string, items []sources.Item) *Splits {
	t.Helper()
	m, err := manifests.Resolve(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Resolve(m, classes, items)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func wantCounts(t *testing.T, s *Splits, want map[string][3]int) {
	t.Helper()
	for name, w := range want {
		l := s.Set(name)
		if l == nil {
			t.Fatalf("no set %s", name)
		}
		got := [3]int{len(l.Classes), len(l.Items), len(l.Pairs)}
		if got != w {
			t.Errorf("set %s: classes/images/pairs = %v, want %v", name, got, w)
		}
	}
}

func TestCaltechProtocolCounts(t *testing.T) {
	if len(caltechClasses) != 101 || caltechClasses[90] != "sunflower" {
		t.Fatalf("fixture class list wrong: %d classes, 91st %q", len(caltechClasses), caltechClasses[90])
	}
	s := mustResolve(t, "caltech101", caltechClasses, caltechItems())
	rest := func(classes []string) int {
		n := 0
		for _, c := range classes {
			i := indexOf(caltechClasses, c)
			n += min(31+(i*7)%60-30, 50)
		}
		return n
	}
	wantCounts(t, s, map[string][3]int{
		"trn_x": {91, 91 * 30, 0},
		"tst_x": {91, rest(caltechClasses[:91]), 0},
		"iop_x": {10, 50, 0},
		"trn_c": {101, 101 * 30, 0},
		"tst":   {101, rest(caltechClasses), 0},
		"iop":   {10, 50, 0},
		"trn":   {101, 101 * 30, 0},
	})
	if got := s.Set("iop_x").Classes; got[0] != "tick" || got[9] != "yin_yang" {
		t.Errorf("iop_x classes %v, want tick ... yin_yang", got)
	}
	for _, c := range []string{"Faces", "Faces_easy", "Leopards", "Motorbikes"} {
		if indexOf(s.Set("trn_x").Classes, c) < 0 {
			t.Errorf("%s should fall inside accordion..sunflower", c)
		}
	}
	disjoint(t, s, "trn_x", "tst_x")
	disjoint(t, s, "trn_c", "tst")
	subset(t, s, "iop", "trn_c")
}

func TestAllocationIsDeterministicAndSeeded(t *testing.T) {
	a := mustResolve(t, "caltech101", caltechClasses, caltechItems())
	b := mustResolve(t, "caltech101", caltechClasses, caltechItems())
	if a.Checksum != b.Checksum {
		t.Fatal("same inputs gave different splits")
	}
	m, _ := manifests.Resolve("caltech101")
	m.Seed++
	c, err := Resolve(m, caltechClasses, caltechItems())
	if err != nil {
		t.Fatal(err)
	}
	if c.Checksum == a.Checksum || c.Set("trn_x").Checksum == a.Set("trn_x").Checksum {
		t.Fatal("another seed gave the same split")
	}
	if c.Set("iop_x").Classes[0] != "tick" {
		t.Fatal("the class range must not depend on the seed")
	}
}

func TestTooFewImagesNamesClass(t *testing.T) {
	items := caltechItems()
	var cut []sources.Item
	for _, it := range items {
		if it.Class != "okapi" || strings.HasSuffix(it.ID, "_0001.jpg") {
			cut = append(cut, it)
		}
	}
	m, _ := manifests.Resolve("caltech101")
	_, err := Resolve(m, caltechClasses, cut)
	if err == nil || !strings.Contains(err.Error(), `set trn_x: class "okapi" has 1 eligible images, 30 needed`) {
		t.Fatalf("error = %v", err)
	}
}

// arItems is the cropped AR set: 50 men, 50 women, 26 images each, with the reader's attrs.
func arItems() ([]string, []sources.Item) {
	var classes []string
	var items []sources.Item
	for _, g := range []string{"M", "W"} {
		for s := 1; s <= 50; s++ {
			subj := fmt.Sprintf("%s-%03d", g, s)
			classes = append(classes, subj)
			for i := 1; i <= 26; i++ {
				k := (i-1)%13 + 1
				occ := "none"
				switch {
				case k >= 8 && k <= 10:
					occ = "sunglasses"
				case k >= 11:
					occ = "scarf"
				}
				items = append(items, sources.Item{ID: fmt.Sprintf("%s-%02d.bmp", subj, i), Class: subj, Attrs: map[string]string{
					"session": fmt.Sprint(1 + (i-1)/13), "occlusion": occ, "neutral": fmt.Sprint(k == 8 || k == 11),
				}})
			}
		}
	}
	return classes, items
}

func TestARProtocolCounts(t *testing.T) {
	classes, items := arItems()
	s := mustResolve(t, "ar", classes, items)
	wantCounts(t, s, map[string][3]int{
		"trn_c":  {100, 700, 0},
		"iop":    {10, 130, 420},
		"iop_o":  {10, 60, 0},
		"trn":    {100, 760, 0},
		"tst_s1": {90, 540, 0},
		"tst_s2": {100, 600, 0},
		"tst":    {100, 1140, 0},
		"tst90":  {90, 1080, 0},
	})
	men := 0
	for _, c := range s.Set("iop").Classes {
		if strings.HasPrefix(c, "M-") {
			men++
		}
	}
	if men != 5 {
		t.Errorf("iop has %d men, want 5", men)
	}
}

func TestILSVRCProtocolCounts(t *testing.T) {
	var classes []string
	var items []sources.Item
	for i := 0; i < 1000; i++ {
		w := fmt.Sprintf("n%08d", i*1000+7)
		classes = append(classes, w)
		for j := 0; j < 6; j++ {
			items = append(items, sources.Item{ID: fmt.Sprintf("train/%s/%s_%d.JPEG", w, w, j), Class: w, Attrs: map[string]string{"split": "train"}})
		}
		for j := 0; j < 2; j++ {
			items = append(items, sources.Item{ID: fmt.Sprintf("val/%s_%d.JPEG", w, j), Class: w, Attrs: map[string]string{"split": "val"}})
		}
	}
	s := mustResolve(t, "ilsvrc2012", classes, items)
	wantCounts(t, s, map[string][3]int{
		"eval": {900, 0, 0}, "extra": {100, 0, 0}, "occluder_classes": {10, 0, 0},
		"trn": {900, 5400, 0}, "tst": {900, 1800, 0}, "iop6": {50, 250, 0}, "iop7": {10, 50, 0}, "trn7": {900, 5400, 0},
	})
	for _, c := range s.Set("iop6").Classes {
		if indexOf(s.Set("occluder_classes").Classes, c) >= 0 || indexOf(s.Set("eval").Classes, c) >= 0 {
			t.Fatalf("iop6 class %s is an occluder or evaluation class", c)
		}
	}
	subset(t, s, "iop7", "trn")
}

func TestSummaryGolden(t *testing.T) {
	s := mustResolve(t, "caltech101", caltechClasses, caltechItems())
	var buf bytes.Buffer
	if err := s.WriteSummary(&buf, true); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "caltech101-summary.golden", buf.Bytes())
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func ids(l *SetList) map[string]bool {
	out := map[string]bool{}
	for _, e := range l.Items {
		out[e.ID] = true
	}
	return out
}

func disjoint(t *testing.T, s *Splits, a, b string) {
	t.Helper()
	in := ids(s.Set(a))
	for _, e := range s.Set(b).Items {
		if in[e.ID] {
			t.Fatalf("%s and %s share %s", a, b, e.ID)
		}
	}
}

func subset(t *testing.T, s *Splits, a, b string) {
	t.Helper()
	in := ids(s.Set(b))
	for _, e := range s.Set(a).Items {
		if !in[e.ID] {
			t.Fatalf("%s holds %s, which is not in %s", a, e.ID, b)
		}
	}
}
