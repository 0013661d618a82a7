package synth

import (
	"image"
	"os"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/occbench/occbench/occluders"
	"github.com/occbench/occbench/occluders/patterns"
)

func compositeFromPack(dst *image.NRGBA, pack *patterns.Pack, id int) {
	p := pack.Patterns[id]
	occluders.Composite(dst, pack.Images[p.File], p.X, p.Y)
}

func schemaOf(t *testing.T, f *os.File) string {
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	return pf.Schema().String()
}
