package shards

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/parquet-go/parquet-go"
)

// Fault is one problem Verify found.
type Fault struct {
	File string `json:"file,omitempty"`
	Msg  string `json:"msg"`
}

func (f Fault) String() string {
	if f.File == "" {
		return f.Msg
	}
	return f.File + ": " + f.Msg
}

// VerifyReport is the outcome of Verify.
type VerifyReport struct {
	Dir    string  `json:"dir"`
	Shards int     `json:"shards"`
	Rows   int     `json:"rows"`
	Images int     `json:"images_decoded"`
	Faults []Fault `json:"faults"`
}

// OK reports whether no fault was found.
func (r *VerifyReport) OK() bool { return len(r.Faults) == 0 }

// CheckSchema compares a Parquet schema with the one Create writes.
func CheckSchema(s *parquet.Schema) error {
	want := parquet.SchemaOf(record{})
	if s.String() != want.String() {
		return fmt.Errorf("schema differs:\n got  %s\n want %s", s, want)
	}
	return nil
}

// Verify checks a shard set: the lock, the pattern pack against the lock (PackFaults: its
// table row by row, every file's SHA-256), every shard's SHA-256, size and row count, the
// schema and `huggingface` metadata (Parquet; for WebDataset tars, that every sample has
// its image, .cls and .json members in order and that they agree), that every image decodes at the lock's image size,
// that labels and class names agree, that split names match and that every pattern id
// exists in the pattern pack. It returns an error only when the folder cannot be read at
// all; problems are faults in the report.
func Verify(dir string) (*VerifyReport, error) {
	rep := &VerifyReport{Dir: dir}
	fault := func(file, format string, args ...any) {
		rep.Faults = append(rep.Faults, Fault{File: file, Msg: fmt.Sprintf(format, args...)})
	}
	lock, err := ReadLock(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	d := &Dataset{Dir: dir, Lock: lock}
	pack, err := d.Pack()
	if err != nil {
		fault(PackDir, "%v", err)
	}
	ids := map[int]bool{}
	for _, p := range lock.Patterns.Patterns {
		ids[p.ID] = true
	}
	if pack != nil && len(pack.Patterns) != len(lock.Patterns.Patterns) {
		fault(PackDir, "pack has %d patterns, the lock %d", len(pack.Patterns), len(lock.Patterns.Patterns))
	}
	rep.Faults = append(rep.Faults, PackFaults(filepath.Join(dir, PackDir), lock, true)...)
	wantMeta := HFFeatures(lock.Classes)
	listed := map[string]bool{}
	if !lock.Complete {
		fault(LockFile, "incomplete: not every planned shard was written (run bench synth again with --resume)")
	}
	for _, s := range lock.Splits {
		total := 0
		for _, sh := range s.Shards {
			listed[filepath.Base(sh.File)] = true
			if sh.SHA256 == "" {
				fault(sh.File, "missing (planned, never completed)")
				continue
			}
			rep.Shards++
			p := filepath.Join(dir, filepath.FromSlash(sh.File))
			n, err := verifyShard(p, sh, s.Name, lock, wantMeta, ids, fault)
			if err != nil {
				fault(sh.File, "%v", err)
				continue
			}
			rep.Rows += n
			if lock.Format != FormatRecipe {
				rep.Images += n
			}
			total += n
		}
		if total != s.Rows {
			fault(LockFile, "split %s: lock says %d rows, shards hold %d", s.Name, s.Rows, total)
		}
	}
	paths, _ := filepath.Glob(filepath.Join(dir, DataDir, "*"))
	for _, p := range paths {
		if !listed[filepath.Base(p)] {
			fault(DataDir+"/"+filepath.Base(p), "not listed in %s (a leftover temporary file or another plan's shard)", LockFile)
		}
	}
	return rep, nil
}

func verifyShard(path string, sh LockShard, split string, lock *Lock, wantMeta string, ids map[int]bool, fault func(string, string, ...any)) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return 0, err
	}
	if size != sh.Bytes {
		fault(sh.File, "size %d, the lock says %d", size, sh.Bytes)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sh.SHA256 {
		fault(sh.File, "SHA-256 %s, the lock says %s", got, sh.SHA256)
	}
	if lock.Format == FormatWebDataset {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return 0, err
		}
		rows, err := ReadTarRows(bufio.NewReaderSize(f, 1<<20))
		if err != nil {
			fault(sh.File, "%v", err)
		}
		for i := range rows {
			checkRow(sh.File, i, &rows[i], split, lock, ids, fault)
		}
		if err == nil && len(rows) != sh.Rows {
			fault(sh.File, "%d samples, the lock says %d", len(rows), sh.Rows)
		}
		return len(rows), nil
	}
	if lock.Format == FormatRecipe {
		return verifyRecipe(path, sh, split, lock, ids, fault)
	}
	pf, err := openParquet(sh.File, f, size)
	if err != nil {
		return 0, err
	}
	if err := CheckSchema(pf.Schema()); err != nil {
		fault(sh.File, "%v", err)
	}
	meta, ok := pf.Lookup(HFMetadataKey)
	if !ok {
		fault(sh.File, "no %q key-value metadata", HFMetadataKey)
	} else if meta != wantMeta {
		fault(sh.File, "%q metadata differs from the features of the lock's classes", HFMetadataKey)
	}
	if int(pf.NumRows()) != sh.Rows {
		fault(sh.File, "%d rows, the lock says %d", pf.NumRows(), sh.Rows)
	}
	n := 0
	err = eachInFile(sh.File, pf, func(r *Row) error {
		checkRow(sh.File, n, r, split, lock, ids, fault)
		n++
		return nil
	})
	return n, err
}

