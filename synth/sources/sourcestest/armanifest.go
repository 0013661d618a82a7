package sourcestest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occbench/occbench/manifests"
)

// ARMiniManifest writes the embedded AR manifest scaled to a CPU test (32 px, resnet-mini,
// two epochs at lr 0.01) into dir and returns its path. Sets, real pairs and scenarios are
// the paper's.
func ARMiniManifest(t testing.TB, dir string) string {
	t.Helper()
	src, err := manifests.EmbeddedSource("ar")
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	for _, r := range [][2]string{
		{"  size: 112\n", "  size: 32\n"},
		{"  input_size: 112\n", "  input_size: 32\n"},
		{"  epochs: 20 ", "  epochs: 2 "},
		{"  lr: 0.001 ", "  lr: 0.01 "},
	} {
		if !strings.Contains(text, r[0]) {
			t.Fatalf("ar.yaml has no %q", r[0])
		}
		text = strings.Replace(text, r[0], r[1], 1)
	}
	i := strings.Index(text, "  network: iresnet50")
	if i < 0 {
		t.Fatal("ar.yaml names no iresnet50 network")
	}
	j := strings.Index(text[i:], "\n")
	text = text[:i] + "  network: resnet-mini" + text[i+j:]
	path := filepath.Join(dir, "ar-mini.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := manifests.LoadFile(path); err != nil {
		t.Fatal(err)
	}
	return path
}
