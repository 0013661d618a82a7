package gonn

import (
	"fmt"
	"time"

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
