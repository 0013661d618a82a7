package sources

import (
	"testing"

	"github.com/occbench/occbench/synth/sources/sourcestest"
)

func testMATVars() []sourcestest.MatVar {
	st := sourcestest.MatStruct{Dims: []int{2, 1}, Fields: []string{"ILSVRC2012_ID", "WNID", "sub"},
		Elems: [][]any{
			{sourcestest.Row(7), "n01440764", sourcestest.MatStruct{Dims: []int{1, 1}, Fields: []string{"x"}, Elems: [][]any{{"ab"}}}},
			{sourcestest.Row(3), "n99", sourcestest.MatStruct{Dims: []int{0, 0}, Fields: []string{"x"}}},
		}}
	return []sourcestest.MatVar{
		{Name: "labels", Value: sourcestest.Row(1, 2, 102.5)},
		{Name: "m", Value: sourcestest.MatDouble{Dims: []int{2, 2}, Data: []float64{1, 2, 3, 4}}},
		{Name: "s", Value: "héllo"},
		{Name: "synsets", Value: st},
	}
}

func TestMATRoundTrip(t *testing.T) {
	for _, opt := range []sourcestest.MatOptions{{}, {BigEndian: true}, {Compress: true}, {BigEndian: true, Compress: true}} {
		data, err := sourcestest.EncodeMAT(testMATVars(), opt)
		if err != nil {
			t.Fatal(err)
		}
		vars, err := readMAT(data)
		if err != nil {
			t.Fatalf("%+v: %v", opt, err)
		}
		if len(vars) != 4 {
			t.Fatalf("%d vars", len(vars))
		}
		l := vars[0]
		if l.Name != "labels" || l.Class != mxDOUBLE || len(l.Num) != 3 || l.Num[2] != 102.5 || l.Dims[1] != 3 {
			t.Fatalf("%+v", l)
		}
		if m := vars[1]; m.Len() != 4 || m.Num[3] != 4 {
			t.Fatalf("%+v", m)
		}
		if s := vars[2]; s.String() != "héllo" {
			t.Fatalf("%q", s.String())
		}
		st := vars[3]
		if st.Class != mxSTRUCT || len(st.Elems) != 2 || st.Field(0, "WNID").String() != "n01440764" ||
			st.Field(1, "ILSVRC2012_ID").Num[0] != 3 || st.Field(0, "sub").Field(0, "x").String() != "ab" ||
			st.Field(1, "sub").Len() != 0 || st.Field(0, "nope") != nil {
			t.Fatalf("%+v", st)
		}
	}
}

func TestMATErrors(t *testing.T) {
	data, _ := sourcestest.EncodeMAT(testMATVars(), sourcestest.MatOptions{})
	for n := 0; n < len(data); n += 7 {
		if _, err := readMAT(data[:n]); err == nil && n < len(data)-8 {
			// Truncation at an element boundary can be valid; inside an element it must fail.
			vars, _ := readMAT(data[:n])
			if len(vars) == 4 {
				t.Fatalf("truncated to %d bytes parsed fully", n)
			}
		}
	}
	bad := append([]byte{}, data...)
	bad[126], bad[127] = 'X', 'X'
	if _, err := readMAT(bad); err == nil {
		t.Fatal("bad endian accepted")
	}
}

func FuzzMATv5(f *testing.F) {
	for _, opt := range []sourcestest.MatOptions{{}, {BigEndian: true, Compress: true}} {
		data, _ := sourcestest.EncodeMAT(testMATVars(), opt)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		vars, err := readMAT(data)
		if err != nil {
			return
		}
		for _, v := range vars {
			if v.Class >= mxDOUBLE && v.Class <= mxUINT64 && len(v.Num) != v.Len() && v.Len() != 0 {
				t.Fatalf("%d values for dims %v", len(v.Num), v.Dims)
			}
		}
	})
}
