package runners

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// TensorShape is one tensor a network's weights file holds: its name (torchvision's, or
// insightface's for iresnet50) and shape.
type TensorShape struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// Tensors lists every tensor a weights file for the network must hold, by name, with its
// shape: parameters and batch-norm running statistics, without the num_batches_tracked
// counters (readers accept and ignore them). It is the one table of expected tensors: the
// Go runner's networks (runners/gonn) and the PyTorch runner's (occbench_torch/models.py)
// are tested against it. Shapes depend on NumClasses (the classifier) and, for vgg16 and
// iresnet50, on InputSize (the first fully connected layer).
func Tensors(n Network) ([]TensorShape, error) {
	t := &tensorTable{}
	switch n.Arch {
	case "resnet18":
		t.resnet([]int{2, 2, 2, 2}, false, n.NumClasses)
	case "resnet50":
		t.resnet([]int{3, 4, 6, 3}, true, n.NumClasses)
	case "vgg16":
		if n.InputSize <= 0 || n.InputSize%32 != 0 {
			return nil, fmt.Errorf("network vgg16: input size %d is not a positive multiple of 32", n.InputSize)
		}
		t.vgg16(n.InputSize, n.NumClasses)
	case "iresnet50":
		if n.InputSize <= 0 || n.InputSize%16 != 0 {
			return nil, fmt.Errorf("network iresnet50: input size %d is not a positive multiple of 16", n.InputSize)
		}
		t.iresnet50(n.InputSize, n.NumClasses)
	default:
		return nil, fmt.Errorf("network %q: no tensor table (have resnet18, resnet50, vgg16, iresnet50)", n.Arch)
	}
	sort.Slice(t.out, func(i, j int) bool { return t.out[i].Name < t.out[j].Name })
	return t.out, nil
}

type tensorTable struct{ out []TensorShape }

func (t *tensorTable) add(name string, shape ...int) {
	t.out = append(t.out, TensorShape{Name: name, Shape: shape})
}

func (t *tensorTable) bn(prefix string, c int) {
	for _, s := range []string{"weight", "bias", "running_mean", "running_var"} {
		t.add(prefix+"."+s, c)
	}
}

func (t *tensorTable) linear(prefix string, in, out int) {
	t.add(prefix+".weight", out, in)
	t.add(prefix+".bias", out)
}

// resnet is torchvision's ResNet: BasicBlock (resnet18) or Bottleneck (resnet50, expansion 4).
func (t *tensorTable) resnet(blocks []int, bottleneck bool, classes int) {
	t.add("conv1.weight", 64, 3, 7, 7)
	t.bn("bn1", 64)
	exp := 1
	if bottleneck {
		exp = 4
	}
	cin := 64
	for l, nb := range blocks {
		width := 64 << l
		for i := 0; i < nb; i++ {
			p := fmt.Sprintf("layer%d.%d", l+1, i)
			stride := 1
			if l > 0 && i == 0 {
				stride = 2
			}
			if bottleneck {
				t.add(p+".conv1.weight", width, cin, 1, 1)
				t.bn(p+".bn1", width)
				t.add(p+".conv2.weight", width, width, 3, 3)
				t.bn(p+".bn2", width)
				t.add(p+".conv3.weight", width*exp, width, 1, 1)
				t.bn(p+".bn3", width*exp)
			} else {
				t.add(p+".conv1.weight", width, cin, 3, 3)
				t.bn(p+".bn1", width)
				t.add(p+".conv2.weight", width, width, 3, 3)
				t.bn(p+".bn2", width)
			}
			if stride != 1 || cin != width*exp {
				t.add(p+".downsample.0.weight", width*exp, cin, 1, 1)
				t.bn(p+".downsample.1", width*exp)
			}
			cin = width * exp
		}
	}
	t.linear("fc", 512*exp, classes)
}

// vgg16 is torchvision's VGG16 names without the adaptive pool (classifier.0 takes
// 512*(S/32)^2 inputs), as both runners define it.
func (t *tensorTable) vgg16(size, classes int) {
	cfg := []int{64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0}
	idx, cin, side := 0, 3, size
	for _, v := range cfg {
		if v == 0 {
			idx++
			side /= 2
			continue
		}
		t.add(fmt.Sprintf("features.%d.weight", idx), v, cin, 3, 3)
		t.add(fmt.Sprintf("features.%d.bias", idx), v)
		cin = v
		idx += 2
	}
	t.linear("classifier.0", 512*side*side, 4096)
	t.linear("classifier.3", 4096, 4096)
	t.linear("classifier.6", 4096, classes)
}

