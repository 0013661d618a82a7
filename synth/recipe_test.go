package synth

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/occbench/occbench/synth/shards"
)

// A recipe set rendered back is byte-identical to the materialized Parquet set: whole
// shards file for file, selected rows image for image.
func TestRecipeRendersByteIdentical(t *testing.T) {
	in := mustDemo(t)
	for _, enc := range []string{"png", "jpeg"} {
		t.Run(enc, func(t *testing.T) {
			pq, rc := t.TempDir(), t.TempDir()
			opt := Options{Workers: 2, Occluded: true, RowsPerShard: 120, Encode: enc, Sets: []string{"iop", "tst"}}
			o := opt
			o.Out = pq
			sp := run(t, in, o)
			o.Out, o.Format = rc, shards.FormatRecipe
			sr := run(t, in, o)
			if sr.Rows != sp.Rows || sr.Written != sp.Written || sr.Images != 0 || sr.PlanID == sp.PlanID {
				t.Fatalf("summaries: parquet %+v / recipe %+v", sp, sr)
			}
			if rep := verifyOK(t, rc); rep.Rows != sp.Rows || rep.Images != 0 {
				t.Errorf("verified recipe: %d rows, %d images; want %d rows, 0 images", rep.Rows, rep.Images, sp.Rows)
			}
			recipes, _ := filepath.Glob(filepath.Join(rc, shards.DataDir, "*.recipe.parquet"))
			if len(recipes) != sp.Written {
				t.Fatalf("%d recipe shards, want %d", len(recipes), sp.Written)
			}
			var recipeBytes, pqBytes int64
			for _, r := range recipes {
				_, meta, err := shards.ReadRecipe(r)
				if err != nil {
					t.Fatal(err)
				}
				want, err := os.ReadFile(filepath.Join(pq, filepath.FromSlash(meta.RendersTo)))
				if err != nil {
					t.Fatal(err)
				}
				out := t.TempDir()
				sum, err := RenderRecipe(context.Background(), RenderOptions{Shard: r, Out: out, Workers: 2})
				if err != nil {
					t.Fatal(err)
				}
				got, err := os.ReadFile(sum.Output)
				if err != nil {
					t.Fatal(err)
				}
				if filepath.Base(sum.Output) != filepath.Base(meta.RendersTo) || !bytes.Equal(got, want) {
					t.Errorf("%s rendered to %s (%d bytes), not identical to %s (%d bytes)", filepath.Base(r), sum.Output, len(got), meta.RendersTo, len(want))
				}
				st, _ := os.Stat(r)
				recipeBytes += st.Size()
				pqBytes += int64(len(want))
			}
			t.Logf("%s: recipe shards %d bytes, materialized %d bytes (%.1f%%)", enc, recipeBytes, pqBytes, 100*float64(recipeBytes)/float64(pqBytes))

			// A row selection as image files: each image equals its row of the Parquet shard.
			r := recipes[len(recipes)-1]
			all, meta, _ := shards.ReadRecipe(r)
			want, _, err := shards.ReadFile(filepath.Join(pq, filepath.FromSlash(meta.RendersTo)))
			if err != nil {
				t.Fatal(err)
			}
			spec := "1,3:6," + strconv.Itoa(len(all)-1)
			sel, err := ParseRows(spec, len(all))
			if err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			sum, err := RenderRecipe(context.Background(), RenderOptions{Shard: r, Rows: spec, Out: out, Files: true, Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Rows != len(sel) {
				t.Errorf("rendered %d rows, want %d", sum.Rows, len(sel))
			}
			lines := readLines(t, filepath.Join(out, "metadata.jsonl"))
			if len(lines) != len(sel) {
				t.Fatalf("metadata.jsonl has %d lines, want %d", len(lines), len(sel))
			}
			for k, i := range sel {
				got, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(want[i].Path)))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want[i].Image) {
					t.Errorf("row %d (%s): rendered image differs from the materialized one", i, want[i].Path)
				}
				var m imageMeta
				if err := json.Unmarshal([]byte(lines[k]), &m); err != nil {
					t.Fatal(err)
				}
				if m.FileName != want[i].Path || !reflect.DeepEqual(m.WDSMeta, shards.MetaOf(&want[i])) {
					t.Errorf("metadata line %d: %+v, want row %d %+v", k, m, i, shards.MetaOf(&want[i]))
				}
			}
			// The same selection as Parquet holds the same rows.
			out = t.TempDir()
			sum, err = RenderRecipe(context.Background(), RenderOptions{Shard: r, Rows: spec, Out: out, Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := shards.ReadFile(sum.Output)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(sum.Output, ".rows.parquet") || len(got) != len(sel) {
				t.Fatalf("selection rendered to %s with %d rows", sum.Output, len(got))
			}
			for k, i := range sel {
				if !reflect.DeepEqual(got[k], want[i]) {
					t.Errorf("Parquet selection row %d differs from materialized row %d", k, i)
				}
			}
		})
	}
}

func TestRecipeRenderErrors(t *testing.T) {
	in := mustDemo(t)
	pq, rc := t.TempDir(), t.TempDir()
	run(t, in, Options{Out: pq, Sets: []string{"tst"}})
	run(t, in, Options{Out: rc, Sets: []string{"iop"}, Occluded: true, Format: shards.FormatRecipe})
	recipes, _ := filepath.Glob(filepath.Join(rc, shards.DataDir, "*.recipe.parquet"))
	parquets, _ := filepath.Glob(filepath.Join(pq, shards.DataDir, "*.parquet"))
	if len(recipes) == 0 || len(parquets) == 0 {
		t.Fatal("no shards")
	}
	render := func(shard, rows string) error {
		_, err := RenderRecipe(context.Background(), RenderOptions{Shard: shard, Rows: rows, Out: t.TempDir()})
		return err
	}
	check := func(name string, err error, want string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, want)
		}
	}
	check("materialized shard", render(parquets[0], ""), "not a recipe shard")
	check("row out of range", render(recipes[0], "0:100000"), "the shard has")
	check("bad row", render(recipes[0], "x"), "not a row index")

	// Another set's pack: patterns differ from the recipe's.
	pf := filepath.Join(rc, shards.PackDir, "patterns.json")
	data, err := os.ReadFile(pf)
	if err != nil {
		t.Fatal(err)
	}
	var pack map[string]any
	if err := json.Unmarshal(data, &pack); err != nil {
		t.Fatal(err)
	}
	for _, p := range pack["patterns"].([]any) {
		p.(map[string]any)["x"] = p.(map[string]any)["x"].(float64) + 1
	}
	moved, _ := json.Marshal(pack)
	if err := os.WriteFile(pf, moved, 0o644); err != nil {
		t.Fatal(err)
	}
	check("moved pack", render(recipes[0], ""), "does not match manifest.lock.json: patterns/patterns.json: pattern 0: x")
	os.WriteFile(pf, data, 0o644)

	// A recipe copied away from its shard set.
	lone := filepath.Join(t.TempDir(), "data", filepath.Base(recipes[0]))
	os.MkdirAll(filepath.Dir(lone), 0o755)
	b, _ := os.ReadFile(recipes[0])
	os.WriteFile(lone, b, 0o644)
	check("lone recipe", render(lone, ""), "manifest.lock.json")
}

