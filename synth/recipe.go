package synth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/occbench/occbench/internal/atomicfile"
	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/synth/shards"
	"github.com/occbench/occbench/synth/sources"
)

// RenderOptions configure RenderRecipe.
type RenderOptions struct {
	Shard string // a recipe shard: SET/data/{split}-{i}-of-{n}.recipe.parquet
	Rows  string // rows to render, as ParseRows reads them; "" renders every row
	Out   string // output folder
	Root  string // dataset folder (as bench synth --root)
	// Files writes one image file per row (OUT/{image path}) and OUT/metadata.jsonl (a
	// Hugging Face imagefolder) instead of one Parquet file.
	Files    bool
	Workers  int
	Progress func(done, total int)
}

// RenderSummary is what RenderRecipe wrote.
type RenderSummary struct {
	Shard      string        `json:"shard"`
	Rows       int           `json:"rows"`
	Images     int           `json:"images"` // source images decoded
	Output     string        `json:"output"` // the Parquet file, or the folder with Files
	Bytes      int64         `json:"bytes"`
	SHA256     string        `json:"sha256,omitempty"` // of the Parquet file
	Elapsed    time.Duration `json:"elapsed_ns"`
	RowsPerSec float64       `json:"rows_per_sec"`
}

// ParseRows parses a row selection: comma-separated indices and half-open ranges
// "lo:hi" ("lo:" runs to the end), e.g. "0:100,250,300:". The result is ascending and
// distinct; every index must be below n. "" and "all" return nil (every row).
func ParseRows(spec string, n int) ([]int, error) {
	if strings.TrimSpace(spec) == "" || spec == "all" {
		return nil, nil
	}
	seen := make([]bool, n)
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		lo, hi := 0, 0
		var err error
		if a, b, isRange := strings.Cut(part, ":"); isRange {
			if lo, err = strconv.Atoi(a); err != nil || lo < 0 {
				return nil, fmt.Errorf("rows %q: %q: want lo:hi with 0 <= lo", spec, part)
			}
			hi = n
			if b != "" {
				if hi, err = strconv.Atoi(b); err != nil || hi < lo {
					return nil, fmt.Errorf("rows %q: %q: want lo:hi with lo <= hi", spec, part)
				}
			}
		} else {
			if lo, err = strconv.Atoi(part); err != nil || lo < 0 {
				return nil, fmt.Errorf("rows %q: %q is not a row index", spec, part)
			}
			hi = lo + 1
		}
		if hi > n {
			return nil, fmt.Errorf("rows %q: %q: the shard has %d rows (0..%d)", spec, part, n, n-1)
		}
		for i := lo; i < hi; i++ {
			seen[i] = true
		}
	}
	var rows []int
	for i, ok := range seen {
		if ok {
			rows = append(rows, i)
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("rows %q selects no row", spec)
	}
	return rows, nil
}

