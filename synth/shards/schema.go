package shards

import (
	"fmt"
	"strings"
	"unicode/utf16"
)

// Row is one image of a shard set with its metadata.
type Row struct {
	Image     []byte  // encoded PNG or JPEG
	Path      string  // a file name for the image: {split}/{row key:07d}.{png|jpg}
	Label     int     // index of ClassName in the source's classes (the ClassLabel names)
	ClassName string  // class name
	SourceID  string  // the source item id
	Split     string  // the split (manifest set) name
	PatternID int     // pattern id in the pack, -1 for a clean image
	Occluder  string  // occluder name, "" for a clean image
	Ratio     float64 // occlusion ratio, 0 for a clean image
	X, Y      int     // occluder top-left corner, 0 for a clean image
	PairID    int     // ordinal of the source image in its split: a clean row and its occluded rows share it
}

// Clean reports whether the row is an unoccluded image.
func (r *Row) Clean() bool { return r.PatternID < 0 }

// record is the on-disk row: pointers make every column OPTIONAL (nullable) like pyarrow's
// default, without parquet-go's "zero value is null" rule for tagged optional scalars.
type record struct {
	Image *imageCell `parquet:"image,optional"`
	metaColumns
}

// metaColumns are the columns after the image, shared by Parquet and recipe shards
// (parquet-go flattens the embedded struct into top-level columns).
type metaColumns struct {
	Label     *int64   `parquet:"label,optional"`
	ClassName *string  `parquet:"class_name,optional"`
	SourceID  *string  `parquet:"source_id,optional"`
	Split     *string  `parquet:"split,optional"`
	PatternID *int64   `parquet:"pattern_id,optional"`
	Occluder  *string  `parquet:"occluder,optional"`
	Ratio     *float64 `parquet:"ratio,optional"`
	X         *int64   `parquet:"x,optional"`
	Y         *int64   `parquet:"y,optional"`
	PairID    *int64   `parquet:"pair_id,optional"`
}

type imageCell struct {
	Bytes []byte  `parquet:"bytes,optional,plain,uncompressed"`
	Path  *string `parquet:"path,optional"`
}

// Columns lists the top-level column names in file order.
var Columns = []string{"image", "label", "class_name", "source_id", "split", "pattern_id", "occluder", "ratio", "x", "y", "pair_id"}

func toRecord(r *Row) record {
	i64 := func(v int) *int64 { x := int64(v); return &x }
	str := func(s string) *string { return &s }
	ratio := r.Ratio
	return record{
		Image: &imageCell{Bytes: r.Image, Path: str(r.Path)},
		metaColumns: metaColumns{
			Label:     i64(r.Label),
			ClassName: str(r.ClassName),
			SourceID:  str(r.SourceID),
			Split:     str(r.Split),
			PatternID: i64(r.PatternID),
			Occluder:  str(r.Occluder),
			Ratio:     &ratio,
			X:         i64(r.X),
			Y:         i64(r.Y),
			PairID:    i64(r.PairID),
		},
	}
}

func fromRecord(rec *record) (Row, error) {
	var r Row
	if rec.Image == nil || rec.Image.Bytes == nil {
		return r, fmt.Errorf("image.bytes is null")
	}
	s := func(p *string, name string) (string, error) {
		if p == nil {
			return "", fmt.Errorf("%s is null", name)
		}
		return *p, nil
	}
	n := func(p *int64, name string) (int, error) {
		if p == nil {
			return 0, fmt.Errorf("%s is null", name)
		}
		return int(*p), nil
	}
	var err error
	r.Image = rec.Image.Bytes
	if r.Path, err = s(rec.Image.Path, "image.path"); err != nil {
		return r, err
	}
	if r.Label, err = n(rec.Label, "label"); err != nil {
		return r, err
	}
	if r.ClassName, err = s(rec.ClassName, "class_name"); err != nil {
		return r, err
	}
	if r.SourceID, err = s(rec.SourceID, "source_id"); err != nil {
		return r, err
	}
	if r.Split, err = s(rec.Split, "split"); err != nil {
		return r, err
	}
	if r.PatternID, err = n(rec.PatternID, "pattern_id"); err != nil {
		return r, err
	}
	if r.Occluder, err = s(rec.Occluder, "occluder"); err != nil {
		return r, err
	}
	if rec.Ratio == nil {
		return r, fmt.Errorf("ratio is null")
	}
	r.Ratio = *rec.Ratio
	if r.X, err = n(rec.X, "x"); err != nil {
		return r, err
	}
	if r.Y, err = n(rec.Y, "y"); err != nil {
		return r, err
	}
	if r.PairID, err = n(rec.PairID, "pair_id"); err != nil {
		return r, err
	}
	return r, nil
}

// HFMetadataKey is the Parquet key-value metadata key `datasets` reads its features from.
const HFMetadataKey = "huggingface"

// HFFeatures returns the value of the `huggingface` key for a shard set whose labels index
// classNames, byte for byte as Python's json.dumps of datasets' ArrowWriter._build_metadata
// would write it (", " and ": " separators, non-ASCII escaped as \uXXXX):
//
//	{"info": {"features": {"image": {"_type": "Image"}, "label": {"names": [...], "_type": "ClassLabel"},
//	 "class_name": {"dtype": "string", "_type": "Value"}, ...}}}
func HFFeatures(classNames []string) string {
	var b strings.Builder
	value := func(name, dtype string) {
		fmt.Fprintf(&b, ", %s: {\"dtype\": %s, \"_type\": \"Value\"}", pyString(name), pyString(dtype))
	}
	b.WriteString(`{"info": {"features": {"image": {"_type": "Image"}, "label": {"names": [`)
	for i, n := range classNames {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(pyString(n))
	}
	b.WriteString(`], "_type": "ClassLabel"}`)
	value("class_name", "string")
	value("source_id", "string")
	value("split", "string")
	value("pattern_id", "int64")
	value("occluder", "string")
	value("ratio", "float64")
	value("x", "int64")
	value("y", "int64")
	value("pair_id", "int64")
	b.WriteString("}}}")
	return b.String()
}

// pyString quotes s as Python's json.dumps does with ensure_ascii=True.
func pyString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20 || (r >= 0x7f && r <= 0xffff):
				fmt.Fprintf(&b, `\u%04x`, r)
			case r > 0xffff:
				a, c := utf16.EncodeRune(r)
				fmt.Fprintf(&b, `\u%04x\u%04x`, a, c)
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
