// Package sourcestest writes small fixture trees in every on-disk layout that package
// sources reads: real JPEG/BMP/PNG files (40x30 pixels by default, content varying per
// image), real MAT v5 files, CSV/TXT label files and IDX files. It is a non-test package
// so that tests of other packages (split resolution, rendering) can build datasets too.
//
// Every builder takes a testing.TB and fails the test on I/O errors; it returns the
// ROOT to pass to sources.Open.
package sourcestest
