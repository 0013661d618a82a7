package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/synth/shards"
	"github.com/occbench/occbench/synth/sources/sourcestest"
)

// With OCCBENCH_BENCH_MAIN=1 the test binary is the bench command (its arguments are
// bench's): the tests below start it as a real process to signal it.
func TestMain(m *testing.M) {
	if os.Getenv("OCCBENCH_BENCH_MAIN") == "1" {
		os.Args[0] = "bench"
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// benchProcess is bench started as a child process; shell, if set, wraps it in sh -c
// (e.g. `trap "" INT` as a shell does for a job started with &).
func benchProcess(t *testing.T, shell string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	var cmd *exec.Cmd
	if shell != "" {
		cmd = exec.Command("sh", append([]string{"-c", shell + `; exec "$0" "$@"`, os.Args[0]}, args...)...)
	} else {
		cmd = exec.Command(os.Args[0], args...)
	}
	cmd.Env = append(os.Environ(), "OCCBENCH_BENCH_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, &stderr
}

// waitFor polls until cond holds, failing the test after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// exitStatus waits for cmd (up to limit) and returns its exit status.
func exitStatus(t *testing.T, cmd *exec.Cmd, limit time.Duration, out *bytes.Buffer) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(limit):
		cmd.Process.Kill()
		<-done
		t.Fatalf("still running %v after the signal:\n%s", limit, out)
	}
	return -1
}

// bigDemo writes the demo manifest at 160 px (about 50x the work), so that a run can be
// interrupted half way, and returns its path.
func bigDemo(t *testing.T) string {
	t.Helper()
	src, err := manifests.EmbeddedSource("demo")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer("size: 32}", "size: 160}", "  size: 32\n", "  size: 160\n", "input_size: 32", "input_size: 160",
		"name: demo\n", "name: demo-big\n").Replace(string(src))
	p := filepath.Join(t.TempDir(), "demo-big.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func receipts(dir string) int {
	ents, _ := os.ReadDir(filepath.Join(dir, shards.ReceiptsDir))
	return len(ents)
}

// Issue 11, hole 15: Ctrl-C on bench synth exits 130 and prints the --resume command;
// bench shards show on the killed folder says incomplete (exit 3); the printed command
// completes it.
func TestSynthInterruptedPrintsResume(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	m := bigDemo(t)
	out := filepath.Join(t.TempDir(), "d")
	cmd, stderr := benchProcess(t, "", "synth", m, "--out", out, "--sets", "iop", "--occluded", "--workers", "1", "--rows-per-shard", "25")
	waitFor(t, 60*time.Second, "two shards written", func() bool { return receipts(out) >= 2 })
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := exitStatus(t, cmd, 30*time.Second, stderr); code != 130 {
		t.Fatalf("exit status %d after SIGINT, want 130:\n%s", code, stderr)
	}
	var resume string
	sc := bufio.NewScanner(bytes.NewReader(stderr.Bytes()))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 2 && f[0] == "bench" && f[1] == "synth" {
			resume = sc.Text()
		}
	}
	if !strings.Contains(resume, "--resume") || !strings.Contains(resume, "--out "+out) || !strings.Contains(resume, "--rows-per-shard 25") {
		t.Fatalf("no resume command in:\n%s", stderr)
	}
	if tmps, _ := filepath.Glob(filepath.Join(out, shards.DataDir, ".*.tmp-*")); len(tmps) > 0 {
		t.Errorf("the interrupted run left %v", tmps)
	}
	_, _, err := run(t, "shards", "show", out)
	if err == nil || exitCode(err) != exitIncomplete || !strings.Contains(err.Error(), "incomplete") {
		t.Fatalf("shards show on the interrupted folder: %v (exit %d), want incomplete, exit %d", err, exitCode(err), exitIncomplete)
	}
	if _, _, err := run(t, "shards", "verify", out); err == nil || exitCode(err) != exitIncomplete {
		t.Errorf("shards verify on the interrupted folder: %v (exit %d), want exit %d", err, exitCode(err), exitIncomplete)
	}
	f := strings.Fields(resume)
	if _, errOut, err := run(t, f[1:]...); err != nil {
		t.Fatalf("%s: %v\n%s", resume, err, errOut)
	}
	if _, _, err := run(t, "shards", "show", out); err != nil {
		t.Fatalf("shards show after the resume: %v", err)
	}
	if stdout, _, err := run(t, "shards", "verify", out); err != nil {
		t.Fatalf("verify after the resume: %v\n%s", err, stdout)
	}
}

// Issue 11, holes 15 and 8: bench run handles SIGINT even when the shell started it with
// SIGINT ignored (a job started with &): it exits 130, leaves no .tmp-* stage folder, and
// keeps the synth stage's partial output for the next run to resume.
func TestRunInterruptedInBackground(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	m := bigDemo(t)
	out := t.TempDir()
	cmd, stderr := benchProcess(t, `trap "" INT`, "run", "demo", "--manifest", m, "--out", out, "--workers", "1")
	partial := func() string {
		p, _ := filepath.Glob(filepath.Join(out, ".cache", "synth", ".*.partial"))
		if len(p) == 1 {
			return p[0]
		}
		return ""
	}
	waitFor(t, 60*time.Second, "a synth shard in the stage's work folder", func() bool { return partial() != "" && receipts(partial()) >= 1 })
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := exitStatus(t, cmd, 30*time.Second, stderr); code != 130 {
		t.Fatalf("exit status %d after SIGINT, want 130:\n%s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "run the same command again") {
		t.Errorf("no hint to rerun:\n%s", stderr)
	}
	tmps, _ := filepath.Glob(filepath.Join(out, ".cache", "*", ".*.tmp-*"))
	if len(tmps) > 0 {
		t.Errorf("left %v", tmps)
	}
	if partial() == "" || receipts(partial()) == 0 {
		t.Errorf("the synth stage's complete shards were not kept")
	}
}

// Issue 11, hole 9: bad stage names and counts are refused, naming what is valid.
func TestBadCountsAndStagesRefused(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "demo", "--force", "nosuch", "--out", t.TempDir()}, "synth, pretrain, model, all"},
		{[]string{"run", "demo", "--workers", "-5", "--out", t.TempDir()}, "--workers -5"},
		{[]string{"run", "demo", "--workers", "0", "--out", t.TempDir()}, "--workers 0"},
		{[]string{"synth", "demo", "--workers", "-5", "--out", t.TempDir()}, "--workers -5"},
		{[]string{"synth", "demo", "--rows-per-shard", "-1", "--out", t.TempDir()}, "--rows-per-shard -1"},
		{[]string{"synth", "demo", "--rows-per-shard", "0", "--out", t.TempDir()}, "--rows-per-shard 0"},
		{[]string{"render", "x.recipe.parquet", "--workers", "-5", "--out", t.TempDir()}, "--workers -5"},
	} {
		_, _, err := run(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("bench %s: %v, want an error saying %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}

// Issue 11, hole 7: bench synth does not write into a folder with a README.md of its own.
func TestSynthRefusesForeignFolder(t *testing.T) {
	out := t.TempDir()
	readme := filepath.Join(out, "README.md")
	os.WriteFile(readme, []byte("mine\n"), 0o644)
	_, _, err := run(t, "synth", "demo", "--sets", "iop", "--out", out, "--quiet")
	if err == nil || !strings.Contains(err.Error(), "--force") || !strings.Contains(err.Error(), "README.md") {
		t.Fatalf("err = %v", err)
	}
	if data, _ := os.ReadFile(readme); string(data) != "mine\n" {
		t.Fatalf("README.md overwritten: %q", data)
	}
	if _, _, err := run(t, "synth", "demo", "--sets", "iop", "--out", out, "--quiet", "--force"); err != nil {
		t.Fatal(err)
	}
}

// tinyTree writes a two-class caltech101-layout tree with one corrupt image and a
// manifest over it whose source.corrupt is fail.
func tinyTree(t *testing.T) (manifest, root string) {
	t.Helper()
	dir := t.TempDir()
	root = filepath.Join(dir, "tree")
	for _, c := range []string{"cat", "dog"} {
		for i := 1; i <= 3; i++ {
			p := filepath.Join(root, "101_ObjectCategories", c, fmt.Sprintf("image_%04d.jpg", i))
			os.MkdirAll(filepath.Dir(p), 0o755)
			if c == "dog" && i == 2 {
				sourcestest.WriteTruncatedJPEG(t, p)
			} else {
				sourcestest.WriteImage(t, p, i)
			}
		}
	}
	manifest = filepath.Join(dir, "tiny.yaml")
	os.WriteFile(manifest, []byte(`name: tiny
seed: 1
source: {layout: caltech101, corrupt: fail}
preprocess: {mode: resize, size: 32}
sets:
  - {name: tst, role: test, images: {}}
occluders: {builtin: procedural, use: [checker-disk]}
occlusion: {ratios: [0.2], positions: {center: true}}
hyper: {network: resnet-mini, input_size: 32, epochs: 1, batch_size: 8, lr: 0.01}
output: {encode: png}
`), 0o644)
	return manifest, root
}

// Issue 11, holes 10 and 12: --strict=false, given, overrides the manifest's corrupt:
// fail; the lock is the same for --root tree and --root /abs/tree.
func TestStrictFlagOverridesManifestAndRootSpelling(t *testing.T) {
	m, root := tinyTree(t)
	dir := t.TempDir()
	if _, _, err := run(t, "synth", m, "--root", root, "--out", filepath.Join(dir, "a"), "--quiet"); err == nil || !strings.Contains(err.Error(), "image_0002.jpg") {
		t.Fatalf("corrupt: fail without --strict: %v", err)
	}
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, root)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range []string{root, rel} {
		if _, _, err := run(t, "synth", m, "--root", r, "--out", filepath.Join(dir, fmt.Sprint(i)), "--strict=false", "--quiet"); err != nil {
			t.Fatalf("--strict=false --root %s: %v", r, err)
		}
	}
	a, _ := os.ReadFile(filepath.Join(dir, "0", shards.LockFile))
	b, _ := os.ReadFile(filepath.Join(dir, "1", shards.LockFile))
	if !bytes.Contains(a, []byte(`"101_ObjectCategories/dog/image_0002.jpg: `)) {
		t.Errorf("the lock does not list the skipped image relative to the root:\n%s", a)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("the lock differs between --root %s and --root %s", root, rel)
	}
}

// The exit statuses the root help documents are the ones main uses.
func TestExitStatusesDocumented(t *testing.T) {
	help := newRoot().Long
	for _, s := range []string{"1 an error", fmt.Sprintf("%d \"bench\nshards show\"", exitIncomplete), "130", "143"} {
		if !strings.Contains(help, s) {
			t.Errorf("root help does not say %q", s)
		}
	}
	if exitCode(&exitError{code: 130, err: syscall.EINTR}) != 130 || exitCode(errors.New("x")) != exitFailed {
		t.Error("exitCode")
	}
}
