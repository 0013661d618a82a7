package benchmarks

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/occbench/occbench/internal/dirlock"
)

// Stages are the cached stages of `bench run` (stages.go), as Options.Force takes them
// ("all" redoes every stage).
var Stages = []string{StageSynth, StagePretrain, cacheModel, "all"}

// CheckStages refuses a stage name that is not one of Stages, naming the valid ones.
func CheckStages(names []string) error {
	for _, n := range names {
		if !slices.Contains(Stages, n) {
			return fmt.Errorf("unknown stage %q (stages: %s)", n, strings.Join(Stages, ", "))
		}
	}
	return nil
}

// StageCache keeps each pipeline stage's output in a folder named by a hash of everything
// that determines it (DESIGN.md decision 8): a stage whose inputs did not change is not run
// again, and a failed stage leaves no folder behind.
//
// A stage is written into a work folder next to its final one and renamed into place when
// it succeeds. While it runs, its process holds the stage's lock (ROOT/.locks/STAGE.KEY.lock,
// internal/dirlock): a second process asking for the same stage fails with "folder busy
// (pid N)", and work folders whose lock nobody holds (left by a killed run) are removed
// when the next run of that stage starts.
type StageCache struct {
	Root string
	// Force names stages to redo even when cached ("all" redoes every stage).
	Force map[string]bool
	// Log receives one line per stage: run, cached or failed.
	Log func(format string, args ...any)
}

// Key hashes the JSON encoding of the inputs of a stage.
func Key(inputs ...any) (string, error) {
	h := sha256.New()
	for _, in := range inputs {
		data, err := json.Marshal(in)
		if err != nil {
			return "", fmt.Errorf("stage key: %w", err)
		}
		h.Write(data)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:20], nil
}

// Do returns the folder of stage/key, running fn to fill it if it is not complete yet. fn
// writes into a temporary folder that is renamed into place only when fn succeeds, and
// removed when it fails.
func (c *StageCache) Do(stage, key string, fn func(dir string) error) (string, error) {
	return c.do(stage, key, false, fn)
}

// DoResumable is Do for a stage that can resume its own partial output (synth with
// Resume): its work folder (STAGE/.KEY.partial) is kept when fn fails or the process is
// killed, and the next run hands it to fn again. Force removes it first.
func (c *StageCache) DoResumable(stage, key string, fn func(dir string) error) (string, error) {
	return c.do(stage, key, true, fn)
}

func (c *StageCache) do(stage, key string, resumable bool, fn func(dir string) error) (string, error) {
	dir := filepath.Join(c.Root, stage, key)
	forced := c.Force[stage] || c.Force["all"]
	if c.complete(dir) && !forced {
		c.logf("%-10s cached  %s", stage, dir)
		return dir, nil
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("stage %s: %w", stage, err)
	}
	lock, err := dirlock.Acquire(c.lockPath(stage, key))
	if err != nil {
		return "", fmt.Errorf("stage %s: %w", stage, err)
	}
	defer lock.Release()
	if c.complete(dir) && !forced { // another process finished it while we waited for the lock
		c.logf("%-10s cached  %s", stage, dir)
		return dir, nil
	}
	c.sweep(stage, parent, key)
	var tmp string
	if resumable {
		tmp = filepath.Join(parent, "."+key+".partial")
		if forced {
			if err := os.RemoveAll(tmp); err != nil {
				return "", fmt.Errorf("stage %s: %w", stage, err)
			}
		}
		if _, err := os.Stat(tmp); err == nil {
			c.logf("%-10s resume  %s", stage, dir)
		} else {
			c.logf("%-10s run     %s", stage, dir)
		}
		if err := os.MkdirAll(tmp, 0o755); err != nil {
			return "", fmt.Errorf("stage %s: %w", stage, err)
		}
	} else {
		if tmp, err = os.MkdirTemp(parent, "."+key+".tmp-"); err != nil {
			return "", fmt.Errorf("stage %s: %w", stage, err)
		}
		c.logf("%-10s run     %s", stage, dir)
	}
	drop := func() {
		if !resumable {
			os.RemoveAll(tmp)
		}
	}
	if err := fn(tmp); err != nil {
		drop()
		c.logf("%-10s FAILED", stage)
		return "", fmt.Errorf("stage %s: %w", stage, err)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), []byte(key+"\n"), 0o644); err != nil {
		drop()
		return "", fmt.Errorf("stage %s: %w", stage, err)
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		drop()
		return "", fmt.Errorf("stage %s: %w", stage, err)
	}
	return dir, nil
}

// lockPath is the lock of stage/key, in a folder of its own so that stage folders hold
// only stage outputs.
func (c *StageCache) lockPath(stage, key string) string {
	return filepath.Join(c.Root, ".locks", stage+"."+key+".lock")
}

func (c *StageCache) complete(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, ".complete"))
	return err == nil
}

// workFolder matches the temporary work folders of a stage: .KEY.tmp-RANDOM.
var workFolder = regexp.MustCompile(`^\.([0-9a-f]+)\.tmp-`)

// sweep removes the temporary work folders of a stage folder that no live process is
// writing: those of key (whose lock the caller holds) and those of other keys whose lock
// is free. Resumable work folders (.KEY.partial) are kept for their next run.
func (c *StageCache) sweep(stage, parent, key string) {
	ents, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range ents {
		m := workFolder.FindStringSubmatch(e.Name())
		if m == nil || !e.IsDir() {
			continue
		}
		if m[1] != key && !dirlock.Free(c.lockPath(stage, m[1])) {
			continue // a live run of that stage is writing it
		}
		if err := os.RemoveAll(filepath.Join(parent, e.Name())); err == nil || errors.Is(err, os.ErrNotExist) {
			c.logf("%-10s removed %s (left by an interrupted run)", stage, e.Name())
		}
	}
}

func (c *StageCache) logf(format string, args ...any) {
	if c.Log != nil {
		c.Log(format, args...)
	}
}
