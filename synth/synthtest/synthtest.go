package synthtest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/synth"
)

// Demo synthesizes the built-in demo manifest's named sets into a temporary folder and
// returns the inputs (with the pattern pack) and the shard folder.
func Demo(t testing.TB, sets ...string) (synth.Inputs, string) {
	t.Helper()
	m, err := manifests.Resolve("demo")
	if err != nil {
		t.Fatal(err)
	}
	in, err := synth.Load(m, "", "")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "shards")
	if _, err := synth.Run(context.Background(), in, synth.Options{Out: out, Sets: sets, Version: "test"}); err != nil {
		t.Fatal(err)
	}
	return in, out
}
