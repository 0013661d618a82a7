package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/occbench/occbench"

// group is one layer of the module: the packages it holds (a path, or a path with /... for
// it and everything under it) and the groups whose packages it may import. A package may also
// import any package of its own group, except where a rule below says otherwise.
type group struct {
	name     string
	packages []string
	imports  []string // group names, or "group:path" for one package of another group
}

// groups lists the layers from the bottom up. docs/architecture.md shows this table
// (TestDocShowsTheRules keeps the two the same).
var groups = []group{
	{"internal", []string{"internal/..."}, nil},
	{"manifests", []string{"manifests/..."}, []string{"internal"}},
	{"occluders", []string{"occluders/..."}, []string{"manifests", "internal"}},
	{"synth", []string{"synth/..."}, []string{"occluders", "manifests", "internal"}},
	{"runners", []string{"runners/..."}, []string{"synth:synth/shards", "occluders", "internal"}},
	{"reports", []string{"reports/..."}, []string{"runners", "synth", "occluders", "manifests", "internal"}},
	{"benchmarks", []string{"benchmarks/..."}, []string{"reports", "runners", "synth", "occluders", "manifests", "internal"}},
	{"cmd", []string{"cmd/...", "scripts/..."}, []string{"benchmarks", "reports", "runners", "synth", "occluders", "manifests", "internal"}},
}

// forbidden are edges inside a group that the layering alone would allow.
var forbidden = []struct{ from, to, why string }{
	{"runners", "runners/...", "the contract does not know its engines"},
	{"runners/gonn/...", "runners/torchrun/...", "the two runners share only the contract"},
	{"runners/torchrun/...", "runners/gonn/...", "the two runners share only the contract"},
	{"runners/gonn/...", "runners/sharddata", "the engine takes runners.Data; reading shards is the caller's job"},
}

// exceptions are known violations, each with the issue that removes it. The test fails
// when an exception is no longer needed, so the list cannot go stale.
var exceptions = []struct{ from, to, todo string }{}

// excused says whether an exception covers from -> to.
func excused(from, to string) bool {
	for _, x := range exceptions {
		if under(x.from, from) && under(x.to, to) {
			return true
		}
	}
	return false
}

func under(pattern, pkg string) bool {
	if p, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == p || strings.HasPrefix(pkg, p+"/")
	}
	return pkg == pattern
}

func groupOf(pkg string) *group {
	for i := range groups {
		for _, p := range groups[i].packages {
			if under(p, pkg) {
				return &groups[i]
			}
		}
	}
	return nil
}

// check says why the import from -> to (module-relative paths) breaks a rule, or "" if it
// does not.
func check(from, to string) string {
	gf, gt := groupOf(from), groupOf(to)
	if gf == nil {
		return fmt.Sprintf("%s belongs to no group of docs/architecture.md", from)
	}
	if gt == nil {
		return fmt.Sprintf("%s belongs to no group of docs/architecture.md", to)
	}
	for _, f := range forbidden {
		if under(f.from, from) && under(f.to, to) && from != to {
			return fmt.Sprintf("%s may not import %s: %s", from, to, f.why)
		}
	}
	if gf == gt {
		return ""
	}
	for _, imp := range gf.imports {
		name, pkg, one := strings.Cut(imp, ":")
		if name == gt.name && (!one || pkg == to) {
			return ""
		}
	}
	return fmt.Sprintf("%s (group %s) may not import %s (group %s): %s may import %s", from, gf.name, to, gt.name, gf.name, strings.Join(gf.imports, ", "))
}

type listed struct {
	ImportPath string
	Imports    []string
	Error      *struct{ Err string }
}

// goList lists every package of the module with its non-test imports under one build
// configuration.
func goList(t *testing.T, env ...string) []listed {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(goBin, "list", "-e", "-json=ImportPath,Imports,Error", module+"/...")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v\n%s", env, err, stderr.Bytes())
	}
	var pkgs []listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list %v: decoding its output: %v", env, err)
		}
		if p.Error != nil {
			t.Fatalf("go list %v: %s: %s", env, p.ImportPath, p.Error.Err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list %v found %d packages; is the test run from its own folder?", env, len(pkgs))
	}
	return pkgs
}

// configs are the build configurations whose files import different packages.
var configs = [][]string{
	nil,
	{"CGO_ENABLED=1", "GOFLAGS=-tags=openblas,turbojpeg"},
	{"CGO_ENABLED=0", "GOARCH=arm64"},
}

// edges maps every module-internal import edge (module-relative) to the configurations it
// appears under.
func edges(t *testing.T) map[[2]string]bool {
	e := map[[2]string]bool{}
	for _, env := range configs {
		for _, p := range goList(t, env...) {
			from := strings.TrimPrefix(p.ImportPath, module+"/")
			e[[2]string{from, ""}] = true // the package itself, so every package gets a group
			for _, imp := range p.Imports {
				if to, ok := strings.CutPrefix(imp, module+"/"); ok {
					e[[2]string{from, to}] = true
				}
			}
		}
	}
	return e
}

