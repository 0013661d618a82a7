"""The run spec (runners/SPEC.md, version 1): strict loading, validation with the Go
runner's messages, and the canonical form Go's json.Marshal produces (field order, omitempty,
number formatting), so spec_hash is the same whichever runner wrote the result."""
import hashlib
import json
from decimal import Decimal

from . import SPEC_VERSION

# The contract's architectures (runners/spec.go); iresnet50 is LResNet50E-IR for the AR
# table, which only this runner builds.
ARCHS = ("resnet-mini", "resnet18", "resnet50", "vgg16", "iresnet50")


class SpecError(ValueError):
    pass


# (key, kind, omitempty) in Go struct order; kind is int, uint, float, bool, str, [str],
# [int], or a nested field list.
_NETWORK = [("arch", "str", False), ("num_classes", "int", False), ("input_size", "int", False),
            ("width", "int", True), ("depth", "int", True), ("stages", "int", True)]
_INIT = [("kind", "str", False), ("path", "str", True), ("skip", "[str]", True)]
_OPT = [("name", "str", False), ("lr", "float", False), ("momentum", "float", False),
        ("weight_decay", "float", False), ("nesterov", "bool", True)]
_SCHED = [("name", "str", False), ("step_size", "int", True), ("gamma", "float", True)]
_AUG = [("hflip", "bool", True), ("affine_degrees", "float", True),
        ("affine_translate", "float", True), ("crop_scale_min", "float", True)]
_FREEZE = [("min_channels", "int", False)]
_EVAL = [("batch_size", "int", True), ("patterns", "[int]", True), ("clean_only", "bool", True),
         ("sets", "[str]", True)]
_SPEC = [("version", "int", False), ("name", "str", True), ("shards", "str", False),
         ("pattern_pack", "str", False), ("network", _NETWORK, False), ("init", _INIT, False),
         ("method", "str", False), ("alpha", "ptrfloat", True), ("beta", "ptrfloat", True),
         ("train_set", "str", False), ("iop_set", "str", True), ("iop_patterns", "[int]", True),
         ("test_set", "str", True),
         ("epochs", "int", False), ("batch_size", "int", False), ("optimizer", _OPT, False),
         ("schedule", _SCHED, False), ("augmentation", _AUG, False), ("freeze", _FREEZE, False),
         ("seed", "uint", False), ("eval", _EVAL, False),
         # the premise block (issue 13, docs/premise.md)
         ("classes", "[int]", True), ("dv_source", "str", True), ("dv_sign", "int", True)]

DV_SOURCES = ("bank", "gaussian", "isotropic")


def _zero(kind):
    return {"int": 0, "uint": 0, "float": 0.0, "bool": False, "str": "", "[str]": [],
            "[int]": [], "ptrfloat": None}.get(kind) if isinstance(kind, str) else {}


def _check(obj, fields, path):
    if not isinstance(obj, dict):
        raise SpecError(f"run spec: {path or 'document'}: want a JSON object")
    known = {k for k, _, _ in fields}
    for k in obj:
        if k not in known:
            raise SpecError(f'run spec: json: unknown field "{k}"')
    out = {}
    for k, kind, _ in fields:
        p = f"{path}.{k}" if path else k
        v = obj.get(k)
        if v is None:
            out[k] = _check({}, kind, p) if not isinstance(kind, str) else _zero(kind)
            continue
        if not isinstance(kind, str):
            out[k] = _check(v, kind, p)
            continue
        isnum = isinstance(v, (int, float)) and not isinstance(v, bool)
        ok = {"int": isinstance(v, int) and not isinstance(v, bool),
              "uint": isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 1 << 64,
              "float": isnum, "ptrfloat": isnum, "bool": isinstance(v, bool),
              "str": isinstance(v, str),
              "[str]": isinstance(v, list) and all(isinstance(x, str) for x in v),
              "[int]": isinstance(v, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in v),
              }[kind]
        if not ok:
            raise SpecError(f"run spec: {p}: wrong JSON type for {kind}")
        out[k] = float(v) if kind in ("float", "ptrfloat") else v
    return out


