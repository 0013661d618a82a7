package shards

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/occbench/occbench/internal/inputs"
	"github.com/occbench/occbench/occluders/patterns"
)

// Dataset is an open shard set folder.
type Dataset struct {
	Dir  string
	Lock *Lock // nil when the folder has no manifest.lock.json (files found by name)
	// files per split, in shard order
	files map[string][]string
	order []string
}

// Open opens a shard set folder. With a manifest.lock.json the splits and files are those
// it lists (present ones); without, every data/*.parquet is grouped by its split name.
func Open(dir string) (*Dataset, error) {
	d := &Dataset{Dir: dir, files: map[string][]string{}}
	l, err := ReadLock(dir)
	switch {
	case err == nil:
		d.Lock = l
		for _, s := range l.Splits {
			d.order = append(d.order, s.Name)
			for _, sh := range s.Shards {
				if sh.SHA256 != "" {
					d.files[s.Name] = append(d.files[s.Name], filepath.Join(dir, filepath.FromSlash(sh.File)))
				}
			}
		}
	case errors.Is(err, os.ErrNotExist):
		paths, _ := filepath.Glob(filepath.Join(dir, DataDir, "*.parquet"))
		sort.Strings(paths)
		for _, p := range paths {
			base := filepath.Base(p)
			i := strings.LastIndex(base, "-of-")
			j := -1
			if i > 0 {
				j = strings.LastIndex(base[:i], "-")
			}
			if j <= 0 {
				continue
			}
			name := base[:j]
			if _, ok := d.files[name]; !ok {
				d.order = append(d.order, name)
			}
			d.files[name] = append(d.files[name], p)
		}
		if len(d.order) == 0 {
			return nil, fmt.Errorf("%s: no %s and no data/*.parquet: not a shard set", dir, LockFile)
		}
	default:
		return nil, err
	}
	return d, nil
}

// Splits returns the split names in manifest order.
func (d *Dataset) Splits() []string { return append([]string(nil), d.order...) }

// Classes returns the ClassLabel names (label i is Classes()[i]); nil without a lock.
func (d *Dataset) Classes() []string {
	if d.Lock == nil {
		return nil
	}
	return append([]string(nil), d.Lock.Classes...)
}

// Files returns the shard paths of a split, in order.
func (d *Dataset) Files(split string) []string { return append([]string(nil), d.files[split]...) }

// Pack loads the pattern pack stored with the shard set.
func (d *Dataset) Pack() (*patterns.Pack, error) {
	return patterns.ReadPack(filepath.Join(d.Dir, PackDir))
}

// Split opens one split for iteration and random access. Close it when done.
func (d *Dataset) Split(name string) (*Split, error) {
	paths, ok := d.files[name]
	if !ok {
		return nil, fmt.Errorf("%s: no split %q (have %v)", d.Dir, name, d.order)
	}
	if d.Lock != nil && d.Lock.Format == FormatWebDataset {
		return nil, fmt.Errorf("%s: WebDataset tar shards: random access to rows (runners) covers Parquet shard sets only; bench shards verify and show read tar shards, ReadTarRows reads one", d.Dir)
	}
	s := &Split{Name: name}
	for _, p := range paths {
		sf, err := openShard(p)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.files = append(s.files, sf)
		s.starts = append(s.starts, s.n)
		s.n += sf.pf.NumRows()
	}
	return s, nil
}

// Split is the rows of one split across its shard files.
type Split struct {
	Name   string
	files  []*shardFile
	starts []int64
	n      int64
}

// guard runs fn and turns a panic of the Parquet library into an error naming the file:
// parquet-go trusts the offsets and lengths a file declares, and FuzzParquetShard found
// corrupt files that make it index out of range. A corrupt shard must give an error.
func guard(file string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: corrupt Parquet file (%v)", file, r)
		}
	}()
	return fn()
}

// openParquet opens Parquet bytes, with guard. It checks the footer length against the
// file size first: parquet-go allocates whatever length the footer declares (FuzzParquetShard
// found a 13-byte file that made it allocate 3.6 GB).
func openParquet(file string, r io.ReaderAt, size int64) (pf *parquet.File, err error) {
	var tail [8]byte
	if size < 12 {
		return nil, fmt.Errorf("%s: %d bytes: too short for a Parquet file", file, size)
	}
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if string(tail[4:]) != "PAR1" {
		return nil, fmt.Errorf("%s: not a Parquet file (no PAR1 at the end)", file)
	}
	if n := int64(binary.LittleEndian.Uint32(tail[:4])); n+12 > size {
		return nil, fmt.Errorf("%s: footer of %d bytes in a file of %d: truncated or corrupt", file, n, size)
	}
	err = guard(file, func() error {
		pf, err = parquet.OpenFile(r, size)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		return nil
	})
	return pf, err
}

type shardFile struct {
	path string
	f    *os.File
	pf   *parquet.File
	r    *parquet.GenericReader[record]
	next int64 // row the reader would return next
}

