package sources

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/occbench/occbench/internal/atomicfile"
)

// DefaultFashionMNISTRoot is where Debian's dataset-fashion-mnist package installs the data.
const DefaultFashionMNISTRoot = "/usr/share/datasets/fashion-mnist"

// FashionMNISTClasses are the 10 standard Fashion-MNIST class names, in label order.
var FashionMNISTClasses = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// FashionMNISTFiles are the IDX file base names (each may carry a .gz suffix).
var FashionMNISTFiles = []string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
	"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}

type fashionSplit struct {
	name   string // train | test
	w, h   int
	pixels []byte
	labels []byte
}

type fashionSource struct {
	root   string
	splits map[string]*fashionSplit
	items  []Item
}

func openFashionMNIST(root string, opt Options) (Source, error) {
	if root == "" || filepath.Clean(root) == DefaultFashionMNISTRoot {
		// The default: Debian's copy, else the user cache, downloading into it once.
		root = fashionDebianRoot
		if !hasFashionFiles(root) {
			var err error
			if root, err = fashionMNISTCache(); err != nil {
				return nil, err
			}
		}
	}
	if !isDir(root) {
		return nil, fmt.Errorf("fashion-mnist: root %s is not a folder (leave root empty to use %s or download into the user cache)", root, DefaultFashionMNISTRoot)
	}
	s := &fashionSource{root: root, splits: map[string]*fashionSplit{}}
	for _, sp := range []struct{ name, prefix string }{{"train", "train"}, {"test", "t10k"}} {
		imgs, err := readFashionFile(root, sp.prefix+"-images-idx3-ubyte")
		if err != nil {
			return nil, err
		}
		labs, err := readFashionFile(root, sp.prefix+"-labels-idx1-ubyte")
		if err != nil {
			return nil, err
		}
		if len(imgs.Dims) != 3 || imgs.Dims[1] == 0 || imgs.Dims[2] == 0 {
			return nil, fmt.Errorf("fashion-mnist: %s images have dimensions %v, want N x rows x cols", sp.name, imgs.Dims)
		}
		if len(labs.Dims) != 1 || labs.Dims[0] != imgs.Dims[0] {
			return nil, fmt.Errorf("fashion-mnist: %s labels have dimensions %v, want [%d] (one per image)", sp.name, labs.Dims, imgs.Dims[0])
		}
		for i, l := range labs.Data {
			if int(l) >= len(FashionMNISTClasses) {
				return nil, fmt.Errorf("fashion-mnist: %s label %d is %d, not in 0..9", sp.prefix+"-labels-idx1-ubyte", i, l)
			}
		}
		fs := &fashionSplit{name: sp.name, h: imgs.Dims[1], w: imgs.Dims[2], pixels: imgs.Data, labels: labs.Data}
		s.splits[sp.name] = fs
		attrs := map[string]string{"split": sp.name}
		for i, l := range labs.Data {
			s.items = append(s.items, Item{ID: fmt.Sprintf("fashion-mnist/%s/%05d", sp.name, i),
				Class: FashionMNISTClasses[l], Attrs: attrs})
		}
	}
	sortItems(s.items)
	return s, nil
}

func readFashionFile(root, base string) (*IDX, error) {
	for _, name := range []string{base, base + ".gz"} {
		p := filepath.Join(root, name)
		if _, err := os.Stat(p); err == nil {
			idx, err := ReadIDXFile(p)
			if err != nil {
				return nil, fmt.Errorf("fashion-mnist: %w", err)
			}
			return idx, nil
		}
	}
	return nil, fmt.Errorf("fashion-mnist: ROOT %s has neither %s nor %s.gz", root, base, base)
}

func (s *fashionSource) Layout() string    { return LayoutFashionMNIST }
func (s *fashionSource) Classes() []string { return slices.Clone(FashionMNISTClasses) }
func (s *fashionSource) Items() []Item     { return slices.Clone(s.items) }

// Decode returns the item's image as an *image.Gray (28x28 for Fashion-MNIST).
func (s *fashionSource) Decode(it Item) (image.Image, error) {
	parts := strings.Split(it.ID, "/")
	if len(parts) != 3 || parts[0] != "fashion-mnist" {
		return nil, fmt.Errorf("fashion-mnist: bad item id %q", it.ID)
	}
	sp, ok := s.splits[parts[1]]
	i, err := strconv.Atoi(parts[2])
	if !ok || err != nil || i < 0 || i >= len(sp.labels) {
		return nil, fmt.Errorf("fashion-mnist: item %q is not in %s", it.ID, s.root)
	}
	n := sp.w * sp.h
	img := image.NewGray(image.Rect(0, 0, sp.w, sp.h))
	copy(img.Pix, sp.pixels[i*n:(i+1)*n])
	return img, nil
}

