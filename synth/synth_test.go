package synth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/synth/preprocess"
	"github.com/occbench/occbench/synth/shards"
	"github.com/occbench/occbench/synth/sources"
	"github.com/occbench/occbench/synth/splits"
)

// The kill-and-resume test re-executes this test binary as the child process that gets
// killed: with OCCBENCH_SYNTH_CHILD=OUT set, TestMain runs a slow synth into OUT instead
// of the tests.
func TestMain(m *testing.M) {
	if out := os.Getenv("OCCBENCH_SYNTH_CHILD"); out != "" {
		in, err := demoInputs()
		if err == nil {
			in.Source = &slowSource{Source: in.Source, delay: 3 * time.Millisecond}
			_, err = Run(context.Background(), in, childOptions(out))
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func childOptions(out string) Options {
	return Options{Out: out, Workers: 2, Occluded: true, RowsPerShard: 40, Resume: true, Version: "test"}
}

type slowSource struct {
	sources.Source
	delay time.Duration
}

func (s *slowSource) Decode(it sources.Item) (image.Image, error) {
	time.Sleep(s.delay)
	return s.Source.Decode(it)
}

// badSource fails to decode the listed ids.
type badSource struct {
	sources.Source
	bad map[string]bool
}

func (s *badSource) Decode(it sources.Item) (image.Image, error) {
	if s.bad[it.ID] {
		return nil, fmt.Errorf("%s: corrupt JPEG data: test corruption", it.ID)
	}
	return s.Source.Decode(it)
}

func demoInputs() (Inputs, error) {
	m, err := manifests.Resolve("demo")
	if err != nil {
		return Inputs{}, err
	}
	opt := sources.Options{}
	if b := m.Source.Builtin; b != nil {
		opt.Builtin = sources.BuiltinOptions{Classes: b.Classes, PerClass: b.PerClass, Size: b.Size}
	}
	opt.Builtin.Seed = m.Seed
	src, err := sources.Open(m.Source.Layout, "", opt)
	if err != nil {
		return Inputs{}, err
	}
	sp, err := splits.Resolve(m, src.Classes(), src.Items())
	if err != nil {
		return Inputs{}, err
	}
	pack, err := patterns.FromManifest(m, "")
	if err != nil {
		return Inputs{}, err
	}
	return Inputs{Manifest: m, Source: src, Splits: sp, Pack: pack}, nil
}

func mustDemo(t testing.TB) Inputs {
	t.Helper()
	in, err := demoInputs()
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func run(t testing.TB, in Inputs, opt Options) *Summary {
	t.Helper()
	if opt.Version == "" {
		opt.Version = "test"
	}
	s, err := Run(context.Background(), in, opt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tree maps every file under dir (slash paths) to its bytes.
func tree(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameTree(t testing.TB, a, b string) {
	t.Helper()
	ta, tb := tree(t, a), tree(t, b)
	for k, v := range ta {
		w, ok := tb[k]
		if !ok {
			t.Errorf("%s: only in %s", k, a)
		} else if !bytes.Equal(v, w) {
			t.Errorf("%s differs between %s and %s", k, a, b)
		}
	}
	for k := range tb {
		if _, ok := ta[k]; !ok {
			t.Errorf("%s: only in %s", k, b)
		}
	}
	if len(ta) < 10 {
		t.Errorf("only %d files", len(ta))
	}
}

func verifyOK(t testing.TB, dir string) *shards.VerifyReport {
	t.Helper()
	rep, err := shards.Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Faults {
		t.Errorf("verify %s: %s", dir, f)
	}
	return rep
}

func TestWorkersByteIdentical(t *testing.T) {
	in := mustDemo(t)
	a, b := t.TempDir(), t.TempDir()
	sa := run(t, in, Options{Out: a, Workers: 1, Occluded: true, RowsPerShard: 100})
	sb := run(t, in, Options{Out: b, Workers: 2, Occluded: true, RowsPerShard: 100})
	if sa.Written < 5 || sa.Written != sb.Written || !sa.Complete || !sb.Complete {
		t.Fatalf("summaries: %+v / %+v", sa, sb)
	}
	sameTree(t, a, b)
	rep := verifyOK(t, a)
	if rep.Rows != sa.PlannedRows {
		t.Errorf("verified %d rows, planned %d", rep.Rows, sa.PlannedRows)
	}
	// JPEG too, and with a different row-group budget the layout changes but not the rows.
	c, d := t.TempDir(), t.TempDir()
	run(t, in, Options{Out: c, Workers: 1, Encode: "jpeg", Sets: []string{"iop", "tst"}, Occluded: true, RowsPerShard: 50, RowGroupBytes: 10000})
	run(t, in, Options{Out: d, Workers: 2, Encode: "jpeg", Sets: []string{"iop", "tst"}, Occluded: true, RowsPerShard: 50, RowGroupBytes: 10000})
	sameTree(t, c, d)
	verifyOK(t, c)
}

func TestShardUnionEqualsWhole(t *testing.T) {
	in := mustDemo(t)
	whole := t.TempDir()
	opt := Options{Workers: 2, Occluded: true, RowsPerShard: 60}
	o := opt
	o.Out = whole
	run(t, in, o)

	// N parts into one shared folder (a shared file system).
	shared := t.TempDir()
	for i := 0; i < 3; i++ {
		o := opt
		o.Out, o.Shard, o.NumShards = shared, i, 3
		s := run(t, in, o)
		if s.Complete != (i == 2) {
			t.Errorf("part %d/3: complete = %v", i, s.Complete)
		}
	}
	sameTree(t, whole, shared)

	// N parts on N machines, copied together, then sealed by a --resume run that writes
	// no shard.
	merged := t.TempDir()
	total := 0
	for i := 0; i < 3; i++ {
		part := t.TempDir()
		o := opt
		o.Out, o.Shard, o.NumShards = part, i, 3
		s := run(t, in, o)
		total += s.Written
		for k, v := range tree(t, part) {
			p := filepath.Join(merged, filepath.FromSlash(k))
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, v, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	o = opt
	o.Out, o.Resume = merged, true
	s := run(t, in, o)
	if s.Written != 0 || s.Kept != total || total != s.Shards {
		t.Errorf("seal run wrote %d, kept %d of %d shards (parts wrote %d)", s.Written, s.Kept, s.Shards, total)
	}
	sameTree(t, whole, merged)
}

func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	in := mustDemo(t)
	ref := t.TempDir()
	o := childOptions(ref)
	o.Resume = false
	run(t, in, o)

	out := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "OCCBENCH_SYNTH_CHILD="+out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it (SIGKILL, no chance to clean up) once two shards are complete.
	deadline := time.Now().Add(30 * time.Second)
	for {
		ents, _ := os.ReadDir(filepath.Join(out, shards.ReceiptsDir))
		tmps, _ := filepath.Glob(filepath.Join(out, shards.DataDir, ".*.tmp-*"))
		// Best: kill while a shard is half written; accept any point after two shards.
		if len(ents) >= 2 && (len(tmps) > 0 || time.Now().After(deadline.Add(-25*time.Second))) {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("child wrote no shard in 30 s: %s", stderr.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child was not killed (finished first?): %v", err)
	}
	done, _ := os.ReadDir(filepath.Join(out, shards.ReceiptsDir))
	tmps, _ := filepath.Glob(filepath.Join(out, shards.DataDir, ".*.tmp-*"))
	t.Logf("killed with %d shards complete and %d temporary files", len(done), len(tmps))
	s := run(t, in, childOptions(out))
	if s.Kept == 0 || s.Written == 0 {
		t.Errorf("resume kept %d and wrote %d shards", s.Kept, s.Written)
	}
	sameTree(t, ref, out)
	verifyOK(t, out)
}

func TestRowsRoundTrip(t *testing.T) {
	in := mustDemo(t)
	out := t.TempDir()
	run(t, in, Options{Out: out, Occluded: true, Sets: []string{"iop_x", "trn"}, RowsPerShard: 70})
	d, err := shards.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.Splits(), ","); got != "iop_x,trn" {
		t.Fatalf("splits %s", got)
	}
	pack, err := d.Pack()
	if err != nil {
		t.Fatal(err)
	}
	items := map[string]sources.Item{}
	for _, it := range in.Source.Items() {
		items[it.ID] = it
	}
	base := map[string]*image.NRGBA{}
	clean := func(id string) *image.NRGBA {
		if b, ok := base[id]; ok {
			return b
		}
		img, err := in.Source.Decode(items[id])
		if err != nil {
			t.Fatal(err)
		}
		p := in.Manifest.Preprocess
		b, err := preprocess.Apply(img, p.Mode, p.Size, p.Shorter, nil)
		if err != nil {
			t.Fatal(err)
		}
		base[id] = b
		return b
	}
	for _, name := range d.Splits() {
		s, err := d.Split(name)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := s.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != s.Len() || len(rows) == 0 {
			t.Fatalf("%s: %d rows, Len %d", name, len(rows), s.Len())
		}
		occluded := 0
		for i, r := range rows {
			got, err := r.Decode()
			if err != nil {
				t.Fatalf("%s row %d: %v", name, i, err)
			}
			want := clean(r.SourceID)
			if !r.Clean() {
				occluded++
				p := pack.Patterns[r.PatternID]
				if p.X != r.X || p.Y != r.Y || p.Ratio != r.Ratio || p.Occluder != r.Occluder {
					t.Fatalf("%s row %d: metadata %+v vs pattern %+v", name, i, r, p)
				}
				w := image.NewNRGBA(want.Rect)
				copy(w.Pix, want.Pix)
				compositeFromPack(w, pack, r.PatternID)
				want = w
			}
			if !bytes.Equal(got.Pix, want.Pix) {
				t.Fatalf("%s row %d (%s pattern %d): pixels differ from a fresh render", name, i, r.SourceID, r.PatternID)
			}
			if in.Source.Classes()[r.Label] != r.ClassName || r.Split != name {
				t.Fatalf("%s row %d: label %d class %q split %q", name, i, r.Label, r.ClassName, r.Split)
			}
			// Random access gives the same row.
			if i%37 == 0 {
				ra, err := s.Row(i)
				if err != nil || !bytes.Equal(ra.Image, r.Image) || ra.SourceID != r.SourceID || ra.PatternID != r.PatternID {
					t.Fatalf("%s: Row(%d) differs from iteration: %v", name, i, err)
				}
			}
		}
		// iop_x: occlude variant, default the first iop_variants entry (full, 24 patterns).
		if name == "iop_x" && occluded != len(in.Splits.Set("iop_x").Items)*len(pack.Patterns) {
			t.Errorf("iop_x: %d occluded rows", occluded)
		}
		s.Close()
	}
}

func TestSchemaAndHFMetadata(t *testing.T) {
	in := mustDemo(t)
	out := t.TempDir()
	run(t, in, Options{Out: out, Sets: []string{"tst_x"}})
	files, _ := filepath.Glob(filepath.Join(out, "data", "*.parquet"))
	if len(files) != 1 || filepath.Base(files[0]) != "tst_x-00000-of-00001.parquet" {
		t.Fatalf("files %v", files)
	}
	_, meta, err := shards.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	want := `{"info": {"features": {"image": {"_type": "Image"}, "label": {"names": ["circle", "square", "triangle", "cross", "ring", "star", "hexagon", "bar", "crescent", "heart"], "_type": "ClassLabel"}, ` +
		`"class_name": {"dtype": "string", "_type": "Value"}, "source_id": {"dtype": "string", "_type": "Value"}, "split": {"dtype": "string", "_type": "Value"}, ` +
		`"pattern_id": {"dtype": "int64", "_type": "Value"}, "occluder": {"dtype": "string", "_type": "Value"}, "ratio": {"dtype": "float64", "_type": "Value"}, ` +
		`"x": {"dtype": "int64", "_type": "Value"}, "y": {"dtype": "int64", "_type": "Value"}, "pair_id": {"dtype": "int64", "_type": "Value"}}}}`
	if got := meta["huggingface"]; got != want {
		t.Errorf("huggingface metadata:\n got %s\nwant %s", got, want)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	schema := schemaOf(t, f)
	wantSchema := `message record {
	optional group image {
		optional binary bytes;
		optional binary path (STRING);
	}
	optional int64 label (INT(64,true));
	optional binary class_name (STRING);
	optional binary source_id (STRING);
	optional binary split (STRING);
	optional int64 pattern_id (INT(64,true));
	optional binary occluder (STRING);
	optional double ratio;
	optional int64 x (INT(64,true));
	optional int64 y (INT(64,true));
	optional int64 pair_id (INT(64,true));
}`
	if schema != wantSchema {
		t.Errorf("schema:\n%s\nwant\n%s", schema, wantSchema)
	}
	card, _ := os.ReadFile(filepath.Join(out, "README.md"))
	if !bytes.Contains(card, []byte("configs:\n- config_name: default\n  data_files:\n  - split: tst_x\n    path: data/tst_x-*.parquet\n")) {
		t.Errorf("card has no configs block:\n%s", card)
	}
	if _, err := os.Stat(filepath.Join(out, "patterns", "patterns.json")); err != nil {
		t.Error(err)
	}
}

func TestPythonJSONQuoting(t *testing.T) {
	got := shards.HFFeatures([]string{`a"b\c`, "é", "😀", "\x7f"})
	for _, want := range []string{`"a\"b\\c"`, `"\u00e9"`, `"\ud83d\ude00"`, `"\u007f"`} {
		if !strings.Contains(got, want) {
			t.Errorf("%s not in %s", want, got)
		}
	}
}

func TestOtherPlanRefused(t *testing.T) {
	in := mustDemo(t)
	out := t.TempDir()
	run(t, in, Options{Out: out, Sets: []string{"iop"}})
	_, err := Run(context.Background(), in, Options{Out: out, Sets: []string{"iop"}, Encode: "jpeg"})
	if !errors.Is(err, ErrOtherPlan) {
		t.Fatalf("want ErrOtherPlan, got %v", err)
	}
	s := run(t, in, Options{Out: out, Sets: []string{"iop"}, Encode: "jpeg", Force: true})
	if !s.Complete {
		t.Error("forced run incomplete")
	}
	verifyOK(t, out)
	// A folder with foreign files in data/ and no plan is not a shard set.
	other := t.TempDir()
	os.MkdirAll(filepath.Join(other, "data"), 0o755)
	os.WriteFile(filepath.Join(other, "data", "x.parquet"), []byte("x"), 0o644)
	if _, err := Run(context.Background(), in, Options{Out: other}); !errors.Is(err, ErrNotShardSet) {
		t.Fatalf("want ErrNotShardSet, got %v", err)
	}
}

func TestCorruptImages(t *testing.T) {
	in := mustDemo(t)
	ids := in.Splits.Set("tst_x").Items
	in.Source = &badSource{Source: in.Source, bad: map[string]bool{ids[3].ID: true}}
	out := t.TempDir()
	s := run(t, in, Options{Out: out, Sets: []string{"tst_x"}})
	if len(s.Skipped) != 1 || s.Skipped[0].SourceID != ids[3].ID || !strings.Contains(s.Skipped[0].Reason, "corrupt") {
		t.Fatalf("skipped %+v", s.Skipped)
	}
	rep := verifyOK(t, out)
	if rep.Rows != len(ids)-1 {
		t.Errorf("%d rows, want %d", rep.Rows, len(ids)-1)
	}
	lock, _ := shards.ReadLock(out)
	if sk := lock.Splits[0].Shards[0].Skipped; len(sk) != 1 {
		t.Errorf("lock lists skipped %+v", sk)
	}
	card, _ := os.ReadFile(filepath.Join(out, shards.CardFile))
	if want := fmt.Sprintf("num_examples: %d\n", len(ids)-1); !strings.Contains(string(card), want) {
		t.Errorf("the card does not say %q:\n%s", want, card)
	}
	strict := t.TempDir()
	_, err := Run(context.Background(), in, Options{Out: strict, Sets: []string{"tst_x"}, Corrupt: "fail"})
	if err == nil || !strings.Contains(err.Error(), ids[3].ID) {
		t.Fatalf("strict: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(strict, "data", "*")); len(left) != 0 {
		t.Errorf("strict failure left %v", left)
	}
}

func TestVerifyFindsDamage(t *testing.T) {
	in := mustDemo(t)
	out := t.TempDir()
	run(t, in, Options{Out: out, Sets: []string{"iop"}})
	files, _ := filepath.Glob(filepath.Join(out, "data", "*.parquet"))
	data, _ := os.ReadFile(files[0])
	data[len(data)/2] ^= 0xff
	os.WriteFile(files[0], data, 0o644)
	rep, err := shards.Verify(out)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() {
		t.Fatal("a flipped byte went unnoticed")
	}
}

func TestPlanCounts(t *testing.T) {
	in := mustDemo(t)
	_, lock, err := Prepare(in, &Options{Occluded: true, Variant: "10c"})
	if err != nil {
		t.Fatal(err)
	}
	n10c := len(in.Pack.Table.Select(in.Manifest.SubsetByName("10c")))
	for _, s := range lock.Splits {
		set := in.Splits.Set(s.Name)
		want := len(set.Items)
		switch {
		case set.Role == "pairs" && set.Occlude == "variant":
			want *= 1 + n10c
		case set.Role == "pairs" && set.Occlude != "":
			want *= 1 + len(in.Pack.Patterns)
		case set.AddOccluded != "":
			src := in.Splits.Set(set.AddOccluded)
			want += len(src.Items) * len(in.Pack.Patterns)
		}
		if s.PlannedRows != want {
			t.Errorf("%s: %d rows planned, want %d", s.Name, s.PlannedRows, want)
		}
	}
	if _, _, err := Prepare(in, &Options{Variant: "nope"}); err == nil {
		t.Error("unknown variant accepted")
	}
}

// TestDuckDBReadsShards reads the shards with an independent Parquet reader: DuckDB, through
// its npm package @duckdb/node-api run by node (the Go bindings, duckdb-go/v2, fetch their
// prebuilt library from go.duckdb.org, which this build environment cannot reach). The
// package is found with OCCBENCH_DUCKDB_NODE (its folder) or in `npm root -g`; the test
// skips, saying so, when node or the package is missing.
// duckdb runs a DuckDB script of testdata (npm package @duckdb/node-api, an independent
// Parquet reader) on a shard set and returns its JSON output; it skips without node or
// the package.
func duckdb(t *testing.T, script, dir string) []byte {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("DuckDB check skipped: node is not installed (apt-get install nodejs npm; npm install -g @duckdb/node-api)")
	}
	mod := os.Getenv("OCCBENCH_DUCKDB_NODE")
	if mod == "" {
		if root, err := exec.Command("npm", "root", "-g").Output(); err == nil {
			mod = filepath.Join(strings.TrimSpace(string(root)), "@duckdb", "node-api")
		}
	}
	if _, err := os.Stat(filepath.Join(mod, "package.json")); err != nil {
		t.Skipf("DuckDB check skipped: @duckdb/node-api not found (%q); npm install -g @duckdb/node-api", mod)
	}
	path, _ := filepath.Abs(filepath.Join("testdata", script))
	res, err := exec.Command(node, path, mod, dir).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("duckdb: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	return res
}

func TestDuckDBReadsRecipe(t *testing.T) {
	in := mustDemo(t)
	out := t.TempDir()
	run(t, in, Options{Out: out, Occluded: true, RowsPerShard: 100, Format: shards.FormatRecipe})
	var got struct {
		Splits []struct {
			Split        string
			Rows, Images int
		}
		Columns []struct {
			ColumnName string `json:"column_name"`
		}
	}
	if err := json.Unmarshal(duckdb(t, "duckdb_recipe.js", out), &got); err != nil {
		t.Fatal(err)
	}
	lock, err := shards.ReadLock(out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]shards.LockSplit{}
	for _, s := range lock.Splits {
		want[s.Name] = s
	}
	if len(got.Splits) != len(want) {
		t.Fatalf("duckdb sees %d splits, the lock has %d", len(got.Splits), len(want))
	}
	for _, s := range got.Splits {
		if w := want[s.Split]; s.Rows != w.Rows || s.Images != w.Images {
			t.Errorf("duckdb split %+v, lock %d rows %d images", s, w.Rows, w.Images)
		}
	}
	var cols []string
	for _, c := range got.Columns {
		cols = append(cols, c.ColumnName)
	}
	if c := strings.Join(cols, ","); c != "path,label,class_name,source_id,split,pattern_id,occluder,ratio,x,y,pair_id" {
		t.Errorf("duckdb recipe columns: %s", c)
	}
}

func TestDuckDBReadsShards(t *testing.T) {
	in := mustDemo(t)
	out := t.TempDir()
	run(t, in, Options{Out: out, Occluded: true, RowsPerShard: 100})
	checkDuckDB(t, out)
}

// The mini profile's data: bench synth fashion-mnist writes verified shards that DuckDB
// reads with the lock's counts (the done-when, on the real dataset).
func TestDuckDBReadsFashionMNIST(t *testing.T) {
	if _, err := os.Stat("/usr/share/datasets/fashion-mnist"); err != nil {
		t.Skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
	}
	m, err := manifests.Resolve("fashion-mnist")
	if err != nil {
		t.Fatal(err)
	}
	in, err := Load(m, "", "")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	s := run(t, in, Options{Out: out, Workers: 2})
	if rep := verifyOK(t, out); rep.Rows != s.Rows || s.Rows < 5000 {
		t.Fatalf("verified %d rows, synth wrote %d", rep.Rows, s.Rows)
	}
	checkDuckDB(t, out)
}

// checkDuckDB reads a Parquet shard set with DuckDB and checks splits, counts, columns,
// image magic and the huggingface metadata against the lock.
func checkDuckDB(t *testing.T, out string) {
	t.Helper()
	res := duckdb(t, "duckdb_read.js", out)
	var got struct {
		Splits []struct {
			Split                         string
			Rows, Occluded, Images, Nulls int
			MinBytes                      int `json:"min_bytes"`
		}
		Columns []struct {
			ColumnName string `json:"column_name"`
			ColumnType string `json:"column_type"`
		}
		Huggingface string
		PNGMagic    int `json:"png_magic"`
	}
	if err := json.Unmarshal(res, &got); err != nil {
		t.Fatalf("%v: %s", err, res)
	}
	lock, err := shards.ReadLock(out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]shards.LockSplit{}
	total := 0
	for _, s := range lock.Splits {
		want[s.Name] = s
		total += s.Rows
	}
	if len(got.Splits) != len(want) {
		t.Fatalf("duckdb sees %d splits, the lock has %d", len(got.Splits), len(want))
	}
	for _, s := range got.Splits {
		w := want[s.Split]
		if s.Rows != w.Rows || s.Images != w.Images || s.Nulls != 0 || s.MinBytes < 100 {
			t.Errorf("duckdb split %+v, lock %d rows %d images", s, w.Rows, w.Images)
		}
	}
	if got.PNGMagic != total {
		t.Errorf("duckdb: %d of %d images start with the PNG/JPEG magic", got.PNGMagic, total)
	}
	var cols []string
	for _, c := range got.Columns {
		cols = append(cols, c.ColumnName+" "+c.ColumnType)
	}
	wantCols := "image STRUCT(bytes BLOB, path VARCHAR),label BIGINT,class_name VARCHAR,source_id VARCHAR,split VARCHAR,pattern_id BIGINT,occluder VARCHAR,ratio DOUBLE,x BIGINT,y BIGINT,pair_id BIGINT"
	if strings.Join(cols, ",") != wantCols {
		t.Errorf("duckdb columns:\n%s\nwant\n%s", strings.Join(cols, ","), wantCols)
	}
	// DuckDB prints the BLOB value with the quotes escaped as \x22.
	if hf := strings.ReplaceAll(got.Huggingface, `\x22`, `"`); hf != shards.HFFeatures(lock.Classes) {
		t.Errorf("duckdb huggingface metadata: %s", hf)
	}
}
