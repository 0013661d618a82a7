package runners

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/occbench/occbench/internal/atomicfile"
)

// SpecVersion is the run spec format version this package reads and writes.
const SpecVersion = 1

// ResultVersion is the result format version this package writes. Version 2 added the
// per-image Hits of every count; ReadResult still reads version 1 (counts without Hits).
const ResultVersion = 2

// minResultVersion is the oldest result format ReadResult accepts.
const minResultVersion = 1

// Methods.
const (
	MethodClassical = "classical"
	MethodDFV       = "dfv"
)

// RunSpec says what one run trains and evaluates.
type RunSpec struct {
	Version     int      `json:"version"`
	Name        string   `json:"name,omitempty"`
	Shards      string   `json:"shards"`       // shard folder (train, iop, test splits)
	PatternPack string   `json:"pattern_pack"` // pattern pack folder (occluders/patterns)
	Network     Network  `json:"network"`
	Init        Init     `json:"init"`
	Method      string   `json:"method"`            // classical | dfv
	Alpha       *float64 `json:"alpha,omitempty"`   // dfv: probability of adding a DV (default 0.9)
	Beta        *float64 `json:"beta,omitempty"`    // dfv: DV scale (default 1)
	TrainSet    string   `json:"train_set"`         // split of the shards to train on (e.g. trn_x, trn_c, trn)
	IopSet      string   `json:"iop_set,omitempty"` // split of clean Iop images (dfv)
	// IopPatterns are the pattern ids the Iop images are occluded with (the Iop variant);
	// empty means every pattern of the pack.
	IopPatterns []int      `json:"iop_patterns,omitempty"`
	TestSet     string     `json:"test_set,omitempty"` // default "tst"
	Epochs      int        `json:"epochs"`
	BatchSize   int        `json:"batch_size"`
	Optimizer   Optimizer  `json:"optimizer"`
	Schedule    Schedule   `json:"schedule"`
	Augment     Augment    `json:"augmentation"`
	Freeze      Freeze     `json:"freeze"`
	Seed        uint64     `json:"seed"`
	Eval        EvalConfig `json:"eval,omitempty"`

	// Fields of the premise work (issue 13; docs/premise.md).

	// Classes are the shard labels the classifier's outputs stand for, in order: output k
	// predicts label Classes[k], and network.num_classes equals their number. The paper's
	// fine-tuned head covers Itrn's classes only. Empty: output k is label k. A training or
	// test label outside the list is an error naming the example.
	Classes []int `json:"classes,omitempty"`
	// DVSource is where method dfv's added vectors come from: "bank" (default, the DV bank
	// of the Iop pairs), "gaussian" (a fresh draw from a Gaussian with the bank's mean and
	// covariance, per sample) or "isotropic" (a fresh draw of zero-mean isotropic Gaussian
	// noise with the bank's mean squared norm). The last two are control rows.
	DVSource string `json:"dv_source,omitempty"`
	// DVSign multiplies every added vector (default 1; -1 flips the DVs, a test's sanity
	// check that the direction matters). Only 1 and -1 are valid.
	DVSign int `json:"dv_sign,omitempty"`
}

// DV sources of method dfv (RunSpec.DVSource).
const (
	DVBank      = "bank"
	DVGaussian  = "gaussian"
	DVIsotropic = "isotropic"
)

// DVSourceOr returns dv_source or its default, bank.
func (s *RunSpec) DVSourceOr() string {
	if s.DVSource == "" {
		return DVBank
	}
	return s.DVSource
}

// DVSignOr returns dv_sign or its default, 1.
func (s *RunSpec) DVSignOr() float64 {
	if s.DVSign == 0 {
		return 1
	}
	return float64(s.DVSign)
}

