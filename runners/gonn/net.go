package gonn

import (
	"fmt"
	"math"
	"strings"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/occbench/occbench/internal/keyed"
	"github.com/occbench/occbench/runners"
)

// Arch describes a network.
type Arch struct {
	Name       string // resnet-mini | resnet18 | resnet50 | vgg16
	NumClasses int
	InputSize  int
	Width      int // resnet-mini: channels of the first stage (default 16)
	Depth      int // resnet-mini: residual blocks per stage (default 1)
	Stages     int // resnet-mini: stages, each after the first halves the side and doubles channels (default 2)
}

// ArchOf converts a run spec's network.
func ArchOf(n runners.Network) Arch {
	return Arch{Name: n.Arch, NumClasses: n.NumClasses, InputSize: n.InputSize, Width: n.Width, Depth: n.Depth, Stages: n.Stages}
}

func (a Arch) withDefaults() Arch {
	if a.Name == "resnet-mini" {
		if a.Width == 0 {
			a.Width = 16
		}
		if a.Depth == 0 {
			a.Depth = 1
		}
		if a.Stages == 0 {
			a.Stages = 2
		}
	}
	return a
}

// Param is one learnable tensor, named and shaped as in torchvision.
type Param struct {
	Name     string
	Shape    []int
	T        *tensor.Dense // float32 storage shared by every graph of the model
	Channels int           // output channels of its layer (the frozen-layer rule reads it)
	Head     bool          // part of the classifier (always trained)
	kind     string        // conv | linear | bn-weight | bn-bias | bias
}

// Data returns the parameter's values.
func (p *Param) Data() []float32 { return p.T.Data().([]float32) }

// BNState is the running statistics of one batch-norm layer (torchvision names
// <prefix>.running_mean, <prefix>.running_var).
type BNState struct {
	Prefix   string
	Mean     []float32
	Var      []float32
	Channels int
}

// Model is a network's definition and weights.
type Model struct {
	Arch       Arch
	Params     []*Param
	BNs        []*BNState
	FeatureDim int // DFV length (pooled feature, VGG16: second FC output)
	byName     map[string]*Param
	bnByName   map[string]*BNState
}

// Param returns the parameter with the given torchvision name, or nil.
func (m *Model) Param(name string) *Param { return m.byName[name] }

// NewModel defines arch and initializes its weights from keyed.Rand(seed, "init", name):
// convolutions Kaiming-normal (fan_out, ReLU) and batch norm 1/0 as torchvision's ResNet;
// linear layers uniform(+-1/sqrt(fan_in)) as PyTorch's default.
func NewModel(a Arch, seed uint64) (*Model, error) {
	a = a.withDefaults()
	m := &Model{Arch: a, byName: map[string]*Param{}, bnByName: map[string]*BNState{}}
	b := &builder{m: m, define: true}
	if err := b.forward(nil); err != nil {
		return nil, err
	}
	for _, p := range m.Params {
		r := keyed.Rand(seed, "init", p.Name)
		d := p.Data()
		switch p.kind {
		case "conv":
			fanOut := p.Shape[0] * p.Shape[2] * p.Shape[3]
			std := math.Sqrt(2 / float64(fanOut))
			for i := range d {
				d[i] = float32(r.NormFloat64() * std)
			}
		case "linear", "linear-bias":
			fanIn := p.Shape[len(p.Shape)-1]
			if p.kind == "linear-bias" {
				fanIn = m.byName[strings.TrimSuffix(p.Name, ".bias")+".weight"].Shape[1]
			}
			bound := 1 / math.Sqrt(float64(fanIn))
			for i := range d {
				d[i] = float32((2*r.Float64() - 1) * bound)
			}
		case "bn-weight":
			for i := range d {
				d[i] = 1
			}
		}
	}
	for _, s := range m.BNs {
		for i := range s.Var {
			s.Var[i] = 1
		}
	}
	return m, nil
}

// Trainable reports whether p is trained under the frozen-layer rule: the classifier always,
// other layers when they have at least minChannels output channels (0 trains everything).
func Trainable(p *Param, minChannels int) bool {
	return p.Head || p.Channels >= minChannels
}

