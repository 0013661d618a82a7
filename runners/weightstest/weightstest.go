package weightstest

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/occbench/occbench/internal/atomicfile"
	"github.com/occbench/occbench/internal/keyed"
	"github.com/occbench/occbench/runners"
)

// Encode returns a safetensors file holding every tensor of runners.Tensors(n) (F32, values
// from keyed.Rand(seed, name): small normal weights, batch-norm variances 1; names ending
// in .num_batches_tracked are I64 counters) except those
// whose name starts with one of drop, plus the extra tensors given (name -> shape).
func Encode(n runners.Network, seed uint64, drop []string, extra map[string][]int) ([]byte, error) {
	head, data, _, err := encode(n, seed, drop, extra, true)
	return append(head, data...), err
}

// encode returns the header part (length + JSON), the data part (nil unless withData) and
// the data part's length.
func encode(n runners.Network, seed uint64, drop []string, extra map[string][]int, withData bool) ([]byte, []byte, int, error) {
	want, err := runners.Tensors(n)
	if err != nil {
		return nil, nil, 0, err
	}
	for name, shape := range extra {
		want = append(want, runners.TensorShape{Name: name, Shape: shape})
	}
	// Written by hand, not with github.com/nlpodyssey/safetensors: real torchvision exports
	// carry 0-dimensional I64 num_batches_tracked counters, which that library refuses.
	sort.Slice(want, func(a, b int) bool { return want[a].Name < want[b].Name })
	header := map[string]any{}
	var data []byte
	size := 0
next:
	for _, t := range want {
		for _, d := range drop {
			if strings.HasPrefix(t.Name, d) {
				continue next
			}
		}
		elems := 1
		for _, s := range t.Shape {
			elems *= s
		}
		start := size
		dtype := "F32"
		if strings.HasSuffix(t.Name, ".num_batches_tracked") {
			dtype = "I64"
			size += 8 * elems
		} else {
			size += 4 * elems
		}
		switch {
		case !withData:
		case dtype == "I64":
			for i := 0; i < elems; i++ {
				data = binary.LittleEndian.AppendUint64(data, 100)
			}
		default:
			r := keyed.Rand(seed, "weightstest", t.Name)
			isVar := strings.HasSuffix(t.Name, ".running_var")
			for i := 0; i < elems; i++ {
				v := float32(0.02 * r.NormFloat64())
				if isVar {
					v = 1
				}
				data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
			}
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[t.Name] = map[string]any{"dtype": dtype, "shape": shape, "data_offsets": []int{start, size}}
	}
	h, err := json.Marshal(header)
	if err != nil {
		return nil, nil, 0, err
	}
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	return append(out, h...), data, size, nil
}

// WriteSparse writes what Encode would, with every value zero and the data part left as a
// hole (os.Truncate), so a file with resnet50's or VGG16's 100-500 MB of tensors costs a few
// KB of disk and no time: for tests that read only the header (the weights check).
func WriteSparse(path string, n runners.Network, drop []string, extra map[string][]int) error {
	head, _, size, err := encode(n, 1, drop, extra, false)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, head, 0o644); err != nil {
		return err
	}
	return os.Truncate(path, int64(len(head)+size))
}

var (
	mu    sync.Mutex
	files = map[string]string{}
	dir   string
)

// File returns the path of a weights file for n with every tensor (seed 1), written on the
// first call for this network into a temporary folder shared by the test binary's tests
// (read-only for them; Cleanup removes it).
func File(t testing.TB, n runners.Network) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	key := fmt.Sprintf("%s-%d-%d", n.Arch, n.NumClasses, n.InputSize)
	if p, ok := files[key]; ok {
		return p
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "occbench-weightstest-")
		if err != nil {
			t.Fatal(err)
		}
		dir = d
	}
	data, err := Encode(n, 1, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, key+".safetensors")
	if err := atomicfile.Write(p, data); err != nil {
		t.Fatal(err)
	}
	files[key] = p
	return p
}

// Cleanup removes the files File wrote; call it from TestMain after m.Run.
func Cleanup() {
	mu.Lock()
	defer mu.Unlock()
	if dir != "" {
		os.RemoveAll(dir)
		dir, files = "", map[string]string{}
	}
}
