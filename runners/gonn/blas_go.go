//go:build !openblas || !cgo

package gonn

import (
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/occbench/occbench/runners/gonn/internal/kern"
)

// blasName is the BLAS the engine uses: gonum's pure-Go implementation, both for gorgonia's
// own matmuls and for the custom convolution ops (ops_conv.go). Build with -tags openblas
// (cgo, Debian libopenblas-dev) to use OpenBLAS.
const blasName = "gonum (pure Go)"

var goBLAS gonum.Implementation

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// sgemm is row-major C = op(A) op(B) + beta C (alpha 1), op(X) = X^T when tX. On amd64 with
// AVX2 and FMA it packs A into 4-row panels and B into 16-column panels and runs a 4 x 16
// assembly micro-kernel (several times gonum's speed on the convolutions' shapes); otherwise,
// and for beta other than 0 or 1, it calls gonum.
func sgemm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if !kern.HaveAVX || (beta != 0 && beta != 1) || m == 0 || n == 0 || k == 0 {
		goBLAS.Sgemm(trans(tA), trans(tB), m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
		return
	}
	// bounds, as gonum checks them
	rowsA, colsA, rowsB, colsB := m, k, k, n
	if tA {
		rowsA, colsA = k, m
	}
	if tB {
		rowsB, colsB = n, k
	}
	if lda < colsA || ldb < colsB || ldc < n || len(a) < (rowsA-1)*lda+colsA ||
		len(b) < (rowsB-1)*ldb+colsB || len(c) < (m-1)*ldc+n {
		panic("sgemm: bad dimensions")
	}
	p := packPool.Get().(*packBufs)
	defer packPool.Put(p)
	if kern.HaveAVX512 && !tB && m%16 == 0 && n%16 == 0 {
		sgemm16(tA, m, n, k, a, lda, b, ldb, beta, c, ldc, p)
		return
	}
	mb := (m + 3) / 4
	if cap(p.a) < mb*4*k {
		p.a = make([]float32, mb*4*k)
	}
	if cap(p.b) < 16*k {
		p.b = make([]float32, 16*k)
	}
	ap, bp := p.a[:mb*4*k], p.b[:16*k]
	// A panels: ap[ib*4k + kk*4 + r] = op(A)[4ib+r, kk], zero past m
	for ib := 0; ib < mb; ib++ {
		panel := ap[ib*4*k : (ib+1)*4*k]
		i0 := ib * 4
		switch {
		case tA:
			for kk := 0; kk < k; kk++ {
				row := a[kk*lda:]
				for r := 0; r < 4; r++ {
					if i0+r < m {
						panel[kk*4+r] = row[i0+r]
					} else {
						panel[kk*4+r] = 0
					}
				}
			}
		case i0+4 <= m:
			r0, r1 := a[i0*lda:i0*lda+k], a[(i0+1)*lda:(i0+1)*lda+k]
			r2, r3 := a[(i0+2)*lda:(i0+2)*lda+k], a[(i0+3)*lda:(i0+3)*lda+k]
			for kk := range r0 {
				q := (*[4]float32)(panel[kk*4 : kk*4+4])
				q[0], q[1], q[2], q[3] = r0[kk], r1[kk], r2[kk], r3[kk]
			}
		default:
			for r := 0; r < 4; r++ {
				i := i0 + r
				for kk := 0; kk < k; kk++ {
					if i < m {
						panel[kk*4+r] = a[i*lda+kk]
					} else {
						panel[kk*4+r] = 0
					}
				}
			}
		}
	}
	add := 0
	if beta == 1 {
		add = 1
	}
	var tile [64]float32
	// Full 16-column panels of an untransposed B are read in place unless B's rows lie a
	// multiple of 1 KiB apart: then they share L1 sets (4 KiB aliasing) and packing wins. The
	// convolutions pad their column matrices' rows (colStride) so they are read in place.
	inPlace := !tB && (ldb*4)%1024 != 0
	for j0 := 0; j0 < n; j0 += 16 {
		w := min(16, n-j0)
		bsrc, bld := &bp[0], 16
		// B panel: bp[kk*16 + jj] = op(B)[kk, j0+jj], zero past n
		if tB {
			for jj := 0; jj < 16; jj++ {
				if jj >= w {
					for kk := 0; kk < k; kk++ {
						bp[kk*16+jj] = 0
					}
					continue
				}
				row := b[(j0+jj)*ldb : (j0+jj)*ldb+k]
				for kk, v := range row {
					bp[kk*16+jj] = v
				}
			}
		} else if w == 16 && inPlace {
			bsrc, bld = &b[j0], ldb
		} else if w == 16 {
			for kk := 0; kk < k; kk++ {
				// a 64-byte array assignment: a few vector moves, no memmove call
				*(*[16]float32)(bp[kk*16 : kk*16+16]) = *(*[16]float32)(b[kk*ldb+j0 : kk*ldb+j0+16])
			}
		} else {
			for kk := 0; kk < k; kk++ {
				dst := bp[kk*16 : kk*16+16]
				n := copy(dst, b[kk*ldb+j0:kk*ldb+j0+w])
				clear(dst[n:])
			}
		}
		for ib := 0; ib < mb; ib++ {
			i0 := ib * 4
			h := min(4, m-i0)
			if h == 4 && w == 16 {
				kern.SgemmKernel4x16(k, &ap[ib*4*k], bsrc, &c[i0*ldc+j0], ldc, add, bld)
				continue
			}
			kern.SgemmKernel4x16(k, &ap[ib*4*k], bsrc, &tile[0], 16, 0, bld)
			for r := 0; r < h; r++ {
				dst := c[(i0+r)*ldc+j0 : (i0+r)*ldc+j0+w]
				src := tile[r*16 : r*16+w]
				if add == 1 {
					for j := range dst {
						dst[j] += src[j]
					}
				} else {
					copy(dst, src)
				}
			}
		}
	}
}

// sgemm16 is sgemm for m and n multiples of 16 and an untransposed B on AVX-512: A is packed
// into 16-row panels and a 16 x 16 kernel reads B in place, each element of B loaded once per
// panel of A (the forward and flipped-weight convolutions, whose M is the channel count).
func sgemm16(tA bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, p *packBufs) {
	if cap(p.a) < 16*k {
		p.a = make([]float32, 16*k)
	}
	ap := p.a[:16*k]
	add := 0
	if beta == 1 {
		add = 1
	}
	for i0 := 0; i0 < m; i0 += 16 {
		if tA {
			for kk := 0; kk < k; kk++ {
				*(*[16]float32)(ap[kk*16 : kk*16+16]) = *(*[16]float32)(a[kk*lda+i0 : kk*lda+i0+16])
			}
		} else {
			for r := 0; r < 16; r++ {
				row := a[(i0+r)*lda : (i0+r)*lda+k]
				for kk, v := range row {
					ap[kk*16+r] = v
				}
			}
		}
		for j0 := 0; j0 < n; j0 += 16 {
			kern.SgemmKernel16x16(k, &ap[0], &b[j0], &c[i0*ldc+j0], ldb, ldc, add)
		}
	}
}

type packBufs struct{ a, b []float32 }

var packPool = sync.Pool{New: func() any { return new(packBufs) }}

// dgemm is sgemm in float64 (the ops' numerical gradient checks run in float64).
func dgemm(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	goBLAS.Dgemm(trans(tA), trans(tB), m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
}
