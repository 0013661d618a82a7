package benchmarks

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestStageCacheRunsOnceAndKeepsNothingOnFailure(t *testing.T) {
	c := &StageCache{Root: t.TempDir()}
	runs := 0
	fill := func(dir string) error {
		runs++
		return os.WriteFile(filepath.Join(dir, "out.txt"), []byte("x"), 0o644)
	}
	k1, _ := Key("manifest", 1)
	d1, err := c.Do("synth", k1, fill)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do("synth", k1, fill); err != nil || runs != 1 {
		t.Fatalf("cached stage ran again (%d runs, %v)", runs, err)
	}
	if _, err := os.Stat(filepath.Join(d1, "out.txt")); err != nil {
		t.Fatal(err)
	}
	k2, _ := Key("manifest", 2)
	if k2 == k1 {
		t.Fatal("different inputs, same key")
	}
	if _, err := c.Do("synth", k2, fill); err != nil || runs != 2 {
		t.Fatal("a changed input did not rerun the stage")
	}
	c.Force = map[string]bool{"synth": true}
	if _, err := c.Do("synth", k1, fill); err != nil || runs != 3 {
		t.Fatal("--force did not rerun the stage")
	}
	boom := errors.New("boom")
	if _, err := c.Do("train", k1, func(string) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(c.Root, "train"))
	if len(entries) != 0 {
		t.Fatalf("a failed stage left %d entries", len(entries))
	}
}