// FashionMNISTURL is the upstream mirror the four .gz files are downloaded from when
// neither a root nor Debian's copy has them (override with $OCCBENCH_FASHION_MNIST_URL).
const FashionMNISTURL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"

// fashionMNISTSHA256 are the SHA-256 sums of the DECOMPRESSED IDX files (computed from
// Debian's dataset-fashion-mnist, the same data as upstream recompressed). A variable so
// that tests can verify fake content.
var fashionMNISTSHA256 = map[string]string{
	"train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
	"train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
	"t10k-images-idx3-ubyte":  "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
	"t10k-labels-idx1-ubyte":  "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

// fashionDebianRoot is DefaultFashionMNISTRoot, a variable so that tests can hide it.
var fashionDebianRoot = DefaultFashionMNISTRoot

// fashionHTTP downloads the files; the timeout bounds a stalled download.
var fashionHTTP = &http.Client{Timeout: 15 * time.Minute}

// hasFashionFiles reports whether dir holds all four IDX files (each plain or .gz).
func hasFashionFiles(dir string) bool {
	for _, base := range FashionMNISTFiles {
		if !hasFashionFile(dir, base) {
			return false
		}
	}
	return true
}

func hasFashionFile(dir, base string) bool {
	for _, name := range []string{base, base + ".gz"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err == nil && st.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// FashionMNISTCacheDir is where missing Fashion-MNIST files are downloaded:
// $OCCBENCH_CACHE/fashion-mnist, else os.UserCacheDir()/occbench/fashion-mnist.
func FashionMNISTCacheDir() string {
	if d := os.Getenv("OCCBENCH_CACHE"); d != "" {
		return filepath.Join(d, "fashion-mnist")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "occbench", "fashion-mnist")
	}
	return filepath.Join(os.TempDir(), "occbench", "fashion-mnist")
}

// fashionMNISTCache returns the cache folder, first downloading (and verifying) the files
// it lacks from the upstream mirror.
func fashionMNISTCache() (string, error) {
	dir := FashionMNISTCacheDir()
	base := os.Getenv("OCCBENCH_FASHION_MNIST_URL")
	if base == "" {
		base = FashionMNISTURL
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	for _, name := range FashionMNISTFiles {
		if hasFashionFile(dir, name) {
			continue
		}
		if err := downloadFashionFile(dir, base+name+".gz", name); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// downloadFashionFile fetches url, checks the SHA-256 of its decompressed content against
// fashionMNISTSHA256[name] and writes it atomically as dir/name.gz (dir/name when the
// server sent it uncompressed). Nothing is left in dir on any error.
func downloadFashionFile(dir, url, name string) error {
	netErr := func(err error) error {
		return fmt.Errorf("fashion-mnist: download %s failed: %w (Fashion-MNIST is not at %s nor in the cache %s: apt-get install dataset-fashion-mnist, or pass --root with a folder holding the four IDX files)",
			url, err, DefaultFashionMNISTRoot, dir)
	}
	resp, err := fashionHTTP.Get(url)
	if err != nil {
		return netErr(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return netErr(fmt.Errorf("HTTP status %s", resp.Status))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxIDXBytes+1))
	if err != nil {
		return netErr(err)
	}
	if len(body) > maxIDXBytes {
		return netErr(fmt.Errorf("response is larger than %d bytes", maxIDXBytes))
	}
	raw, file := body, name
	if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
		file = name + ".gz"
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("fashion-mnist: %s: corrupt gzip: %w", url, err)
		}
		if raw, err = io.ReadAll(io.LimitReader(zr, maxIDXBytes+1)); err != nil {
			return fmt.Errorf("fashion-mnist: %s: corrupt gzip: %w", url, err)
		}
	}
	path := filepath.Join(dir, file)
	sum := sha256.Sum256(raw)
	got, want := hex.EncodeToString(sum[:]), fashionMNISTSHA256[name]
	if got != want {
		os.Remove(path) // never leave a bad download behind
		return fmt.Errorf("fashion-mnist: checksum mismatch for %s (downloaded from %s): decompressed SHA-256 is %s, want %s; the download was deleted",
			name, url, got, want)
	}
	if err := atomicfile.Write(path, body); err != nil {
		return fmt.Errorf("fashion-mnist: %w", err)
	}
	return nil
}
