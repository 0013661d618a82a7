package runners

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func stFile(header string, data int) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, make([]byte, data)...)
}

func TestParseSafetensorsHeader(t *testing.T) {
	good := stFile(`{"__metadata__":{"a":"b"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"n":{"dtype":"I64","shape":[],"data_offsets":[24,32]}}`, 32)
	ts, meta, err := ParseSafetensorsHeader(bytes.NewReader(good), int64(len(good)))
	if err != nil || len(ts) != 2 || ts[0].Name != "n" || ts[1].DType != "F32" || len(ts[1].Shape) != 2 || meta["a"] != "b" {
		t.Fatalf("%+v %v %v", ts, meta, err)
	}
	for _, c := range []struct {
		file []byte
		want string
	}{
		{[]byte("abc"), "3 bytes, shorter than the 8-byte header length"},
		{stFile(`{}`, 0)[:9], "header length 2 beyond the file's 9 bytes"},
		{stFile(`[1]`, 0), "header is not a JSON object"},
		{stFile(`{"w":{"dtype":"Q8","shape":[1],"data_offsets":[0,1]}}`, 1), `tensor "w": unknown dtype "Q8"`},
		{stFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}`, 4), `tensor "w": data_offsets [0 8] outside the file's 4 data bytes`},
		{stFile(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, 8), `tensor "w": F32 [3] needs 12 bytes, data_offsets give 8`},
		{stFile(`{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}`, 0), `tensor "w": shape [-1] does not fit the file`},
		{stFile(`{"__metadata__":{"a":1}}`, 0), "__metadata__: want string values"},
	} {
		_, _, err := ParseSafetensorsHeader(bytes.NewReader(c.file), int64(len(c.file)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.file, err, c.want)
		}
	}
	dir := t.TempDir()
	if _, _, err := ReadSafetensorsHeader(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("folder: %v", err)
	}
	p := filepath.Join(dir, "w.safetensors")
	os.WriteFile(p, good, 0o644)
	if ts, _, err := ReadSafetensorsHeader(p); err != nil || len(ts) != 2 {
		t.Errorf("%v %v", ts, err)
	}
}

func FuzzParseSafetensorsHeader(f *testing.F) {
	f.Add(stFile(`{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}`, 24))
	f.Add(stFile(`{"__metadata__":{"occbench.arch":"{}"},"n":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}`, 8))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, '{'})
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, _, err := ParseSafetensorsHeader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		for _, x := range ts {
			n := int64(1)
			for _, d := range x.Shape {
				if d < 0 {
					t.Fatalf("negative dim %v", x)
				}
				n *= int64(d)
			}
			if n*int64(dtypeSize[x.DType]) > int64(len(b)) {
				t.Fatalf("%s: %v larger than the file", x.Name, x.Shape)
			}
		}
	})
}
