package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"sync"
	"time"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/occluders"
	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/synth"
	"github.com/occbench/occbench/synth/preprocess"
	"github.com/occbench/occbench/synth/turbo"
)

func main() {
	occDir := flag.String("occluders", "", "write the occluders for the Pillow script here and exit")
	rounds := flag.Int("rounds", 1, "passes over the photos")
	workers := flag.Int("workers", 1, "goroutines (1 = one core)")
	npat := flag.Int("patterns", 2, "patterns per photo: 2 (10% and 20% at the center) or 24 (the manifests' grid)")
	codec := flag.String("codec", "go", "go or turbo (libjpeg-turbo: build with -tags turbojpeg)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile here")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	const size = 224
	set, err := occluders.Builtin("objects30")
	check(err)
	pack := &patterns.Pack{Images: map[string]*image.NRGBA{}}
	// -patterns 2: a 10% and a 20% occluder at the center. -patterns 24: the manifests'
	// grid, 3 occluders x 2 ratios x (center + 3 seeded random positions).
	nOcc, perRatio := 1, 1
	if *npat == 24 {
		nOcc, perRatio = 3, 4
	} else if *npat != 2 {
		check(fmt.Errorf("-patterns must be 2 or 24"))
	}
	for o := 0; o < nOcc; o++ {
		oc := set.Occluders[o*11]
		for ri, ratio := range []float64{0.1, 0.2} {
			sc, err := occluders.ScaleFor(oc, ratio, size, size, "mask")
			check(err)
			file := fmt.Sprintf("occ%d_%d.png", o, ri)
			pack.Images[file] = sc.Img
			x, y := occluders.CenterPosition(sc, size, size)
			pts := append([]image.Point{{x, y}}, occluders.RandomPositions(sc, size, size, perRatio-1, 1, oc.Name, file)...)
			for _, pt := range pts {
				pack.Patterns = append(pack.Patterns, patterns.Pattern{ID: len(pack.Patterns), Occluder: oc.Name, Ratio: ratio, X: pt.X, Y: pt.Y,
					W: sc.Img.Rect.Dx(), H: sc.Img.Rect.Dy(), File: file})
			}
		}
	}
	var ids []int
	for _, p := range pack.Patterns {
		ids = append(ids, p.ID)
	}
	if *occDir != "" {
		check(os.MkdirAll(*occDir, 0o755))
		for file, img := range pack.Images {
			f, err := os.Create(filepath.Join(*occDir, file))
			check(err)
			check(png.Encode(f, img))
			check(f.Close())
		}
		data, _ := json.Marshal(pack.Patterns)
		check(os.WriteFile(filepath.Join(*occDir, "occluders.json"), data, 0o644))
		return
	}
	names, _ := filepath.Glob(filepath.Join(flag.Arg(0), "*.jpg"))
	sort.Strings(names)
	if len(names) == 0 {
		check(fmt.Errorf("no .jpg in %q", flag.Arg(0)))
	}
	photos := make([][]byte, len(names))
	for i, n := range names {
		photos[i], err = os.ReadFile(n)
		check(err)
	}
	prep := manifests.Prep{Mode: preprocess.Resize, Size: size}
	var mu sync.Mutex
	n := 0
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan []byte)
	for w := 0; w < *workers; w++ {
		enc, err := synth.NewCodecEncoder("jpeg", 90, *codec)
		check(err)
		r := &synth.Renderer{Prep: prep, Pack: pack, Classes: []string{"x"}, Splits: []string{"s"}, Enc: enc}
		if *codec == synth.CodecTurbo {
			r.Turbo, err = turbo.New()
			check(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			job := &synth.Job{Patterns: ids}
			for data := range next {
				img, err := r.DecodeBytes(data)
				check(err)
				base, err := preprocess.Apply(img, prep.Mode, prep.Size, 0, nil)
				check(err)
				rows, err := r.RenderBase(job, base)
				check(err)
				mu.Lock()
				n += len(rows)
				mu.Unlock()
			}
		}()
	}
	for range *rounds {
		for _, p := range photos {
			next <- p
		}
	}
	close(next)
	wg.Wait()
	dt := time.Since(start).Seconds()
	out, _ := json.Marshal(map[string]any{"engine": "occbench " + *codec + " (" + runtime.Version() + ")", "workers": *workers, "patterns": len(ids),
		"images": n, "seconds": dt, "images_per_sec": float64(n) / dt})
	fmt.Println(string(out))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "perf:", err)
		os.Exit(1)
	}
}
