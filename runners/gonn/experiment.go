package gonn

import (
	"fmt"
	"time"

	"github.com/occbench/occbench/manifests"
	"github.com/occbench/occbench/occluders/patterns"
	"github.com/occbench/occbench/runners"
)

// Headline is the mini version of the paper's Table 2: pretrain a network classically on a
// clean pool, then fine-tune it on a small training set twice from that checkpoint, once
// classically and once with DFV augmentation (Iop pairs from classes outside the training
// set), and evaluate both clean and on every pattern.
type Headline struct {
	Pretrain    Arch        // network for pretraining (NumClasses = pool classes)
	PretrainCfg TrainConfig // method is forced to classical
	NumClasses  int         // classes of the fine-tuning task (a new classifier is drawn)
	FinetuneCfg TrainConfig // shared by both fine-tunings; the method is set per run
	EvalBatch   int
	Seed        uint64 // seed of the new classifier
}

// HeadlineResult holds both fine-tunings' results and the pretrained model.
type HeadlineResult struct {
	Classical, DFV *runners.Result
	Pretrained     *Model
}

// RunHeadline runs the experiment. A nil pretrained model pretrains on pool; otherwise
// pretrained is fine-tuned as given (so a caller can reuse one pretraining across seeds).
func RunHeadline(h Headline, pretrained *Model, pool, train, test runners.Split, iop runners.PairSet, pack *patterns.Pack, pats []patterns.Pattern) (*HeadlineResult, error) {
	if pretrained == nil {
		m, err := NewModel(h.Pretrain, h.PretrainCfg.Seed)
		if err != nil {
			return nil, err
		}
		cfg := h.PretrainCfg
		cfg.Method = runners.MethodClassical
		tr, err := NewTrainer(m, cfg)
		if err != nil {
			return nil, err
		}
		_, err = tr.Train(pool, nil)
		tr.Close()
		if err != nil {
			return nil, fmt.Errorf("pretrain: %w", err)
		}
		pretrained = m
	}
	out := &HeadlineResult{Pretrained: pretrained}
	for _, method := range []string{runners.MethodClassical, runners.MethodDFV} {
		start := time.Now()
		a := pretrained.Arch
		a.NumClasses = h.NumClasses
		m, err := NewModel(a, h.Seed)
		if err != nil {
			return nil, err
		}
		// Copy the body; keep the freshly drawn classifier (as fine-tuning a pretrained
		// network on a new label set does).
		head := "fc."
		if a.Name == "vgg16" {
			head = "classifier.6."
		}
		for i, p := range m.Params {
			if len(p.Name) >= len(head) && p.Name[:len(head)] == head {
				continue
			}
			copy(p.Data(), pretrained.Params[i].Data())
		}
		for i, s := range m.BNs {
			copy(s.Mean, pretrained.BNs[i].Mean)
			copy(s.Var, pretrained.BNs[i].Var)
		}
		cfg := h.FinetuneCfg
		cfg.Method = method
		tr, err := NewTrainer(m, cfg)
		if err != nil {
			return nil, err
		}
		curve, err := tr.Train(train, iop)
		tr.Close()
		if err != nil {
			return nil, fmt.Errorf("%s fine-tuning: %w", method, err)
		}
		clean, pcs, err := Evaluate(m, test, pack, pats, h.EvalBatch)
		if err != nil {
			return nil, err
		}
		r := &runners.Result{Version: runners.ResultVersion, Clean: clean, Patterns: pcs, Curve: curve,
			WallSeconds: time.Since(start).Seconds(), TrainSeconds: tr.seconds, ImagesPerSec: tr.Throughput(),
			PeakRSSBytes: PeakRSS(), Provenance: provenance(start)}
		if method == runners.MethodDFV {
			out.DFV = r
		} else {
			out.Classical = r
		}
	}
	return out, nil
}

// HeadlineConfig is the complete configuration of the headline experiment (the mini Table 2
// / Table 4 of TestHeadlineFashionMNIST): which manifest and sets give the data, how much of them a run
// uses, the network, the pretraining and the fine-tuning shared by the classical and the DFV
// runs, and the seeds. DefaultHeadlineConfig holds the values the test runs with; the `mini`
// profile's manifest (manifests/data/fashion-mnist.yaml) should carry the same ones.
type HeadlineConfig struct {
	// Manifest is the manifest reference (embedded name or file) and Sets its sets.
	Manifest string
	Sets     HeadlineSets
	// PoolPerClass overrides the pretraining set's images.random (0: the manifest's value).
	PoolPerClass int
	// IopPerClass keeps the first N clean Iop images of each class (0: all); every one is
	// paired with every pattern of the pack.
	IopPerClass int
	// TestPerClass keeps the first N test images of each class (0: all of the manifest's).
	TestPerClass int
	// Arch is the network (NumClasses: the pool's classes; fine-tuning draws a new
	// classifier for the training set's classes).
	Arch Arch
	// Pretrain is the classical training on the pool (its Seed draws the initial weights).
	Pretrain TrainConfig
	// Finetune is shared by both methods; Method and Seed are set per run.
	Finetune TrainConfig
	// Seeds are the fine-tuning seeds (classifier init, shuffling, augmentation, DV draws);
	// the data and the pretrained network are the same for every seed.
	Seeds     []uint64
	EvalBatch int
}

