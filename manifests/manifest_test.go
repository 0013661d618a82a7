package manifests

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEmbeddedManifestsValidate(t *testing.T) {
	want := []string{"ar", "caltech101", "cub200", "demo", "demo-ar", "demo-objects", "fashion-mnist", "fashion-mnist-objects", "ilsvrc2012", "oxford102"}
	if got := strings.Join(Names(), ","); got != strings.Join(want, ",") {
		t.Fatalf("embedded manifests = %s, want %s", got, strings.Join(want, ","))
	}
	for _, n := range want {
		m, err := Resolve(n)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if m.Name != n {
			t.Errorf("%s: name field is %q", n, m.Name)
		}
	}
}

func TestProtocolConstants(t *testing.T) {
	c, err := Resolve("caltech101")
	if err != nil {
		t.Fatal(err)
	}
	if s := c.SetByName("trn_x"); s.Classes.Range == nil || s.Classes.Range.From != "accordion" || s.Classes.Range.To != "sunflower" || s.Images.Random != 30 {
		t.Errorf("caltech101 trn_x = %+v", s)
	}
	if c.Hyper.Alpha != 0.9 || c.Hyper.Beta != 1 || c.Preprocess.Size != 224 {
		t.Errorf("caltech101 hyper = %+v", c.Hyper)
	}
	il, err := Resolve("ilsvrc2012")
	if err != nil {
		t.Fatal(err)
	}
	if il.Hyper.TrainMinChannels != 512 || il.Preprocess.Shorter != 256 || il.SetByName("eval").Classes.Random != 900 {
		t.Errorf("ilsvrc2012 constants wrong: %+v", il.Hyper)
	}
}

// loadErr loads text as a manifest and returns its error, which must be a one-line *Error.
func loadErr(t *testing.T, text string) string {
	t.Helper()
	_, err := Load("bad.yaml", []byte(text))
	if err == nil {
		t.Fatalf("no error for:\n%s", text)
	}
	var me *Error
	if !errors.As(err, &me) {
		t.Fatalf("error %v is %T, not *Error", err, err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("error spans lines: %q", err)
	}
	return err.Error()
}

const base = `name: t
seed: 1
source: {layout: builtin}
preprocess: {mode: resize, size: 64}
sets:
  - name: trn
    images: {random: 3}
occluders: {builtin: procedural}
occlusion:
  ratios: [0.2, 0.1]
  positions: {center: true, random: 3}
hyper: {alpha: 0.9, beta: 1}
`

func TestBaseIsValid(t *testing.T) {
	if _, err := Load("base.yaml", []byte(base)); err != nil {
		t.Fatal(err)
	}
}

func TestBadManifests(t *testing.T) {
	cases := []struct{ name, old, new, want string }{
		{"unknown key", "seed: 1\n", "seed: 1\ncolour: red\n", `bad.yaml:3: field colour not found`},
		{"unknown nested key", "{random: 3}", "{random: 3, randum: 4}", `bad.yaml:7: sets[0].images: field randum not found in ImageRule`},
		{"malformed", "sets:\n", "sets: [\n", `bad.yaml:`},
		{"ratio above 1", "[0.2, 0.1]", "[0.2, 1.5]", `bad.yaml:10: occlusion.ratios[1]: 1.5 is outside (0, 1)`},
		{"ratio zero", "[0.2, 0.1]", "[0, 0.1]", `occlusion.ratios[0]: 0 is outside (0, 1)`},
		{"position outside", "center: true, random: 3}", "explicit: [{x: 10, y: 70}]}", `bad.yaml:11: occlusion.positions.explicit[0]: position (10, 70) is outside the 64x64 image`},
		{"bad layout", "layout: builtin", "layout: caltech", `bad.yaml:3: source.layout: "caltech" is not one of`},
		{"undefined set", "{random: 3}", "{among: [tst], random: 3}", `sets[0].images.among[0]: set "tst" is not defined before this set`},
		{"two picks", "{random: 3}", "{random: 3, up_to: 4}", `sets[0].images: use at most one of`},
		// Type errors name the field (#11), nested ones too.
		{"wrong type", "seed: 1", "seed: many", `bad.yaml:2: seed: want a whole number, got "many"`},
		{"wrong type nested", "beta: 1}", "beta: 1, lr: fast}", `bad.yaml:12: hyper.lr: want a number, got "fast"`},
		{"wrong type in a list", "[0.2, 0.1]", "[0.2, ten]", `bad.yaml:10: occlusion.ratios[1]: want a number, got "ten"`},
		{"wrong type in a list of maps", "{random: 3}", "{random: 3}\n  - name: tst\n    images: {up_to: lots}", `bad.yaml:9: sets[1].images.up_to: want a whole number, got "lots"`},
		{"list for a number", "seed: 1", "seed: [1]", `bad.yaml:2: seed: want a whole number, got a list`},
		// Out-of-range values of the built-in layouts fail validation (#11), not a later
		// run with advice to set --root.
		{"builtin classes", "layout: builtin}", "layout: builtin, builtin: {classes: 11, per_class: 2, size: 32}}", `bad.yaml:3: source.builtin.classes: 11 must be in 2..10`},
		{"builtin size", "layout: builtin}", "layout: builtin, builtin: {classes: 3, per_class: 2, size: 100000}}", `source.builtin.size: 100000 must be in 16..1024`},
		{"builtin per_class", "layout: builtin}", "layout: builtin, builtin: {classes: 3, per_class: 1000000, size: 32}}", `source.builtin.per_class: 1000000 must be in 1..100000`},
		{"builtin-ar size", "layout: builtin}", "layout: builtin-ar, builtin: {subjects: 3, size: 8}}", `source.builtin.size: 8 must be in 16..1024`},
		// Bounded lists (#11): explicit positions, ratios, use; duplicates in use.
		{"explicit cap", "center: true, random: 3}", "explicit: [" + strings.Repeat("{x: 1, y: 1}, ", 1000) + "{x: 2, y: 2}]}", `occlusion.positions.explicit: 1001 positions, at most 1000`},
		{"ratio cap", "[0.2, 0.1]", "[" + strings.Repeat("0.5, ", 100) + "0.1]", `occlusion.ratios: 101 ratios, at most 100`},
		{"use twice", "{builtin: procedural}", "{builtin: procedural, use: [checker-disk, striped-star, checker-disk]}", `bad.yaml:8: occluders.use[2]: "checker-disk" is listed twice (also occluders.use[0])`},
		{"alpha", "alpha: 0.9", "alpha: 1.9", `bad.yaml:12: hyper.alpha: 1.9 must be in [0, 1]`},
		{"no occluders", "occluders: {builtin: procedural}", "occluders: {}", `occluders: name exactly one of`},
		{"two docs", "hyper: {alpha: 0.9, beta: 1}\n", "hyper: {alpha: 0.9, beta: 1}\n---\nname: x\n", `more than one YAML document`},
		{"dash in a set name", "  - name: trn\n", "  - name: trn-a\n", `bad.yaml:6: sets[0].name: "trn-a" is not a valid set name`},
		{"dash in a scenario", "hyper:", "scenarios: [{name: sun-all, set: trn, where: {split: train}}]\nhyper:", `scenarios[0].name: "sun-all" is not a valid scenario name`},
		{"scenario named like a set", "hyper:", "scenarios: [{name: trn, set: trn, where: {split: train}}]\nhyper:", `scenarios[0].name: "trn" is already a set's name`},
		{"builtin-ar with classes", "layout: builtin}", "layout: builtin-ar, builtin: {classes: 3, per_class: 2, size: 32}}", `source.builtin: classes and per_class are for builtin`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(base, c.old) {
				t.Fatalf("test bug: %q not in base", c.old)
			}
			got := loadErr(t, strings.Replace(base, c.old, c.new, 1))
			if !strings.Contains(got, c.want) {
				t.Errorf("error %q does not contain %q", got, c.want)
			}
		})
	}
}

