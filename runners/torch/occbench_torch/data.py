"""Data: the pattern pack, on-device compositing, and the splits a run reads.

Splits come from one of three places, tried in this order:

1. a *tensor cache* (``--data CACHE``), which the Go launcher (runners/torchrun) writes from
   the project's Parquet shards with the project's own reader, so no pyarrow is needed:
   ``CACHE/cache.json`` plus, per split, ``{split}.images.npy`` (uint8 N x S x S x 3, RGB,
   memory-mapped here) and ``{split}.labels.npy`` (int64 N);
2. the shard folder's Parquet files (``data/{split}-*.parquet``) through pyarrow, when it is
   installed;
3. WebDataset tar shards (``data/{split}-*.tar`` with ``{key}.png|jpg``, ``{key}.cls``,
   ``{key}.json``) through the standard library's tarfile.

Iop (the DV flow's pair set) is a clean split plus the pattern ids of its subset: pair i is
clean image i // P with pattern i % P, composited on the fly exactly as
runners.PatternPairs does. Real pairs (AR) come as a second, aligned image array.
"""
import glob
import io
import json
import os
import tarfile

import numpy as np
import torch


class DataError(RuntimeError):
    pass


# ---------------------------------------------------------------- pattern pack

class Pack:
    """patterns.json + occluders/*.png (pre-scaled RGBA), as occluders/patterns.ReadPack."""

    def __init__(self, table, images):
        self.table = table
        self.patterns = table["patterns"]
        self.images = images  # file -> uint8 array H x W x 4 (non-premultiplied RGBA)
        self._dev = {}

    def by_id(self):
        return {p["id"]: p for p in self.patterns}

    def select(self, ids):
        if not ids:
            return list(self.patterns)
        want = set(ids)
        return [p for p in self.patterns if p["id"] in want]

    def tensor(self, file, device):
        key = (file, str(device))
        if key not in self._dev:
            self._dev[key] = torch.from_numpy(self.images[file]).to(device)
        return self._dev[key]


def read_pack(folder):
    from PIL import Image

    path = os.path.join(folder, "patterns.json")
    try:
        with open(path, encoding="utf-8") as f:
            table = json.load(f)
    except OSError as e:
        raise DataError(f"pattern pack {folder}: {e}") from None
    images = {}
    for p in table.get("patterns") or []:
        fn = p["file"]
        if fn not in images:
            fp = os.path.join(folder, *fn.split("/"))
            try:
                with Image.open(fp) as im:
                    im.load()
                    if im.mode != "RGBA":
                        # Go's png encoder writes fully opaque NRGBA as RGB; 16-bit and paletted
                        # images convert exactly to 8-bit RGBA as image/draw does for them.
                        im = im.convert("RGBA")
                    images[fn] = np.ascontiguousarray(np.asarray(im, dtype=np.uint8))
            except OSError as e:
                raise DataError(f"pattern pack {folder}: pattern {p['id']}: {e}") from None
        h, w = images[fn].shape[:2]
        if (w, h) != (p["w"], p["h"]):
            raise DataError(f"pattern pack {folder}: {fn} is {w}x{h}, the table says {p['w']}x{p['h']}")
    return Pack(table, images)


def check_pack(folder, lock):
    """Refuses a pack that is not the one the shards were written with, as Go's
    shards.CheckPack: patterns.json must equal the lock's pattern table row by row, and every
    file the lock lists (pattern_files) must have its SHA-256. Raises DataError naming the
    first file that differs."""
    import hashlib

    def fail(file, msg):
        raise DataError(f"pattern pack {folder} does not match manifest.lock.json: patterns/{file}: {msg}")

    try:
        with open(os.path.join(folder, "patterns.json"), encoding="utf-8") as f:
            table = json.load(f)
    except (OSError, ValueError) as e:
        fail("patterns.json", str(e))
    want = lock.get("patterns") or {}
    for k in sorted(set(table) | set(want)):
        if k == "patterns":
            continue
        if table.get(k) != want.get(k):
            fail("patterns.json", f"table: {k} {json.dumps(table.get(k))}, the lock says {json.dumps(want.get(k))}")
    got_rows, want_rows = table.get("patterns") or [], want.get("patterns") or []
    if len(got_rows) != len(want_rows):
        fail("patterns.json", f"{len(got_rows)} patterns, the lock has {len(want_rows)}")
    for g, w in zip(got_rows, want_rows):
        for k in sorted(set(g) | set(w)):
            if g.get(k) != w.get(k):
                fail("patterns.json", f"pattern {w.get('id')}: {k} {json.dumps(g.get(k))}, the lock says {json.dumps(w.get(k))}")
    for d in lock.get("pattern_files") or []:
        name = d["file"]
        parts = name.split("/")
        if name.startswith("/") or ".." in parts:
            fail(name, "the lock names a file outside the pack")
        try:
            with open(os.path.join(folder, *parts), "rb") as f:
                b = f.read()
        except OSError as e:
            fail(name, str(e))
        got = hashlib.sha256(b).hexdigest()
        if got != d["sha256"] or len(b) != d["bytes"]:
            fail(name, f"SHA-256 {got} ({len(b)} bytes), the lock says {d['sha256']} ({d['bytes']} bytes): the file was replaced")