// Headline returns the per-seed experiment of c for a training set of numClasses classes.
func (c HeadlineConfig) Headline(seed uint64, numClasses int) Headline {
	pre := c.Pretrain
	pre.Method = runners.MethodClassical
	ft := c.Finetune
	ft.Seed = seed
	return Headline{Pretrain: c.Arch, PretrainCfg: pre, NumClasses: numClasses, FinetuneCfg: ft,
		EvalBatch: c.EvalBatch, Seed: seed}
}

// HeadlineSeed is one seed's pair of fine-tunings.
type HeadlineSeed struct {
	Seed                     uint64
	ClassicalClean, DFVClean float64 // clean test accuracy
	ClassicalOcc, DFVOcc     float64 // mean accuracy over every pattern
	Classical, DFV           *runners.Result
}

// HeadlineSummary is a whole headline run: the pretrained network's accuracy and every seed.
type HeadlineSummary struct {
	// PretrainedClean and PretrainedOcc are the pretrained network's accuracy (its own
	// classifier over the pool's classes) on the test set, clean and over every pattern.
	PretrainedClean, PretrainedOcc float64
	PretrainSeconds                float64
	Pretrained                     *Model
	Seeds                          []HeadlineSeed
}

// RunHeadlineConfig pretrains once on d.Pool (unless pretrained is given) and runs the
// classical and the DFV fine-tuning for every seed of c. logf, if set, reports progress.
func RunHeadlineConfig(c HeadlineConfig, d *HeadlineData, pretrained *Model, logf func(format string, args ...any)) (*HeadlineSummary, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	out := &HeadlineSummary{}
	pats := d.Pack.Patterns
	iop := &runners.PatternPairs{Clean: d.IopClean, Pack: d.Pack, Patterns: pats}
	if pretrained == nil {
		start := time.Now()
		h := c.Headline(0, len(d.TrainClasses))
		m, err := NewModel(h.Pretrain, h.PretrainCfg.Seed)
		if err != nil {
			return nil, err
		}
		tr, err := NewTrainer(m, h.PretrainCfg)
		if err != nil {
			return nil, err
		}
		curve, err := tr.Train(d.Pool, nil)
		tr.Close()
		if err != nil {
			return nil, fmt.Errorf("pretrain: %w", err)
		}
		out.PretrainSeconds = time.Since(start).Seconds()
		last := curve[len(curve)-1]
		logf("pretrained on %d images x %d epochs: last epoch loss %.3f train acc %.3f (%.0fs, %.0f img/s)",
			d.Pool.Len(), len(curve), last.Loss, last.TrainAcc, out.PretrainSeconds, tr.Throughput())
		pretrained = m
	}
	out.Pretrained = pretrained
	// The pretrained network's own classifier, on the test images relabeled to the source's
	// class indices.
	src := &runners.MemSplit{Images: d.Test.Images}
	for _, l := range d.Test.Labels {
		src.Labels = append(src.Labels, d.TrainSourceIdx[l])
	}
	clean, pcs, err := Evaluate(pretrained, src, d.Pack, pats, c.EvalBatch)
	if err != nil {
		return nil, err
	}
	out.PretrainedClean, out.PretrainedOcc = clean.Accuracy(), meanAccuracy(pcs)
	logf("pretrained network on the test set: clean %.4f, occluded %.4f", out.PretrainedClean, out.PretrainedOcc)
	for _, seed := range c.Seeds {
		h := c.Headline(seed, len(d.TrainClasses))
		r, err := RunHeadline(h, pretrained, d.Pool, d.Train, d.Test, iop, d.Pack, pats)
		if err != nil {
			return nil, fmt.Errorf("seed %d: %w", seed, err)
		}
		s := HeadlineSeed{Seed: seed, Classical: r.Classical, DFV: r.DFV,
			ClassicalClean: r.Classical.Clean.Accuracy(), ClassicalOcc: r.Classical.MeanOccludedAccuracy(),
			DFVClean: r.DFV.Clean.Accuracy(), DFVOcc: r.DFV.MeanOccludedAccuracy()}
		logf("seed %d: classical clean %.4f occ %.4f | dfv clean %.4f occ %.4f | dfv-classical clean %+.4f occ %+.4f (%.0fs + %.0fs)",
			seed, s.ClassicalClean, s.ClassicalOcc, s.DFVClean, s.DFVOcc, s.DFVClean-s.ClassicalClean, s.DFVOcc-s.ClassicalOcc,
			r.Classical.WallSeconds, r.DFV.WallSeconds)
		out.Seeds = append(out.Seeds, s)
	}
	return out, nil
}