// iresnet50 is insightface's arcface_torch iresnet50 (LResNet50E-IR) plus the classifier
// the PyTorch runner adds.
func (t *tensorTable) iresnet50(size, classes int) {
	t.add("conv1.weight", 64, 3, 3, 3)
	t.bn("bn1", 64)
	t.add("prelu.weight", 64)
	cin := 64
	for l, nb := range []int{3, 4, 14, 3} {
		p := 64 << l
		for i := 0; i < nb; i++ {
			b := fmt.Sprintf("layer%d.%d", l+1, i)
			t.bn(b+".bn1", cin)
			t.add(b+".conv1.weight", p, cin, 3, 3)
			t.bn(b+".bn2", p)
			t.add(b+".prelu.weight", p)
			t.add(b+".conv2.weight", p, p, 3, 3)
			t.bn(b+".bn3", p)
			if i == 0 {
				t.add(b+".downsample.0.weight", p, cin, 1, 1)
				t.bn(b+".downsample.1", p)
			}
			cin = p
		}
	}
	t.bn("bn2", 512)
	side := size / 16
	t.linear("fc", 512*side*side, 512)
	t.bn("features", 512)
	t.linear("classifier", 512, classes)
}

// WeightsCheck compares a weights file's tensors with what a network needs.
type WeightsCheck struct {
	Tensors    int      // tensors in the file
	Loaded     int      // tensors the network takes from the file
	Missing    []string // needed, not skipped, absent from the file
	WrongShape []string // "name: file [a b], network wants [c d]"
	WrongDType []string // "name: F16" where F32 is needed
	Unexpected []string // in the file, not a tensor of the network, not skipped (not a counter)
	Skipped    []string // in the file and skipped (the classifier of other classes)
}

// OK reports whether the runners would load the file.
func (c *WeightsCheck) OK() bool {
	return len(c.Missing)+len(c.WrongShape)+len(c.WrongDType)+len(c.Unexpected) == 0
}

// CheckWeights compares the tensors of a weights file's header with Tensors(n), with the
// loaders' rules (gonn.LoadSafetensors, occbench_torch.weights.load_into): every needed
// tensor not under a skip prefix must be present with its shape; a file tensor the network
// lacks is refused unless skipped or a num_batches_tracked counter. f32Only: the Go runner
// reads F32 tensors only.
func CheckWeights(file []SafetensorsTensor, n Network, skip []string, f32Only bool) (*WeightsCheck, error) {
	want, err := Tensors(n)
	if err != nil {
		return nil, err
	}
	skipped := func(name string) bool {
		for _, s := range skip {
			if strings.HasPrefix(name, s) {
				return true
			}
		}
		return false
	}
	have := map[string]SafetensorsTensor{}
	for _, t := range file {
		have[t.Name] = t
	}
	need := map[string]bool{}
	c := &WeightsCheck{Tensors: len(file)}
	for _, w := range want {
		need[w.Name] = true
		if skipped(w.Name) {
			continue
		}
		t, ok := have[w.Name]
		switch {
		case !ok:
			c.Missing = append(c.Missing, w.Name)
		case !slices.Equal(t.Shape, w.Shape):
			c.WrongShape = append(c.WrongShape, fmt.Sprintf("%s: file %v, %s wants %v", w.Name, t.Shape, n.Arch, w.Shape))
		case f32Only && t.DType != "F32":
			c.WrongDType = append(c.WrongDType, fmt.Sprintf("%s: %s", w.Name, t.DType))
		default:
			c.Loaded++
		}
	}
	for _, t := range file {
		switch {
		case skipped(t.Name):
			c.Skipped = append(c.Skipped, t.Name)
		case !need[t.Name] && !strings.HasSuffix(t.Name, ".num_batches_tracked"):
			c.Unexpected = append(c.Unexpected, t.Name)
		}
	}
	return c, nil
}
