package shards

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"
)

// Shard formats.
const (
	FormatParquet    = "parquet"
	FormatWebDataset = "webdataset"
)

// FormatExt returns the shard file extension (without the dot) of a format.
func FormatExt(format string) string {
	switch format {
	case FormatWebDataset:
		return "tar"
	case FormatRecipe:
		return "recipe.parquet"
	}
	return "parquet"
}

// ShardFileName is the file name of shard i of n of a split in the given format.
func ShardFileName(split string, i, n int, format string) string {
	return fmt.Sprintf("%s-%05d-of-%05d.%s", split, i, n, FormatExt(format))
}

// ShardWriter is a shard being written: Parquet (Create), WebDataset tar (CreateTar) or
// recipe (CreateRecipe).
// Close publishes the complete file atomically; Abort removes the partial one.
type ShardWriter interface {
	Write(rows ...Row) error
	Abort()
	Close() (ShardInfo, error)
}

// CreateFormat starts a shard of the given format ("" is parquet).
func CreateFormat(format, path string, opt WriterOptions) (ShardWriter, error) {
	switch format {
	case "", FormatParquet:
		return Create(path, opt)
	case FormatWebDataset:
		return CreateTar(path)
	case FormatRecipe:
		return CreateRecipe(path, opt.PlanID)
	}
	return nil, fmt.Errorf("shard %s: unknown format %q", path, format)
}

// WDSMeta is the {key}.json member of a WebDataset sample: the row's metadata columns.
type WDSMeta struct {
	Label     int     `json:"label"`
	ClassName string  `json:"class_name"`
	SourceID  string  `json:"source_id"`
	Split     string  `json:"split"`
	PatternID int     `json:"pattern_id"`
	Occluder  string  `json:"occluder"`
	Ratio     float64 `json:"ratio"`
	X         int     `json:"x"`
	Y         int     `json:"y"`
	PairID    int     `json:"pair_id"`
}

// WDSKey returns the WebDataset sample key of a row: the zero-padded row index within
// its split (from Row.Path, {split}/{index:07d}.{ext}) and the pattern id, "c" for a clean
// image: 0000012_c, 0000013_p0004. Keys hold no dot, as WebDataset splits member names at
// the first dot of the base name.
func WDSKey(r *Row) (key, ext string, err error) {
	base := path.Base(r.Path)
	stem, ext, ok := strings.Cut(base, ".")
	if !ok || stem == "" || ext == "" {
		return "", "", fmt.Errorf("row path %q: want {split}/{index}.{ext}", r.Path)
	}
	if _, err := strconv.Atoi(stem); err != nil {
		return "", "", fmt.Errorf("row path %q: want a numeric row index", r.Path)
	}
	if r.PatternID < 0 {
		return stem + "_c", ext, nil
	}
	return fmt.Sprintf("%s_p%04d", stem, r.PatternID), ext, nil
}

// tarEpoch is the modification time of every member: the bytes never depend on the clock.
var tarEpoch = time.Unix(0, 0)

// TarWriter writes one WebDataset tar shard: per row, in order, the members {key}.{png|jpg}
// (the encoded image), {key}.cls (the label as decimal text) and {key}.json (WDSMeta).
// Headers are USTAR with mode 0644, uid/gid 0, no user or group names and mtime 0, so the
// bytes depend only on the rows. Like Writer it writes under a temporary name and renames
// on Close.
type TarWriter struct {
	*outFile
	tw   *tar.Writer
	jbuf bytes.Buffer
}

// CreateTar starts a WebDataset tar shard that Close will publish at path.
func CreateTar(path string) (*TarWriter, error) {
	sf, err := newOutFile(path)
	if err != nil {
		return nil, err
	}
	return &TarWriter{outFile: sf, tw: tar.NewWriter(sf.cw)}, nil
}

func (w *TarWriter) member(name string, data []byte) error {
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data)),
		ModTime: tarEpoch, Format: tar.FormatUSTAR}
	if err := w.tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err := w.tw.Write(data)
	return err
}

