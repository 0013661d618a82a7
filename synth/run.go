package synth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/occbench/occbench/internal/atomicfile"
	"github.com/occbench/occbench/internal/dirlock"
	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/synth/shards"
	"github.com/occbench/occbench/synth/sources"
	"github.com/occbench/occbench/synth/splits"
)

// Options configure Run.
type Options struct {
	Out      string
	Sets     []string
	Format   string // parquet (default), webdataset (tar shards) or recipe (no pixels; see RenderRecipe)
	Encode   string // png or jpeg; "" = the manifest's output.encode
	Codec    string // go (default) or turbo (libjpeg-turbo, build tag turbojpeg)
	Occluded bool   // materialize the occluded rows of pairs sets
	Variant  string // pattern subset for occlude: variant ("" = first iop_variants)
	// PatternFilter narrows the patterns of every occluded row (PlanOptions.PatternFilter).
	PatternFilter func(ids []int) []int
	// RowsPerShard caps the rows of a shard (0: DefaultRowsPerShard for the image size).
	RowsPerShard     int
	RowGroupBytes    int64
	Shard, NumShards int  // write only shards with global index % NumShards == Shard
	Workers          int  // render workers (0: GOMAXPROCS; negative is an error)
	Resume           bool // keep complete shards of the same plan
	Force            bool // write into a folder of another plan, or one that is not a shard set
	// Corrupt overrides the manifest's source.corrupt: "fail" stops at the first bad
	// source image, "skip" leaves it out and lists it; "" keeps the manifest's choice.
	Corrupt string
	Version string
	// Progress is called after each job is written (rows done, rows to do); may be nil.
	Progress func(done, total int)
}

// Summary is what a run did.
type Summary struct {
	PlanID        string        `json:"plan_id"`
	Format        string        `json:"format"`
	Shards        int           `json:"shards"`         // shards of the plan
	Selected      int           `json:"selected"`       // shards this run is responsible for
	Written       int           `json:"written"`        // shards written now
	Kept          int           `json:"kept"`           // complete shards kept (--resume)
	Rows          int           `json:"rows"`           // rows written now
	Images        int           `json:"images"`         // source images decoded now
	Bytes         int64         `json:"bytes"`          // bytes of the shards written now
	Skipped       []shards.Skip `json:"skipped"`        // bad source images (this run)
	Elapsed       time.Duration `json:"elapsed_ns"`     //
	RowsPerSec    float64       `json:"rows_per_sec"`   // rendered+encoded images per second
	PeakRSSBytes  int64         `json:"peak_rss_bytes"` // process high-water mark (Linux), 0 if unknown
	Complete      bool          `json:"complete"`       // every planned shard exists
	Workers       int           `json:"workers"`
	RowsPerShard  int           `json:"rows_per_shard"`
	PlannedRows   int           `json:"planned_rows"`
	PlannedImages int           `json:"planned_images"`
}

// DefaultRowsPerShard aims at shards of about 256 MiB for the image size and encoding.
func DefaultRowsPerShard(size int, encode string) int {
	n := int((256 << 20) / RowBytes(size, encode))
	return max(1000, min(n, 100000))
}

// ErrOtherPlan is returned when the output folder holds another plan's shards.
var ErrOtherPlan = errors.New("output folder holds shards of another manifest or options")

// ErrNotShardSet is returned when the output folder is not empty and holds no shard set:
// Run never writes into someone's folder (a README.md of their own) unless forced.
var ErrNotShardSet = errors.New("output folder is not empty and is not a shard set")

// Inputs are the resolved inputs of a run.
type Inputs struct {
	// Root is the dataset folder the source reads ("" for built-in sources): reasons for
	// skipped images name files relative to it, so the lock does not depend on how the
	// folder was spelled (tree or /abs/tree).
	Root     string
	Manifest *manifests.Manifest
	Source   sources.Source
	Splits   *splits.Splits
	Pack     *patterns.Pack
}

type planFile struct {
	PlanID   string `json:"plan_id"`
	Manifest string `json:"manifest"`
}

