package gonn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Graph is one compiled network graph at a fixed batch size. A training graph (Train true)
// has batch norm in training mode for trainable layers, the DFV-addition input D and the
// one-hot labels Y, a cross-entropy loss and the gradients of the trainable parameters. An
// inference graph has batch norm on running statistics and no gradients.
type Graph struct {
	M     *Model
	Batch int
	Train bool

	X *tensor.Dense // B x 3 x S x S input, written in place before Run
	D *tensor.Dense // B x F: beta*d added to the DFV before the classifier (training graph)
	Y *tensor.Dense // B x K one-hot labels (training graph)

	g                  *G.ExprGraph
	feat, logits, loss *G.Node
	bns                []bnBinding
	params             []*Param // trainable, aligned with grads
	grads              G.Nodes
	vm                 G.VM
}

// NewGraph builds and compiles a graph of m. minChannels is the frozen-layer rule of a
// training graph (ignored for inference).
func NewGraph(m *Model, batch int, train bool, minChannels int) (*Graph, error) {
	a := m.Arch
	gr := &Graph{M: m, Batch: batch, Train: train, g: G.NewGraph()}
	s := a.InputSize
	gr.X = tensor.New(tensor.WithShape(batch, 3, s, s), tensor.Of(tensor.Float32))
	x := G.NewTensor(gr.g, G.Float32, 4, G.WithShape(batch, 3, s, s), G.WithName("x"), G.WithValue(gr.X))
	b := &builder{m: m, g: gr.g, train: train, minCh: minChannels, nodes: map[string]*G.Node{}}
	if !train {
		b.minCh = 1 << 30
	}
	if err := b.forward(x); err != nil {
		return nil, err
	}
	gr.bns = b.bns
	feat := b.nodes["dfv"]
	gr.feat = feat
	in := feat
	if train {
		// The DFV addition: the classifier sees v + beta*d, fed as a separate input so the same
		// graph serves classical training (D = 0) and DFV augmentation.
		gr.D = tensor.New(tensor.WithShape(batch, m.FeatureDim), tensor.Of(tensor.Float32))
		d := G.NewTensor(gr.g, G.Float32, 2, G.WithShape(batch, m.FeatureDim), G.WithName("beta_d"), G.WithValue(gr.D))
		var err error
		if in, err = G.ApplyOp(newAddOp(feat.Shape()), feat, d); err != nil {
			return nil, fmt.Errorf("dfv add: %w", err)
		}
	}
	gr.logits = b.linear(b.headName(), in, m.FeatureDim, a.NumClasses, true)
	if b.err != nil {
		return nil, b.err
	}
	if train {
		gr.Y = tensor.New(tensor.WithShape(batch, a.NumClasses), tensor.Of(tensor.Float32))
		y := G.NewTensor(gr.g, G.Float32, 2, G.WithShape(batch, a.NumClasses), G.WithName("y"), G.WithValue(gr.Y))
		logp, err := G.LogSoftMax(gr.logits)
		if err != nil {
			return nil, err
		}
		sum, err := G.Sum(G.Must(G.HadamardProd(logp, y)))
		if err != nil {
			return nil, err
		}
		gr.loss, err = G.Mul(sum, G.NewConstant(float32(-1/float64(batch))))
		if err != nil {
			return nil, err
		}
		var wrt G.Nodes
		for _, p := range m.Params {
			if Trainable(p, minChannels) {
				gr.params = append(gr.params, p)
				wrt = append(wrt, b.nodes[p.Name])
			}
		}
		if gr.grads, err = G.Grad(gr.loss, wrt...); err != nil {
			return nil, fmt.Errorf("gradient: %w", err)
		}
	}
	gr.vm = G.NewTapeMachine(gr.g)
	return gr, nil
}

// Run executes the graph once on X (and D, Y). Batch norm reads the model's running
// statistics and, for training layers, updates them in place (bnOp holds the model's
// BNState), so graphs of different batch sizes share them.
func (gr *Graph) Run() error {
	gr.vm.Reset()
	return gr.vm.RunAll()
}

// Loss returns the last run's mean cross-entropy.
func (gr *Graph) Loss() float64 {
	return float64(gr.loss.Value().Data().(float32))
}

// Logits returns the last run's logits (B x K, row-major); valid until the next Run.
func (gr *Graph) Logits() []float32 { return gr.logits.Value().Data().([]float32) }

// Features returns the last run's DFVs (B x F, row-major); valid until the next Run.
func (gr *Graph) Features() []float32 { return gr.feat.Value().Data().([]float32) }

// Trainable returns the trained parameters, aligned with Grad.
func (gr *Graph) Trainable() []*Param { return gr.params }

// Grad returns the last run's gradient of the i-th trainable parameter.
func (gr *Graph) Grad(i int) []float32 { return gr.grads[i].Value().Data().([]float32) }

// Close releases the VM.
func (gr *Graph) Close() { gr.vm.Close() }
