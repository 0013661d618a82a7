package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeJSON feeds arbitrary bytes to the report reader `bench compare` and `bench list`
// use: it must return a report or an error, never panic, and a report it accepts must fill,
// render and compare against itself without panicking.
func FuzzDecodeJSON(f *testing.F) {
	for _, name := range []string{"table2.json", "synthetic.json.golden"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"version":2,"benchmark":"demo","profile":"demo","columns":["clean"],"seeds":[1],"rows":[{"model":"A","role":"reproduce","cells":[{"seeds":[{"seed":1,"parts":[{"correct":1,"total":3,"hits":"AQ=="}]}]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, row := range r.Rows {
			for _, c := range row.Cells {
				for _, s := range c.Seeds {
					for _, p := range s.Parts {
						if p.Total > 1<<16 {
							return // large counts are valid but slow to resample; not what this fuzzes
						}
					}
				}
			}
		}
		if err := r.Fill(1, 20); err != nil {
			return
		}
		r.Judge(1.13)
		var buf bytes.Buffer
		r.WriteMarkdown(&buf)
		r.WriteHTML(&buf, nil)
		r.WriteCSV(&buf)
		if c, err := Compare(r, r, 1); err == nil && c.Failed() != 0 {
			for _, d := range c.Cells {
				if d.Regressed {
					t.Fatalf("a report regressed against itself: %+v", d)
				}
			}
		}
	})
}
