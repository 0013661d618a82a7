package splits

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/occbench/occbench/internal/keyed"
	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/synth/sources"
)

// Splits is every set of a manifest resolved to image lists.
type Splits struct {
	Manifest string    `json:"manifest"`
	Seed     uint64    `json:"seed"`
	Checksum string    `json:"checksum"`
	Sets     []SetList `json:"sets"`
}

// SetList is one resolved set. Items are in class order, then source id order.
type SetList struct {
	Name        string   `json:"name"`
	Role        string   `json:"role"`
	Occlude     string   `json:"occlude,omitempty"`
	AddOccluded string   `json:"add_occluded,omitempty"`
	Classes     []string `json:"classes"`
	Items       []Entry  `json:"items,omitempty"`
	Pairs       []Pair   `json:"pairs,omitempty"`
	// Scenario names the set a scenario set was drawn from (manifest scenarios).
	Scenario string `json:"scenario_of,omitempty"`
	Checksum string `json:"checksum"`
}

// Entry is one image of a set.
type Entry struct {
	ID    string `json:"id"`
	Class string `json:"class"`
}

// Pair links a clean image to a really occluded image of the same class (AR).
type Pair struct {
	Clean    string `json:"clean"`
	Occluded string `json:"occluded"`
}

// Set returns the named set, or nil.
func (s *Splits) Set(name string) *SetList {
	for i := range s.Sets {
		if s.Sets[i].Name == name {
			return &s.Sets[i]
		}
	}
	return nil
}

// PerClass counts the set's images per class, in class order.
func (l *SetList) PerClass() []ClassCount {
	counts := map[string]int{}
	for _, e := range l.Items {
		counts[e.Class]++
	}
	out := make([]ClassCount, 0, len(l.Classes))
	for _, c := range l.Classes {
		out = append(out, ClassCount{Class: c, Images: counts[c]})
	}
	return out
}

// ClassCount is the number of images of one class in a set.
type ClassCount struct {
	Class  string `json:"class"`
	Images int    `json:"images"`
}

// resolver holds the source index and the sets resolved so far.
type resolver struct {
	m       *manifests.Manifest
	classes []string
	rank    map[string]int                      // class -> index in source order
	byClass map[string][]*sources.Item          // class -> items sorted by id
	sets    map[string]*SetList                 // resolved sets
	members map[string]map[string]*sources.Item // set -> id -> item
}

// Resolve applies every set rule of m, in file order, to the source's classes and items.
func Resolve(m *manifests.Manifest, classes []string, items []sources.Item) (*Splits, error) {
	r := &resolver{m: m, classes: classes, rank: map[string]int{}, byClass: map[string][]*sources.Item{},
		sets: map[string]*SetList{}, members: map[string]map[string]*sources.Item{}}
	for i, c := range classes {
		r.rank[c] = i
	}
	for i := range items {
		it := &items[i]
		if _, ok := r.rank[it.Class]; !ok {
			return nil, fmt.Errorf("item %s has class %q, which the source does not list", it.ID, it.Class)
		}
		r.byClass[it.Class] = append(r.byClass[it.Class], it)
	}
	for _, list := range r.byClass {
		sort.Slice(list, func(a, b int) bool { return list[a].ID < list[b].ID })
	}
	out := &Splits{Manifest: m.Name, Seed: m.Seed}
	total := sha256.New()
	for i := range m.Sets {
		l, err := r.resolveSet(&m.Sets[i])
		if err != nil {
			return nil, fmt.Errorf("%s: set %s: %w", m.Name, m.Sets[i].Name, err)
		}
		out.Sets = append(out.Sets, *l)
		fmt.Fprintf(total, "%s %s\n", l.Name, l.Checksum)
	}
	for i := range m.Scenarios {
		l, err := r.resolveScenario(&m.Scenarios[i])
		if err != nil {
			return nil, fmt.Errorf("%s: scenario %s: %w", m.Name, m.Scenarios[i].Name, err)
		}
		out.Sets = append(out.Sets, *l)
		fmt.Fprintf(total, "%s %s\n", l.Name, l.Checksum)
	}
	out.Checksum = hex.EncodeToString(total.Sum(nil))
	return out, nil
}

