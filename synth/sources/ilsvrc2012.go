package sources

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/occbench/occbench/internal/inputs"
	"github.com/occbench/occbench/internal/matv5"
)

const (
	ilsvrcLocCSV      = "LOC_val_solution.csv"
	ilsvrcDevkitGT    = "ILSVRC2012_devkit_t12/data/ILSVRC2012_validation_ground_truth.txt"
	ilsvrcDevkitMeta  = "ILSVRC2012_devkit_t12/data/meta.mat"
	ilsvrcValTemplate = "ILSVRC2012_val_%08d.JPEG"
)

func openILSVRC(root string, opt Options) (Source, error) {
	if !isDir(root) {
		return nil, fmt.Errorf("ilsvrc2012: root %s is not a folder", root)
	}
	data := root
	if kaggle := filepath.Join(root, "ILSVRC", "Data", "CLS-LOC"); isDir(kaggle) {
		data = kaggle
	}
	trainDir, valDir := filepath.Join(data, "train"), filepath.Join(data, "val")
	hasTrain, hasVal := isDir(trainDir), isDir(valDir)
	if !hasTrain && !hasVal {
		return nil, fmt.Errorf("ilsvrc2012: ROOT %s has neither a train/ nor a val/ folder (expected ROOT/train/<wnid>/*.JPEG and ROOT/val/)", root)
	}
	s := &fileSource{layout: LayoutILSVRC2012, maxPixels: opt.maxPixels()}
	classSet := map[string]bool{}
	trainAttrs := map[string]string{"split": "train"}
	valAttrs := map[string]string{"split": "val"}
	if hasTrain {
		ents, err := os.ReadDir(trainDir)
		if err != nil {
			return nil, fmt.Errorf("ilsvrc2012: %w", err)
		}
		for _, e := range ents {
			if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			wnid := e.Name()
			classSet[wnid] = true
			files, err := os.ReadDir(filepath.Join(trainDir, wnid))
			if err != nil {
				return nil, fmt.Errorf("ilsvrc2012: %w", err)
			}
			for _, f := range files {
				if f.IsDir() || !imageExt(f.Name()) {
					continue
				}
				s.items = append(s.items, Item{ID: path.Join("train", wnid, f.Name()), Class: wnid,
					Path: filepath.Join(trainDir, wnid, f.Name()), Attrs: trainAttrs})
			}
		}
		if len(classSet) == 0 {
			return nil, fmt.Errorf("ilsvrc2012: %s has no <wnid> class folders", trainDir)
		}
	}
	if hasVal {
		ents, err := os.ReadDir(valDir)
		if err != nil {
			return nil, fmt.Errorf("ilsvrc2012: %w", err)
		}
		var flat []string
		sorted := false
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			if e.IsDir() {
				sorted = true
				wnid := e.Name()
				if hasTrain && !classSet[wnid] {
					return nil, fmt.Errorf("ilsvrc2012: val/%s is not a class of train/", wnid)
				}
				classSet[wnid] = true
				files, err := os.ReadDir(filepath.Join(valDir, wnid))
				if err != nil {
					return nil, fmt.Errorf("ilsvrc2012: %w", err)
				}
				for _, f := range files {
					if f.IsDir() || !imageExt(f.Name()) {
						continue
					}
					s.items = append(s.items, Item{ID: path.Join("val", wnid, f.Name()), Class: wnid,
						Path: filepath.Join(valDir, wnid, f.Name()), Attrs: valAttrs})
				}
			} else if imageExt(e.Name()) {
				flat = append(flat, e.Name())
			}
		}
		if sorted && len(flat) > 0 {
			return nil, fmt.Errorf("ilsvrc2012: %s mixes <wnid>/ folders and %d loose images (e.g. %s)", valDir, len(flat), flat[0])
		}
		if len(flat) > 0 {
			labels, src, err := ilsvrcValLabels(root, flat)
			if err != nil {
				return nil, err
			}
			for _, name := range flat {
				wnid, ok := labels[strings.TrimSuffix(name, filepath.Ext(name))]
				if !ok {
					return nil, fmt.Errorf("ilsvrc2012: val/%s has no label in %s", name, src)
				}
				if hasTrain && !classSet[wnid] {
					return nil, fmt.Errorf("ilsvrc2012: %s labels val/%s as %s, which is not a class of train/", src, name, wnid)
				}
				classSet[wnid] = true
				s.items = append(s.items, Item{ID: path.Join("val", name), Class: wnid,
					Path: filepath.Join(valDir, name), Attrs: valAttrs})
			}
		}
	}
	for c := range classSet {
		s.classes = append(s.classes, c)
	}
	sort.Strings(s.classes)
	sortItems(s.items)
	return s, checkUnique(s.layout, s.items)
}

// ilsvrcValLabels returns image id (file name without extension) -> wnid for the flat
// validation folder, from LOC_val_solution.csv or the devkit, and the label file used.
func ilsvrcValLabels(root string, flat []string) (map[string]string, string, error) {
	csvPath := filepath.Join(root, ilsvrcLocCSV)
	if _, err := os.Stat(csvPath); err == nil {
		m, err := readLocCSV(csvPath)
		return m, csvPath, err
	}
	gt := filepath.Join(root, filepath.FromSlash(ilsvrcDevkitGT))
	if _, err := os.Stat(gt); err == nil {
		m, err := readDevkitLabels(gt, filepath.Join(root, filepath.FromSlash(ilsvrcDevkitMeta)))
		return m, gt, err
	}
	return nil, "", fmt.Errorf("ilsvrc2012: val/ holds %d loose images (e.g. %s) but there is no label file: expected ROOT/%s or ROOT/%s (+ meta.mat), or val/ sorted into <wnid>/ folders",
		len(flat), flat[0], ilsvrcLocCSV, ilsvrcDevkitGT)
}

