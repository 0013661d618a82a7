package patterns

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occbench/occbench/internal/golden"
	"github.com/occbench/occbench/internal/matv5/matv5test"
	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/occluders/sdbetest"
)

// sdbeManifest writes an SDBE-layout .mat file and a manifest that uses it (ratios and
// positions as given, 224 x 224 images) into a fresh folder, and loads the manifest.
func sdbeManifest(t *testing.T, f sdbetest.File, matName, occl string, use ...string) *manifests.Manifest {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, matName), f.Encode(matv5test.Options{MATLAB: true}), 0o644); err != nil {
		t.Fatal(err)
	}
	useLine := ""
	if len(use) > 0 {
		useLine = ", use: [" + strings.Join(use, ", ") + "]"
	}
	y := fmt.Sprintf(`name: sdbe
seed: 7
source: {layout: builtin, builtin: {classes: 4, per_class: 2, size: 32}}
preprocess: {mode: resize, size: 224}
sets: [{name: tst, role: test}]
occluders: {mat: %s%s}
occlusion:
%s
`, matName, useLine, occl)
	p := filepath.Join(dir, "m.yaml")
	os.WriteFile(p, []byte(y), 0o644)
	m, err := manifests.LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSDBEPatterns expands both SDBE layouts (two patches per class): every patch becomes
// occluders, every pattern fits and achieves its ratio within 0.5 points, and the preset
// positions are the stored ones (cntpos where the file has it, the computed centre where
// it has not).
func TestSDBEPatterns(t *testing.T) {
	for _, c := range []struct {
		f      sdbetest.File
		name   string
		ratios string
	}{
		{sdbetest.Caltech(2), "occluder_10cls_1percls.mat", "[0.05, 0.15, 0.25, 0.35]"},
		{sdbetest.ILSVRC(2), "occluder_ilsvrc_12cls_1percls.mat", "[0.1, 0.2]"},
	} {
		m := sdbeManifest(t, c.f, c.name, "  ratios: "+c.ratios+"\n  positions: {center: true, preset: true}")
		p, err := FromManifest(m, "")
		if err != nil {
			t.Fatal(err)
		}
		set, _, err := LoadOccluders(m, "")
		if err != nil {
			t.Fatal(err)
		}
		nOcc := 2 * len(c.f.Classes)
		nRatio := len(c.f.Classes[0].Patches[0].Occ)
		if len(set.Occluders) != nOcc || len(p.Patterns) != nOcc*nRatio*6 {
			t.Fatalf("%s: %d occluders and %d patterns, want %d and %d", c.name, len(set.Occluders), len(p.Patterns), nOcc, nOcc*nRatio*6)
		}
		for _, pt := range p.Patterns {
			if pt.X < 0 || pt.Y < 0 || pt.X+pt.W > 224 || pt.Y+pt.H > 224 {
				t.Fatalf("%s: pattern %s outside the image", c.name, pt.Name)
			}
			if math.Abs(pt.Achieved-pt.Ratio) > 0.005 {
				t.Errorf("%s: pattern %s achieves %.4f", c.name, pt.Name, pt.Achieved)
			}
		}
		// Patterns come per occluder, per ratio: center, preset_center, preset_random 1..4.
		for i, o := range set.Occluders {
			ci, pj := i/2, i%2
			if want := fmt.Sprintf("%s-%d", c.f.Classes[ci].ID, pj+1); o.Name != want {
				t.Fatalf("occluder %d is %s, want %s", i, o.Name, want)
			}
			bb := o.BBox()
			for k, q := range c.f.Classes[ci].Patches[pj].Occ {
				base := (i*nRatio + k) * 6
				center, pc := p.Patterns[base], p.Patterns[base+1]
				if center.Position != "center" || pc.Position != "preset_center" || pc.Ratio != q.OR/100 {
					t.Fatalf("pattern %d: %s %s", base, center.Name, pc.Name)
				}
				if q.Cnt == nil {
					if pc.X != center.X || pc.Y != center.Y {
						t.Errorf("%s: no cntpos, yet the preset centre (%d,%d) is not the centre (%d,%d)", pc.Name, pc.X, pc.Y, center.X, center.Y)
					}
				} else {
					checkPreset(t, pc, q.Cnt[1], q.Cnt[0], q.Scale, bb)
				}
				for r, hw := range q.Rnd {
					pr := p.Patterns[base+2+r]
					if pr.Position != "preset_random" || pr.Index != r {
						t.Fatalf("pattern %s, want preset_random %d", pr.Name, r+1)
					}
					checkPreset(t, pr, float64(hw[1]), float64(hw[0]), q.Scale, bb)
				}
			}
		}
	}
}

