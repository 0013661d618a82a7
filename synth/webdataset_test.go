package synth

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/synth/shards"
)

// tarMembers lists the headers of a tar file, in order.
func tarMembers(t *testing.T, path string) []*tar.Header {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	var hs []*tar.Header
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return hs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		hs = append(hs, h)
	}
}

func readTar(t *testing.T, path string) []shards.Row {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := shards.ReadTarRows(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

func TestWebDatasetMatchesParquet(t *testing.T) {
	in := mustDemo(t)
	for _, enc := range []string{"png", "jpeg"} {
		t.Run(enc, func(t *testing.T) {
			pq, w1, w2 := t.TempDir(), t.TempDir(), t.TempDir()
			opt := Options{Workers: 2, Occluded: true, RowsPerShard: 100, Encode: enc}
			if enc == "jpeg" {
				opt.Sets = []string{"iop", "tst"}
				opt.RowsPerShard = 50
			}
			o := opt
			o.Out = pq
			sp := run(t, in, o)
			o.Out, o.Format, o.Workers = w1, "webdataset", 1
			s1 := run(t, in, o)
			o.Out, o.Workers = w2, 2
			s2 := run(t, in, o)
			if !s1.Complete || !s2.Complete || s1.Written != sp.Written || s1.Written < 2 || s1.Rows != sp.Rows {
				t.Fatalf("summaries: parquet %+v / webdataset %+v", sp, s1)
			}
			if s1.PlanID == sp.PlanID {
				t.Errorf("webdataset and parquet share plan id %s", s1.PlanID)
			}
			// Byte-identical for --workers 1 and 2.
			sameTree(t, w1, w2)
			rep := verifyOK(t, w1)
			if rep.Rows != sp.Rows || rep.Images != sp.Rows {
				t.Errorf("verified %d rows (%d images), want %d", rep.Rows, rep.Images, sp.Rows)
			}
			card, _ := os.ReadFile(filepath.Join(w1, shards.CardFile))
			if !bytes.Contains(card, []byte("-*.tar\n")) || bytes.Contains(card, []byte(".parquet")) {
				t.Errorf("card does not point at the tar shards:\n%s", card)
			}

			lp, err := shards.ReadLock(pq)
			if err != nil {
				t.Fatal(err)
			}
			lw, err := shards.ReadLock(w1)
			if err != nil {
				t.Fatal(err)
			}
			if lw.Format != "webdataset" || len(lw.Splits) != len(lp.Splits) {
				t.Fatalf("lock: format %q, %d splits (parquet %d)", lw.Format, len(lw.Splits), len(lp.Splits))
			}
			ext := ".png"
			if enc == "jpeg" {
				ext = ".jpg"
			}
			for i, ls := range lw.Splits {
				ps := lp.Splits[i]
				if ls.Name != ps.Name || ls.Rows != ps.Rows || len(ls.Shards) != len(ps.Shards) {
					t.Fatalf("split %d: webdataset %s %d rows %d shards, parquet %s %d rows %d shards",
						i, ls.Name, ls.Rows, len(ls.Shards), ps.Name, ps.Rows, len(ps.Shards))
				}
				for k, sh := range ls.Shards {
					want := strings.TrimSuffix(ps.Shards[k].File, ".parquet") + ".tar"
					if sh.File != want || sh.Rows != ps.Shards[k].Rows {
						t.Errorf("shard %s (%d rows), want %s (%d rows)", sh.File, sh.Rows, want, ps.Shards[k].Rows)
					}
					tp := filepath.Join(w1, filepath.FromSlash(sh.File))
					// Members: image, .cls, .json per sample, deterministic headers.
					hs := tarMembers(t, tp)
					if len(hs) != 3*sh.Rows {
						t.Fatalf("%s: %d members for %d rows", sh.File, len(hs), sh.Rows)
					}
					for j, h := range hs {
						key := hs[j-j%3].Name[:strings.IndexByte(hs[j-j%3].Name, '.')]
						wantName := key + []string{ext, ".cls", ".json"}[j%3]
						if h.Name != wantName || h.Mode != 0o644 || h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" ||
							!h.ModTime.Equal(time.Unix(0, 0)) || h.Typeflag != tar.TypeReg {
							t.Fatalf("%s member %d: %+v (want name %s)", sh.File, j, h, wantName)
						}
					}
					// Same rows, in order, as the Parquet shard of the same plan.
					got := readTar(t, tp)
					rows, _, err := shards.ReadFile(filepath.Join(pq, filepath.FromSlash(ps.Shards[k].File)))
					if err != nil {
						t.Fatal(err)
					}
					if len(got) != len(rows) {
						t.Fatalf("%s: %d samples, parquet %d rows", sh.File, len(got), len(rows))
					}
					prev := ""
					for j := range rows {
						g, w := got[j], rows[j]
						if !bytes.Equal(g.Image, w.Image) {
							t.Fatalf("%s sample %d: image bytes differ from the parquet row", sh.File, j)
						}
						g.Image, w.Image = nil, nil
						if !reflect.DeepEqual(g, w) {
							t.Fatalf("%s sample %d:\n got  %+v\n want %+v", sh.File, j, g, w)
						}
						if _, err := got[j].Decode(); err != nil {
							t.Fatalf("%s sample %d: %v", sh.File, j, err)
						}
						key, _, _ := shards.WDSKey(&got[j])
						if key <= prev {
							t.Fatalf("%s: key %s after %s", sh.File, key, prev)
						}
						prev = key
					}
				}
			}
		})
	}
}

func TestWebDatasetResumeAndVerify(t *testing.T) {
	in := mustDemo(t)
	whole, part := t.TempDir(), t.TempDir()
	opt := Options{Workers: 2, Occluded: true, RowsPerShard: 60, Format: "webdataset"}
	o := opt
	o.Out = whole
	run(t, in, o)
	// --shard 0/2 then --shard 1/2 with --resume equals the whole.
	o.Out, o.Shard, o.NumShards = part, 0, 2
	run(t, in, o)
	o.Shard, o.Resume = 1, true
	s := run(t, in, o)
	if s.Kept != 0 || !s.Complete {
		t.Errorf("second part: %+v", s)
	}
	sameTree(t, whole, part)
	// Resume with everything present writes nothing.
	o.Shard, o.NumShards = 0, 1
	if s := run(t, in, o); s.Written != 0 || s.Kept == 0 {
		t.Errorf("resume: %+v", s)
	}
	sameTree(t, whole, part)
	// A damaged tar is a fault.
	lock, err := shards.ReadLock(part)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(part, filepath.FromSlash(lock.Splits[0].Shards[0].File))
	data, _ := os.ReadFile(p)
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := shards.Verify(part)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() {
		t.Error("verify passed a damaged tar shard")
	}
	// Rows of webdataset sets are not readable through Dataset.Split: a clear error.
	d, err := shards.Open(whole)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Split(lock.Splits[0].Name); err == nil || !strings.Contains(err.Error(), "Parquet") {
		t.Errorf("Split on a webdataset set: %v", err)
	}
	// Counts (bench shards show) read tar shards.
	c, err := d.Count()
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, sc := range c.Splits {
		rows += sc.Rows
	}
	if want := s.PlannedRows; rows != want {
		t.Errorf("Count: %d rows, want %d", rows, want)
	}
}

func TestFormatRefused(t *testing.T) {
	in := mustDemo(t)
	opt := Options{Format: "zarr"}
	if _, _, err := Prepare(in, &opt); err == nil {
		t.Error("--format zarr accepted")
	}
}
