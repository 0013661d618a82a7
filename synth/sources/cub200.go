package sources

import (
	"bufio"
	"fmt"
	"image"
	"math"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// cubLine is one parsed line of a CUB text file: the image (or class) id and the rest.
type cubLine struct {
	line   int
	id     int
	fields []string
}

// readCUBTable reads a CUB "id field..." text file, checking the field count and that
// ids are unique positive integers.
func readCUBTable(file string, nfields int) (map[int]cubLine, []int, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, nil, fmt.Errorf("cub200: %w", err)
	}
	defer f.Close()
	m := map[int]cubLine{}
	var order []int
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		t := strings.TrimSpace(sc.Text())
		if t == "" {
			continue
		}
		fs := strings.Fields(t)
		if len(fs) != nfields+1 {
			return nil, nil, fmt.Errorf("cub200: %s:%d: %d fields, want %d: %q", file, line, len(fs), nfields+1, t)
		}
		id, err := strconv.Atoi(fs[0])
		if err != nil || id < 1 {
			return nil, nil, fmt.Errorf("cub200: %s:%d: id %q is not a positive integer", file, line, fs[0])
		}
		if _, dup := m[id]; dup {
			return nil, nil, fmt.Errorf("cub200: %s:%d: id %d listed twice", file, line, id)
		}
		m[id] = cubLine{line: line, id: id, fields: fs[1:]}
		order = append(order, id)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("cub200: %s: %w", file, err)
	}
	if len(m) == 0 {
		return nil, nil, fmt.Errorf("cub200: %s is empty", file)
	}
	return m, order, nil
}

func openCUB(root string, opt Options) (Source, error) {
	if !isDir(root) {
		return nil, fmt.Errorf("cub200: root %s is not a folder", root)
	}
	if _, err := os.Stat(filepath.Join(root, "images.txt")); err != nil {
		if sub := filepath.Join(root, "CUB_200_2011"); isDir(sub) {
			root = sub
		} else {
			return nil, fmt.Errorf("cub200: ROOT %s has no images.txt (expected ROOT/images.txt, image_class_labels.txt, train_test_split.txt, bounding_boxes.txt, classes.txt, images/<class>/<file>.jpg)", root)
		}
	}
	file := func(n string) string { return filepath.Join(root, n) }
	classes, classOrder, err := readCUBTable(file("classes.txt"), 1)
	if err != nil {
		return nil, err
	}
	images, imageOrder, err := readCUBTable(file("images.txt"), 1)
	if err != nil {
		return nil, err
	}
	labels, _, err := readCUBTable(file("image_class_labels.txt"), 1)
	if err != nil {
		return nil, err
	}
	splits, _, err := readCUBTable(file("train_test_split.txt"), 1)
	if err != nil {
		return nil, err
	}
	boxes, _, err := readCUBTable(file("bounding_boxes.txt"), 4)
	if err != nil {
		return nil, err
	}
	s := &fileSource{layout: LayoutCUB200, maxPixels: opt.maxPixels()}
	// Classes in id order; ids must be 1..n.
	for i := range classOrder {
		c, ok := classes[i+1]
		if !ok {
			return nil, fmt.Errorf("cub200: %s: class ids are not 1..%d (%d missing)", file("classes.txt"), len(classes), i+1)
		}
		s.classes = append(s.classes, c.fields[0])
	}
	attrs := map[string]map[string]string{"train": {"split": "train"}, "test": {"split": "test"}}
	for _, id := range imageOrder {
		im := images[id]
		rel := im.fields[0]
		if strings.Contains(rel, "\\") || path.IsAbs(rel) || strings.HasPrefix(path.Clean(rel), "..") {
			return nil, fmt.Errorf("cub200: %s:%d: bad image path %q", file("images.txt"), im.line, rel)
		}
		lab, ok := labels[id]
		if !ok {
			return nil, fmt.Errorf("cub200: %s: no label for image %d (%s)", file("image_class_labels.txt"), id, rel)
		}
		ci, err := strconv.Atoi(lab.fields[0])
		if err != nil || ci < 1 || ci > len(s.classes) {
			return nil, fmt.Errorf("cub200: %s:%d: class %q is not in 1..%d", file("image_class_labels.txt"), lab.line, lab.fields[0], len(s.classes))
		}
		sp, ok := splits[id]
		if !ok {
			return nil, fmt.Errorf("cub200: %s: no entry for image %d (%s)", file("train_test_split.txt"), id, rel)
		}
		var split string
		switch sp.fields[0] {
		case "1":
			split = "train"
		case "0":
			split = "test"
		default:
			return nil, fmt.Errorf("cub200: %s:%d: is_training_image %q is not 0 or 1", file("train_test_split.txt"), sp.line, sp.fields[0])
		}
		bb, ok := boxes[id]
		if !ok {
			return nil, fmt.Errorf("cub200: %s: no box for image %d (%s)", file("bounding_boxes.txt"), id, rel)
		}
		var v [4]float64
		for k := range v {
			v[k], err = strconv.ParseFloat(bb.fields[k], 64)
			if err != nil || math.IsNaN(v[k]) || math.IsInf(v[k], 0) || math.Abs(v[k]) > 1e7 {
				return nil, fmt.Errorf("cub200: %s:%d: %q is not a number", file("bounding_boxes.txt"), bb.line, bb.fields[k])
			}
		}
		if v[2] <= 0 || v[3] <= 0 {
			return nil, fmt.Errorf("cub200: %s:%d: box width and height must be positive", file("bounding_boxes.txt"), bb.line)
		}
		// Pixel box as PIL's crop((x, y, x+w, y+h)) rounds it.
		box := image.Rect(int(math.RoundToEven(v[0])), int(math.RoundToEven(v[1])),
			int(math.RoundToEven(v[0]+v[2])), int(math.RoundToEven(v[1]+v[3])))
		p := filepath.Join(root, "images", filepath.FromSlash(rel))
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("cub200: image %d listed in %s:%d is missing: %w", id, file("images.txt"), im.line, err)
		}
		s.items = append(s.items, Item{ID: path.Join("images", rel), Class: s.classes[ci-1], Path: p,
			Attrs: attrs[split], BBox: &box})
	}
	sortItems(s.items)
	return s, checkUnique(s.layout, s.items)
}
