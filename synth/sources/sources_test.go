package sources_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/synth/preprocess"
	"github.com/occbench/occbench/synth/sources"
	"github.com/occbench/occbench/synth/sources/sourcestest"
)

func open(t *testing.T, layout, root string) sources.Source {
	t.Helper()
	s, err := sources.Open(layout, root, sources.Options{})
	if err != nil {
		t.Fatalf("Open(%s): %v", layout, err)
	}
	if s.Layout() != layout {
		t.Fatalf("Layout() = %s", s.Layout())
	}
	items := s.Items()
	if !slices.IsSortedFunc(items, func(a, b sources.Item) int { return strings.Compare(a.ID, b.ID) }) {
		t.Fatal("items not sorted by ID")
	}
	classes := map[string]bool{}
	for _, c := range s.Classes() {
		classes[c] = true
	}
	for _, it := range items {
		if !classes[it.Class] {
			t.Fatalf("item %s has class %q not in Classes()", it.ID, it.Class)
		}
	}
	return s
}

func countBy(items []sources.Item, f func(sources.Item) string) map[string]int {
	m := map[string]int{}
	for _, it := range items {
		m[f(it)]++
	}
	return m
}

func split(it sources.Item) string { return it.Attrs["split"] }

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not contain %q", err, p)
		}
	}
}

func TestLayouts(t *testing.T) {
	// Every layout a manifest may name opens here, and no other.
	want := append([]string(nil), manifests.Layouts...)
	sort.Strings(want)
	if got := sources.Layouts(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("sources.Layouts() = %v, manifests accept %v", got, want)
	}
	_, err := sources.Open("nope", t.TempDir(), sources.Options{})
	if !errors.Is(err, sources.ErrUnknownLayout) {
		t.Fatal(err)
	}
}

func TestCaltech101(t *testing.T) {
	if len(sourcestest.Caltech101Classes) != 101 {
		t.Fatalf("%d caltech classes", len(sourcestest.Caltech101Classes))
	}
	// Shuffle-free fixture with classes given in scrambled order: Open must sort.
	classes := slices.Clone(sourcestest.Caltech101Classes)
	slices.Reverse(classes)
	root := sourcestest.Caltech101(t, t.TempDir(), classes, func(c string) int {
		if c == "Faces" || c == "tick" {
			return 3
		}
		return 1
	})
	for _, r := range []string{root, filepath.Join(root, "101_ObjectCategories")} {
		s := open(t, sources.LayoutCaltech101, r)
		got := s.Classes()
		if !slices.Equal(got, sourcestest.Caltech101Classes) {
			t.Fatalf("classes order:\n%v", got)
		}
		if got[90] != "sunflower" || got[91] != "tick" || got[36] != "Faces" || got[37] != "Faces_easy" {
			t.Fatal("accordion..sunflower rule broken", got[90], got[91])
		}
		items := s.Items()
		if len(items) != 99+6 {
			t.Fatalf("%d items", len(items))
		}
		n := countBy(items, func(it sources.Item) string { return it.Class })
		if n["Faces"] != 3 || n["BACKGROUND_Google"] != 0 {
			t.Fatal(n)
		}
		if items[0].ID != "Faces/image_0001.jpg" && items[0].ID != "Faces_easy/image_0001.jpg" {
			t.Logf("first id %s", items[0].ID)
		}
		img, err := s.Decode(items[0])
		if err != nil || img.Bounds().Dx() != sourcestest.ImageW {
			t.Fatal(img, err)
		}
	}
	_, err := sources.Open(sources.LayoutCaltech101, t.TempDir(), sources.Options{})
	wantErr(t, err, "no 101_ObjectCategories folder")
	_, err = sources.Open(sources.LayoutCaltech101, filepath.Join(t.TempDir(), "missing"), sources.Options{})
	wantErr(t, err, "missing", "not a folder")
	_, err = sources.Open(sources.LayoutCaltech101, "", sources.Options{})
	wantErr(t, err, "no root")
}

func TestCaseInsensitiveOrder(t *testing.T) {
	l := []string{"b", "B", "a", "Faces_easy", "faces", "Faces"}
	slices.SortFunc(l, func(a, b string) int {
		if sources.CaseInsensitiveLess(a, b) {
			return -1
		}
		if sources.CaseInsensitiveLess(b, a) {
			return 1
		}
		return 0
	})
	if fmt.Sprint(l) != "[a B b Faces faces Faces_easy]" {
		t.Fatal(l)
	}
}

