package benchmarks

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/occbench/occbench/internal/keyed"
)

// Seeds: a run trains every model row once per replicate (docs/seeds.md). A replicate's seed
// is the spec's seed, so it changes exactly what a run spec's seed changes in both runners:
// the random initialization of every tensor not loaded from the initial weights (all of
// them for a random init, the new classifier head of a fine-tuned row), the order of the
// training images each epoch, the augmentation draws and the DV draws of DFV training. It
// changes nothing that synth makes from the manifest seed: the class splits, the images of
// each set and the pattern table (random positions included) are the same for every
// replicate, so every replicate is evaluated on the same test images under the same
// patterns and the cells stay paired across seeds. The pretraining of the mini and demo
// profiles (their stand-in for ImageNet weights, which the paper profile imports as one
// fixed file) runs once, with the base seed, and every replicate fine-tunes from it.

// Default replicates per profile. The paper profile's tables on small datasets (Caltech-101,
// AR, Oxford 102, CUB: at most about 12,000 images each) cost a fraction of ILSVRC's;
// ILSVRC's (tables 6 to 9: over a million training images) default to one (their Seeds
// field). mini and demo run on a 2-core CPU in CI: docs/seeds.md has the measured time of
// each CI run per seed.
var defaultSeeds = map[string]int{ProfilePaper: 3, ProfileMini: 3, ProfileDemo: 3}

// DefaultSeeds is the number of replicates a run of the profile trains when the caller asks
// for none: the benchmark's own Seeds entry, else the profile's default; one for the sweep
// and t-SNE kinds, which use one seed (seedsRun).
func (b *Benchmark) DefaultSeeds(profile string) int {
	if b.Kind == KindSweep || b.Kind == KindTSNE {
		return 1
	}
	if n, ok := b.Seeds[profile]; ok {
		return n
	}
	if n, ok := defaultSeeds[profile]; ok {
		return n
	}
	return 1
}

// seedsRun is how many of n asked-for replicates the benchmark runs: the sweep (fig6) and
// the t-SNE figure (fig2) run the base seed only; the sweep's 8 to 18 trainings per seed
// are its cost, and fig2 plots one model's features.
func (b *Benchmark) seedsRun(n int) int {
	if b.Kind == KindSweep || b.Kind == KindTSNE {
		return 1
	}
	return n
}

// seedMask keeps derived seeds below 2^53, so JSON readers that hold numbers as float64
// (JavaScript, jq) read them exactly.
const seedMask = 1<<53 - 1

// ReplicateSeeds returns the training seeds of n replicates: the base seed first (so one
// replicate is the run a single seed always was), then seeds derived from the base and the
// replicate index through the keyed hash. Replicate r's seed does not depend on n, so a run
// with more seeds reuses the cached models of a run with fewer.
func ReplicateSeeds(base uint64, n int) []uint64 {
	out := make([]uint64, 0, n)
	for r := 0; r < n; r++ {
		if r == 0 {
			out = append(out, base)
			continue
		}
		out = append(out, keyed.Hash(base, "replicate", strconv.Itoa(r))&seedMask)
	}
	return out
}

// seedNotes tells the report's reader which seeds the numbers come from, when that is more
// than one or fewer than asked for.
func seedNotes(b *Benchmark, seeds []uint64, wanted int) []string {
	var notes []string
	if len(seeds) > 1 {
		s := make([]string, len(seeds))
		for i, v := range seeds {
			s[i] = strconv.FormatUint(v, 10)
		}
		notes = append(notes, fmt.Sprintf("%d seeds: every row is trained %d times, with training seeds %s (the first is the base seed); "+
			"a seed changes weight initialization, data order, augmentation and DV draws, not the test images or the patterns, and the pretraining is shared (docs/seeds.md).",
			len(seeds), len(seeds), strings.Join(s, ", ")))
	}
	if wanted > len(seeds) {
		notes = append(notes, fmt.Sprintf("%s (%s) runs one seed, %d, not the %d asked for (docs/seeds.md).", b.ID, b.Kind, seeds[0], wanted))
	}
	return notes
}
