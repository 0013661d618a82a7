package sources_test

import (
	"bytes"
	"testing"

	"github.com/occbench/occbench/synth/sources"
	"github.com/occbench/occbench/synth/sources/sourcestest"
)

func TestParseIDX(t *testing.T) {
	ok := append(sourcestest.IDXHeader(2, 3), 1, 2, 3, 4, 5, 6)
	idx, err := sources.ParseIDX(ok)
	if err != nil || len(idx.Dims) != 2 || idx.Dims[1] != 3 || !bytes.Equal(idx.Data, []byte{1, 2, 3, 4, 5, 6}) {
		t.Fatal(idx, err)
	}
	for name, bad := range map[string][]byte{
		"short":     {0, 0},
		"magic":     {1, 0, 8, 1, 0, 0, 0, 0},
		"type":      {0, 0, 0x0d, 1, 0, 0, 0, 0},
		"nodims":    {0, 0, 8, 0},
		"trunchdr":  {0, 0, 8, 3, 0, 0, 0, 1},
		"shortdata": ok[:len(ok)-1],
		"longdata":  append(append([]byte{}, ok...), 9),
		"huge":      sourcestest.IDXHeader(1<<20, 1<<20, 1<<20),
	} {
		if _, err := sources.ParseIDX(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzIDX(f *testing.F) {
	f.Add(append(sourcestest.IDXHeader(2, 3), 1, 2, 3, 4, 5, 6))
	f.Add(append(sourcestest.IDXHeader(3), 1, 2, 3))
	f.Add(sourcestest.IDXHeader(0, 28, 28))
	f.Fuzz(func(t *testing.T, data []byte) {
		idx, err := sources.ParseIDX(data)
		if err != nil {
			return
		}
		n := 1
		for _, d := range idx.Dims {
			n *= d
		}
		if n != len(idx.Data) || 4+4*len(idx.Dims)+n != len(data) {
			t.Fatalf("dims %v, %d data bytes, %d input bytes", idx.Dims, len(idx.Data), len(data))
		}
	})
}
