package sourcestest

import "github.com/occbench/occbench/internal/matv5/matv5test"

// MAT v5 fixtures are written with internal/matv5/matv5test, which shares no code with
// the reader (internal/matv5); these names keep the fixture builders short.

// MatDouble is a double array (column-major data).
type MatDouble = matv5test.Double

// MatStruct is a struct array: Elems[i][f] is field Fields[f] of element i, each a
// MatDouble, a string (1 x n char array) or a MatStruct.
type MatStruct = matv5test.Struct

// MatVar is one named top-level variable.
type MatVar = matv5test.Var

// MatOptions select the byte order and compression of WriteMAT.
type MatOptions = matv5test.Options

// Row returns a 1 x len(v) double array.
func Row(v ...float64) MatDouble { return matv5test.Row(v...) }

// EncodeMAT encodes variables as a MAT v5 file.
func EncodeMAT(vars []MatVar, opt MatOptions) ([]byte, error) { return matv5test.Encode(vars, opt) }

// WriteMAT writes variables to a MAT v5 file.
func WriteMAT(path string, vars []MatVar, opt MatOptions) error {
	return matv5test.Write(path, vars, opt)
}
