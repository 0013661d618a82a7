package sourcestest

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
)

// Size of the fixture images.
const (
	ImageW = 40
	ImageH = 30
)

//go:embed testdata/cmyk_adobe.jpg
var cmykAdobe []byte

//go:embed testdata/cmyk_ycck.jpg
var cmykYCCK []byte

// CMYKJPEG returns a 32x24 4-component JPEG written by Pillow (Adobe APP14, transform 0,
// inverted CMYK): top-left quarter red, top-right blue, bottom half yellow.
func CMYKJPEG() []byte { return bytes.Clone(cmykAdobe) }

// YCCKJPEG is the same picture written by ImageMagick as Adobe YCCK (transform 2).
func YCCKJPEG() []byte { return bytes.Clone(cmykYCCK) }

// Picture returns a w x h RGB picture whose content depends on seed (a colored
// gradient and a bright rectangle whose position varies).
func Picture(w, h, seed int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	s := uint32(seed)*2654435761 + 12345
	r0, g0, b0 := uint8(s>>24), uint8(s>>16), uint8(s>>8)
	rx, ry := int(s%uint32(w)), int((s/7)%uint32(h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{r0 + uint8(4*x), g0 + uint8(5*y), b0 + uint8(2*(x+y)), 255}
			if x >= rx && x < rx+w/4 && y >= ry && y < ry+h/4 {
				c = color.NRGBA{255 - c.R, 255 - c.G, 255 - c.B, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func mkdir(t testing.TB, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	mkdir(t, filepath.Dir(path))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// EncodeImage encodes img by the extension of name (.jpg/.jpeg/.JPEG quality 90, .png,
// .bmp).
func EncodeImage(name string, img image.Image) ([]byte, error) {
	var b bytes.Buffer
	var err error
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jpg", ".jpeg":
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 90})
	case ".png":
		err = png.Encode(&b, img)
	case ".bmp":
		err = bmp.Encode(&b, img)
	default:
		err = fmt.Errorf("no encoder for %s", name)
	}
	return b.Bytes(), err
}

// WriteImage writes Picture(ImageW, ImageH, seed) to path, encoded by its extension.
func WriteImage(t testing.TB, path string, seed int) {
	t.Helper()
	WriteImageOf(t, path, Picture(ImageW, ImageH, seed))
}

// WriteImageOf writes img to path, encoded by its extension.
func WriteImageOf(t testing.TB, path string, img image.Image) {
	t.Helper()
	b, err := EncodeImage(path, img)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, b)
}

// WriteGrayJPEG writes a grayscale (1-component) JPEG with a horizontal ramp.
func WriteGrayJPEG(t testing.TB, path string) {
	t.Helper()
	g := image.NewGray(image.Rect(0, 0, ImageW, ImageH))
	for y := 0; y < ImageH; y++ {
		for x := 0; x < ImageW; x++ {
			g.Pix[y*g.Stride+x] = uint8(x * 255 / (ImageW - 1))
		}
	}
	WriteImageOf(t, path, g)
}

// WriteCMYKJPEG writes CMYKJPEG() to path.
func WriteCMYKJPEG(t testing.TB, path string) {
	t.Helper()
	writeFile(t, path, cmykAdobe)
}

// WriteTruncatedJPEG writes the first half of a valid JPEG.
func WriteTruncatedJPEG(t testing.TB, path string) {
	t.Helper()
	b, err := EncodeImage(path+".jpg", Picture(ImageW, ImageH, 7))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, b[:len(b)/2])
}

// HugePNGHeader returns a PNG signature and a valid IHDR chunk claiming w x h RGB
// pixels, followed by a tiny IDAT and IEND (the pixel data is of course wrong).
func HugePNGHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(data)))
		b.Write(l[:])
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.BigEndian.PutUint32(l[:], c.Sum32())
		b.Write(l[:])
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// WriteHugePNG writes HugePNGHeader(w, h) to path.
func WriteHugePNG(t testing.TB, path string, w, h uint32) {
	t.Helper()
	writeFile(t, path, HugePNGHeader(w, h))
}

