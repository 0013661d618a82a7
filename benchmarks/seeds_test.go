package benchmarks

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/runners"
)

func TestReplicateSeeds(t *testing.T) {
	s5 := ReplicateSeeds(7, 5)
	if len(s5) != 5 || s5[0] != 7 {
		t.Fatalf("seeds %v: want 5, the first the base seed 7", s5)
	}
	seen := map[uint64]bool{}
	for _, s := range s5 {
		if seen[s] || s > seedMask {
			t.Fatalf("seeds %v: repeated or above 2^53", s5)
		}
		seen[s] = true
	}
	// A replicate's seed does not depend on how many are asked for (the cache reuses them),
	// and depends on the base seed.
	if s3 := ReplicateSeeds(7, 3); fmt.Sprint(s3) != fmt.Sprint(s5[:3]) {
		t.Errorf("3 seeds %v are not the first 3 of 5 %v", s3, s5)
	}
	if o := ReplicateSeeds(8, 2); o[1] == s5[1] {
		t.Errorf("replicate 1 of base 8 equals that of base 7: %v", o)
	}
}

func TestDefaultSeeds(t *testing.T) {
	for _, c := range []struct {
		id, profile string
		want        int
	}{
		{"demo", ProfileDemo, 3}, {"table2", ProfileMini, 3}, {"table2", ProfilePaper, 3},
		{"table5", ProfileDemo, 3}, {"table6", ProfilePaper, 1}, {"table6", ProfileMini, 3},
		{"fig6", ProfileDemo, 1}, {"fig2", ProfilePaper, 1},
	} {
		b, _ := Get(c.id)
		if got := b.DefaultSeeds(c.profile); got != c.want {
			t.Errorf("%s %s: %d seeds, want %d", c.id, c.profile, got, c.want)
		}
	}
}

// seedRecorder is a fake runner that records every spec it trains, safe for reuse across runs.
type seedRecorder struct {
	mu    sync.Mutex
	specs []*runners.RunSpec
	fake  func(context.Context, *runners.RunSpec, string) (*runners.Result, error)
}

func (r *seedRecorder) train(ctx context.Context, spec *runners.RunSpec, dir string) (*runners.Result, error) {
	r.mu.Lock()
	r.specs = append(r.specs, spec)
	r.mu.Unlock()
	return r.fake(ctx, spec, dir)
}

// With N seeds every row is trained N times with the replicate seeds, on the same shards,
// patterns and initial weights (one shared pretraining); the pipeline hands the results on
// seed-major; more seeds later reuse the cached ones.
func TestRunSeeds(t *testing.T) {
	b, _ := Get("demo")
	m, _ := manifests.Resolve("demo")
	out := t.TempDir()
	rec := &seedRecorder{}
	rec.fake = fakeTrain(t, new(atomic.Int32))
	o := Options{Out: out, Seeds: 3, Train: rec.train}
	p, err := newPipeline(b, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range p.stages() {
		if err := st.run(context.Background()); err != nil {
			t.Fatalf("stage %s: %v", st.name, err)
		}
	}
	want := ReplicateSeeds(m.Seed, 3)
	if fmt.Sprint(p.seeds) != fmt.Sprint(want) {
		t.Fatalf("seeds %v, want %v", p.seeds, want)
	}
	// demo: 4 rows of the paper's Table 2 + the Full row's 2 control rows (docs/premise.md)
	if len(rec.specs) != 1+3*6 || rec.specs[0].Name != "pretrain" || rec.specs[0].Seed != m.Seed {
		t.Fatalf("%d runs (want one pretraining with the base seed, then 3 x 6 rows); first %s seed %d", len(rec.specs), rec.specs[0].Name, rec.specs[0].Seed)
	}
	// Every replicate of a row is the same spec but for its seed.
	bySeedless := map[string]map[uint64]bool{}
	for _, s := range rec.specs[1:] {
		c := *s
		c.Seed = 0
		h := c.Name + " " + c.Hash()
		if bySeedless[h] == nil {
			bySeedless[h] = map[uint64]bool{}
		}
		bySeedless[h][s.Seed] = true
	}
	if len(bySeedless) != 6 {
		t.Fatalf("%d distinct specs apart from the seed, want the 6 rows", len(bySeedless))
	}
	for h, seeds := range bySeedless {
		for _, s := range want {
			if !seeds[s] {
				t.Errorf("%s: not trained with seed %d (%v)", strings.Fields(h)[0], s, seeds)
			}
		}
	}
	// Seed-major results: results[s][i] is job i with seed s.
	for s := range want {
		for i, j := range p.jobs {
			r := p.results[s][i]
			if r.Spec.Seed != want[s] || r.Spec.Name != j.name {
				t.Errorf("results[%d][%d] is %s seed %d, want %s seed %d", s, i, r.Spec.Name, r.Spec.Seed, j.name, want[s])
			}
		}
	}
	if notes := strings.Join(p.outcome.Report.Notes, "\n"); !strings.Contains(notes, "3 seeds") || !strings.Contains(notes, fmt.Sprint(want[2])) {
		t.Errorf("the report does not say which seeds it ran:\n%s", notes)
	}

	// Five seeds reuse the three cached replicates and the pretraining: 2 x 6 new runs.
	before := len(rec.specs)
	o.Seeds = 5
	if _, err := Run(context.Background(), b, o); err != nil {
		t.Fatal(err)
	}
	if got := len(rec.specs) - before; got != 12 {
		t.Errorf("--seeds 5 after --seeds 3 trained %d models, want 12", got)
	}
	// --seed moves the base: a new pretraining and new replicates, the first with that seed.
	before = len(rec.specs)
	o.Seeds, o.Seed = 2, 99
	if _, err := Run(context.Background(), b, o); err != nil {
		t.Fatal(err)
	}
	if got := rec.specs[before:]; len(got) != 13 || got[0].Seed != 99 || got[1].Seed != 99 || got[7].Seed != ReplicateSeeds(99, 2)[1] {
		t.Errorf("--seed 99 --seeds 2: %d runs", len(got))
	}
	o.Seeds = -1
	if _, err := Run(context.Background(), b, o); err == nil || !strings.Contains(err.Error(), "seeds") {
		t.Errorf("negative seeds: %v", err)
	}
}

// The sweep runs the base seed only and says so.
func TestSweepRunsOneSeed(t *testing.T) {
	b, _ := Get("fig6")
	rec := &seedRecorder{fake: fakeTrain(t, new(atomic.Int32))}
	res, err := Run(context.Background(), b, Options{Out: t.TempDir(), Profile: ProfileDemo, Seeds: 3, Train: rec.train})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.specs) != 1+8 {
		t.Errorf("%d runs, want the pretraining and 8 sweep points of one seed", len(rec.specs))
	}
	if notes := strings.Join(res.Report.Notes, "\n"); !strings.Contains(notes, "runs one seed") {
		t.Errorf("the report does not say the sweep ran one seed:\n%s", notes)
	}
}
