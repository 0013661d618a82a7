package synth

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"

	"github.com/occbench/occbench/internal/inputs"
	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/occluders"
	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/synth/preprocess"
	"github.com/occbench/occbench/synth/shards"
	"github.com/occbench/occbench/synth/sources"
	"github.com/occbench/occbench/synth/turbo"
)

// Encoder turns a rendered image into file bytes. It is not safe for concurrent use;
// each worker has its own.
type Encoder struct {
	Format  string // "png" or "jpeg"
	Quality int    // JPEG quality
	png     png.Encoder
	buf     bytes.Buffer
	turbo   *turbo.Codec // JPEG through libjpeg-turbo (codec "turbo"), else nil
}

// Codecs: "go" is the standard library (the default: the same bytes on every build);
// "turbo" is libjpeg-turbo through cgo (build tag turbojpeg), which decodes JPEG sources
// with DCT scaling toward the target size and encodes JPEG output; its bytes differ from
// "go", so the codec is part of the plan.
const (
	CodecGo    = "go"
	CodecTurbo = "turbo"
)

// CheckCodec validates a codec name.
func CheckCodec(codec string) error {
	switch codec {
	case "", CodecGo:
		return nil
	case CodecTurbo:
		if !turbo.Available {
			return fmt.Errorf("codec turbo: %w", turbo.ErrUnavailable)
		}
		return nil
	}
	return fmt.Errorf("unknown codec %q (go or turbo)", codec)
}

// NewCodecEncoder is NewEncoder with a codec choice.
func NewCodecEncoder(format string, quality int, codec string) (*Encoder, error) {
	if err := CheckCodec(codec); err != nil {
		return nil, err
	}
	e, err := NewEncoder(format, quality)
	if err != nil {
		return nil, err
	}
	if codec == CodecTurbo {
		if e.turbo, err = turbo.New(); err != nil {
			return nil, err
		}
	}
	return e, nil
}

type pngPool struct{ b *png.EncoderBuffer }

func (p *pngPool) Get() *png.EncoderBuffer  { return p.b }
func (p *pngPool) Put(b *png.EncoderBuffer) { p.b = b }

// NewEncoder returns an encoder for "png" (fast compression) or "jpeg" (quality q).
func NewEncoder(format string, quality int) (*Encoder, error) {
	switch format {
	case "png":
	case "jpeg", "jpg":
		format = "jpeg"
		if quality < 1 || quality > 100 {
			return nil, fmt.Errorf("jpeg quality %d out of range 1..100", quality)
		}
	default:
		return nil, fmt.Errorf("unknown encoding %q (png or jpeg)", format)
	}
	e := &Encoder{Format: format, Quality: quality}
	e.png = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pngPool{}}
	return e, nil
}

// Ext is the file extension of the encoding.
func (e *Encoder) Ext() string {
	if e.Format == "jpeg" {
		return "jpg"
	}
	return "png"
}

// Encode encodes an opaque image and returns a fresh copy of the bytes.
func (e *Encoder) Encode(img *image.NRGBA) ([]byte, error) {
	e.buf.Reset()
	// An opaque NRGBA has the same bytes as an RGBA, for which the codecs have fast paths.
	rgba := &image.RGBA{Pix: img.Pix, Stride: img.Stride, Rect: img.Rect}
	var err error
	if e.Format == "jpeg" && e.turbo != nil {
		return e.turbo.Encode(img, e.Quality)
	}
	if e.Format == "jpeg" {
		err = jpeg.Encode(&e.buf, rgba, &jpeg.Options{Quality: e.Quality})
	} else {
		err = e.png.Encode(&e.buf, rgba)
	}
	if err != nil {
		return nil, err
	}
	return bytes.Clone(e.buf.Bytes()), nil
}

// Renderer renders the rows of jobs. Each worker owns one.
type Renderer struct {
	Prep    manifests.Prep
	Pack    *patterns.Pack
	Source  sources.Source
	Classes []string
	Splits  []string
	Enc     *Encoder
	// Turbo, when set, decodes JPEG source files with libjpeg-turbo and DCT scaling.
	Turbo   *turbo.Codec
	scratch *image.NRGBA
}

