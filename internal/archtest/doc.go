// Package archtest holds no code, only a test: the import rules of docs/architecture.md
// (which package group may import which), checked against `go list` of the whole module
// under every build configuration the code has (default, the cgo tags openblas and
// turbojpeg, a non-amd64 architecture).
package archtest
