package synth

import (
	"strings"
	"testing"

	"github.com/occbench/occbench/manifests"
)

// TestOpenSourceBuiltinNoRootAdvice: a built-in dataset that cannot be generated is not
// blamed on a missing --root (#11); a dataset on disk still gets the advice.
func TestOpenSourceBuiltinNoRootAdvice(t *testing.T) {
	m := &manifests.Manifest{Name: "demo", Source: manifests.Source{Layout: "builtin",
		Builtin: &manifests.BuiltinSource{Classes: 11, PerClass: 2, Size: 32}}}
	_, err := OpenSource(m, "")
	if err == nil || strings.Contains(err.Error(), "--root") || !strings.Contains(err.Error(), "11 classes") {
		t.Fatalf("builtin: %v", err)
	}
	m = &manifests.Manifest{Name: "cal", Source: manifests.Source{Layout: "caltech101", Root: t.TempDir() + "/none"}}
	if _, err := OpenSource(m, ""); err == nil || !strings.Contains(err.Error(), "set --root or OCCBENCH_ROOT_CAL") {
		t.Fatalf("caltech101: %v", err)
	}
}
