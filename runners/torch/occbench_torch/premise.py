"""The premise diagnostics of a dfv run (runners/premise.go, docs/premise.md): DVs of the Iop
pairs and of evenly spaced test images under the same Iop patterns, on the initial model,
reduced to DV-transfer R^2, own-mean R^2, within/across-pattern cosine and DV norms."""
import math

import torch

from . import augment, data as datamod

TEST_IMAGES = 200  # runners.PremiseTestImages


def test_index(total):
    """runners.PremiseTestIndex: n evenly spaced indices i*total//n."""
    n = min(total, TEST_IMAGES)
    return [i * total // n for i in range(n)]


def _features(model, u8, device, batch):
    out = []
    with torch.no_grad():
        for a in range(0, len(u8), batch):
            x = augment.normalize(u8[a:a + batch].to(device))
            out.append(model.dfv(x).float().cpu().double())
    return torch.cat(out)


def diagnostics(model, iop, test, pack, device, batch=64):
    """iop: a synthetic data.Pairs (clean split + patterns); test: a data.Split."""
    was = model.training
    model.eval()
    pats = iop.patterns
    ids = [p["id"] for p in pats]
    clean = iop.clean.batch(list(range(len(iop.clean))))
    timg = test.batch(test_index(len(test)))
    iop_f = _features(model, clean, device, batch)
    t_f = _features(model, timg, device, batch)
    iop_dv = []  # per pattern: DVs of every Iop image
    test_dv = []
    for p in pats:
        iop_dv.append(_features(model, datamod.occlude(clean, pack, p), device, batch) - iop_f)
        test_dv.append(_features(model, datamod.occlude(timg, pack, p), device, batch) - t_f)
    model.train(was)
    return reduce(iop_dv, ids, test_dv, t_f, len(iop))


def reduce(iop_dv, ids, test_dv, test_feat, iop_pairs):
    """runners.PremiseOf with per-pattern Iop DV groups (float64 tensors)."""
    N = sum(len(g) for g in test_dv)
    grand = torch.cat(test_dv).mean(0)
    sse = sse_own = sst = 0.0
    pats = []
    all_u = torch.zeros_like(grand)
    within_num = within_den = sum_group_sq = nn = 0.0
    dv_norm = 0.0
    for p, g in enumerate(test_dv):
        mu = iop_dv[p].mean(0)
        own = g.mean(0)
        e = float(((g - mu) ** 2).sum())
        eo = float(((g - own) ** 2).sum())
        t = float(((g - grand) ** 2).sum())
        sse, sse_own, sst = sse + e, sse_own + eo, sst + t
        pats.append({"id": ids[p], "dv_transfer_r2": 1 - e / t if t else 0.0,
                     "own_mean_r2": 1 - eo / t if t else 0.0})
        norms = g.norm(dim=1)
        dv_norm += float(norms.sum())
        u = g[norms > 0] / norms[norms > 0].unsqueeze(1)
        gs = u.sum(0)
        s2 = float(gs @ gs)
        n = float(len(g))
        sum_group_sq += s2
        nn += n * n
        if n > 1:
            within_num += s2 - n
            within_den += n * (n - 1)
        all_u += gs
    across = N * N - nn
    feat_norm = float(test_feat.norm(dim=1).mean())
    out = {"model": "initial", "test_images": len(test_feat), "iop_pairs": iop_pairs,
           "dv_transfer_r2": 1 - sse / sst if sst else 0.0,
           "own_mean_r2": 1 - sse_own / sst if sst else 0.0,
           "within_pattern_cosine": within_num / within_den if within_den else 0.0,
           "across_pattern_cosine": (float(all_u @ all_u) - sum_group_sq) / across if across else 0.0,
           "dv_norm": dv_norm / N, "feature_norm": feat_norm,
           "dv_norm_relative": (dv_norm / N) / feat_norm if feat_norm else 0.0,
           "patterns": pats}
    return out