// RenderRecipe renders rows of a recipe shard into the exact bytes a Parquet synth of the
// same manifest and options writes: every row gives a file identical to the Parquet shard
// the recipe names (RecipeMeta.RendersTo); a selection gives those rows, each image
// byte-identical to its row in that shard. It reads the recipe's shard set (the lock's
// resolved manifest, its pattern pack) and the dataset under opt.Root.
//
// A recipe is written without decoding any image, so a source image that does not decode
// is only found here: it fails the render, naming the image (a materialized synth would
// have skipped it, and its shard would hold fewer rows).
func RenderRecipe(ctx context.Context, opt RenderOptions) (*RenderSummary, error) {
	start := time.Now()
	all, meta, err := shards.ReadRecipe(opt.Shard)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(opt.Shard)
	if err != nil {
		return nil, err
	}
	setDir := filepath.Dir(filepath.Dir(abs))
	lock, err := shards.ReadLock(setDir)
	if err != nil {
		return nil, fmt.Errorf("recipe %s: its shard set %s: %w", opt.Shard, setDir, err)
	}
	if lock.Format != shards.FormatRecipe || lock.PlanID != meta.PlanID {
		return nil, fmt.Errorf("recipe %s: plan %s, but %s is plan %s (format %s)", opt.Shard, meta.PlanID,
			filepath.Join(setDir, shards.LockFile), lock.PlanID, lock.Format)
	}
	m, err := manifests.FromJSON(filepath.Join(setDir, shards.LockFile), lock.Manifest)
	if err != nil {
		return nil, err
	}
	if err := shards.CheckPack(filepath.Join(setDir, shards.PackDir), lock); err != nil {
		return nil, fmt.Errorf("recipe %s: %w", opt.Shard, err)
	}
	pack, err := patterns.ReadPack(filepath.Join(setDir, shards.PackDir))
	if err != nil {
		return nil, fmt.Errorf("recipe %s: %w", opt.Shard, err)
	}
	src, err := OpenSource(m, opt.Root)
	if err != nil {
		return nil, err
	}
	sel, err := ParseRows(opt.Rows, len(all))
	if err != nil {
		return nil, fmt.Errorf("recipe %s: %w", opt.Shard, err)
	}
	if sel == nil {
		sel = make([]int, len(all))
		for i := range sel {
			sel[i] = i
		}
	}
	rows := make([]shards.Row, len(sel))
	for k, i := range sel {
		rows[k] = all[i]
	}
	jobs, err := recipeJobs(opt.Shard, rows, src.Items(), len(lock.Classes))
	if err != nil {
		return nil, err
	}
	if opt.Workers < 0 {
		return nil, fmt.Errorf("workers %d: must be positive (0: one per CPU)", opt.Workers)
	}
	if opt.Workers == 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	sum := &RenderSummary{Shard: opt.Shard, Rows: len(rows), Images: len(jobs)}
	sink, err := newRenderSink(opt, meta, len(sel) == len(all), lock.Classes)
	if err != nil {
		return nil, err
	}
	newRenderer := func() (*Renderer, error) {
		return NewRenderer(m, pack, src, lock.Classes, []string{""}, lock.Encode, lock.Codec)
	}
	render := func(r *Renderer, j *Job) ([]shards.Row, error) { return r.Render(j) }
	done := 0
	first := 0 // index in rows of the current job's first row
	err = renderInOrder(ctx, opt.Workers, newRenderer, render, jobs, func(i int, got []shards.Row, rerr error) error {
		if rerr != nil {
			return fmt.Errorf("recipe %s: %w", opt.Shard, rerr)
		}
		want := rows[first : first+len(got)]
		first += len(got)
		for k := range got {
			w := want[k]
			if got[k].PatternID != w.PatternID || got[k].X != w.X || got[k].Y != w.Y || got[k].Occluder != w.Occluder {
				return fmt.Errorf("recipe %s: row %s: pattern %d at (%d,%d) in the recipe, %d at (%d,%d) in the pack %s: the pack does not belong to this recipe",
					opt.Shard, w.Path, w.PatternID, w.X, w.Y, got[k].PatternID, got[k].X, got[k].Y, filepath.Join(setDir, shards.PackDir))
			}
			w.Image = got[k].Image
			got[k] = w
		}
		if err := sink.write(got); err != nil {
			return err
		}
		done += len(got)
		if opt.Progress != nil {
			opt.Progress(done, len(rows))
		}
		return nil
	})
	if err != nil {
		sink.abort()
		return nil, err
	}
	if err := sink.close(sum); err != nil {
		return nil, err
	}
	sum.Elapsed = time.Since(start)
	if s := sum.Elapsed.Seconds(); s > 0 {
		sum.RowsPerSec = float64(sum.Rows) / s
	}
	return sum, nil
}

