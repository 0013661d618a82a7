//go:build !openblas

package gonn

// blasName is the BLAS gorgonia uses: its default pure-Go gonum implementation. Build with
// -tags openblas (cgo, Debian libopenblas-dev) to use OpenBLAS.
const blasName = "gonum (pure Go)"
