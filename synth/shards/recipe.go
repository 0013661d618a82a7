package shards

import (
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// FormatRecipe is the shard format with every column of Row but no pixels: a few dozen
// bytes a row, for sets too large to keep materialized. `bench render` turns any rows of a
// recipe shard back into the exact image bytes a Parquet synth of the same plan writes.
const FormatRecipe = "recipe"

// RecipeMetadataKey is the Parquet key-value metadata key of a recipe shard: RecipeMeta
// as JSON.
const RecipeMetadataKey = "occbench.recipe"

// RecipeMeta ties a recipe shard to its shard set and to the Parquet shard it renders to.
type RecipeMeta struct {
	PlanID string `json:"plan_id"` // the recipe set's plan (manifest.lock.json)
	// RendersTo is the file, relative to a shard set folder, that a Parquet synth of the
	// same manifest and options writes for these rows (data/{split}-{i}-of-{n}.parquet).
	RendersTo string `json:"renders_to"`
}

// recipeRecord is a recipe row on disk: Row's columns, with the image reduced to its path.
type recipeRecord struct {
	Path *string `parquet:"path,optional"`
	metaColumns
}

// CheckRecipeSchema checks that a Parquet schema is a recipe shard's.
func CheckRecipeSchema(s *parquet.Schema) error {
	if want := parquet.SchemaOf(recipeRecord{}); s.String() != want.String() {
		return fmt.Errorf("schema differs from a recipe shard's:\n got  %s\n want %s", s, want)
	}
	return nil
}

// RendersTo is the Parquet shard a recipe shard file renders to: the same name with the
// .recipe.parquet extension replaced by .parquet.
func RendersTo(recipeFile string) string {
	return strings.TrimSuffix(recipeFile, "."+FormatExt(FormatRecipe)) + "." + FormatExt(FormatParquet)
}

// RecipeWriter writes one recipe shard (see Writer for the temporary-name protocol).
type RecipeWriter struct {
	*outFile
	pw  *parquet.GenericWriter[recipeRecord]
	buf []recipeRecord
}

// CreateRecipe starts a recipe shard of plan planID that Close will publish at path.
func CreateRecipe(file, planID string) (*RecipeWriter, error) {
	sf, err := newOutFile(file)
	if err != nil {
		return nil, err
	}
	meta, err := json.Marshal(RecipeMeta{PlanID: planID, RendersTo: DataDir + "/" + RendersTo(path.Base(file))})
	if err != nil {
		sf.Abort()
		return nil, err
	}
	w := &RecipeWriter{outFile: sf}
	w.pw = parquet.NewGenericWriter[recipeRecord](w.cw,
		parquet.KeyValueMetadata(RecipeMetadataKey, string(meta)),
		parquet.Compression(&parquet.Zstd),
		parquet.CreatedBy("occbench", "", ""),
	)
	return w, nil
}

// Write appends rows; their Image bytes, if any, are not stored.
func (w *RecipeWriter) Write(rows ...Row) error {
	if w.done {
		return fmt.Errorf("shard %s: write after close", w.path)
	}
	w.buf = w.buf[:0]
	for i := range rows {
		rec := toRecord(&rows[i])
		w.buf = append(w.buf, recipeRecord{Path: rec.Image.Path, metaColumns: rec.metaColumns})
	}
	if _, err := w.pw.Write(w.buf); err != nil {
		return w.fail(err)
	}
	w.rows += len(rows)
	return nil
}

// Close finishes the file, syncs it and renames it to its final path.
func (w *RecipeWriter) Close() (ShardInfo, error) { return w.finish(w.pw.Close) }

// ReadRecipe reads every row of a recipe shard (Row.Image is nil) and its RecipeMeta.
func ReadRecipe(file string) ([]Row, *RecipeMeta, error) {
	sf, err := openShard(file)
	if err != nil {
		return nil, nil, err
	}
	defer sf.close()
	return readRecipe(file, sf.pf)
}

func readRecipe(file string, pf *parquet.File) (rows []Row, meta *RecipeMeta, err error) {
	err = guard(file, func() error {
		rows, meta, err = readRecipeRecords(file, pf)
		return err
	})
	return rows, meta, err
}

func readRecipeRecords(file string, pf *parquet.File) ([]Row, *RecipeMeta, error) {
	var meta *RecipeMeta
	for _, kv := range pf.Metadata().KeyValueMetadata {
		if kv.Key == RecipeMetadataKey {
			meta = &RecipeMeta{}
			if err := json.Unmarshal([]byte(kv.Value), meta); err != nil {
				return nil, nil, fmt.Errorf("%s: metadata %s: %w", file, RecipeMetadataKey, err)
			}
		}
	}
	if meta == nil {
		return nil, nil, fmt.Errorf("%s: not a recipe shard (no %q key in its Parquet metadata)", file, RecipeMetadataKey)
	}
	if err := CheckRecipeSchema(pf.Schema()); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", file, err)
	}
	r := parquet.NewGenericReader[recipeRecord](pf)
	defer r.Close()
	var rows []Row
	buf := make([]recipeRecord, 256)
	for {
		n, err := r.Read(buf)
		for i := 0; i < n; i++ {
			rc := &buf[i]
			row, ferr := fromRecord(&record{Image: &imageCell{Bytes: []byte{}, Path: rc.Path}, metaColumns: rc.metaColumns})
			if ferr != nil {
				return nil, nil, fmt.Errorf("%s: row %d: %w", file, len(rows), ferr)
			}
			row.Image = nil
			rows = append(rows, row)
		}
		if err == io.EOF {
			return rows, meta, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: row %d: %w", file, len(rows), err)
		}
	}
}
