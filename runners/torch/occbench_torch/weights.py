"""Weights: safetensors read/write and loading into a model with the Go runner's rules.

The ``safetensors`` package is not in Debian 12 (nor in the python3-torch install this runner
targets), and the format is tiny (8-byte little-endian header length, a JSON header with
dtype/shape/data_offsets per tensor plus optional ``__metadata__``, then raw little-endian
bytes), so it is read and written here with the standard library and numpy.
"""
import json
import os
import struct

import numpy as np
import torch

_DT = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64, "I32": np.int32,
       "U8": np.uint8, "I8": np.int8, "BOOL": np.bool_}


class WeightsError(RuntimeError):
    pass


def read_safetensors(path):
    """Returns ({name: torch tensor}, metadata dict)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise WeightsError(f"weights {path}: {e}") from None
    if len(data) < 8:
        raise WeightsError(f"{path}: not a safetensors file (too short)")
    n = struct.unpack("<Q", data[:8])[0]
    if n > len(data) - 8:
        raise WeightsError(f"{path}: not a safetensors file (header length {n} beyond the file)")
    try:
        header = json.loads(data[8:8 + n])
    except ValueError as e:
        raise WeightsError(f"{path}: not a safetensors file: {e}") from None
    meta = header.pop("__metadata__", None) or {}
    base = 8 + n
    out = {}
    for name, t in header.items():
        lo, hi = t["data_offsets"]
        dt = t["dtype"]
        buf = data[base + lo:base + hi]
        if dt == "BF16":
            a = np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16
            arr = torch.from_numpy(a.view(np.float32).copy())
        elif dt in _DT:
            arr = torch.from_numpy(np.frombuffer(buf, dtype=np.dtype(_DT[dt]).newbyteorder("<")).copy())
        else:
            raise WeightsError(f"{path}: tensor {name!r} has unsupported dtype {dt}")
        out[name] = arr.reshape(t["shape"])
    return out, meta


def write_safetensors(path, tensors, metadata=None):
    """Writes F32 tensors (sorted by name) atomically: temporary file + rename."""
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        a = tensors[name].detach().to("cpu", torch.float32).contiguous().numpy().astype("<f4")
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def occbench_tensors(model):
    """Every parameter and batch-norm statistic under torchvision names (no counters), as
    gonn's checkpoints hold them."""
    return {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}


TORCHVISION_FILES = {
    # the files torchvision's weights enums download into $TORCH_HOME/hub/checkpoints
    "resnet18": "resnet18-f37072fd.pth",
    "resnet50": ["resnet50-11ad3fa6.pth", "resnet50-0676ba61.pth"],
    "vgg16": "vgg16-397923af.pth",
}


def torchvision_file(arch):
    """The cached ImageNet weights of arch, never downloaded (init.path "torchvision")."""
    names = TORCHVISION_FILES.get(arch)
    if names is None:
        raise WeightsError(f"init.path torchvision: no torchvision ImageNet weights for {arch}")
    names = [names] if isinstance(names, str) else names
    d = os.path.join(torch.hub.get_dir(), "checkpoints")
    for n in names:
        p = os.path.join(d, n)
        if os.path.exists(p):
            return p
    raise WeightsError(f"init.path torchvision: {arch} weights are not in torchvision's cache ({d}/{names[0]}); "
                       "copy them there (or export them to safetensors and give that path): the runner never downloads")


def load_file(path):
    if path.endswith((".pth", ".pt", ".bin")):
        try:
            sd = torch.load(path, map_location="cpu")
        except (OSError, RuntimeError) as e:
            raise WeightsError(f"weights {path}: {e}") from None
        if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
            sd = sd["state_dict"]
        return {k: v for k, v in sd.items() if torch.is_tensor(v)}, {}
    return read_safetensors(path)


def load_into(model, path, skip=(), arch=None):
    """gonn.LoadSafetensors: every tensor of the model must be in the file with its shape
    unless skipped; a file tensor the model lacks is an error unless skipped or a
    num_batches_tracked counter. Errors name the tensor."""
    if path == "torchvision" or path.startswith("torchvision:"):
        path = torchvision_file(arch or model.arch)
    tensors, _ = load_file(path)
    skipped = lambda n: any(n.startswith(s) for s in skip)  # noqa: E731
    want = model.state_dict()
    arch = arch or model.arch
    for n in tensors:
        if n not in want and not skipped(n) and not n.endswith(".num_batches_tracked"):
            raise WeightsError(f"{path}: tensor {n!r} is not a parameter of {arch} (does the file match the network?)")
    new = {}
    for n in sorted(want):
        if skipped(n):
            continue
        if n not in tensors:
            if n.endswith(".num_batches_tracked"):
                continue
            raise WeightsError(f"{path}: tensor {n!r} of {arch} is missing (does the file match the network?)")
        t = tensors[n]
        if tuple(t.shape) != tuple(want[n].shape):
            raise WeightsError(f"{path}: tensor {n!r} has shape {list(t.shape)}, {arch} wants {list(want[n].shape)}")
        new[n] = t.to(want[n].dtype)
    with torch.no_grad():
        for n, v in model.state_dict().items():
            if n in new:
                v.copy_(new[n])
    return path
