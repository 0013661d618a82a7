package inputs

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadFile: regular files within the limit are read; a device, a named pipe (which
// would block a plain read forever), a folder and a file over the limit are refused, each
// in one line naming the file.
func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "m.yaml")
	os.WriteFile(small, []byte("name: x\n"), 0o644)
	if b, err := ReadFile(small, Manifest); err != nil || string(b) != "name: x\n" {
		t.Fatalf("regular file: %q %v", b, err)
	}
	big := filepath.Join(dir, "big.yaml")
	os.WriteFile(big, make([]byte, Manifest.Limit+1), 0o644)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.yaml")
	os.Symlink(small, link)
	cases := map[string]string{
		"/dev/zero":                "/dev/zero: not a regular file (a device); a manifest must be a regular file",
		fifo:                       fifo + ": not a regular file (a named pipe)",
		dir:                        dir + ": not a regular file (a folder)",
		big:                        big + ": 1048577 bytes, more than the 1 MiB a manifest may have",
		filepath.Join(dir, "none"): "none: file does not exist",
	}
	for path, want := range cases {
		done := make(chan error, 1)
		go func() { _, err := ReadFile(path, Manifest); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: %v, want %q", path, err, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: ReadFile hangs", path)
		}
	}
	if _, err := ReadFile(link, Manifest); err != nil {
		t.Errorf("a symbolic link to a regular file: %v", err)
	}
}