// WriteFile writes raw bytes (e.g. a zero-byte or corrupt image) to path.
func WriteFile(t testing.TB, path string, data []byte) {
	t.Helper()
	writeFile(t, path, data)
}

// Caltech101Classes are the 101 class folder names of Caltech-101 (BACKGROUND_Google
// excluded), in the dataset's case-insensitive alphabetical order.
var Caltech101Classes = strings.Fields(`accordion airplanes anchor ant barrel bass beaver
binocular bonsai brain brontosaurus buddha butterfly camera cannon car_side ceiling_fan
cellphone chair chandelier cougar_body cougar_face crab crayfish crocodile crocodile_head
cup dalmatian dollar_bill dolphin dragonfly electric_guitar elephant emu euphonium ewer
Faces Faces_easy ferry flamingo flamingo_head garfield gerenuk gramophone grand_piano
hawksbill headphone hedgehog helicopter ibis inline_skate joshua_tree kangaroo ketch lamp
laptop Leopards llama lobster lotus mandolin mayfly menorah metronome minaret Motorbikes
nautilus octopus okapi pagoda panda pigeon pizza platypus pyramid revolver rhino rooster
saxophone schooner scissors scorpion sea_horse snoopy soccer_ball stapler starfish
stegosaurus stop_sign strawberry sunflower tick trilobite umbrella watch water_lilly
wheelchair wild_cat windsor_chair wrench yin_yang`)

// Caltech101 writes dir/101_ObjectCategories/<class>/image_NNNN.jpg (1-based, perClass(class)
// images per class) and a BACKGROUND_Google folder with 2 images, and returns dir.
// classes nil means Caltech101Classes.
func Caltech101(t testing.TB, dir string, classes []string, perClass func(class string) int) string {
	t.Helper()
	if classes == nil {
		classes = Caltech101Classes
	}
	base := filepath.Join(dir, "101_ObjectCategories")
	for ci, c := range append(append([]string{}, classes...), "BACKGROUND_Google") {
		n := 2
		if c != "BACKGROUND_Google" {
			n = perClass(c)
		}
		mkdir(t, filepath.Join(base, c))
		for i := 1; i <= n; i++ {
			WriteImage(t, filepath.Join(base, c, fmt.Sprintf("image_%04d.jpg", i)), ci*1000+i)
		}
	}
	return dir
}

