// Package shards writes and reads occbench shard sets: Hugging Face–compatible Parquet
// files (DESIGN.md decision 4) plus the manifest.lock.json that describes them.
//
// A shard set folder looks like
//
//	OUT/README.md                      dataset card with the HF `configs` block
//	OUT/manifest.lock.json             resolved manifest, split checksums, pattern table,
//	                                   tool version, per-shard SHA-256 and row counts
//	OUT/patterns/patterns.json         the pattern pack (table + pre-scaled occluders)
//	OUT/patterns/occluders/*.png
//	OUT/data/{split}-{i:05d}-of-{n:05d}.parquet   (or .tar: WebDataset; .recipe.parquet: recipe)
//	OUT/.occbench/plan.json            plan identity (refuses another manifest's output)
//	OUT/.occbench/shards/{file}.json   one receipt per completed shard (resume, lock)
//
// Every Parquet file has the columns of Row, in this order, all nullable (as pyarrow and
// `datasets` write them) but never null: image {bytes: binary, path: string}, label
// (int64, ClassLabel over the source's classes), class_name, source_id, split,
// pattern_id (int64, -1 for a clean image), occluder ("" when clean), ratio (double, 0
// when clean), x, y (int64, occluder top-left corner, 0 when clean), pair_id (int64: rows
// with the same pair_id in a split are renderings of the same source image). The file's
// key-value metadata holds `huggingface` = {"info": {"features": {...}}} exactly as
// datasets' ArrowWriter writes it, so datasets.load_dataset("parquet", ...) decodes the
// image column without help.
//
// Recipe shards (FormatRecipe, recipe.go) hold the same columns with `path` in place of the
// image struct and no pixels; WebDataset shards (webdataset.go) one sample per row.
//
// The reader side (Open, Dataset, Split, Row.Decode) is what runners use to load images.
package shards