// Prepare plans a run and computes its lock skeleton without touching the disk.
func Prepare(in Inputs, opt *Options) (*Plan, *shards.Lock, error) {
	m := in.Manifest
	if opt.Format == "" {
		opt.Format = "parquet"
	}
	switch opt.Format {
	case shards.FormatParquet, shards.FormatWebDataset, shards.FormatRecipe:
	default:
		return nil, nil, fmt.Errorf("--format %s: unknown shard format (parquet, webdataset or recipe)", opt.Format)
	}
	if opt.Encode == "" {
		opt.Encode = m.Output.Encode
	}
	if opt.Encode == "jpg" {
		opt.Encode = "jpeg"
	}
	if opt.RowsPerShard < 0 {
		return nil, nil, fmt.Errorf("rows per shard %d: must be positive (0: the default for the image size)", opt.RowsPerShard)
	}
	if opt.Workers < 0 {
		return nil, nil, fmt.Errorf("workers %d: must be positive (0: one per CPU)", opt.Workers)
	}
	switch opt.Corrupt {
	case "", "skip", "fail":
	default:
		return nil, nil, fmt.Errorf("corrupt %q: want skip or fail", opt.Corrupt)
	}
	if opt.RowsPerShard == 0 {
		opt.RowsPerShard = DefaultRowsPerShard(m.Preprocess.Size, opt.Encode)
	}
	if opt.NumShards <= 0 {
		opt.NumShards = 1
	}
	if opt.Shard < 0 || opt.Shard >= opt.NumShards {
		return nil, nil, fmt.Errorf("--shard %d/%d: index must be in 0..%d", opt.Shard, opt.NumShards, opt.NumShards-1)
	}
	if opt.Codec == "" {
		opt.Codec = CodecGo
	}
	if err := CheckCodec(opt.Codec); err != nil {
		return nil, nil, err
	}
	if _, err := NewEncoder(opt.Encode, m.Output.JPEGQuality); err != nil {
		return nil, nil, err
	}
	plan, err := BuildPlan(m, in.Source.Classes(), in.Source.Items(), in.Splits, &in.Pack.Table,
		PlanOptions{Sets: opt.Sets, Occluded: opt.Occluded, Variant: opt.Variant, RowsPerShard: opt.RowsPerShard, Format: opt.Format,
			PatternFilter: opt.PatternFilter})
	if err != nil {
		return nil, nil, err
	}
	mc := *m
	mc.File = ""
	mjson, err := json.Marshal(&mc)
	if err != nil {
		return nil, nil, err
	}
	lock := &shards.Lock{Tool: "occbench", Version: opt.Version, Manifest: mjson, Format: opt.Format, Encode: opt.Encode, Codec: opt.Codec,
		Occluded: opt.Occluded, RowsPerShard: opt.RowsPerShard, Classes: in.Source.Classes(),
		SplitsChecksum: in.Splits.Checksum, Patterns: in.Pack.Table}
	if opt.Encode == "jpeg" {
		lock.Quality = m.Output.JPEGQuality
	}
	if lock.PackFiles, err = shards.DigestPack(in.Pack); err != nil {
		return nil, nil, fmt.Errorf("pattern pack: %w", err)
	}
	variantUsed := false
	for i := range plan.Splits {
		sp := &plan.Splits[i]
		ls := shards.LockSplit{Name: sp.Name, Role: sp.Role, Checksum: sp.Checksum, Subset: sp.Subset, AddOccluded: sp.AddOccluded,
			Images: sp.Images, PlannedRows: sp.Rows}
		if set := in.Splits.Set(sp.Name); set != nil {
			ls.ScenarioOf = set.Scenario
			for _, p := range set.Pairs {
				ls.RealPairs = append(ls.RealPairs, shards.RealPair{Clean: p.Clean, Occluded: p.Occluded})
			}
		}
		for _, k := range sp.Shards {
			sh := &plan.Shards[k]
			ls.Shards = append(ls.Shards, shards.LockShard{ShardInfo: shards.ShardInfo{File: sh.File}, PlannedRows: sh.Rows})
		}
		lock.Splits = append(lock.Splits, ls)
		if set := in.Splits.Set(sp.Name); set != nil && sp.Subset != "" {
			if set.Occlude == "variant" {
				variantUsed = true
			}
			if src := in.Splits.Set(sp.AddOccluded); src != nil && src.Occlude == "variant" {
				variantUsed = true
			}
		}
	}
	if variantUsed {
		lock.Variant = plan.Splits[0].Subset
		for _, sp := range plan.Splits {
			if sp.Subset != "" {
				lock.Variant = sp.Subset
			}
		}
		if opt.Variant != "" {
			lock.Variant = opt.Variant
		}
	}
	// The plan id covers everything that determines the shards' bytes.
	id := *lock
	id.Version = ""
	idData, err := json.Marshal(&id)
	if err != nil {
		return nil, nil, err
	}
	sum := sha256.Sum256(idData)
	lock.PlanID = hex.EncodeToString(sum[:16])
	return plan, lock, nil
}

