package dirlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/gofrs/flock"
)

// BusyError is returned by Acquire when another process holds the lock.
type BusyError struct {
	Path string // the lock file
	PID  int    // the holder's pid as it recorded it (0 if unknown)
}

func (e *BusyError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("folder busy (pid %d): %s is held by another process", e.PID, e.Path)
	}
	return fmt.Sprintf("folder busy: %s is held by another process", e.Path)
}

// ErrBusy matches every *BusyError with errors.Is.
var ErrBusy = errors.New("folder busy")

// Is makes errors.Is(err, ErrBusy) true for a *BusyError.
func (e *BusyError) Is(target error) bool { return target == ErrBusy }

// Lock is a held lock; Release it when the folder is written.
type Lock struct {
	fl     *flock.Flock
	shared bool
}

// Acquire takes the lock file at path exclusively (creating it and its folder), without
// waiting: a live holder gives a *BusyError naming its pid. On a file system without file
// locks (some Lustre mounts) nothing is held and Acquire succeeds: writers are then not
// protected from each other, as before locks existed.
func Acquire(path string) (*Lock, error) {
	return acquire(path, false)
}

// AcquireShared takes the lock file at path shared: any number of shared holders at once,
// but not while an exclusive one holds it (and the reverse). Shared holders do not record
// their pid.
func AcquireShared(path string) (*Lock, error) {
	return acquire(path, true)
}

func acquire(path string, shared bool) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	fl := flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o644))
	try := fl.TryLock
	if shared {
		try = fl.TryRLock
	}
	ok, err := try()
	if err != nil {
		if unsupported(err) {
			return &Lock{}, nil
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		return nil, &BusyError{Path: path, PID: Holder(path)}
	}
	// A holder that removes its file on release (ReleaseRemove) may have unlinked the inode
	// we locked: then the lock is on a file nobody else will open, and the path is free for
	// a third process. Hold only the lock of the file the path names now.
	if fi, err := fl.Stat(); err != nil || !sameFile(fi, path) {
		fl.Unlock()
		return nil, &BusyError{Path: path, PID: Holder(path)}
	}
	if shared {
		return &Lock{fl: fl, shared: true}, nil
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		fl.Unlock()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{fl: fl}, nil
}

func sameFile(fi os.FileInfo, path string) bool {
	now, err := os.Stat(path)
	return err == nil && os.SameFile(fi, now)
}

// unsupported reports whether a lock error means the file system has no file locks.
func unsupported(err error) bool {
	return errors.Is(err, syscall.ENOLCK) || errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.EOPNOTSUPP) ||
		errors.Is(err, errors.ErrUnsupported)
}

// Free reports whether nobody holds the lock at path now (a missing file is free). It
// takes and releases the lock to find out.
func Free(path string) bool {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return true
	}
	fl := flock.New(path, flock.SetFlag(os.O_RDWR), flock.SetPermissions(0o644))
	ok, err := fl.TryLock()
	if err != nil || !ok {
		return false
	}
	fl.Unlock()
	return true
}

// Holder returns the pid recorded in the lock file at path, or 0.
func Holder(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// ReleaseRemove removes the lock file, then releases the lock (exclusive holders of a lock
// whose file should not outlive them). Acquire's check that the path still names the
// locked file makes this safe against a process that opened the file just before.
func (l *Lock) ReleaseRemove() error {
	if l == nil || l.fl == nil {
		return nil
	}
	err := os.Remove(l.fl.Path())
	if uerr := l.fl.Unlock(); err == nil {
		err = uerr
	}
	l.fl = nil
	return err
}

// Release clears the recorded pid (exclusive holders) and releases the lock; the file stays. Release on a
// nil Lock does nothing.
func (l *Lock) Release() error {
	if l == nil || l.fl == nil {
		return nil
	}
	var err error
	if !l.shared {
		err = os.Truncate(l.fl.Path(), 0)
	}
	if uerr := l.fl.Unlock(); err == nil {
		err = uerr
	}
	l.fl = nil
	return err
}
