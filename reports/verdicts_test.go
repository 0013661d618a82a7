package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/occbench/occbench/internal/golden"
	"github.com/occbench/occbench/reports/stats"
)

func TestVerdictRules(t *testing.T) {
	for _, c := range []struct {
		claim  string
		lo, hi float64
		want   string
	}{
		{ClaimImprovement, 0.1, 5, Reproduced},
		{ClaimImprovement, -0.1, 5, Inconclusive},
		{ClaimImprovement, -5, -0.1, Contradicted},
		{ClaimNoLoss, -1.0, 0.5, Reproduced},   // within the margin
		{ClaimNoLoss, 0.2, 3, Reproduced},      // a clean gain is no loss
		{ClaimNoLoss, -1.5, 0.5, Inconclusive}, // a loss beyond the margin not ruled out
		{ClaimNoLoss, -40, -30, Contradicted},  // the demo's 38-point clean loss
	} {
		if got := VerdictOf(c.claim, c.lo, c.hi, 1.13); got != c.want {
			t.Errorf("%s [%v, %v]: %s, want %s", c.claim, c.lo, c.hi, got, c.want)
		}
	}
	if ClaimOf("clean", 0.33) != ClaimNoLoss || ClaimOf("avg_occ", 22.19) != ClaimImprovement {
		t.Error("claims: clean is a no-loss claim, an occluded gain an improvement claim")
	}
	if Mark(Reproduced) != "✓" || Mark(Inconclusive) == "✓" || Mark(Contradicted) == "✓" {
		t.Error("✓ must mean reproduced and nothing else")
	}
}

// Every DFV cell of a report with hits has a paired effect with an interval and a verdict;
// the paired interval is narrower than the unpaired one on the same data; the effect is the
// difference of the two rows' measured values.
func TestEveryDFVCellHasPairedEffectAndVerdict(t *testing.T) {
	r := synthReport(t, 300, 0.15)
	if len(r.Effects) != len(r.Columns) {
		t.Fatalf("%d effects, want one per column (%d)", len(r.Effects), len(r.Columns))
	}
	for j, e := range r.Effects {
		if e.Method != stats.MethodSeedsImages || e.Verdict == "" || !(e.Lo <= e.Estimate && e.Estimate <= e.Hi) || len(e.PerSeed) != 3 {
			t.Errorf("%s: %+v", e.Column, e)
		}
		want := *r.Rows[1].Cells[j].Measured - *r.Rows[0].Cells[j].Measured
		if d := e.Estimate - want; d > 1e-9 || d < -1e-9 {
			t.Errorf("%s: effect %v, difference of measured values %v", e.Column, e.Estimate, want)
		}
	}
	if e := r.Effects[2]; e.Claim != ClaimImprovement || e.Verdict != Reproduced {
		t.Errorf("a 15-point occluded gain over 300 images x 3 seeds: %s %s [%v, %v]", e.Claim, e.Verdict, e.Lo, e.Hi)
	}
	if e := r.Effects[0]; e.Claim != ClaimNoLoss {
		t.Errorf("clean claim %q", e.Claim)
	}
	// the same report without hits: unpaired, wider
	old := synthReport(t, 300, 0.15)
	for i := range old.Rows {
		for j := range old.Rows[i].Cells {
			for s := range old.Rows[i].Cells[j].Seeds {
				for k := range old.Rows[i].Cells[j].Seeds[s].Parts {
					old.Rows[i].Cells[j].Seeds[s].Parts[k].Hits = ""
				}
			}
		}
	}
	if err := old.Fill(7, 1000); err != nil {
		t.Fatal(err)
	}
	// clean, one seed: one part, so the binomial is the right unpaired model of the same data
	e, u := r.Effects[0].PerSeed[0], old.Effects[0].PerSeed[0]
	if u.Method != stats.MethodBinomialUnpaired || e.Method != stats.MethodImages || !(e.Hi-e.Lo < u.Hi-u.Lo) {
		t.Fatalf("clean effect, seed 1: paired [%v, %v] (%s), unpaired [%v, %v] (%s)", e.Lo, e.Hi, e.Method, u.Lo, u.Hi, u.Method)
	}
}

func TestGoldenSyntheticReport(t *testing.T) {
	r := synthReport(t, 300, 0.15)
	var md, csv, html, js bytes.Buffer
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	png, svg, err := LinePlots([]Panel{{Title: "occluded", XLabel: "beta", YLabel: "accuracy (%)",
		Series: []Series{{Label: "alpha = 0.9", X: []float64{0, 1, 2}, Y: []float64{40, 60, 55}, YLo: []float64{37, 57, 51}, YHi: []float64{43, 63, 58}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.WriteHTML(&html, []Figure{{Title: "sweep", PNG: png, SVG: svg}}); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "synthetic.md.golden", md.Bytes())
	golden.Check(t, "synthetic.csv.golden", csv.Bytes())
	golden.Check(t, "synthetic.html.golden", html.Bytes())
	golden.Check(t, "synthetic.json.golden", js.Bytes())
	golden.Check(t, "errorbars.svg.golden", svg)
	s := md.String()
	for _, want := range []string{"Per seed", "seed 1", "seed 3", "Paired effects and verdicts", "seeds×images", "|:---|", "---:|"} {
		if !strings.Contains(s, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	// the JSON reads back, and refilling it gives the same numbers
	back, err := DecodeJSON(bytes.NewReader(js.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := back.Fill(7, 1000); err != nil {
		t.Fatal(err)
	}
	back.Judge(1.13)
	var js2 bytes.Buffer
	back.WriteJSON(&js2)
	if !bytes.Equal(js.Bytes(), js2.Bytes()) {
		t.Error("a report read back and refilled differs")
	}
}

// A report without paper values or intervals (fig2's t-SNE figures) shows no Paper columns
// and does not announce intervals it does not have.
func TestNoEmptyPaperTableOrCIHeading(t *testing.T) {
	v := 41.5
	r := &Report{Version: SchemaVersion, Benchmark: "fig2", Title: "t-SNE", Profile: "demo", Columns: []string{"dv_cosine_same_pattern"},
		Rows: []Row{{Model: "ResNet18", Role: "reproduce", Cells: []Cell{{Measured: &v}}}}}
	var md, html bytes.Buffer
	r.WriteMarkdown(&md)
	r.WriteHTML(&html, nil)
	for _, s := range []string{md.String(), html.String()} {
		if strings.Contains(s, " paper |") || strings.Contains(s, " paper</th>") || strings.Contains(s, "Paper") || strings.Contains(s, "CI") {
			t.Errorf("a report without paper values or intervals mentions them:\n%s", s)
		}
	}
	golden.Check(t, "fig2.md.golden", md.Bytes())
}
