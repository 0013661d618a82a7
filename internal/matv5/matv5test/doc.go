// Package matv5test writes small MATLAB Level 5 MAT-files for tests and fixtures: double,
// uint8 and char arrays of any number of dimensions, struct arrays nested to any depth and
// cell arrays, in either byte order, with or without miCOMPRESSED. It shares no code with
// the reader in package matv5, so a round trip through both checks each against the format
// rather than against itself.
//
// Options.MATLAB writes what MATLAB's `save -v7` writes, as far as a reader can tell: each
// variable in its own miCOMPRESSED element, char data as miUINT16, struct field names padded
// to 32 bytes, empty names of struct field values and cell elements as an empty miINT8
// element, and the data of a double array whose values are all integers stored in the
// narrowest integer type that holds them (miUINT8 for [5 15 25 35]), which MATLAB does to
// save space and readers must undo.
package matv5test