def composite_(imgs, occ, x, y):
    """occluders.Composite on a batch, in place, bit for bit: imgs is uint8 N x H x W x 3 (any
    device), occ uint8 h x w x 4 on the same device, (x, y) the top-left corner (clipped).
    Per pixel, dst = (occ*a + dst*(255-a) + 127) // 255 in int32 (a = 0 leaves dst as is)."""
    H, W = imgs.shape[1], imgs.shape[2]
    h, w = occ.shape[0], occ.shape[1]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, W), min(y + h, H)
    if x0 >= x1 or y0 >= y1:
        return imgs
    o = occ[y0 - y:y1 - y, x0 - x:x1 - x].to(torch.int32)
    a = o[..., 3:4]
    region = imgs[:, y0:y1, x0:x1, :].to(torch.int32)
    out = torch.div(o[..., :3] * a + region * (255 - a) + 127, 255, rounding_mode="floor")
    imgs[:, y0:y1, x0:x1, :] = out.to(torch.uint8)
    return imgs


def occlude(imgs, pack, pattern):
    """A composited copy of imgs (uint8 N x H x W x 3) with one pattern."""
    out = imgs.clone()
    return composite_(out, pack.tensor(pattern["file"], imgs.device), pattern["x"], pattern["y"])


# ---------------------------------------------------------------- splits

class Split:
    """Images (uint8 N x S x S x 3, numpy, possibly memory-mapped) and labels (int64 N)."""

    def __init__(self, name, images, labels):
        if images.ndim != 4 or images.shape[3] != 3:
            raise DataError(f"split {name}: images have shape {images.shape}, want N x S x S x 3")
        if len(labels) != len(images):
            raise DataError(f"split {name}: {len(images)} images but {len(labels)} labels")
        self.name, self.images, self.labels = name, images, np.asarray(labels, dtype=np.int64)

    def __len__(self):
        return len(self.images)

    def batch(self, idx):
        """uint8 torch tensor of the rows idx (a list or array of ints)."""
        idx = np.asarray(idx, dtype=np.int64)
        if len(idx) and np.all(np.diff(idx) == 1):
            a = self.images[idx[0]:idx[-1] + 1]
        else:
            a = self.images[idx]
        return torch.from_numpy(np.ascontiguousarray(a))


