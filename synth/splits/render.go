package splits

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteSummary prints one row per set (role, classes, images, pairs, min/max images a class,
// checksum prefix) and, when perClass is set, a class x set matrix of image counts.
func (s *Splits) WriteSummary(w io.Writer, perClass bool) error {
	fmt.Fprintf(w, "manifest %s  seed %d  split checksum %s\n\n", s.Manifest, s.Seed, s.Checksum[:16])
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "set\trole\tclasses\timages\tpairs\tmin/class\tmax/class\tchecksum\t")
	for i := range s.Sets {
		l := &s.Sets[i]
		lo, hi := 0, 0
		if l.Role != "classes" {
			for j, c := range l.PerClass() {
				if j == 0 || c.Images < lo {
					lo = c.Images
				}
				if c.Images > hi {
					hi = c.Images
				}
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t\n", l.Name, l.Role, len(l.Classes), len(l.Items), len(l.Pairs), lo, hi, l.Checksum[:12])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !perClass {
		return nil
	}
	fmt.Fprintln(w)
	var classes []string
	seen := map[string]bool{}
	counts := make([]map[string]int, len(s.Sets))
	for i := range s.Sets {
		counts[i] = map[string]int{}
		for _, c := range s.Sets[i].Classes {
			if !seen[c] {
				seen[c] = true
				classes = append(classes, c)
			}
		}
		for _, c := range s.Sets[i].PerClass() {
			counts[i][c.Class] = c.Images
		}
	}
	tw = tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "class\t")
	for i := range s.Sets {
		fmt.Fprintf(tw, "%s\t", s.Sets[i].Name)
	}
	fmt.Fprintln(tw)
	for _, c := range classes {
		fmt.Fprintf(tw, "%s\t", c)
		for i := range s.Sets {
			n, in := counts[i][c]
			switch {
			case !in:
				fmt.Fprint(tw, ".\t")
			case s.Sets[i].Role == "classes":
				fmt.Fprint(tw, "x\t")
			default:
				fmt.Fprintf(tw, "%d\t", n)
			}
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}