def alpha(s):
    return 0.9 if s["alpha"] is None else s["alpha"]


def beta(s):
    return 1.0 if s["beta"] is None else s["beta"]


def validate(s):
    def bad(field, msg):
        raise SpecError(f"run spec: {field}: {msg}")

    if s["version"] != SPEC_VERSION:
        bad("version", f"got {s['version']}, this runner reads version {SPEC_VERSION}")
    n = s["network"]
    if n["arch"] not in ARCHS:
        bad("network.arch", f'unknown network "{n["arch"]}" (want resnet-mini, resnet18, resnet50, vgg16 or iresnet50)')
    if n["num_classes"] < 2:
        bad("network.num_classes", f"must be at least 2, got {n['num_classes']}")
    if n["input_size"] < 8:
        bad("network.input_size", f"must be at least 8, got {n['input_size']}")
    if n["width"] < 0 or n["depth"] < 0 or n["stages"] < 0:
        bad("network", "width, depth and stages must not be negative")
    k = s["init"]["kind"]
    if k in ("checkpoint", "safetensors"):
        if not s["init"]["path"]:
            bad("init.path", f'required for init.kind "{k}"')
    elif k != "random":
        bad("init.kind", f'unknown "{k}" (want random, checkpoint or safetensors)')
    if s["method"] == "dfv":
        if not s["iop_set"]:
            bad("iop_set", "required for method dfv")
    elif s["method"] != "classical":
        bad("method", f'unknown "{s["method"]}" (want classical or dfv)')
    if not 0 <= alpha(s) <= 1:
        bad("alpha", f"must be in [0,1], got {alpha(s)}")
    if beta(s) < 0:
        bad("beta", f"must not be negative, got {beta(s)}")
    if not s["train_set"]:
        bad("train_set", "required: the split of the shards to train on")
    if s["epochs"] < 0:
        bad("epochs", f"must not be negative, got {s['epochs']}")
    if s["batch_size"] < 1:
        bad("batch_size", f"must be at least 1, got {s['batch_size']}")
    o = s["optimizer"]
    if o["name"] != "sgd":
        bad("optimizer.name", f'unknown "{o["name"]}" (want sgd)')
    if not o["lr"] > 0:
        bad("optimizer.lr", f"must be positive, got {o['lr']}")
    if not 0 <= o["momentum"] < 1:
        bad("optimizer.momentum", f"must be in [0,1), got {o['momentum']}")
    if o["weight_decay"] < 0:
        bad("optimizer.weight_decay", f"must not be negative, got {o['weight_decay']}")
    sc = s["schedule"]
    if sc["name"] == "step":
        if sc["step_size"] < 1:
            bad("schedule.step_size", f"must be at least 1 for a step schedule, got {sc['step_size']}")
        if not sc["gamma"] > 0:
            bad("schedule.gamma", f"must be positive for a step schedule, got {sc['gamma']}")
    elif sc["name"] not in ("constant", "cosine"):
        bad("schedule.name", f'unknown "{sc["name"]}" (want constant, step or cosine)')
    a = s["augmentation"]
    if not 0 <= a["crop_scale_min"] <= 1:
        bad("augmentation.crop_scale_min", f"must be in [0,1], got {a['crop_scale_min']}")
    if not 0 <= a["affine_translate"] <= 0.5:
        bad("augmentation.affine_translate", f"must be in [0,0.5], got {a['affine_translate']}")
    if s["freeze"]["min_channels"] < 0:
        bad("freeze.min_channels", f"must not be negative, got {s['freeze']['min_channels']}")
    if s["eval"]["batch_size"] < 0:
        bad("eval.batch_size", f"must not be negative, got {s['eval']['batch_size']}")
    cl = s["classes"]
    if cl:
        if len(cl) != n["num_classes"]:
            bad("classes", f"lists {len(cl)} labels, network.num_classes is {n['num_classes']}")
        if any(c < 0 for c in cl) or len(set(cl)) != len(cl):
            bad("classes", f"labels must be distinct and not negative, got {cl}")
    if s["dv_source"] not in ("",) + DV_SOURCES:
        bad("dv_source", f'unknown "{s["dv_source"]}" (want bank, gaussian or isotropic)')
    if s["dv_source"] and s["method"] != "dfv":
        bad("dv_source", f'only method dfv adds vectors, got method "{s["method"]}"')
    if s["dv_sign"] not in (0, 1, -1):
        bad("dv_sign", f"must be 1 or -1, got {s['dv_sign']}")
    sets = s["eval"]["sets"]
    if any(not n for n in sets) or len(set(sets)) != len(sets):
        bad("eval.sets", f"split names must be non-empty and distinct, got {sets}")
    return s