func TestEmptyAndMissingFile(t *testing.T) {
	if got := loadErr(t, ""); !strings.Contains(got, "empty manifest") {
		t.Errorf("empty: %q", got)
	}
	_, err := LoadFile(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !strings.Contains(err.Error(), "nope.yaml: file does not exist") {
		t.Errorf("missing file: %v", err)
	}
	// A device is refused before a byte is read (it ran out of memory before, #11); so is a
	// manifest over 1 MiB.
	for _, ref := range []string{"/dev/zero", "/dev/null"} {
		if _, err := Resolve(ref); err == nil || !strings.Contains(err.Error(), ref+": not a regular file (a device)") {
			t.Errorf("%s: %v", ref, err)
		}
	}
	big := filepath.Join(t.TempDir(), "big.yaml")
	os.WriteFile(big, []byte(base+strings.Repeat("# padding\n", 120000)), 0o644)
	if _, err := LoadFile(big); err == nil || !strings.Contains(err.Error(), "more than the 1 MiB a manifest may have") {
		t.Errorf("big manifest: %v", err)
	}
}

func TestRootOverride(t *testing.T) {
	m, err := Resolve("caltech101")
	if err != nil {
		t.Fatal(err)
	}
	if m.DatasetRoot("") != "data/caltech101" {
		t.Errorf("default root %q", m.DatasetRoot(""))
	}
	t.Setenv("OCCBENCH_ROOT_CALTECH101", "/env/root")
	if m.DatasetRoot("") != "/env/root" || m.DatasetRoot("/flag") != "/flag" {
		t.Errorf("override order wrong: env %q flag %q", m.DatasetRoot(""), m.DatasetRoot("/flag"))
	}
}

func TestResolveUserFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "mine.yaml")
	if err := os.WriteFile(p, []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Resolve(p)
	if err != nil || m.File != p {
		t.Fatalf("Resolve(%s) = %v, %v", p, m, err)
	}
	if _, err := Resolve("no-such-manifest"); err == nil || !strings.Contains(err.Error(), "have: ar, caltech101") {
		t.Errorf("unknown name: %v", err)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add([]byte(base))
	for _, n := range Names() {
		data, _ := EmbeddedSource(n)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Load("fuzz.yaml", data)
		if err == nil && m == nil {
			t.Fatal("nil manifest without error")
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error %q", err)
		}
	})
}