// ILSVRC writes an ILSVRC2012 tree: train/<wnid>/<wnid>_<i>.JPEG (trainPer a class; if
// trainPer >= 3 the first class's image 1 is a CMYK JPEG and image 2 a grayscale JPEG)
// and valPer validation images a class, numbered ILSVRC2012_val_00000001.JPEG.. with
// image n labelled wnids[(n-1) % len(wnids)]. valStyle:
//   - "loc_csv": flat val/ + LOC_val_solution.csv
//   - "devkit": flat val/ + ILSVRC2012_devkit_t12/data/{ILSVRC2012_validation_ground_truth.txt,
//     meta.mat}; devkit ids are assigned in reverse wnid order (id 1 = last wnid), as
//     the real devkit's ids differ from sorted-wnid order, plus one non-leaf synset
//   - "sorted": val/<wnid>/ILSVRC2012_val_NNNNNNNN.JPEG
//
// It returns dir.
func ILSVRC(t testing.TB, dir string, wnids []string, trainPer, valPer int, valStyle string) string {
	t.Helper()
	for ci, w := range wnids {
		mkdir(t, filepath.Join(dir, "train", w))
		for i := 1; i <= trainPer; i++ {
			p := filepath.Join(dir, "train", w, fmt.Sprintf("%s_%d.JPEG", w, i))
			switch {
			case ci == 0 && i == 1 && trainPer >= 3:
				WriteCMYKJPEG(t, p)
			case ci == 0 && i == 2 && trainPer >= 3:
				WriteGrayJPEG(t, p)
			default:
				WriteImage(t, p, ci*1000+i)
			}
		}
	}
	n := valPer * len(wnids)
	var csv strings.Builder
	csv.WriteString("ImageId,PredictionString\n")
	var gt strings.Builder
	devID := map[string]int{}
	for i, w := range wnids {
		devID[w] = len(wnids) - i
	}
	mkdir(t, filepath.Join(dir, "val"))
	for k := 1; k <= n; k++ {
		w := wnids[(k-1)%len(wnids)]
		name := fmt.Sprintf("ILSVRC2012_val_%08d", k)
		p := filepath.Join(dir, "val", name+".JPEG")
		if valStyle == "sorted" {
			p = filepath.Join(dir, "val", w, name+".JPEG")
		}
		WriteImage(t, p, 500000+k)
		fmt.Fprintf(&csv, "%s,%s 1 2 30 40 %s 5 6 20 25 \n", name, w, w)
		fmt.Fprintf(&gt, "%d\n", devID[w])
	}
	switch valStyle {
	case "loc_csv":
		writeFile(t, filepath.Join(dir, "LOC_val_solution.csv"), []byte(csv.String()))
	case "devkit":
		data := filepath.Join(dir, "ILSVRC2012_devkit_t12", "data")
		writeFile(t, filepath.Join(data, "ILSVRC2012_validation_ground_truth.txt"), []byte(gt.String()))
		st := MatStruct{Dims: []int{len(wnids) + 1, 1}, Fields: []string{"ILSVRC2012_ID", "WNID", "words", "num_children"}}
		for id := 1; id <= len(wnids); id++ {
			w := wnids[len(wnids)-id]
			st.Elems = append(st.Elems, []any{Row(float64(id)), w, "words for " + w, Row(0)})
		}
		st.Elems = append(st.Elems, []any{Row(float64(len(wnids) + 1)), "n99999999", "a non-leaf synset", Row(2)})
		if err := WriteMAT(filepath.Join(data, "meta.mat"), []MatVar{{Name: "synsets", Value: st}}, MatOptions{Compress: true}); err != nil {
			t.Fatal(err)
		}
	case "sorted":
	default:
		t.Fatalf("sourcestest.ILSVRC: unknown valStyle %q", valStyle)
	}
	return dir
}

// OxfordSplit is the split of the k-th (0-based) image of a class in the Oxford102
// fixture: k%3 == 0 train, 1 val, 2 test.
func OxfordSplit(k int) string { return [...]string{"train", "val", "test"}[k%3] }