func TestImportsFollowTheLayers(t *testing.T) {
	used := make([]bool, len(exceptions))
	var broken []string
	for e := range edges(t) {
		from, to := e[0], e[1]
		if to == "" {
			if groupOf(from) == nil {
				broken = append(broken, fmt.Sprintf("%s belongs to no group of docs/architecture.md: add it to a group there and in this test", from))
			}
			continue
		}
		why := check(from, to)
		if why == "" {
			continue
		}
		excused := false
		for i, x := range exceptions {
			if under(x.from, from) && under(x.to, to) {
				used[i], excused = true, true
			}
		}
		if !excused {
			broken = append(broken, why)
		}
	}
	for i, x := range exceptions {
		if !used[i] {
			broken = append(broken, fmt.Sprintf("the exception %s -> %s (%s) is no longer needed: remove it here and in docs/architecture.md", x.from, x.to, x.todo))
		}
	}
	slices.Sort(broken)
	for _, b := range broken {
		t.Error(b)
	}
}

// TestEngineReadsOnlyShards is the issue's own check: `go list -deps runners/gonn` holds no
// synth package but the shard reader.
func TestEngineReadsOnlyShards(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(goBin, "list", "-deps", module+"/runners/gonn")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps runners/gonn: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		rel, ok := strings.CutPrefix(dep, module+"/")
		if ok && under("synth/...", rel) && rel != "synth/shards" && !excused("runners/gonn", rel) {
			t.Errorf("runners/gonn depends on %s: the engine reads data only through the shard reader", rel)
		}
	}
}

// TestRulesCatchForbiddenEdges checks the checker on edges it must refuse and accept.
func TestRulesCatchForbiddenEdges(t *testing.T) {
	for _, c := range []struct {
		from, to string
		ok       bool
	}{
		{"manifests", "occluders", false},
		{"occluders/patterns", "synth/shards", false},
		{"synth", "runners", false},
		{"runners/gonn", "synth/splits", false},
		{"runners/gonn", "manifests", false},
		{"runners/sharddata", "synth/shards", true},
		{"runners", "runners/gonn", false},
		{"runners/gonn", "runners", true},
		{"runners/torchrun", "runners/gonn", false},
		{"reports", "benchmarks", false},
		{"benchmarks", "reports", true},
		{"benchmarks", "cmd/bench", false},
		{"cmd/bench", "benchmarks", true},
		{"synth/splits", "synth/sources", true},
		{"internal/keyed", "manifests", false},
		{"newfolder/x", "internal/keyed", false},
	} {
		if got := check(c.from, c.to) == ""; got != c.ok {
			t.Errorf("%s -> %s: allowed %v, want %v (%s)", c.from, c.to, got, c.ok, check(c.from, c.to))
		}
	}
}

// rulesTable renders the groups as the Markdown table docs/architecture.md shows.
func rulesTable() string {
	var b strings.Builder
	b.WriteString("| group | packages | may import (besides its own group) |\n|---|---|---|\n")
	for _, g := range groups {
		imps := "nothing of the module"
		if len(g.imports) > 0 {
			var parts []string
			for _, imp := range g.imports {
				if name, pkg, one := strings.Cut(imp, ":"); one {
					parts = append(parts, name+" (only `"+pkg+"`)")
				} else {
					parts = append(parts, imp)
				}
			}
			imps = strings.Join(parts, ", ")
		}
		b.WriteString(fmt.Sprintf("| %s | `%s` | %s |\n", g.name, strings.Join(g.packages, "`, `"), imps))
	}
	b.WriteString("\n")
	for _, f := range forbidden {
		b.WriteString(fmt.Sprintf("* `%s` may not import `%s`: %s.\n", f.from, f.to, f.why))
	}
	for _, x := range exceptions {
		b.WriteString(fmt.Sprintf("* Known exception: `%s` imports `%s` (%s).\n", x.from, x.to, x.todo))
	}
	return b.String()
}

func TestDocShowsTheRules(t *testing.T) {
	doc, err := os.ReadFile("../../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := rulesTable(); !strings.Contains(string(doc), want) {
		t.Errorf("docs/architecture.md does not show the rules this test checks; paste this in place of its table:\n\n%s", want)
	}
}

// TestPackageDocsInDocGo checks that every package keeps its documentation in doc.go, and
// only there, so a reader finds it by name.
func TestPackageDocsInDocGo(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(goBin, "list", "-e", "-f", "{{.ImportPath}} {{.Dir}} {{join .GoFiles \" \"}}", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	fset := token.NewFileSet()
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, dir, files := fields[0], fields[1], fields[2:]
		hasDoc := false
		for _, name := range files {
			f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case name == "doc.go" && f.Doc != nil:
				hasDoc = true
			case name == "doc.go":
				t.Errorf("%s: doc.go has no package comment", pkg)
			case f.Doc != nil:
				t.Errorf("%s: %s holds a package comment; it belongs in doc.go", pkg, name)
			}
		}
		if !hasDoc {
			t.Errorf("%s has no doc.go with its package comment", pkg)
		}
	}
}