def dv_source(s):
    return s["dv_source"] or "bank"


def dv_sign(s):
    return float(s["dv_sign"] or 1)


def relabel(s, split_name, labels):
    """Shard labels -> classifier outputs (spec classes; identity when empty). A label the
    classifier does not cover is an error naming the example, as the Go runner's."""
    import numpy as np
    cl = s["classes"]
    labels = np.asarray(labels, dtype=np.int64)
    if not cl:
        return labels
    lut = {c: k for k, c in enumerate(cl)}
    out = np.empty_like(labels)
    for i, l in enumerate(labels.tolist()):
        if l not in lut:
            raise ValueError(f"split {split_name}: example {i}: label {l} is not among the classifier's classes (run spec classes)")
        out[i] = lut[l]
    return out


def loads(text):
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise SpecError(f"run spec: {e}") from None
    return validate(_check(obj, _SPEC, ""))


def load(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        return loads(text)
    except SpecError as e:
        raise SpecError(f"{path}: {e}") from None


def canonical(s, fields=_SPEC):
    """The spec as Go's json.Marshal(RunSpec) orders and omits it (a plain ordered dict)."""
    out = {}
    for k, kind, omit in fields:
        v = s[k]
        if not isinstance(kind, str):
            out[k] = canonical(v, kind)
            continue
        if kind == "ptrfloat":
            if v is None:
                continue
        elif omit and (v == _zero(kind)):
            continue
        out[k] = v
    return out


def go_float(f):
    """encoding/json's float64 formatting."""
    if f != f or f in (float("inf"), float("-inf")):
        raise ValueError(f"json: unsupported value: {f}")
    if f == 0:
        return "-0" if str(f).startswith("-") else "0"
    a = abs(f)
    if a < 1e-6 or a >= 1e21:
        r = repr(f)
        mant, exp = r.split("e")
        if mant.endswith(".0"):
            mant = mant[:-2]
        sign = exp[0] if exp[0] in "+-" else "+"
        digits = exp.lstrip("+-").lstrip("0") or "0"
        if len(digits) < 2 and not (sign == "-"):
            digits = "0" + digits
        return f"{mant}e{sign}{digits}"
    t = format(Decimal(repr(f)), "f")
    if "." in t:
        t = t.rstrip("0").rstrip(".")
    return t


def go_json(v):
    """json.Marshal of a canonical value: no spaces, HTML-safe escapes, Go float format."""
    if isinstance(v, dict):
        return "{" + ",".join(go_json(k) + ":" + go_json(x) for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ",".join(go_json(x) for x in v) + "]"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return go_float(v)
    if v is None:
        return "null"
    s = json.dumps(v, ensure_ascii=False)
    return (s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def spec_hash(s):
    return "sha256:" + hashlib.sha256(go_json(canonical(s)).encode("utf-8")).hexdigest()


def lr_at(s, epoch):
    """The learning rate of a 0-based epoch (stepped per epoch, as the Go runner)."""
    import math
    lr = s["optimizer"]["lr"]
    sc = s["schedule"]
    if sc["name"] == "step" and sc["step_size"] > 0:
        lr *= math.pow(sc["gamma"], epoch // sc["step_size"])
    elif sc["name"] == "cosine" and s["epochs"] > 0:
        lr *= 0.5 * (1 + math.cos(math.pi * epoch / s["epochs"]))
    return lr
