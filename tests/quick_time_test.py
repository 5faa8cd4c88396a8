#!/usr/bin/env python3
"""quick_time_test.py - one quick-scale time, and every place that states it agrees (issue 26, item 5).

The committed quick run (docs/results/quick, made as `make reproduce` runs it: --jobs 2 on 2 cores) gives the truth:
its RUN.txt's wall time, and each stage's seconds in its manifests. This test fails unless
  - `edd reproduce --scale quick --dry-run` (no manifests: its own estimates) puts each stage within 10% of the
    run's seconds (or 5 s), and the whole work within 10%;
  - its makespan on `--jobs 2 --threads 1`, the README's "about N minutes" of `make reproduce`, and `edd reproduce
    --help`'s "quick (about N min" are each within 10% of the run's wall time.

usage: quick_time_test.py EDD
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = os.path.join(ROOT, "docs/results/quick")


def fail(msg):
    print(f"quick_time_test: {msg}", file=sys.stderr)
    sys.exit(1)


def near(what, got, want, tol=0.10, floor=0.0):
    if abs(got - want) > max(tol * want, floor):
        fail(f"{what} is {got:.1f}, expected {want:.1f} within {100 * tol:.0f}% (docs/results/quick)")


def manifests():
    got = {}
    for path in glob.glob(os.path.join(RUN, "stages", "*.done")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("seconds "):
                    got[os.path.basename(path)[:-5]] = float(line.split()[1])
    if not got:
        fail(f"{RUN}/stages/*.done: no manifests")
    return got


def wall():
    text = open(os.path.join(RUN, "RUN.txt"), encoding="utf-8").read()
    m = re.search(r"^Wall time: ([0-9.]+) s", text, re.M)
    if not m:
        fail(f"{RUN}/RUN.txt: no 'Wall time: S s' line")
    return float(m.group(1))


def dry_run(edd):
    with tempfile.TemporaryDirectory() as d:
        out = subprocess.run([edd, "reproduce", "--scale", "quick", "--dry-run", "--jobs", "2", "--threads", "1",
                              "--out", os.path.join(d, "none")], capture_output=True, text=True, check=True).stdout
    table = {}
    for line in out.splitlines():
        m = re.match(r"^([a-z0-9_]+) +([0-9.]+) +estimate ", line)
        if m:
            table[m.group(1)] = float(m.group(2))
    js = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    return table, js


def main(argv):
    if len(argv) != 2:
        print(__doc__.split("\n\n")[-1], file=sys.stderr)
        return 2
    edd = argv[1]
    measured, w = manifests(), wall()
    est, js = dry_run(edd)
    for name, secs in sorted(measured.items()):
        if name not in est:
            fail(f"stage {name} of the run is not in the dry run's table")
        near(f"the dry run's estimate of stage {name}", est[name], secs, floor=5.0)
    near("the dry run's work", js["work"], sum(measured.values()))
    near("the dry run's makespan at --jobs 2 --threads 1", js["jobs"]["makespan"], w)
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    m = re.search(r"make reproduce +# .*?about (\d+) minutes", readme)
    if not m:
        fail("README.md: no 'make reproduce ... about N minutes' line")
    near("README.md's quick time", 60.0 * int(m.group(1)), w)
    help_text = subprocess.run([edd, "reproduce", "--help"], capture_output=True, text=True, check=True).stdout
    m = re.search(r"quick \(about (\d+) min", help_text)
    if not m:
        fail("edd reproduce --help: no 'quick (about N min' text")
    near("edd reproduce --help's quick time", 60.0 * int(m.group(1)), w)
    print(f"quick_time_test: {len(measured)} stages, work {js['work']:.0f} s, makespan {js['jobs']['makespan']:.0f} s "
          f"against the run's {w:.0f} s wall time; README and --help agree")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
