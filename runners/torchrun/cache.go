package torchrun

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"

	"github.com/occbench/occbench/internal/atomicfile"
	"github.com/occbench/occbench/runners"
)

// CacheVersion is the tensor cache format version (cache.json "version").
const CacheVersion = 1

// cacheSplit is one split's entry of cache.json.
type cacheSplit struct {
	Images   string `json:"images"`             // uint8 N x S x S x 3 .npy
	Labels   string `json:"labels"`             // int64 N .npy
	Count    int    `json:"count"`              // N
	Patterns []int  `json:"patterns,omitempty"` // pairs: pattern ids (pair i = image i/P, pattern i%P)
	Occluded string `json:"occluded,omitempty"` // real pairs: the occluded images, aligned with images
}

type cacheMeta struct {
	Version   int                   `json:"version"`
	InputSize int                   `json:"input_size"`
	Splits    map[string]cacheSplit `json:"splits"`
}

// WriteCache writes the tensor cache of spec's splits under dir: cache.json plus, per split,
// {split}.images.npy (uint8 N x S x S x 3, RGB) and {split}.labels.npy (int64). It is what
// the Python runner's --data reads (memory-mapped), so the Python side needs no Parquet
// reader. cache.json is written last: a folder with it is complete.
func WriteCache(dir string, spec *runners.RunSpec, d *runners.Data) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	s := spec.Network.InputSize
	meta := cacheMeta{Version: CacheVersion, InputSize: s, Splits: map[string]cacheSplit{}}
	put := func(name string, sp runners.Split) (cacheSplit, error) {
		cs := cacheSplit{Images: fileName(name) + ".images.npy", Labels: fileName(name) + ".labels.npy", Count: sp.Len()}
		labels := make([]int64, sp.Len())
		err := writeImages(filepath.Join(dir, cs.Images), sp.Len(), s, func(i int) (*image.NRGBA, error) {
			img, l, err := sp.Example(i)
			labels[i] = int64(l)
			return img, err
		})
		if err != nil {
			return cs, fmt.Errorf("tensor cache: split %s: %w", name, err)
		}
		return cs, writeLabels(filepath.Join(dir, cs.Labels), labels)
	}
	testSet := spec.TestSet
	if testSet == "" {
		testSet = "tst"
	}
	if d.Test == nil {
		return fmt.Errorf("tensor cache: no test split %q", testSet)
	}
	var err error
	if meta.Splits[testSet], err = put(testSet, d.Test); err != nil {
		return err
	}
	if spec.Epochs > 0 {
		if d.Train == nil {
			return fmt.Errorf("tensor cache: no training split %q", spec.TrainSet)
		}
		if meta.Splits[spec.TrainSet], err = put(spec.TrainSet, d.Train); err != nil {
			return err
		}
		if spec.Method == runners.MethodDFV {
			if d.Iop == nil || d.Iop.Len() == 0 {
				return fmt.Errorf("tensor cache: method dfv needs a non-empty Iop pair set %q", spec.IopSet)
			}
			cs, err := putPairs(dir, spec.IopSet, s, d.Iop)
			if err != nil {
				return err
			}
			meta.Splits[spec.IopSet] = cs
		}
	}
	data, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, "cache.json"), append(data, '\n'))
}

func putPairs(dir, name string, s int, p runners.PairSet) (cacheSplit, error) {
	cs := cacheSplit{Images: fileName(name) + ".images.npy", Labels: fileName(name) + ".labels.npy"}
	if pp, ok := p.(*runners.PatternPairs); ok {
		// Store the clean images once; the runner composites each pattern on the device.
		for _, pt := range pp.Patterns {
			cs.Patterns = append(cs.Patterns, pt.ID)
		}
		cs.Count = pp.Clean.Len()
		labels := make([]int64, cs.Count)
		err := writeImages(filepath.Join(dir, cs.Images), cs.Count, s, func(i int) (*image.NRGBA, error) {
			img, l, err := pp.Clean.Example(i)
			labels[i] = int64(l)
			return img, err
		})
		if err != nil {
			return cs, fmt.Errorf("tensor cache: pairs %s: %w", name, err)
		}
		return cs, writeLabels(filepath.Join(dir, cs.Labels), labels)
	}
	// Any other pair set (real pairs): both images of every pair, aligned.
	cs.Count = p.Len()
	cs.Occluded = fileName(name) + ".occluded.npy"
	err := writeImages(filepath.Join(dir, cs.Images), cs.Count, s, func(i int) (*image.NRGBA, error) {
		c, _, err := p.Pair(i)
		return c, err
	})
	if err == nil {
		err = writeImages(filepath.Join(dir, cs.Occluded), cs.Count, s, func(i int) (*image.NRGBA, error) {
			_, o, err := p.Pair(i)
			return o, err
		})
	}
	if err != nil {
		return cs, fmt.Errorf("tensor cache: pairs %s: %w", name, err)
	}
	return cs, writeLabels(filepath.Join(dir, cs.Labels), make([]int64, cs.Count))
}