func meanAccuracy(pcs []runners.PatternCount) float64 {
	if len(pcs) == 0 {
		return 0
	}
	s := 0.0
	for _, p := range pcs {
		s += p.Accuracy()
	}
	return s / float64(len(pcs))
}

// Load reads c's data from manifest m (c.Manifest already resolved) at root ("": the
// manifest's default), applying PoolPerClass, IopPerClass and TestPerClass.
func (c HeadlineConfig) Load(m *manifests.Manifest, root string) (*HeadlineData, error) {
	if c.PoolPerClass > 0 {
		s := m.SetByName(c.Sets.Pool)
		if s == nil {
			return nil, fmt.Errorf("headline: manifest %s has no set %q", m.Name, c.Sets.Pool)
		}
		s.Images.Random = c.PoolPerClass
	}
	d, err := LoadHeadlineData(m, root, c.Sets, c.TestPerClass)
	if err != nil {
		return nil, err
	}
	if c.IopPerClass > 0 {
		d.IopClean = firstPerClass(d.IopClean, c.IopPerClass)
	}
	return d, nil
}

// firstPerClass keeps the first n images of each label, in order.
func firstPerClass(s *runners.MemSplit, n int) *runners.MemSplit {
	out := &runners.MemSplit{}
	seen := map[int]int{}
	for i, l := range s.Labels {
		if seen[l] < n {
			seen[l]++
			out.Images = append(out.Images, s.Images[i])
			out.Labels = append(out.Labels, l)
		}
	}
	return out
}

// DefaultHeadlineConfig is the configuration TestHeadlineFashionMNIST runs (the test's
// comment has the numbers it measured). For the `mini` profile, manifests/data/fashion-mnist.yaml
// matches it with: pretrain images.random 500 (10 classes); hyper.pretrain_epochs 4,
// pretrain_lr 0.05 (batch 32, momentum 0.9, weight decay 5e-4, cosine, hflip, init seed 100);
// fine-tuning hyper.epochs 10, batch_size 16, lr 0.1 (momentum 0.9, weight decay 5e-4,
// cosine, hflip), train_min_channels 64 (only the classifier: resnet-mini's widest layer has
// 32 channels), alpha 0.9, beta 1; evaluation on the first 20 test images a class of tst
// (up_to 200 in the manifest) and every one of the 24 patterns; Iop the manifest's `iop`
// (3 classes x 10 images x 24 patterns). Seeds 1, 2, 3.
//
// The margin depends on the pretraining: with 6 pretraining epochs (pretrained clean 0.805
// instead of 0.780) the same fine-tuning measured occluded +0.015/+0.017/+0.014 and clean
// -0.015 for each seed, so change PoolPerClass or Pretrain only together with the test's
// thresholds.
func DefaultHeadlineConfig() HeadlineConfig {
	return HeadlineConfig{
		Manifest:     "fashion-mnist",
		Sets:         InclusiveHeadlineSets,
		PoolPerClass: 500, // pretrain: images.random 500 a class, all 10 classes (the manifest's value)
		IopPerClass:  0,   // iop: the manifest's 10 a class x 3 classes x 24 patterns = 720 pairs
		TestPerClass: 20,  // tst: the first 20 a class of up_to 200 (200 images x 25 evaluations)
		Arch:         Arch{Name: "resnet-mini", NumClasses: 10, InputSize: 32, Width: 16, Depth: 1, Stages: 2},
		Pretrain: TrainConfig{Method: runners.MethodClassical, Epochs: 4, BatchSize: 32,
			Optimizer: runners.Optimizer{Name: "sgd", LR: 0.05, Momentum: 0.9, WeightDecay: 5e-4},
			Schedule:  runners.Schedule{Name: "cosine"}, Augment: runners.Augment{HFlip: true}, Seed: 100, EvalBatch: 64},
		Finetune: TrainConfig{Alpha: 0.9, Beta: 1, Epochs: 10, BatchSize: 16,
			Optimizer: runners.Optimizer{Name: "sgd", LR: 0.1, Momentum: 0.9, WeightDecay: 5e-4},
			Schedule:  runners.Schedule{Name: "cosine"}, Augment: runners.Augment{HFlip: true},
			// Only the classifier is trained (the spec's min_channels rule; resnet-mini's
			// widest layers have 32 channels), as ILSVRC fine-tunes only its widest layers.
			MinChannels: 64, EvalBatch: 64},
		Seeds:     []uint64{1, 2, 3},
		EvalBatch: 64,
	}
}
