package runners

// Tally is anything that counts correct answers out of a total: a Count, a PatternCount, a
// report cell's part.
type Tally interface {
	Tally() (correct, total int64)
}

// Tally returns the count's correct and total.
func (c Count) Tally() (correct, total int64) { return int64(c.Correct), int64(c.Total) }

// MeanAccuracy is the one mean-accuracy rule: the unweighted mean of the accuracies (0..1) of
// the tallies that hold any image, so every pattern counts once, as the paper's "avg over
// occlusion" does. ok is false when no tally holds an image.
func MeanAccuracy[T Tally](ts []T) (mean float64, ok bool) {
	s, n := sumAccuracies(ts)
	if n == 0 {
		return 0, false
	}
	return s / float64(n), true
}

// MeanPercent is MeanAccuracy in percent. It computes 100*sum/n rather than 100*mean, the
// order the reports have always used, so their numbers stay the same to the last bit.
func MeanPercent[T Tally](ts []T) (mean float64, ok bool) {
	s, n := sumAccuracies(ts)
	if n == 0 {
		return 0, false
	}
	return 100 * s / float64(n), true
}

func sumAccuracies[T Tally](ts []T) (sum float64, n int) {
	for _, t := range ts {
		if c, tot := t.Tally(); tot > 0 {
			sum += float64(c) / float64(tot)
			n++
		}
	}
	return sum, n
}