// Run synthesizes the shards of opt.Sets into opt.Out.
func Run(ctx context.Context, in Inputs, opt Options) (*Summary, error) {
	start := time.Now()
	plan, lock, err := Prepare(in, &opt)
	if err != nil {
		return nil, err
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	out := opt.Out
	sum := &Summary{PlanID: lock.PlanID, Format: opt.Format, Shards: len(plan.Shards), Workers: opt.Workers, RowsPerShard: opt.RowsPerShard}
	for _, sp := range plan.Splits {
		sum.PlannedRows += sp.Rows
		sum.PlannedImages += sp.Images
	}
	// Choose the shards to write.
	var todo []int
	total := 0
	for g := range plan.Shards {
		if g%opt.NumShards != opt.Shard {
			continue
		}
		sum.Selected++
		sh := &plan.Shards[g]
		if opt.Resume {
			if _, ok := readReceipt(out, sh.File, lock.PlanID); ok {
				sum.Kept++
				continue
			}
		}
		todo = append(todo, g)
		total += sh.Rows
	}
	if len(todo) == 0 && finished(out, lock) {
		// Nothing to write: a finished folder of this plan may be read-only.
		sum.Complete = true
		sum.Elapsed = time.Since(start)
		sum.PeakRSSBytes = PeakRSS()
		return sum, nil
	}
	if err := checkShardSet(out, opt.Force); err != nil {
		return nil, err
	}
	release, err := lockOutput(out, opt.Shard, opt.NumShards)
	if err != nil {
		return nil, err
	}
	defer release()
	if err := claimOutput(out, lock, opt.Force); err != nil {
		return nil, err
	}
	if opt.NumShards <= 1 { // alone in the folder: every temporary file is a killed run's
		removeTemps(out)
	}
	if err := writeStatic(out, in, lock); err != nil {
		return nil, err
	}
	if err := runShards(ctx, in, opt, plan, lock, todo, total, sum); err != nil {
		return nil, err
	}
	complete, err := writeLock(out, lock)
	if err != nil {
		return nil, err
	}
	if complete { // the card now counts the rows written, without skipped images
		if err := atomicfile.Write(filepath.Join(out, shards.CardFile), Card(in.Manifest, lock)); err != nil {
			return nil, err
		}
	}
	sum.Complete = complete
	sum.Elapsed = time.Since(start)
	if s := sum.Elapsed.Seconds(); s > 0 {
		sum.RowsPerSec = float64(sum.Rows) / s
	}
	sum.PeakRSSBytes = PeakRSS()
	return sum, nil
}

// lockOutput takes the writer's lock of out: exclusive for a whole run; for part i of N
// (parts of one plan run at once into one folder, by design), the folder's lock shared plus
// the part's own lock exclusive, so that only the same part, or a whole run, is refused.
func lockOutput(out string, part, parts int) (release func(), err error) {
	main := filepath.Join(out, shards.WriterLockFile)
	if parts <= 1 {
		l, err := dirlock.Acquire(main)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", out, err)
		}
		return func() { l.Release() }, nil
	}
	sh, err := dirlock.AcquireShared(main)
	if err != nil {
		return nil, fmt.Errorf("%s: a whole run is writing it: %w", out, err)
	}
	l, err := dirlock.Acquire(fmt.Sprintf("%s.part-%d-of-%d", main, part, parts))
	if err != nil {
		sh.Release()
		return nil, fmt.Errorf("%s: part %d/%d: %w", out, part, parts, err)
	}
	return func() { l.ReleaseRemove(); sh.Release() }, nil
}

// removeTemps removes the temporary files (.NAME.tmp-*, atomicfile and the shard writers)
// that a killed run left anywhere in out.
func removeTemps(out string) {
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), ".") && strings.Contains(d.Name(), ".tmp-") {
			os.Remove(p)
		}
		return nil
	})
}

