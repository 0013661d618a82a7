package sources

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// caltechExcluded are folders of 101_ObjectCategories that are not classes.
var caltechExcluded = map[string]bool{"BACKGROUND_Google": true}

// imageExt reports whether name has an image file extension (case-insensitive); hidden
// files (".DS_Store", "._x.jpg") never count.
func imageExt(name string) bool {
	if strings.HasPrefix(name, ".") {
		return false
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp":
		return true
	}
	return false
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// CaseInsensitiveLess orders class names case-insensitively, ties broken by byte order
// (the Caltech-101 class order: accordion ... Faces ... yin_yang).
func CaseInsensitiveLess(a, b string) bool {
	la, lb := strings.ToLower(a), strings.ToLower(b)
	if la != lb {
		return la < lb
	}
	return a < b
}

func openCaltech(root string, opt Options) (Source, error) {
	if !isDir(root) {
		return nil, fmt.Errorf("caltech101: root %s is not a folder", root)
	}
	dir := filepath.Join(root, "101_ObjectCategories")
	if !isDir(dir) {
		if filepath.Base(filepath.Clean(root)) == "101_ObjectCategories" {
			dir = root
		} else {
			return nil, fmt.Errorf("caltech101: ROOT %s has no 101_ObjectCategories folder (expected ROOT/101_ObjectCategories/<class>/image_NNNN.jpg)", root)
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("caltech101: %w", err)
	}
	s := &fileSource{layout: LayoutCaltech101, maxPixels: opt.maxPixels()}
	attrs := map[string]string{}
	for _, e := range ents {
		if !e.IsDir() || caltechExcluded[e.Name()] || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		class := e.Name()
		s.classes = append(s.classes, class)
		files, err := os.ReadDir(filepath.Join(dir, class))
		if err != nil {
			return nil, fmt.Errorf("caltech101: %w", err)
		}
		for _, f := range files {
			if f.IsDir() || !imageExt(f.Name()) {
				continue
			}
			s.items = append(s.items, Item{
				ID:    path.Join(class, f.Name()),
				Class: class,
				Path:  filepath.Join(dir, class, f.Name()),
				Attrs: attrs,
			})
		}
	}
	if len(s.classes) == 0 {
		return nil, fmt.Errorf("caltech101: %s has no class folders", dir)
	}
	slices.SortFunc(s.classes, func(a, b string) int {
		if CaseInsensitiveLess(a, b) {
			return -1
		}
		if CaseInsensitiveLess(b, a) {
			return 1
		}
		return 0
	})
	sortItems(s.items)
	return s, checkUnique(s.layout, s.items)
}
