package shards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/occbench/occbench/occluders/patterns"
)

// File and folder names inside a shard set.
const (
	LockFile    = "manifest.lock.json"
	CardFile    = "README.md"
	DataDir     = "data"
	PackDir     = "patterns"
	StateDir    = ".occbench"
	PlanFile    = ".occbench/plan.json"
	ReceiptsDir = ".occbench/shards"
	// WriterLockFile is held (internal/dirlock) by the process writing the shard set.
	WriterLockFile = ".occbench/lock"
)

// Lock is manifest.lock.json: everything that determined a shard set and what it holds.
type Lock struct {
	Tool    string `json:"tool"`
	Version string `json:"version"`
	// PlanID hashes everything that determines the shards' bytes (manifest, splits,
	// patterns, options); two outputs with the same PlanID are byte-identical.
	PlanID   string          `json:"plan_id"`
	Manifest json.RawMessage `json:"manifest"`
	Format   string          `json:"format"`
	Encode   string          `json:"encode"`
	// Codec is the JPEG codec: "go" (standard library) or "turbo" (libjpeg-turbo).
	Codec   string `json:"codec"`
	Quality int    `json:"jpeg_quality,omitempty"`
	// Occluded is true when pairs sets carry their occluded rows; Variant is the pattern
	// subset chosen for sets whose occlude is "variant".
	Occluded       bool           `json:"occluded"`
	Variant        string         `json:"variant,omitempty"`
	RowsPerShard   int            `json:"rows_per_shard"`
	Classes        []string       `json:"classes"`
	SplitsChecksum string         `json:"splits_checksum"`
	Splits         []LockSplit    `json:"splits"`
	Patterns       patterns.Table `json:"patterns"`
	// PackFiles are the pattern pack's files (patterns.json and every scaled occluder PNG)
	// with their SHA-256: Verify and the runners refuse a pack that differs (CheckPack).
	PackFiles []FileDigest `json:"pattern_files,omitempty"`
	// Complete is true when every planned shard is present with its receipt.
	Complete bool `json:"complete"`
}

// FileDigest identifies one file by its slash path, size and SHA-256.
type FileDigest struct {
	File   string `json:"file"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// LockSplit is one split of a shard set.
type LockSplit struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Checksum string `json:"checksum"` // the split's checksum from synth/splits
	// Subset is the pattern subset of the occluded rows (pairs sets with occluded rows,
	// or the pairs set named by add_occluded).
	Subset      string      `json:"subset,omitempty"`
	AddOccluded string      `json:"add_occluded,omitempty"`
	Images      int         `json:"images"`       // source images planned
	PlannedRows int         `json:"planned_rows"` // rows planned (before skipped images)
	Rows        int         `json:"rows"`         // rows written (complete shards)
	Shards      []LockShard `json:"shards"`
	// RealPairs are the split's clean/really-occluded pairs by source id (AR): runners pair
	// the split's rows with them, since nothing is synthesized.
	RealPairs []RealPair `json:"real_pairs,omitempty"`
	// ScenarioOf names the test set a scenario split was drawn from (AR: sunglasses_all of tst).
	ScenarioOf string `json:"scenario_of,omitempty"`
}

// RealPair links a clean image to a really occluded image of the same class, by source id.
type RealPair struct {
	Clean    string `json:"clean"`
	Occluded string `json:"occluded"`
}

// LockShard is one shard file; SHA256 is empty while the shard is missing.
type LockShard struct {
	ShardInfo
	PlannedRows int    `json:"planned_rows"`
	Skipped     []Skip `json:"skipped,omitempty"`
}

// Skip is a source image left out, with why.
type Skip struct {
	SourceID string `json:"source_id"`
	Reason   string `json:"reason"`
}

// Receipt is written to .occbench/shards/{file}.json when a shard is complete.
type Receipt struct {
	ShardInfo
	PlanID  string `json:"plan_id"`
	Skipped []Skip `json:"skipped,omitempty"`
}

// MarshalJSON renders v as indented JSON with a trailing newline (the format of every
// JSON file of a shard set).
func MarshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ReadLock reads dir/manifest.lock.json.
func ReadLock(dir string) (*Lock, error) {
	data, err := os.ReadFile(filepath.Join(dir, LockFile))
	if err != nil {
		return nil, err
	}
	var l Lock
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, LockFile), err)
	}
	return &l, nil
}

// ShardName is the file name of Parquet shard i of n of a split (ShardFileName for
// other formats).
func ShardName(split string, i, n int) string {
	return ShardFileName(split, i, n, FormatParquet)
}

// Incomplete says why the shard set in dir is not complete, or "" when it is (or when dir
// is not a folder bench synth wrote): lock is its manifest.lock.json, nil when it has none.
// A synth run killed before its end leaves a plan file and no lock, or a lock that says
// complete: false.
func Incomplete(dir string, lock *Lock) string {
	if lock != nil {
		if lock.Complete {
			return ""
		}
		missing, planned := 0, 0
		for _, s := range lock.Splits {
			for _, sh := range s.Shards {
				planned++
				if sh.SHA256 == "" {
					missing++
				}
			}
		}
		return fmt.Sprintf("%d of %d planned shards are missing", missing, planned)
	}
	if _, err := os.Stat(filepath.Join(dir, PlanFile)); err == nil {
		return fmt.Sprintf("no %s: the synth run writing it was interrupted", LockFile)
	}
	return ""
}
