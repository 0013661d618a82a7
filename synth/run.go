package synth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/occbench/occbench/internal/atomicfile"
	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/synth/shards"
	"github.com/occbench/occbench/synth/sources"
	"github.com/occbench/occbench/synth/splits"
	"github.com/occbench/occbench/synth/turbo"
)

// Options configure Run.
type Options struct {
	Out      string
	Sets     []string
	Format   string // parquet (default) or webdataset (tar shards); recipe is not implemented
	Encode   string // png or jpeg; "" = the manifest's output.encode
	Codec    string // go (default) or turbo (libjpeg-turbo, build tag turbojpeg)
	Occluded bool   // materialize the occluded rows of pairs sets
	Variant  string // pattern subset for occlude: variant ("" = first iop_variants)
	// RowsPerShard caps the rows of a shard (0: DefaultRowsPerShard for the image size).
	RowsPerShard     int
	RowGroupBytes    int64
	Shard, NumShards int // write only shards with global index % NumShards == Shard
	Workers          int
	Resume           bool // keep complete shards of the same plan
	Force            bool // overwrite an output folder of another plan
	Strict           bool // fail on the first bad source image
	Version          string
	// Progress is called after each job is written (rows done, rows to do); may be nil.
	Progress func(done, total int)
}

// Summary is what a run did.
type Summary struct {
	PlanID        string        `json:"plan_id"`
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
	per := size * size * 3 / 2 // PNG of a natural image
	if encode == "jpeg" {
		per = size * size * 3 / 10
	}
	if per < 1 {
		per = 1
	}
	n := (256 << 20) / per
	return max(1000, min(n, 100000))
}

// ErrOtherPlan is returned when the output folder holds another plan's shards.
var ErrOtherPlan = errors.New("output folder holds shards of another manifest or options")

