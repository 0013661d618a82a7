//go:build openblas && cgo

package gonn

// #cgo LDFLAGS: -lopenblas
// #include <cblas.h>
import "C"

import (
	"unsafe"

	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// blasName is the BLAS the engine uses under -tags openblas.
const blasName = "openblas (cgo)"

func init() {
	G.Use(netlib.Implementation{})
	tensor.Use(netlib.Implementation{}) // the tensor engine does gorgonia's matmuls (classifier)
	// The custom ops split the batch over GOMAXPROCS goroutines themselves (ops_conv.go), each
	// calling a single-threaded sgemm; OpenBLAS's own threads would only oversubscribe the cores.
	C.openblas_set_num_threads(1)
}

func ctrans(t bool) C.enum_CBLAS_TRANSPOSE {
	if t {
		return C.CblasTrans
	}
	return C.CblasNoTrans
}

// sgemm is row-major C = op(A) op(B) + beta C (alpha 1), op(X) = X^T when tX.
func sgemm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	C.cblas_sgemm(C.CblasRowMajor, ctrans(tA), ctrans(tB), C.blasint(m), C.blasint(n), C.blasint(k), 1,
		(*C.float)(unsafe.Pointer(&a[0])), C.blasint(lda), (*C.float)(unsafe.Pointer(&b[0])), C.blasint(ldb),
		C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.blasint(ldc))
}

// dgemm is sgemm in float64 (the ops' numerical gradient checks run in float64).
func dgemm(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	C.cblas_dgemm(C.CblasRowMajor, ctrans(tA), ctrans(tB), C.blasint(m), C.blasint(n), C.blasint(k), 1,
		(*C.double)(unsafe.Pointer(&a[0])), C.blasint(lda), (*C.double)(unsafe.Pointer(&b[0])), C.blasint(ldb),
		C.double(beta), (*C.double)(unsafe.Pointer(&c[0])), C.blasint(ldc))
}
