package sources

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var arName = regexp.MustCompile(`^([MWmw])-(\d{1,3})-(\d{1,2})\.(?i:bmp|png|jpe?g)$`)

// ARAttrs returns the AR layout facts of image index 1..26 of a subject: session (1|2),
// occlusion (none|sunglasses|scarf) and neutral (the first image of each occluder: 8,
// 11, 21, 24).
func ARAttrs(index int) (session int, occlusion string, neutral bool) {
	session = 1
	k := index
	if index > 13 {
		session, k = 2, index-13
	}
	switch {
	case k <= 7:
		occlusion = "none"
	case k <= 10:
		occlusion, neutral = "sunglasses", k == 8
	default:
		occlusion, neutral = "scarf", k == 11
	}
	return
}

func openAR(root string, opt Options) (Source, error) {
	if !isDir(root) {
		return nil, fmt.Errorf("ar: root %s is not a folder", root)
	}
	s := &fileSource{layout: LayoutAR, maxPixels: opt.maxPixels()}
	seen := map[string]string{} // subject-index -> path
	classSet := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		m := arName.FindStringSubmatch(d.Name())
		if m == nil {
			return nil
		}
		gender := strings.ToLower(m[1])
		num, _ := strconv.Atoi(m[2])
		idx, _ := strconv.Atoi(m[3])
		if num < 1 || idx < 1 || idx > 26 {
			return fmt.Errorf("ar: %s: subject number must be >= 1 and image index in 1..26", p)
		}
		subject := fmt.Sprintf("%s-%03d", strings.ToUpper(gender), num)
		key := fmt.Sprintf("%s-%02d", subject, idx)
		if prev, dup := seen[key]; dup {
			return fmt.Errorf("ar: image %s found twice: %s and %s", key, prev, p)
		}
		seen[key] = p
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		session, occ, neutral := ARAttrs(idx)
		classSet[subject] = true
		s.items = append(s.items, Item{
			ID:    filepath.ToSlash(rel),
			Class: subject,
			Path:  p,
			Attrs: map[string]string{
				"gender":    gender,
				"subject":   subject,
				"session":   strconv.Itoa(session),
				"index":     strconv.Itoa(idx),
				"occlusion": occ,
				"neutral":   strconv.FormatBool(neutral),
			},
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(s.items) == 0 {
		return nil, fmt.Errorf("ar: no AR face images (M-001-01.bmp ... W-050-26.bmp) under %s", root)
	}
	for c := range classSet {
		s.classes = append(s.classes, c)
	}
	sort.Strings(s.classes)
	sortItems(s.items)
	return s, checkUnique(s.layout, s.items)
}
