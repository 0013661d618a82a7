package patterns

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"github.com/disintegration/imaging"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/occbench/occbench/occluders"
)

// Sheet renders a contact sheet for a person to look at: one tile per pattern (the pattern
// composited on a neutral gradient with a grid), one row per occluder, each tile labelled with
// its id, ratio and position. base, if not nil, replaces the gradient.
func (p *Pack) Sheet(base *image.NRGBA) *image.NRGBA {
	size := p.ImageSize
	if base == nil {
		base = gradient(size)
	}
	perRow := 1
	if n := len(p.Patterns); n > 0 {
		first := p.Patterns[0].Occluder
		perRow = 0
		for _, pt := range p.Patterns {
			if pt.Occluder != first {
				break
			}
			perRow++
		}
	}
	tile := min(size, 160)
	if tile < 96 {
		tile = 96 // small images are shown enlarged so the labels fit
	}
	const label, pad = 26, 6
	rows := (len(p.Patterns) + perRow - 1) / perRow
	sheet := imaging.New(perRow*(tile+pad)+pad, rows*(tile+label+pad)+pad, color.NRGBA{255, 255, 255, 255})
	face := basicfont.Face7x13
	for i, pt := range p.Patterns {
		img := image.NewNRGBA(base.Bounds())
		copy(img.Pix, base.Pix)
		occluders.Composite(img, p.Images[pt.File], pt.X, pt.Y)
		x0 := pad + (i%perRow)*(tile+pad)
		y0 := pad + (i/perRow)*(tile+label+pad)
		// Nearest neighbour keeps the occluder's pixels visible as they are at image size.
		// The tile is pasted with draw.Draw, not imaging.Paste, which would copy the whole
		// sheet once per tile.
		t := imaging.Resize(img, tile, tile, imaging.NearestNeighbor)
		draw.Draw(sheet, image.Rect(x0, y0, x0+tile, y0+tile), t, image.Point{}, draw.Src)
		pos := shortKind[pt.Position]
		if pt.Position != "center" && pt.Position != "preset_center" {
			pos += fmt.Sprint(pt.Index + 1)
		}
		text(sheet, face, x0, y0+tile+11, fmt.Sprintf("#%d %g%% %s", pt.ID, pt.Ratio*100, pos))
		text(sheet, face, x0, y0+tile+23, shortName(pt.Occluder))
	}
	return sheet
}

// shortKind labels position kinds on the sheet's narrow tiles.
var shortKind = map[string]string{"center": "center", "random": "rand", "explicit": "expl",
	"preset_center": "p-cnt", "preset_random": "p-rnd"}

func text(dst draw.Image, face font.Face, x, y int, s string) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(color.NRGBA{20, 20, 20, 255}), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// gradient is a light blue-to-sand gradient with a 1/8 grid, so placement is easy to read.
func gradient(size int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	step := max(size/8, 1)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			t := float64(x+y) / float64(2*size)
			c := color.NRGBA{uint8(170 + 60*t), uint8(195 + 20*t), uint8(225 - 60*t), 255}
			if x%step == 0 || y%step == 0 {
				c = color.NRGBA{c.R - 40, c.G - 40, c.B - 40, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}