// verifyRecipe checks a recipe shard's schema, metadata and rows (there are no images).
func verifyRecipe(path string, sh LockShard, split string, lock *Lock, ids map[int]bool, fault func(string, string, ...any)) (int, error) {
	rows, meta, err := ReadRecipe(path)
	if err != nil {
		return 0, err
	}
	if meta.PlanID != lock.PlanID {
		fault(sh.File, "recipe of plan %s, the lock's plan is %s", meta.PlanID, lock.PlanID)
	}
	if want := DataDir + "/" + RendersTo(filepath.Base(sh.File)); meta.RendersTo != want {
		fault(sh.File, "renders to %s, want %s", meta.RendersTo, want)
	}
	if len(rows) != sh.Rows {
		fault(sh.File, "%d rows, the lock says %d", len(rows), sh.Rows)
	}
	for i := range rows {
		checkRow(sh.File, i, &rows[i], split, lock, ids, fault)
	}
	return len(rows), nil
}

// checkRow checks one row's image (unless it has none: recipe rows) and metadata against
// the lock and the pattern pack.
func checkRow(file string, n int, r *Row, split string, lock *Lock, ids map[int]bool, fault func(string, string, ...any)) {
	where := fmt.Sprintf("row %d", n)
	size2 := lock.Patterns.ImageSize
	if lock.Format != FormatRecipe {
		img, err := r.Decode()
		if err != nil {
			fault(file, "%s: image does not decode: %v", where, err)
		} else if size2 > 0 && (img.Rect.Dx() != size2 || img.Rect.Dy() != size2) {
			fault(file, "%s: image is %dx%d, want %dx%d", where, img.Rect.Dx(), img.Rect.Dy(), size2, size2)
		}
	}
	if r.Label < 0 || r.Label >= len(lock.Classes) {
		fault(file, "%s: label %d out of range", where, r.Label)
	} else if lock.Classes[r.Label] != r.ClassName {
		fault(file, "%s: label %d is %q, class_name says %q", where, r.Label, lock.Classes[r.Label], r.ClassName)
	}
	if r.Split != split {
		fault(file, "%s: split %q in split %s", where, r.Split, split)
	}
	if r.PatternID >= 0 && !ids[r.PatternID] {
		fault(file, "%s: pattern %d is not in the pattern pack", where, r.PatternID)
	}
	if r.PatternID < -1 {
		fault(file, "%s: pattern id %d", where, r.PatternID)
	}
}

// Counts are the row counts of a shard set per split, pattern and class.
type Counts struct {
	Dir    string       `json:"dir"`
	PlanID string       `json:"plan_id,omitempty"`
	Splits []SplitCount `json:"splits"`
}

// SplitCount counts one split.
type SplitCount struct {
	Name       string         `json:"name"`
	Rows       int            `json:"rows"`
	Clean      int            `json:"clean"`
	Occluded   int            `json:"occluded"`
	Images     int            `json:"images"` // distinct pair ids
	Shards     int            `json:"shards"`
	PerPattern map[int]int    `json:"per_pattern,omitempty"`
	PerClass   map[string]int `json:"per_class"`
}

// Count reads the metadata of every row (not the images' pixels) and counts them.
func (d *Dataset) Count() (*Counts, error) {
	c := &Counts{Dir: d.Dir}
	if d.Lock != nil {
		c.PlanID = d.Lock.PlanID
	}
	for _, name := range d.order {
		sc := SplitCount{Name: name, Shards: len(d.files[name]), PerPattern: map[int]int{}, PerClass: map[string]int{}}
		pairs := map[int]bool{}
		count := func(_ int, r *Row) error {
			sc.Rows++
			if r.Clean() {
				sc.Clean++
			} else {
				sc.Occluded++
				sc.PerPattern[r.PatternID]++
			}
			sc.PerClass[r.ClassName]++
			pairs[r.PairID] = true
			return nil
		}
		if err := d.eachRow(name, count); err != nil {
			return nil, err
		}
		sc.Images = len(pairs)
		if len(sc.PerPattern) == 0 {
			sc.PerPattern = nil
		}
		c.Splits = append(c.Splits, sc)
	}
	return c, nil
}

// eachRow calls fn for every row of a split: through Split for Parquet, reading each tar
// or recipe shard whole (one shard in memory at a time) otherwise.
func (d *Dataset) eachRow(name string, fn func(i int, r *Row) error) error {
	if d.Lock == nil || d.Lock.Format == FormatParquet || d.Lock.Format == "" {
		s, err := d.Split(name)
		if err != nil {
			return err
		}
		defer s.Close()
		return s.Each(fn)
	}
	i := 0
	for _, p := range d.files[name] {
		rows, err := d.readWhole(p)
		if err != nil {
			return err
		}
		for k := range rows {
			if err := fn(i, &rows[k]); err != nil {
				return err
			}
			i++
		}
	}
	return nil
}

// readWhole reads every row of one tar or recipe shard.
func (d *Dataset) readWhole(p string) ([]Row, error) {
	if d.Lock.Format == FormatRecipe {
		rows, _, err := ReadRecipe(p)
		return rows, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := ReadTarRows(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return rows, nil
}

// SortedKeys returns the keys of a count map in order.
func SortedKeys[K int | string](m map[K]int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool { return keys[a] < keys[b] })
	return keys
}