// Write appends rows (one sample each) to the shard.
func (w *TarWriter) Write(rows ...Row) error {
	if w.done {
		return fmt.Errorf("shard %s: write after close", w.path)
	}
	for i := range rows {
		r := &rows[i]
		key, ext, err := WDSKey(r)
		if err != nil {
			return w.fail(err)
		}
		if err := w.member(key+"."+ext, r.Image); err != nil {
			return w.fail(err)
		}
		if err := w.member(key+".cls", []byte(strconv.Itoa(r.Label))); err != nil {
			return w.fail(err)
		}
		w.jbuf.Reset()
		enc := json.NewEncoder(&w.jbuf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(MetaOf(r)); err != nil {
			return w.fail(err)
		}
		if err := w.member(key+".json", bytes.TrimSuffix(w.jbuf.Bytes(), []byte("\n"))); err != nil {
			return w.fail(err)
		}
		w.rows++
	}
	return nil
}

// MetaOf returns the metadata columns of a row.
func MetaOf(r *Row) WDSMeta {
	return WDSMeta{Label: r.Label, ClassName: r.ClassName, SourceID: r.SourceID, Split: r.Split, PatternID: r.PatternID,
		Occluder: r.Occluder, Ratio: r.Ratio, X: r.X, Y: r.Y, PairID: r.PairID}
}

// Close finishes the archive, syncs it and renames it to its final path.
func (w *TarWriter) Close() (ShardInfo, error) { return w.finish(w.tw.Close) }

// ReadTarRows reads a WebDataset tar shard written by TarWriter back into rows, checking
// that every sample has its three members in order (image, .cls, .json), that the key
// matches the metadata and that .cls agrees with the json label. Row.Path is rebuilt as
// {split}/{index}.{ext}.
func ReadTarRows(r io.Reader) ([]Row, error) {
	tr := tar.NewReader(r)
	var rows []Row
	next := func() (*tar.Header, []byte, error) {
		h, err := tr.Next()
		if err != nil {
			return nil, nil, err
		}
		if h.Typeflag != tar.TypeReg {
			return nil, nil, fmt.Errorf("member %s: not a regular file", h.Name)
		}
		data, err := io.ReadAll(tr)
		return h, data, err
	}
	for {
		h, img, err := next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, fmt.Errorf("sample %d: %w", len(rows), err)
		}
		key, ext, ok := strings.Cut(h.Name, ".")
		if !ok || (ext != "png" && ext != "jpg") {
			return rows, fmt.Errorf("sample %d: member %s: want {key}.png or {key}.jpg first", len(rows), h.Name)
		}
		hc, cls, err := next()
		if err != nil {
			return rows, fmt.Errorf("sample %s: .cls member: %w", key, noEOF(err))
		}
		if hc.Name != key+".cls" {
			return rows, fmt.Errorf("sample %s: member %s, want %s.cls", key, hc.Name, key)
		}
		hj, js, err := next()
		if err != nil {
			return rows, fmt.Errorf("sample %s: .json member: %w", key, noEOF(err))
		}
		if hj.Name != key+".json" {
			return rows, fmt.Errorf("sample %s: member %s, want %s.json", key, hj.Name, key)
		}
		var m WDSMeta
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			return rows, fmt.Errorf("sample %s: .json: %w", key, err)
		}
		label, err := strconv.Atoi(string(cls))
		if err != nil {
			return rows, fmt.Errorf("sample %s: .cls %q: %w", key, cls, err)
		}
		if label != m.Label {
			return rows, fmt.Errorf("sample %s: .cls says %d, .json label %d", key, label, m.Label)
		}
		stem, _, _ := strings.Cut(key, "_")
		row := Row{Image: img, Path: m.Split + "/" + stem + "." + ext, Label: m.Label, ClassName: m.ClassName,
			SourceID: m.SourceID, Split: m.Split, PatternID: m.PatternID, Occluder: m.Occluder, Ratio: m.Ratio,
			X: m.X, Y: m.Y, PairID: m.PairID}
		if want, _, err := WDSKey(&row); err != nil || want != key {
			return rows, fmt.Errorf("sample %s: key does not match its metadata (want %s)", key, want)
		}
		rows = append(rows, row)
	}
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
