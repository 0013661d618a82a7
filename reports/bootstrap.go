package reports

import (
	"sort"

	"golang.org/x/exp/rand"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/occbench/occbench/internal/keyed"
)

// Bootstrap returns the 95% percentile interval, in percent, of the mean accuracy of the
// parts. Each resample redraws every part's correct count from Binomial(total, observed
// accuracy): the parametric bootstrap of the raw counts. The key parts seed it, so the same
// counts always give the same interval.
func Bootstrap(parts []Count, resamples int, seed uint64, key ...string) (lo, hi float64) {
	if resamples <= 0 {
		resamples = 2000
	}
	src := rand.NewSource(keyed.Hash(seed, append([]string{"bootstrap"}, key...)...))
	dists := make([]distuv.Binomial, len(parts))
	for i, p := range parts {
		if p.Total > 0 {
			dists[i] = distuv.Binomial{N: float64(p.Total), P: float64(p.Correct) / float64(p.Total), Src: src}
		}
	}
	means := make([]float64, resamples)
	sample := make([]Count, len(parts))
	for r := range means {
		for i, p := range parts {
			sample[i] = Count{Total: p.Total}
			if p.Total > 0 && p.Correct > 0 && p.Correct < p.Total {
				sample[i].Correct = int64(dists[i].Rand())
			} else {
				sample[i].Correct = p.Correct
			}
		}
		means[r] = meanAccuracy(sample)
	}
	sort.Float64s(means)
	return quantile(means, 0.025), quantile(means, 0.975)
}

// quantile interpolates linearly between order statistics of sorted values.
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	f := pos - float64(i)
	return sorted[i]*(1-f) + sorted[i+1]*f
}
