package patterns

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// hugePNG is a valid PNG header claiming w x h pixels, with one tiny IDAT: what a
// decompression bomb looks like before decoding.
func hugePNG(w, h int) []byte {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, 1, 1)))
	b := buf.Bytes()
	binary.BigEndian.PutUint32(b[16:], uint32(w))
	binary.BigEndian.PutUint32(b[20:], uint32(h))
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// TestReadPackHostile: a pack whose table names files outside it, or whose files are not
// regular files or claim too many pixels, is refused before anything outside the pack is
// read or any huge image is decoded (#11).
func TestReadPackHostile(t *testing.T) {
	good := expand(t, "demo", nil)
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.png"), []byte("secret"), 0o644)
	cases := []struct {
		name string
		edit func(dir string, tab *Table)
		want string
	}{
		{"dotdot", func(dir string, tab *Table) { tab.Patterns[0].File = "../../../../etc/passwd" },
			`file "../../../../etc/passwd" is not a path inside the pack's occluders/ folder`},
		{"inner dotdot", func(dir string, tab *Table) { tab.Patterns[0].File = "occluders/../../x.png" },
			`file "occluders/../../x.png" is not a path inside`},
		{"absolute", func(dir string, tab *Table) { tab.Patterns[0].File = "/etc/passwd" }, `file "/etc/passwd" is not a path inside`},
		{"symlink", func(dir string, tab *Table) {
			f := filepath.Join(dir, filepath.FromSlash(tab.Patterns[0].File))
			os.Remove(f)
			os.Symlink(filepath.Join(outside, "secret.png"), f)
		}, "leaves the pack through a symbolic link"},
		{"fifo", func(dir string, tab *Table) {
			f := filepath.Join(dir, filepath.FromSlash(tab.Patterns[0].File))
			os.Remove(f)
			syscall.Mkfifo(f, 0o644)
		}, "not a regular file (a named pipe)"},
		{"16000x16000", func(dir string, tab *Table) {
			os.WriteFile(filepath.Join(dir, filepath.FromSlash(tab.Patterns[0].File)), hugePNG(16000, 16000), 0o644)
		}, "png header claims 16000x16000 = 256000000 pixels, more than the limit of 50000000"},
		{"jpeg", func(dir string, tab *Table) {
			var b bytes.Buffer
			jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 2, 2)), nil)
			os.WriteFile(filepath.Join(dir, filepath.FromSlash(tab.Patterns[0].File)), b.Bytes(), 0o644)
		}, "a JPEG image, not PNG"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := good.Write(dir); err != nil {
				t.Fatal(err)
			}
			tab := good.Table
			tab.Patterns = append([]Pattern(nil), good.Patterns...)
			c.edit(dir, &tab)
			data, _ := json.Marshal(tab)
			os.WriteFile(filepath.Join(dir, TableFile), data, 0o644)
			done := make(chan error, 1)
			go func() { _, err := ReadPack(dir); done <- err }()
			err := <-done
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("%v, want %q", err, c.want)
			}
		})
	}
}
