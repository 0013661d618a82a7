package reports

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
)

func TestLinePlotsRenderPNGAndSVG(t *testing.T) {
	p, s, err := LinePlots([]Panel{
		{Title: "clean", XLabel: "beta", YLabel: "accuracy (%)", Series: []Series{{Label: "alpha 0.9", X: []float64{0, 1, 2}, Y: []float64{90, 89, 80}}}},
		{Title: "occluded", XLabel: "beta", YLabel: "accuracy (%)", Series: []Series{{Label: "alpha 0.9", X: []float64{0, 1, 2}, Y: []float64{40, 60, 55}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(p))
	if err != nil || img.Bounds().Dx() < 2*img.Bounds().Dy() {
		t.Fatalf("png %v, %v: want two panels side by side", img.Bounds(), err)
	}
	if !strings.Contains(string(s), "<svg") || !strings.Contains(string(s), "alpha 0.9") {
		t.Fatal("svg lacks the plot or its legend")
	}
}

func TestScatterPlot(t *testing.T) {
	p, s, err := ScatterPlot("t-SNE", []Group{{Label: "clean DFV", Points: [][2]float64{{0, 0}, {1, 1}}}, {Label: "DV pattern 1", Points: [][2]float64{{5, 5}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(p)); err != nil || !strings.Contains(string(s), "DV pattern 1") {
		t.Fatalf("scatter: %v", err)
	}
}
