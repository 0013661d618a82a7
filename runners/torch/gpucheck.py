"""Throughput benchmark of the PyTorch runner on one GPU (run by gpucheck.sh).

resnet50 at 224 x 224, bf16 autocast + channels_last, random weights (no download):
training img/s (SGD step, batch 256), clean evaluation img/s (batch 1024), and occluded
evaluation img/s through engine.evaluate (each clean image composited on the device with 24
patterns), then the projected time of Table 6's occluded evaluation (45,000 x 240).
"""
import sys
import time

import numpy as np
import torch

from occbench_torch import augment, data, engine, models

assert torch.cuda.is_available()
dev = torch.device("cuda:0")
torch.backends.cudnn.benchmark = True
S = 224
net = {"arch": "resnet50", "num_classes": 900, "input_size": S}
m = models.build(net)
models.init_random(m, 1)
m.to(dev, memory_format=torch.channels_last)
ac = lambda: torch.autocast("cuda", dtype=torch.bfloat16)  # noqa: E731
rows = []


def timed(fn, n_img, warm=5, iters=20):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    t = time.time()
    for _ in range(iters):
        fn()
    torch.cuda.synchronize()
    return n_img * iters / (time.time() - t)


# training
B = 256
u8 = torch.randint(0, 256, (B, S, S, 3), dtype=torch.uint8, device=dev)
y = torch.randint(0, 900, (B,), device=dev)
opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
flow = engine.Flow(m)
params = [{"flip": i % 2 == 1, "geo": True, "crop": (0.5, 1.0, 0.3, 0.6), "theta": 0.0, "tx": 0.0, "ty": 0.0} for i in range(B)]


def train_step():
    m.train()
    x = augment.apply(u8, params, True)
    with ac():
        loss = torch.nn.functional.cross_entropy(flow(x).float(), y)
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)


rows.append(("train (fwd+bwd+SGD, crop+flip aug)", B, timed(train_step, B, iters=15)))

# clean evaluation
E = 1024
ue = torch.randint(0, 256, (E, S, S, 3), dtype=torch.uint8, device=dev)


def eval_step():
    m.eval()
    with torch.no_grad(), ac():
        m(augment.normalize(ue, True)).argmax(1)


rows.append(("eval clean", E, timed(eval_step, E)))

# occluded evaluation through engine.evaluate (host uint8 split, on-device compositing)
g = np.random.default_rng(0)
N = 2048
test = data.Split("tst", g.integers(0, 256, (N, S, S, 3), dtype=np.uint8), g.integers(0, 900, N))
imgs, pats = {}, []
for k, side in enumerate([100, 71] * 3):
    occ = g.integers(0, 256, (side, side, 4), dtype=np.uint8)
    occ[..., 3] = np.where(g.random((side, side)) < 0.8, 255, 0)
    imgs[f"o{k}.png"] = occ
    for j in range(4):
        x, yy = (S - side) // 2 if j == 0 else int(g.integers(0, S - side)), (S - side) // 2 if j == 0 else int(g.integers(0, S - side))
        pats.append({"id": len(pats), "name": f"p{len(pats)}", "ratio": 0.2, "position": "center", "x": x, "y": yy,
                     "w": side, "h": side, "file": f"o{k}.png"})
pack = data.Pack({"patterns": pats}, imgs)
engine.evaluate(m, data.Split("w", test.images[:64], test.labels[:64]), pack, pats, 900, dev, 64, True, True)
torch.cuda.synchronize()
t = time.time()
engine.evaluate(m, test, pack, pats, 900, dev, E, True, True)
torch.cuda.synchronize()
occ_ips = N * (len(pats) + 1) / (time.time() - t)
rows.append((f"eval occluded (engine.evaluate, {len(pats)} patterns)", E, occ_ips))

print(f"\n{torch.cuda.get_device_name(0)}, torch {torch.__version__}, resnet50 {S}x{S}, bf16 autocast, channels_last")
print(f"{'benchmark':48s} {'batch':>6s} {'img/s':>10s}")
for name, b, ips in rows:
    print(f"{name:48s} {b:6d} {ips:10.0f}")
total = 45000 * 241
print(f"\nTable 6 occluded evaluation (45,000 clean x (1 + 240 patterns) = {total:,} images): "
      f"{total / occ_ips / 60:.1f} min projected at {occ_ips:.0f} img/s (goal: under 30 min)")
print(f"peak GPU memory {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB")
sys.exit(0)