func TestParseRows(t *testing.T) {
	for _, c := range []struct {
		spec string
		n    int
		want []int
		err  string
	}{
		{"", 5, nil, ""},
		{"all", 5, nil, ""},
		{"0", 5, []int{0}, ""},
		{"3:", 5, []int{3, 4}, ""},
		{"4,0:2,1", 5, []int{0, 1, 4}, ""},
		{"2:2", 5, nil, "selects no row"},
		{"5", 5, nil, "the shard has 5 rows"},
		{"3:1", 5, nil, "lo <= hi"},
		{"-1", 5, nil, "not a row index"},
		{"a:3", 5, nil, "0 <= lo"},
	} {
		got, err := ParseRows(c.spec, c.n)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseRows(%q): error %v, want %q", c.spec, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseRows(%q) = %v, %v; want %v", c.spec, got, err, c.want)
		}
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// FuzzParseRows: any --rows text gives an error or an ascending, distinct, in-range list.
func FuzzParseRows(f *testing.F) {
	for _, s := range []string{"", "all", "0:10,12,20:", "3:1", "-1", "5,5,5", "1:2:3", ",,", " 4 , 2 "} {
		f.Add(s, 30)
	}
	f.Fuzz(func(t *testing.T, spec string, n int) {
		if n < 0 || n > 1<<16 {
			return
		}
		rows, err := ParseRows(spec, n)
		if err != nil {
			return
		}
		for i, r := range rows {
			if r < 0 || r >= n || (i > 0 && r <= rows[i-1]) {
				t.Fatalf("ParseRows(%q, %d) = %v", spec, n, rows)
			}
		}
	})
}