var wnids = []string{"n01440764", "n01443537", "n01484850"}

func TestILSVRC(t *testing.T) {
	for _, style := range []string{"loc_csv", "devkit", "sorted"} {
		t.Run(style, func(t *testing.T) {
			root := sourcestest.ILSVRC(t, t.TempDir(), wnids, 3, 2, style)
			s := open(t, sources.LayoutILSVRC2012, root)
			if !slices.Equal(s.Classes(), wnids) {
				t.Fatal(s.Classes())
			}
			items := s.Items()
			if n := countBy(items, split); n["train"] != 9 || n["val"] != 6 {
				t.Fatal(n)
			}
			for _, it := range items {
				if split(it) != "val" {
					continue
				}
				var k int
				fmt.Sscanf(filepath.Base(it.ID), "ILSVRC2012_val_%08d.JPEG", &k)
				if want := wnids[(k-1)%len(wnids)]; it.Class != want {
					t.Fatalf("%s: class %s, want %s", it.ID, it.Class, want)
				}
			}
			// CMYK and grayscale train images decode to plausible RGB.
			for _, it := range items {
				if it.ID == "train/n01440764/n01440764_1.JPEG" || it.ID == "train/n01440764/n01440764_2.JPEG" {
					img, err := s.Decode(it)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := preprocess.Apply(img, preprocess.ShorterCrop, 16, 20, nil); err != nil {
						t.Fatal(err)
					}
				}
			}
		})
	}
}

func TestILSVRCErrors(t *testing.T) {
	_, err := sources.Open(sources.LayoutILSVRC2012, t.TempDir(), sources.Options{})
	wantErr(t, err, "neither a train/ nor a val/")

	root := sourcestest.ILSVRC(t, t.TempDir(), wnids, 1, 1, "loc_csv")
	csv := filepath.Join(root, "LOC_val_solution.csv")
	b, _ := os.ReadFile(csv)
	lines := strings.Split(string(b), "\n")
	lines[2] = "ILSVRC2012_val_00000002"
	os.WriteFile(csv, []byte(strings.Join(lines, "\n")), 0o644)
	_, err = sources.Open(sources.LayoutILSVRC2012, root, sources.Options{})
	wantErr(t, err, "LOC_val_solution.csv:3:")
	os.WriteFile(csv, []byte("Id,Label\n"), 0o644)
	_, err = sources.Open(sources.LayoutILSVRC2012, root, sources.Options{})
	wantErr(t, err, "LOC_val_solution.csv:1:", "header")
	os.Remove(csv)
	_, err = sources.Open(sources.LayoutILSVRC2012, root, sources.Options{})
	wantErr(t, err, "no label file")

	root = sourcestest.ILSVRC(t, t.TempDir(), wnids, 1, 1, "devkit")
	gt := filepath.Join(root, "ILSVRC2012_devkit_t12/data/ILSVRC2012_validation_ground_truth.txt")
	os.WriteFile(gt, []byte("1\nx\n3\n"), 0o644)
	_, err = sources.Open(sources.LayoutILSVRC2012, root, sources.Options{})
	wantErr(t, err, "ILSVRC2012_validation_ground_truth.txt:2:")
	os.WriteFile(gt, []byte("1\n2\n77\n"), 0o644)
	_, err = sources.Open(sources.LayoutILSVRC2012, root, sources.Options{})
	wantErr(t, err, "ILSVRC2012_validation_ground_truth.txt:3:", "77")
	meta := filepath.Join(root, "ILSVRC2012_devkit_t12/data/meta.mat")
	os.WriteFile(meta, []byte("garbage"), 0o644)
	_, err = sources.Open(sources.LayoutILSVRC2012, root, sources.Options{})
	wantErr(t, err, "meta.mat")
}

