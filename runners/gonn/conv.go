package gonn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// conv2d convolves x (B x Cin x H x W) with w (Cout x Cin x k x k), square stride and padding,
// with the fused convOp (ops_conv.go). needDX says whether the gradient with respect to x is
// wanted (false for the network input), needDW whether the weight's is (false for a frozen layer).
func conv2d(x, w *G.Node, k, stride, pad int, needDX, needDW bool) (*G.Node, error) {
	xs, ws := x.Shape(), w.Shape()
	if len(xs) != 4 || len(ws) != 4 || ws[1] != xs[1] || ws[2] != k || ws[3] != k {
		return nil, fmt.Errorf("conv2d: input %v, weight %v, kernel %d", xs, ws, k)
	}
	op := newConvOp(xs[0], xs[1], xs[2], xs[3], ws[0], k, stride, pad)
	op.needDX, op.needDW = needDX, needDW
	if op.OH < 1 || op.OW < 1 {
		return nil, fmt.Errorf("conv2d: input %v too small for kernel %d stride %d pad %d", xs, k, stride, pad)
	}
	return G.ApplyOp(op, x, w)
}