// resolveScenario resolves a scenario (AR: sunglasses neutral, ...) to a test set of its
// own: the images of its set whose attributes match, so runners evaluate it like any split.
func (r *resolver) resolveScenario(sc *manifests.Scenario) (*SetList, error) {
	base := r.sets[sc.Set]
	if base == nil {
		return nil, fmt.Errorf("no set %q", sc.Set)
	}
	l := &SetList{Name: sc.Name, Role: "test", Scenario: sc.Set, Classes: base.Classes}
	h := sha256.New()
	fmt.Fprintf(h, "scenario %s of %s\n", sc.Name, sc.Set)
	for _, e := range base.Items {
		if matches(r.members[sc.Set][e.ID].Attrs, sc.Where) {
			l.Items = append(l.Items, e)
			fmt.Fprintf(h, "item %s\n", e.ID)
		}
	}
	if len(l.Items) == 0 {
		return nil, fmt.Errorf("no image of set %s matches %v", sc.Set, sc.Where)
	}
	l.Checksum = hex.EncodeToString(h.Sum(nil))
	r.sets[sc.Name] = l
	return l, nil
}

func (r *resolver) resolveSet(s *manifests.Set) (*SetList, error) {
	classes, err := r.resolveClasses(s)
	if err != nil {
		return nil, err
	}
	l := &SetList{Name: s.Name, Role: s.Role, Occlude: s.Occlude, AddOccluded: s.AddOccluded, Classes: classes}
	mem := map[string]*sources.Item{}
	if s.Role != "classes" {
		for _, c := range classes {
			picked, err := r.resolveImages(s, c)
			if err != nil {
				return nil, err
			}
			for _, it := range picked {
				mem[it.ID] = it
				l.Items = append(l.Items, Entry{ID: it.ID, Class: it.Class})
			}
			if s.RealPairs != nil {
				for _, a := range picked {
					if !matches(a.Attrs, s.RealPairs.Clean) {
						continue
					}
					for _, b := range picked {
						if matches(b.Attrs, s.RealPairs.Occluded) {
							l.Pairs = append(l.Pairs, Pair{Clean: a.ID, Occluded: b.ID})
						}
					}
				}
			}
		}
		for _, id := range s.Images.List {
			if mem[id] == nil {
				return nil, fmt.Errorf("images.list: %q is not an eligible image of this set", id)
			}
		}
		if s.RealPairs != nil && len(l.Pairs) == 0 {
			return nil, fmt.Errorf("real_pairs matched no clean/occluded pair")
		}
	}
	h := sha256.New()
	fmt.Fprintf(h, "set %s %s\n", s.Name, s.Role)
	for _, c := range classes {
		fmt.Fprintf(h, "class %s\n", c)
	}
	for _, e := range l.Items {
		fmt.Fprintf(h, "item %s\n", e.ID)
	}
	for _, p := range l.Pairs {
		fmt.Fprintf(h, "pair %s %s\n", p.Clean, p.Occluded)
	}
	l.Checksum = hex.EncodeToString(h.Sum(nil))
	r.sets[s.Name] = l
	r.members[s.Name] = mem
	return l, nil
}

func (r *resolver) resolveClasses(s *manifests.Set) ([]string, error) {
	c := s.Classes
	in := map[string]bool{}
	if len(c.Among) > 0 || len(s.Union) > 0 {
		for _, name := range append(append([]string{}, c.Among...), s.Union...) {
			for _, cl := range r.sets[name].Classes {
				in[cl] = true
			}
		}
	} else {
		for _, cl := range r.classes {
			in[cl] = true
		}
	}
	for _, name := range c.Exclude {
		for _, cl := range r.sets[name].Classes {
			delete(in, cl)
		}
	}
	pool := make([]string, 0, len(in))
	for _, cl := range r.classes {
		if in[cl] {
			pool = append(pool, cl)
		}
	}
	var err error
	switch {
	case c.Range != nil:
		pool, err = r.classRange(pool, c.Range)
	case c.First > 0:
		if c.First > len(pool) {
			return nil, fmt.Errorf("classes.first: %d asked, %d available", c.First, len(pool))
		}
		pool = pool[:c.First]
	case c.Last > 0:
		if c.Last > len(pool) {
			return nil, fmt.Errorf("classes.last: %d asked, %d available", c.Last, len(pool))
		}
		pool = pool[len(pool)-c.Last:]
	case len(c.List) > 0:
		var keep []string
		for _, want := range c.List {
			if !in[want] {
				return nil, fmt.Errorf("classes.list: class %q is not in the source or not in the pool", want)
			}
			keep = append(keep, want)
		}
		sort.Slice(keep, func(a, b int) bool { return r.rank[keep[a]] < r.rank[keep[b]] })
		pool = keep
	case c.Match != "":
		var keep []string
		for _, cl := range pool {
			if ok, _ := path.Match(c.Match, cl); ok {
				keep = append(keep, cl)
			}
		}
		pool = keep
	}
	if err != nil {
		return nil, err
	}
	if c.Random > 0 {
		if c.Random > len(pool) {
			return nil, fmt.Errorf("classes.random: %d asked, %d available", c.Random, len(pool))
		}
		rng := keyed.Rand(r.m.Seed, "classes", s.Name)
		picked := rng.Perm(len(pool))[:c.Random]
		sort.Ints(picked)
		keep := make([]string, len(picked))
		for i, p := range picked {
			keep[i] = pool[p]
		}
		pool = keep
	}
	if len(pool) == 0 {
		return nil, fmt.Errorf("no class selected")
	}
	return pool, nil
}

