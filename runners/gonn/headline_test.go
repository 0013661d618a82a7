package gonn

import (
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/occbench/occbench/internal/keyed"
	"github.com/occbench/occbench/occluders"
	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/runners"
)

const fmnistDir = "/usr/share/datasets/fashion-mnist"

// readIDX reads a gzipped IDX file (magic, dims, bytes).
func readIDX(t *testing.T, name string) ([]int, []byte) {
	f, err := os.Open(filepath.Join(fmnistDir, name))
	if err != nil {
		t.Skipf("Fashion-MNIST not installed: %v", err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	nd := int(data[3])
	dims := make([]int, nd)
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(data[4+4*i:]))
	}
	return dims, data[4+4*nd:]
}

// fmnist returns images padded 28 -> 32 (gray replicated to RGB) grouped by class.
func fmnist(t *testing.T, prefix string) [10][]*image.NRGBA {
	dims, pix := readIDX(t, prefix+"-images-idx3-ubyte.gz")
	_, labels := readIDX(t, prefix+"-labels-idx1-ubyte.gz")
	var by [10][]*image.NRGBA
	for i := 0; i < dims[0]; i++ {
		img := image.NewNRGBA(image.Rect(0, 0, 32, 32))
		for k := 3; k < len(img.Pix); k += 4 {
			img.Pix[k] = 255
		}
		for y := 0; y < 28; y++ {
			for x := 0; x < 28; x++ {
				v := pix[i*784+y*28+x]
				o := img.PixOffset(x+2, y+2)
				img.Pix[o], img.Pix[o+1], img.Pix[o+2] = v, v, v
			}
		}
		by[labels[i]] = append(by[labels[i]], img)
	}
	return by
}

// take returns n images a class from classes, starting at offset in each class's list.
func take(by [10][]*image.NRGBA, classes []int, offset, n int, relabel bool) *runners.MemSplit {
	s := &runners.MemSplit{}
	for j, c := range classes {
		for _, img := range by[c][offset : offset+n] {
			s.Images = append(s.Images, img)
			if relabel {
				s.Labels = append(s.Labels, j)
			} else {
				s.Labels = append(s.Labels, c)
			}
		}
	}
	return s
}

// headlinePack: 3 procedural occluders x ratios 10%, 20% x (center + 3 random) = 24 patterns.
func headlinePack(t *testing.T, seed uint64) *patterns.Pack {
	set, err := occluders.Builtin("procedural")
	if err != nil {
		t.Fatal(err)
	}
	pack := &patterns.Pack{Table: patterns.Table{ImageSize: 32}, Images: map[string]*image.NRGBA{}}
	for _, o := range set.Occluders[:3] {
		for _, ratio := range []float64{0.2, 0.1} {
			s, err := occluders.ScaleFor(o, ratio, 32, 32, occluders.SemanticsMask)
			if err != nil {
				t.Fatal(err)
			}
			file := fmt.Sprintf("%s-%02.0f.png", filepath.Base(o.Name), ratio*100)
			pack.Images[file] = s.Img
			cx, cy := occluders.CenterPosition(s, 32, 32)
			pts := append([]image.Point{{cx, cy}}, occluders.RandomPositions(s, 32, 32, 3, seed, o.Name, strconv.FormatFloat(ratio, 'f', -1, 64))...)
			for i, p := range pts {
				pos := "random"
				if i == 0 {
					pos = "center"
				}
				pack.Patterns = append(pack.Patterns, patterns.Pattern{ID: len(pack.Patterns), Name: fmt.Sprintf("%s/%s%d", file, pos, i),
					File: file, Ratio: ratio, Position: pos, X: p.X, Y: p.Y})
			}
		}
	}
	return pack
}

