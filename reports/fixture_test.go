package reports

import (
	"image"
	"image/color"
	"testing"

	"github.com/occbench/occbench/internal/keyed"
	"github.com/occbench/occbench/runners"
)

// fixturePatterns is the synthetic benchmark's pattern grid: two occluders x (center, two
// random positions) at 20%.
var fixturePatterns = []PatternAccuracy{
	{Name: "disc@20%/center", Occluder: "disc", Ratio: 0.2, Position: "center"},
	{Name: "disc@20%/random1", Occluder: "disc", Ratio: 0.2, Position: "random"},
	{Name: "disc@20%/random2", Occluder: "disc", Ratio: 0.2, Position: "random"},
	{Name: "bar@20%/center", Occluder: "bar", Ratio: 0.2, Position: "center"},
	{Name: "bar@20%/random1", Occluder: "bar", Ratio: 0.2, Position: "random"},
	{Name: "bar@20%/random2", Occluder: "bar", Ratio: 0.2, Position: "random"},
}

// synthReport builds a table2-shaped report over n test images and three seeds, with hits
// drawn from a latent-difficulty model: image i has difficulty u_i (shared by every row,
// seed and pattern); a row gets it right when u_i plus seed and pattern noise is below the
// row's skill. The DFV row's occluded skill is higher by gain; its clean skill equal.
func synthReport(t testing.TB, n int, gain float64) *Report {
	t.Helper()
	seeds := []uint64{1, 2, 3}
	rng := keyed.Rand(42, "fixture")
	u := make([]float64, n)
	for i := range u {
		u[i] = rng.Float64()
	}
	type rowSpec struct {
		model, base string
		clean, occ  float64
		paper       []float64
	}
	rows := []rowSpec{
		{"ResNet18", "", 0.80, 0.35, []float64{93.05, 22.66, 43.44}},
		{"ResNet18-Full", "ResNet18", 0.80, 0.35 + gain, []float64{92.75, 46.87, 65.63}},
	}
	r := &Report{Version: SchemaVersion, Benchmark: "demo", Title: "synthetic", Profile: "demo",
		Columns: []string{"clean", "occ20_center", "avg_occ"}, Seeds: seeds,
		Provenance: Provenance{Runner: "synthetic", Commit: "abc1234"}}
	for _, rs := range rows {
		row := Row{Model: rs.model, Role: "reproduce", Baseline: rs.base}
		cells := make([]Cell, 3)
		for j := range cells {
			p := rs.paper[j]
			cells[j].Paper = &p
		}
		acc := make([]float64, len(fixturePatterns))
		for _, seed := range seeds {
			srng := keyed.Rand(seed, "fixture", rs.model)
			shift := 0.03 * srng.NormFloat64()
			draw := func(skill float64) Count {
				h := make([]bool, n)
				for i := range h {
					h[i] = u[i]+0.15*srng.NormFloat64() < skill+shift
				}
				c := Count{Total: int64(n), Hits: runners.EncodeHits(h)}
				for _, v := range h {
					if v {
						c.Correct++
					}
				}
				return c
			}
			clean := draw(rs.clean)
			var pats []Count
			for k := range fixturePatterns {
				c := draw(rs.occ - 0.03*float64(k%3))
				pats = append(pats, c)
				acc[k] += 100 * float64(c.Correct) / float64(n) / float64(len(seeds))
			}
			cells[0].Seeds = append(cells[0].Seeds, SeedCell{Seed: seed, Parts: []Count{clean}})
			cells[1].Seeds = append(cells[1].Seeds, SeedCell{Seed: seed, Parts: []Count{pats[0], pats[3]}})
			cells[2].Seeds = append(cells[2].Seeds, SeedCell{Seed: seed, Parts: pats})
		}
		for k, p := range fixturePatterns {
			p.Accuracy = acc[k]
			row.Patterns = append(row.Patterns, p)
		}
		row.Cells = cells
		r.Rows = append(r.Rows, row)
	}
	if err := r.Fill(7, 1000); err != nil {
		t.Fatal(err)
	}
	r.Judge(1.13)
	// gallery: a gradient image under each pattern's stand-in (a dark square)
	for k, p := range fixturePatterns {
		img := image.NewNRGBA(image.Rect(0, 0, 32, 32))
		for y := 0; y < 32; y++ {
			for x := 0; x < 32; x++ {
				img.Set(x, y, color.NRGBA{uint8(8 * x), uint8(8 * y), 128, 255})
				if x >= 4+4*k && x < 14+4*k && y >= 10 && y < 20 {
					img.Set(x, y, color.NRGBA{20, 20, 20, 255})
				}
			}
		}
		th, err := Thumbnail(img, p.Name)
		if err != nil {
			t.Fatal(err)
		}
		r.Gallery = append(r.Gallery, th)
	}
	return r
}
