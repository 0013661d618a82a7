package reports

import (
	"bytes"
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Series is one line of a plot: y against x, with a legend label.
type Series struct {
	Label string
	X, Y  []float64
}

// Panel is one plot of a figure.
type Panel struct {
	Title, XLabel, YLabel string
	Series                []Series
}

// LinePlots renders panels side by side as PNG and SVG (the paper's Fig. 6 layout: accuracy
// against beta, one line per alpha).
func LinePlots(panels []Panel) (pngBytes, svgBytes []byte, err error) {
	const w, h = 5 * vg.Inch, 3.6 * vg.Inch
	plots := make([][]*plot.Plot, 1)
	for _, pn := range panels {
		p := plot.New()
		p.Title.Text = pn.Title
		p.X.Label.Text = pn.XLabel
		p.Y.Label.Text = pn.YLabel
		p.Add(plotter.NewGrid())
		for i, s := range pn.Series {
			pts := make(plotter.XYs, len(s.X))
			for j := range s.X {
				pts[j].X, pts[j].Y = s.X[j], s.Y[j]
			}
			line, points, err := plotter.NewLinePoints(pts)
			if err != nil {
				return nil, nil, fmt.Errorf("plot %s: %w", pn.Title, err)
			}
			line.Color = plotutil.Color(i)
			line.Width = vg.Points(1.5)
			points.Shape = plotutil.Shape(i)
			points.Color = plotutil.Color(i)
			p.Add(line, points)
			p.Legend.Add(s.Label, line, points)
		}
		p.Legend.Top = true
		p.BackgroundColor = color.White
		plots[0] = append(plots[0], p)
	}
	render := func(c draw.Canvas) {
		tiles := draw.Tiles{Rows: 1, Cols: len(panels), PadX: vg.Millimeter * 4}
		canvases := plot.Align(plots, tiles, c)
		for j, p := range plots[0] {
			p.Draw(canvases[0][j])
		}
	}
	width := w * vg.Length(len(panels))
	img := vgimg.New(width, h)
	render(draw.New(img))
	var pb bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&pb); err != nil {
		return nil, nil, err
	}
	sv := vgsvg.New(width, h)
	render(draw.New(sv))
	var sb bytes.Buffer
	if _, err := sv.WriteTo(&sb); err != nil {
		return nil, nil, err
	}
	return pb.Bytes(), sb.Bytes(), nil
}

// Group is a labelled set of 2-D points of a scatter plot.
type Group struct {
	Label  string
	Points [][2]float64
}

// ScatterPlot renders groups of points in one panel, one colour and marker per group (the
// paper's Fig. 2 t-SNE layout), as PNG and SVG.
func ScatterPlot(title string, groups []Group) (pngBytes, svgBytes []byte, err error) {
	p := plot.New()
	p.Title.Text = title
	p.HideAxes()
	for i, g := range groups {
		pts := make(plotter.XYs, len(g.Points))
		for j, v := range g.Points {
			pts[j].X, pts[j].Y = v[0], v[1]
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, nil, fmt.Errorf("scatter %s: %w", g.Label, err)
		}
		sc.Color = plotutil.Color(i)
		sc.Shape = plotutil.Shape(i)
		sc.Radius = vg.Points(2.5)
		p.Add(sc)
		p.Legend.Add(g.Label, sc)
	}
	p.Legend.Top = true
	p.BackgroundColor = color.White
	const w, h = 7 * vg.Inch, 6 * vg.Inch
	img := vgimg.New(w, h)
	p.Draw(draw.New(img))
	var pb bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&pb); err != nil {
		return nil, nil, err
	}
	sv := vgsvg.New(w, h)
	p.Draw(draw.New(sv))
	var sb bytes.Buffer
	if _, err := sv.WriteTo(&sb); err != nil {
		return nil, nil, err
	}
	return pb.Bytes(), sb.Bytes(), nil
}