// finished reports whether out already holds this plan, complete: its lock names the plan
// and says complete, and every shard has its receipt and size.
func finished(out string, lock *shards.Lock) bool {
	have, err := shards.ReadLock(out)
	if err != nil || have.PlanID != lock.PlanID || !have.Complete {
		return false
	}
	for _, s := range lock.Splits {
		for _, sh := range s.Shards {
			if _, ok := readReceipt(out, sh.File, lock.PlanID); !ok {
				return false
			}
		}
	}
	return true
}

// checkShardSet refuses (unless force) a folder that has entries but no plan file: it is
// not a shard set, and Run would overwrite what it holds (a README.md, say). A state
// folder alone (a run killed before it wrote the plan file) is ours.
func checkShardSet(out string, force bool) error {
	ents, err := os.ReadDir(out)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output folder %s: %w", out, err)
	}
	if _, err := os.Stat(filepath.Join(out, shards.PlanFile)); err == nil {
		return nil // a shard set; claimOutput checks that it is this plan's
	}
	var foreign []string
	for _, e := range ents {
		if e.Name() != shards.StateDir {
			foreign = append(foreign, e.Name())
		}
	}
	if len(foreign) == 0 || force {
		return nil
	}
	list := strings.Join(foreign[:min(len(foreign), 5)], ", ")
	if len(foreign) > 5 {
		list += fmt.Sprintf(" and %d more", len(foreign)-5)
	}
	return fmt.Errorf("%w: %s holds %s and no %s", ErrNotShardSet, out, list, shards.PlanFile)
}

// claimOutput refuses a folder holding another plan's shards (unless force, which clears
// them) and records this plan.
func claimOutput(out string, lock *shards.Lock, force bool) error {
	pf := filepath.Join(out, shards.PlanFile)
	data, err := os.ReadFile(pf)
	other := ""
	switch {
	case err == nil:
		var p planFile
		if json.Unmarshal(data, &p) != nil || p.PlanID != lock.PlanID {
			other = fmt.Sprintf("%s (plan %s of manifest %q, this run's plan is %s)", pf, p.PlanID, p.Manifest, lock.PlanID)
		}
	case errors.Is(err, os.ErrNotExist):
		if ents, _ := filepath.Glob(filepath.Join(out, shards.DataDir, "*")); len(ents) > 0 {
			other = fmt.Sprintf("%s holds %d files and no %s", filepath.Join(out, shards.DataDir), len(ents), shards.PlanFile)
		}
	default:
		return err
	}
	if other != "" {
		if !force {
			return fmt.Errorf("%w: %s", ErrOtherPlan, other)
		}
		// Not the whole state folder: it holds the writer's lock, which this run holds.
		for _, p := range []string{shards.DataDir, shards.PlanFile, shards.ReceiptsDir, shards.PackDir, shards.LockFile, shards.CardFile} {
			if err := os.RemoveAll(filepath.Join(out, p)); err != nil {
				return err
			}
		}
	}
	var m struct {
		Name string `json:"Name"`
	}
	json.Unmarshal(lock.Manifest, &m)
	data, err = shards.MarshalJSON(planFile{PlanID: lock.PlanID, Manifest: m.Name})
	if err != nil {
		return err
	}
	return atomicfile.Write(pf, data)
}

func receiptPath(out, file string) string {
	return filepath.Join(out, shards.ReceiptsDir, filepath.Base(file)+".json")
}

// readReceipt returns the receipt of a complete shard: the receipt exists, names this
// plan, and the file has the recorded size.
func readReceipt(out, file, planID string) (*shards.Receipt, bool) {
	data, err := os.ReadFile(receiptPath(out, file))
	if err != nil {
		return nil, false
	}
	var r shards.Receipt
	if json.Unmarshal(data, &r) != nil || r.PlanID != planID {
		return nil, false
	}
	st, err := os.Stat(filepath.Join(out, filepath.FromSlash(file)))
	if err != nil || st.Size() != r.Bytes {
		return nil, false
	}
	return &r, true
}

// writeStatic writes the pattern pack and the dataset card (same bytes on every machine).
func writeStatic(out string, in Inputs, lock *shards.Lock) error {
	if err := in.Pack.Write(filepath.Join(out, shards.PackDir)); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(out, shards.CardFile), Card(in.Manifest, lock))
}

