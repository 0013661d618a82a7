package gonn

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/occbench/occbench/internal/keyed"
	"github.com/occbench/occbench/runners"
)

// TrainConfig is what a trainer needs from a run spec.
type TrainConfig struct {
	Method      string // classical | dfv
	Alpha, Beta float64
	DVSource    string  // bank | gaussian | isotropic (runners.DVBank...)
	DVSign      float64 // 1, or -1 to flip every added vector
	Epochs      int
	BatchSize   int
	Optimizer   runners.Optimizer
	Schedule    runners.Schedule
	Augment     runners.Augment
	MinChannels int // frozen-layer rule
	Seed        uint64
	EvalBatch   int // batch of the DV-flow forward passes (default 64)

	// OnStep, if set, runs after every optimizer step (tests use it).
	OnStep func(t *Trainer, epoch, step int)
}

// ConfigOf converts a run spec.
func ConfigOf(s *runners.RunSpec) TrainConfig {
	return TrainConfig{Method: s.Method, Alpha: s.AlphaOr(), Beta: s.BetaOr(), DVSource: s.DVSourceOr(), DVSign: s.DVSignOr(), Epochs: s.Epochs,
		BatchSize: s.BatchSize, Optimizer: s.Optimizer, Schedule: s.Schedule, Augment: s.Augment,
		MinChannels: s.Freeze.MinChannels, Seed: s.Seed, EvalBatch: s.Eval.BatchSize}
}

// NaNError stops training when the loss is not finite.
type NaNError struct {
	Epoch, Step int     // 1-based epoch, 0-based step within it
	Loss        float64 // the non-finite loss
	LastFinite  float64 // the last finite loss (NaN if none)
	DFV         bool    // method dfv: the message points at the DV flow's usual cause
}

// DVHint is appended to a DFV run's non-finite-loss message (both runners say it).
const DVHint = "; the DV flow runs batch norm on running statistics, so initial weights whose statistics were never trained (random init) give exploding DVs: start DFV from a trained checkpoint"

func (e *NaNError) Error() string {
	msg := fmt.Sprintf("training stopped: loss is %v at epoch %d step %d (last finite loss %v)", e.Loss, e.Epoch, e.Step, e.LastFinite)
	if e.DFV {
		msg += DVHint
	}
	return msg
}

// Trainer runs the classical or the DFV trainer of PROTOCOL.md section 1 on a model.
type Trainer struct {
	M   *Model
	Cfg TrainConfig

	// DV is the DV flow's no-gradient copy of M; its weights are synced from M at the start of
	// every epoch. Bank holds the DVs of the current epoch (pair i: DFV(occluded)-DFV(clean)).
	DV   *Model
	Bank [][]float32
	// Noise draws the control rows' vectors (dv_source gaussian or isotropic) from the
	// current bank's moments; nil for dv_source bank.
	Noise *DVNoise

	graphs  map[int]*Graph
	dvGraph *Graph
	vel     [][]float32
	images  int
	seconds float64
}

// NewTrainer prepares a trainer; graphs are built lazily per batch size.
func NewTrainer(m *Model, cfg TrainConfig) (*Trainer, error) {
	if cfg.Method != runners.MethodClassical && cfg.Method != runners.MethodDFV {
		return nil, fmt.Errorf("trainer: unknown method %q", cfg.Method)
	}
	if cfg.BatchSize < 1 {
		return nil, fmt.Errorf("trainer: batch size %d", cfg.BatchSize)
	}
	if cfg.EvalBatch == 0 {
		cfg.EvalBatch = 64
	}
	return &Trainer{M: m, Cfg: cfg, graphs: map[int]*Graph{}}, nil
}

func (t *Trainer) graph(batch int) (*Graph, error) {
	if g := t.graphs[batch]; g != nil {
		return g, nil
	}
	g, err := NewGraph(t.M, batch, true, t.Cfg.MinChannels)
	if err != nil {
		return nil, err
	}
	t.graphs[batch] = g
	if t.vel == nil {
		for _, p := range g.Trainable() {
			t.vel = append(t.vel, make([]float32, len(p.Data())))
		}
	}
	return g, nil
}

