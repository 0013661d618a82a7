package synth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/occbench/occbench/internal/dirlock"
	"github.com/occbench/occbench/synth/shards"
	"github.com/occbench/occbench/synth/sources"
)

// Issue 11, hole 7: a folder with files of its own (a README.md) is not written into.
func TestForeignFolderRefused(t *testing.T) {
	in := mustDemo(t)
	out := t.TempDir()
	readme := filepath.Join(out, "README.md")
	os.WriteFile(readme, []byte("my notes\n"), 0o644)
	_, err := Run(context.Background(), in, Options{Out: out, Sets: []string{"iop"}})
	if !errors.Is(err, ErrNotShardSet) || !strings.Contains(err.Error(), "README.md") {
		t.Fatalf("want ErrNotShardSet naming README.md, got %v", err)
	}
	if data, _ := os.ReadFile(readme); string(data) != "my notes\n" {
		t.Fatalf("README.md changed: %q", data)
	}
	if ents, _ := os.ReadDir(out); len(ents) != 1 {
		t.Errorf("a refused run left %d entries", len(ents))
	}
	// Forced, it is written (the card replaces the README, as asked).
	if s := run(t, in, Options{Out: out, Sets: []string{"iop"}, Force: true}); !s.Complete {
		t.Error("forced run incomplete")
	}
	// The same plan again, and a folder holding only the state folder (a run killed before
	// it wrote its plan), are ours.
	run(t, in, Options{Out: out, Sets: []string{"iop"}})
	killed := t.TempDir()
	os.MkdirAll(filepath.Join(killed, shards.StateDir), 0o755)
	os.WriteFile(filepath.Join(killed, shards.WriterLockFile), nil, 0o644)
	run(t, in, Options{Out: killed, Sets: []string{"iop"}})
}

