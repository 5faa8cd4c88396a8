#!/usr/bin/env python3
"""run-record.py - write RUN.txt for a results folder of `edd reproduce` (issue 26, item 1).

usage: run-record.py DIR --title TEXT --edd PATH --command CMD [--command CMD ...]
                     [--wall SECONDS] [--note TEXT ...]

RUN.txt says how the folder was made, so that a sceptic can redo it: the title, the date, the CPU (model name and
cores from /proc/cpuinfo), `edd info`'s versions and ISA (from the binary PATH that made the run: its JSON without
the primitive list), edd's commit (`git rev-parse HEAD` of the tree the binary was built from, given by
--commit, else this repository's HEAD), each command as it was run, the wall time, and every stage's seconds from the
folder's manifests (DIR/stages/*.done, or DIR/seed-K/stages/*.done of a --seeds run; none for a folder that no
`edd reproduce` made), with their sum. Notes follow
(what was loaded, what is not kept). The file is written whole, then renamed.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time


def cpu():
    """The CPU's model name with its AVX flags, and the number of CPUs online."""
    name, flags = "unknown", set()
    with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("model name") and name == "unknown":
                name = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags |= {w for w in line.split(":", 1)[1].split() if w.startswith(("avx", "fma"))}
    return f"{name} ({' '.join(sorted(flags))})", os.cpu_count()


def info(edd):
    """`edd info` without its primitives: versions, ISA, threads."""
    out = subprocess.run([edd, "info"], capture_output=True, text=True, check=True).stdout
    j = json.loads(out)
    j.pop("plans", None)
    return json.dumps(j, separators=(",", ":"))


def stages(folder):
    """(relative stage name, seconds) of every manifest under folder, in name order."""
    got = []
    for path in sorted(glob.glob(os.path.join(folder, "**", "stages", "*.done"), recursive=True)):
        secs = None
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("seconds "):
                    secs = float(line.split()[1])
        if secs is None:
            sys.exit(f"run-record: {path}: no 'seconds' line, expected an edd-stage manifest")
        rel = os.path.relpath(path, folder)
        prefix = os.path.dirname(os.path.dirname(rel))
        name = os.path.basename(path)[: -len(".done")]
        got.append((f"{prefix}/{name}" if prefix else name, secs))
    return got


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--title", required=True)
    ap.add_argument("--edd", required=True, help="the binary that made the run")
    ap.add_argument("--commit", help="edd's commit (default: this repository's HEAD)")
    ap.add_argument("--command", action="append", required=True)
    ap.add_argument("--wall", type=float, help="the wall time in seconds")
    ap.add_argument("--note", action="append", default=[])
    a = ap.parse_args(argv)
    if not os.path.isdir(a.dir):
        sys.exit(f"run-record: {a.dir}: not a folder")
    commit = a.commit or subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                                        check=True).stdout.strip()
    name, ncpu = cpu()
    st = stages(a.dir)
    lines = [a.title, "",
             f"Written {time.strftime('%Y-%m-%d', time.gmtime())}. CPU: {name}, {ncpu} CPUs online.",
             f"edd commit: {commit}",
             f"edd info: {info(a.edd)}", "", "Commands, as run (from the repository's root):"]
    lines += [f"  {c}" for c in a.command]
    if a.wall is not None:
        lines += ["", f"Wall time: {a.wall:.0f} s ({a.wall / 60:.1f} min)."]
    if st:
        total = sum(s for _, s in st)
        lines += ["", f"Stage seconds (each stage's manifest, stages/*.done): {len(st)} stages, {total:.1f} s in all."]
        width = max((len(n) for n, _ in st), default=0)
        lines += [f"  {n:<{width}}  {s:9.1f}" for n, s in st]
    if a.note:
        lines += [""] + a.note
    tmp = os.path.join(a.dir, ".RUN.txt.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, os.path.join(a.dir, "RUN.txt"))


if __name__ == "__main__":
    main(sys.argv[1:])