func fileName(split string) string {
	return strings.NewReplacer("/", "_", "\\", "_", "..", "_").Replace(split)
}

// npyHeader returns a NumPy format 1.0 header for a C-order array.
func npyHeader(descr string, shape ...int) []byte {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	sh := strings.Join(dims, ", ")
	if len(shape) == 1 {
		sh += ","
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, sh)
	// magic(6) + version(2) + len(2) + dict + padding + '\n', total a multiple of 64
	n := 10 + len(dict) + 1
	pad := (64 - n%64) % 64
	h := make([]byte, 0, n+pad)
	h = append(h, "\x93NUMPY\x01\x00"...)
	h = binary.LittleEndian.AppendUint16(h, uint16(len(dict)+pad+1))
	h = append(h, dict...)
	for range pad {
		h = append(h, ' ')
	}
	return append(h, '\n')
}

// headerSize is the fixed .npy header length of image files: the shape is only known at
// the end of a streamed split, so the header is rewritten in place.
const headerSize = 128

// imageWriter streams s x s images (RGB of the NRGBA pixels) into a uint8 N x S x S x 3 .npy.
type imageWriter struct {
	f    *os.File
	path string
	s, n int
	row  []byte
}

func newImageWriter(path string, s int) (*imageWriter, error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".npy-*")
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(make([]byte, headerSize)); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &imageWriter{f: f, path: path, s: s, row: make([]byte, s*s*3)}, nil
}

func (w *imageWriter) add(img *image.NRGBA) error {
	s := w.s
	b := img.Bounds()
	if b.Dx() != s || b.Dy() != s {
		return fmt.Errorf("image is %dx%d, network input is %dx%d", b.Dx(), b.Dy(), s, s)
	}
	for y := range s {
		src := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):]
		for x := range s {
			copy(w.row[(y*s+x)*3:(y*s+x)*3+3], src[4*x:4*x+3])
		}
	}
	w.n++
	_, err := w.f.Write(w.row)
	return err
}

func (w *imageWriter) abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}

func (w *imageWriter) close() error {
	h := npyHeader("|u1", w.n, w.s, w.s, 3)
	if len(h) > headerSize {
		w.abort()
		return fmt.Errorf("npy header of %d bytes", len(h))
	}
	// pad the dict (before its final newline) to the fixed header size
	fixed := append(h[:len(h)-1:len(h)-1], make([]byte, headerSize-len(h))...)
	for i := len(h) - 1; i < headerSize-1; i++ {
		fixed[i] = ' '
	}
	fixed = append(fixed, '\n')
	binary.LittleEndian.PutUint16(fixed[8:], uint16(headerSize-10))
	if _, err := w.f.WriteAt(fixed, 0); err != nil {
		w.abort()
		return err
	}
	if err := w.f.Close(); err != nil {
		os.Remove(w.f.Name())
		return err
	}
	return os.Rename(w.f.Name(), w.path)
}

// writeImages writes n images from get into a .npy file.
func writeImages(path string, n, s int, get func(i int) (*image.NRGBA, error)) error {
	w, err := newImageWriter(path, s)
	if err != nil {
		return err
	}
	for i := range n {
		img, err := get(i)
		if err == nil {
			err = w.add(img)
		}
		if err != nil {
			w.abort()
			return fmt.Errorf("example %d: %w", i, err)
		}
	}
	return w.close()
}

func writeLabels(path string, labels []int64) error {
	b := npyHeader("<i8", len(labels))
	for _, l := range labels {
		b = binary.LittleEndian.AppendUint64(b, uint64(l))
	}
	return atomicfile.Write(path, b)
}
