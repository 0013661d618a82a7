package reports

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"
)

// Figure is a plot embedded in the HTML report.
type Figure struct {
	Title string
	PNG   []byte
	SVG   []byte // optional, written beside the report
}

// Thumb is one gallery image: an occluded test image under one pattern.
type Thumb struct {
	Label string
	PNG   []byte
}

// heatPanel is one model's accuracy per pattern: occluders down, ratio/position across.
type heatPanel struct {
	Model   string
	Columns []string
	Rows    []heatRow
}

type heatRow struct {
	Occluder string
	Cells    []heatCell
}

type heatCell struct {
	Text  string
	Style template.CSS
}

// heatmap arranges every row's pattern accuracies for the HTML heatmap.
func (r *Report) heatmap() []heatPanel {
	var out []heatPanel
	for _, row := range r.Rows {
		if len(row.Patterns) == 0 {
			continue
		}
		p := heatPanel{Model: row.Model}
		colIdx := map[string]int{}
		rowIdx := map[string]int{}
		type cell struct {
			r, c int
			v    float64
		}
		var cells []cell
		for _, pa := range row.Patterns {
			col := fmt.Sprintf("%g%% %s", 100*pa.Ratio, positionLabel(pa))
			c, ok := colIdx[col]
			if !ok {
				c = len(p.Columns)
				colIdx[col] = c
				p.Columns = append(p.Columns, col)
			}
			rr, ok := rowIdx[pa.Occluder]
			if !ok {
				rr = len(p.Rows)
				rowIdx[pa.Occluder] = rr
				p.Rows = append(p.Rows, heatRow{Occluder: pa.Occluder})
			}
			cells = append(cells, cell{rr, c, pa.Accuracy})
		}
		for i := range p.Rows {
			p.Rows[i].Cells = make([]heatCell, len(p.Columns))
			for j := range p.Rows[i].Cells {
				p.Rows[i].Cells[j] = heatCell{Text: "–"}
			}
		}
		for _, c := range cells {
			p.Rows[c.r].Cells[c.c] = heatCell{Text: fmt.Sprintf("%.1f", c.v), Style: heatStyle(c.v)}
		}
		out = append(out, p)
	}
	return out
}

// positionLabel is "center" or "random 2" (the pattern's name carries the index).
func positionLabel(pa PatternAccuracy) string {
	name := pa.Name
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] < '0' || name[i] > '9' {
			if i < len(name)-1 {
				return pa.Position + " " + name[i+1:]
			}
			break
		}
	}
	return pa.Position
}

// heatStyle colours an accuracy (percent) on a sequential scale, from white (0) to dark blue
// (100): lightness falls linearly with accuracy, so the order reads in greyscale too.
func heatStyle(v float64) template.CSS {
	v = math.Max(0, math.Min(100, v))
	light := 97 - 0.62*v
	fg := "#1d2330"
	if light < 58 {
		fg = "#ffffff"
	}
	return template.CSS(fmt.Sprintf("background:hsl(212,70%%,%.0f%%);color:%s", light, fg))
}

var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"dataURI": func(b []byte) template.URL {
		return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b))
	},
	"isText": func(k, text int) bool { return k < text },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.R.Benchmark}} — {{.R.Title}}</title>
<style>
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 80rem; padding: 0 1rem; color: #1d2330; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 1.8rem; }
.prov { color: #5a6375; font-size: .9rem; }
.note { background: #fff7e0; border-left: 4px solid #e0a800; padding: .6rem .9rem; margin: 1rem 0; }
.how { color: #3c4456; font-size: .92rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: .4rem 0 1.4rem; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d5dae3; padding: .3rem .6rem; text-align: right; white-space: nowrap; }
th.t, td.t { text-align: left; }
th { background: #f1f4f9; }
tr:nth-child(even) td { background: #fafbfd; }
table.heat td { min-width: 3.2rem; }
.panels { display: flex; flex-wrap: wrap; gap: 1.5rem; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(8.5rem, 1fr)); gap: .8rem; }
.gallery figure { margin: 0; text-align: center; font-size: .8rem; color: #3c4456; }
.gallery img { width: 100%; image-rendering: auto; border: 1px solid #d5dae3; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; border: 1px solid #d5dae3; }
</style>
</head>
<body>
<h1>{{.R.Benchmark}} — {{.R.Title}}</h1>
<p class="prov">{{.Prov}}</p>
{{if not .R.Comparable}}<p class="note">{{.NotComparable}}</p>{{end}}
{{range .R.Notes}}<p class="note">{{.}}</p>{{end}}
{{if .How}}<p class="how">{{.How}}</p>{{end}}
{{range .Sections}}{{$text := .Text}}
<section id="{{.ID}}">
<h2>{{.Title}}</h2>
{{if .Note}}<p class="how">{{.Note}}</p>{{end}}
<div class="scroll"><table>
<thead><tr>{{range $k, $h := .Header}}<th{{if isText $k $text}} class="t"{{end}}>{{$h}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr>{{range $k, $v := .}}<td{{if isText $k $text}} class="t"{{end}}>{{$v}}</td>{{end}}</tr>{{end}}</tbody>
</table></div>
</section>
{{end}}
{{if .Heat}}
<section id="heatmap">
<h2>Accuracy per pattern (%), mean over seeds</h2>
<p class="how">One panel per model: occluders down, occlusion ratio and position across; darker is higher (white 0%, dark blue 100%).</p>
<div class="panels">{{range .Heat}}
<div class="panel"><h3>{{.Model}}</h3><div class="scroll"><table class="heat">
<thead><tr><th class="t">occluder</th>{{range .Columns}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr><td class="t">{{.Occluder}}</td>{{range .Cells}}<td style="{{.Style}}">{{.Text}}</td>{{end}}</tr>{{end}}</tbody>
</table></div></div>{{end}}
</div>
</section>
{{end}}
{{if .R.Gallery}}
<section id="gallery">
<h2>Example occluded test images, one per pattern</h2>
<div class="gallery">{{range .R.Gallery}}<figure><img src="{{dataURI .PNG}}" alt="{{.Label}}"><figcaption>{{.Label}}</figcaption></figure>{{end}}</div>
</section>
{{end}}
{{range .Figures}}<figure><img src="{{dataURI .PNG}}" alt="{{.Title}}"><figcaption>{{.Title}}</figcaption></figure>{{end}}
</body>
</html>
`))

// WriteHTML renders one self-contained HTML file: tables, heatmap, gallery and figures inline,
// no external resources, so it opens from disk in any browser.
func (r *Report) WriteHTML(w io.Writer, figures []Figure) error {
	return htmlTmpl.Execute(w, map[string]any{
		"R": r, "Prov": r.provenanceLine(), "NotComparable": NotComparableNote, "How": r.intervalNote(),
		"Sections": r.sections(), "Heat": r.heatmap(), "Figures": figures,
	})
}
