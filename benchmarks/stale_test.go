package benchmarks

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/occbench/occbench/internal/dirlock"
	"github.com/occbench/occbench/synth/shards"
)

// With OCCBENCH_STAGE_HOLDER=PATH the test binary holds the lock at PATH (as a live run of
// a stage does) until it is killed.
func TestMain(m *testing.M) {
	if p := os.Getenv("OCCBENCH_STAGE_HOLDER"); p != "" {
		if _, err := dirlock.Acquire(p); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("held")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Issue 11, hole 8: a stage run removes the .tmp-* work folders a killed run left, but not
// one that a live process is writing; a second process asking for a stage in progress is
// told the folder is busy.
func TestStaleWorkFoldersRemoved(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	root := t.TempDir()
	stale := filepath.Join(root, "model", ".0123abcd.tmp-111")
	live := filepath.Join(root, "model", ".4567cdef.tmp-222")
	for _, d := range []string{stale, live} {
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, "model.safetensors"), []byte("half"), 0o644)
	}
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "OCCBENCH_STAGE_HOLDER="+(&StageCache{Root: root}).lockPath("model", "4567cdef"))
	stdout, _ := child.StdoutPipe()
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		child.Process.Kill()
		child.Wait()
	}()
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); strings.TrimSpace(line) != "held" {
		t.Fatalf("child: %q", line)
	}
	var log []string
	c := &StageCache{Root: root, Log: func(f string, a ...any) { log = append(log, fmt.Sprintf(f, a...)) }}
	fill := func(dir string) error { return os.WriteFile(filepath.Join(dir, "out"), []byte("x"), 0o644) }
	if _, err := c.Do("model", "89ab", fill); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stale work folder is still there (%v); log:\n%s", err, strings.Join(log, "\n"))
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("the work folder of a live run was removed: %v", err)
	}
	_, err := c.Do("model", "4567cdef", fill)
	if want := fmt.Sprintf("folder busy (pid %d)", child.Process.Pid); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("a stage another process is running: %v, want %q", err, want)
	}
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	if _, err := c.Do("model", "89ab", fill); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do("model", "4567cdef", fill); err != nil {
		t.Fatalf("after its holder died: %v", err)
	}
	if _, err := os.Stat(live); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the dead run's work folder is still there")
	}
}

// Issue 11, hole 8: an interrupted synth stage resumes: the next bench run keeps the shards
// the first one completed (same files, not rewritten).
func TestSynthStageResumes(t *testing.T) {
	b, _ := Get("demo")
	out := t.TempDir()
	var calls atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	// Cancel as soon as the synth stage has completed its first shard.
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			p, _ := filepath.Glob(filepath.Join(out, ".cache", "synth", ".*.partial", shards.ReceiptsDir, "*.json"))
			if len(p) > 0 {
				cancel()
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	_, err := Run(ctx, b, Options{Out: out, Workers: 1, Train: fakeTrain(t, &calls)})
	close(stop)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	parts, _ := filepath.Glob(filepath.Join(out, ".cache", "synth", ".*.partial"))
	if len(parts) != 1 {
		t.Fatalf("partial synth folders: %v", parts)
	}
	kept, _ := filepath.Glob(filepath.Join(parts[0], shards.ReceiptsDir, "*.json"))
	if len(kept) == 0 {
		t.Fatal("no complete shard kept")
	}
	type ident struct {
		name string
		ino  uint64
	}
	var before []ident
	for _, r := range kept {
		data := filepath.Join(parts[0], shards.DataDir, strings.TrimSuffix(filepath.Base(r), ".json"))
		st, err := os.Stat(data)
		if err != nil {
			t.Fatal(err)
		}
		before = append(before, ident{filepath.Base(data), st.Sys().(*syscall.Stat_t).Ino})
	}
	var log strings.Builder
	if _, err := Run(context.Background(), b, Options{Out: out, Workers: 1, Train: fakeTrain(t, &calls), Log: &log}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "synth      resume") {
		t.Errorf("the second run did not resume the synth stage:\n%s", log.String())
	}
	done, _ := filepath.Glob(filepath.Join(out, ".cache", "synth", "*", shards.DataDir))
	if len(done) != 1 {
		t.Fatalf("finished synth folders: %v", done)
	}
	for _, id := range before {
		st, err := os.Stat(filepath.Join(done[0], id.name))
		if err != nil || st.Sys().(*syscall.Stat_t).Ino != id.ino {
			t.Errorf("%s was rewritten instead of kept (%v)", id.name, err)
		}
	}
	rep, err := shards.Verify(filepath.Dir(done[0]))
	if err != nil || !rep.OK() {
		t.Fatalf("verify the resumed shard set: %v %v", err, rep.Faults)
	}
}
