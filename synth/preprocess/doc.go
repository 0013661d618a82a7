// Package preprocess turns a decoded source image into the network-input image of a
// manifest: opaque RGB at size x size, by one of the paper's resize protocols
// (PROTOCOL.md section 2, step 1).
//
// Resampling is Pillow's antialiased bilinear (see resize), so the output matches
// torchvision's transforms on PIL images and is byte-identical on every platform.
package preprocess

//go:generate go run gen_kernels.go
