package benchmarks

import (
	"fmt"

	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/reports"
	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/synth/shards"
)

// gallery makes the report's example images: the first clean test image of the split, under
// every test pattern (ids; nil = every pattern of the pack), one thumbnail each, composited
// exactly as the runners composite at evaluation (runners.Occlude).
func gallery(shardDir, split string, pack *patterns.Pack, ids []int) ([]reports.Thumb, error) {
	ds, err := shards.Open(shardDir)
	if err != nil {
		return nil, fmt.Errorf("gallery: %w", err)
	}
	sp, err := ds.Split(split)
	if err != nil {
		return nil, fmt.Errorf("gallery: %w", err)
	}
	defer sp.Close()
	for i := 0; i < sp.Len(); i++ {
		row, err := sp.Row(i)
		if err != nil {
			return nil, fmt.Errorf("gallery: split %s: %w", split, err)
		}
		if !row.Clean() {
			continue
		}
		img, err := row.Decode()
		if err != nil {
			return nil, fmt.Errorf("gallery: split %s row %d (%s): %w", split, i, row.SourceID, err)
		}
		keep := map[int]bool{}
		for _, id := range ids {
			keep[id] = true
		}
		var out []reports.Thumb
		for _, p := range pack.Patterns {
			if ids != nil && !keep[p.ID] {
				continue
			}
			occ, err := runners.Occlude(img, pack, p)
			if err != nil {
				return nil, fmt.Errorf("gallery: %w", err)
			}
			t, err := reports.Thumbnail(occ, p.Name)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
		return out, nil
	}
	return nil, fmt.Errorf("gallery: split %s has no clean row", split)
}
