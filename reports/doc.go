// Package reports renders benchmark results beside the paper's numbers (Markdown, HTML, CSV,
// JSON), attaches bootstrap intervals and paired effects computed from per-image hits
// (reports/stats), judges each paper claim, and compares two runs cell by cell to catch
// regressions. docs/statistics.md states every rule.
package reports
