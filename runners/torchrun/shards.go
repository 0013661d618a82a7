package torchrun

import (
	"encoding/json"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/occbench/occbench/internal/atomicfile"
	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/runners/sharddata"
	"github.com/occbench/occbench/synth/shards"
)

// CacheFromShards writes the tensor cache of spec's splits (train, test, iop) from the
// shard set at spec.Shards, read with synth/shards (no pyarrow needed on the Python side).
// Rows are decoded in parallel and written in shard order. The test split keeps its clean
// rows; a pairs split keeps its clean rows plus the pattern ids of its subset
// (manifest.lock.json), as synth plans them.
func CacheFromShards(dir string, spec *runners.RunSpec) error {
	ds, err := shards.Open(spec.Shards)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	s := spec.Network.InputSize
	meta := cacheMeta{Version: CacheVersion, InputSize: s, Splits: map[string]cacheSplit{}}
	testSet := spec.TestSet
	if testSet == "" {
		testSet = "tst"
	}
	type want struct {
		name      string
		cleanOnly bool
		pairs     bool
	}
	wants := []want{{testSet, true, false}}
	for _, name := range spec.Eval.Sets {
		wants = append(wants, want{name, true, false})
	}
	if spec.Epochs > 0 {
		wants = append(wants, want{spec.TrainSet, false, false})
		if spec.Method == runners.MethodDFV {
			wants = append(wants, want{spec.IopSet, true, true})
		}
	}
	for _, w := range wants {
		if _, done := meta.Splits[w.name]; done {
			continue
		}
		if w.pairs {
			if real := sharddata.RealPairsOf(ds, w.name); real != nil {
				// Real pairs (AR): both images of every pair, aligned, as WriteCache stores them.
				pairs, err := sharddata.RealPairs(ds, w.name, real, s)
				if err != nil {
					return err
				}
				if meta.Splits[w.name], err = putPairs(dir, w.name, s, pairs); err != nil {
					return err
				}
				continue
			}
		}
		cs := cacheSplit{Images: fileName(w.name) + ".images.npy", Labels: fileName(w.name) + ".labels.npy"}
		labels, err := splitToNpy(ds, w.name, w.cleanOnly, filepath.Join(dir, cs.Images), s)
		if err != nil {
			return fmt.Errorf("tensor cache from %s: %w", spec.Shards, err)
		}
		cs.Count = len(labels)
		if err := writeLabels(filepath.Join(dir, cs.Labels), labels); err != nil {
			return err
		}
		switch {
		case w.pairs && len(spec.IopPatterns) > 0:
			cs.Patterns = spec.IopPatterns
		case w.pairs:
			if ds.Lock == nil {
				return fmt.Errorf("tensor cache from %s: split %s: no %s, so the Iop pattern subset is unknown", spec.Shards, w.name, shards.LockFile)
			}
			if cs.Patterns, err = ds.Lock.SplitPatterns(w.name); err != nil {
				return fmt.Errorf("tensor cache from %s: %w", spec.Shards, err)
			}
		}
		meta.Splits[w.name] = cs
	}
	data, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, "cache.json"), append(data, '\n'))
}

// splitToNpy streams one split's rows into a .npy, decoding batches of rows in parallel.
func splitToNpy(ds *shards.Dataset, name string, cleanOnly bool, path string, s int) ([]int64, error) {
	sp, err := ds.Split(name)
	if err != nil {
		return nil, err
	}
	defer sp.Close()
	w, err := newImageWriter(path, s)
	if err != nil {
		return nil, err
	}
	var labels []int64
	workers := runtime.GOMAXPROCS(0)
	batch := make([]shards.Row, 0, 256)
	imgs := make([]*image.NRGBA, 256)
	errs := make([]error, 256)
	flush := func() error {
		var wg sync.WaitGroup
		next := make(chan int)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					imgs[i], errs[i] = batch[i].Decode()
				}
			}()
		}
		for i := range batch {
			next <- i
		}
		close(next)
		wg.Wait()
		for i := range batch {
			if errs[i] != nil {
				return fmt.Errorf("split %s: %s: %w", name, batch[i].Path, errs[i])
			}
			if err := w.add(imgs[i]); err != nil {
				return fmt.Errorf("split %s: %s: %w", name, batch[i].Path, err)
			}
			labels = append(labels, int64(batch[i].Label))
			imgs[i] = nil
		}
		batch = batch[:0]
		return nil
	}
	err = sp.Each(func(_ int, r *shards.Row) error {
		if cleanOnly && !r.Clean() {
			return nil
		}
		batch = append(batch, *r)
		if len(batch) == cap(batch) {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err == nil && len(labels) == 0 {
		err = fmt.Errorf("split %s has no rows", name)
	}
	if err != nil {
		w.abort()
		return nil, err
	}
	return labels, w.close()
}