// NewRenderer returns a Renderer for one worker: its own encoder (encode png or jpeg at
// the manifest's quality, through codec) and, for codec turbo, its own libjpeg-turbo
// decoder. Rows are labelled with classes and named after splits (indexed by Job.Split).
func NewRenderer(m *manifests.Manifest, pack *patterns.Pack, src sources.Source, classes, splits []string, encode, codec string) (*Renderer, error) {
	enc, err := NewCodecEncoder(encode, m.Output.JPEGQuality, codec)
	if err != nil {
		return nil, err
	}
	r := &Renderer{Prep: m.Preprocess, Pack: pack, Source: src, Classes: classes, Splits: splits, Enc: enc}
	if codec == CodecTurbo {
		if r.Turbo, err = turbo.New(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// RenderError is a source image that could not be rendered (decode or preprocess).
type RenderError struct {
	SourceID string
	Err      error
}

func (e *RenderError) Error() string { return fmt.Sprintf("%s: %v", e.SourceID, e.Err) }
func (e *RenderError) Unwrap() error { return e.Err }

// Render decodes the job's image once, preprocesses it and renders its rows in order.
// A *RenderError means the source image is bad (skip or fail by policy); other errors
// are the engine's.
func (r *Renderer) Render(j *Job) ([]shards.Row, error) {
	img, err := r.decode(j.Item)
	if err != nil {
		return nil, &RenderError{SourceID: j.Item.ID, Err: err}
	}
	base, err := preprocess.Apply(img, r.Prep.Mode, r.Prep.Size, r.Prep.Shorter, j.Item.BBox)
	if err != nil {
		return nil, &RenderError{SourceID: j.Item.ID, Err: err}
	}
	return r.RenderBase(j, base)
}

// maxPixels guards the turbo decode path like sources.DefaultMaxPixels.
const maxPixels = sources.DefaultMaxPixels

func (r *Renderer) decode(it sources.Item) (image.Image, error) {
	if r.Turbo == nil || it.Path == "" {
		return r.Source.Decode(it)
	}
	data, err := inputs.ReadFile(it.Path, inputs.SourceImage) // a regular file, size capped
	if err != nil {
		return nil, err
	}
	img, err := r.DecodeBytes(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", it.Path, err)
	}
	return img, nil
}

// DecodeBytes decodes an encoded source image the way Render does: JPEG through
// libjpeg-turbo with DCT scaling toward the preprocessing size when r.Turbo is set,
// everything else (and JPEGs TurboJPEG refuses, such as CMYK) with sources.DecodeBytes.
func (r *Renderer) DecodeBytes(data []byte) (image.Image, error) {
	if r.Turbo == nil || !bytes.HasPrefix(data, []byte{0xff, 0xd8}) {
		return sources.DecodeBytes(data, maxPixels)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return sources.DecodeBytes(data, maxPixels)
	}
	if cfg.Width*cfg.Height > maxPixels {
		return nil, fmt.Errorf("%w: %dx%d", sources.ErrTooLarge, cfg.Width, cfg.Height)
	}
	minW, minH := 0, 0
	switch r.Prep.Mode {
	case preprocess.Resize:
		minW, minH = r.Prep.Size, r.Prep.Size
	case preprocess.ShorterCrop:
		minW, minH = r.Prep.Shorter, r.Prep.Shorter
	}
	img, err := r.Turbo.Decode(data, minW, minH)
	if err != nil {
		return sources.DecodeBytes(data, maxPixels)
	}
	return img, nil
}

// Rows returns the job's rows with every column but the image: what RenderBase fills
// with pixels, and all a recipe shard stores.
func (r *Renderer) Rows(j *Job) []shards.Row {
	rows := make([]shards.Row, 0, j.Rows())
	split := r.Splits[j.Split]
	key := j.Key
	add := func(pattern int) {
		row := shards.Row{Path: fmt.Sprintf("%s/%07d.%s", split, key, r.Enc.Ext()),
			Label: j.Label, ClassName: r.Classes[j.Label], SourceID: j.Item.ID, Split: split,
			PatternID: -1, Occluder: j.Item.RealOccluder(), PairID: j.PairID}
		if pattern >= 0 && pattern < len(r.Pack.Patterns) {
			p := &r.Pack.Patterns[pattern]
			row.PatternID, row.Occluder, row.Ratio, row.X, row.Y = pattern, p.Occluder, p.Ratio, p.X, p.Y
		}
		rows = append(rows, row)
		key++
	}
	if j.Clean {
		add(-1)
	}
	for _, id := range j.Patterns {
		add(id)
	}
	return rows
}

// RenderBase renders the rows of a job from its preprocessed image.
func (r *Renderer) RenderBase(j *Job, base *image.NRGBA) ([]shards.Row, error) {
	rows := r.Rows(j)
	k := 0
	if j.Clean {
		data, err := r.Enc.Encode(base)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", j.Item.ID, err)
		}
		rows[0].Image = data
		k++
	}
	if len(j.Patterns) == 0 {
		return rows, nil
	}
	if r.scratch == nil || r.scratch.Rect != base.Rect {
		r.scratch = image.NewNRGBA(base.Rect)
	}
	copy(r.scratch.Pix, base.Pix)
	for _, id := range j.Patterns {
		if id < 0 || id >= len(r.Pack.Patterns) {
			return nil, fmt.Errorf("pattern %d not in the pack", id)
		}
		p := &r.Pack.Patterns[id]
		occ := r.Pack.Images[p.File]
		if occ == nil {
			return nil, fmt.Errorf("pattern %d: pack has no image %s", id, p.File)
		}
		occluders.Composite(r.scratch, occ, p.X, p.Y)
		data, err := r.Enc.Encode(r.scratch)
		// Restore only the occluder's rectangle from the clean image.
		rect := image.Rect(p.X, p.Y, p.X+occ.Rect.Dx(), p.Y+occ.Rect.Dy()).Intersect(base.Rect)
		for y := rect.Min.Y; y < rect.Max.Y; y++ {
			o := r.scratch.PixOffset(rect.Min.X, y)
			copy(r.scratch.Pix[o:o+4*rect.Dx()], base.Pix[o:o+4*rect.Dx()])
		}
		if err != nil {
			return nil, fmt.Errorf("encode %s pattern %d: %w", j.Item.ID, id, err)
		}
		rows[k].Image = data
		k++
	}
	return rows, nil
}
