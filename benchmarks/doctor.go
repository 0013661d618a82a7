package benchmarks

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/occbench/occbench/internal/inputs"
	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/runners"
	"github.com/occbench/occbench/synth"
	"github.com/occbench/occbench/synth/sources"
)

// Check statuses: a run can start when no check failed.
const (
	CheckOK   = "ok"
	CheckWarn = "warn"
	CheckFail = "FAIL"
)

// Check is one finding of Doctor: what was checked, what was found, and how to fix it.
type Check struct {
	Name   string // dataset, splits, weights, python, cuda, disk, output, ...
	Status string // CheckOK, CheckWarn or CheckFail
	Detail string
	Fix    string // what to do ("" when nothing)
}

// TorchEnv is what a Python interpreter reports about PyTorch.
type TorchEnv struct {
	Python, Torch, Torchvision string
	CUDA                       bool
	Devices                    int
	DeviceName                 string
	DeviceMemory               int64 // bytes of the first device, 0 if unknown
}

// DoctorOptions say which run Doctor checks: the fields of Options a run reads before its
// first stage.
type DoctorOptions struct {
	Profile  string // "" = the benchmark's smallest supported profile
	Root     string
	Weights  string
	Manifest string
	Out      string
	Cache    string
	Runner   string // go | torch
	Device   string // torch runner: cpu | cuda | auto
	// TorchProbe asks the interpreter about PyTorch (runner torch); nil skips those checks.
	TorchProbe func(ctx context.Context) (*TorchEnv, error)
	// FreeBytes returns the free space of the file system holding dir (nil: the OS's).
	FreeBytes func(dir string) (int64, error)
}

// Doctor checks everything a `bench run` of b needs before its first stage: the dataset tree
// and its counts, the split rules, the weights file's tensors, the PyTorch environment, the
// free disk for the synth stage and whether the output folder is writable. It never writes
// anything but a probe file in the output folder, which it removes.
func Doctor(ctx context.Context, b *Benchmark, o DoctorOptions) []Check {
	var out []Check
	add := func(name, status, fix, format string, args ...any) {
		out = append(out, Check{Name: name, Status: status, Detail: fmt.Sprintf(format, args...), Fix: fix})
	}
	if o.Profile == "" {
		ps := b.Profiles()
		o.Profile = ps[len(ps)-1]
	}
	if o.Out == "" {
		o.Out = "out"
	}
	if o.Cache == "" {
		o.Cache = filepath.Join(o.Out, ".cache")
	}
	if o.Runner == "" {
		o.Runner = "go"
	}
	ref, ok := b.Manifests[o.Profile]
	if !ok {
		add("profile", CheckFail, fmt.Sprintf("use --profile %s", strings.Join(b.Profiles(), ", --profile ")),
			"%s has no profile %q", b.ID, o.Profile)
		return out
	}
	if o.Manifest != "" {
		ref = o.Manifest
	}
	m, err := manifests.Resolve(ref)
	if err != nil {
		add("manifest", CheckFail, "fix the manifest (bench manifests check FILE)", "%v", err)
		return out
	}
	add("manifest", CheckOK, "", "%s (profile %s): %s %dx%d, network %s", m.Name, o.Profile, m.Source.Layout, m.Preprocess.Size, m.Preprocess.Size, m.Hyper.Network)

	in, inOK := doctorDataset(m, b, o, add)
	doctorWeights(b, m, o, add)
	if o.Runner == "torch" {
		doctorTorch(ctx, o, add)
	} else if o.Runner != "go" {
		add("runner", CheckFail, "use --runner go or --runner torch", "unknown runner %q", o.Runner)
	}
	if inOK {
		doctorDisk(b, m, in, o, add)
	}
	doctorOutput(o.Out, add)
	return out
}

// CanStart reports whether no check failed.
func CanStart(checks []Check) bool {
	for _, c := range checks {
		if c.Status == CheckFail {
			return false
		}
	}
	return true
}

