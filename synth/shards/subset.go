package shards

import (
	"encoding/json"
	"fmt"

	"github.com/occbench/occbench/manifests"
)

// SplitPatterns returns the ids of the patterns a split's occluded rows use: the pattern
// subset the lock records for the split, selected from the lock's pattern table with the
// manifest the lock holds (patterns.Table.SubsetIDs, the rule synth planned with). A split
// that records no subset was not occluded at synth time and may be occluded with every
// pattern.
func (l *Lock) SplitPatterns(split string) ([]int, error) {
	var sp *LockSplit
	for i := range l.Splits {
		if l.Splits[i].Name == split {
			sp = &l.Splits[i]
		}
	}
	if sp == nil {
		return nil, fmt.Errorf("%s: no split %q", LockFile, split)
	}
	if sp.Subset == "" {
		if len(l.Patterns.Patterns) == 0 {
			return nil, fmt.Errorf("%s: split %s: the pattern table is empty", LockFile, split)
		}
		ids := make([]int, len(l.Patterns.Patterns))
		for i, p := range l.Patterns.Patterns {
			ids[i] = p.ID
		}
		return ids, nil
	}
	var m manifests.Manifest
	if err := json.Unmarshal(l.Manifest, &m); err != nil {
		return nil, fmt.Errorf("%s: manifest: %w", LockFile, err)
	}
	ids, err := l.Patterns.SubsetIDs(&m, sp.Subset)
	if err != nil {
		return nil, fmt.Errorf("%s: split %s: %w", LockFile, split, err)
	}
	return ids, nil
}