// LR returns the learning rate of a 0-based epoch.
func (c TrainConfig) LR(epoch int) float64 {
	lr := c.Optimizer.LR
	switch c.Schedule.Name {
	case "step":
		if c.Schedule.StepSize > 0 {
			lr *= math.Pow(c.Schedule.Gamma, float64(epoch/c.Schedule.StepSize))
		}
	case "cosine":
		if c.Epochs > 0 {
			lr *= 0.5 * (1 + math.Cos(math.Pi*float64(epoch)/float64(c.Epochs)))
		}
	}
	return lr
}

// Throughput returns training images per second so far (forward, backward and update).
func (t *Trainer) Throughput() float64 {
	if t.seconds == 0 {
		return 0
	}
	return float64(t.images) / t.seconds
}

// Train runs every epoch on train (and, for dfv, the DV flow on iop).
func (t *Trainer) Train(train runners.Split, iop runners.PairSet) ([]runners.EpochStat, error) {
	if t.Cfg.Method == runners.MethodDFV {
		if iop == nil || iop.Len() == 0 {
			return nil, fmt.Errorf("trainer: method dfv needs a non-empty Iop pair set")
		}
	}
	var curve []runners.EpochStat
	last := math.NaN()
	for e := 0; e < t.Cfg.Epochs; e++ {
		st, err := t.Epoch(e, train, iop, &last)
		if err != nil {
			return curve, err
		}
		curve = append(curve, st)
	}
	return curve, nil
}

// SyncBank copies M's weights into the DV-flow copy and recomputes the DV bank from iop.
func (t *Trainer) SyncBank(iop runners.PairSet) error {
	if t.DV == nil {
		t.DV = t.M.Clone()
		g, err := NewGraph(t.DV, t.Cfg.EvalBatch, false, 0)
		if err != nil {
			return err
		}
		t.dvGraph = g
	} else {
		t.DV.CopyWeightsFrom(t.M)
	}
	n := iop.Len()
	F := t.M.FeatureDim
	if len(t.Bank) != n {
		t.Bank = make([][]float32, n)
		for i := range t.Bank {
			t.Bank[i] = make([]float32, F)
		}
	}
	g := t.dvGraph
	s := t.M.Arch.InputSize
	per := 3 * s * s
	// Rows 0..h-1 hold clean images, h..2h-1 their occluded versions (no augmentation).
	h := g.Batch / 2
	if h < 1 {
		return fmt.Errorf("trainer: eval batch must be at least 2 for the DV flow")
	}
	x := g.X.Data().([]float32)
	for lo := 0; lo < n; lo += h {
		hi := min(lo+h, n)
		clear(x)
		for i := lo; i < hi; i++ {
			c, o, err := iop.Pair(i)
			if err != nil {
				return fmt.Errorf("iop pair %d: %w", i, err)
			}
			if err := toCHW(x[(i-lo)*per:(i-lo+1)*per], c, s); err != nil {
				return fmt.Errorf("iop pair %d clean: %w", i, err)
			}
			if err := toCHW(x[(h+i-lo)*per:(h+i-lo+1)*per], o, s); err != nil {
				return fmt.Errorf("iop pair %d occluded: %w", i, err)
			}
		}
		if err := g.Run(); err != nil {
			return err
		}
		f := g.Features()
		for i := lo; i < hi; i++ {
			fc := f[(i-lo)*F : (i-lo+1)*F]
			fo := f[(h+i-lo)*F : (h+i-lo+1)*F]
			for k := range F {
				t.Bank[i][k] = fo[k] - fc[k]
			}
		}
	}
	return nil
}

