package stats

import (
	"fmt"
	"math"
	"sort"

	exprand "golang.org/x/exp/rand"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/occbench/occbench/internal/keyed"
	"github.com/occbench/occbench/runners"
)

// Level is the coverage of every interval this package returns.
const Level = 0.95

// Methods name how an interval was computed (docs/statistics.md).
const (
	// MethodImages resamples test images (one seed): each image carries all its patterns.
	MethodImages = "images"
	// MethodSeedsImages resamples seeds, then test images (the same image draw for every
	// drawn seed, because every seed is scored on the same test images).
	MethodSeedsImages = "seeds×images"
	// MethodBinomial redraws each pattern's correct count from a binomial: the fallback for
	// cells without per-image hits (version-1 results, or counts only).
	MethodBinomial = "binomial"
	// MethodBinomialUnpaired is the binomial fallback of a difference of two rows: without
	// per-image hits the two rows cannot be paired, so they are resampled independently.
	MethodBinomialUnpaired = "binomial, unpaired"
)

// Part is one pattern of a cell (or the clean test set): correct out of total, and the
// per-image hits when the runner kept them.
type Part struct {
	Correct, Total int64
	Hits           []bool // nil: counts only
}

// Interval is an estimate, in the unit of its data, with its 95% interval.
type Interval struct {
	Estimate float64
	Lo, Hi   float64
	Method   string
}

// Scores returns the per-image scores of a cell: score i is the fraction of the cell's parts
// under which image i was classified correctly. The mean of the scores is the mean of the
// parts' accuracies (every pattern weighs the same, as in the paper's averages). ok is false
// when a part has no hits or the parts are not over the same number of images: the cell can
// then only be resampled from its counts.
func Scores(parts []Part) (scores []float64, ok bool) {
	if len(parts) == 0 {
		return nil, false
	}
	n := len(parts[0].Hits)
	for _, p := range parts {
		if p.Hits == nil || len(p.Hits) != n || int64(n) != p.Total || n == 0 {
			return nil, false
		}
	}
	scores = make([]float64, n)
	for _, p := range parts {
		for i, h := range p.Hits {
			if h {
				scores[i]++
			}
		}
	}
	for i := range scores {
		scores[i] /= float64(len(parts))
	}
	return scores, true
}

// Tally returns the part's correct and total (runners.Tally).
func (p Part) Tally() (correct, total int64) { return p.Correct, p.Total }

// MeanParts is the unweighted mean of the parts' accuracies (a fraction; runners.MeanAccuracy,
// the one mean-accuracy rule), NaN when no part has images.
func MeanParts(parts []Part) float64 {
	m, ok := runners.MeanAccuracy(parts)
	if !ok {
		return math.NaN()
	}
	return m
}

// Bootstrap is the two-level bootstrap of the mean of x, where x[s][i] is the score of
// image i under seed s (every seed over the same images). Each of the resamples draws S
// seeds with replacement, then N images with replacement, and takes the mean of the drawn
// seeds' scores on the drawn images; the interval is the 2.5% and 97.5% percentiles. With
// one seed it is the image bootstrap. The estimate is the mean over seeds and images. With
// several seeds, each seed's deviation from the seed mean is first scaled by sqrt(S/(S-1))
// (inflateSeeds).
//
// A paired difference of two rows is Bootstrap of their per-seed, per-image differences.
func Bootstrap(x [][]float64, resamples int, seed uint64, key ...string) (Interval, error) {
	S := len(x)
	if S == 0 {
		return Interval{}, fmt.Errorf("bootstrap: no seeds")
	}
	N := len(x[0])
	if N == 0 {
		return Interval{}, fmt.Errorf("bootstrap: no images")
	}
	for s := range x {
		if len(x[s]) != N {
			return Interval{}, fmt.Errorf("bootstrap: seed %d has %d images, seed 0 has %d", s, len(x[s]), N)
		}
	}
	if resamples <= 0 {
		resamples = 2000
	}
	var est float64
	for s := range x {
		est += mean(x[s])
	}
	est /= float64(S)
	if S > 1 {
		x = inflateSeeds(x)
	}
	rng := keyed.Rand(seed, append([]string{"bootstrap2"}, key...)...)
	stats := make([]float64, resamples)
	m := make([]float64, N) // the drawn seeds' mean score of each image
	w := make([]float64, S)
	for r := range stats {
		if S == 1 {
			copy(m, x[0])
		} else {
			clear(w)
			for k := 0; k < S; k++ {
				w[rng.IntN(S)]++
			}
			clear(m)
			for s, ws := range w {
				if ws == 0 {
					continue
				}
				ws /= float64(S)
				for i, v := range x[s] {
					m[i] += ws * v
				}
			}
		}
		var sum float64
		for k := 0; k < N; k++ {
			sum += m[rng.IntN(N)]
		}
		stats[r] = sum / float64(N)
	}
	method := MethodImages
	if S > 1 {
		method = MethodSeedsImages
	}
	lo, hi := percentiles(stats)
	return Interval{Estimate: est, Lo: lo, Hi: hi, Method: method}, nil
}

