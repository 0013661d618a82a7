package occluders

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/occbench/occbench/internal/inputs"
)

// Occluder is one occluder asset: a non-premultiplied RGBA image whose alpha channel is the
// occlusion mask (0 transparent .. 255 opaque).
type Occluder struct {
	Name     string       // stable id, e.g. "objects30/r1c03-butterfly-1" or a file stem
	Category string       // category label (objects30: the object class); may be ""
	Img      *image.NRGBA // non-premultiplied RGBA, alpha = mask
}

// PresetPositions is one occlusion ratio an SDBE .mat set offers for an occluder (one
// element of ptch(j).occ), with its stored scale and positions. A position is where SDBE
// puts the top-left corner of the whole patch (img, transparent margins included) after
// scaling it by Scale, in an image of the set's PresetFrame size, converted to 0-based
// pixel coordinates as SDBE computes them (about X = w - 1, Y = h - 1; exactly
// (max(floor(w/Scale), 1) - 1) * Scale, rounded). docs/manifest.md cites the SDBE code
// this reading comes from.
type PresetPositions struct {
	Ratio  float64       // occlusion ratio as a fraction (OR / 100)
	OR     float64       // the ratio as the file stores it, in percent
	Scale  float64       // SDBE's stored scale factor for this ratio
	Center *image.Point  // cntpos; nil when the file has none (the Caltech set)
	Random []image.Point // rndpos, in file order
}

// Set is a named, ordered collection of occluders, optionally laid out as a grid
// (objects30: 3 rows x 10 columns, one category per column, row-major order).
type Set struct {
	Name      string
	Occluders []*Occluder
	Rows      int // grid rows, 0 if the set has no layout
	Cols      int // grid columns, 0 if the set has no layout
	// Positions holds, per occluder name, the ratios a .mat set offers (ascending) and
	// their stored positions; nil for other sets, which offer every ratio.
	Positions map[string][]PresetPositions
	// PresetFrame is the image size (width, height) the stored positions refer to (SDBE's
	// meta.imgW, meta.imgH); zero for other sets.
	PresetFrame image.Point
}

// Coverage returns the mask area in pixels, sum(alpha)/255; for a binary mask it equals the
// number of opaque pixels. This is the "mask pixels" of the occlusion-ratio definition.
func (o *Occluder) Coverage() float64 { return coverage(o.Img) }

// BBox returns the bounding box of the pixels with alpha > 0 (empty if the mask is empty).
func (o *Occluder) BBox() image.Rectangle { return alphaBBox(o.Img) }

func coverage(img *image.NRGBA) float64 {
	b := img.Bounds()
	var sum uint64
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):]
		for x := 0; x < b.Dx(); x++ {
			sum += uint64(row[4*x+3])
		}
	}
	return float64(sum) / 255
}

func alphaBBox(img *image.NRGBA) image.Rectangle {
	b := img.Bounds()
	minX, minY, maxX, maxY := b.Max.X, b.Max.Y, b.Min.X-1, b.Min.Y-1
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):]
		for x := 0; x < b.Dx(); x++ {
			if row[4*x+3] != 0 {
				minX, maxX = min(minX, b.Min.X+x), max(maxX, b.Min.X+x)
				minY, maxY = min(minY, y), max(maxY, y)
			}
		}
	}
	if maxX < minX {
		return image.Rectangle{}
	}
	return image.Rect(minX, minY, maxX+1, maxY+1)
}

// toNRGBA copies any image into a fresh *image.NRGBA whose bounds start at (0,0).
func toNRGBA(src image.Image) *image.NRGBA {
	b := src.Bounds()
	dst := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Bounds(), src, b.Min, draw.Src)
	return dst
}

// cropTo returns a copy of img restricted to r, re-based at (0,0).
func cropTo(img *image.NRGBA, r image.Rectangle) *image.NRGBA {
	dst := image.NewNRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(dst, dst.Bounds(), img, r.Min, draw.Src)
	return dst
}

