package shards

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"

	"github.com/parquet-go/parquet-go"
)

// DefaultRowGroupBytes is the image-byte budget after which a row group is flushed.
const DefaultRowGroupBytes = 64 << 20

// WriterOptions tune Create.
type WriterOptions struct {
	// Classes are the ClassLabel names of the label column (the source's classes).
	Classes []string
	// RowGroupBytes flushes a row group once this many image bytes are buffered
	// (0: DefaultRowGroupBytes), so memory stays bounded whatever the shard size.
	RowGroupBytes int64
}

// Writer writes one Parquet shard under a temporary name in the target's folder and
// renames it into place on Close: a shard path either does not exist or is complete.
type Writer struct {
	path, tmp string
	f         *os.File
	bw        *bufio.Writer
	sum       hash.Hash
	cw        *countWriter
	pw        *parquet.GenericWriter[record]
	budget    int64
	buffered  int64
	rows      int
	buf       []record
	done      bool
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ShardInfo describes a completed shard file.
type ShardInfo struct {
	File   string `json:"file"` // slash path relative to the shard set folder (data/...)
	Rows   int    `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// TempPattern is the glob of the temporary files Create leaves behind when a process dies
// while writing path.
func TempPattern(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
}

// Create starts a shard that Close will publish at path.
func Create(path string, opt WriterOptions) (*Writer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("shard %s: %w", path, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("shard %s: %w", path, err)
	}
	w := &Writer{path: path, tmp: f.Name(), f: f, sum: sha256.New(), budget: opt.RowGroupBytes}
	if w.budget <= 0 {
		w.budget = DefaultRowGroupBytes
	}
	w.bw = bufio.NewWriterSize(io.MultiWriter(f, w.sum), 1<<20)
	w.cw = &countWriter{w: w.bw}
	w.pw = parquet.NewGenericWriter[record](w.cw,
		parquet.KeyValueMetadata(HFMetadataKey, HFFeatures(opt.Classes)),
		parquet.Compression(&parquet.Snappy),
		parquet.CreatedBy("occbench", "", ""),
		parquet.SkipPageBounds("image", "bytes"),
		parquet.PageBufferSize(1<<20),
	)
	return w, nil
}

// Write appends rows to the shard.
func (w *Writer) Write(rows ...Row) error {
	if w.done {
		return fmt.Errorf("shard %s: write after close", w.path)
	}
	w.buf = w.buf[:0]
	for i := range rows {
		w.buf = append(w.buf, toRecord(&rows[i]))
	}
	if _, err := w.pw.Write(w.buf); err != nil {
		return w.fail(err)
	}
	w.rows += len(rows)
	for i := range rows {
		w.buffered += int64(len(rows[i].Image))
	}
	if w.buffered >= w.budget {
		if err := w.pw.Flush(); err != nil {
			return w.fail(err)
		}
		w.buffered = 0
	}
	return nil
}

func (w *Writer) fail(err error) error {
	w.Abort()
	return fmt.Errorf("shard %s: %w (partial file removed)", w.path, err)
}

// Abort removes the temporary file; the target path is left as it was.
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.f.Close()
	os.Remove(w.tmp)
}

// Close finishes the file, syncs it and renames it to its final path.
func (w *Writer) Close() (ShardInfo, error) {
	if w.done {
		return ShardInfo{}, fmt.Errorf("shard %s: already closed", w.path)
	}
	if err := w.pw.Close(); err != nil {
		return ShardInfo{}, w.fail(err)
	}
	if err := w.bw.Flush(); err != nil {
		return ShardInfo{}, w.fail(err)
	}
	if err := w.f.Sync(); err != nil {
		return ShardInfo{}, w.fail(err)
	}
	if err := w.f.Chmod(0o644); err != nil {
		return ShardInfo{}, w.fail(err)
	}
	if err := w.f.Close(); err != nil {
		w.done = true
		os.Remove(w.tmp)
		return ShardInfo{}, fmt.Errorf("shard %s: %w (partial file removed)", w.path, err)
	}
	w.done = true
	if err := os.Rename(w.tmp, w.path); err != nil {
		os.Remove(w.tmp)
		return ShardInfo{}, fmt.Errorf("shard %s: %w", w.path, err)
	}
	return ShardInfo{File: filepath.Base(w.path), Rows: w.rows, Bytes: w.cw.n, SHA256: hex.EncodeToString(w.sum.Sum(nil))}, nil
}
