package reports

import "fmt"

// Effect is the paired difference row − against in one column, in points, pooled over seeds,
// with each seed's, and the verdict of the paper's claim about it where the paper makes one.
type Effect struct {
	Row     string `json:"row"`
	Against string `json:"against"`
	Column  string `json:"column"`
	// Paper is the paper's difference of the two rows, when it prints both.
	Paper    *float64     `json:"paper,omitempty"`
	Estimate float64      `json:"estimate"`
	Lo       float64      `json:"ci_lo"`
	Hi       float64      `json:"ci_hi"`
	Method   string       `json:"method"`
	PerSeed  []SeedEffect `json:"per_seed,omitempty"`
	// Claim is what the paper claims of this difference (ClaimImprovement, ClaimNoLoss), ""
	// when it claims nothing; Verdict is Reproduced, Contradicted or Inconclusive.
	Claim   string `json:"claim,omitempty"`
	Verdict string `json:"verdict,omitempty"`
}

// SeedEffect is one seed's paired difference.
type SeedEffect struct {
	Seed     uint64  `json:"seed"`
	Estimate float64 `json:"estimate"`
	Lo       float64 `json:"ci_lo"`
	Hi       float64 `json:"ci_hi"`
	Method   string  `json:"method"`
}

// Claims and verdicts (docs/statistics.md, section 5).
const (
	ClaimImprovement = "improvement"
	ClaimNoLoss      = "no loss"

	Reproduced   = "reproduced"
	Contradicted = "contradicted"
	Inconclusive = "inconclusive"
)

// ClaimOf is the claim the paper's difference delta makes in a column: "no loss" for clean
// accuracy and for a column where the paper shows no gain, "improvement" for an occluded
// column where it shows one.
func ClaimOf(column string, delta float64) string {
	if column == "clean" || delta <= 0 {
		return ClaimNoLoss
	}
	return ClaimImprovement
}

// VerdictOf judges a claim from the 95% interval [lo, hi] of the measured difference, in
// points. An improvement is reproduced when the interval lies above 0 and contradicted when
// it lies below 0; no loss is reproduced when the interval lies above −margin and
// contradicted when it lies below −margin; anything else is inconclusive.
func VerdictOf(claim string, lo, hi, margin float64) string {
	floor := 0.0
	if claim == ClaimNoLoss {
		floor = -margin
	}
	switch {
	case lo > floor:
		return Reproduced
	case hi < floor:
		return Contradicted
	}
	return Inconclusive
}

// Mark is a verdict's symbol: ✓ for reproduced and nothing else, ✗ contradicted, ? inconclusive.
func Mark(verdict string) string {
	switch verdict {
	case Reproduced:
		return "✓"
	case Contradicted:
		return "✗"
	case Inconclusive:
		return "?"
	}
	return ""
}

// Judge gives every effect of a row over its Baseline row a claim and a verdict, where the
// paper prints both rows in that column. margin is the no-loss margin in points.
func (r *Report) Judge(margin float64) {
	r.NoLossMargin = margin
	for i := range r.Effects {
		e := &r.Effects[i]
		e.Claim, e.Verdict = "", ""
		row := r.row(e.Row)
		if row == nil || row.Baseline != e.Against || e.Paper == nil {
			continue
		}
		e.Claim = ClaimOf(e.Column, *e.Paper)
		e.Verdict = VerdictOf(e.Claim, e.Lo, e.Hi, margin)
	}
}

// Statement is the claim in words.
func (e Effect) Statement(margin float64) string {
	switch e.Claim {
	case ClaimImprovement:
		return fmt.Sprintf("%s raises %s over %s", e.Row, e.Column, e.Against)
	case ClaimNoLoss:
		return fmt.Sprintf("%s does not lower %s below %s by more than %.2f", e.Row, e.Column, e.Against, margin)
	}
	return fmt.Sprintf("%s − %s, %s", e.Row, e.Against, e.Column)
}

// Tally counts the report's verdicts.
func (r *Report) Tally() (reproduced, contradicted, inconclusive int) {
	for _, e := range r.Effects {
		switch e.Verdict {
		case Reproduced:
			reproduced++
		case Contradicted:
			contradicted++
		case Inconclusive:
			inconclusive++
		}
	}
	return
}