// LabelIndex maps a shard label to the classifier output that predicts it (identity when
// Classes is empty); ok is false for a label the classifier does not cover.
func (s *RunSpec) LabelIndex() func(label int) (int, bool) {
	if len(s.Classes) == 0 {
		return func(l int) (int, bool) { return l, l >= 0 && l < s.Network.NumClasses }
	}
	idx := make(map[int]int, len(s.Classes))
	for k, c := range s.Classes {
		idx[c] = k
	}
	return func(l int) (int, bool) { k, ok := idx[l]; return k, ok }
}

// Network names the architecture.
type Network struct {
	Arch       string `json:"arch"` // resnet-mini | resnet18 | resnet50 | vgg16 | iresnet50 (LResNet50E-IR, PyTorch runner only)
	NumClasses int    `json:"num_classes"`
	InputSize  int    `json:"input_size"`      // square input side in pixels
	Width      int    `json:"width,omitempty"` // resnet-mini: first stage channels (default 16)
	Depth      int    `json:"depth,omitempty"` // resnet-mini: residual blocks per stage (default 1)
	Stages     int    `json:"stages,omitempty"`
}

// InitKind says what initial weights a run starts from.
type InitKind string

// Init kinds.
const (
	InitRandom      InitKind = "random"      // the runner's seeded initialization
	InitCheckpoint  InitKind = "checkpoint"  // an occbench checkpoint (a pretraining run's)
	InitSafetensors InitKind = "safetensors" // imported weights (torchvision or insightface names)
)

// Init says where the initial weights come from.
type Init struct {
	Kind InitKind `json:"kind"`
	Path string   `json:"path,omitempty"` // checkpoint or safetensors file
	Skip []string `json:"skip,omitempty"` // tensor names left at random init (e.g. fc.weight, fc.bias)
}

// Optimizer is SGD with momentum and weight decay.
type Optimizer struct {
	Name        string  `json:"name"` // sgd
	LR          float64 `json:"lr"`
	Momentum    float64 `json:"momentum"`
	WeightDecay float64 `json:"weight_decay"`
	Nesterov    bool    `json:"nesterov,omitempty"`
}

// Schedule is the learning-rate schedule, stepped per epoch.
type Schedule struct {
	Name     string  `json:"name"`                // constant | step | cosine
	StepSize int     `json:"step_size,omitempty"` // step: epochs between decays
	Gamma    float64 `json:"gamma,omitempty"`     // step: decay factor
}

// Augment is the data augmentation of the DFV flow (never applied to the DV flow).
type Augment struct {
	HFlip       bool    `json:"hflip,omitempty"`
	Degrees     float64 `json:"affine_degrees,omitempty"`   // random affine rotation in [-d, d]
	Translate   float64 `json:"affine_translate,omitempty"` // random affine shift, fraction of side
	CropScaleLo float64 `json:"crop_scale_min,omitempty"`   // random-resized-crop area in [min, 1]; 0 = off
}

// Freeze is the frozen-layer rule: layers with at least MinChannels output channels are
// trained, and the classifier always; 0 trains everything.
type Freeze struct {
	MinChannels int `json:"min_channels"`
}

// EvalConfig controls evaluation.
type EvalConfig struct {
	BatchSize int   `json:"batch_size,omitempty"` // default 64
	Patterns  []int `json:"patterns,omitempty"`   // pattern ids; empty = every pattern of the pack
	// CleanOnly evaluates clean images only (a pretraining run's sanity check).
	CleanOnly bool `json:"clean_only,omitempty"`
	// Sets are more test splits, each evaluated as it is (no patterns): AR's real-occlusion
	// scenarios. Their counts go to Result.Sets, in this order.
	Sets []string `json:"sets,omitempty"`
}

// AlphaOr returns alpha or the paper default 0.9.
func (s *RunSpec) AlphaOr() float64 {
	if s.Alpha == nil {
		return 0.9
	}
	return *s.Alpha
}

// BetaOr returns beta or the paper default 1.
func (s *RunSpec) BetaOr() float64 {
	if s.Beta == nil {
		return 1
	}
	return *s.Beta
}