func TestOxford102(t *testing.T) {
	root := sourcestest.Oxford102(t, t.TempDir(), 5, 4)
	s := open(t, sources.LayoutOxford102, root)
	cl := s.Classes()
	if len(cl) != 102 || cl[0] != "class_001" || cl[101] != "class_102" {
		t.Fatal(cl)
	}
	items := s.Items()
	if len(items) != 20 {
		t.Fatal(len(items))
	}
	if n := countBy(items, split); n["train"] != 10 || n["val"] != 5 || n["test"] != 5 {
		t.Fatal(n)
	}
	for i, it := range items {
		if it.ID != fmt.Sprintf("jpg/image_%05d.jpg", i+1) || it.Class != fmt.Sprintf("class_%03d", i%5+1) || split(it) != sourcestest.OxfordSplit(i/5) {
			t.Fatalf("%d: %+v", i, it)
		}
	}
	// Errors: missing image, bad label, bad setid.
	os.Remove(filepath.Join(root, "jpg", "image_00007.jpg"))
	_, err := sources.Open(sources.LayoutOxford102, root, sources.Options{})
	wantErr(t, err, "image 7", "missing")
	sourcestest.WriteMAT(filepath.Join(root, "imagelabels.mat"), []sourcestest.MatVar{{Name: "labels", Value: sourcestest.Row(1, 2, 103, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5)}}, sourcestest.MatOptions{})
	_, err = sources.Open(sources.LayoutOxford102, root, sources.Options{})
	wantErr(t, err, "imagelabels.mat", "labels(3) = 103")
	sourcestest.WriteMAT(filepath.Join(root, "imagelabels.mat"), []sourcestest.MatVar{{Name: "lbl", Value: sourcestest.Row(1)}}, sourcestest.MatOptions{})
	_, err = sources.Open(sources.LayoutOxford102, root, sources.Options{})
	wantErr(t, err, "imagelabels.mat", `no variable "labels"`)
	_, err = sources.Open(sources.LayoutOxford102, t.TempDir(), sources.Options{})
	wantErr(t, err, "no jpg folder")
}

func TestCUB200(t *testing.T) {
	root := sourcestest.CUB200(t, t.TempDir(), 3, 4)
	s := open(t, sources.LayoutCUB200, root)
	if !slices.Equal(s.Classes(), []string{sourcestest.CUBClassName(1), sourcestest.CUBClassName(2), sourcestest.CUBClassName(3)}) {
		t.Fatal(s.Classes())
	}
	items := s.Items()
	if n := countBy(items, split); n["train"] != 6 || n["test"] != 6 {
		t.Fatal(n)
	}
	// Ids run class by class, so sorted items are in id order here.
	for i, it := range items {
		b := sourcestest.CUBBox(i + 1)
		want := image.Rect(int(b[0]), int(b[1]), int(b[0]+b[2]), int(b[1]+b[3]))
		if it.BBox == nil || *it.BBox != want {
			t.Fatalf("%s: bbox %v want %v", it.ID, it.BBox, want)
		}
		img, err := s.Decode(it)
		if err != nil {
			t.Fatal(err)
		}
		out, err := preprocess.Apply(img, preprocess.BBoxCrop, 8, 0, it.BBox)
		if err != nil || out.Rect.Dx() != 8 {
			t.Fatal(err)
		}
	}
	// Parent of CUB_200_2011 is accepted.
	parent := t.TempDir()
	sourcestest.CUB200(t, filepath.Join(parent, "CUB_200_2011"), 2, 2)
	open(t, sources.LayoutCUB200, parent)

	bb := filepath.Join(root, "bounding_boxes.txt")
	os.WriteFile(bb, []byte("1 1 2 3 4\n2 1 2 x 4\n"), 0o644)
	_, err := sources.Open(sources.LayoutCUB200, root, sources.Options{})
	wantErr(t, err, "bounding_boxes.txt:2:", `"x"`)
	os.WriteFile(bb, []byte("1 1 2 3\n"), 0o644)
	_, err = sources.Open(sources.LayoutCUB200, root, sources.Options{})
	wantErr(t, err, "bounding_boxes.txt:1:", "4 fields, want 5")
	sourcestest.CUB200(t, root, 3, 4) // restore
	os.WriteFile(filepath.Join(root, "image_class_labels.txt"), []byte("1 1\n2 9\n"), 0o644)
	_, err = sources.Open(sources.LayoutCUB200, root, sources.Options{})
	wantErr(t, err, "image_class_labels.txt:2:")
	_, err = sources.Open(sources.LayoutCUB200, t.TempDir(), sources.Options{})
	wantErr(t, err, "no images.txt")
}

