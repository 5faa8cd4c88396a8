#!/usr/bin/python3
"""worst-case.py - the per-image worst case over saved attacks, checked outside edd.

Usage: scripts/worst-case.py [--edd ./edd] [--block 2000] MODEL.edd ADV.npy [ADV.npy ...]

Each ADV.npy is the `--adv-out` array of one `edd attack` run over the first n
MNIST test images (n = its length). PyTorch (Debian python3-torch) runs the
model's exported weights (tests/torch_reference.py) and an image counts as
robust only if every array's version of it is classified right. The script
checks that each array stays within its attack's L-inf budget (--eps, default
0.3) and inside [0, 1], prints clean accuracy, each array's accuracy (which must
equal edd's "recovered") and the worst case with its 95% Wilson interval, and,
with --block B, the same figures per block of B test images. --csv PATH also writes those figures as rows (row,
first, last, images, correct, accuracy, wilson_lo, wilson_hi: a row is clean, an array's file name or the worst case;
first and last are the test images it covers, 0 and n - 1 for the whole set, else a block's) for docs tables to read.
Reads the data from $EDD_DATA_DIR (default data/). Exits non-zero on a bad array.
"""
import argparse
import os
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
import torch_reference as tr  # noqa: E402


def wilson(p, n, z=1.96):
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return c - h, c + h


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edd", default="./edd", help="the edd binary that exports the model")
    ap.add_argument("--eps", type=float, default=0.3, help="the attacks' L-inf budget")
    ap.add_argument("--block", type=int, default=0, help="also report per block of this many images")
    ap.add_argument("--csv", help="also write the rows to this CSV file")
    ap.add_argument("model")
    ap.add_argument("adv", nargs="+")
    a = ap.parse_args()
    advs = [np.load(f) for f in a.adv]
    n = advs[0].shape[0]
    for f, x in zip(a.adv, advs):
        if x.shape != (n, 1, 28, 28) or x.dtype != np.float32:
            sys.exit(f"{f}: shape {x.shape} {x.dtype}, expected ({n}, 1, 28, 28) float32 like {a.adv[0]}")
    with tempfile.TemporaryDirectory() as work:
        net, _ = tr.load_net(a.edd, a.model, work)
    x, y = tr.mnist("t10k", n)
    rows = []
    with torch.no_grad():
        ok = net(x).argmax(1) == y
        rows.append(("clean", ok))
        worst = ok.clone()
        for f, adv in zip(a.adv, advs):
            t = torch.from_numpy(adv)
            d = (t - x).abs().max().item()
            if d > a.eps + 1e-6 or t.min().item() < 0 or t.max().item() > 1:
                sys.exit(f"{f}: L-inf distance {d:.6f}, range {t.min().item():.4f}-{t.max().item():.4f}, "
                         f"expected at most eps {a.eps} inside [0, 1]")
            o = net(t).argmax(1) == y
            rows.append((os.path.basename(f), o))
            worst &= o
    rows.append((f"worst case over {len(a.adv)}", worst))
    print(f"{n} test images, model {os.path.basename(a.model)}")
    table = []

    def record(name, first, r):
        m = r.numel()
        p = r.float().mean().item()
        lo, hi = wilson(p, m)
        table.append(f"{name},{first},{first + m - 1},{m},{int(r.sum().item())},{p:.6f},{lo:.6f},{hi:.6f}")
        return p, lo, hi

    for name, r in rows:
        p, lo, hi = record(name, 0, r)
        print(f"  {name}: {100 * p:.2f}% (95% Wilson {100 * lo:.2f}-{100 * hi:.2f})")
    if a.block > 0:
        print("per block: " + " | ".join(name for name, _ in rows))
        for b in range(0, n, a.block):
            s = slice(b, min(n, b + a.block))
            print(f"  {b}-{s.stop - 1}: " + " | ".join(f"{100 * record(name, b, r[s])[0]:.2f}%" for name, r in rows))
    if a.csv:
        with open(a.csv, "w", encoding="utf-8") as f:
            f.write("row,first,last,images,correct,accuracy,wilson_lo,wilson_hi\n" + "\n".join(table) + "\n")


if __name__ == "__main__":
    main()
