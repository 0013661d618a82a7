"""Training (classical and DFV augmentation, PROTOCOL.md section 1) and the on-device
occluded evaluation, with the Go runner's semantics and random streams."""
import copy
import math
import os
import threading
import queue
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import augment, keyed, models
from . import spec as specmod


# gonn.DVHint: appended to a DFV run's non-finite-loss message.
DV_HINT = ("; the DV flow runs batch norm on running statistics, so initial weights whose statistics "
           "were never trained (random init) give exploding DVs: start DFV from a trained checkpoint")


class NaNError(RuntimeError):
    def __init__(self, epoch, step, loss, last, dfv=False):
        self.epoch, self.step, self.loss, self.last = epoch, step, loss, last
        super().__init__(f"training stopped: loss is {go_v(loss)} at epoch {epoch} step {step} "
                         f"(last finite loss {go_v(last)})" + (DV_HINT if dfv else ""))


def go_v(f):
    """fmt's %v of a float64."""
    if f != f:
        return "NaN"
    if f in (float("inf"), float("-inf")):
        return "+Inf" if f > 0 else "-Inf"
    return repr(float(f))


class Dist:
    """torch.distributed facts (a single process when WORLD_SIZE is unset or 1)."""

    def __init__(self, device):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local = int(os.environ.get("LOCAL_RANK", "0"))
        self.on = self.world > 1
        if self.on and not torch.distributed.is_initialized():
            backend = "nccl" if device.type == "cuda" else "gloo"
            torch.distributed.init_process_group(backend)

    def all_sum(self, t):
        if self.on:
            torch.distributed.all_reduce(t)
        return t

    def barrier(self):
        if self.on:
            torch.distributed.barrier()


class Flow(nn.Module):
    """The DFV flow as one module (so DistributedDataParallel sees a plain forward):
    logits = head(DFV(x) + d); d = beta * DV rows (zeros for classical training)."""

    def __init__(self, base):
        super().__init__()
        self.base = base

    def forward(self, x, d=None):
        v = self.base.dfv(x)
        if d is not None:
            v = v + d.to(v.dtype)
        return self.base.head(v)


def prefetch(gen, depth=2):
    """Runs a generator in a background thread (host reads and H2D copies overlap compute)."""
    q = queue.Queue(depth)
    end = object()

    def work():
        try:
            for item in gen:
                q.put(item)
        except BaseException as e:  # re-raised in the consumer
            q.put(e)
        q.put(end)

    threading.Thread(target=work, daemon=True).start()
    while True:
        item = q.get()
        if item is end:
            return
        if isinstance(item, BaseException):
            raise item
        yield item


def normal_draws(seed, epoch, step, sample, F):
    """gonn.NormalDraws: F standard normals from keyed.rand(seed, "dvnoise", epoch, step,
    sample) by Box-Muller on pairs of float64 draws."""
    r = keyed.rand(seed, "dvnoise", epoch, step, sample)
    z = []
    for k in range(0, F, 2):
        u1, u2 = r.float64(), r.float64()
        rad = math.sqrt(-2 * math.log(1 - u1))
        z.append(rad * math.cos(2 * math.pi * u2))
        if k + 1 < F:
            z.append(rad * math.sin(2 * math.pi * u2))
    return z


def dv_noise(bank, source):
    """The control rows' moments of a bank (gonn.NewDVNoise): ("gaussian", mean, L) with L
    the Cholesky factor of the covariance plus 1e-6 x its mean diagonal, or ("isotropic",
    sigma) with sigma = sqrt(mean |d|^2 / F); None for source bank."""
    if source == "bank":
        return None
    b = bank.double().cpu()
    n, F_ = b.shape
    if source == "isotropic":
        return ("isotropic", math.sqrt(float((b * b).sum()) / n / F_))
    mu = b.mean(0)
    c = b - mu
    cov = c.T @ c / n
    jit = max(1e-6 * float(torch.trace(cov)) / F_, 1e-12)
    L = torch.linalg.cholesky(cov + jit * torch.eye(F_, dtype=torch.float64))
    return ("gaussian", mu, L)


def noise_draw(noise, seed, epoch, step, sample, F_, device):
    z = torch.tensor(normal_draws(seed, epoch, step, sample, F_), dtype=torch.float64)
    if noise[0] == "isotropic":
        v = noise[1] * z
    else:
        v = noise[1] + noise[2] @ z
    return v.float().to(device)