// CopyWeightsFrom copies every parameter and batch-norm statistic of src (same arch) into m.
func (m *Model) CopyWeightsFrom(src *Model) {
	for i, p := range m.Params {
		copy(p.Data(), src.Params[i].Data())
	}
	for i, s := range m.BNs {
		copy(s.Mean, src.BNs[i].Mean)
		copy(s.Var, src.BNs[i].Var)
	}
}

// Clone returns a deep copy of m.
func (m *Model) Clone() *Model {
	c, err := NewModel(m.Arch, 0)
	if err != nil {
		panic(err) // m was built from the same arch
	}
	c.CopyWeightsFrom(m)
	return c
}

// builder walks a network definition. In define mode it only registers parameters; otherwise
// it adds nodes to a graph.
type builder struct {
	m      *Model
	define bool
	g      *G.ExprGraph
	train  bool // batch norm in training mode (for trainable layers)
	minCh  int  // frozen-layer rule for this graph
	nodes  map[string]*G.Node
	bns    []bnBinding
	err    error
}

type bnBinding struct {
	op    *bnOp
	st    *BNState
	train bool
}

func (b *builder) param(name, kind string, channels int, head bool, shape ...int) *G.Node {
	if b.define {
		if b.m.byName[name] != nil {
			b.err = fmt.Errorf("gonn: parameter %s defined twice", name)
			return nil
		}
		p := &Param{Name: name, Shape: shape, Channels: channels, Head: head, kind: kind,
			T: tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))}
		b.m.Params = append(b.m.Params, p)
		b.m.byName[name] = p
		return nil
	}
	if n := b.nodes[name]; n != nil {
		return n
	}
	p := b.m.byName[name]
	n := G.NewTensor(b.g, G.Float32, len(p.Shape), G.WithShape(p.Shape...), G.WithName(name), G.WithValue(p.T))
	b.nodes[name] = n
	return n
}

func (b *builder) conv(name string, x *G.Node, cin, cout, k, stride, pad int, bias bool) *G.Node {
	w := b.param(name+".weight", "conv", cout, false, cout, cin, k, k)
	var bn *G.Node
	if bias {
		bn = b.param(name+".bias", "bias", cout, false, cout)
	}
	if b.define || b.err != nil {
		return nil
	}
	// The network input needs no gradient; a frozen layer's weight needs none either.
	needDX := x.Op() != nil
	needDW := b.train && Trainable(b.m.byName[name+".weight"], b.minCh)
	y, err := conv2d(x, w, k, stride, pad, needDX, needDW)
	if err != nil {
		b.err = fmt.Errorf("%s: %w", name, err)
		return nil
	}
	if bias {
		br := G.Must(G.Reshape(bn, tensor.Shape{1, cout, 1, 1}))
		y, err = G.BroadcastAdd(y, br, nil, []byte{0, 2, 3})
		if err != nil {
			b.err = fmt.Errorf("%s bias: %w", name, err)
			return nil
		}
	}
	return y
}

func (b *builder) bn(prefix string, x *G.Node, c int) *G.Node { return b.bnAct(prefix, x, c, false) }

// bnRelu is batch norm followed by a ReLU, fused into one op.
func (b *builder) bnRelu(prefix string, x *G.Node, c int) *G.Node { return b.bnAct(prefix, x, c, true) }

func (b *builder) bnAct(prefix string, x *G.Node, c int, relu bool) *G.Node {
	w := b.param(prefix+".weight", "bn-weight", c, false, c)
	bi := b.param(prefix+".bias", "bn-bias", c, false, c)
	if b.define {
		st := &BNState{Prefix: prefix, Mean: make([]float32, c), Var: make([]float32, c), Channels: c}
		b.m.BNs = append(b.m.BNs, st)
		b.m.bnByName[prefix] = st
		return nil
	}
	if b.err != nil {
		return nil
	}
	// A frozen layer's batch norm uses its running statistics even in the training graph,
	// so frozen layers stay bit-identical (their statistics included).
	train := b.train && c >= b.minCh
	// PyTorch defaults (as gorgonia's BatchNormOp): momentum 0.1 weighing the batch, eps 1e-5,
	// unbiased variance in the running estimate, biased variance in the normalization. The op
	// reads and updates the model's running statistics directly (ops_bn.go).
	st := b.m.bnByName[prefix]
	op := newBNOp(x.Shape(), st, train, relu, 0.1, 1e-5)
	y, err := G.ApplyOp(op, x, w, bi)
	if err != nil {
		b.err = fmt.Errorf("%s: %w", prefix, err)
		return nil
	}
	b.bns = append(b.bns, bnBinding{op: op, st: st, train: train})
	return y
}