// Epoch runs one 0-based epoch. last carries the last finite loss across epochs.
func (t *Trainer) Epoch(e int, train runners.Split, iop runners.PairSet, last *float64) (runners.EpochStat, error) {
	cfg := t.Cfg
	start := time.Now()
	lr := cfg.LR(e)
	st := runners.EpochStat{Epoch: e + 1, LR: lr}
	dfv := cfg.Method == runners.MethodDFV
	if dfv {
		if err := t.SyncBank(iop); err != nil {
			return st, err
		}
		st.BankSize = len(t.Bank)
		if cfg.DVSource == runners.DVGaussian || cfg.DVSource == runners.DVIsotropic {
			var err error
			if t.Noise, err = NewDVNoise(t.Bank, cfg.DVSource); err != nil {
				return st, fmt.Errorf("epoch %d: %w", e+1, err)
			}
		}
	}
	n := train.Len()
	if n == 0 {
		return st, fmt.Errorf("trainer: empty training set")
	}
	order := keyed.Rand(cfg.Seed, "shuffle", strconv.Itoa(e)).Perm(n)
	s := t.M.Arch.InputSize
	per := 3 * s * s
	K := t.M.Arch.NumClasses
	F := t.M.FeatureDim
	var lossSum float64
	correct := 0
	trainStart := time.Now()
	for step, lo := 0, 0; lo < n; step, lo = step+1, lo+cfg.BatchSize {
		hi := min(lo+cfg.BatchSize, n)
		g, err := t.graph(hi - lo)
		if err != nil {
			return st, err
		}
		x := g.X.Data().([]float32)
		y := g.Y.Data().([]float32)
		d := g.D.Data().([]float32)
		clear(y)
		clear(d)
		labels := make([]int, hi-lo)
		ar := keyed.Rand(cfg.Seed, "augment", strconv.Itoa(e), strconv.Itoa(step))
		for i := lo; i < hi; i++ {
			img, label, err := train.Example(order[i])
			if err != nil {
				return st, fmt.Errorf("training example %d: %w", order[i], err)
			}
			if label < 0 || label >= K {
				return st, fmt.Errorf("training example %d: label %d outside [0,%d)", order[i], label, K)
			}
			if err := augment(x[(i-lo)*per:(i-lo+1)*per], img, s, cfg.Augment, ar); err != nil {
				return st, fmt.Errorf("training example %d: %w", order[i], err)
			}
			y[(i-lo)*K+label] = 1
			labels[i-lo] = label
		}
		if dfv {
			// Each sample gets a random DV (any class, any pattern) with probability alpha,
			// else zero; the classifier sees v + beta*d with the sample's own label. The
			// control rows draw the same samples and replace the bank row by noise.
			dr := keyed.Rand(cfg.Seed, "dv", strconv.Itoa(e), strconv.Itoa(step))
			scale := float32(cfg.Beta * cfg.DVSign)
			for i := 0; i < hi-lo; i++ {
				if dr.Float64() < cfg.Alpha {
					dv := t.Bank[dr.IntN(len(t.Bank))]
					if t.Noise != nil {
						dv = t.Noise.Draw(cfg.Seed, e, step, i)
					}
					row := d[i*F : (i+1)*F]
					for k := range F {
						row[k] = scale * dv[k]
					}
				}
			}
		}
		if err := g.Run(); err != nil {
			return st, err
		}
		loss := g.Loss()
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return st, &NaNError{Epoch: e + 1, Step: step, Loss: loss, LastFinite: *last, DFV: dfv}
		}
		*last = loss
		lossSum += loss * float64(hi-lo)
		lg := g.Logits()
		for i, l := range labels {
			if argmax(lg[i*K:(i+1)*K]) == l {
				correct++
			}
		}
		t.sgd(g, lr)
		if cfg.OnStep != nil {
			cfg.OnStep(t, e, step)
		}
	}
	t.images += n
	t.seconds += time.Since(trainStart).Seconds()
	st.Loss = lossSum / float64(n)
	st.TrainAcc = float64(correct) / float64(n)
	st.Seconds = time.Since(start).Seconds()
	return st, nil
}

// sgd is PyTorch's SGD: g += wd*w; buf = momentum*buf + g; w -= lr*buf (Nesterov:
// w -= lr*(g + momentum*buf)). A zero initial buffer equals PyTorch's first-step copy.
func (t *Trainer) sgd(g *Graph, lr float64) {
	o := t.Cfg.Optimizer
	mom, wd, eta := float32(o.Momentum), float32(o.WeightDecay), float32(lr)
	for i, p := range g.Trainable() {
		w, gr, v := p.Data(), g.Grad(i), t.vel[i]
		for k := range w {
			gk := gr[k] + wd*w[k]
			v[k] = mom*v[k] + gk
			if o.Nesterov {
				w[k] -= eta * (gk + mom*v[k])
			} else {
				w[k] -= eta * v[k]
			}
		}
	}
}

func argmax(v []float32) int {
	best := 0
	for i := range v {
		if v[i] > v[best] {
			best = i
		}
	}
	return best
}

// Close releases the graphs.
func (t *Trainer) Close() {
	for _, g := range t.graphs {
		g.Close()
	}
	if t.dvGraph != nil {
		t.dvGraph.Close()
	}
}
