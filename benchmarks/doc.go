// Package benchmarks holds each paper table and figure as code plus data: which manifest
// and sets it runs per profile, its model rows, its columns and the paper's numbers.
package benchmarks
