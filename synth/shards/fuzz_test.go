package shards

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// fuzzRows are a few rows of every kind (clean, occluded, non-ASCII names).
var fuzzRows = []Row{
	{Image: []byte("\x89PNG\r\n\x1a\nfake"), Path: "tst/0000000.png", Label: 0, ClassName: "cat", SourceID: "cat/1.jpg", Split: "tst", PatternID: -1},
	{Image: []byte{0xff, 0xd8, 0xff}, Path: "tst/0000001.jpg", Label: 1, ClassName: "čaj", SourceID: "čaj/2.jpg", Split: "tst",
		PatternID: 3, Occluder: "apple", Ratio: 0.2, X: 5, Y: 7, PairID: 1},
}

// writeShard writes fuzzRows as one shard of a format under dir and returns its path.
func writeShard(tb testing.TB, dir, format string) string {
	tb.Helper()
	path := filepath.Join(dir, ShardFileName("tst", 0, 1, format))
	w, err := CreateFormat(format, path, WriterOptions{Classes: []string{"cat", "čaj"}, PlanID: "p"})
	if err != nil {
		tb.Fatal(err)
	}
	if err := w.Write(fuzzRows...); err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// seedShard returns the bytes of one shard of a format holding fuzzRows.
func seedShard(f *testing.F, format string) []byte {
	f.Helper()
	data, err := os.ReadFile(writeShard(f, f.TempDir(), format))
	if err != nil {
		f.Fatal(err)
	}
	return data
}

// FuzzParquetShard feeds arbitrary bytes to the Parquet shard reader: errors, never panics.
func FuzzParquetShard(f *testing.F) {
	f.Add(seedShard(f, FormatParquet))
	f.Add([]byte("PAR1PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := openParquet("fuzz.parquet", bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		if CheckSchema(pf.Schema()) != nil {
			return
		}
		eachInFile("fuzz.parquet", pf, func(r *Row) error { return nil })
	})
}

// FuzzRecipeShard feeds arbitrary bytes to the recipe reader: errors, never panics.
func FuzzRecipeShard(f *testing.F) {
	f.Add(seedShard(f, FormatRecipe))
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := openParquet("fuzz.recipe.parquet", bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		readRecipe("fuzz.recipe.parquet", pf)
	})
}

// FuzzTarShard feeds arbitrary bytes to the WebDataset reader: errors, never panics, and
// what it accepts has consistent keys.
func FuzzTarShard(f *testing.F) {
	f.Add(seedShard(f, FormatWebDataset))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ReadTarRows(bytes.NewReader(data))
		if err != nil {
			return
		}
		for i := range rows {
			if _, _, err := WDSKey(&rows[i]); err != nil {
				t.Fatalf("accepted row %d with a bad key: %v", i, err)
			}
		}
	})
}

// The seeds round-trip, so the fuzzers start from valid files.
func TestFuzzSeedsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{FormatParquet, FormatRecipe, FormatWebDataset} {
		path := writeShard(t, dir, format)
		var rows []Row
		var err error
		switch format {
		case FormatParquet:
			rows, _, err = ReadFile(path)
		case FormatRecipe:
			var meta *RecipeMeta
			rows, meta, err = ReadRecipe(path)
			if err == nil && (meta.PlanID != "p" || meta.RendersTo != "data/tst-00000-of-00001.parquet") {
				t.Errorf("recipe meta %+v", meta)
			}
		case FormatWebDataset:
			fh, _ := os.Open(path)
			rows, err = ReadTarRows(fh)
			fh.Close()
		}
		if err != nil || len(rows) != len(fuzzRows) {
			t.Fatalf("%s: %d rows, %v", format, len(rows), err)
		}
		for i := range rows {
			want := fuzzRows[i]
			if format == FormatRecipe {
				want.Image = nil
			}
			if !equalRows(&rows[i], &want) {
				t.Errorf("%s row %d: %+v, want %+v", format, i, rows[i], want)
			}
		}
	}
}

func equalRows(a, b *Row) bool {
	return bytes.Equal(a.Image, b.Image) && a.Path == b.Path && a.Label == b.Label && a.ClassName == b.ClassName &&
		a.SourceID == b.SourceID && a.Split == b.Split && a.PatternID == b.PatternID && a.Occluder == b.Occluder &&
		a.Ratio == b.Ratio && a.X == b.X && a.Y == b.Y && a.PairID == b.PairID
}