func openShard(path string) (*shardFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	pf, err := openParquet(path, f, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	return &shardFile{path: path, f: f, pf: pf}, nil
}

func (sf *shardFile) reader() *parquet.GenericReader[record] {
	if sf.r == nil {
		sf.r = parquet.NewGenericReader[record](sf.pf)
		sf.next = 0
	}
	return sf.r
}

func (sf *shardFile) close() {
	if sf.r != nil {
		sf.r.Close()
	}
	sf.f.Close()
}

// Len is the number of rows.
func (s *Split) Len() int { return int(s.n) }

// Close releases the files.
func (s *Split) Close() error {
	for _, f := range s.files {
		f.close()
	}
	s.files = nil
	return nil
}

// Row returns row i (0 <= i < Len()). Sequential calls are cheap; random access seeks.
func (s *Split) Row(i int) (row Row, err error) {
	err = guard(s.Name, func() error {
		row, err = s.row(i)
		return err
	})
	return row, err
}

func (s *Split) row(i int) (Row, error) {
	if i < 0 || int64(i) >= s.n {
		return Row{}, fmt.Errorf("split %s: row %d out of range 0..%d", s.Name, i, s.n-1)
	}
	k := sort.Search(len(s.starts), func(k int) bool { return s.starts[k] > int64(i) }) - 1
	sf := s.files[k]
	local := int64(i) - s.starts[k]
	r := sf.reader()
	if local != sf.next {
		if err := r.SeekToRow(local); err != nil {
			return Row{}, fmt.Errorf("%s: seek to row %d: %w", sf.path, local, err)
		}
	}
	buf := make([]record, 1)
	n, err := r.Read(buf)
	if n != 1 {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return Row{}, fmt.Errorf("%s: row %d: %w", sf.path, local, err)
	}
	sf.next = local + 1
	row, err := fromRecord(&buf[0])
	if err != nil {
		return Row{}, fmt.Errorf("%s: row %d: %w", sf.path, local, err)
	}
	return row, nil
}

// Each calls fn for every row in order, stopping at the first error.
func (s *Split) Each(fn func(i int, r *Row) error) error {
	i := 0
	for _, sf := range s.files {
		if err := eachInFile(sf.path, sf.pf, func(r *Row) error {
			err := fn(i, r)
			i++
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// ReadAll returns every row of the split.
func (s *Split) ReadAll() ([]Row, error) {
	out := make([]Row, 0, s.n)
	err := s.Each(func(_ int, r *Row) error { out = append(out, *r); return nil })
	return out, err
}

// eachInFile calls fn for every row of one Parquet shard, in order.
func eachInFile(path string, pf *parquet.File, fn func(r *Row) error) error {
	return guard(path, func() error { return eachRecord(path, pf, fn) })
}

func eachRecord(path string, pf *parquet.File, fn func(r *Row) error) error {
	r := parquet.NewGenericReader[record](pf)
	defer r.Close()
	buf := make([]record, 64)
	var row int64
	for {
		n, err := r.Read(buf)
		for i := 0; i < n; i++ {
			rw, ferr := fromRecord(&buf[i])
			if ferr != nil {
				return fmt.Errorf("%s: row %d: %w", path, row, ferr)
			}
			if ferr := fn(&rw); ferr != nil {
				return ferr
			}
			row++
			buf[i] = record{}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: row %d: %w", path, row, err)
		}
	}
}

// ReadFile reads every row of one shard file, plus its key-value metadata.
func ReadFile(path string) ([]Row, map[string]string, error) {
	sf, err := openShard(path)
	if err != nil {
		return nil, nil, err
	}
	defer sf.close()
	meta := map[string]string{}
	for _, kv := range sf.pf.Metadata().KeyValueMetadata {
		meta[kv.Key] = kv.Value
	}
	var rows []Row
	err = eachInFile(path, sf.pf, func(r *Row) error { rows = append(rows, *r); return nil })
	return rows, meta, err
}

// Decode decodes the row's image.
func (r *Row) Decode() (*image.NRGBA, error) { return DecodeImage(r.Image) }

// DecodeImage decodes PNG or JPEG bytes to an *image.NRGBA with origin (0, 0). The header
// is checked first (internal/inputs: at most inputs.MaxPixels pixels), like every image
// occbench reads.
func DecodeImage(b []byte) (*image.NRGBA, error) {
	if !bytes.HasPrefix(b, []byte("\x89PNG")) && !bytes.HasPrefix(b, []byte{0xff, 0xd8}) {
		return nil, fmt.Errorf("image bytes are neither PNG nor JPEG")
	}
	img, _, err := inputs.DecodeImage(b, 0, "png", "jpeg")
	if err != nil {
		return nil, err
	}
	if n, ok := img.(*image.NRGBA); ok && n.Rect.Min == (image.Point{}) {
		return n, nil
	}
	bd := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, bd.Dx(), bd.Dy()))
	draw.Draw(out, out.Rect, img, bd.Min, draw.Src)
	return out, nil
}
