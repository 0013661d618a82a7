"""resnet-mini training throughput in PyTorch on the CPU (2 threads), batch 32.

The same network as runners/gonn (resnet-mini defaults): conv 3->16 + BN + ReLU, residual
block 16, stride-2 conv 16->32 + BN + ReLU, residual block 32, global average pool, linear.
Prints one line per input size: "pytorch <side> <img/s> <peak RSS MiB> <CPU ms per image>".
TORCH_THREADS overrides the 2 threads (compare.sh also runs 1 thread: on a busy machine the
2-thread run collapses in OpenMP synchronisation while 1 thread still measures efficiency).
"""
import os
import resource
import sys
import time

import torch
import torch.nn as nn

THREADS = int(os.environ.get("TORCH_THREADS", "2"))
torch.set_num_threads(THREADS)
torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(h)) + x)


def mini(k=10):
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        Block(16),
        nn.Conv2d(16, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        Block(32),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, k))


def bench(side, seconds=5.0):
    net = mini()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(32, 3, side, side)
    y = torch.randint(0, 10, (32,))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(net(x), y).backward()
        opt.step()

    for _ in range(3):
        step()
    n, t0, c0 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - t0 < seconds:
        step()
        n += 32
    # CPU time of all threads per image: comparable across runs on a busy machine
    return n / (time.perf_counter() - t0), (time.process_time() - c0) * 1e3 / n


if __name__ == "__main__":
    for side in [int(a) for a in sys.argv[1:]] or [32, 64]:
        ips, cpu = bench(side)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"pytorch {side} {ips:.1f} {rss:.0f} {cpu:.3f}")