// recipeJobs groups recipe rows into jobs: a run of rows of the same source image and
// pair id is one decode. The rows keep the recipe's order (clean row first, then its
// patterns), which is the order Renderer.Render produces.
func recipeJobs(file string, rows []shards.Row, items []sources.Item, classes int) ([]*Job, error) {
	byID := make(map[string]int, len(items))
	for i, it := range items {
		byID[it.ID] = i
	}
	var jobs []*Job
	for k := range rows {
		r := &rows[k]
		if r.Label < 0 || r.Label >= classes {
			return nil, fmt.Errorf("recipe %s: row %s: label %d out of range", file, r.Path, r.Label)
		}
		var j *Job
		if n := len(jobs); n > 0 && jobs[n-1].PairID == r.PairID && jobs[n-1].Item.ID == r.SourceID {
			j = jobs[n-1]
		} else {
			it, ok := byID[r.SourceID]
			if !ok {
				return nil, fmt.Errorf("recipe %s: row %s: source image %q is not in the dataset (wrong --root?)", file, r.Path, r.SourceID)
			}
			j = &Job{Item: items[it], Label: r.Label, PairID: r.PairID}
			jobs = append(jobs, j)
		}
		if r.Clean() {
			if j.Clean || len(j.Patterns) > 0 {
				return nil, fmt.Errorf("recipe %s: row %s: a clean row after other rows of the same image", file, r.Path)
			}
			j.Clean = true
		} else {
			j.Patterns = append(j.Patterns, r.PatternID)
		}
	}
	return jobs, nil
}

// renderSink is where RenderRecipe's rows go: one Parquet file, or image files plus
// metadata.jsonl.
type renderSink struct {
	files bool
	out   string
	pq    *shards.Writer
	meta  bytes.Buffer
	bytes int64
}

func newRenderSink(opt RenderOptions, meta *shards.RecipeMeta, every bool, classes []string) (*renderSink, error) {
	s := &renderSink{files: opt.Files, out: opt.Out}
	if opt.Files {
		return s, os.MkdirAll(opt.Out, 0o755)
	}
	name := filepath.Base(meta.RendersTo)
	if !every {
		name = strings.TrimSuffix(name, ".parquet") + ".rows.parquet"
	}
	s.out = filepath.Join(opt.Out, name)
	w, err := shards.Create(s.out, shards.WriterOptions{Classes: classes})
	if err != nil {
		return nil, err
	}
	s.pq = w
	return s, nil
}

// imageMeta is one line of metadata.jsonl: the imagefolder file name and Row's columns.
type imageMeta struct {
	FileName string `json:"file_name"`
	shards.WDSMeta
}

func (s *renderSink) write(rows []shards.Row) error {
	if !s.files {
		return s.pq.Write(rows...)
	}
	enc := json.NewEncoder(&s.meta)
	enc.SetEscapeHTML(false)
	for i := range rows {
		r := &rows[i]
		if strings.Contains(r.Path, "..") || filepath.IsAbs(r.Path) {
			return fmt.Errorf("row path %q leaves the output folder", r.Path)
		}
		if err := atomicfile.Write(filepath.Join(s.out, filepath.FromSlash(r.Path)), r.Image); err != nil {
			return err
		}
		s.bytes += int64(len(r.Image))
		if err := enc.Encode(imageMeta{FileName: r.Path, WDSMeta: shards.MetaOf(r)}); err != nil {
			return err
		}
	}
	return nil
}

func (s *renderSink) abort() {
	if s.pq != nil {
		s.pq.Abort()
	}
}

func (s *renderSink) close(sum *RenderSummary) error {
	sum.Output = s.out
	if s.files {
		sum.Bytes = s.bytes
		return atomicfile.Write(filepath.Join(s.out, "metadata.jsonl"), s.meta.Bytes())
	}
	info, err := s.pq.Close()
	if err != nil {
		return err
	}
	sum.Bytes, sum.SHA256 = info.Bytes, info.SHA256
	return nil
}
