package reports

import (
	"math"
	"testing"

	"github.com/occbench/occbench/internal/keyed"
)

// Three well separated Gaussian clusters in 50-D must stay separated in 2-D: every point's
// nearest embedded neighbour belongs to its own cluster, and the embedding is deterministic.
func TestTSNESeparatesKnownClusters(t *testing.T) {
	rng := keyed.Rand(5, "clusters")
	var x [][]float64
	var label []int
	for c := 0; c < 3; c++ {
		for i := 0; i < 40; i++ {
			v := make([]float64, 50)
			for k := range v {
				v[k] = rng.NormFloat64()
			}
			v[c] += 12
			x = append(x, v)
			label = append(label, c)
		}
	}
	y, err := TSNE(x, 15, 500, 1)
	if err != nil {
		t.Fatal(err)
	}
	wrong := 0
	for i := range y {
		best, bd := -1, math.Inf(1)
		for j := range y {
			if i == j {
				continue
			}
			d := math.Hypot(y[i][0]-y[j][0], y[i][1]-y[j][1])
			if d < bd {
				best, bd = j, d
			}
		}
		if label[best] != label[i] {
			wrong++
		}
	}
	if wrong > 0 {
		t.Fatalf("%d of %d points have a nearest neighbour from another cluster", wrong, len(y))
	}
	y2, _ := TSNE(x, 15, 500, 1)
	if y2[7] != y[7] {
		t.Fatal("same input and seed, different embedding")
	}
}