func TestAR(t *testing.T) {
	root := sourcestest.AR(t, t.TempDir(), 2, 1)
	// A subfolder with PNG images of another subject.
	sourcestest.WriteImage(t, filepath.Join(root, "extra", "W-050-14.png"), 1)
	sourcestest.WriteFile(t, filepath.Join(root, "README.txt"), []byte("hi"))
	s := open(t, sources.LayoutAR, root)
	if !slices.Equal(s.Classes(), []string{"M-001", "M-002", "W-001", "W-050"}) {
		t.Fatal(s.Classes())
	}
	items := s.Items()
	if len(items) != 3*26+1 {
		t.Fatal(len(items))
	}
	want := map[int][3]string{}
	for i := 1; i <= 26; i++ {
		k := (i-1)%13 + 1
		occ := "none"
		if k >= 8 && k <= 10 {
			occ = "sunglasses"
		} else if k >= 11 {
			occ = "scarf"
		}
		neutral := fmt.Sprint(i == 8 || i == 11 || i == 21 || i == 24)
		want[i] = [3]string{fmt.Sprint(1 + (i-1)/13), occ, neutral}
	}
	for _, it := range items {
		if it.Class != "M-002" {
			continue
		}
		var idx int
		fmt.Sscanf(it.Attrs["index"], "%d", &idx)
		w := want[idx]
		if it.Attrs["session"] != w[0] || it.Attrs["occlusion"] != w[1] || it.Attrs["neutral"] != w[2] ||
			it.Attrs["gender"] != "m" || it.Attrs["subject"] != "M-002" || it.ID != fmt.Sprintf("M-002-%02d.bmp", idx) {
			t.Fatalf("%s: %v, want %v", it.ID, it.Attrs, w)
		}
	}
	n := countBy(items, func(it sources.Item) string { return it.Attrs["occlusion"] + it.Attrs["session"] })
	if n["none1"] != 21 || n["sunglasses2"] != 9 || n["scarf1"] != 9 || n["none2"] != 22 {
		t.Fatal(n)
	}
	img, err := s.Decode(items[0])
	if err != nil || img.Bounds().Dx() != 24 {
		t.Fatal(img, err)
	}
	sourcestest.WriteImage(t, filepath.Join(root, "dup", "M-001-01.png"), 1)
	_, err = sources.Open(sources.LayoutAR, root, sources.Options{})
	wantErr(t, err, "M-001-01 found twice")
	_, err = sources.Open(sources.LayoutAR, t.TempDir(), sources.Options{})
	wantErr(t, err, "no AR face images")
}

func TestFashionMNISTFixture(t *testing.T) {
	for _, gz := range []bool{false, true} {
		root := sourcestest.FashionMNIST(t, t.TempDir(), 23, 7, gz)
		s := open(t, sources.LayoutFashionMNIST, root)
		if len(s.Classes()) != 10 || s.Classes()[0] != "T-shirt/top" || s.Classes()[9] != "Ankle boot" {
			t.Fatal(s.Classes())
		}
		items := s.Items()
		if n := countBy(items, split); n["train"] != 23 || n["test"] != 7 {
			t.Fatal(n)
		}
		for _, it := range items {
			var sp string
			var i int
			fmt.Sscanf(strings.ReplaceAll(it.ID, "/", " "), "fashion-mnist %s %d", &sp, &i)
			if it.Class != sources.FashionMNISTClasses[sourcestest.FashionMNISTLabel(i)] {
				t.Fatalf("%s: %s", it.ID, it.Class)
			}
			img, err := s.Decode(it)
			if err != nil {
				t.Fatal(err)
			}
			g := img.(*image.Gray)
			if g.Rect.Dx() != 28 || g.GrayAt(3, 5).Y != byte(i+3+10) {
				t.Fatalf("%s: pixel %d", it.ID, g.GrayAt(3, 5).Y)
			}
		}
		if _, err := s.Decode(sources.Item{ID: "fashion-mnist/train/99999"}); err == nil {
			t.Fatal("bad id decoded")
		}
	}
	dir := t.TempDir()
	sourcestest.FashionMNIST(t, dir, 3, 3, false)
	os.WriteFile(filepath.Join(dir, "t10k-labels-idx1-ubyte"), append(sourcestest.IDXHeader(3), 1, 2, 10), 0o644)
	_, err := sources.Open(sources.LayoutFashionMNIST, dir, sources.Options{})
	wantErr(t, err, "t10k-labels-idx1-ubyte", "label 2 is 10")
	os.WriteFile(filepath.Join(dir, "t10k-labels-idx1-ubyte"), append(sourcestest.IDXHeader(4), 1, 2, 3), 0o644)
	_, err = sources.Open(sources.LayoutFashionMNIST, dir, sources.Options{})
	wantErr(t, err, "t10k-labels-idx1-ubyte", "need 4 bytes")
	os.Remove(filepath.Join(dir, "t10k-labels-idx1-ubyte"))
	_, err = sources.Open(sources.LayoutFashionMNIST, dir, sources.Options{})
	wantErr(t, err, "neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz")
}