// Oxford102 writes jpg/image_NNNNN.jpg, imagelabels.mat and setid.mat for classes
// labels (1..classes, at most 102) with perClass images each. Image n (1-based) has
// label ((n-1) % classes) + 1; splits follow OxfordSplit. It returns dir.
func Oxford102(t testing.TB, dir string, classes, perClass int) string {
	t.Helper()
	n := classes * perClass
	labels := make([]float64, n)
	var trn, val, tst []float64
	for i := 0; i < n; i++ {
		labels[i] = float64(i%classes + 1)
		switch OxfordSplit(i / classes) {
		case "train":
			trn = append(trn, float64(i+1))
		case "val":
			val = append(val, float64(i+1))
		default:
			tst = append(tst, float64(i+1))
		}
		WriteImage(t, filepath.Join(dir, "jpg", fmt.Sprintf("image_%05d.jpg", i+1)), i)
	}
	if err := WriteMAT(filepath.Join(dir, "imagelabels.mat"), []MatVar{{Name: "labels", Value: Row(labels...)}}, MatOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteMAT(filepath.Join(dir, "setid.mat"), []MatVar{
		{Name: "trnid", Value: Row(trn...)}, {Name: "valid", Value: Row(val...)}, {Name: "tstid", Value: Row(tst...)},
	}, MatOptions{Compress: true}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// CUBClassName is the fixture's name of CUB class id (1-based), e.g. "001.Bird_001".
func CUBClassName(id int) string { return fmt.Sprintf("%03d.Bird_%03d", id, id) }

// CUBBox is the fixture's bounding box (x, y, w, h) of image id (1-based).
func CUBBox(id int) [4]float64 {
	return [4]float64{float64(2 + id%5), float64(3 + id%4), float64(20 + id%7), float64(15 + id%3)}
}

// CUB200 writes a CUB-200-2011 tree with classes classes of perClass images; image ids
// run class by class; image k (0-based) of a class is a training image when k is even.
// It returns dir.
func CUB200(t testing.TB, dir string, classes, perClass int) string {
	t.Helper()
	var cl, im, lab, split, box strings.Builder
	id := 0
	for c := 1; c <= classes; c++ {
		name := CUBClassName(c)
		fmt.Fprintf(&cl, "%d %s\n", c, name)
		for k := 0; k < perClass; k++ {
			id++
			rel := fmt.Sprintf("%s/Bird_%03d_%04d.jpg", name, c, k+1)
			WriteImage(t, filepath.Join(dir, "images", filepath.FromSlash(rel)), id)
			fmt.Fprintf(&im, "%d %s\n", id, rel)
			fmt.Fprintf(&lab, "%d %d\n", id, c)
			fmt.Fprintf(&split, "%d %d\n", id, 1-k%2)
			b := CUBBox(id)
			fmt.Fprintf(&box, "%d %.1f %.1f %.1f %.1f\n", id, b[0], b[1], b[2], b[3])
		}
	}
	writeFile(t, filepath.Join(dir, "classes.txt"), []byte(cl.String()))
	writeFile(t, filepath.Join(dir, "images.txt"), []byte(im.String()))
	writeFile(t, filepath.Join(dir, "image_class_labels.txt"), []byte(lab.String()))
	writeFile(t, filepath.Join(dir, "train_test_split.txt"), []byte(split.String()))
	writeFile(t, filepath.Join(dir, "bounding_boxes.txt"), []byte(box.String()))
	return dir
}

// AR writes the cropped AR faces of men men and women women, 26 BMP images each
// (M-001-01.bmp .. W-0nn-26.bmp, 24x33 pixels), flat in dir, and returns dir.
func AR(t testing.TB, dir string, men, women int) string {
	t.Helper()
	mkdir(t, dir)
	for _, g := range []struct {
		p string
		n int
	}{{"M", men}, {"W", women}} {
		for s := 1; s <= g.n; s++ {
			for i := 1; i <= 26; i++ {
				WriteImageOf(t, filepath.Join(dir, fmt.Sprintf("%s-%03d-%02d.bmp", g.p, s, i)), Picture(24, 33, s*100+i))
			}
		}
	}
	return dir
}

// FashionMNISTLabel is the label of image i in the FashionMNIST fixture.
func FashionMNISTLabel(i int) byte { return byte(i % 10) }

// FashionMNIST writes the four Fashion-MNIST IDX files (28x28 images, image i has label
// FashionMNISTLabel(i) and pixel (x, y) = (i + x + 2y) % 256), gzipped when gz, and
// returns dir.
func FashionMNIST(t testing.TB, dir string, nTrain, nTest int, gz bool) string {
	t.Helper()
	for _, sp := range []struct {
		prefix string
		n      int
	}{{"train", nTrain}, {"t10k", nTest}} {
		imgs := IDXHeader(sp.n, 28, 28)
		labs := IDXHeader(sp.n)
		for i := 0; i < sp.n; i++ {
			for y := 0; y < 28; y++ {
				for x := 0; x < 28; x++ {
					imgs = append(imgs, byte(i+x+2*y))
				}
			}
			labs = append(labs, FashionMNISTLabel(i))
		}
		for name, data := range map[string][]byte{sp.prefix + "-images-idx3-ubyte": imgs, sp.prefix + "-labels-idx1-ubyte": labs} {
			if gz {
				var b bytes.Buffer
				zw := gzip.NewWriter(&b)
				zw.Write(data)
				zw.Close()
				name, data = name+".gz", b.Bytes()
			}
			writeFile(t, filepath.Join(dir, name), data)
		}
	}
	return dir
}

// IDXHeader returns the header of an unsigned-byte IDX file with the given dimensions.
func IDXHeader(dims ...int) []byte {
	b := []byte{0, 0, 8, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return b
}
