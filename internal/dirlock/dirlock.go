package dirlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

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
	fl *flock.Flock
}

// Acquire takes the lock file at path (creating it and its folder), without waiting:
// a live holder gives a *BusyError naming its pid.
func Acquire(path string) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	fl := flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o644))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		return nil, &BusyError{Path: path, PID: Holder(path)}
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		fl.Unlock()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{fl: fl}, nil
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

// Release clears the recorded pid and releases the lock; the file stays. Release on a
// nil Lock does nothing.
func (l *Lock) Release() error {
	if l == nil || l.fl == nil {
		return nil
	}
	err := os.Truncate(l.fl.Path(), 0)
	if uerr := l.fl.Unlock(); err == nil {
		err = uerr
	}
	l.fl = nil
	return err
}