// TestFashionMNISTReal reads the real dataset where Debian's dataset-fashion-mnist is
// installed.
func TestFashionMNISTReal(t *testing.T) {
	if _, err := os.Stat(sources.DefaultFashionMNISTRoot); err != nil {
		t.Skipf("real Fashion-MNIST not installed at %s (apt-get install dataset-fashion-mnist): %v", sources.DefaultFashionMNISTRoot, err)
	}
	s := open(t, sources.LayoutFashionMNIST, "")
	items := s.Items()
	n := countBy(items, split)
	if n["train"] != 60000 || n["test"] != 10000 || len(s.Classes()) != 10 {
		t.Fatal(n)
	}
	perClass := countBy(items, func(it sources.Item) string { return split(it) + it.Class })
	if perClass["trainBag"] != 6000 || perClass["testAnkle boot"] != 1000 {
		t.Fatal(perClass)
	}
	img, err := s.Decode(items[len(items)-1])
	if err != nil {
		t.Fatal(err)
	}
	out, err := preprocess.Apply(img, preprocess.Resize, 32, 0, nil)
	if err != nil || out.Rect.Dx() != 32 {
		t.Fatal(err)
	}
}

func TestDecodeErrors(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]struct {
		write func(p string)
		want  string
	}{
		"zero.jpg":    {func(p string) { sourcestest.WriteFile(t, p, nil) }, "empty file"},
		"trunc.jpg":   {func(p string) { sourcestest.WriteTruncatedJPEG(t, p) }, "truncated"},
		"huge.png":    {func(p string) { sourcestest.WriteHugePNG(t, p, 100000, 100000) }, "100000x100000"},
		"garbage.jpg": {func(p string) { sourcestest.WriteFile(t, p, []byte("hello, not an image")) }, "not a recognised image"},
		"missing.jpg": {func(p string) {}, "file does not exist"},
		"fifo.jpg": {func(p string) {
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "not a regular file (a named pipe)"},
		"headonly.jpeg": {func(p string) { sourcestest.WriteFile(t, p, []byte{0xff, 0xd8, 0xff}) }, "jpeg"},
	}
	for name, c := range cases {
		p := filepath.Join(dir, name)
		c.write(p)
		img, err := sources.DecodeFile(p, 0)
		if img != nil {
			t.Errorf("%s decoded", name)
		}
		wantErr(t, err, p, c.want)
		if name == "huge.png" && !errors.Is(err, sources.ErrTooLarge) {
			t.Error("huge not ErrTooLarge")
		}
	}
	// The guard uses MaxPixels.
	p := filepath.Join(dir, "ok.png")
	sourcestest.WriteImage(t, p, 1)
	if _, err := sources.DecodeFile(p, 100); !errors.Is(err, sources.ErrTooLarge) {
		t.Fatal(err)
	}
	if _, err := sources.DecodeFile(p, 0); err != nil {
		t.Fatal(err)
	}
	// Through a Source: a zero-byte caltech image errors naming the file, others decode.
	root := sourcestest.Caltech101(t, t.TempDir(), []string{"a", "b"}, func(string) int { return 2 })
	bad := filepath.Join(root, "101_ObjectCategories", "a", "image_0002.jpg")
	os.WriteFile(bad, nil, 0o644)
	s := open(t, sources.LayoutCaltech101, root)
	for _, it := range s.Items() {
		_, err := s.Decode(it)
		if (it.Path == bad) != (err != nil) {
			t.Fatalf("%s: %v", it.ID, err)
		}
		if err != nil {
			wantErr(t, err, bad)
		}
	}
}

