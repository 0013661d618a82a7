package patterns

import (
	"fmt"

	"github.com/occbench/occbench/manifests"
)

// SubsetIDs returns the ids of the patterns a manifest's named pattern subset keeps, in table
// order. It is the one rule for naming a subset: "full" keeps every pattern even where the
// manifest does not define it; any other name the manifest does not define, and a subset that
// keeps no pattern, is an error.
func (t *Table) SubsetIDs(m *manifests.Manifest, name string) ([]int, error) {
	sub := m.SubsetByName(name)
	if sub == nil && name != "full" {
		return nil, fmt.Errorf("manifest %s has no pattern subset %q", m.Name, name)
	}
	var ids []int
	for _, p := range t.Select(sub) {
		ids = append(ids, p.ID)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("manifest %s: pattern subset %q selects no pattern of its %d", m.Name, name, len(t.Patterns))
	}
	return ids, nil
}

// ByID returns the patterns with the given ids, in the order given; no ids means every
// pattern of the table. An id the table does not hold is an error.
func (t *Table) ByID(ids []int) ([]Pattern, error) {
	if len(ids) == 0 {
		return t.Patterns, nil
	}
	out := make([]Pattern, 0, len(ids))
	for _, id := range ids {
		p, ok := t.lookup(id)
		if !ok {
			return nil, fmt.Errorf("pattern %d is not in the table (%d patterns)", id, len(t.Patterns))
		}
		out = append(out, p)
	}
	return out, nil
}

// lookup finds pattern id: tables number their patterns 0..n-1 in order, so the index is
// tried first, then a scan for a table read from elsewhere.
func (t *Table) lookup(id int) (Pattern, bool) {
	if id >= 0 && id < len(t.Patterns) && t.Patterns[id].ID == id {
		return t.Patterns[id], true
	}
	for _, p := range t.Patterns {
		if p.ID == id {
			return p, true
		}
	}
	return Pattern{}, false
}
