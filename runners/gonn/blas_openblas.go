//go:build openblas && cgo

package gonn

// #cgo LDFLAGS: -lopenblas
import "C"

import (
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// blasName is the BLAS gorgonia uses under -tags openblas.
const blasName = "openblas (cgo, gonum netlib)"

func init() {
	G.Use(netlib.Implementation{})
	tensor.Use(netlib.Implementation{}) // the tensor engine does the matmuls
}
