package stats

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/occbench/occbench/internal/keyed"
)

func countOf(h []bool) Part {
	p := Part{Total: int64(len(h)), Hits: h}
	for _, v := range h {
		if v {
			p.Correct++
		}
	}
	return p
}

func meanSD(v []float64) (m, sd float64) {
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	for _, x := range v {
		sd += (x - m) * (x - m)
	}
	return m, math.Sqrt(sd / float64(len(v)-1))
}

// Two rows over the same 2,000 images, both mostly right on the easy images: the paired
// interval of their difference must match the closed form 1.96 sd(d)/sqrt(N), the unpaired
// one 1.96 sqrt(p1 q1/N + p2 q2/N), and the paired one must be the narrower.
func TestPairedNarrowerThanUnpaired(t *testing.T) {
	const N = 2000
	rng := keyed.Rand(1, "paired")
	a, b := make([]bool, N), make([]bool, N)
	for i := range a {
		u := rng.Float64() // the image's difficulty, shared by both rows
		b[i] = u > 0.45
		a[i] = u > 0.35
		if rng.Float64() < 0.05 { // a few images the two rows disagree on by chance
			a[i] = !a[i]
		}
	}
	pa, pb := countOf(a), countOf(b)
	sa, _ := Scores([]Part{pa})
	sb, _ := Scores([]Part{pb})
	d, err := Diff([][]float64{sa}, [][]float64{sb})
	if err != nil {
		t.Fatal(err)
	}
	paired, err := Bootstrap(d, 4000, 3, "t")
	if err != nil {
		t.Fatal(err)
	}
	unpaired, err := BinomialDiff([][]Part{{pa}}, [][]Part{{pb}}, 4000, 3, "t")
	if err != nil {
		t.Fatal(err)
	}
	_, sd := meanSD(d[0])
	p1, p2 := float64(pa.Correct)/N, float64(pb.Correct)/N
	wantPaired := 1.96 * sd / math.Sqrt(N)
	wantUnpaired := 1.96 * math.Sqrt(p1*(1-p1)/N+p2*(1-p2)/N)
	gotPaired, gotUnpaired := (paired.Hi-paired.Lo)/2, (unpaired.Hi-unpaired.Lo)/2
	if math.Abs(gotPaired/wantPaired-1) > 0.1 || math.Abs(gotUnpaired/wantUnpaired-1) > 0.1 {
		t.Fatalf("half-widths paired %.4f (closed form %.4f), unpaired %.4f (closed form %.4f)", gotPaired, wantPaired, gotUnpaired, wantUnpaired)
	}
	if !(gotPaired < gotUnpaired/1.5) {
		t.Fatalf("paired half-width %.4f is not clearly narrower than unpaired %.4f", gotPaired, gotUnpaired)
	}
	if math.Abs(paired.Estimate-(p1-p2)) > 1e-12 || paired.Method != MethodImages || unpaired.Method != MethodBinomialUnpaired {
		t.Fatalf("estimate %v, want %v; methods %q %q", paired.Estimate, p1-p2, paired.Method, unpaired.Method)
	}
}

// The average over patterns resamples images with all their patterns: 24 identical patterns
// give exactly the interval of one pattern, where treating the patterns as independent
// binomials (the fallback) is sqrt(24) narrower.
func TestAverageResamplesImagesNotPatterns(t *testing.T) {
	const N = 500
	rng := keyed.Rand(2, "avg")
	h := make([]bool, N)
	for i := range h {
		h[i] = rng.Float64() < 0.6
	}
	one := []Part{countOf(h)}
	var many []Part
	for k := 0; k < 24; k++ {
		many = append(many, countOf(h))
	}
	s1, ok1 := Scores(one)
	s24, ok24 := Scores(many)
	if !ok1 || !ok24 {
		t.Fatal("scores refused")
	}
	i1, _ := Bootstrap([][]float64{s1}, 2000, 5, "c")
	i24, _ := Bootstrap([][]float64{s24}, 2000, 5, "c")
	if i1 != i24 {
		t.Fatalf("24 identical patterns: %+v, one pattern: %+v", i24, i1)
	}
	p := float64(one[0].Correct) / N
	want := 1.96 * math.Sqrt(p*(1-p)/N)
	if got := (i1.Hi - i1.Lo) / 2; math.Abs(got/want-1) > 0.1 {
		t.Fatalf("half-width %.4f, closed form %.4f", got, want)
	}
	b1, _ := Binomial([][]Part{one}, 2000, 5, "c")
	b24, _ := Binomial([][]Part{many}, 2000, 5, "c")
	ratio := (b1.Hi - b1.Lo) / (b24.Hi - b24.Lo)
	if math.Abs(ratio/math.Sqrt(24)-1) > 0.15 {
		t.Fatalf("independent-pattern fallback narrows by %.2f, expected about sqrt(24) = %.2f", ratio, math.Sqrt(24))
	}
}