// Inputs are the resolved inputs of a run.
type Inputs struct {
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
	if opt.Format != shards.FormatParquet && opt.Format != shards.FormatWebDataset {
		return nil, nil, fmt.Errorf("--format %s: not implemented yet (parquet or webdataset)", opt.Format)
	}
	if opt.Encode == "" {
		opt.Encode = m.Output.Encode
	}
	if opt.Encode == "jpg" {
		opt.Encode = "jpeg"
	}
	if opt.RowsPerShard <= 0 {
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
		PlanOptions{Sets: opt.Sets, Occluded: opt.Occluded, Variant: opt.Variant, RowsPerShard: opt.RowsPerShard, Format: opt.Format})
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
	variantUsed := false
	for i := range plan.Splits {
		sp := &plan.Splits[i]
		ls := shards.LockSplit{Name: sp.Name, Role: sp.Role, Checksum: sp.Checksum, Subset: sp.Subset, AddOccluded: sp.AddOccluded,
			Images: sp.Images, PlannedRows: sp.Rows}
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
	if err := claimOutput(out, lock, opt.Force); err != nil {
		return nil, err
	}
	sum := &Summary{PlanID: lock.PlanID, Shards: len(plan.Shards), Workers: opt.Workers, RowsPerShard: opt.RowsPerShard}
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
	sum.Complete = complete
	sum.Elapsed = time.Since(start)
	if s := sum.Elapsed.Seconds(); s > 0 {
		sum.RowsPerSec = float64(sum.Rows) / s
	}
	sum.PeakRSSBytes = PeakRSS()
	return sum, nil
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
			return fmt.Errorf("%w: %s; use another --out or --force to replace them", ErrOtherPlan, other)
		}
		for _, p := range []string{shards.DataDir, shards.StateDir, shards.PackDir, shards.LockFile, shards.CardFile} {
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

type result struct {
	rows []shards.Row
	err  error
}

type work struct {
	job *Job
	ch  chan result
}

// runShards renders the jobs of the todo shards in a worker pool and writes them in plan
// order.
func runShards(ctx context.Context, in Inputs, opt Options, plan *Plan, lock *shards.Lock, todo []int, total int, sum *Summary) error {
	if len(todo) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	splitNames := make([]string, len(plan.Splits))
	for i, s := range plan.Splits {
		splitNames[i] = s.Name
	}
	classes := in.Source.Classes()
	window := opt.Workers * 4
	sem := make(chan struct{}, window)
	workCh := make(chan work, window)
	orderCh := make(chan work, window)
	var wg sync.WaitGroup
	for w := 0; w < opt.Workers; w++ {
		enc, err := NewCodecEncoder(opt.Encode, in.Manifest.Output.JPEGQuality, opt.Codec)
		if err != nil {
			return err
		}
		r := &Renderer{Prep: in.Manifest.Preprocess, Pack: in.Pack, Source: in.Source, Classes: classes, Splits: splitNames, Enc: enc}
		if opt.Codec == CodecTurbo {
			if r.Turbo, err = turbo.New(); err != nil {
				return err
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for wk := range workCh {
				if ctx.Err() != nil {
					wk.ch <- result{err: ctx.Err()}
					continue
				}
				rows, err := r.Render(wk.job)
				wk.ch <- result{rows: rows, err: err}
			}
		}()
	}
	go func() {
		defer close(workCh)
		defer close(orderCh)
		for _, g := range todo {
			sh := &plan.Shards[g]
			for j := sh.JobLo; j < sh.JobHi; j++ {
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					return
				}
				wk := work{job: &plan.Jobs[j], ch: make(chan result, 1)}
				orderCh <- wk
				workCh <- wk
			}
		}
	}()
	err := writeInOrder(ctx, in, opt, plan, lock, todo, total, sum, orderCh, sem)
	cancel()
	for range orderCh { // drain so the feeder can exit
		<-sem
	}
	wg.Wait()
	return err
}

func writeInOrder(ctx context.Context, in Inputs, opt Options, plan *Plan, lock *shards.Lock, todo []int, total int, sum *Summary, orderCh chan work, sem chan struct{}) error {
	failBad := opt.Strict || in.Manifest.Source.Corrupt == "fail"
	done := 0
	for _, g := range todo {
		sh := &plan.Shards[g]
		path := filepath.Join(opt.Out, filepath.FromSlash(sh.File))
		// Temporary files a killed run left for this shard.
		if old, _ := filepath.Glob(shards.TempPattern(path)); len(old) > 0 {
			for _, o := range old {
				os.Remove(o)
			}
		}
		rp := receiptPath(opt.Out, sh.File)
		os.Remove(rp)
		if old, _ := filepath.Glob(shards.TempPattern(rp)); len(old) > 0 {
			for _, o := range old {
				os.Remove(o)
			}
		}
		w, err := shards.CreateFormat(opt.Format, path, shards.WriterOptions{Classes: lock.Classes, RowGroupBytes: opt.RowGroupBytes})
		if err != nil {
			return err
		}
		var skipped []shards.Skip
		for j := sh.JobLo; j < sh.JobHi; j++ {
			var wk work
			var ok bool
			select {
			case wk, ok = <-orderCh:
			case <-ctx.Done():
				w.Abort()
				return ctx.Err()
			}
			if !ok {
				w.Abort()
				return fmt.Errorf("internal: job stream ended early")
			}
			res := <-wk.ch
			<-sem
			if res.err != nil {
				var re *RenderError
				if errors.As(res.err, &re) && !failBad {
					skipped = append(skipped, shards.Skip{SourceID: re.SourceID, Reason: re.Err.Error()})
					done += wk.job.Rows()
					continue
				}
				w.Abort()
				if errors.As(res.err, &re) {
					return fmt.Errorf("bad source image (strict): %w", res.err)
				}
				return res.err
			}
			if err := w.Write(res.rows...); err != nil {
				return err
			}
			sum.Rows += len(res.rows)
			sum.Images++
			done += wk.job.Rows()
			if opt.Progress != nil {
				opt.Progress(done, total)
			}
		}
		info, err := w.Close()
		if err != nil {
			return err
		}
		info.File = sh.File
		data, err := shards.MarshalJSON(shards.Receipt{ShardInfo: info, PlanID: lock.PlanID, Skipped: skipped})
		if err != nil {
			return err
		}
		if err := atomicfile.Write(receiptPath(opt.Out, sh.File), data); err != nil {
			return err
		}
		sum.Written++
		sum.Bytes += info.Bytes
		sum.Skipped = append(sum.Skipped, skipped...)
	}
	return nil
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
	fmt.Fprintf(w, "rows %d from %d images, %.1f MiB, %.1fs, %.1f images/s with %d workers, peak RSS %.0f MiB\n",
		s.Rows, s.Images, float64(s.Bytes)/(1<<20), s.Elapsed.Seconds(), s.RowsPerSec, s.Workers, float64(s.PeakRSSBytes)/(1<<20))
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