// writeLock fills the lock from the receipts present and writes it; it reports whether
// every planned shard is there.
func writeLock(out string, lock *shards.Lock) (bool, error) {
	complete := true
	for i := range lock.Splits {
		ls := &lock.Splits[i]
		ls.Rows = 0
		for k := range ls.Shards {
			sh := &ls.Shards[k]
			r, ok := readReceipt(out, sh.File, lock.PlanID)
			if !ok {
				complete = false
				sh.ShardInfo = shards.ShardInfo{File: sh.File}
				sh.Skipped = nil
				continue
			}
			sh.ShardInfo = r.ShardInfo
			sh.File = r.File
			sh.Skipped = r.Skipped
			ls.Rows += r.Rows
		}
	}
	lock.Complete = complete
	data, err := shards.MarshalJSON(lock)
	if err != nil {
		return false, err
	}
	return complete, atomicfile.Write(filepath.Join(out, shards.LockFile), data)
}

// runShards renders the jobs of the todo shards (renderInOrder) and writes them, shard by
// shard, in plan order.
func runShards(ctx context.Context, in Inputs, opt Options, plan *Plan, lock *shards.Lock, todo []int, total int, sum *Summary) error {
	if len(todo) == 0 {
		return nil
	}
	splitNames := make([]string, len(plan.Splits))
	for i, s := range plan.Splits {
		splitNames[i] = s.Name
	}
	var jobs []*Job
	for _, g := range todo {
		for j := plan.Shards[g].JobLo; j < plan.Shards[g].JobHi; j++ {
			jobs = append(jobs, &plan.Jobs[j])
		}
	}
	newRenderer := func() (*Renderer, error) {
		return NewRenderer(in.Manifest, in.Pack, in.Source, in.Source.Classes(), splitNames, opt.Encode, opt.Codec)
	}
	render := func(r *Renderer, j *Job) ([]shards.Row, error) {
		if opt.Format == shards.FormatRecipe {
			return r.Rows(j), nil
		}
		return r.Render(j)
	}
	sk := &shardSink{in: in, opt: opt, plan: plan, lock: lock, todo: todo, total: total, sum: sum, pos: -1}
	err := renderInOrder(ctx, opt.Workers, newRenderer, render, jobs, func(i int, rows []shards.Row, err error) error {
		return sk.job(jobs[i], rows, err)
	})
	if err == nil {
		err = sk.advance(-1) // publish the last shard and open-and-publish any empty ones after it
	}
	if err != nil && sk.w != nil {
		sk.w.Abort()
	}
	return err
}

// shardSink writes rendered jobs into the todo shards, opening each shard at its first job
// and publishing it (file, then receipt) after its last.
type shardSink struct {
	in      Inputs
	opt     Options
	plan    *Plan
	lock    *shards.Lock
	todo    []int
	pos     int // index into todo of the open shard
	w       shards.ShardWriter
	skipped []shards.Skip
	done    int
	total   int
	sum     *Summary
}

// advance moves to global shard g, publishing the open shard and opening (and, when
// empty, publishing) the todo shards before it; g = -1 runs to the end of todo.
func (s *shardSink) advance(g int) error {
	for s.pos < len(s.todo) && (s.pos < 0 || s.todo[s.pos] != g) {
		if s.w != nil {
			if err := s.publish(); err != nil {
				return err
			}
		}
		s.pos++
		if s.pos == len(s.todo) {
			break
		}
		if err := s.open(); err != nil {
			return err
		}
	}
	if g >= 0 && s.pos == len(s.todo) {
		return fmt.Errorf("internal: shard %d is not to be written", g)
	}
	return nil
}

// open starts the shard todo[pos], clearing what a killed run left for it.
func (s *shardSink) open() error {
	sh := &s.plan.Shards[s.todo[s.pos]]
	path := filepath.Join(s.opt.Out, filepath.FromSlash(sh.File))
	rp := receiptPath(s.opt.Out, sh.File)
	os.Remove(rp)
	for _, pattern := range []string{shards.TempPattern(path), shards.TempPattern(rp)} {
		old, _ := filepath.Glob(pattern)
		for _, o := range old {
			os.Remove(o)
		}
	}
	w, err := shards.CreateFormat(s.opt.Format, path, shards.WriterOptions{Classes: s.lock.Classes, RowGroupBytes: s.opt.RowGroupBytes, PlanID: s.lock.PlanID})
	if err != nil {
		return err
	}
	s.w, s.skipped = w, nil
	return nil
}

