package shards

import (
	"fmt"
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
	// PlanID is the shard set's plan, recorded in recipe shards (FormatRecipe).
	PlanID string
}

// Writer writes one Parquet shard under a temporary name in the target's folder and
// renames it into place on Close: a shard path either does not exist or is complete.
type Writer struct {
	*outFile
	pw       *parquet.GenericWriter[record]
	budget   int64
	buffered int64
	buf      []record
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
	sf, err := newOutFile(path)
	if err != nil {
		return nil, err
	}
	w := &Writer{outFile: sf, budget: opt.RowGroupBytes}
	if w.budget <= 0 {
		w.budget = DefaultRowGroupBytes
	}
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

// Close finishes the file, syncs it and renames it to its final path.
func (w *Writer) Close() (ShardInfo, error) { return w.finish(w.pw.Close) }
