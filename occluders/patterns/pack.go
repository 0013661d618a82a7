package patterns

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/occbench/occbench/internal/atomicfile"
	"github.com/occbench/occbench/internal/inputs"
)

// TableFile is the pattern table's name inside a pack folder.
const TableFile = "patterns.json"

// Write stores the pack under dir: patterns.json plus one PNG per scaled occluder (the
// bytes of Files). Each file is written atomically, images first, so a pack whose table
// exists is complete.
func (p *Pack) Write(dir string) error {
	files, err := p.Files()
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for f := range files {
		if f != TableFile {
			names = append(names, f)
		}
	}
	sort.Strings(names)
	for _, f := range append(names, TableFile) {
		if err := atomicfile.Write(filepath.Join(dir, filepath.FromSlash(f)), files[f]); err != nil {
			return err
		}
	}
	return nil
}

// Files returns the files of the pack as Write stores them, by slash path inside the pack
// folder: TableFile, and each scaled occluder as PNG under its Pattern.File. The bytes are
// the same on every machine, so their hashes identify the pack.
func (p *Pack) Files() (map[string][]byte, error) {
	out := make(map[string][]byte, len(p.Images)+1)
	for f, img := range p.Images {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return nil, fmt.Errorf("encode %s: %w", f, err)
		}
		out[f] = buf.Bytes()
	}
	data, err := p.Table.JSON()
	if err != nil {
		return nil, err
	}
	out[TableFile] = data
	return out, nil
}

// JSON renders the table as indented JSON with a trailing newline.
func (t *Table) JSON() ([]byte, error) {
	data, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// ReadPack loads a pack written by Write and checks that every image it names matches the
// table's sizes. What a pack may hold is bounded (internal/inputs): patterns.json and each
// PNG are regular files (64 MiB at most), a PNG's header is checked before it is decoded
// (at most inputs.MaxPixels pixels), and every file the table names must be a relative
// path inside the pack's occluders/ folder ("occluders/x@20.png"): "../../etc/passwd", an
// absolute path or a path through a symbolic link that leaves the pack is refused.
func ReadPack(dir string) (*Pack, error) {
	tp := filepath.Join(dir, TableFile)
	data, err := inputs.ReadFile(tp, inputs.PackTable)
	if err != nil {
		return nil, fmt.Errorf("pattern pack %s: %w", dir, err)
	}
	p := &Pack{Images: map[string]*image.NRGBA{}}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p.Table); err != nil {
		return nil, fmt.Errorf("%s: %w", tp, err)
	}
	for _, pt := range p.Patterns {
		img, ok := p.Images[pt.File]
		if !ok {
			path, err := packPath(dir, pt.File)
			if err != nil {
				return nil, fmt.Errorf("pattern pack %s: pattern %d: %w", dir, pt.ID, err)
			}
			data, err := inputs.ReadFile(path, inputs.PackPNG)
			if err != nil {
				return nil, fmt.Errorf("pattern pack %s: pattern %d: %w", dir, pt.ID, err)
			}
			dec, _, err := inputs.DecodeImage(data, 0, "png")
			if err != nil {
				return nil, fmt.Errorf("pattern pack %s: %s: %w", dir, pt.File, err)
			}
			img = image.NewNRGBA(dec.Bounds().Sub(dec.Bounds().Min))
			draw.Draw(img, img.Bounds(), dec, dec.Bounds().Min, draw.Src)
			p.Images[pt.File] = img
		}
		if img.Bounds().Dx() != pt.W || img.Bounds().Dy() != pt.H {
			return nil, fmt.Errorf("pattern pack %s: %s is %dx%d, the table says %dx%d", dir, pt.File, img.Bounds().Dx(), img.Bounds().Dy(), pt.W, pt.H)
		}
	}
	return p, nil
}

// packPath resolves a file name of the pattern table inside the pack folder dir: a
// slash-separated relative path under occluders/, with no "..", that stays inside dir when
// symbolic links are followed.
func packPath(dir, file string) (string, error) {
	local := filepath.FromSlash(file)
	if !strings.HasPrefix(file, "occluders/") || !filepath.IsLocal(local) || strings.Contains(file, "\\") {
		return "", fmt.Errorf("file %q is not a path inside the pack's occluders/ folder", file)
	}
	path := filepath.Join(dir, local)
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return path, nil // inputs.ReadFile names what is missing
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", err
	}
	if rel, err := filepath.Rel(root, real); err != nil || !filepath.IsLocal(rel) {
		return "", fmt.Errorf("file %q leaves the pack through a symbolic link (to %s)", file, real)
	}
	return path, nil
}

// WriteText prints the table as aligned columns, one pattern a line.
func (t *Table) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "manifest %s  seed %d  image %dx%d  ratio by %s  occluders %s  patterns %d\n\n",
		t.Manifest, t.Seed, t.ImageSize, t.ImageSize, t.Semantics, t.Occluders, len(t.Patterns))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "id\toccluder\trow\tcol\tratio\tachieved\tposition\tscale\tx\ty\tw\th")
	for _, p := range t.Patterns {
		pos := p.Position
		if pos != "center" && pos != "preset_center" {
			pos = fmt.Sprintf("%s %d", pos, p.Index+1)
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%.2f\t%.4f\t%s\t%.4f\t%d\t%d\t%d\t%d\n",
			p.ID, shortName(p.Occluder), p.Row, p.Col, p.Ratio, p.Achieved, pos, p.Scale, p.X, p.Y, p.W, p.H)
	}
	return tw.Flush()
}