// Scores is the per-image mean over patterns, and its mean is the mean of the patterns'
// accuracies.
func TestScoresMeanIsMeanOfParts(t *testing.T) {
	parts := []Part{countOf([]bool{true, true, false, false}), countOf([]bool{true, false, false, false})}
	s, ok := Scores(parts)
	if !ok || s[0] != 1 || s[1] != 0.5 || s[2] != 0 {
		t.Fatalf("scores %v", s)
	}
	m, _ := meanSD(s)
	if math.Abs(m-MeanParts(parts)) > 1e-12 {
		t.Fatalf("mean of scores %v, mean of parts %v", m, MeanParts(parts))
	}
	if _, ok := Scores([]Part{{Correct: 1, Total: 2}}); ok {
		t.Fatal("a part without hits gave scores")
	}
	if _, ok := Scores([]Part{countOf([]bool{true}), countOf([]bool{true, false})}); ok {
		t.Fatal("parts over different image counts gave scores")
	}
}

// simulate draws one replicate of a crossed seeds x images experiment: image difficulty
// b_i ~ N(0,1), seed effect a_s ~ N(0, sa), image i right under seed s with probability
// Phi(mu + a_s + b_i). The expected accuracy over seeds and images is
// Phi(mu / sqrt(1 + sa^2 + 1)).
func simulate(rep, S, N int, mu, sa float64) [][]float64 {
	rng := keyed.Rand(uint64(rep), "coverage")
	std := distuv.UnitNormal
	b := make([]float64, N)
	for i := range b {
		b[i] = rng.NormFloat64()
	}
	x := make([][]float64, S)
	for s := range x {
		a := sa * rng.NormFloat64()
		x[s] = make([]float64, N)
		for i := range x[s] {
			// probit: right when the latent mu + a + b_i + e exceeds 0, e ~ N(0,1)
			if mu+a+b[i]+rng.NormFloat64() > 0 {
				x[s][i] = 1
			}
		}
	}
	_ = std
	return x
}

// The two-level bootstrap covers the expected accuracy over seeds and images about 95% of
// the time on simulated seeds; the image bootstrap of the same data, which ignores the
// spread between seeds, covers it far less often.
func TestTwoLevelCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation")
	}
	const S, N, reps, mu, sa = 10, 400, 300, 0.3, 0.3
	truth := distuv.UnitNormal.CDF(mu / math.Sqrt(2+sa*sa))
	hit2, hit1 := 0, 0
	for r := 0; r < reps; r++ {
		x := simulate(r, S, N, mu, sa)
		iv, err := Bootstrap(x, 500, uint64(r), "cov")
		if err != nil {
			t.Fatal(err)
		}
		if iv.Lo <= truth && truth <= iv.Hi {
			hit2++
		}
		// images only: average the seeds first, then resample images
		avg := make([]float64, N)
		for s := range x {
			for i, v := range x[s] {
				avg[i] += v / S
			}
		}
		io, _ := Bootstrap([][]float64{avg}, 500, uint64(r), "cov")
		if io.Lo <= truth && truth <= io.Hi {
			hit1++
		}
	}
	c2, c1 := float64(hit2)/reps, float64(hit1)/reps
	t.Logf("coverage: two-level %.3f, images only %.3f (%d replicates)", c2, c1, reps)
	// 300 replicates: the binomial SE of a 95% coverage is 1.3 points; 3.5 SE either side.
	if math.Abs(c2-0.95) > 0.045 {
		t.Fatalf("two-level coverage %.3f, want about 0.95", c2)
	}
	if c1 > 0.85 {
		t.Fatalf("images-only coverage %.3f: the simulation's seed spread should make it undercover", c1)
	}
}

func TestDeterministicAndKeyed(t *testing.T) {
	x := simulate(1, 3, 100, 0, 0.2)
	a, _ := Bootstrap(x, 300, 9, "k")
	b, _ := Bootstrap(x, 300, 9, "k")
	c, _ := Bootstrap(x, 300, 9, "other")
	if a != b || a == c {
		t.Fatalf("same key %v %v, other key %v", a, b, c)
	}
	if a.Method != MethodSeedsImages {
		t.Fatalf("method %q", a.Method)
	}
}

func TestRefusals(t *testing.T) {
	if _, err := Bootstrap(nil, 10, 1); err == nil {
		t.Error("no seeds accepted")
	}
	if _, err := Bootstrap([][]float64{{1, 0}, {1}}, 10, 1); err == nil {
		t.Error("ragged seeds accepted")
	}
	if _, err := Diff([][]float64{{1}}, [][]float64{{1}, {0}}); err == nil {
		t.Error("different seed counts paired")
	}
	if _, err := Binomial([][]Part{{{Correct: -1, Total: 3}}}, 10, 1); err == nil {
		t.Error("negative count accepted")
	}
	if _, err := Binomial([][]Part{{{Correct: 4, Total: 3}}}, 10, 1); err == nil {
		t.Error("correct > total accepted")
	}
}
