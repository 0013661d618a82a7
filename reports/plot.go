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

// Series is one line of a plot: y against x, with a legend label and, when YLo and YHi are
// set, an error bar from YLo[i] to YHi[i] at each point.
type Series struct {
	Label    string
	X, Y     []float64
	YLo, YHi []float64
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
			if len(s.YLo) == len(s.X) && len(s.YHi) == len(s.X) {
				bars, err := plotter.NewYErrorBars(errorBars{pts, s.YLo, s.YHi})
				if err != nil {
					return nil, nil, fmt.Errorf("plot %s: %w", pn.Title, err)
				}
				bars.Color = plotutil.Color(i)
				bars.Width = vg.Points(1)
				bars.CapWidth = vg.Points(6)
				p.Add(bars)
			}
		}
		padAxes(p)
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

// errorBars gives plotter.YErrorBars the interval of each point.
type errorBars struct {
	plotter.XYs
	lo, hi []float64
}

func (e errorBars) YError(i int) (float64, float64) {
	return e.XYs[i].Y - e.lo[i], e.hi[i] - e.XYs[i].Y
}

// padAxes widens the axes so markers and error bars at the extremes of the data are drawn
// inside the axes rather than across them: 6% of the range on each side, and 20% more at the
// top of the y axis, where the legend sits.
func padAxes(p *plot.Plot) {
	pad := func(a *plot.Axis, below, above float64) {
		d := a.Max - a.Min
		if d <= 0 {
			d = 1
		}
		a.Min -= below * d
		a.Max += above * d
	}
	pad(&p.X, 0.06, 0.06)
	pad(&p.Y, 0.06, 0.26)
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