// readLocCSV reads Kaggle's LOC_val_solution.csv: header ImageId,PredictionString; the
// label is the first token of PredictionString.
func readLocCSV(file string) (map[string]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("ilsvrc2012: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1
	m := map[string]string{}
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			if line == 1 {
				return nil, fmt.Errorf("ilsvrc2012: %s is empty", file)
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("ilsvrc2012: %s: %w", file, err)
		}
		if line == 1 {
			if len(rec) < 2 || strings.TrimPrefix(rec[0], "\ufeff") != "ImageId" || rec[1] != "PredictionString" {
				return nil, fmt.Errorf("ilsvrc2012: %s:1: header is %q, want ImageId,PredictionString", file, strings.Join(rec, ","))
			}
			continue
		}
		if len(rec) != 2 {
			return nil, fmt.Errorf("ilsvrc2012: %s:%d: %d fields, want 2 (ImageId,PredictionString)", file, line, len(rec))
		}
		toks := strings.Fields(rec[1])
		if rec[0] == "" || len(toks) == 0 || !isWnid(toks[0]) {
			return nil, fmt.Errorf("ilsvrc2012: %s:%d: bad record %q: want ImageId,<wnid> ...", file, line, strings.Join(rec, ","))
		}
		if _, dup := m[rec[0]]; dup {
			return nil, fmt.Errorf("ilsvrc2012: %s:%d: image %s listed twice", file, line, rec[0])
		}
		m[rec[0]] = toks[0]
	}
	return m, nil
}

func isWnid(s string) bool {
	if len(s) != 9 || s[0] != 'n' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// readDevkitLabels reads the devkit ground truth (one devkit id per line, line i labels
// ILSVRC2012_val_%08d(i)) and maps ids to wnids through meta.mat's synsets.
func readDevkitLabels(gtFile, metaFile string) (map[string]string, error) {
	idToWnid, err := readDevkitMeta(metaFile)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(gtFile)
	if err != nil {
		return nil, fmt.Errorf("ilsvrc2012: %w", err)
	}
	m := map[string]string{}
	lines := strings.Split(strings.TrimRight(string(data), "\r\n"), "\n")
	if len(data) == 0 {
		return nil, fmt.Errorf("ilsvrc2012: %s is empty", gtFile)
	}
	for i, l := range lines {
		l = strings.TrimSpace(l)
		id, err := strconv.Atoi(l)
		if err != nil {
			return nil, fmt.Errorf("ilsvrc2012: %s:%d: %q is not a devkit class id", gtFile, i+1, l)
		}
		wnid, ok := idToWnid[id]
		if !ok {
			return nil, fmt.Errorf("ilsvrc2012: %s:%d: class id %d is not in %s", gtFile, i+1, id, metaFile)
		}
		m[strings.TrimSuffix(fmt.Sprintf(ilsvrcValTemplate, i+1), ".JPEG")] = wnid
	}
	return m, nil
}

// readDevkitMeta maps ILSVRC2012_ID -> WNID from the devkit's meta.mat (struct array
// synsets).
func readDevkitMeta(file string) (map[int]string, error) {
	data, err := inputs.ReadFile(file, inputs.DatasetMAT)
	if err != nil {
		return nil, fmt.Errorf("ilsvrc2012: devkit meta: %w", err)
	}
	vars, err := matv5.Read(data)
	if err != nil {
		return nil, fmt.Errorf("ilsvrc2012: %s: %w", file, err)
	}
	syn, err := matv5.Lookup(vars, "synsets")
	if err != nil {
		return nil, fmt.Errorf("ilsvrc2012: %s: %w", file, err)
	}
	if syn.Class != matv5.ClassStruct {
		return nil, fmt.Errorf("ilsvrc2012: %s: synsets is not a struct array", file)
	}
	m := map[int]string{}
	for i := range syn.Elems {
		idv, wv := syn.Field(i, "ILSVRC2012_ID"), syn.Field(i, "WNID")
		if idv == nil || wv == nil {
			return nil, fmt.Errorf("ilsvrc2012: %s: synsets(%d) lacks ILSVRC2012_ID or WNID (fields %q)", file, i+1, syn.Fields)
		}
		if len(idv.Num) != 1 || idv.Num[0] != float64(int(idv.Num[0])) {
			return nil, fmt.Errorf("ilsvrc2012: %s: synsets(%d).ILSVRC2012_ID is not one integer", file, i+1)
		}
		w := wv.Text()
		if !isWnid(w) {
			return nil, fmt.Errorf("ilsvrc2012: %s: synsets(%d).WNID %q is not a wnid", file, i+1, w)
		}
		m[int(idv.Num[0])] = w
	}
	if len(m) == 0 {
		return nil, errors.New("ilsvrc2012: " + file + ": synsets is empty")
	}
	return m, nil
}
