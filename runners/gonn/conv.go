package gonn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// conv2d convolves x (B x Cin x H x W) with w (Cout x Cin x k x k), square stride and padding.
func conv2d(x, w *G.Node, k, stride, pad int) (*G.Node, error) {
	return G.Conv2d(x, w, tensor.Shape{k, k}, []int{pad, pad}, []int{stride, stride}, []int{1, 1})
}
