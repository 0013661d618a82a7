#!/usr/bin/env python3
"""Paired effects of the premise-positive miniature (docs/premise.md, "Pre-registration").

A stop-gap until `bench compare`/the verdict code pools seeds: reads the per-image hits of
each row's result.json (result version 2) from the model cache of `bench run --out DIR`
(one folder per run, any number of seeds in each; results grouped by spec seed), and prints,
for each DFV-type row against classical (and the controls against DFV-Full), the paired
difference in average occluded and clean accuracy: per seed with a paired bootstrap over test
images (2,000 resamples, 95% percentile interval), pooled as the mean of the seed effects with
a t interval over seeds, and the verdict rule of the pre-registration.

usage: premise_stats.py OUT [OUT ...]
"""
import base64
import glob
import json
import math
import os
import random
import sys

T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def hits(s, n):
    b = base64.b64decode(s)
    if len(b) != (n + 7) // 8:
        raise ValueError(f"hits: {len(b)} bytes for {n} images")
    return [(b[i // 8] >> (i % 8)) & 1 for i in range(n)]


def load(outs):
    by_seed = {}
    for out in outs:
        for f in glob.glob(os.path.join(out, ".cache", "model", "*", "result.json")):
            add(by_seed, json.load(open(f)))
    return [by_seed[k] for k in sorted(by_seed)]


def add(by_seed, r):
    if r["patterns"] and r["clean"].get("hits"):
        rows = by_seed.setdefault(r["spec"]["seed"], {})
        name = r["spec"]["name"]
        n = r["clean"]["total"]
        clean = hits(r["clean"]["hits"], n)
        pats = [hits(p["hits"], p["total"]) for p in r["patterns"]]
        occ = [sum(p[i] for p in pats) / len(pats) for i in range(n)]
        rows[name] = {"clean": clean, "occ": occ, "premise": r.get("premise"), "seed": r["spec"]["seed"]}


def boot(d, reps=2000, seed=1):
    rng = random.Random(seed)
    n = len(d)
    ms = sorted(sum(d[rng.randrange(n)] for _ in range(n)) / n for _ in range(reps))
    return ms[int(0.025 * reps)], ms[int(0.975 * reps) - 1]


def main(outs):
    seeds = load(outs)
    names = sorted(max(seeds, key=len))
    seeds = [s for s in seeds if set(s) == set(names)]  # complete replicates only
    base = next(n for n in names if "-" not in n and "(" not in n)
    comps = [(n, base) for n in names if n != base]
    full = base + "-Full"
    comps += [(n, full) for n in names if n.startswith(full + " (")]
    print(f"| comparison | metric | " + " | ".join(f"seed {s[base]['seed']}" for s in seeds) + " | pooled [95% t] | verdict |")
    print("|---|---|" + "---|" * len(seeds) + "---|---|")
    for a, b in comps:
        for metric in ("occ", "clean"):
            cells, effects = [], []
            for s in seeds:
                d = [100 * (x - y) for x, y in zip(s[a][metric], s[b][metric])]
                m = sum(d) / len(d)
                lo, hi = boot(d)
                effects.append(m)
                cells.append(f"{m:+.2f} [{lo:+.2f}, {hi:+.2f}]")
            k = len(effects)
            mean = sum(effects) / k
            sd = math.sqrt(sum((e - mean) ** 2 for e in effects) / (k - 1)) if k > 1 else float("nan")
            half = T975.get(k - 1, 2.0) * sd / math.sqrt(k)
            lo, hi = mean - half, mean + half
            verdict = "reproduced" if lo > 0 else "contradicted" if hi < 0 else "inconclusive"
            label = "avg occluded" if metric == "occ" else "clean"
            print(f"| {a} − {b} | {label} | " + " | ".join(cells) + f" | {mean:+.2f} [{lo:+.2f}, {hi:+.2f}] (sd {sd:.2f}) | {verdict} |")
    print()
    print("| seed | classical clean | classical avg occ | gap | DV-transfer R² | own-mean R² | cos within / across | abs DV / abs DFV |")
    print("|---|---|---|---|---|---|---|---|")
    for s in seeds:
        c = s[base]
        p = s[full]["premise"]
        cl, oc = 100 * sum(c["clean"]) / len(c["clean"]), 100 * sum(c["occ"]) / len(c["occ"])
        print(f"| {c['seed']} | {cl:.2f} | {oc:.2f} | {cl - oc:.2f} | {p['dv_transfer_r2']:.3f} | {p['own_mean_r2']:.3f} | "
              f"{p['within_pattern_cosine']:.3f} / {p['across_pattern_cosine']:.3f} | {p['dv_norm_relative']:.2f} |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
