package torchrun

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/occbench/occbench/internal/atomicfile"
	"github.com/occbench/occbench/runners"
	torchpy "github.com/occbench/occbench/runners/torch"
	"github.com/occbench/occbench/synth/shards"
)

// Options configure a launch. Zero values take the defaults.
type Options struct {
	Python   string    // interpreter (default "python3", found on PATH)
	Device   string    // cpu | cuda | auto (default auto: cuda when torch sees one)
	Offline  bool      // never download (the runner never does; passed on)
	Progress io.Writer // human-readable progress lines (nil: discarded)

	OutDir   string        // result.json, model.safetensors, train_state.pt (default: a new temp folder)
	CacheDir string        // extracted package and tensor caches (default: $XDG_CACHE_HOME/occbench/torch)
	Data     *runners.Data // in-memory splits (Train, Iop, Test); nil reads spec.Shards with synth/shards

	NProcPerNode int      // > 1 launches torch.distributed.run with this many processes (GPUs)
	EvalBatch    int      // inference batch override (0: the spec's)
	Threads      int      // torch CPU threads (0: torch's default)
	ExtraArgs    []string // more arguments for occbench_torch
	Env          []string // more environment variables (KEY=VALUE)
}

// Probe is what the interpreter reports about torch.
type Probe struct {
	Python      string `json:"python"`
	Torch       string `json:"torch"`
	Torchvision string `json:"torchvision"`
	CUDA        bool   `json:"cuda"`
	Devices     int    `json:"devices"`
	DeviceName  string `json:"device_name"`
	// DeviceMemory is the first device's total memory in bytes (0 without CUDA).
	DeviceMemory int64 `json:"device_memory"`
}

const probeScript = `import json, sys
try:
    import torch
except Exception as e:
    print(json.dumps({"error": "torch", "detail": repr(e)})); sys.exit(0)
try:
    import torchvision
    tv = torchvision.__version__
except Exception as e:
    print(json.dumps({"error": "torchvision", "detail": repr(e)})); sys.exit(0)
try:
    import numpy, PIL
except Exception as e:
    print(json.dumps({"error": "numpy/PIL", "detail": repr(e)})); sys.exit(0)
c = torch.cuda.is_available()
print(json.dumps({"python": sys.version.split()[0], "torch": torch.__version__, "torchvision": tv,
    "cuda": c, "devices": torch.cuda.device_count() if c else 0,
    "device_name": torch.cuda.get_device_name(0) if c else "",
    "device_memory": torch.cuda.get_device_properties(0).total_memory if c else 0}))
`

var (
	probeMu    sync.Mutex
	probeCache = map[string]*Probe{}
)

// Check finds the interpreter and asks it about torch; errors say what to install.
func Check(ctx context.Context, python string) (string, *Probe, error) {
	if python == "" {
		python = "python3"
	}
	path, err := exec.LookPath(python)
	if err != nil {
		return "", nil, fmt.Errorf("torch runner: python interpreter %q not found (install python3 or pass --python)", python)
	}
	probeMu.Lock()
	defer probeMu.Unlock()
	if p := probeCache[path]; p != nil {
		return path, p, nil
	}
	out, err := exec.CommandContext(ctx, path, "-c", probeScript).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", nil, fmt.Errorf("torch runner: %s failed: %v: %s", path, err, bytes.TrimSpace(ee.Stderr))
		}
		return "", nil, fmt.Errorf("torch runner: %s: %w", path, err)
	}
	var r struct {
		Probe
		Error  string `json:"error"`
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &r); err != nil {
		return "", nil, fmt.Errorf("torch runner: %s: unexpected probe output %q", path, out)
	}
	switch r.Error {
	case "":
	case "torch":
		return "", nil, fmt.Errorf("torch is not installed for %s: apt-get install python3-torch python3-torchvision (or pip install torch torchvision) [%s]", path, r.Detail)
	case "torchvision":
		return "", nil, fmt.Errorf("torchvision is not installed for %s: apt-get install python3-torchvision (or pip install torchvision) [%s]", path, r.Detail)
	default:
		return "", nil, fmt.Errorf("numpy or Pillow is not installed for %s: apt-get install python3-numpy python3-pil [%s]", path, r.Detail)
	}
	p := r.Probe
	probeCache[path] = &p
	return path, &p, nil
}

// Extract writes the embedded Python package under cacheDir (once per content hash) and
// returns the folder to put on PYTHONPATH. OCCBENCH_TORCH_SRC, when set, is used instead
// (a source checkout's runners/torch).
func Extract(cacheDir string) (string, error) {
	if src := os.Getenv("OCCBENCH_TORCH_SRC"); src != "" {
		return src, nil
	}
	h := sha256.New()
	var files []string
	err := fs.WalkDir(torchpy.Files, torchpy.PackageDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files = append(files, p)
		b, _ := torchpy.Files.ReadFile(p)
		h.Write([]byte(p))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	root := filepath.Join(cacheDir, "py-"+hex.EncodeToString(h.Sum(nil))[:16])
	if _, err := os.Stat(filepath.Join(root, ".complete")); err == nil {
		return root, nil
	}
	for _, p := range files {
		b, _ := torchpy.Files.ReadFile(p)
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755); err != nil {
			return "", err
		}
		if err := atomicfile.Write(filepath.Join(root, filepath.FromSlash(p)), b); err != nil {
			return "", err
		}
	}
	return root, atomicfile.Write(filepath.Join(root, ".complete"), nil)
}

func defaultCacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "occbench", "torch")
	}
	return filepath.Join(os.TempDir(), "occbench-torch")
}

// checkWeights checks, before Python starts, that the init file exists and (for
// safetensors) has a readable header. Shape/name agreement with the network is checked by
// the runner first thing, before any data is read.
func checkWeights(spec *runners.RunSpec) error {
	if spec.Init.Kind == "random" {
		return nil
	}
	p := spec.Init.Path
	if p == "torchvision" || strings.HasPrefix(p, "torchvision:") {
		return nil // resolved in torchvision's cache by the runner, never downloaded
	}
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("run spec: init.path: weights file: %w", err)
	}
	defer f.Close()
	if strings.HasSuffix(p, ".pth") || strings.HasSuffix(p, ".pt") || strings.HasSuffix(p, ".bin") {
		return nil
	}
	var n [8]byte
	st, _ := f.Stat()
	if _, err := io.ReadFull(f, n[:]); err != nil {
		return fmt.Errorf("run spec: init.path: %s is not a safetensors file (too short)", p)
	}
	size := uint64(n[0]) | uint64(n[1])<<8 | uint64(n[2])<<16 | uint64(n[3])<<24 | uint64(n[4])<<32 | uint64(n[5])<<40 | uint64(n[6])<<48 | uint64(n[7])<<56
	if size == 0 || size > uint64(st.Size())-8 || size > 100<<20 {
		return fmt.Errorf("run spec: init.path: %s is not a safetensors file (header length %d)", p, size)
	}
	hdr := make([]byte, size)
	if _, err := io.ReadFull(f, hdr); err != nil {
		return fmt.Errorf("run spec: init.path: %s: %w", p, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(hdr, &m); err != nil {
		return fmt.Errorf("run spec: init.path: %s is not a safetensors file: %w", p, err)
	}
	return nil
}

// checkPack refuses, before Python starts, a pattern pack that does not match the lock of
// the spec's shard set (the Python runner checks it again when run on its own).
func checkPack(spec *runners.RunSpec) error {
	if spec.Shards == "" {
		return nil
	}
	lock, err := shards.ReadLock(spec.Shards)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	dir := spec.PatternPack
	if dir == "" {
		dir = filepath.Join(spec.Shards, shards.PackDir)
	}
	return shards.CheckPack(dir, lock)
}

// event is one JSON line of the runner's stdout.
type event struct {
	Event    string  `json:"event"`
	Message  string  `json:"message"`
	Kind     string  `json:"kind"`
	Epoch    int     `json:"epoch"`
	Epochs   int     `json:"epochs"`
	Step     int     `json:"step"`
	Steps    int     `json:"steps"`
	Loss     float64 `json:"loss"`
	TrainAcc float64 `json:"train_acc"`
	LR       float64 `json:"lr"`
	Seconds  float64 `json:"seconds"`
	Bank     int     `json:"dv_bank_size"`
	Done     int     `json:"done"`
	Total    int     `json:"total"`
	Patterns int     `json:"patterns"`
	EvalSets int     `json:"eval_sets"`
	Device   string  `json:"device"`
	Torch    string  `json:"torch"`
	World    int     `json:"world"`
	AMP      bool    `json:"amp"`
	Train    int     `json:"train"`
	Iop      int     `json:"iop_pairs"`
	Test     int     `json:"test"`
	Path     string  `json:"path"`
	From     int     `json:"from_epoch"`
}

func (e *event) text() string {
	switch e.Event {
	case "start":
		return fmt.Sprintf("torch %s on %s (%d process(es), bf16 autocast %v)", e.Torch, e.Device, e.World, e.AMP)
	case "data":
		msg := fmt.Sprintf("data: %d training images, %d Iop pairs, %d test images x (1 + %d patterns)", e.Train, e.Iop, e.Test, e.Patterns)
		if e.EvalSets > 0 {
			msg += fmt.Sprintf(", %d more test sets", e.EvalSets)
		}
		return msg
	case "resume":
		return fmt.Sprintf("resuming after epoch %d", e.From)
	case "step":
		return fmt.Sprintf("  epoch %d step %d/%d loss %.4f", e.Epoch, e.Step, e.Steps, e.Loss)
	case "epoch":
		s := fmt.Sprintf("epoch %d/%d loss %.4f train acc %.4f lr %.5g %.1fs", e.Epoch, e.Epochs, e.Loss, e.TrainAcc, e.LR, e.Seconds)
		if e.Bank > 0 {
			s += fmt.Sprintf(" (DV bank %d)", e.Bank)
		}
		return s
	case "eval":
		return fmt.Sprintf("  evaluating: %d/%d test images", e.Done, e.Total)
	case "stopped":
		return e.Message
	case "result":
		return "result: " + e.Path
	case "error":
		return "error: " + e.Message
	}
	return ""
}

// Run runs spec on the PyTorch runner and returns its result. Checks that need no Python
// (spec, weights file) run first, then the interpreter probe (torch installed, CUDA when
// asked for), then the tensor cache is written and the runner started.
func Run(ctx context.Context, spec *runners.RunSpec, opts Options) (*runners.Result, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if err := checkWeights(spec); err != nil {
		return nil, err
	}
	if err := checkPack(spec); err != nil {
		return nil, err
	}
	python, probe, err := Check(ctx, opts.Python)
	if err != nil {
		return nil, err
	}
	dev := opts.Device
	if dev == "" {
		dev = "auto"
	}
	if strings.HasPrefix(dev, "cuda") && !probe.CUDA {
		return nil, fmt.Errorf("--device %s: torch %s for %s sees no CUDA device (CPU-only build or no GPU/driver)", dev, probe.Torch, python)
	}
	if opts.NProcPerNode > 1 && probe.CUDA && opts.NProcPerNode > probe.Devices && dev != "cpu" {
		return nil, fmt.Errorf("%d processes asked for, but torch sees %d CUDA device(s)", opts.NProcPerNode, probe.Devices)
	}
	cacheDir := opts.CacheDir
	if cacheDir == "" {
		cacheDir = defaultCacheDir()
	}
	pyPath, err := Extract(cacheDir)
	if err != nil {
		return nil, fmt.Errorf("torch runner: extract the Python package: %w", err)
	}
	out := opts.OutDir
	if out == "" {
		if out, err = os.MkdirTemp("", "occbench-torch-run-"); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	dataDir := filepath.Join(out, "tensor-cache")
	if err := os.RemoveAll(dataDir); err != nil {
		return nil, err
	}
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	if opts.Data != nil {
		err = WriteCache(dataDir, spec, opts.Data)
	} else {
		fmt.Fprintf(progress, "reading shards %s into the tensor cache\n", spec.Shards)
		err = CacheFromShards(dataDir, spec)
	}
	if err != nil {
		return nil, err
	}
	specJSON, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, err
	}
	specPath := filepath.Join(out, "spec.json")
	if err := atomicfile.Write(specPath, append(specJSON, '\n')); err != nil {
		return nil, err
	}
	args := []string{"-m", "occbench_torch", specPath, "--out", out, "--device", dev, "--data", dataDir}
	if opts.NProcPerNode > 1 {
		args = append([]string{"-m", "torch.distributed.run", "--standalone", "--nproc_per_node", fmt.Sprint(opts.NProcPerNode)},
			append([]string{"-m", "occbench_torch"}, args[2:]...)...)
	}
	if opts.Offline {
		args = append(args, "--offline")
	}
	if opts.EvalBatch > 0 {
		args = append(args, "--eval-batch", fmt.Sprint(opts.EvalBatch))
	}
	if opts.Threads > 0 {
		args = append(args, "--threads", fmt.Sprint(opts.Threads))
	}
	args = append(args, opts.ExtraArgs...)
	os.Remove(filepath.Join(out, "result.json"))
	cmd := exec.CommandContext(ctx, python, args...)
	env := append(os.Environ(), "PYTHONPATH="+pyPath+pathListSep()+os.Getenv("PYTHONPATH"), "PYTHONUNBUFFERED=1")
	if opts.Offline {
		env = append(env, "TORCH_HUB_OFFLINE=1", "HF_HUB_OFFLINE=1")
	}
	cmd.Env = append(env, opts.Env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr tail
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("torch runner: start %s: %w", python, err)
	}
	var runErr string
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var ev event
		if len(line) > 0 && line[0] == '{' && json.Unmarshal(line, &ev) == nil && ev.Event != "" {
			if ev.Event == "error" {
				runErr = ev.Message
			}
			if t := ev.text(); t != "" {
				fmt.Fprintln(progress, t)
			}
			continue
		}
		fmt.Fprintf(progress, "%s\n", line)
	}
	waitErr := cmd.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	resPath := filepath.Join(out, "result.json")
	res, rerr := runners.ReadResult(resPath)
	if waitErr != nil {
		if runErr != "" {
			return res, fmt.Errorf("torch runner: %s", runErr)
		}
		if res != nil && res.StoppedReason != "" {
			return res, fmt.Errorf("%s", res.StoppedReason)
		}
		return res, fmt.Errorf("torch runner: %v\n%s", waitErr, stderr.String())
	}
	if rerr != nil {
		return nil, fmt.Errorf("torch runner: %w", rerr)
	}
	if res.SpecHash != spec.Hash() {
		return res, fmt.Errorf("torch runner: result spec_hash %s, want %s (the Python spec canonicalization differs from Go's)", res.SpecHash, spec.Hash())
	}
	res.Spec = spec
	return res, nil
}

func pathListSep() string { return string(os.PathListSeparator) }

// tail keeps the last 8 KiB written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 8192 {
		t.buf = t.buf[len(t.buf)-8192:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}