// inflateSeeds scales every seed's deviation from the mean over seeds by sqrt(S/(S-1)), so
// the seed level of the bootstrap has the unbiased variance of S seeds rather than the
// plug-in one, which is (S-1)/S too small (the "modified residuals" of Davison and Hinkley,
// Bootstrap Methods and their Application, 1997, section 3.3). The mean is unchanged.
func inflateSeeds(x [][]float64) [][]float64 {
	S, N := len(x), len(x[0])
	c := math.Sqrt(float64(S) / float64(S-1))
	out := make([][]float64, S)
	for s := range out {
		out[s] = make([]float64, N)
	}
	for i := 0; i < N; i++ {
		var m float64
		for s := range x {
			m += x[s][i]
		}
		m /= float64(S)
		for s := range x {
			out[s][i] = m + c*(x[s][i]-m)
		}
	}
	return out
}

// Diff returns the per-seed, per-image differences a - b of two rows' scores, refusing
// scores that are not over the same seeds and images.
func Diff(a, b [][]float64) ([][]float64, error) {
	if len(a) != len(b) {
		return nil, fmt.Errorf("paired difference: %d seeds against %d", len(a), len(b))
	}
	out := make([][]float64, len(a))
	for s := range a {
		if len(a[s]) != len(b[s]) {
			return nil, fmt.Errorf("paired difference: seed %d has %d images against %d", s, len(a[s]), len(b[s]))
		}
		out[s] = make([]float64, len(a[s]))
		for i := range a[s] {
			out[s][i] = a[s][i] - b[s][i]
		}
	}
	return out, nil
}

// Binomial is the parametric bootstrap of a cell without hits: seeds[s] holds seed s's parts.
// Each resample draws seeds with replacement, then redraws every part's correct count from
// Binomial(total, observed accuracy) and takes the mean over the drawn seeds of the mean of
// the parts' accuracies. The parts are treated as independent: for a cell of several
// patterns over the same images the interval is too narrow (docs/statistics.md).
func Binomial(seeds [][]Part, resamples int, seed uint64, key ...string) (Interval, error) {
	return binomialDiff(seeds, nil, resamples, seed, key)
}

// BinomialDiff is Binomial of a - b, the two rows resampled independently (unpaired).
func BinomialDiff(a, b [][]Part, resamples int, seed uint64, key ...string) (Interval, error) {
	if b == nil {
		return Interval{}, fmt.Errorf("binomial difference: no second row")
	}
	return binomialDiff(a, b, resamples, seed, key)
}

func binomialDiff(a, b [][]Part, resamples int, seed uint64, key []string) (Interval, error) {
	if len(a) == 0 || (b != nil && len(b) != len(a)) {
		return Interval{}, fmt.Errorf("binomial bootstrap: %d and %d seeds", len(a), len(b))
	}
	for _, rows := range [][][]Part{a, b} {
		for _, ps := range rows {
			for _, p := range ps {
				if p.Total < 0 || p.Correct < 0 || p.Correct > p.Total {
					return Interval{}, fmt.Errorf("binomial bootstrap: %d correct of %d", p.Correct, p.Total)
				}
			}
			if rows != nil && math.IsNaN(MeanParts(ps)) {
				return Interval{}, fmt.Errorf("binomial bootstrap: a seed has no images")
			}
		}
	}
	if resamples <= 0 {
		resamples = 2000
	}
	S := len(a)
	est := 0.0
	for s := range a {
		est += MeanParts(a[s])
		if b != nil {
			est -= MeanParts(b[s])
		}
	}
	est /= float64(S)
	// gonum's binomial sampler takes a golang.org/x/exp/rand source: seeded by the same keyed
	// hash, so the fallback is as deterministic as the image bootstrap.
	rng := exprand.New(exprand.NewSource(keyed.Hash(seed, append([]string{"binomial"}, key...)...)))
	stats := make([]float64, resamples)
	draw := func(ps []Part) float64 {
		var sum float64
		n := 0
		for _, p := range ps {
			if p.Total == 0 {
				continue
			}
			k := p.Correct
			if k > 0 && k < p.Total {
				k = int64(distuv.Binomial{N: float64(p.Total), P: float64(p.Correct) / float64(p.Total), Src: rng}.Rand())
			}
			sum += float64(k) / float64(p.Total)
			n++
		}
		return sum / float64(n)
	}
	for r := range stats {
		var v float64
		for k := 0; k < S; k++ {
			s := k
			if S > 1 {
				s = rng.Intn(S)
			}
			v += draw(a[s])
			if b != nil {
				v -= draw(b[s])
			}
		}
		stats[r] = v / float64(S)
	}
	lo, hi := percentiles(stats)
	method := MethodBinomial
	if b != nil {
		method = MethodBinomialUnpaired
	}
	return Interval{Estimate: est, Lo: lo, Hi: hi, Method: method}, nil
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// percentiles returns the 2.5% and 97.5% percentiles of the resampled statistics (linear
// interpolation between order statistics).
func percentiles(v []float64) (lo, hi float64) {
	sort.Float64s(v)
	q := func(f float64) float64 {
		pos := f * float64(len(v)-1)
		i := int(pos)
		if i+1 >= len(v) {
			return v[len(v)-1]
		}
		d := pos - float64(i)
		return v[i]*(1-d) + v[i+1]*d
	}
	a := (1 - Level) / 2
	return q(a), q(1 - a)
}