// TestHeadlineFashionMNIST is the mini Table 2. It takes minutes on 2 cores, so it runs only
// with OCCBENCH_HEADLINE=1 (CI sets it); OCCBENCH_HEADLINE_SEEDS overrides the seed count.
func TestHeadlineFashionMNIST(t *testing.T) {
	if os.Getenv("OCCBENCH_HEADLINE") == "" {
		t.Skip("set OCCBENCH_HEADLINE=1 to run the Fashion-MNIST headline experiment")
	}
	trainBy := fmnist(t, "train")
	testBy := fmnist(t, "t10k")
	seeds := 3
	if s := os.Getenv("OCCBENCH_HEADLINE_SEEDS"); s != "" {
		seeds, _ = strconv.Atoi(s)
	}
	trnClasses := []int{0, 1, 2, 3, 4, 5, 6, 7}
	all := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	// Pretraining pool: clean images of all classes (the stand-in for ImageNet), disjoint from
	// every image used later (images 1000.. of each class).
	pool := take(trainBy, all, 1000, envInt("OCCBENCH_POOL", 150), false)
	pre := Headline{
		Pretrain: Arch{Name: "resnet-mini", NumClasses: 10, InputSize: 32},
		PretrainCfg: TrainConfig{Epochs: envInt("OCCBENCH_PRE_EPOCHS", 4), BatchSize: 32,
			Optimizer: runners.Optimizer{Name: "sgd", LR: 0.05, Momentum: 0.9, WeightDecay: 5e-4},
			Schedule:  runners.Schedule{Name: "cosine"}, Augment: runners.Augment{HFlip: true}, Seed: 100, EvalBatch: 64},
	}
	var pretrained *Model
	var dC, dO []float64
	for s := 0; s < seeds; s++ {
		seed := uint64(s + 1)
		r := keyed.Rand(seed, "headline")
		off := r.IntN(500)
		train := take(trainBy, trnClasses, off, 30, true)      // 30 a class
		iopClean := take(trainBy, []int{8, 9}, off, 25, false) // classes outside Itrn
		test := take(testBy, trnClasses, r.IntN(500), envInt("OCCBENCH_TEST", 50), true)
		pack := headlinePack(t, seed)
		h := pre
		h.NumClasses = 8
		h.Seed = seed
		h.EvalBatch = 64
		h.FinetuneCfg = TrainConfig{Alpha: envFloat("OCCBENCH_ALPHA", 0.9), Beta: envFloat("OCCBENCH_BETA", 1),
			Epochs: envInt("OCCBENCH_EPOCHS", 10), BatchSize: 32,
			Optimizer: runners.Optimizer{Name: "sgd", LR: envFloat("OCCBENCH_LR", 0.01), Momentum: 0.9, WeightDecay: 5e-4},
			Schedule:  runners.Schedule{Name: "cosine"}, Augment: runners.Augment{HFlip: true},
			MinChannels: envInt("OCCBENCH_MINCH", 0), Seed: seed, EvalBatch: 64}
		iop := &runners.PatternPairs{Clean: iopClean, Pack: pack, Patterns: pack.Patterns}
		res, err := RunHeadline(h, pretrained, pool, train, test, iop, pack, pack.Patterns)
		if err != nil {
			t.Fatal(err)
		}
		pretrained = res.Pretrained
		c, d := res.Classical, res.DFV
		t.Logf("seed %d: classical clean %.4f occluded %.4f | dfv clean %.4f occluded %.4f | train %.0f img/s",
			seed, c.Clean.Accuracy(), c.MeanOccludedAccuracy(), d.Clean.Accuracy(), d.MeanOccludedAccuracy(), d.ImagesPerSec)
		dC = append(dC, d.Clean.Accuracy()-c.Clean.Accuracy())
		dO = append(dO, d.MeanOccludedAccuracy()-c.MeanOccludedAccuracy())
	}
	t.Logf("DFV - classical: clean %v, occluded %v", dC, dO)
}

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil {
		return v
	}
	return def
}

func envFloat(k string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(k), 64); err == nil {
		return v
	}
	return def
}