func stem(path string) string {
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// decodePNG reads an occluder PNG: a regular file of at most 64 MiB whose header claims
// at most inputs.MaxPixels pixels (checked before decoding).
func decodePNG(path string) (image.Image, error) {
	data, err := inputs.ReadFile(path, inputs.OccluderPNG)
	if err != nil {
		return nil, err
	}
	return decodePNGBytes(path, data)
}

func decodePNGBytes(name string, data []byte) (image.Image, error) {
	img, _, err := inputs.DecodeImage(data, 0, "png")
	if err != nil {
		return nil, fmt.Errorf("%s: not a valid PNG: %v", name, err)
	}
	return img, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func checkMask(name string, img *image.NRGBA) error {
	if alphaBBox(img).Empty() {
		return fmt.Errorf("mask of %s is empty (every pixel is transparent)", name)
	}
	return nil
}

// LoadPNG reads an RGBA PNG whose alpha channel is the mask; a PNG without alpha is fully
// opaque. The occluder is named after the file stem.
func LoadPNG(path string) (*Occluder, error) {
	img, err := decodePNG(path)
	if err != nil {
		return nil, err
	}
	n := toNRGBA(img)
	if err := checkMask(path, n); err != nil {
		return nil, err
	}
	return &Occluder{Name: stem(path), Img: n}, nil
}

// LoadImageMask reads an image and a separate mask PNG of the same size. The mask's gray
// level is the alpha (so soft masks stay soft); a 0/1 mask (maximum 1) is stretched to 0/255.
// The image's own alpha is ignored. The occluder is named after the image's file stem.
func LoadImageMask(imgPath, maskPath string) (*Occluder, error) {
	img, err := decodePNG(imgPath)
	if err != nil {
		return nil, err
	}
	mimg, err := decodePNG(maskPath)
	if err != nil {
		return nil, err
	}
	if img.Bounds().Size() != mimg.Bounds().Size() {
		return nil, fmt.Errorf("%s: mask is %v but image %s is %v", maskPath, mimg.Bounds().Size(), imgPath, img.Bounds().Size())
	}
	n := toNRGBA(img)
	g := image.NewGray(image.Rect(0, 0, n.Rect.Dx(), n.Rect.Dy()))
	draw.Draw(g, g.Bounds(), mimg, mimg.Bounds().Min, draw.Src)
	var maxV uint8
	for _, v := range g.Pix {
		maxV = max(maxV, v)
	}
	for i, v := range g.Pix {
		if maxV == 1 {
			v *= 255
		}
		n.Pix[4*i+3] = v
	}
	if err := checkMask(maskPath, n); err != nil {
		return nil, err
	}
	return &Occluder{Name: stem(imgPath), Img: n}, nil
}

// LoadDir loads every *.png of a folder, sorted by file name, as one set named after the
// folder. A file "x_mask.png" next to "x.png" is x's mask (LoadImageMask); other PNGs use
// their own alpha (LoadPNG).
func LoadDir(dir string) (*Set, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read folder: %v", dir, unwrapPath(err))
	}
	pngs := map[string]bool{}
	var names []string
	for _, e := range entries {
		if e.IsDir() || !strings.EqualFold(filepath.Ext(e.Name()), ".png") {
			continue
		}
		pngs[e.Name()] = true
		names = append(names, e.Name())
	}
	sort.Strings(names)
	set := &Set{Name: filepath.Base(filepath.Clean(dir))}
	for _, name := range names {
		s := stem(name)
		ext := filepath.Ext(name)
		if base, ok := strings.CutSuffix(s, "_mask"); ok {
			if !pngs[base+ext] {
				return nil, fmt.Errorf("%s: mask file has no image %s", filepath.Join(dir, name), base+ext)
			}
			continue
		}
		var o *Occluder
		if mask := s + "_mask" + ext; pngs[mask] {
			o, err = LoadImageMask(filepath.Join(dir, name), filepath.Join(dir, mask))
		} else {
			o, err = LoadPNG(filepath.Join(dir, name))
		}
		if err != nil {
			return nil, err
		}
		set.Occluders = append(set.Occluders, o)
	}
	if len(set.Occluders) == 0 {
		return nil, fmt.Errorf("%s: folder holds no PNG occluder", dir)
	}
	return set, nil
}
