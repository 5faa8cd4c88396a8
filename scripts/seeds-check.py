#!/usr/bin/env python3
"""seeds-check.py - recompute a `--seeds S` run's statistics from its per-seed CSVs (issue 26).

usage: seeds-check.py DIR

DIR is the folder of `edd reproduce --seeds S --out DIR`: seeds.csv beside seed-1/ ... seed-S/, each a whole
results folder. For every row of seeds.csv this takes the same row of each seed's CSV (a figure's, security.csv's,
baselines.csv's or ablation.csv's), and recomputes the mean over the seeds, the 95% t interval across them (clipped
to [0, 1]) and the pooled 95% Wilson interval over S x n images, as edd does (src/experiments/seeds_stats.c), and
fails on any that differs by more than 2e-6 (seeds.csv prints six decimals).

Exit status: 0 every row agrees, 1 a row differs, 2 a file or row is missing or malformed.
"""
import csv
import math
import os
import sys

T975 = [0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
FIG_CSV = {"fig2a": "fig2a_fgm.csv", "fig2b": "fig2b_jsma.csv", "fig2c": "fig2c_cw.csv", "fig2d": "fig2d_alpha.csv",
           "fig2e": "fig2e_passes.csv", "fig3a": "fig3a_fgm.csv", "fig3b": "fig3b_fgm.csv", "fig3c": "fig3c_jsma.csv",
           "fig3d": "fig3d_jsma.csv", "fig3e": "fig3e_cw.csv", "fig3f": "fig3f_cw.csv",
           "baselines": "baselines.csv", "ablation": "ablation.csv", "security": "security.csv"}
TOL = 2e-6


class Bad(Exception):
    """A missing or malformed file or row."""


def t975(df):
    return T975[df] if df <= 30 else 1.959964 + 2.3704 / df


def t_interval(v):
    """The mean of v and its 95% t interval across the seeds, clipped to [0, 1]."""
    s = len(v)
    m = sum(v) / s
    h = t975(s - 1) * math.sqrt(sum((x - m) ** 2 for x in v) / (s - 1)) / math.sqrt(s)
    return m, max(0.0, m - h), min(1.0, m + h)


def wilson(p, n, z=1.959964):
    """The 95% Wilson score interval of a rate p over n trials."""
    if n == 0:
        return 0.0, 1.0
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, c - h), min(1.0, c + h)


def load(path, cache):
    if path not in cache:
        try:
            with open(path, newline="", encoding="utf-8") as f:
                cache[path] = list(csv.DictReader(f))
        except OSError as e:
            raise Bad(f"{path}: cannot read it ({e.strerror})")
    return cache[path]


def seed_value(folder, r, cache):
    """The rate of seeds.csv's row r in one seed's folder."""
    fig = r["figure"]
    rows = load(os.path.join(folder, FIG_CSV[fig]), cache)
    if fig == "security":
        keys = {"model": r["source"], "attack": r["attack"]}
        col = "robust_accuracy"
        hit = [w for w in rows if all(w[k] == v for k, v in keys.items()) and float(w["eps"]) == float(r["value"])]
    elif fig in ("baselines", "ablation"):
        keys = {"model": r["source"], "attack": r["attack"], "setting": r["setting"]}
        col = r["rate"]
        hit = [w for w in rows if all(w[k] == v for k, v in keys.items()) and float(w["value"]) == float(r["value"])]
    else:
        keys = {k: r[k] for k in ("figure", "source", "target", "attack", "setting", "variant")}
        col = r["rate"]
        hit = [w for w in rows if all(w[k] == v for k, v in keys.items()) and float(w["value"]) == float(r["value"])]
    if len(hit) != 1:
        raise Bad(f"{folder}/{FIG_CSV[fig]}: {len(hit)} rows for {keys} at {r['value']}, expected 1")
    return float(hit[0][col])


def main(argv):
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    top, cache, bad, n = argv[1], {}, 0, 0
    try:
        summary = load(os.path.join(top, "seeds.csv"), cache)
        for r in summary:
            s = int(r["seeds"])
            v = [seed_value(os.path.join(top, f"seed-{k}"), r, cache) for k in range(1, s + 1)]
            m, lo, hi = t_interval(v)
            plo, phi = wilson(min(1.0, max(0.0, m)), int(r["n"]) * s)
            got = [float(r[c]) for c in ("mean", "t_lo", "t_hi", "pooled_lo", "pooled_hi")]
            for name, want, have in zip(("mean", "t_lo", "t_hi", "pooled_lo", "pooled_hi"), (m, lo, hi, plo, phi), got):
                if abs(want - have) > TOL:
                    bad += 1
                    print(f"seeds-check: {r['figure']} {r['source']} {r['attack']} {r['setting']} {r['value']} "
                          f"{r['rate']}: {name} is {have:.6f} in seeds.csv, {want:.6f} from the seeds {v}")
            n += 1
    except (Bad, KeyError, ValueError) as e:
        print(f"seeds-check: {e}", file=sys.stderr)
        return 2
    if bad:
        print(f"seeds-check: {bad} values of {n} rows differ")
        return 1
    print(f"seeds-check: {n} rows of {top}/seeds.csv equal their recomputation from the {s} seeds' CSVs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
