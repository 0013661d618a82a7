package shards

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/occluders/patterns"
)

func TestSplitPatterns(t *testing.T) {
	m, err := manifests.Resolve("caltech101")
	if err != nil {
		t.Fatal(err)
	}
	pack, err := patterns.FromManifest(m, "")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	l := &Lock{Manifest: raw, Patterns: pack.Table, Splits: []LockSplit{
		{Name: "iop", Subset: "20c"}, {Name: "trn"}, {Name: "odd", Subset: "nope"},
	}}
	want, err := pack.SubsetIDs(m, "20c")
	if err != nil {
		t.Fatal(err)
	}
	got, err := l.SplitPatterns("iop")
	if err != nil || len(got) != 3 || len(got) != len(want) {
		t.Fatalf("iop (20c): %v, %v; want %v", got, err, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("iop (20c): %v, want %v", got, want)
		}
	}
	if got, err := l.SplitPatterns("trn"); err != nil || len(got) != 24 {
		t.Errorf("a split with no subset: %v, %v; want all 24", got, err)
	}
	for split, msg := range map[string]string{"odd": `"nope"`, "missing": `no split "missing"`} {
		if _, err := l.SplitPatterns(split); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("split %s: %v, want an error with %s", split, err, msg)
		}
	}
	l.Manifest = json.RawMessage(`{"name": 3}`)
	if _, err := l.SplitPatterns("iop"); err == nil || !strings.Contains(err.Error(), "manifest") {
		t.Errorf("a lock whose manifest does not decode: %v", err)
	}
}
