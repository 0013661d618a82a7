package sources

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeFashionFiles returns small valid IDX files (uncompressed) keyed by base name.
func fakeFashionFiles(nTrain, nTest int) map[string][]byte {
	idx := func(dims ...int) []byte {
		b := []byte{0, 0, 8, byte(len(dims))}
		n := 1
		for _, d := range dims {
			b = binary.BigEndian.AppendUint32(b, uint32(d))
			n *= d
		}
		for i := range n {
			b = append(b, byte(i%10))
		}
		return b
	}
	return map[string][]byte{
		"train-images-idx3-ubyte": idx(nTrain, 28, 28),
		"train-labels-idx1-ubyte": idx(nTrain),
		"t10k-images-idx3-ubyte":  idx(nTest, 28, 28),
		"t10k-labels-idx1-ubyte":  idx(nTest),
	}
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fakeFashionServer serves body(name) at /<name>.gz and counts requests per path. It hides
// the Debian copy, points the cache and the mirror URL at temporary places and makes the
// checksums those of files.
func fakeFashionServer(t *testing.T, files map[string][]byte, body func(name string) []byte) (cache string, hits map[string]int, mu *sync.Mutex) {
	t.Helper()
	hits, mu = map[string]int{}, &sync.Mutex{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), ".gz")
		if _, ok := files[name]; !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(body(name))
	}))
	t.Cleanup(srv.Close)

	sums := map[string]string{}
	for name, b := range files {
		s := sha256.Sum256(b)
		sums[name] = hex.EncodeToString(s[:])
	}
	oldSums, oldRoot := fashionMNISTSHA256, fashionDebianRoot
	fashionMNISTSHA256, fashionDebianRoot = sums, filepath.Join(t.TempDir(), "absent")
	t.Cleanup(func() { fashionMNISTSHA256, fashionDebianRoot = oldSums, oldRoot })

	occ := t.TempDir()
	t.Setenv("OCCBENCH_CACHE", occ)
	t.Setenv("OCCBENCH_FASHION_MNIST_URL", srv.URL)
	return filepath.Join(occ, "fashion-mnist"), hits, mu
}

func TestFashionMNISTDownloadCaches(t *testing.T) {
	files := fakeFashionFiles(12, 5)
	cache, hits, mu := fakeFashionServer(t, files, func(name string) []byte { return gz(t, files[name]) })
	if got := FashionMNISTCacheDir(); got != cache {
		t.Fatalf("cache dir %s, want %s", got, cache)
	}
	for round := range 2 {
		s, err := Open(LayoutFashionMNIST, "", Options{})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if n := len(s.Items()); n != 17 {
			t.Fatalf("round %d: %d items, want 17", round, n)
		}
		if _, err := s.Decode(s.Items()[0]); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		total := 0
		for p, n := range hits {
			total += n
			if n != 1 {
				t.Errorf("round %d: %s requested %d times, want once", round, p, n)
			}
		}
		mu.Unlock()
		if total != 4 {
			t.Fatalf("round %d: %d requests, want 4 (%v)", round, total, hits)
		}
	}
	entries, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 4 {
		t.Fatalf("cache holds %v, want the four .gz files only", names)
	}
	for _, base := range FashionMNISTFiles {
		if _, err := ReadIDXFile(filepath.Join(cache, base+".gz")); err != nil {
			t.Fatal(err)
		}
	}
	// The explicit default root (as manifests pass it) uses the cache too.
	if _, err := Open(LayoutFashionMNIST, DefaultFashionMNISTRoot, Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestFashionMNISTDownloadChecksumMismatch(t *testing.T) {
	files := fakeFashionFiles(3, 2)
	cache, _, _ := fakeFashionServer(t, files, func(name string) []byte {
		b := bytes.Clone(files[name])
		if name == "train-labels-idx1-ubyte" {
			b[len(b)-1] ^= 0xff // corrupted in transit
		}
		return gz(t, b)
	})
	_, err := Open(LayoutFashionMNIST, "", Options{})
	if err == nil {
		t.Fatal("corrupt download accepted")
	}
	want := fashionMNISTSHA256["train-labels-idx1-ubyte"]
	for _, s := range []string{"checksum mismatch", "train-labels-idx1-ubyte", want} {
		if !strings.Contains(err.Error(), s) {
			t.Fatalf("error %q lacks %q", err, s)
		}
	}
	if strings.Count(err.Error(), "SHA-256 is ") != 1 || strings.Contains(err.Error(), "SHA-256 is "+want) {
		t.Fatalf("error %q does not give the downloaded hash", err)
	}
	for _, name := range []string{"train-labels-idx1-ubyte", "train-labels-idx1-ubyte.gz"} {
		if _, err := os.Stat(filepath.Join(cache, name)); !os.IsNotExist(err) {
			t.Fatalf("%s left in the cache (stat: %v)", name, err)
		}
	}
	entries, _ := os.ReadDir(cache)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Fatalf("temporary file %s left in the cache", e.Name())
		}
	}
}

func TestFashionMNISTDownloadNetworkError(t *testing.T) {
	files := fakeFashionFiles(3, 2)
	fakeFashionServer(t, files, nil)
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	t.Setenv("OCCBENCH_FASHION_MNIST_URL", url+"/")
	_, err := Open(LayoutFashionMNIST, "", Options{})
	if err == nil {
		t.Fatal("no error")
	}
	for _, s := range []string{url + "/train-images-idx3-ubyte.gz", "apt-get install dataset-fashion-mnist", "--root"} {
		if !strings.Contains(err.Error(), s) {
			t.Fatalf("error %q lacks %q", err, s)
		}
	}
}

// TestFashionMNISTChecksumsMatchDebian checks the built-in checksums against Debian's copy.
func TestFashionMNISTChecksumsMatchDebian(t *testing.T) {
	if !hasFashionFiles(DefaultFashionMNISTRoot) {
		t.Skipf("Fashion-MNIST not installed at %s", DefaultFashionMNISTRoot)
	}
	if testing.Short() {
		t.Skip("short")
	}
	for _, base := range FashionMNISTFiles {
		p := filepath.Join(DefaultFashionMNISTRoot, base)
		data, err := os.ReadFile(p)
		if err != nil {
			data, err = os.ReadFile(p + ".gz")
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if _, err := buf.ReadFrom(zr); err != nil {
				t.Fatal(err)
			}
			data = buf.Bytes()
		}
		s := sha256.Sum256(data)
		if got := hex.EncodeToString(s[:]); got != fashionMNISTSHA256[base] {
			t.Errorf("%s: SHA-256 %s, constant %s", base, got, fashionMNISTSHA256[base])
		}
	}
}
