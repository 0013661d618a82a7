// Package golden compares rendered artefacts (pattern tables, split summaries, reports) with
// files under testdata/, and rewrites them when tests run with -update.
package golden