func (b *builder) relu(x *G.Node) *G.Node {
	if b.define || b.err != nil {
		return nil
	}
	y, err := G.Rectify(x)
	if err != nil {
		b.err = err
	}
	return y
}

// addRelu is the residual join relu(x + y), fused into one op.
func (b *builder) addRelu(x, y *G.Node) *G.Node {
	if b.define || b.err != nil {
		return nil
	}
	z, err := G.ApplyOp(newAddReluOp(x.Shape()), x, y)
	if err != nil {
		b.err = err
	}
	return z
}

// linear computes x W^T + b with W in torchvision's (out, in) layout.
func (b *builder) linear(name string, x *G.Node, in, out int, head bool) *G.Node {
	w := b.param(name+".weight", "linear", out, head, out, in)
	bi := b.param(name+".bias", "linear-bias", out, head, out)
	if b.define || b.err != nil {
		return nil
	}
	y, err := G.Mul(x, G.Must(G.Transpose(w, 1, 0)))
	if err != nil {
		b.err = fmt.Errorf("%s: %w", name, err)
		return nil
	}
	br := G.Must(G.Reshape(bi, tensor.Shape{1, out}))
	y, err = G.BroadcastAdd(y, br, nil, []byte{0})
	if err != nil {
		b.err = fmt.Errorf("%s: %w", name, err)
	}
	return y
}

// pool is global average pooling, B x C x H x W -> B x C (poolOp; gorgonia's
// GlobalAveragePool2D has no gradient).
func (b *builder) pool(x *G.Node) *G.Node {
	if b.define || b.err != nil {
		return nil
	}
	s := x.Shape()
	if len(s) != 4 {
		b.err = fmt.Errorf("pool: input shape %v", s)
		return nil
	}
	y, err := G.ApplyOp(&poolOp{id: newOpID(), B: s[0], C: s[1], H: s[2], W: s[3]}, x)
	if err != nil {
		b.err = err
	}
	return y
}

func (b *builder) maxpool(x *G.Node, k, stride, pad int) *G.Node {
	if b.define || b.err != nil {
		return nil
	}
	y, err := G.MaxPool2D(x, tensor.Shape{k, k}, []int{pad, pad}, []int{stride, stride})
	if err != nil {
		b.err = err
	}
	return y
}

// forward defines the network body on x (B x 3 x S x S) and returns the DFV (B x F).
// The classifier is added by the caller (head).
func (b *builder) forward(x *G.Node) error {
	a := b.m.Arch
	var feat *G.Node
	switch a.Name {
	case "resnet-mini":
		feat = b.resnetMini(x)
	case "resnet18":
		feat = b.resnet(x, []int{2, 2, 2, 2}, false)
	case "resnet50":
		feat = b.resnet(x, []int{3, 4, 6, 3}, true)
	case "vgg16":
		feat = b.vgg16(x)
	case "iresnet50":
		return fmt.Errorf("gonn: network iresnet50 (LResNet50E-IR, table5) is only in the PyTorch runner: use --runner torch")
	default:
		return fmt.Errorf("gonn: unknown network %q", a.Name)
	}
	if b.err != nil {
		return b.err
	}
	if b.define {
		head := b.headName()
		b.linear(head, nil, b.m.FeatureDim, a.NumClasses, true)
		return b.err
	}
	b.nodes["dfv"] = feat
	return nil
}

func (b *builder) headName() string {
	if b.m.Arch.Name == "vgg16" {
		return "classifier.6"
	}
	return "fc"
}

