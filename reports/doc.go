// Package reports renders benchmark results beside the paper's numbers (Markdown, HTML, CSV,
// JSON), attaches bootstrap confidence intervals computed from raw counts, and compares two
// runs cell by cell to catch regressions.
package reports
