// Package synth is the synthesis engine: it plans every (source image, pattern, split) row
// of a manifest deterministically, renders the rows in a worker pool (decode once,
// preprocess, composite each pattern from the pattern pack) and writes them, in plan order,
// to Hugging Face–compatible Parquet shards (package synth/shards). The bytes of the
// output never depend on the worker count, on --shard i/N or on --resume.
//
// What is planned for each resolved set (role classes is skipped):
//
//   - train and test sets: every image, clean. A set with add_occluded also gets, after
//     its clean rows, every image of the named pairs set composited with every pattern of
//     that set's subset (Itrn = Itrn_c + Iop_o).
//   - pairs sets: every image clean. Runners composite pairs in memory from the pattern
//     pack (DESIGN.md decision 6), so occluded pair rows are written only with
//     Options.Occluded (bench synth --occluded): then each clean row is followed by its
//     occluded rows, one per pattern of the subset.
//   - occlude: variant is resolved to Options.Variant, or the manifest's first
//     iop_variants entry; the choice is recorded in manifest.lock.json.
//   - real pairs (AR): the set's images (clean and really occluded) are written as they
//     are, with no synthetic occlusion.
//
// Rows of one source image are never split across shards; a split's shards hold about
// RowsPerShard rows each.
package synth