// WriteChecks prints one line per check: status, name, detail and, when there is one, the fix.
func WriteChecks(w io.Writer, checks []Check) error {
	for _, c := range checks {
		line := fmt.Sprintf("%-4s  %-9s %s", c.Status, c.Name, c.Detail)
		if c.Fix != "" {
			line += " — fix: " + c.Fix
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}

type addFunc func(name, status, fix, format string, args ...any)

// doctorDataset opens the tree, compares its counts with the published dataset's and
// resolves the benchmark's sets.
func doctorDataset(m *manifests.Manifest, b *Benchmark, o DoctorOptions, add addFunc) (synth.Inputs, bool) {
	root := m.DatasetRoot(o.Root)
	src, err := synth.OpenSource(m, o.Root)
	if err != nil {
		add("dataset", CheckFail, fmt.Sprintf("point --root (or $%s) at the folder laid out as synth/sources/LAYOUTS.md's %q section shows", m.RootEnv(), m.Source.Layout),
			"%v", err)
		return synth.Inputs{}, false
	}
	items := src.Items()
	bySplit := map[string]int{}
	for _, it := range items {
		bySplit[it.Attrs["split"]]++
	}
	var parts []string
	for _, s := range sortedKeys(bySplit) {
		name := s
		if name == "" {
			name = "images"
		}
		parts = append(parts, fmt.Sprintf("%d %s", bySplit[s], name))
	}
	if root == "" {
		root = "(built in)"
	}
	add("dataset", CheckOK, "", "%s tree at %s: %d classes, %s", m.Source.Layout, root, len(src.Classes()), strings.Join(parts, ", "))
	if pub, ok := sources.PublishedCounts(m.Source.Layout); ok {
		var diffs []string
		if len(src.Classes()) != pub.Classes {
			diffs = append(diffs, fmt.Sprintf("%d classes (published: %d)", len(src.Classes()), pub.Classes))
		}
		for _, s := range sortedKeys(pub.Images) {
			got := bySplit[s]
			if s == "" {
				got = len(items)
			}
			if got != pub.Images[s] {
				name := s
				if name == "" {
					name = "images"
				}
				diffs = append(diffs, fmt.Sprintf("%d %s (published: %d)", got, name, pub.Images[s]))
			}
		}
		if len(diffs) > 0 {
			add("counts", CheckWarn, fmt.Sprintf("use the complete official %s release for numbers comparable with the paper's", pub.Name),
				"the tree is not the published %s: %s; the run can start, its report is not the paper's protocol", pub.Name, strings.Join(diffs, ", "))
		} else {
			add("counts", CheckOK, "", "the published %s counts: %d classes, %d images", pub.Name, pub.Classes, len(items))
		}
	}
	in, err := synth.Load(m, o.Root, "")
	if err != nil {
		add("splits", CheckFail, "the tree lacks images the manifest's set rules need: complete the dataset (or run on a --manifest that asks for fewer)", "%v", err)
		return synth.Inputs{}, false
	}
	for _, name := range neededSets(b, m, o.Profile) {
		l := in.Splits.Set(name)
		if l == nil {
			continue
		}
		lo, hi := -1, 0
		for _, c := range l.PerClass() {
			if lo < 0 || c.Images < lo {
				lo = c.Images
			}
			hi = max(hi, c.Images)
		}
		per := fmt.Sprintf("%d a class", lo)
		if hi != lo {
			per = fmt.Sprintf("%d to %d a class", lo, hi)
		}
		add("set", CheckOK, "", "%s (%s): %d classes, %d images, %s", l.Name, l.Role, len(l.Classes), len(l.Items), per)
	}
	return in, true
}

// networks lists the architectures b trains in a profile, in row order.
func networks(b *Benchmark, m *manifests.Manifest, profile string) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range b.Models {
		n := m.Hyper.Network
		if r.Network != "" && profile == ProfilePaper {
			n = r.Network
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// doctorWeights checks the pretrained weights file of the paper profile against the tensor
// table of each network the benchmark trains.
func doctorWeights(b *Benchmark, m *manifests.Manifest, o DoctorOptions, add addFunc) {
	if o.Profile != ProfilePaper {
		if o.Weights != "" {
			add("weights", CheckWarn, "drop --weights", "the %s profile pretrains its own network; --weights is ignored", o.Profile)
		}
		return
	}
	names := map[bool]string{true: "insightface", false: "torchvision"}[m.Hyper.Network == "iresnet50"]
	if o.Weights == "" {
		add("weights", CheckFail, fmt.Sprintf("pass --weights FILE.safetensors with %s tensor names", names),
			"the paper profile fine-tunes %s-pretrained %s weights and none were given", m.Hyper.Pretrained, m.Hyper.Network)
		return
	}
	if ext := strings.ToLower(filepath.Ext(o.Weights)); ext != ".safetensors" {
		if st, err := os.Stat(o.Weights); err != nil || !st.Mode().IsRegular() {
			add("weights", CheckFail, "pass the path of an existing weights file", "%s: not a readable file", o.Weights)
			return
		}
		add("weights", CheckWarn, "export it to safetensors to have its tensors checked here (python3 -c \"import torch; from occbench_torch.weights import write_safetensors; ...\")",
			"%s is a %s file: only safetensors headers are read without Python; the PyTorch runner checks its names when it loads it", o.Weights, ext)
		return
	}
	file, _, err := runners.ReadSafetensorsHeader(o.Weights)
	if err != nil {
		add("weights", CheckFail, fmt.Sprintf("pass a safetensors file with %s tensor names", names), "%v", err)
		return
	}
	for _, arch := range networks(b, m, o.Profile) {
		n := runners.Network{Arch: arch, NumClasses: 1, InputSize: m.Hyper.InputSize}
		if n.InputSize == 0 {
			n.InputSize = m.Preprocess.Size
		}
		head := headOf(arch)
		c, err := runners.CheckWeights(file, n, []string{head}, o.Runner != "torch")
		if err != nil {
			add("weights", CheckFail, "", "%s for %s: %v", o.Weights, arch, err)
			continue
		}
		if c.OK() {
			skipped := "no classifier tensors to skip"
			if len(c.Skipped) > 0 {
				skipped = "skips " + strings.Join(c.Skipped, ", ") + " (the classifier of other classes; a new one is trained)"
			}
			add("weights", CheckOK, "", "%s has every tensor %s needs (%d of %d loaded); %s", o.Weights, arch, c.Loaded, c.Tensors, skipped)
			continue
		}
		var what []string
		if len(c.Missing) > 0 {
			what = append(what, fmt.Sprintf("%d missing (%s)", len(c.Missing), firstFew(c.Missing)))
		}
		if len(c.WrongShape) > 0 {
			what = append(what, fmt.Sprintf("%d with another shape (%s)", len(c.WrongShape), firstFew(c.WrongShape)))
		}
		if len(c.WrongDType) > 0 {
			what = append(what, fmt.Sprintf("%d not F32, which the Go runner needs (%s)", len(c.WrongDType), firstFew(c.WrongDType)))
		}
		if len(c.Unexpected) > 0 {
			what = append(what, fmt.Sprintf("%d not tensors of %s (%s)", len(c.Unexpected), arch, firstFew(c.Unexpected)))
		}
		fix := fmt.Sprintf("export %s's %s state_dict with its own names (no 'module.' prefix) as F32 safetensors", names, arch)
		add("weights", CheckFail, fix, "%s does not fit %s: %s", o.Weights, arch, strings.Join(what, "; "))
	}
}

func firstFew(s []string) string {
	if len(s) <= 3 {
		return strings.Join(s, ", ")
	}
	return strings.Join(s[:3], ", ") + ", ..."
}

// doctorTorch checks the interpreter, PyTorch, torchvision and the requested device.
func doctorTorch(ctx context.Context, o DoctorOptions, add addFunc) {
	if o.TorchProbe == nil {
		return
	}
	env, err := o.TorchProbe(ctx)
	if err != nil {
		add("python", CheckFail, "install PyTorch for the interpreter or pass --python", "%v", err)
		return
	}
	add("python", CheckOK, "", "Python %s, torch %s, torchvision %s", env.Python, env.Torch, env.Torchvision)
	switch {
	case env.CUDA:
		mem := "memory unknown"
		if env.DeviceMemory > 0 {
			mem = inputs.Size(env.DeviceMemory)
		}
		add("cuda", CheckOK, "", "%d CUDA device(s), the first %s (%s)", env.Devices, env.DeviceName, mem)
	case o.Device == "cuda":
		add("cuda", CheckFail, "install a CUDA build of torch and the NVIDIA driver, or pass --device cpu",
			"--device cuda: torch %s sees no CUDA device", env.Torch)
	default:
		add("cuda", CheckWarn, "run on a machine with a GPU for paper-profile training",
			"torch %s sees no CUDA device: the run trains on the CPU", env.Torch)
	}
}

// doctorDisk estimates the bytes the synth stage (and the PyTorch runner's tensor cache)
// writes and compares them with the free space under the cache folder.
func doctorDisk(b *Benchmark, m *manifests.Manifest, in synth.Inputs, o DoctorOptions, add addFunc) {
	need, detail, err := DiskEstimate(b, m, in, o.Profile, o.Runner)
	if err != nil {
		add("disk", CheckFail, "", "planning the synth stage: %v", err)
		return
	}
	free := o.FreeBytes
	if free == nil {
		free = freeBytes
	}
	dir := existingAncestor(o.Cache)
	have, err := free(dir)
	if err != nil {
		add("disk", CheckWarn, "", "needs about %s (%s); free space of %s unknown: %v", inputs.Size(need), detail, dir, err)
		return
	}
	if have < need {
		add("disk", CheckFail, "free space there, or pass --out (or --cache) on a larger disk",
			"needs about %s (%s), %s has %s free", inputs.Size(need), detail, dir, inputs.Size(have))
		return
	}
	add("disk", CheckOK, "", "needs about %s (%s), %s has %s free", inputs.Size(need), detail, dir, inputs.Size(have))
}

// DiskEstimate estimates the bytes of the synth stage's shards, from the plan's rows and
// synth.RowBytes, plus, for the PyTorch runner, its uncompressed tensor cache.
func DiskEstimate(b *Benchmark, m *manifests.Manifest, in synth.Inputs, profile, runner string) (int64, string, error) {
	sopt := synth.Options{Sets: neededSets(b, m, profile), Version: "occbench", Variant: b.SynthVariant}
	plan, lock, err := synth.Prepare(in, &sopt)
	if err != nil {
		return 0, "", err
	}
	rows, images := 0, 0
	for _, sp := range plan.Splits {
		rows += sp.Rows
		images += sp.Images
	}
	shardBytes := int64(rows) * synth.RowBytes(m.Preprocess.Size, lock.Encode)
	detail := fmt.Sprintf("%d shard rows at %dx%d %s: %s", rows, m.Preprocess.Size, m.Preprocess.Size, lock.Encode, inputs.Size(shardBytes))
	total := shardBytes
	if runner == "torch" {
		s := int64(m.Hyper.InputSize)
		if s == 0 {
			s = int64(m.Preprocess.Size)
		}
		cache := int64(images) * s * s * 3
		total += cache
		detail += fmt.Sprintf(", tensor cache %s", inputs.Size(cache))
	}
	return total, detail, nil
}

// existingAncestor is dir or its nearest existing parent (the output may not exist yet).
func existingAncestor(dir string) string {
	d, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	for {
		if _, err := os.Stat(d); err == nil {
			return d
		}
		p := filepath.Dir(d)
		if p == d {
			return d
		}
		d = p
	}
}

// doctorOutput creates the output folder and a probe file in it.
func doctorOutput(out string, add addFunc) {
	fix := "pass --out DIR on a file system you can write"
	if err := os.MkdirAll(out, 0o755); err != nil {
		add("output", CheckFail, fix, "cannot create %s: %v", out, err)
		return
	}
	f, err := os.CreateTemp(out, ".doctor-probe-")
	if err != nil {
		add("output", CheckFail, fix, "cannot write in %s: %v", out, err)
		return
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	add("output", CheckOK, "", "%s is writable", out)
}

func sortedKeys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
