package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// Check fails the test when got differs from testdata/name; with -update it writes got first.
func Check(t testing.TB, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if !compare(t, p, got) {
		t.Errorf("%s differs from the golden file (go test -update to accept, then review the diff):\n%s", p, got)
	}
}

// CheckFile is Check for a golden file outside testdata/ (path relative to the test's package
// folder), such as a picture the documentation shows; it does not print got, which may be
// binary.
func CheckFile(t testing.TB, path string, got []byte) {
	t.Helper()
	if !compare(t, path, got) {
		t.Errorf("%s differs from what the test produced (%d bytes against %d; go test -update to accept, then review the diff)", path, len(got), fileSize(path))
	}
}

func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return -1
	}
	return fi.Size()
}

// compare writes got to p first under -update, then reports whether p holds exactly got.
func compare(t testing.TB, p string, got []byte) bool {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	return bytes.Equal(got, want)
}
