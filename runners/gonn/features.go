package gonn

import (
	"fmt"
	"image"
)

// Features returns the DFV (the pooled feature before the classifier) of each image, with
// the network in inference mode; it feeds the t-SNE of DFVs, DVs and pseudo-DFVs (Fig. 2).
func Features(m *Model, imgs []*image.NRGBA, batch int) ([][]float32, error) {
	if batch < 1 {
		batch = 64
	}
	g, err := NewGraph(m, batch, false, 0)
	if err != nil {
		return nil, err
	}
	defer g.Close()
	s := m.Arch.InputSize
	per := 3 * s * s
	F := m.FeatureDim
	x := g.X.Data().([]float32)
	out := make([][]float32, len(imgs))
	for lo := 0; lo < len(imgs); lo += batch {
		hi := min(lo+batch, len(imgs))
		clear(x)
		for i := lo; i < hi; i++ {
			if err := toCHW(x[(i-lo)*per:(i-lo+1)*per], imgs[i], s); err != nil {
				return nil, fmt.Errorf("image %d: %w", i, err)
			}
		}
		if err := g.Run(); err != nil {
			return nil, err
		}
		f := g.Features()
		for i := lo; i < hi; i++ {
			out[i] = append([]float32(nil), f[(i-lo)*F:(i-lo+1)*F]...)
		}
	}
	return out, nil
}
