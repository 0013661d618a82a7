package dirlock

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// With OCCBENCH_DIRLOCK_CHILD=PATH, the test binary takes the lock at PATH, says "held"
// and sleeps until it is killed: the holder the tests below compete with.
func TestMain(m *testing.M) {
	if p := os.Getenv("OCCBENCH_DIRLOCK_CHILD"); p != "" {
		if _, err := Acquire(p); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("held")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// holder starts a child process holding the lock at path.
func holder(t *testing.T, path string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "OCCBENCH_DIRLOCK_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "held" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child: %q", line)
	}
	return cmd
}

func TestBusyNamesPidAndDeadHolderIsTakenOver(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "lock")
	child := holder(t, path)
	_, err := Acquire(path)
	var be *BusyError
	if !errors.As(err, &be) || !errors.Is(err, ErrBusy) {
		child.Process.Kill()
		child.Wait()
		t.Fatalf("lock held by a live process: err = %v", err)
	}
	want := fmt.Sprintf("folder busy (pid %d)", child.Process.Pid)
	if !strings.Contains(err.Error(), want) {
		t.Errorf("err = %q, want it to contain %q", err, want)
	}
	if Free(path) {
		t.Error("Free says a held lock is free")
	}
	// kill -9: the holder cannot clean up; its pid stays in the file.
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	if Holder(path) != child.Process.Pid {
		t.Fatalf("the dead holder's pid is not in the file (%d)", Holder(path))
	}
	if !Free(path) {
		t.Error("Free says a dead process's lock is held")
	}
	l, err := Acquire(path)
	if err != nil {
		t.Fatalf("the lock of a dead pid was not taken over: %v", err)
	}
	if Holder(path) != os.Getpid() {
		t.Errorf("holder %d, want this process %d", Holder(path), os.Getpid())
	}
	if _, err := Acquire(path); !errors.Is(err, ErrBusy) {
		t.Errorf("a second Acquire in the same process: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if Holder(path) != 0 {
		t.Errorf("released lock still names pid %d", Holder(path))
	}
	l2, err := Acquire(path)
	if err != nil {
		t.Fatalf("after Release: %v", err)
	}
	l2.Release()
	var nilLock *Lock
	if nilLock.Release() != nil {
		t.Error("nil Release")
	}
}
