// Package stats computes the intervals and paired effects of a report: per-image scores of a
// cell (the mean over its patterns of whether each test image was classified correctly), a
// two-level bootstrap over seeds and images for means and paired differences, and the
// parametric binomial bootstrap for cells that carry counts only. docs/statistics.md states
// every rule; every resample is drawn from a keyed generator (internal/keyed), so the same
// data always give the same interval.
package stats
