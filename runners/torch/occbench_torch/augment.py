"""Input normalization and the DFV flow's augmentation, on the device, with the Go runner's
semantics (runners/gonn/input.go) and its random draws (keyed.Rand(seed, "augment", epoch,
step), one draw sequence per image in batch order)."""
import math

import torch
import torch.nn.functional as F

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def normalize(u8, channels_last=False):
    """uint8 N x S x S x 3 -> float32 N x 3 x S x S, (v/255 - mean)/std per channel (ImageNet)."""
    x = u8.to(torch.float32) / 255
    mean = torch.tensor(MEAN, dtype=torch.float32, device=u8.device)
    std = torch.tensor(STD, dtype=torch.float32, device=u8.device)
    x = ((x - mean) / std).permute(0, 3, 1, 2)
    return x.contiguous(memory_format=torch.channels_last if channels_last else torch.contiguous_format)


def draw(aug, r):
    """One image's transform, drawn exactly as gonn's augment: flip, then crop (area, log
    aspect, x, y), rotation, translation. Returns a dict of the parameters."""
    flip = bool(aug["hflip"]) and r.intn(2) == 1
    p = {"flip": flip, "geo": aug["crop_scale_min"] > 0 or aug["affine_degrees"] > 0 or aug["affine_translate"] > 0}
    if not p["geo"]:
        return p
    p["crop"] = None
    if aug["crop_scale_min"] > 0:
        lo = aug["crop_scale_min"]
        area = lo + r.float64() * (1 - lo)
        logr = math.log(3.0 / 4) + r.float64() * (math.log(4.0 / 3) - math.log(3.0 / 4))
        p["crop"] = (area, math.exp(logr), r.float64(), r.float64())
    p["theta"] = (2 * r.float64() - 1) * aug["affine_degrees"] * math.pi / 180 if aug["affine_degrees"] > 0 else 0.0
    if aug["affine_translate"] > 0:
        p["tx"] = (2 * r.float64() - 1) * aug["affine_translate"]
        p["ty"] = (2 * r.float64() - 1) * aug["affine_translate"]
    else:
        p["tx"] = p["ty"] = 0.0
    return p


def apply(u8, params, channels_last=False):
    """Augments a uint8 batch (N x S x S x 3, on the device) with drawn params and normalizes.
    Geometric transforms sample bilinearly on [0, 255] values with black outside, mapping each
    output pixel center back through flip, affine (about the center) and crop, as gonn."""
    n, S = u8.shape[0], u8.shape[1]
    if not any(p["geo"] for p in params):
        x = normalize(u8, channels_last)
        flips = [i for i, p in enumerate(params) if p["flip"]]
        if flips:
            x[flips] = x[flips].flip(-1)
        return x
    dev = u8.device
    Sf = float(S)
    rows = []
    for p in params:
        cx0, cy0, cw, ch = 0.0, 0.0, Sf, Sf
        if p.get("crop"):
            area, ar, fx, fy = p["crop"]
            cw = min(Sf, Sf * math.sqrt(area * ar))
            ch = min(Sf, Sf * math.sqrt(area / ar))
            cx0, cy0 = fx * (Sf - cw), fy * (Sf - ch)
        th = p.get("theta", 0.0)
        rows.append([1.0 if p["flip"] else 0.0, math.cos(th), math.sin(th), p.get("tx", 0.0) * Sf,
                     p.get("ty", 0.0) * Sf, cx0, cy0, cw, ch])
    P = torch.tensor(rows, dtype=torch.float64, device=dev)
    c = torch.arange(S, dtype=torch.float64, device=dev) + 0.5
    oy, ox = torch.meshgrid(c, c, indexing="ij")  # S x S
    ox = ox.unsqueeze(0).expand(n, S, S)
    oy = oy.unsqueeze(0).expand(n, S, S)
    col = lambda k: P[:, k].view(n, 1, 1)  # noqa: E731
    ox = torch.where(col(0) > 0, Sf - ox, ox)
    half = Sf / 2
    px, py = ox - half - col(3), oy - half - col(4)
    qx = col(1) * px + col(2) * py + half
    qy = -col(2) * px + col(1) * py + half
    sx = col(5) + qx * col(7) / Sf - 0.5
    sy = col(6) + qy * col(8) / Sf - 0.5
    grid = torch.stack([(2 * sx + 1) / Sf - 1, (2 * sy + 1) / Sf - 1], dim=-1).to(torch.float32)
    src = u8.to(torch.float32).permute(0, 3, 1, 2)
    out = F.grid_sample(src, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    mean = torch.tensor(MEAN, dtype=torch.float32, device=dev).view(1, 3, 1, 1)
    std = torch.tensor(STD, dtype=torch.float32, device=dev).view(1, 3, 1, 1)
    x = (out / 255 - mean) / std
    return x.contiguous(memory_format=torch.channels_last if channels_last else torch.contiguous_format)