// checkPreset: the occluder's mask box starts where SDBE puts the whole patch for the
// stored position (w, h) at the file's scale s (superimpose_occlusion: first row
// max(floor(h/s), 1) of the image enlarged by 1/s), plus the transparent margin at the
// pattern's scale, up to a pixel of rounding, unless the corner was moved to keep the
// occluder inside.
func checkPreset(t *testing.T, pt Pattern, w, h, s float64, bb image.Rectangle) {
	t.Helper()
	wantX := (math.Max(math.Floor(w/s), 1)-1)*s + float64(bb.Min.X)*pt.Scale
	wantY := (math.Max(math.Floor(h/s), 1)-1)*s + float64(bb.Min.Y)*pt.Scale
	inX := pt.X == 0 || pt.X+pt.W == 224
	inY := pt.Y == 0 || pt.Y+pt.H == 224
	if (math.Abs(float64(pt.X)-wantX) > 1 && !inX) || (math.Abs(float64(pt.Y)-wantY) > 1 && !inY) {
		t.Errorf("%s at (%d,%d), want about (%.1f,%.1f)", pt.Name, pt.X, pt.Y, wantX, wantY)
	}
}

func TestSDBERatiosOffered(t *testing.T) {
	m := sdbeManifest(t, sdbetest.Caltech(1), "occluder_10cls_1percls.mat", "  ratios: [0.15, 0.2]\n  positions: {center: true}")
	_, err := FromManifest(m, "")
	want := "occlusion.ratios[1]: ratio 0.2 is not in occluder set occluder_10cls_1percls: occluder bk1-1 offers 0.05, 0.15, 0.25, 0.35 (OR 5, 15, 25, 35 in the file)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("%v, want %q", err, want)
	}
	// A subset of what the file offers is fine, in the manifest's order.
	m = sdbeManifest(t, sdbetest.ILSVRC(1), "il.mat", "  ratios: [0.2]\n  positions: {preset: true}")
	p, err := FromManifest(m, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Patterns) != 12*5 {
		t.Fatalf("%d patterns, want 12 occluders x 5 preset positions", len(p.Patterns))
	}
}

func TestSDBEUse(t *testing.T) {
	occl := "  ratios: [0.25]\n  positions: {center: true}"
	m := sdbeManifest(t, sdbetest.Caltech(3), "c.mat", occl, "bk2", "bk7-3")
	set, _, err := LoadOccluders(m, "")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range set.Occluders {
		names = append(names, o.Name)
	}
	if got := strings.Join(names, " "); got != "bk2-1 bk2-2 bk2-3 bk7-3" {
		t.Fatalf("use [bk2, bk7-3] picked %s", got)
	}
	// bk1 does not pick bk10-1; picking one occluder twice is an error.
	m = sdbeManifest(t, sdbetest.Caltech(1), "c.mat", occl, "bk1", "bk10", "bk1-1")
	_, _, err = LoadOccluders(m, "")
	if err == nil || !strings.Contains(err.Error(), `occluders.use[2]: "bk1-1" picks occluder bk1-1 again (occluders.use[0] "bk1" picked it already)`) {
		t.Fatalf("duplicate use: %v", err)
	}
}

// TestSDBEGoldenAndSheet pins the pattern table of the Caltech layout with presets and
// renders the contact sheet of both layouts (written to $SDBE_SHEETS when set, to look at).
func TestSDBEGoldenAndSheet(t *testing.T) {
	cal := sdbeManifest(t, sdbetest.Caltech(2), "occluder_10cls_1percls.mat", "  ratios: [0.05, 0.35]\n  positions: {center: true, preset: true}", "bk1", "bk2")
	p, err := FromManifest(cal, "")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := p.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "sdbe-caltech-patterns.golden", buf.Bytes())
	il := sdbeManifest(t, sdbetest.ILSVRC(1), "occluder_ilsvrc_12cls_1percls.mat", "  ratios: [0.1, 0.2]\n  positions: {preset: true}")
	q, err := FromManifest(il, "")
	if err != nil {
		t.Fatal(err)
	}
	for name, pk := range map[string]*Pack{"caltech": p, "ilsvrc": q} {
		s := pk.Sheet(nil)
		perRow := 0
		for _, pt := range pk.Patterns {
			if pt.Occluder == pk.Patterns[0].Occluder {
				perRow++
			}
		}
		if rows := (len(pk.Patterns) + perRow - 1) / perRow; s.Bounds().Dy() < rows*160 {
			t.Fatalf("%s: sheet %v too small for %d rows", name, s.Bounds(), rows)
		}
		if dir := os.Getenv("SDBE_SHEETS"); dir != "" {
			var b bytes.Buffer
			png.Encode(&b, s)
			os.WriteFile(filepath.Join(dir, name+".png"), b.Bytes(), 0o644)
		}
	}
}
