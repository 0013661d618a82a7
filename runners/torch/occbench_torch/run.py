"""One run: spec in, result JSON out (runners/SPEC.md), with JSON-lines progress on stdout."""
import argparse
import base64
import datetime
import json
import os
import platform
import resource
import sys
import time

import numpy as np
import torch

from . import RESULT_VERSION, data as datamod, engine, models, weights
from . import premise as premisemod
from . import spec as specmod

EXIT_BAD_INPUT = 2
EXIT_STOPPED = 3


def emit(ev):
    sys.stdout.write(json.dumps(ev, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def provenance(device, started, dist):
    framework = f"torch {torch.__version__}"
    out = {"runner": "pytorch", "cpu": cpu_model(), "threads": torch.get_num_threads(), "started": started}
    if device.type == "cuda":
        framework += f", cuda {torch.version.cuda}, cudnn {torch.backends.cudnn.version()}"
        out["device"] = f"{torch.cuda.get_device_name(device)} x{dist.world}"
    out["framework"] = framework
    return out


def encode_hits(bits):
    """runners.EncodeHits: bit i = image i, packed LSB-first, standard base64 with padding."""
    packed = np.packbits(np.asarray(bits, dtype=bool), bitorder="little")
    return base64.b64encode(packed.tobytes()).decode("ascii")


def count(part, K):
    c, t, hits = part
    return {"correct": int(c.sum()), "total": int(t.sum()),
            "per_class_correct": [int(v) for v in c[:K]], "per_class_total": [int(v) for v in t[:K]],
            "hits": encode_hits(hits)}


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="python3 -m occbench_torch",
                                 description="occbench PyTorch runner: run spec in, result JSON out")
    ap.add_argument("spec", help="run spec JSON (runners/SPEC.md, version 1)")
    ap.add_argument("--out", required=True, help="output folder: result.json, model.safetensors, train_state.pt")
    ap.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (default: cuda when available)")
    ap.add_argument("--data", help="tensor cache folder written by the Go launcher (default: read spec.shards)")
    ap.add_argument("--offline", action="store_true", help="never download (this runner never does; kept for the CLI contract)")
    ap.add_argument("--amp", choices=["auto", "on", "off"], default="auto", help="bf16 autocast (auto: on CUDA)")
    ap.add_argument("--channels-last", choices=["auto", "on", "off"], default="auto")
    ap.add_argument("--eval-batch", type=int, help="inference batch (default spec eval.batch_size or 64)")
    ap.add_argument("--threads", type=int, help="torch CPU threads")
    ap.add_argument("--no-resume", action="store_true", help="ignore OUT/train_state.pt")
    ap.add_argument("--result", default="result.json", help="result file name inside --out")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    t_start = time.time()
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        spec = specmod.load(args.spec)
    except (specmod.SpecError, OSError) as e:
        emit({"event": "error", "kind": "spec", "message": str(e)})
        return EXIT_BAD_INPUT
    if args.threads:
        torch.set_num_threads(args.threads)
    dev = args.device
    if dev == "auto":
        dev = "cuda" if torch.cuda.is_available() else "cpu"
    if dev.startswith("cuda") and not torch.cuda.is_available():
        emit({"event": "error", "kind": "device", "message": f"--device {dev}: torch {torch.__version__} sees no CUDA device"})
        return EXIT_BAD_INPUT
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if dev == "cuda":
        dev = f"cuda:{local}"
    device = torch.device(dev)
    if device.type == "cuda":
        torch.cuda.set_device(device)
        torch.backends.cudnn.benchmark = True
    dist = engine.Dist(device)
    rank0 = dist.rank == 0
    progress = emit if rank0 else (lambda ev: None)
    amp = args.amp == "on" or (args.amp == "auto" and device.type == "cuda")
    cl = args.channels_last == "on" or (args.channels_last == "auto" and device.type == "cuda")
    shash = specmod.spec_hash(spec)
    progress({"event": "start", "runner": "pytorch", "torch": torch.__version__, "device": str(device),
              "world": dist.world, "amp": amp, "channels_last": cl, "spec_hash": shash})
    os.makedirs(args.out, exist_ok=True)
    try:
        # weights first: a file that does not match the network fails before any data is read
        model = models.build(spec["network"])
        models.init_random(model, spec["seed"])
        if spec["init"]["kind"] in ("checkpoint", "safetensors"):
            weights.load_into(model, spec["init"]["path"], spec["init"]["skip"])
        lock = datamod._read_lock(spec["shards"]) if spec["shards"] else None
        if lock is not None:
            datamod.check_pack(spec["pattern_pack"], lock)
        pack = datamod.read_pack(spec["pattern_pack"])
        if args.data:
            d = datamod.load_cache(args.data, spec, pack)
        else:
            d = datamod.load_shards(spec["shards"], spec, pack)
        # the classifier's outputs stand for spec classes (the paper's head covers Itrn's)
        for sp in [d.train, d.test] + list(d.eval_sets):
            if sp is not None:
                sp.labels = specmod.relabel(spec, sp.name, sp.labels)
    except (datamod.DataError, weights.WeightsError, ValueError) as e:
        progress({"event": "error", "kind": "input", "message": str(e)})
        return EXIT_BAD_INPUT
    model.to(device)
    if cl:
        model.to(memory_format=torch.channels_last)
    progress({"event": "data", "train": len(d.train) if d.train is not None else 0,
              "iop_pairs": len(d.iop) if d.iop is not None else 0, "test": len(d.test),
              "patterns": 0 if spec["eval"]["clean_only"] else len(pack.select(spec["eval"]["patterns"])),
              "eval_sets": len(d.eval_sets)})
    tr = engine.Trainer(model, spec, device, dist, amp, cl, progress, args.eval_batch)
    state_path = os.path.join(args.out, "train_state.pt")
    if not args.no_resume and os.path.exists(state_path):
        st = torch.load(state_path, map_location=device)
        if st.get("spec_hash") == shash:
            tr.restore(st)
            progress({"event": "resume", "from_epoch": tr.start_epoch})

    def save_state(e):
        if rank0:
            torch.save(tr.state(shash, e), state_path + ".tmp")
            os.replace(state_path + ".tmp", state_path)

    premise = None
    if spec["method"] == "dfv" and d.iop is not None and d.iop.occluded is None and tr.start_epoch == 0:
        # the premise of DFV, on the initial model (docs/premise.md)
        premise = premisemod.diagnostics(model, d.iop, d.test, pack, device, args.eval_batch or spec["eval"]["batch_size"] or 64)
    stopped = ""
    try:
        tr.train(d.train, d.iop, pack, on_epoch=save_state)
    except engine.NaNError as e:
        stopped = str(e)
        progress({"event": "stopped", "message": stopped})
    K = spec["network"]["num_classes"]
    res = {"version": RESULT_VERSION, "spec_hash": shash, "spec": specmod.canonical(spec)}
    ck = os.path.join(args.out, "model.safetensors")
    if rank0:
        weights.write_safetensors(ck, weights.occbench_tensors(model), {"occbench.arch": models.arch_meta(spec["network"])})
    pats = [] if spec["eval"]["clean_only"] else pack.select(spec["eval"]["patterns"])
    eb = args.eval_batch or spec["eval"]["batch_size"] or 64
    try:
        clean, per = engine.evaluate(model, d.test, pack, pats, K, device, eb, amp, cl, dist, progress)
    except RuntimeError as e:
        progress({"event": "error", "kind": "input", "message": str(e)})
        return EXIT_BAD_INPUT
    res["clean"] = count(clean, K)
    res["patterns"] = [dict({"id": p["id"], "name": p["name"], "ratio": p["ratio"], "position": p["position"]},
                            **count(c, K)) for p, c in zip(pats, per)]
    sets = []
    for es in d.eval_sets:
        try:
            c, _ = engine.evaluate(model, es, pack, [], K, device, eb, amp, cl, dist, progress)
        except RuntimeError as e:
            progress({"event": "error", "kind": "input", "message": f"eval set {es.name}: {e}"})
            return EXIT_BAD_INPUT
        sets.append(dict({"name": es.name}, **count(c, K)))
    if sets:
        res["sets"] = sets
    res["curve"] = tr.curve
    res["wall_seconds"] = time.time() - t_start
    res["train_seconds"] = tr.seconds
    res["train_images_per_second"] = tr.throughput()
    res["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    res["checkpoint"] = ck
    res["provenance"] = provenance(device, started, dist)
    if stopped:
        res["stopped_reason"] = stopped
    if premise is not None:
        res["premise"] = premise
    if rank0:
        path = os.path.join(args.out, args.result)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(res, f, indent=2)
            f.write("\n")
        os.replace(path + ".tmp", path)
        progress({"event": "result", "path": path, "clean_acc": res["clean"]["correct"] / max(1, res["clean"]["total"])})
    if dist.on:
        dist.barrier()
        torch.distributed.destroy_process_group()
    return EXIT_STOPPED if stopped else 0