class Trainer:
    def __init__(self, model, spec, device, dist=None, amp=False, channels_last=False,
                 progress=None, eval_batch=None):
        self.model, self.spec, self.device = model, spec, device
        self.dist = dist or Dist(device)
        self.amp, self.cl = amp, channels_last
        self.progress = progress or (lambda ev: None)
        self.eval_batch = eval_batch or spec["eval"]["batch_size"] or 64
        self.alpha, self.beta = specmod.alpha(spec), specmod.beta(spec)
        mc = spec["freeze"]["min_channels"]
        names = models.trainable_names(model, mc)
        for n, p in model.named_parameters():
            p.requires_grad_(n in names)
        self.frozen_bns = models.frozen_bns(model, mc)
        params = [p for n, p in model.named_parameters() if n in names]
        o = spec["optimizer"]
        self.opt = torch.optim.SGD(params, lr=o["lr"], momentum=o["momentum"],
                                   weight_decay=o["weight_decay"], nesterov=o["nesterov"])
        self.flow = Flow(model)
        if self.dist.on:
            ids = [device.index] if device.type == "cuda" else None
            self.flow = nn.parallel.DistributedDataParallel(self.flow, device_ids=ids)
        self.dv_model = None
        self.bank = None
        self.dv_source, self.dv_sign = specmod.dv_source(spec), specmod.dv_sign(spec)
        self.noise = None  # control rows: (mean, L) or sigma of the current bank
        self.images, self.seconds = 0, 0.0
        self.start_epoch, self.curve, self.last = 0, [], float("nan")

    def autocast(self):
        if self.amp and self.device.type == "cuda":
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return torch.autocast("cpu", enabled=False)

    # -- DV flow
    def sync_bank(self, iop, pack):
        """Copies the trained weights (batch-norm statistics included) into the DV-flow copy
        and recomputes the bank: bank[i] = DFV(occluded_i) - DFV(clean_i), in inference mode,
        without augmentation or gradient. With several ranks each computes a contiguous share
        and the shares are all-gathered, so every rank holds the same bank."""
        if self.dv_model is None:
            self.dv_model = copy.deepcopy(self.model)
            for p in self.dv_model.parameters():
                p.requires_grad_(False)
        self.dv_model.load_state_dict(self.model.state_dict())
        self.dv_model.eval()
        n = len(iop)
        W, r = self.dist.world, self.dist.rank
        share = -(-n // W)
        lo, hi = min(r * share, n), min((r + 1) * share, n)
        F_ = self.model.feature_dim
        local = torch.zeros(share, F_, dtype=torch.float32, device=self.device)
        h = max(1, self.eval_batch // 2)
        with torch.no_grad(), self.autocast():
            for a in range(lo, hi, h):
                b = min(a + h, hi)
                clean, occ = iop.batch(a, b, pack, self.device)
                f = self.dv_model.dfv(augment.normalize(torch.cat([clean, occ]), self.cl)).float()
                local[a - lo:b - lo] = f[b - a:] - f[:b - a]
        if self.dist.on:
            parts = [torch.empty_like(local) for _ in range(W)]
            torch.distributed.all_gather(parts, local)
            local = torch.cat(parts)
        self.bank = local[:n].contiguous()
        self.noise = dv_noise(self.bank, self.dv_source)
        return self.bank

    def dv_rows(self, e, step, bsz):
        """beta * a bank row per sample with probability alpha, else zero (keyed.Rand(seed,
        "dv", epoch, step), the Go runner's draw order)."""
        s = self.spec["seed"]
        dr = keyed.rand(s, "dv", e, step)
        n = len(self.bank)
        idx, mask = [], []
        for _ in range(bsz):
            if dr.float64() < self.alpha:
                idx.append(dr.intn(n))
                mask.append(1.0)
            else:
                idx.append(0)
                mask.append(0.0)
        it = torch.tensor(idx, device=self.device)
        m = torch.tensor(mask, dtype=torch.float32, device=self.device).unsqueeze(1)
        rows = self.bank[it]
        if self.noise is not None:
            # control rows: the same samples get noise instead of a bank row
            rows = torch.stack([noise_draw(self.noise, s, e, step, i, self.bank.shape[1], self.device)
                                if mask[i] else torch.zeros(self.bank.shape[1], device=self.device)
                                for i in range(bsz)]) if bsz else rows
        scale = torch.tensor(self.beta * self.dv_sign, dtype=torch.float32)
        return rows * scale * m

    # -- DFV flow
    def epoch(self, e, train, iop, pack):
        s = self.spec
        t0 = time.time()
        lr = specmod.lr_at(s, e)
        for g in self.opt.param_groups:
            g["lr"] = lr
        st = {"epoch": e + 1, "loss": 0.0, "train_acc": 0.0, "lr": lr, "seconds": 0.0}
        dfv = s["method"] == "dfv"
        if dfv:
            self.sync_bank(iop, pack)
            st["dv_bank_size"] = len(self.bank)
        n = len(train)
        if n == 0:
            raise RuntimeError("trainer: empty training set")
        K = s["network"]["num_classes"]
        order = keyed.rand(s["seed"], "shuffle", e).perm(n)
        B = s["batch_size"]
        W, r = self.dist.world, self.dist.rank
        steps = -(-n // B)

        def batches():
            for step in range(steps):
                lo, hi = step * B, min(step * B + B, n)
                rows = order[lo:hi]
                mine = np.array_split(np.arange(hi - lo), W)[r]
                labels = train.labels[rows]
                if labels.min() < 0 or labels.max() >= K:
                    bad = int(next(i for i in rows if not 0 <= train.labels[i] < K))
                    raise RuntimeError(f"training example {bad}: label {int(train.labels[bad])} outside [0,{K})")
                u8 = train.batch([rows[i] for i in mine])
                if self.device.type == "cuda":
                    u8 = u8.pin_memory()
                yield step, lo, hi, mine, u8.to(self.device, non_blocking=True), torch.from_numpy(labels[mine])

        self.flow.train()
        for bn in self.frozen_bns:
            bn.eval()
        loss_sum = torch.zeros((), dtype=torch.float64, device=self.device)
        correct = torch.zeros((), dtype=torch.int64, device=self.device)
        t_train = time.time()
        last_report = time.time()
        for step, lo, hi, mine, u8, y in prefetch(batches()):
            bsz = hi - lo
            ar = keyed.rand(s["seed"], "augment", e, step)
            params = [augment.draw(s["augmentation"], ar) for _ in range(bsz)]
            x = augment.apply(u8, [params[i] for i in mine], self.cl)
            y = y.to(self.device)
            d = self.dv_rows(e, step, bsz)[torch.as_tensor(mine, device=self.device)] if dfv else None
            with self.autocast():
                logits = self.flow(x, d)
            ce = F.cross_entropy(logits.float(), y, reduction="sum")
            # the mean over the global batch; DDP averages gradients over ranks, hence * W
            (ce * (W / bsz)).backward()
            gl = self.dist.all_sum(ce.detach().double().clone())
            loss = float(gl) / bsz
            if not math.isfinite(loss):
                self.opt.zero_grad(set_to_none=True)
                raise NaNError(e + 1, step, loss, self.last, self.spec["method"] == "dfv")
            self.last = loss
            self.opt.step()
            self.opt.zero_grad(set_to_none=True)
            loss_sum += gl
            correct += (logits.argmax(1) == y).sum()
            if time.time() - last_report > 2:
                last_report = time.time()
                self.progress({"event": "step", "epoch": e + 1, "step": step + 1, "steps": steps, "loss": loss})
        if self.device.type == "cuda":
            torch.cuda.synchronize()
        self.dist.all_sum(correct)
        self.images += n
        self.seconds += time.time() - t_train
        st["loss"] = float(loss_sum) / n
        st["train_acc"] = int(correct) / n
        st["seconds"] = time.time() - t0
        return st

    def train(self, train, iop, pack, on_epoch=None):
        if self.spec["method"] == "dfv" and self.spec["epochs"] > 0 and (iop is None or len(iop) == 0):
            raise RuntimeError("trainer: method dfv needs a non-empty Iop pair set")
        for e in range(self.start_epoch, self.spec["epochs"]):
            st = self.epoch(e, train, iop, pack)
            self.curve.append(st)
            self.progress(dict(event="epoch", epochs=self.spec["epochs"], **st))
            if on_epoch:
                on_epoch(e)
        return self.curve

    def throughput(self):
        return self.images / self.seconds if self.seconds else 0.0

    # -- resumable state
    def state(self, spec_hash, epoch):
        return {"spec_hash": spec_hash, "epoch": epoch, "model": self.model.state_dict(),
                "opt": self.opt.state_dict(), "curve": self.curve, "images": self.images,
                "seconds": self.seconds, "last": self.last}

    def restore(self, st):
        self.model.load_state_dict(st["model"])
        self.opt.load_state_dict(st["opt"])
        self.curve, self.images, self.seconds = st["curve"], st["images"], st["seconds"]
        self.last, self.start_epoch = st["last"], st["epoch"] + 1


def evaluate(model, test, pack, pats, K, device, batch=64, amp=False, channels_last=False,
             dist=None, progress=None):
    """Counts correct predictions on every clean test image and on the same image composited
    with every pattern, compositing on the device from the clean pixels (DESIGN.md decision
    6): nothing occluded is ever written. Returns (clean, [per pattern]) as
    (correct_per_class, total_per_class, hits) numpy arrays: int64 per class, and hits a bool
    array over the N test images in split order (True = classified correctly; runners/SPEC.md
    "Per-image hits"). With several ranks each rank evaluates a contiguous share of the images;
    the counts are summed, the hits all-gathered and laid out by image index."""
    dist = dist or Dist(device)
    progress = progress or (lambda ev: None)
    model.eval()
    N = len(test)
    W, r = dist.world, dist.rank
    share = -(-N // W)
    lo, hi = min(r * share, N), min((r + 1) * share, N)
    P = len(pats)
    correct = torch.zeros(P + 1, K, dtype=torch.int64, device=device)
    total = torch.zeros(P + 1, K, dtype=torch.int64, device=device)
    # hits of this rank's images lo..hi, padded to the common share so the gather is regular
    hits = torch.zeros(P + 1, share, dtype=torch.uint8, device=device)
    occs = [pack.tensor(p["file"], device) for p in pats]
    ac = torch.autocast("cuda", dtype=torch.bfloat16) if amp and device.type == "cuda" else torch.autocast("cpu", enabled=False)
    labels_all = test.labels
    if N and (labels_all.min() < 0 or labels_all.max() >= K):
        bad = int(np.nonzero((labels_all < 0) | (labels_all >= K))[0][0])
        raise RuntimeError(f"test example {bad}: label {int(labels_all[bad])} outside [0,{K})")

    def chunks():
        for a in range(lo, hi, batch):
            b = min(a + batch, hi)
            u8 = test.batch(list(range(a, b)))
            if device.type == "cuda":
                u8 = u8.pin_memory()
            yield a, b, u8.to(device, non_blocking=True), torch.from_numpy(labels_all[a:b]).to(device)

    done, t_last = 0, time.time()
    with torch.no_grad(), ac:
        for a, b, u8, y in prefetch(chunks()):
            ones = torch.ones_like(y)
            for j in range(-1, P):
                if j < 0:
                    img = u8
                else:
                    p = pats[j]
                    from .data import composite_
                    img = composite_(u8.clone(), occs[j], p["x"], p["y"])
                pred = model(augment.normalize(img, channels_last)).argmax(1)
                right = pred == y
                total[j + 1].index_add_(0, y, ones)
                correct[j + 1].index_add_(0, y, right.to(torch.int64))
                hits[j + 1, a - lo:b - lo] = right.to(torch.uint8)
            done += b - a
            if time.time() - t_last > 2:
                t_last = time.time()
                progress({"event": "eval", "done": done, "total": hi - lo, "patterns": P})
    dist.all_sum(correct)
    dist.all_sum(total)
    if dist.on:
        parts = [torch.empty_like(hits) for _ in range(W)]
        torch.distributed.all_gather(parts, hits)
        hits = torch.cat(parts, dim=1)  # rank r's share starts at image r * share
    h = hits[:, :N].cpu().numpy().astype(bool)
    c, t = correct.cpu().numpy(), total.cpu().numpy()
    return (c[0], t[0], h[0]), [(c[j + 1], t[j + 1], h[j + 1]) for j in range(P)]
