package benchmarks

import (
	"fmt"
	"image"
	"math"

	"github.com/occbench/occbench/internal/keyed"
	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/reports"
	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/runners/sharddata"
	"github.com/occbench/occbench/synth/shards"
)

// FeatureFunc returns the DFVs of images under a checkpoint (a runner's feature extractor).
type FeatureFunc func(checkpoint string, imgs []*image.NRGBA) ([][]float32, error)

// tsneImages caps the clean test images of Fig. 2 (each gives one DFV, one DV and one
// pseudo-DFV per pattern).
const tsneImages = 120

// tsneReport computes DFVs of clean test images, DVs of the 20%-center patterns and
// pseudo-DFVs (v + d with a random DV), embeds them with t-SNE, and measures how DVs
// cluster by pattern: mean cosine similarity within and between patterns, and the share of
// DVs whose nearest t-SNE neighbour has the same pattern.
func tsneReport(b *Benchmark, profile string, m *manifests.Manifest, shardDir, checkpoint string, spec *runners.RunSpec, features FeatureFunc) (*reports.Report, []reports.Figure, error) {
	if features == nil {
		return nil, nil, fmt.Errorf("%s: this runner cannot export features; use --runner go", b.ID)
	}
	ds, err := shards.Open(shardDir)
	if err != nil {
		return nil, nil, err
	}
	pack, err := sharddata.LoadPack(ds, "")
	if err != nil {
		return nil, nil, err
	}
	test, err := sharddata.LoadSplit(ds, spec.TestSet, true, spec.Network.InputSize)
	if err != nil {
		return nil, nil, err
	}
	pats := pack.Select(&manifests.Subset{Ratios: []float64{0.2}, Positions: []string{"center"}})
	if len(pats) == 0 {
		return nil, nil, fmt.Errorf("%s: the pack has no 20%% center pattern", b.ID)
	}
	rng := keyed.Rand(m.Seed, "tsne", "images")
	idx := rng.Perm(test.Len())
	if len(idx) > tsneImages {
		idx = idx[:tsneImages]
	}
	var imgs []*image.NRGBA
	for _, i := range idx {
		img, _, err := test.Example(i)
		if err != nil {
			return nil, nil, err
		}
		imgs = append(imgs, img)
	}
	all := append([]*image.NRGBA{}, imgs...)
	for _, p := range pats {
		for _, img := range imgs {
			occ, err := runners.Occlude(img, pack, p)
			if err != nil {
				return nil, nil, err
			}
			all = append(all, occ)
		}
	}
	f, err := features(checkpoint, all)
	if err != nil {
		return nil, nil, err
	}
	n := len(imgs)
	clean := f[:n]
	dvs := make([][][]float64, len(pats)) // pattern -> image -> DV
	for k := range pats {
		for i := 0; i < n; i++ {
			d := make([]float64, len(clean[i]))
			for j := range d {
				d[j] = float64(f[n*(k+1)+i][j] - clean[i][j])
			}
			dvs[k] = append(dvs[k], d)
		}
	}
	var points [][]float64
	var groups []reports.Group
	var spans []span
	add := func(label string, vs [][]float64) {
		spans = append(spans, span{len(points), len(points) + len(vs)})
		points = append(points, vs...)
		groups = append(groups, reports.Group{Label: label})
	}
	cleanV := make([][]float64, n)
	for i, v := range clean {
		cleanV[i] = toF64(v)
	}
	add("clean DFVs", cleanV)
	for k, p := range pats {
		add(fmt.Sprintf("DVs, pattern %d (%s)", p.ID, p.Occluder), dvs[k])
	}
	pseudo := make([][]float64, n)
	for i := range pseudo {
		d := dvs[rng.IntN(len(pats))][rng.IntN(n)]
		pseudo[i] = make([]float64, len(d))
		for j := range d {
			pseudo[i][j] = cleanV[i][j] + d[j]
		}
	}
	add("pseudo-DFVs (v + d)", pseudo)
	y, err := reports.TSNE(points, 30, 750, m.Seed)
	if err != nil {
		return nil, nil, err
	}
	for g, s := range spans {
		groups[g].Points = y[s.lo:s.hi]
	}
	within, between := cosines(dvs)
	purity := nnPurity(y, spans[1:1+len(pats)])
	rep := &reports.Report{Version: reports.SchemaVersion, Benchmark: b.ID, Title: b.Title, Profile: profile,
		Columns: []string{"dv_cosine_same_pattern", "dv_cosine_other_patterns", "dv_tsne_1nn_same_pattern"},
		Notes:   []string{b.Note, fmt.Sprintf("%d clean test images, %d patterns (20%% center), model %s.", n, len(pats), spec.Name)}}
	row := reports.Row{Model: spec.Name, Role: "reproduce"}
	for _, v := range []float64{100 * within, 100 * between, 100 * purity} {
		row.Cells = append(row.Cells, reports.Cell{Measured: &v})
	}
	rep.Rows = append(rep.Rows, row)
	png, svg, err := reports.ScatterPlot("t-SNE of DFVs, DVs and pseudo-DFVs", groups)
	if err != nil {
		return nil, nil, err
	}
	return rep, []reports.Figure{{Title: "t-SNE of clean DFVs, DVs of each 20% center pattern and pseudo-DFVs (paper Fig. 2)", PNG: png, SVG: svg}}, nil
}

// span is a range of points of one group.
type span struct{ lo, hi int }

func toF64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// cosines returns the mean cosine similarity of DV pairs of the same pattern and of
// different patterns.
func cosines(dvs [][][]float64) (within, between float64) {
	var sw, sb float64
	var nw, nb int
	for a := range dvs {
		for b := a; b < len(dvs); b++ {
			for i, u := range dvs[a] {
				for j, v := range dvs[b] {
					if a == b && j <= i {
						continue
					}
					c := cosine(u, v)
					if a == b {
						sw += c
						nw++
					} else {
						sb += c
						nb++
					}
				}
			}
		}
	}
	if nw > 0 {
		within = sw / float64(nw)
	}
	if nb > 0 {
		between = sb / float64(nb)
	}
	return within, between
}

func cosine(u, v []float64) float64 {
	var d, nu, nv float64
	for i := range u {
		d += u[i] * v[i]
		nu += u[i] * u[i]
		nv += v[i] * v[i]
	}
	if nu == 0 || nv == 0 {
		return 0
	}
	return d / math.Sqrt(nu*nv)
}

// nnPurity is the share of DV points whose nearest embedded DV neighbour has the same pattern.
func nnPurity(y [][2]float64, spans []span) float64 {
	label := map[int]int{}
	var ids []int
	for k, s := range spans {
		for i := s.lo; i < s.hi; i++ {
			label[i] = k
			ids = append(ids, i)
		}
	}
	same := 0
	for _, i := range ids {
		best, bd := -1, math.Inf(1)
		for _, j := range ids {
			if i == j {
				continue
			}
			if d := math.Hypot(y[i][0]-y[j][0], y[i][1]-y[j][1]); d < bd {
				best, bd = j, d
			}
		}
		if best >= 0 && label[best] == label[i] {
			same++
		}
	}
	return float64(same) / float64(len(ids))
}
