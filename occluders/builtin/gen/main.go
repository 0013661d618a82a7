//go:build ignore

// Command gen extracts the objects30 built-in occluder set from Debian's openclipart-png
// package (public-domain clip art). It is a one-off, reproducible step:
//
//	apt-get install openclipart-png
//	go run ./occluders/builtin/gen            # from the module root
//
// For each of the 10 categories (one per column) and 3 sources (rows) it decodes the PNG,
// crops it to the bounding box of alpha > 0, downscales it (Catmull-Rom) so that the longer
// side is at most 128 px, crops again and writes occluders/builtin/objects30/rRcCC-<cat>-<n>.png
// plus SOURCES.md. With -sheet FILE it also writes a contact sheet for visual checking.
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	stddraw "image/draw"
	"image/png"
	"log"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/image/draw"
)

const root = "/usr/share/openclipart/png"

// categories lists, per column, the category label and its three sources (rows 1..3).
var categories = []struct {
	name string
	srcs [3]string
}{
	{"apple", [3]string{"food/fruit/an_apple_01.png", "food/fruit/apple.png", "food/fruit/another_apple_01.png"}},
	{"pear", [3]string{"food/fruit/pear.png", "food/fruit/pear_02.png", "food/fruit/green_pear_01.png"}},
	{"butterfly", [3]string{"animals/bugs/farfalla_butterfly_fra1.png", "animals/bugs/butterfly_jonathan_dietr_01.png", "animals/bugs/butterfly_jonvdveen_01.png"}},
	{"cup", [3]string{"food/beverages/mug.png", "food/beverages/teacup_ganson.png", "office/cup_rollandin_francesco_.png"}},
	{"clock", [3]string{"signs_and_symbols/clocks/alarm_clock_gerald_g._01.png", "signs_and_symbols/clocks/alarm_clock_mike_powers_.png", "signs_and_symbols/clocks/analog_clock_jonathan_di_01.png"}},
	{"lamp", [3]string{"office/desk_lamp_gerald_g._01.png", "tools/hurricane_lamp_ganson.png", "unsorted/lampada_da_cantiere.png"}},
	{"bottle", [3]string{"food/beverages/bottled_drink.png", "tools/bottle_jean_victor_balin_.png", "food/beverages/baby_bottle_01.png"}},
	{"hat", [3]string{"people/clothing/hats/tophat_benji_park_01.png", "people/clothing/adventurer_hat_nicu_bucu_01.png", "people/clothing/hats/hat_-_clothing_nicu_bucu_03.png"}},
	{"car", [3]string{"transportation/vehicles/car.png", "transportation/vehicles/blazer_01.png", "transportation/vehicles/hummer_01.png"}},
	{"ball", [3]string{"recreation/sports/soccer_ball_ganson.png", "recreation/sports/8_ball_jarno_vasamaa.png", "recreation/sports/baseball_bw_ganson.png"}},
}

func main() {
	out := flag.String("out", "occluders/builtin/objects30", "output folder")
	sheet := flag.String("sheet", "", "also write a contact sheet PNG here")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	var md strings.Builder
	md.WriteString("# objects30 sources\n\n")
	md.WriteString("The 30 occluders of the `objects30` built-in set (3 rows x 10 columns, one category per\n")
	md.WriteString("column) were cut from public-domain clip art shipped by Debian's `openclipart-png`\n")
	md.WriteString("package (files under `/usr/share/openclipart/png/`), by `occluders/builtin/gen/main.go`:\n")
	md.WriteString("crop to the alpha bounding box, Catmull-Rom downscale so the longer side is at most\n")
	md.WriteString("128 px, crop again.\n\n| file | source (relative to /usr/share/openclipart/png) |\n|---|---|\n")
	cell := 132
	sh := image.NewNRGBA(image.Rect(0, 0, cell*10, cell*3))
	for y := 0; y < cell*3; y++ {
		for x := 0; x < cell*10; x++ {
			v := uint8(200)
			if (x/8+y/8)%2 == 0 {
				v = 150
			}
			sh.SetNRGBA(x, y, color.NRGBA{v, v, v, 255})
		}
	}
	for r := 0; r < 3; r++ {
		for c, cat := range categories {
			src := cat.srcs[r]
			img, err := load(filepath.Join(root, src))
			if err != nil {
				log.Fatal(err)
			}
			img = crop(img)
			b := img.Bounds()
			long := max(b.Dx(), b.Dy())
			if long > 128 {
				w := max(1, (b.Dx()*128+long/2)/long)
				h := max(1, (b.Dy()*128+long/2)/long)
				dst := image.NewNRGBA(image.Rect(0, 0, w, h))
				draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
				img = crop(dst)
			}
			name := fmt.Sprintf("r%dc%02d-%s-%d.png", r+1, c+1, cat.name, r+1)
			if err := save(filepath.Join(*out, name), img); err != nil {
				log.Fatal(err)
			}
			fmt.Fprintf(&md, "| `%s` | `%s` |\n", name, src)
			ib := img.Bounds()
			stddraw.Draw(sh, image.Rect(c*cell, r*cell, c*cell+ib.Dx(), r*cell+ib.Dy()), img, ib.Min, stddraw.Over)
		}
	}
	md.WriteString("\n## Licence\n\nFrom `/usr/share/doc/openclipart-png/copyright`: the Open Clip Art Library images are\n")
	md.WriteString("released under the Creative Commons Public Domain Dedication (\"Copyright-Only Dedication\n")
	md.WriteString("(based on United States law) or Public Domain Certification\"): the dedicators place the\n")
	md.WriteString("works in the public domain, so they \"may be freely reproduced, distributed, transmitted,\n")
	md.WriteString("used, modified, built upon, or otherwise exploited by anyone for any purpose, commercial or\n")
	md.WriteString("non-commercial, and in any media\". Each upstream image's author is recorded in the\n")
	md.WriteString("openclipart.org metadata; the derived occluders here are likewise dedicated to the public\n")
	md.WriteString("domain.\n")
	if err := os.WriteFile(filepath.Join(*out, "SOURCES.md"), []byte(md.String()), 0o644); err != nil {
		log.Fatal(err)
	}
	if *sheet != "" {
		if err := save(*sheet, sh); err != nil {
			log.Fatal(err)
		}
	}
}

func load(path string) (*image.NRGBA, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	n := image.NewNRGBA(img.Bounds())
	stddraw.Draw(n, n.Bounds(), img, img.Bounds().Min, stddraw.Src)
	return n, nil
}

// crop returns img cut to the bounding box of alpha > 0, re-based at (0,0).
func crop(img *image.NRGBA) *image.NRGBA {
	b := img.Bounds()
	bb := image.Rectangle{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.NRGBAAt(x, y).A > 0 {
				bb = bb.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	out := image.NewNRGBA(image.Rect(0, 0, bb.Dx(), bb.Dy()))
	stddraw.Draw(out, out.Bounds(), img, bb.Min, stddraw.Src)
	return out
}

func save(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
