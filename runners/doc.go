// Package runners is the runner contract of DESIGN.md decision 5: a versioned JSON run spec
// says what to train and evaluate, a versioned JSON result holds raw counts, the training
// curve, timing and provenance. Both runners (Go, PyTorch) read and write these documents;
// SPEC.md beside this file documents every field.
package runners