// classRange keeps the classes between from and to, inclusive, in case-insensitive
// alphabetical order (ties broken by byte order).
func (r *resolver) classRange(pool []string, cr *manifests.ClassRange) ([]string, error) {
	order := append([]string{}, r.classes...)
	sort.SliceStable(order, func(a, b int) bool { return ciLess(order[a], order[b]) })
	lo, hi := -1, -1
	for i, cl := range order {
		if strings.EqualFold(cl, cr.From) && lo < 0 {
			lo = i
		}
		if strings.EqualFold(cl, cr.To) {
			hi = i
		}
	}
	if lo < 0 {
		return nil, fmt.Errorf("classes.range.from: class %q not in the source", cr.From)
	}
	if hi < 0 {
		return nil, fmt.Errorf("classes.range.to: class %q not in the source", cr.To)
	}
	if hi < lo {
		return nil, fmt.Errorf("classes.range: %q comes after %q", cr.From, cr.To)
	}
	inRange := map[string]bool{}
	for _, cl := range order[lo : hi+1] {
		inRange[cl] = true
	}
	var keep []string
	for _, cl := range pool {
		if inRange[cl] {
			keep = append(keep, cl)
		}
	}
	return keep, nil
}

func ciLess(a, b string) bool {
	la, lb := strings.ToLower(a), strings.ToLower(b)
	if la != lb {
		return la < lb
	}
	return a < b
}

func (r *resolver) resolveImages(s *manifests.Set, class string) ([]*sources.Item, error) {
	im := s.Images
	var pool []*sources.Item
	from := append(append([]string{}, im.Among...), s.Union...)
	if len(from) > 0 {
		seen := map[string]bool{}
		for _, name := range from {
			for _, it := range r.members[name] {
				if it.Class == class && !seen[it.ID] {
					seen[it.ID] = true
					pool = append(pool, it)
				}
			}
		}
		sort.Slice(pool, func(a, b int) bool { return pool[a].ID < pool[b].ID })
	} else {
		pool = r.byClass[class]
	}
	var keep []*sources.Item
	for _, it := range pool {
		if !matches(it.Attrs, im.Where) {
			continue
		}
		excluded := false
		for _, name := range im.Exclude {
			if _, ok := r.members[name][it.ID]; ok {
				excluded = true
				break
			}
		}
		if !excluded {
			keep = append(keep, it)
		}
	}
	switch {
	case im.Random > 0:
		if len(keep) < im.Random {
			return nil, fmt.Errorf("class %q has %d eligible images, %d needed (images.random)", class, len(keep), im.Random)
		}
		return pick(keep, im.Random, keyed.Rand(r.m.Seed, "images", s.Name, class).Perm), nil
	case im.UpTo > 0 && len(keep) > im.UpTo:
		return pick(keep, im.UpTo, keyed.Rand(r.m.Seed, "images", s.Name, class).Perm), nil
	case len(im.List) > 0:
		ids := map[string]bool{}
		for _, id := range im.List {
			ids[id] = true
		}
		var listed []*sources.Item
		for _, it := range keep {
			if ids[it.ID] {
				listed = append(listed, it)
			}
		}
		return listed, nil
	}
	if len(keep) == 0 {
		return nil, fmt.Errorf("class %q has no eligible image", class)
	}
	return keep, nil
}

// pick keeps n items chosen by a seeded permutation, in their original order.
func pick(items []*sources.Item, n int, perm func(int) []int) []*sources.Item {
	idx := perm(len(items))[:n]
	sort.Ints(idx)
	out := make([]*sources.Item, n)
	for i, j := range idx {
		out[i] = items[j]
	}
	return out
}

// matches reports whether attrs satisfy every filter; a filter value "a|b" accepts either.
func matches(attrs, where map[string]string) bool {
	for k, want := range where {
		got, ok := attrs[k]
		if !ok {
			return false
		}
		hit := false
		for _, alt := range strings.Split(want, "|") {
			if got == alt {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	return true
}