class Pairs:
    """The DV flow's Iop. Synthetic: clean split + pattern list (pair i = clean i // P, pattern
    i % P, as runners.PatternPairs). Real: clean and occluded arrays, aligned."""

    def __init__(self, clean, patterns=None, occluded=None):
        self.clean, self.patterns, self.occluded = clean, patterns, occluded
        if occluded is None and not patterns:
            raise DataError(f"pairs {clean.name}: no patterns and no occluded images")

    def __len__(self):
        if self.occluded is not None:
            return len(self.clean)
        return len(self.clean) * len(self.patterns)

    def batch(self, lo, hi, pack, device):
        """Clean and occluded uint8 tensors (on device) of pairs lo..hi-1."""
        if self.occluded is not None:
            idx = list(range(lo, hi))
            return self.clean.batch(idx).to(device), self.occluded.batch(idx).to(device)
        P = len(self.patterns)
        rows = [i // P for i in range(lo, hi)]
        first = rows[0]
        base = self.clean.batch(list(range(first, rows[-1] + 1))).to(device)
        clean = base[[r - first for r in rows]]
        occ = clean.clone()
        pats = [i % P for i in range(lo, hi)]
        for k in sorted(set(pats)):
            sel = [j for j, q in enumerate(pats) if q == k]
            p = self.patterns[k]
            sub = composite_(occ[sel], pack.tensor(p["file"], device), p["x"], p["y"])
            occ[sel] = sub
        return clean, occ


class Data:
    """What a run reads; eval_sets are the spec's eval.sets splits, in order."""

    def __init__(self, train, test, iop, pack, eval_sets=()):
        self.train, self.test, self.iop, self.pack = train, test, iop, pack
        self.eval_sets = list(eval_sets)


def _npy(path):
    try:
        return np.load(path, mmap_mode="r")
    except OSError as e:
        raise DataError(f"tensor cache: {e}") from None


def load_cache(cache, spec, pack):
    """The tensor cache the Go launcher writes (see module doc)."""
    try:
        with open(os.path.join(cache, "cache.json"), encoding="utf-8") as f:
            meta = json.load(f)
    except OSError as e:
        raise DataError(f"tensor cache {cache}: {e}") from None
    if meta.get("version") != 1:
        raise DataError(f"tensor cache {cache}: version {meta.get('version')}, want 1")
    splits = meta["splits"]

    def split(name):
        if name not in splits:
            raise DataError(f"tensor cache {cache}: no split {name!r} (have {sorted(splits)})")
        m = splits[name]
        return Split(name, _npy(os.path.join(cache, m["images"])), _npy(os.path.join(cache, m["labels"])))

    train = split(spec["train_set"]) if spec["epochs"] > 0 else None
    test = split(spec["test_set"] or "tst")
    iop = None
    if spec["method"] == "dfv" and spec["epochs"] > 0:
        name = spec["iop_set"]
        clean = split(name)
        m = splits[name]
        if m.get("occluded"):
            iop = Pairs(clean, occluded=Split(name + "/occluded", _npy(os.path.join(cache, m["occluded"])), clean.labels))
        else:
            byid = pack.by_id()
            try:
                pats = [byid[i] for i in m["patterns"]]
            except KeyError as e:
                raise DataError(f"tensor cache {cache}: iop pattern {e} is not in the pack") from None
            iop = Pairs(clean, patterns=pats)
    return Data(train, test, iop, pack, [split(n) for n in spec["eval"]["sets"]])


def _decode(b):
    from PIL import Image
    with Image.open(io.BytesIO(b)) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def _read_lock(shards):
    try:
        with open(os.path.join(shards, "manifest.lock.json"), encoding="utf-8") as f:
            return json.load(f)
    except OSError:
        return None


def _subset_ids(lock, split_name, pack):
    """Pattern ids of a pairs split's subset, from manifest.lock.json (as synth's plan)."""
    split = next((s for s in lock["splits"] if s["name"] == split_name), None)
    sub_name = (split or {}).get("subset") or "full"
    man = lock.get("manifest") or {}
    # the manifest is stored as Go marshals manifests.Manifest (Go field names)
    subs = man.get("Subsets") or []
    sub = next((s for s in subs if s.get("Name") == sub_name), None)
    out = []
    for p in pack.patterns:
        if sub is not None:
            if sub.get("Ratios") and p["ratio"] not in sub["Ratios"]:
                continue
            if sub.get("Positions") and p["position"] not in sub["Positions"]:
                continue
            if sub.get("Rows") and p.get("row", 0) not in sub["Rows"]:
                continue
        out.append(p["id"])
    return out


def _read_rows(shards, name, clean_only):
    files = sorted(glob.glob(os.path.join(shards, "data", f"{name}-*-of-*.parquet")))
    imgs, labels = [], []
    if files:
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise DataError(
                f"{shards}: Parquet shards need pyarrow (pip install pyarrow), or let the Go "
                "launcher (bench ... --runner torch) write a tensor cache and pass --data CACHE") from None
        for fp in files:
            t = pq.read_table(fp, columns=["image", "label", "pattern_id"]).to_pydict()
            for im, lab, pid in zip(t["image"], t["label"], t["pattern_id"]):
                if clean_only and pid >= 0:
                    continue
                imgs.append(_decode(im["bytes"]))
                labels.append(lab)
    else:
        tars = sorted(glob.glob(os.path.join(shards, "data", f"{name}-*.tar")))
        if not tars:
            raise DataError(f"{shards}: no shards for split {name!r} (data/{name}-*.parquet or .tar)")
        for fp in tars:
            with tarfile.open(fp) as tf:
                group = {}
                for m in tf:
                    if not m.isfile():
                        continue
                    key, _, ext = m.name.partition(".")
                    group.setdefault(key, {})[ext] = tf.extractfile(m).read()
                for key in sorted(group):  # WebDataset keys sort in write order
                    g = group[key]
                    meta = json.loads(g["json"]) if "json" in g else {}
                    if clean_only and meta.get("pattern_id", -1) >= 0:
                        continue
                    b = g.get("png") or g.get("jpg") or g.get("jpeg")
                    imgs.append(_decode(b))
                    labels.append(int(g["cls"]) if "cls" in g else int(meta["label"]))
    if not imgs:
        raise DataError(f"{shards}: split {name!r} has no rows")
    return Split(name, np.stack(imgs), np.asarray(labels, dtype=np.int64))


def load_shards(shards, spec, pack):
    """Reads the splits straight from the shard folder (pyarrow or WebDataset tar)."""
    lock = _read_lock(shards)
    train = _read_rows(shards, spec["train_set"], False) if spec["epochs"] > 0 else None
    test = _read_rows(shards, spec["test_set"] or "tst", True)
    iop = None
    if spec["method"] == "dfv" and spec["epochs"] > 0:
        entry = next((s for s in (lock or {}).get("splits", []) if s["name"] == spec["iop_set"]), {})
        if entry.get("real_pairs"):
            raise DataError(f"{shards}: split {spec['iop_set']!r} holds real pairs (AR); read it through the "
                            "Go launcher's tensor cache (bench ... --runner torch, or --data CACHE)")
        clean = _read_rows(shards, spec["iop_set"], True)
        ids = _subset_ids(lock, spec["iop_set"], pack) if lock else [p["id"] for p in pack.patterns]
        byid = pack.by_id()
        iop = Pairs(clean, patterns=[byid[i] for i in ids])
    return Data(train, test, iop, pack, [_read_rows(shards, n, True) for n in spec["eval"]["sets"]])