// resnetMini: conv 3->w, BN, ReLU; stage 1: depth residual blocks of w; each further stage:
// stride-2 conv c/2->c + BN + ReLU ("trans<k>"), then depth residual blocks of c; global
// average pool; linear classifier.
func (b *builder) resnetMini(x *G.Node) *G.Node {
	a := b.m.Arch
	c := a.Width
	h := b.bnRelu("bn1", b.conv("conv1", x, 3, c, 3, 1, 1, false), c)
	for s := 0; s < a.Stages; s++ {
		if s > 0 {
			t := fmt.Sprintf("trans%d", s+1)
			h = b.bnRelu(t+".bn", b.conv(t+".conv", h, c, 2*c, 3, 2, 1, false), 2*c)
			c *= 2
		}
		for i := 0; i < a.Depth; i++ {
			h = b.basic(fmt.Sprintf("layer%d.%d", s+1, i), h, c, c, 1)
		}
	}
	b.m.FeatureDim = c
	return b.pool(h)
}

// basic is torchvision's BasicBlock.
func (b *builder) basic(p string, x *G.Node, cin, cout, stride int) *G.Node {
	h := b.bnRelu(p+".bn1", b.conv(p+".conv1", x, cin, cout, 3, stride, 1, false), cout)
	h = b.bn(p+".bn2", b.conv(p+".conv2", h, cout, cout, 3, 1, 1, false), cout)
	sc := x
	if stride != 1 || cin != cout {
		sc = b.bn(p+".downsample.1", b.conv(p+".downsample.0", x, cin, cout, 1, stride, 0, false), cout)
	}
	return b.addRelu(h, sc)
}

// bottleneck is torchvision's Bottleneck (ResNet v1.5: stride on the 3x3 conv).
func (b *builder) bottleneck(p string, x *G.Node, cin, width, stride int) *G.Node {
	cout := width * 4
	h := b.bnRelu(p+".bn1", b.conv(p+".conv1", x, cin, width, 1, 1, 0, false), width)
	h = b.bnRelu(p+".bn2", b.conv(p+".conv2", h, width, width, 3, stride, 1, false), width)
	h = b.bn(p+".bn3", b.conv(p+".conv3", h, width, cout, 1, 1, 0, false), cout)
	sc := x
	if stride != 1 || cin != cout {
		sc = b.bn(p+".downsample.1", b.conv(p+".downsample.0", x, cin, cout, 1, stride, 0, false), cout)
	}
	return b.addRelu(h, sc)
}

func (b *builder) resnet(x *G.Node, blocks []int, bottle bool) *G.Node {
	h := b.bnRelu("bn1", b.conv("conv1", x, 3, 64, 7, 2, 3, false), 64)
	h = b.maxpool(h, 3, 2, 1)
	cin := 64
	for l, n := range blocks {
		width := 64 << l
		for i := 0; i < n; i++ {
			stride := 1
			if i == 0 && l > 0 {
				stride = 2
			}
			p := fmt.Sprintf("layer%d.%d", l+1, i)
			if bottle {
				h = b.bottleneck(p, h, cin, width, stride)
				cin = width * 4
			} else {
				h = b.basic(p, h, cin, width, stride)
				cin = width
			}
		}
	}
	b.m.FeatureDim = cin
	return b.pool(h)
}

// vgg16 is torchvision's VGG16 (no batch norm). Its DFV is the 4096-D output of the second FC
// layer (after ReLU; dropout is omitted, a documented choice). torchvision flattens a 7x7 map
// (224 input); at other input sizes classifier.0 takes 512*h*w inputs for the actual final map.
func (b *builder) vgg16(x *G.Node) *G.Node {
	cfg := []int{64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0}
	h, cin, idx, side := x, 3, 0, b.m.Arch.InputSize
	for _, v := range cfg {
		if v == 0 {
			h = b.maxpool(h, 2, 2, 0)
			idx++
			side /= 2
			continue
		}
		h = b.relu(b.conv(fmt.Sprintf("features.%d", idx), h, cin, v, 3, 1, 1, true))
		cin = v
		idx += 2
	}
	flat := 512 * side * side
	if !b.define && b.err == nil {
		s := h.Shape()
		h = G.Must(G.Reshape(h, tensor.Shape{s[0], s[1] * s[2] * s[3]}))
	}
	h = b.relu(b.linear("classifier.0", h, flat, 4096, false))
	h = b.relu(b.linear("classifier.3", h, 4096, 4096, false))
	b.m.FeatureDim = 4096
	return h
}