// Issue 11, hole 9: negative counts are refused, not replaced by defaults.
func TestNegativeOptionsRefused(t *testing.T) {
	in := mustDemo(t)
	for _, o := range []Options{{Workers: -5}, {RowsPerShard: -1}, {Corrupt: "maybe"}} {
		o.Out = t.TempDir()
		if _, err := Run(context.Background(), in, o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

// Issue 11, hole 10: Options.Corrupt overrides the manifest's source.corrupt both ways.
func TestCorruptOptionOverridesManifest(t *testing.T) {
	in := mustDemo(t)
	ids := in.Splits.Set("tst_x").Items
	in.Source = &badSource{Source: in.Source, bad: map[string]bool{ids[2].ID: true}}
	m := *in.Manifest
	m.Source.Corrupt = "fail"
	in.Manifest = &m
	if _, err := Run(context.Background(), in, Options{Out: t.TempDir(), Sets: []string{"tst_x"}}); err == nil {
		t.Fatal("corrupt: fail did not fail")
	}
	s := run(t, in, Options{Out: t.TempDir(), Sets: []string{"tst_x"}, Corrupt: "skip"})
	if len(s.Skipped) != 1 || !s.Complete {
		t.Fatalf("Corrupt skip over corrupt: fail: skipped %+v, complete %v", s.Skipped, s.Complete)
	}
	m.Source.Corrupt = "skip"
	if _, err := Run(context.Background(), in, Options{Out: t.TempDir(), Sets: []string{"tst_x"}, Corrupt: "fail"}); err == nil {
		t.Fatal("Corrupt fail over corrupt: skip did not fail")
	}
}

// fileSource serves the demo images from files under root (written on first use), as a
// folder layout would: each item's Path is root joined with its id. The bad ids' files are
// truncated.
type fileBacked struct {
	sources.Source
	root string
	bad  map[string]bool
}

func (s *fileBacked) Items() []sources.Item {
	items := s.Source.Items()
	for i := range items {
		items[i].Path = filepath.Join(s.root, filepath.FromSlash(items[i].ID)+".png")
	}
	return items
}

func (s *fileBacked) Decode(it sources.Item) (image.Image, error) {
	if s.bad[it.ID] {
		return sources.DecodeFile(it.Path, 0)
	}
	return s.Source.Decode(it)
}

// Issue 11, hole 12: the lock is the same whether the root was given relative or absolute.
func TestSkipReasonsRelativeToRoot(t *testing.T) {
	base := mustDemo(t)
	ids := base.Splits.Set("tst_x").Items
	bad := ids[1].ID
	abs := t.TempDir()
	p := filepath.Join(abs, filepath.FromSlash(bad)+".png")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte("\x89PNG\r\n\x1a\n\x00\x00"), 0o644) // truncated
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, abs)
	if err != nil {
		t.Fatal(err)
	}
	locks := map[string][]byte{}
	for _, root := range []string{abs, rel} {
		in := base
		in.Root = root
		in.Source = &fileBacked{Source: base.Source, root: root, bad: map[string]bool{bad: true}}
		out := t.TempDir()
		s := run(t, in, Options{Out: out, Sets: []string{"tst_x"}})
		if len(s.Skipped) != 1 {
			t.Fatalf("skipped %+v", s.Skipped)
		}
		r := s.Skipped[0].Reason
		if strings.Contains(r, abs) || strings.Contains(r, rel) || !strings.Contains(r, bad+".png") {
			t.Errorf("root %s: reason %q embeds the root or lacks the file", root, r)
		}
		locks[root], _ = os.ReadFile(filepath.Join(out, shards.LockFile))
	}
	if string(locks[abs]) != string(locks[rel]) {
		t.Errorf("the lock differs between --root %s and --root %s", rel, abs)
	}
}

// Issue 11, hole 15: --resume on a finished folder writes nothing (it may be read-only).
func TestResumeFinishedWritesNothing(t *testing.T) {
	in := mustDemo(t)
	out := t.TempDir()
	run(t, in, Options{Out: out, Sets: []string{"iop", "tst_x"}, RowsPerShard: 40})
	type stamp struct {
		ino   uint64
		mtime time.Time
	}
	stamps := func() map[string]stamp {
		m := map[string]stamp{}
		filepath.Walk(out, func(p string, fi os.FileInfo, err error) error {
			if err == nil {
				m[p] = stamp{fi.Sys().(*syscall.Stat_t).Ino, fi.ModTime()}
			}
			return nil
		})
		return m
	}
	before := stamps()
	time.Sleep(20 * time.Millisecond) // so that a rewrite would show in the mtime
	var dirs []string
	filepath.Walk(out, func(p string, fi os.FileInfo, err error) error {
		if err == nil {
			if fi.IsDir() {
				dirs = append(dirs, p)
				return os.Chmod(p, 0o555)
			}
			return os.Chmod(p, 0o444)
		}
		return nil
	})
	defer func() {
		for _, d := range dirs {
			os.Chmod(d, 0o755)
		}
	}()
	s := run(t, in, Options{Out: out, Sets: []string{"iop", "tst_x"}, RowsPerShard: 40, Resume: true})
	if !s.Complete || s.Written != 0 || s.Kept != s.Selected {
		t.Errorf("resume of a finished folder: %+v", s)
	}
	after := stamps()
	for p, b := range before {
		if a, ok := after[p]; !ok || a.ino != b.ino || !a.mtime.Equal(b.mtime) {
			if !strings.HasSuffix(p, string(filepath.Separator)+shards.StateDir) && p != out {
				t.Errorf("%s was written", p)
			}
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d files before, %d after", len(before), len(after))
	}
}

// Issue 11, hole 11: a second writer into a folder that a live process is writing fails
// with "folder busy (pid N)"; once that process is killed, its lock is taken over.
func TestConcurrentWriterRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	in := mustDemo(t)
	out := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "OCCBENCH_SYNTH_CHILD="+out)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	lockPath := filepath.Join(out, shards.WriterLockFile)
	deadline := time.Now().Add(30 * time.Second)
	for dirlock.Holder(lockPath) != cmd.Process.Pid {
		if time.Now().After(deadline) {
			t.Fatal("the child never took the folder's lock")
		}
		time.Sleep(2 * time.Millisecond)
	}
	_, err := Run(context.Background(), in, childOptions(out))
	want := fmt.Sprintf("folder busy (pid %d)", cmd.Process.Pid)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("second writer: %v, want %q", err, want)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if s := run(t, in, childOptions(out)); !s.Complete {
		t.Errorf("after the holder died: %+v", s)
	}
	verifyOK(t, out)
}