// DecodeSpec reads a run spec strictly: unknown fields, trailing data and invalid values are
// errors that name the field.
func DecodeSpec(r io.Reader) (*RunSpec, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var s RunSpec
	if err := dec.Decode(&s); err != nil {
		// encoding/json says `json: unknown field "x"`; keep it, prefix the document.
		return nil, fmt.Errorf("run spec: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("run spec: trailing data after the JSON object")
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// ReadSpec reads and validates a run spec file.
func ReadSpec(path string) (*RunSpec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := DecodeSpec(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// Validate checks every field and fills nothing in; errors name the field.
func (s *RunSpec) Validate() error {
	bad := func(field, format string, a ...any) error {
		return fmt.Errorf("run spec: %s: %s", field, fmt.Sprintf(format, a...))
	}
	if s.Version != SpecVersion {
		return bad("version", "got %d, this runner reads version %d", s.Version, SpecVersion)
	}
	switch s.Network.Arch {
	case "resnet-mini", "resnet18", "resnet50", "vgg16", "iresnet50":
	default:
		return bad("network.arch", "unknown network %q (want resnet-mini, resnet18, resnet50, vgg16 or iresnet50)", s.Network.Arch)
	}
	if s.Network.NumClasses < 2 {
		return bad("network.num_classes", "must be at least 2, got %d", s.Network.NumClasses)
	}
	if s.Network.InputSize < 8 {
		return bad("network.input_size", "must be at least 8, got %d", s.Network.InputSize)
	}
	if s.Network.Width < 0 || s.Network.Depth < 0 || s.Network.Stages < 0 {
		return bad("network", "width, depth and stages must not be negative")
	}
	switch s.Init.Kind {
	case InitRandom:
	case InitCheckpoint, InitSafetensors:
		if s.Init.Path == "" {
			return bad("init.path", "required for init.kind %q", s.Init.Kind)
		}
	default:
		return bad("init.kind", "unknown %q (want random, checkpoint or safetensors)", s.Init.Kind)
	}
	switch s.Method {
	case MethodClassical:
	case MethodDFV:
		if s.IopSet == "" {
			return bad("iop_set", "required for method dfv")
		}
	default:
		return bad("method", "unknown %q (want classical or dfv)", s.Method)
	}
	if a := s.AlphaOr(); a < 0 || a > 1 {
		return bad("alpha", "must be in [0,1], got %v", a)
	}
	if b := s.BetaOr(); b < 0 {
		return bad("beta", "must not be negative, got %v", b)
	}
	if s.TrainSet == "" {
		return bad("train_set", "required: the split of the shards to train on")
	}
	if s.Epochs < 0 {
		return bad("epochs", "must not be negative, got %d", s.Epochs)
	}
	if s.BatchSize < 1 {
		return bad("batch_size", "must be at least 1, got %d", s.BatchSize)
	}
	if s.Optimizer.Name != "sgd" {
		return bad("optimizer.name", "unknown %q (want sgd)", s.Optimizer.Name)
	}
	if !(s.Optimizer.LR > 0) {
		return bad("optimizer.lr", "must be positive, got %v", s.Optimizer.LR)
	}
	if s.Optimizer.Momentum < 0 || s.Optimizer.Momentum >= 1 {
		return bad("optimizer.momentum", "must be in [0,1), got %v", s.Optimizer.Momentum)
	}
	if s.Optimizer.WeightDecay < 0 {
		return bad("optimizer.weight_decay", "must not be negative, got %v", s.Optimizer.WeightDecay)
	}
	switch s.Schedule.Name {
	case "constant", "cosine":
	case "step":
		if s.Schedule.StepSize < 1 {
			return bad("schedule.step_size", "must be at least 1 for a step schedule, got %d", s.Schedule.StepSize)
		}
		if !(s.Schedule.Gamma > 0) {
			return bad("schedule.gamma", "must be positive for a step schedule, got %v", s.Schedule.Gamma)
		}
	default:
		return bad("schedule.name", "unknown %q (want constant, step or cosine)", s.Schedule.Name)
	}
	if s.Augment.CropScaleLo < 0 || s.Augment.CropScaleLo > 1 {
		return bad("augmentation.crop_scale_min", "must be in [0,1], got %v", s.Augment.CropScaleLo)
	}
	if s.Augment.Translate < 0 || s.Augment.Translate > 0.5 {
		return bad("augmentation.affine_translate", "must be in [0,0.5], got %v", s.Augment.Translate)
	}
	if s.Freeze.MinChannels < 0 {
		return bad("freeze.min_channels", "must not be negative, got %d", s.Freeze.MinChannels)
	}
	if s.Eval.BatchSize < 0 {
		return bad("eval.batch_size", "must not be negative, got %d", s.Eval.BatchSize)
	}
	if len(s.Classes) > 0 {
		if len(s.Classes) != s.Network.NumClasses {
			return bad("classes", "lists %d labels, network.num_classes is %d", len(s.Classes), s.Network.NumClasses)
		}
		have := map[int]bool{}
		for _, c := range s.Classes {
			if c < 0 || have[c] {
				return bad("classes", "labels must be distinct and not negative, got %v", s.Classes)
			}
			have[c] = true
		}
	}
	switch s.DVSource {
	case "", DVBank, DVGaussian, DVIsotropic:
	default:
		return bad("dv_source", "unknown %q (want bank, gaussian or isotropic)", s.DVSource)
	}
	if s.DVSource != "" && s.Method != MethodDFV {
		return bad("dv_source", "only method dfv adds vectors, got method %q", s.Method)
	}
	if s.DVSign != 0 && s.DVSign != 1 && s.DVSign != -1 {
		return bad("dv_sign", "must be 1 or -1, got %d", s.DVSign)
	}
	seen := map[string]bool{}
	for _, name := range s.Eval.Sets {
		if name == "" || seen[name] {
			return bad("eval.sets", "split names must be non-empty and distinct, got %q", s.Eval.Sets)
		}
		seen[name] = true
	}
	return nil
}

// Hash returns "sha256:<hex>" of the spec's canonical JSON encoding.
func (s *RunSpec) Hash() string {
	data, _ := json.Marshal(s)
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Count is a correct/total pair, overall and per class (index = class label).
type Count struct {
	Correct  int   `json:"correct"`
	Total    int   `json:"total"`
	PerClass []int `json:"per_class_correct"`
	PerTotal []int `json:"per_class_total"`
	// Hits records which images were right (hits.go); empty in version-1 results.
	Hits string `json:"hits,omitempty"`
}

// Images decodes Hits: one bool per test image of the split, in shard row order. It returns
// nil and no error when the count has no Hits (a version-1 result).
func (c Count) Images() ([]bool, error) {
	if c.Hits == "" {
		return nil, nil
	}
	bits, err := DecodeHits(c.Hits, c.Total)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, b := range bits {
		if b {
			n++
		}
	}
	if n != c.Correct {
		return nil, fmt.Errorf("hits: %d images right, correct says %d", n, c.Correct)
	}
	return bits, nil
}

// NewCount returns a zero count over k classes.
func NewCount(k int) Count {
	return Count{PerClass: make([]int, k), PerTotal: make([]int, k)}
}

// Add records one prediction.
func (c *Count) Add(label, pred int) {
	c.Total++
	c.PerTotal[label]++
	if label == pred {
		c.Correct++
		c.PerClass[label]++
	}
}

// Accuracy returns Correct/Total (0 when empty).
func (c Count) Accuracy() float64 {
	if c.Total == 0 {
		return 0
	}
	return float64(c.Correct) / float64(c.Total)
}

// PatternCount is the count on one occlusion pattern.
type PatternCount struct {
	ID       int     `json:"id"`
	Name     string  `json:"name"`
	Ratio    float64 `json:"ratio"`
	Position string  `json:"position"`
	Count
}

// SetCount is the count on one extra test split (eval.sets).
type SetCount struct {
	Name string `json:"name"`
	Count
}

// Set returns the count of the named extra test split, or nil.
func (r *Result) Set(name string) *SetCount {
	for i := range r.Sets {
		if r.Sets[i].Name == name {
			return &r.Sets[i]
		}
	}
	return nil
}

// EpochStat is one point of the training curve.
type EpochStat struct {
	Epoch    int     `json:"epoch"`
	Loss     float64 `json:"loss"`      // mean training loss over the epoch
	TrainAcc float64 `json:"train_acc"` // accuracy on the (augmented, pseudo-DFV) training batches
	LR       float64 `json:"lr"`
	Seconds  float64 `json:"seconds"`
	BankSize int     `json:"dv_bank_size,omitempty"`
}

// Provenance says what produced a result.
type Provenance struct {
	Runner    string `json:"runner"` // "go-gorgonia" | "pytorch"
	Commit    string `json:"commit,omitempty"`
	GoVersion string `json:"go_version,omitempty"`
	CPU       string `json:"cpu,omitempty"` // the host processor
	Threads   int    `json:"threads,omitempty"`
	BLAS      string `json:"blas,omitempty"`
	// Device is the accelerator the run used ("NVIDIA H200 x8"), empty on the CPU.
	Device string `json:"device,omitempty"`
	// Framework is the deep-learning stack ("torch 2.11.0+cu130, cuda 13.0, cudnn 91900").
	Framework string `json:"framework,omitempty"`
	Started   string `json:"started,omitempty"` // RFC 3339
}

// Result is everything a run produced.
type Result struct {
	Version       int            `json:"version"`
	SpecHash      string         `json:"spec_hash"`
	Spec          *RunSpec       `json:"spec,omitempty"`
	Clean         Count          `json:"clean"`
	Patterns      []PatternCount `json:"patterns"`
	Sets          []SetCount     `json:"sets,omitempty"` // eval.sets, in order
	Curve         []EpochStat    `json:"curve"`
	WallSeconds   float64        `json:"wall_seconds"`
	TrainSeconds  float64        `json:"train_seconds"`
	ImagesPerSec  float64        `json:"train_images_per_second"`
	PeakRSSBytes  int64          `json:"peak_rss_bytes"`
	Checkpoint    string         `json:"checkpoint,omitempty"`
	Provenance    Provenance     `json:"provenance"`
	StoppedReason string         `json:"stopped_reason,omitempty"` // set when training stopped early (NaN loss)

	// Premise holds a dfv run's DV diagnostics (premise.go, docs/premise.md); nil otherwise.
	Premise *Premise `json:"premise,omitempty"`
}

// MeanOccludedAccuracy is the mean accuracy over patterns ("avg over occlusion",
// MeanAccuracy), 0 when no pattern was evaluated.
func (r *Result) MeanOccludedAccuracy() float64 {
	m, _ := MeanAccuracy(r.Patterns)
	return m
}

// WriteResult writes r as indented JSON, atomically.
func WriteResult(path string, r *Result) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(data, '\n'))
}

// ReadResult reads a result strictly.
func ReadResult(path string) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Result
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: result: %w", path, err)
	}
	if r.Version < minResultVersion || r.Version > ResultVersion {
		return nil, fmt.Errorf("%s: result: version %d, this reader reads %d to %d", path, r.Version, minResultVersion, ResultVersion)
	}
	if err := r.checkHits(); err != nil {
		return nil, fmt.Errorf("%s: result: %w", path, err)
	}
	return &r, nil
}

// checkHits refuses Hits that do not match their count (length, padding, number of set bits).
func (r *Result) checkHits() error {
	if _, err := r.Clean.Images(); err != nil {
		return fmt.Errorf("clean: %w", err)
	}
	for i, p := range r.Patterns {
		if _, err := p.Images(); err != nil {
			return fmt.Errorf("patterns[%d] (id %d): %w", i, p.ID, err)
		}
	}
	for i, s := range r.Sets {
		if _, err := s.Images(); err != nil {
			return fmt.Errorf("sets[%d] (%s): %w", i, s.Name, err)
		}
	}
	return nil
}
