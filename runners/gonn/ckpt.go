package gonn

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/nlpodyssey/safetensors"

	"github.com/occbench/occbench/internal/atomicfile"
)

// Checkpoints are safetensors files (github.com/nlpodyssey/safetensors) holding every
// parameter and batch-norm running statistic under torchvision's names, little-endian F32,
// (no "<bn>.num_batches_tracked": the library rejects 0-dimensional tensors; load them in
// PyTorch with strict=False, or add the counters there).
// The header metadata "occbench.arch" records the architecture as JSON.

const archKey = "occbench.arch"

func f32View(v []float32, shape []int) (safetensors.TensorView, error) {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	sh := make([]uint64, len(shape))
	for i, s := range shape {
		sh[i] = uint64(s)
	}
	return safetensors.NewTensorView(safetensors.F32, sh, b)
}

// Tensors returns every stored tensor of m by torchvision name (parameters and statistics).
func (m *Model) tensors() map[string]struct {
	data  []float32
	shape []int
} {
	out := map[string]struct {
		data  []float32
		shape []int
	}{}
	for _, p := range m.Params {
		out[p.Name] = struct {
			data  []float32
			shape []int
		}{p.Data(), p.Shape}
	}
	for _, s := range m.BNs {
		out[s.Prefix+".running_mean"] = struct {
			data  []float32
			shape []int
		}{s.Mean, []int{s.Channels}}
		out[s.Prefix+".running_var"] = struct {
			data  []float32
			shape []int
		}{s.Var, []int{s.Channels}}
	}
	return out
}

// SaveSafetensors writes m to path atomically.
func (m *Model) SaveSafetensors(path string) error {
	views := map[string]safetensors.TensorView{}
	for name, t := range m.tensors() {
		v, err := f32View(t.data, t.shape)
		if err != nil {
			return fmt.Errorf("save %s: tensor %s: %w", path, name, err)
		}
		views[name] = v
	}
	arch, _ := json.Marshal(m.Arch)
	data, err := safetensors.Serialize(views, map[string]string{archKey: string(arch)})
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return atomicfile.Write(path, data)
}

// LoadSafetensors copies the tensors of a safetensors file (torchvision names, F32) into m.
// Every tensor of m must be present with the same shape unless its name starts with one of
// skip (those keep their current values, e.g. a new classifier); a file tensor m does not
// have is an error unless skipped or a num_batches_tracked counter. Errors name the tensor.
func (m *Model) LoadSafetensors(path string, skip ...string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	st, err := safetensors.Deserialize(data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	skipped := func(name string) bool {
		for _, s := range skip {
			if strings.HasPrefix(name, s) {
				return true
			}
		}
		return false
	}
	want := m.tensors()
	for _, name := range st.Names() {
		if _, ok := want[name]; !ok && !skipped(name) && !strings.HasSuffix(name, ".num_batches_tracked") {
			return fmt.Errorf("%s: tensor %q is not a parameter of %s", path, name, m.Arch.Name)
		}
	}
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		if skipped(name) {
			continue
		}
		t := want[name]
		v, ok := st.Tensor(name)
		if !ok {
			return fmt.Errorf("%s: tensor %q of %s is missing", path, name, m.Arch.Name)
		}
		if v.DType() != safetensors.F32 {
			return fmt.Errorf("%s: tensor %q has dtype %s, want F32", path, name, v.DType())
		}
		shape := v.Shape()
		same := len(shape) == len(t.shape)
		for i := 0; same && i < len(shape); i++ {
			same = shape[i] == uint64(t.shape[i])
		}
		if !same {
			return fmt.Errorf("%s: tensor %q has shape %v, %s wants %v", path, name, shape, m.Arch.Name, t.shape)
		}
		b := v.Data()
		for i := range t.data {
			t.data[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	}
	return nil
}

// LoadCheckpoint reads a checkpoint written by SaveSafetensors, rebuilding its architecture.
func LoadCheckpoint(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	_, meta, err := safetensors.ReadMetadata(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	js, ok := meta.Metadata()[archKey]
	if !ok {
		return nil, fmt.Errorf("%s: no %q metadata: not an occbench checkpoint (use LoadSafetensors into a model)", path, archKey)
	}
	var a Arch
	if err := json.Unmarshal([]byte(js), &a); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", path, archKey, err)
	}
	m, err := NewModel(a, 0)
	if err != nil {
		return nil, err
	}
	if err := m.LoadSafetensors(path); err != nil {
		return nil, err
	}
	return m, nil
}
