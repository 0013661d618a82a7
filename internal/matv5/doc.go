// Package matv5 reads MATLAB Level 5 MAT-files (the format MATLAB writes with -v6 and
// -v7): numeric arrays of every class (as float64), logical arrays, char arrays, struct
// arrays and cell arrays, in either byte order, compressed (miCOMPRESSED) or not. It is the
// one MAT reader of the project: SDBE occluder sets (package occluders) and the Oxford 102
// and ILSVRC2012 devkit metadata (package synth/sources) are read with it.
//
// Why it is hand-written: the Go MAT readers checked were github.com/scigolib/matlab,
// github.com/florianl/matf (unmaintained since 2019, numeric arrays only),
// github.com/sbinet/matfio and github.com/ready-steady/mat (numeric arrays into Go values);
// none is reachable through this project's module proxy and none documents reading nested
// struct arrays and cell arrays (SDBE's `cls` is a struct array of structs of struct
// arrays; the devkit's `synsets` is a struct array of chars and numbers). The format is
// small and documented ("MAT-File Format", MathWorks), so this package reads exactly that:
// the 128-byte header, either byte order, miCOMPRESSED (zlib) elements, miMATRIX of class
// struct, cell, char, double, single, int8..uint64 (and the logical flag), small data
// elements, column-major data.
//
// Sparse arrays, objects, function handles, opaque values (MATLAB classes, string arrays,
// tables) and MAT v7.3 (HDF5) files are refused with an error naming them. Untrusted input
// is safe: every length is checked against the bytes actually present before anything is
// allocated, decompression is capped (1024 bytes per input byte, at least 1 MiB, at most
// 1 GiB per Read), nesting is limited to 64 levels, so memory stays linear in the input
// and what it inflates to (float64 data is at most 8 bytes per stored byte), and no input
// makes Read panic.
package matv5