// publish closes the open shard and writes its receipt.
func (s *shardSink) publish() error {
	sh := &s.plan.Shards[s.todo[s.pos]]
	w := s.w
	s.w = nil
	info, err := w.Close()
	if err != nil {
		return err
	}
	info.File = sh.File
	data, err := shards.MarshalJSON(shards.Receipt{ShardInfo: info, PlanID: s.lock.PlanID, Skipped: s.skipped})
	if err != nil {
		return err
	}
	if err := atomicfile.Write(receiptPath(s.opt.Out, sh.File), data); err != nil {
		return err
	}
	s.sum.Written++
	s.sum.Bytes += info.Bytes
	s.sum.Skipped = append(s.sum.Skipped, s.skipped...)
	return nil
}

// job writes one rendered job into its shard; a bad source image is skipped (and listed)
// unless --strict or the manifest says fail.
func (s *shardSink) job(j *Job, rows []shards.Row, rerr error) error {
	if err := s.advance(j.Shard); err != nil {
		return err
	}
	s.done += j.Rows()
	if rerr != nil {
		var re *RenderError
		if !errors.As(rerr, &re) {
			return rerr
		}
		if corruptPolicy(s.opt, s.in.Manifest) == "fail" {
			return fmt.Errorf("bad source image (corrupt: fail): %w", rerr)
		}
		s.skipped = append(s.skipped, shards.Skip{SourceID: re.SourceID, Reason: relativeReason(re.Err.Error(), j.Item.Path, s.in.Root)})
		return nil
	}
	if err := s.w.Write(rows...); err != nil {
		return err
	}
	s.sum.Rows += len(rows)
	if s.opt.Format != shards.FormatRecipe {
		s.sum.Images++
	}
	if s.opt.Progress != nil {
		s.opt.Progress(s.done, s.total)
	}
	return nil
}

// corruptPolicy is what a bad source image gets: the option when set, else the
// manifest's source.corrupt, else skip.
func corruptPolicy(opt Options, m *manifests.Manifest) string {
	if opt.Corrupt != "" {
		return opt.Corrupt
	}
	if m.Source.Corrupt == "fail" {
		return "fail"
	}
	return "skip"
}

// relativeReason rewrites the file path in a skipped image's reason relative to the
// dataset root, so that the reason (and the lock) is the same however the root was given.
func relativeReason(msg, path, root string) string {
	if path == "" || root == "" || !strings.Contains(msg, path) {
		return msg
	}
	absRoot, err1 := filepath.Abs(root)
	absPath, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return msg
	}
	rel, err := filepath.Rel(absRoot, absPath)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return msg
	}
	return strings.ReplaceAll(msg, path, filepath.ToSlash(rel))
}

// PeakRSS returns the process's peak resident set size (VmHWM) on Linux, else 0.
func PeakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:")), "%d", &kb)
			return kb << 10
		}
	}
	return 0
}

// WriteSummary prints a run summary for people.
func (s *Summary) WriteSummary(w io.Writer) {
	fmt.Fprintf(w, "plan %s: %d shards (%d selected, %d written, %d kept)\n", s.PlanID, s.Shards, s.Selected, s.Written, s.Kept)
	if s.Format == shards.FormatRecipe {
		fmt.Fprintf(w, "rows %d (recipe: no image decoded), %.1f MiB, %.1fs, %.0f rows/s, peak RSS %.0f MiB\n",
			s.Rows, float64(s.Bytes)/(1<<20), s.Elapsed.Seconds(), s.RowsPerSec, float64(s.PeakRSSBytes)/(1<<20))
	} else {
		fmt.Fprintf(w, "rows %d from %d images, %.1f MiB, %.1fs, %.1f images/s with %d workers, peak RSS %.0f MiB\n",
			s.Rows, s.Images, float64(s.Bytes)/(1<<20), s.Elapsed.Seconds(), s.RowsPerSec, s.Workers, float64(s.PeakRSSBytes)/(1<<20))
	}
	if len(s.Skipped) > 0 {
		fmt.Fprintf(w, "skipped %d bad source images:\n", len(s.Skipped))
		sk := append([]shards.Skip(nil), s.Skipped...)
		sort.Slice(sk, func(a, b int) bool { return sk[a].SourceID < sk[b].SourceID })
		for _, k := range sk {
			fmt.Fprintf(w, "  %s: %s\n", k.SourceID, k.Reason)
		}
	}
	if s.Complete {
		fmt.Fprintln(w, "complete: every planned shard is present")
	} else {
		fmt.Fprintln(w, "incomplete: some planned shards are missing (other --shard parts, or run again with --resume)")
	}
}
