// Package splits resolves a manifest's set rules against a dataset's classes and items into
// exact, deterministic image lists (PROTOCOL.md section 3), with a checksum that identifies
// the split.
package splits