// tamperPack damages the pattern pack of the shard set in dir: "png" replaces the first
// occluder image by a transparent one of the same size, "x" moves pattern 0 to x = 100000.
// It returns the damaged file, relative to the shard set.
func tamperPack(t *testing.T, dir, how string) string {
	t.Helper()
	pack := filepath.Join(dir, shards.PackDir)
	lock, err := shards.ReadLock(dir)
	if err != nil {
		t.Fatal(err)
	}
	p0 := lock.Patterns.Patterns[0]
	switch how {
	case "png":
		var buf bytes.Buffer
		png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, p0.W, p0.H)))
		if err := os.WriteFile(filepath.Join(pack, filepath.FromSlash(p0.File)), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return shards.PackDir + "/" + p0.File
	case "x":
		p := filepath.Join(pack, "patterns.json")
		data, _ := os.ReadFile(p)
		old := fmt.Sprintf(`"x": %d,`, p0.X)
		if !bytes.Contains(data, []byte(old)) {
			t.Fatalf("patterns.json has no %s", old)
		}
		os.WriteFile(p, bytes.Replace(data, []byte(old), []byte(`"x": 100000,`), 1), 0o644)
		return shards.PackDir + "/patterns.json"
	}
	t.Fatalf("tamper %s", how)
	return ""
}

// Issue 11, hole 1: verify checks the pack's files and table against the lock.
func TestVerifyChecksPack(t *testing.T) {
	in := mustDemo(t)
	for _, how := range []string{"png", "x"} {
		out := t.TempDir()
		run(t, in, Options{Out: out, Sets: []string{"iop"}})
		verifyOK(t, out)
		file := tamperPack(t, out, how)
		rep, err := shards.Verify(out)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, f := range rep.Faults {
			found = found || (f.File == file && (how != "x" || strings.Contains(f.Msg, "pattern 0: x 100000")))
		}
		if !found {
			t.Errorf("tampered %s (%s): faults %v", how, file, rep.Faults)
		}
	}
	// A file the lock does not list is a fault too.
	out := t.TempDir()
	run(t, in, Options{Out: out, Sets: []string{"iop"}})
	os.WriteFile(filepath.Join(out, shards.PackDir, "occluders", "extra.png"), []byte("x"), 0o644)
	if rep, _ := shards.Verify(out); rep.OK() {
		t.Error("an extra pack file went unnoticed")
	}
}

// Issue 11, hole 11: parts of one plan (--shard i/N) still run at once into one folder (the
// documented scale-out); the same part twice, or a whole run beside a part, is refused.
func TestPartsShareTheFolder(t *testing.T) {
	in := mustDemo(t)
	whole := t.TempDir()
	run(t, in, Options{Out: whole, Workers: 1, Occluded: true, RowsPerShard: 60})
	shared := t.TempDir()
	// Hold part 1/3's lock and the folder's shared lock as a live part run does.
	sh, err := dirlock.AcquireShared(filepath.Join(shared, shards.WriterLockFile))
	if err != nil {
		t.Fatal(err)
	}
	p1, err := dirlock.Acquire(filepath.Join(shared, shards.WriterLockFile) + ".part-1-of-3")
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 2} {
		run(t, in, Options{Out: shared, Workers: 1, Occluded: true, RowsPerShard: 60, Shard: i, NumShards: 3})
	}
	if _, err := Run(context.Background(), in, Options{Out: shared, Workers: 1, Occluded: true, RowsPerShard: 60, Shard: 1, NumShards: 3}); !errors.Is(err, dirlock.ErrBusy) {
		t.Errorf("the same part twice: %v", err)
	}
	if _, err := Run(context.Background(), in, Options{Out: shared, Workers: 1, Occluded: true, RowsPerShard: 60}); !errors.Is(err, dirlock.ErrBusy) {
		t.Errorf("a whole run beside a part: %v", err)
	}
	p1.Release()
	sh.Release()
	run(t, in, Options{Out: shared, Workers: 1, Occluded: true, RowsPerShard: 60, Shard: 1, NumShards: 3})
	run(t, in, Options{Out: shared, Workers: 1, Occluded: true, RowsPerShard: 60, Resume: true})
	os.Remove(filepath.Join(shared, shards.WriterLockFile) + ".part-1-of-3") // held above by this test
	sameTree(t, whole, shared)
}
