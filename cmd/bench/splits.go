package main

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/occbench/occbench/internal/atomicfile"
	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/synth"
	"github.com/occbench/occbench/synth/splits"
)

// resolveSplits opens a manifest's source and resolves its sets.
func resolveSplits(ref, rootFlag string) (*manifests.Manifest, *splits.Splits, error) {
	m, err := manifests.Resolve(ref)
	if err != nil {
		return nil, nil, err
	}
	src, err := synth.OpenSource(m, rootFlag)
	if err != nil {
		return nil, nil, err
	}
	s, err := splits.Resolve(m, src.Classes(), src.Items())
	return m, s, err
}

func newSplitsCmd() *cobra.Command {
	var root, out string
	var asJSON, brief bool
	cmd := &cobra.Command{
		Use:   "splits MANIFEST [--root DIR]",
		Short: "Resolve a manifest's image sets on a dataset: counts per set and class, lists, checksum",
		Long: `Resolve every set of a manifest (Itrn, Itst, Iop, ...) on the dataset under --root and
print the image count of each set and class, with a checksum that identifies the split.
--out writes the full image lists as JSON. Every random choice comes from the manifest seed,
so the lists are the same on every machine.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, s, err := resolveSplits(args[0], root)
			if err != nil {
				return err
			}
			if out != "" {
				data, err := json.MarshalIndent(s, "", " ")
				if err != nil {
					return err
				}
				if err := atomicfile.Write(out, append(data, '\n')); err != nil {
					return err
				}
			}
			if asJSON {
				type set struct {
					Name     string              `json:"name"`
					Role     string              `json:"role"`
					Classes  int                 `json:"classes"`
					Images   int                 `json:"images"`
					Pairs    int                 `json:"pairs"`
					Checksum string              `json:"checksum"`
					PerClass []splits.ClassCount `json:"per_class,omitempty"`
				}
				res := struct {
					Manifest string `json:"manifest"`
					Checksum string `json:"checksum"`
					Sets     []set  `json:"sets"`
				}{Manifest: s.Manifest, Checksum: s.Checksum}
				for i := range s.Sets {
					l := &s.Sets[i]
					row := set{l.Name, l.Role, len(l.Classes), len(l.Items), len(l.Pairs), l.Checksum, nil}
					if l.Role != "classes" {
						row.PerClass = l.PerClass()
					}
					res.Sets = append(res.Sets, row)
				}
				return writeJSON(cmd.OutOrStdout(), res)
			}
			return s.WriteSummary(cmd.OutOrStdout(), !brief)
		},
	}
	cmd.Flags().StringVar(&root, "root", "", "dataset folder (default: $OCCBENCH_ROOT_<NAME>, then the manifest's source.root)")
	cmd.Flags().StringVar(&out, "out", "", "write the full image lists of every set to this JSON file")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print counts as JSON")
	cmd.Flags().BoolVar(&brief, "brief", false, "omit the per-class table")
	return cmd
}