// TestCMYKWithoutAdobe: a 4-component JPEG without an Adobe APP14 marker (Pillow's CMYK
// JPEG with the marker cut out) was skipped as corrupt (#11); it decodes as Pillow 9.4
// decodes it: as CMYK stored inverted. testdata/cmyk_noadobe.pillow.cmyk holds Pillow's
// CMYK samples (Image.open(...).tobytes()); image/jpeg's IDCT rounds differently from
// libjpeg's by at most 1 (as for every JPEG the pure-Go path decodes), while reading the
// samples uninverted would be off by up to 255. cmyk_noadobe.pillow.png is Pillow's
// convert("RGB"), which preprocess.ToRGB meets within 2 (the IDCT's 1 and image/color's
// CMYK formula, which rounds differently from Pillow's).
func TestCMYKWithoutAdobe(t *testing.T) {
	data, err := os.ReadFile("testdata/cmyk_noadobe.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("Adobe")) {
		t.Fatal("test bug: the fixture has an Adobe marker")
	}
	img, err := sources.DecodeBytes(data, 0)
	if err != nil {
		t.Fatal(err)
	}
	cm, ok := img.(*image.CMYK)
	if !ok {
		t.Fatalf("decoded as %T, want CMYK", img)
	}
	pil, err := os.ReadFile("testdata/cmyk_noadobe.pillow.cmyk")
	if err != nil {
		t.Fatal(err)
	}
	w, h := cm.Rect.Dx(), cm.Rect.Dy()
	if len(pil) != 4*w*h {
		t.Fatalf("%dx%d decoded, Pillow has %d bytes", w, h, len(pil))
	}
	for y := range h {
		row := cm.Pix[cm.PixOffset(cm.Rect.Min.X, cm.Rect.Min.Y+y):][:4*w]
		for i, v := range row {
			if d(v, pil[4*w*y+i]) > 1 {
				t.Fatalf("pixel (%d,%d) channel %d: %d, Pillow %d", i/4, y, i%4, v, pil[4*w*y+i])
			}
		}
	}
	got := preprocess.ToRGB(img, img.Bounds())
	ref, err := sources.DecodeFile("testdata/cmyk_noadobe.pillow.png", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := preprocess.ToRGB(ref, ref.Bounds())
	for i := range got.Pix {
		if d(got.Pix[i], want.Pix[i]) > 2 {
			t.Fatalf("pixel (%d,%d) channel %d: %d, Pillow %d", i/4%w, i/4/w, i%4, got.Pix[i], want.Pix[i])
		}
	}
}

func TestCMYKAndGray(t *testing.T) {
	for name, data := range map[string][]byte{"adobe": sourcestest.CMYKJPEG(), "ycck": sourcestest.YCCKJPEG()} {
		img, err := sources.DecodeBytes(data, 0)
		if err != nil {
			t.Fatal(name, err)
		}
		if _, ok := img.(*image.CMYK); !ok {
			t.Fatalf("%s: %T", name, img)
		}
		rgb := preprocess.ToRGB(img, img.Bounds())
		for _, c := range []struct {
			x, y    int
			r, g, b uint8
		}{{4, 4, 255, 0, 0}, {28, 4, 0, 0, 255}, {10, 20, 255, 255, 0}} {
			p := rgb.NRGBAAt(c.x, c.y)
			if d(p.R, c.r) > 24 || d(p.G, c.g) > 24 || d(p.B, c.b) > 24 || p.A != 255 {
				t.Errorf("%s (%d,%d) = %v, want %d,%d,%d", name, c.x, c.y, p, c.r, c.g, c.b)
			}
		}
	}
	p := filepath.Join(t.TempDir(), "g.jpg")
	sourcestest.WriteGrayJPEG(t, p)
	img, err := sources.DecodeFile(p, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := img.(*image.Gray); !ok {
		t.Fatalf("%T", img)
	}
	rgb := preprocess.ToRGB(img, img.Bounds())
	l, r := rgb.NRGBAAt(1, 10), rgb.NRGBAAt(sourcestest.ImageW-2, 10)
	if l.R != l.G || l.G != l.B || r.R != r.B || l.R > 30 || r.R < 225 {
		t.Fatal(l, r)
	}
}

func d(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// TestOxford102LabelsNotRegular: an imagelabels.mat that is a named pipe is refused
// instead of hanging the open (#11: only regular files are read).
func TestOxford102LabelsNotRegular(t *testing.T) {
	root := sourcestest.Oxford102(t, t.TempDir(), 2, 2)
	p := filepath.Join(root, "imagelabels.mat")
	os.Remove(p)
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := sources.Open(sources.LayoutOxford102, root, sources.Options{})
	if err == nil || !strings.Contains(err.Error(), "imagelabels.mat: not a regular file (a named pipe)") {
		t.Fatalf("%v", err)
	}
}
