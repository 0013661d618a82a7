package benchmarks

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// StageCache keeps each pipeline stage's output in a folder named by a hash of everything
// that determines it (DESIGN.md decision 8): a stage whose inputs did not change is not run
// again, and a failed stage leaves no folder behind.
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
// writes into a temporary folder that is renamed into place only when fn succeeds.
func (c *StageCache) Do(stage, key string, fn func(dir string) error) (string, error) {
	dir := filepath.Join(c.Root, stage, key)
	done := filepath.Join(dir, ".complete")
	if _, err := os.Stat(done); err == nil && !c.Force[stage] && !c.Force["all"] {
		c.logf("%-10s cached  %s", stage, dir)
		return dir, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", fmt.Errorf("stage %s: %w", stage, err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+key+".tmp-")
	if err != nil {
		return "", fmt.Errorf("stage %s: %w", stage, err)
	}
	c.logf("%-10s run     %s", stage, dir)
	if err := fn(tmp); err != nil {
		os.RemoveAll(tmp)
		c.logf("%-10s FAILED", stage)
		return "", fmt.Errorf("stage %s: %w", stage, err)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), []byte(key+"\n"), 0o644); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("stage %s: %w", stage, err)
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("stage %s: %w", stage, err)
	}
	return dir, nil
}

func (c *StageCache) logf(format string, args ...any) {
	if c.Log != nil {
		c.Log(format, args...)
	}
}
