package synth

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/occbench/occbench/synth/preprocess"
	"github.com/occbench/occbench/synth/sources"
)

// BenchmarkSynthDemo measures the whole engine (plan, render, Parquet) on the demo
// manifest's occluded pairs: images/s is reported per output image.
func BenchmarkSynthDemo(b *testing.B) {
	in := mustDemo(b)
	var rows int
	for i := 0; i < b.N; i++ {
		out := b.TempDir()
		s, err := Run(context.Background(), in, Options{Out: out, Sets: []string{"iop", "trn"}, Occluded: true, Encode: "jpeg", Version: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		rows += s.Rows
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "images/s")
	b.ReportMetric(float64(PeakRSS())/(1<<20), "peakRSS-MiB")
}

// BenchmarkPhotoJob is the Pillow-comparison job on one core: decode a 300-500 px JPEG,
// resize to 224x224, composite a 10% and a 20% occluder, encode both as JPEG q90. Photos
// come from $OCCBENCH_PHOTOS (*.jpg; scripts/bench_vs_pillow.sh makes them), else from
// synthetic noise-and-gradient JPEGs.
func BenchmarkPhotoJob(b *testing.B) {
	var photos [][]byte
	if dir := os.Getenv("OCCBENCH_PHOTOS"); dir != "" {
		names, _ := filepath.Glob(filepath.Join(dir, "*.jpg"))
		for _, n := range names {
			data, err := os.ReadFile(n)
			if err != nil {
				b.Fatal(err)
			}
			photos = append(photos, data)
		}
	}
	if len(photos) == 0 {
		r := rand.New(rand.NewPCG(1, 2))
		for i := 0; i < 16; i++ {
			w, h := 300+r.IntN(200), 300+r.IntN(200)
			img := image.NewRGBA(image.Rect(0, 0, w, h))
			for p := 0; p < len(img.Pix); p += 4 {
				x, y := (p/4)%w, (p/4)/w
				img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = uint8(x+r.IntN(20)), uint8(y+r.IntN(20)), uint8(x+y), 255
			}
			var buf bytes.Buffer
			jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92})
			photos = append(photos, buf.Bytes())
		}
	}
	in := mustDemo(b)
	enc, _ := NewEncoder("jpeg", 90)
	r := &Renderer{Prep: in.Manifest.Preprocess, Pack: in.Pack, Classes: []string{"x"}, Splits: []string{"s"}, Enc: enc}
	// Two patterns of the demo pack, rescaled positions do not matter for speed.
	job := &Job{Patterns: []int{0, 4}}
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		img, err := sources.DecodeBytes(photos[i%len(photos)], 0)
		if err != nil {
			b.Fatal(err)
		}
		base, err := preprocess.Apply(img, preprocess.Resize, 224, 0, nil)
		if err != nil {
			b.Fatal(err)
		}
		rows, err := r.RenderBase(job, base)
		if err != nil {
			b.Fatal(err)
		}
		n += len(rows)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "images/s")
}
