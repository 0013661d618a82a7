package sources

import (
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/occbench/occbench/internal/inputs"
	"github.com/occbench/occbench/internal/matv5"
)

// Oxford102Classes is the number of Oxford 102 flower classes.
const Oxford102Classes = 102

func openOxford(root string, opt Options) (Source, error) {
	if !isDir(root) {
		return nil, fmt.Errorf("oxford102: root %s is not a folder", root)
	}
	jpgDir := filepath.Join(root, "jpg")
	if !isDir(jpgDir) {
		return nil, fmt.Errorf("oxford102: ROOT %s has no jpg folder (expected ROOT/jpg/image_NNNNN.jpg, ROOT/imagelabels.mat, ROOT/setid.mat)", root)
	}
	labelsFile := filepath.Join(root, "imagelabels.mat")
	labels, err := readMATNumbers(labelsFile, "labels")
	if err != nil {
		return nil, fmt.Errorf("oxford102: %w", err)
	}
	n := len(labels)
	if n == 0 {
		return nil, fmt.Errorf("oxford102: %s: labels is empty", labelsFile)
	}
	split := make([]string, n)
	setFile := filepath.Join(root, "setid.mat")
	for _, set := range []struct{ v, split string }{{"trnid", "train"}, {"valid", "val"}, {"tstid", "test"}} {
		ids, err := readMATNumbers(setFile, set.v)
		if err != nil {
			return nil, fmt.Errorf("oxford102: %w", err)
		}
		for _, f := range ids {
			id := int(f)
			if float64(id) != f || id < 1 || id > n {
				return nil, fmt.Errorf("oxford102: %s: %s holds %v, not an image number in 1..%d", setFile, set.v, f, n)
			}
			if split[id-1] != "" {
				return nil, fmt.Errorf("oxford102: %s: image %d is in both %s and %s", setFile, id, split[id-1], set.split)
			}
			split[id-1] = set.split
		}
	}
	s := &fileSource{layout: LayoutOxford102, maxPixels: opt.maxPixels()}
	for c := 1; c <= Oxford102Classes; c++ {
		s.classes = append(s.classes, fmt.Sprintf("class_%03d", c))
	}
	attrs := map[string]map[string]string{}
	for _, sp := range []string{"train", "val", "test"} {
		attrs[sp] = map[string]string{"split": sp}
	}
	for i, f := range labels {
		l := int(f)
		if float64(l) != f || l < 1 || l > Oxford102Classes {
			return nil, fmt.Errorf("oxford102: %s: labels(%d) = %v, not a class in 1..%d", labelsFile, i+1, f, Oxford102Classes)
		}
		if split[i] == "" {
			return nil, fmt.Errorf("oxford102: %s: image %d is in none of trnid, valid, tstid", setFile, i+1)
		}
		name := fmt.Sprintf("image_%05d.jpg", i+1)
		p := filepath.Join(jpgDir, name)
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("oxford102: image %d listed in %s is missing: %w", i+1, labelsFile, err)
		}
		s.items = append(s.items, Item{ID: path.Join("jpg", name), Class: s.classes[l-1], Path: p, Attrs: attrs[split[i]]})
	}
	sortItems(s.items)
	return s, nil
}

// readMATNumbers reads the numeric variable name from a MAT v5 file.
func readMATNumbers(file, name string) ([]float64, error) {
	data, err := inputs.ReadFile(file, inputs.DatasetMAT)
	if err != nil {
		return nil, err
	}
	vars, err := matv5.Read(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	v, err := matv5.Lookup(vars, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if !v.Numeric() {
		return nil, fmt.Errorf("%s: variable %q is a %s array, not numeric", file, name, v.TypeName())
	}
	return v.Num, nil
}
