package reports

import (
	"encoding/base64"
	"html/template"
	"io"
)

// Figure is a plot embedded in the HTML report.
type Figure struct {
	Title string
	PNG   []byte
	SVG   []byte // optional, written beside the report
}

var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"dataURI": func(b []byte) template.URL {
		return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b))
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.R.Benchmark}} — {{.R.Title}}</title>
<style>
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1d2330; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; }
.prov { color: #5a6375; font-size: .9rem; }
.note { background: #fff7e0; border-left: 4px solid #e0a800; padding: .6rem .9rem; margin: 1rem 0; }
table { border-collapse: collapse; margin: .4rem 0 1.4rem; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d5dae3; padding: .3rem .6rem; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { background: #f1f4f9; }
tr:nth-child(even) td { background: #fafbfd; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; border: 1px solid #d5dae3; }
</style>
</head>
<body>
<h1>{{.R.Benchmark}} — {{.R.Title}}</h1>
<p class="prov">{{.Prov}}</p>
{{if not .R.Comparable}}<p class="note">{{.NotComparable}}</p>{{end}}
{{range .R.Notes}}<p class="note">{{.}}</p>{{end}}
{{range .Sections}}
<h2>{{.Title}}</h2>
<table>
<thead><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</tbody>
</table>
{{end}}
{{range .Figures}}<figure><img src="{{dataURI .PNG}}" alt="{{.Title}}"><figcaption>{{.Title}}</figcaption></figure>{{end}}
</body>
</html>
`))

// WriteHTML renders one self-contained HTML file: tables and figures inline, no external
// resources, so it opens from disk in any browser.
func (r *Report) WriteHTML(w io.Writer, figures []Figure) error {
	return htmlTmpl.Execute(w, map[string]any{
		"R": r, "Prov": r.provenanceLine(), "NotComparable": NotComparableNote, "Sections": r.sections(), "Figures": figures,
	})
}
