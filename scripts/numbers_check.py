#!/usr/bin/env python3
"""numbers_check.py - every measured figure typed in README.md and docs/*.md is held by a committed file (issue 26).

scripts/tables.py generates the tables of results between markers; this holds the prose around them. A figure is a
number with a unit of measurement after it (%, x, s, ms, us, min, minutes, h, hours, GFLOP/s, GB/s, images/s,
image-passes/s, Jacobians/s, examples/s), outside the generated blocks, fenced code and `code spans`. It passes when
some committed results file (every text file under docs/results*/: CSVs, logs, JSON, RUN.txt, reports, manifests)
holds a number that, rounded to the figure's decimals, is the figure: as it is, as a fraction for a percentage, as
seconds for minutes or hours. A figure no file holds is a defect, unless docs/numbers-allow.txt lists it with the
reason it needs no file (a setting, a threshold, a count derived from the architecture, the paper's own number);
an entry that matches nothing is stale and fails too. The rounding rule cannot tell a figure from a coincidence:
what it catches is a figure measured once and typed, with no file that holds it.

usage: numbers_check.py [--list] [--root DIR]   (--list: print every figure and what holds it; --root: the
       repository to check, default this one; tests/numbers_check_test.py checks a made-up one)
"""
import math
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALLOW = "docs/numbers-allow.txt"
TEXT_EXT = (".csv", ".json", ".log", ".txt", ".md", ".out", ".time", ".done", ".gp")
UNIT = (r"(%|x\b|ms\b|us\b|µs\b|s\b|min\b|minutes?\b|h\b|hours?\b|GFLOP/s|GB/s|images/s|image-passes/s|"
        r"Jacobians/s|examples/s)")
FIGURE = re.compile(r"(?<![\w.,/-])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s?" + UNIT)
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
OPEN = re.compile(r"^<!-- edd-table: [a-z0-9-]+ -->$")
CLOSE = "<!-- /edd-table -->"
SCALE = {"%": (1.0, 0.01), "min": (60.0,), "minute": (60.0,), "minutes": (60.0,), "h": (3600.0,),
         "hour": (3600.0,), "hours": (3600.0,)}


def corpus():
    """Every number in the committed results' text files, as floats."""
    vals = set()
    for top in sorted(os.listdir(os.path.join(ROOT, "docs"))):
        if not top.startswith("results"):
            continue
        for d, _, files in os.walk(os.path.join(ROOT, "docs", top)):
            for name in files:
                path = os.path.join(d, name)
                if not name.endswith(TEXT_EXT) or os.path.islink(path) or os.path.getsize(path) > 8 << 20:
                    continue
                text = open(path, encoding="utf-8", errors="replace").read().replace(",", "")
                vals.update(float(t) for t in NUMBER.findall(text))
    return sorted(v for v in vals if math.isfinite(v))


def figures(rel):
    """(line, token, value, decimals, unit) of each figure in the prose of rel."""
    out, fenced, block = [], False, False
    for i, line in enumerate(open(os.path.join(ROOT, rel), encoding="utf-8").read().split("\n"), 1):
        if line.startswith("```"):
            fenced = not fenced
            continue
        if OPEN.match(line):
            block = True
        if line == CLOSE:
            block = False
            continue
        if fenced or block:
            continue
        prose = re.sub(r"`[^`]*`", "", line)
        prose = re.sub(r"\]\([^)]*\)", "]", prose)  # link targets
        for m in FIGURE.finditer(prose):
            whole, frac, unit = m.group(1), m.group(2) or "", m.group(3)
            out.append((i, m.group(0).strip(), float(whole.replace(",", "") + frac), max(len(frac) - 1, 0), unit))
    return out


def held(vals, value, decimals, unit):
    """A file value that rounds to the figure, in one of its unit's forms; None if none."""
    import bisect
    half = 0.5 * 10 ** -decimals
    for scale in SCALE.get(unit, (1.0,)):
        lo, hi = (value - half) * scale, (value + half) * scale
        k = bisect.bisect_left(vals, min(lo, hi))
        if k < len(vals) and vals[k] <= max(lo, hi):
            return vals[k]
    return None


def allowed():
    """{(file, token): reason} from ALLOW: lines 'FILE | TOKEN | REASON', # comments."""
    got = {}
    path = os.path.join(ROOT, ALLOW)
    for i, line in enumerate(open(path, encoding="utf-8").read().split("\n"), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3 or not all(parts):
            raise SystemExit(f"numbers: {ALLOW}:{i}: expected 'FILE | FIGURE | REASON'")
        got[(parts[0], parts[1])] = parts[2]
    return got


def main(argv):
    global ROOT
    if "--root" in argv:
        ROOT = argv[argv.index("--root") + 1]
    vals, allow, used, bad = corpus(), allowed(), set(), []
    docs = ["README.md"] + [f"docs/{n}" for n in sorted(os.listdir(os.path.join(ROOT, "docs"))) if n.endswith(".md")]
    n = 0
    for rel in docs:
        for line, token, value, decimals, unit in figures(rel):
            n += 1
            hit = held(vals, value, decimals, unit)
            if (rel, token) in allow:
                used.add((rel, token))
                why = f"allowed: {allow[(rel, token)]}"
            elif hit is not None:
                why = f"held: {hit:g}"
            else:
                bad.append(f"{rel}:{line}: '{token}': no committed file under docs/results*/ holds it")
                why = "NOT HELD"
            if "--list" in argv:
                print(f"{rel}:{line}: {token}: {why}")
    stale = sorted(set(allow) - used)
    for rel, token in stale:
        bad.append(f"{ALLOW}: '{rel} | {token}': matches no figure any more; remove it")
    for b in bad:
        print(f"numbers: {b}", file=sys.stderr)
    if bad:
        print(f"numbers: {len(bad)} problem(s) in {n} figures; a figure needs a committed file, or a line in {ALLOW} "
              "saying why it needs none", file=sys.stderr)
        return 1
    print(f"numbers: {n} figures in README.md and docs/, each held by a committed file or allowed with its reason")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
