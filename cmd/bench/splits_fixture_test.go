package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/occbench/occbench/synth/sources/sourcestest"
)

// splitCounts runs `bench splits MANIFEST --root ROOT --json` and returns images per set.
func splitCounts(t *testing.T, manifest, root string) map[string]int {
	t.Helper()
	out, _, err := run(t, "splits", manifest, "--root", root, "--json")
	if err != nil {
		t.Fatalf("%s: %v", manifest, err)
	}
	var res struct {
		Sets []struct {
			Name    string `json:"name"`
			Images  int    `json:"images"`
			Pairs   int    `json:"pairs"`
			Classes int    `json:"classes"`
		} `json:"sets"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, s := range res.Sets {
		got[s.Name] = s.Images
		got[s.Name+"/classes"] = s.Classes
		got[s.Name+"/pairs"] = s.Pairs
	}
	return got
}

func want(t *testing.T, manifest string, got, want map[string]int) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s = %d, want %d", manifest, k, got[k], v)
		}
	}
}

// Each layout's fixture tree, resolved by the embedded manifest, gives PROTOCOL.md's
// counts scaled to the fixture.
func TestSplitsOnFixtureLayouts(t *testing.T) {
	t.Run("caltech101", func(t *testing.T) {
		// class i has 35 or 85 images: "the rest, up to 50" gives 5 or 50.
		per := map[string]int{}
		for i, c := range sourcestest.Caltech101Classes {
			per[c] = 35 + 50*(i%2)
		}
		root := sourcestest.Caltech101(t, t.TempDir(), nil, func(c string) int { return per[c] })
		rest := func(lo, hi int) int {
			n := 0
			for i := lo; i < hi; i++ {
				n += min(per[sourcestest.Caltech101Classes[i]]-30, 50)
			}
			return n
		}
		want(t, "caltech101", splitCounts(t, "caltech101", root), map[string]int{
			"trn_x": 91 * 30, "trn_x/classes": 91, "tst_x": rest(0, 91), "iop_x": 50, "iop_x/classes": 10,
			"trn_c": 101 * 30, "tst": rest(0, 101), "iop": 50, "trn": 101 * 30,
		})
	})
	t.Run("ar", func(t *testing.T) {
		root := sourcestest.AR(t, t.TempDir(), 50, 50)
		want(t, "ar", splitCounts(t, "ar", root), map[string]int{
			"trn_c": 700, "iop/classes": 10, "iop/pairs": 420, "tst_s1": 540, "tst_s2": 600, "tst": 1140, "tst90": 1080,
			"sunglasses_neutral": 190, "sunglasses_all": 570, "scarf_neutral": 190, "scarf_all": 570,
			"sunglasses_neutral_90": 180, "sunglasses_all_90": 540, "scarf_neutral_90": 180, "scarf_all_90": 540,
		})
	})
	t.Run("oxford102", func(t *testing.T) {
		root := sourcestest.Oxford102(t, t.TempDir(), 102, 25)
		want(t, "oxford102", splitCounts(t, "oxford102", root), map[string]int{
			"trn_c": 102 * 20, "tst": 102 * 5, "iop": 50, "iop/classes": 10, "trn": 102 * 20,
		})
	})
	t.Run("cub200", func(t *testing.T) {
		root := sourcestest.CUB200(t, t.TempDir(), 200, 10) // 5 train + 5 test a class
		got := splitCounts(t, "cub200", root)
		if got["trn_c"] != 200*5 || got["tst"] != 200*5 {
			t.Errorf("cub200: official train %d, test %d, want 1000 and 1000", got["trn_c"], got["tst"])
		}
		want(t, "cub200", got, map[string]int{"iop": 50, "iop/classes": 10, "trn_c/classes": 200})
	})
	t.Run("ilsvrc2012", func(t *testing.T) {
		if testing.Short() {
			t.Skip("-short: the 1000-class ILSVRC fixture takes a few seconds")
		}
		wnids := make([]string, 1000)
		for i := range wnids {
			wnids[i] = fmt.Sprintf("n%08d", 1000+i*37)
		}
		root := sourcestest.ILSVRC(t, filepath.Join(t.TempDir(), "ilsvrc"), wnids, 6, 2, "sorted")
		want(t, "ilsvrc2012", splitCounts(t, "ilsvrc2012", root), map[string]int{
			"eval/classes": 900, "extra/classes": 100, "occluder_classes/classes": 10,
			"trn": 900 * 6, "tst": 900 * 2, "iop6": 250, "iop6/classes": 50, "iop7": 50, "iop7/classes": 10, "trn7": 900 * 6,
		})
	})
}
