package synth

import (
	"fmt"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/synth/sources"
	"github.com/occbench/occbench/synth/splits"
)

// OpenSource opens the dataset a manifest names, rooted at rootFlag, else the environment
// variable OCCBENCH_ROOT_<NAME>, else the manifest's default root.
func OpenSource(m *manifests.Manifest, rootFlag string) (sources.Source, error) {
	opt := sources.Options{}
	if b := m.Source.Builtin; b != nil {
		opt.Builtin = sources.BuiltinOptions{Classes: b.Classes, PerClass: b.PerClass, Size: b.Size, Subjects: b.Subjects}
	}
	opt.Builtin.Seed = m.Seed
	src, err := sources.Open(m.Source.Layout, m.DatasetRoot(rootFlag), opt)
	if err != nil {
		if m.Source.Layout == sources.LayoutBuiltin || m.Source.Layout == sources.LayoutBuiltinAR {
			return nil, err // generated in code: there is no root to set
		}
		return nil, fmt.Errorf("%w (set --root or %s)", err, m.RootEnv())
	}
	return src, nil
}

// Load resolves everything a synth run reads: the source, the split lists and the pattern
// pack (occluderDir, if set, replaces the manifest's occluders).
func Load(m *manifests.Manifest, rootFlag, occluderDir string) (Inputs, error) {
	src, err := OpenSource(m, rootFlag)
	if err != nil {
		return Inputs{}, err
	}
	sp, err := splits.Resolve(m, src.Classes(), src.Items())
	if err != nil {
		return Inputs{}, err
	}
	pack, err := patterns.FromManifest(m, occluderDir)
	if err != nil {
		return Inputs{}, err
	}
	return Inputs{Root: m.DatasetRoot(rootFlag), Manifest: m, Source: src, Splits: sp, Pack: pack}, nil
}
