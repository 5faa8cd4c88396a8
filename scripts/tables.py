#!/usr/bin/env python3
"""tables.py - the result tables of README.md and docs/*.md, generated from the committed CSVs (issue 26).

A generated table sits between two markers in a Markdown file:

    <!-- edd-table: NAME -->
    | ... the table, written by this script ... |
    <!-- /edd-table -->

NAME is one of TABLES below; each names the CSV files it reads, relative to the repository root. Typing a number
into a marked block is pointless: `python3 scripts/tables.py --write` rewrites every block from its CSVs, and
`--check` (make tables-check, run by make check) fails on any block that differs from what its CSVs give, on a marker
whose NAME is unknown, on a NAME that no file uses, and on a results folder under docs/ (one with a report.md)
that has no RUN.txt. So a rerun that changes a number changes the docs in the same
commit.

Exit status: 0 all blocks match (or were written), 1 a block differs, 2 a marker or CSV is malformed or a RUN.txt is missing.
"""
import csv
import json
import difflib
import os
import re
import sys

import tables_adv
import tables_ci
import tables_perf
import tables_prof
import tables_quick

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPEN = re.compile(r"^<!-- edd-table: ([a-z0-9-]+) -->$")
CLOSE = "<!-- /edd-table -->"
PAPER = "docs/results-paper"


class Bad(Exception):
    """A marker, a CSV or a row that is not what a table needs."""


def rows(rel):
    """The rows of the CSV at rel (repository-relative) as dicts."""
    path = os.path.join(ROOT, rel)
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    except OSError as e:
        raise Bad(f"{rel}: cannot read it ({e.strerror})")


def one(rel, **key):
    """The one row of rel whose columns equal key."""
    hit = [r for r in rows(rel) if all(r.get(k) == v for k, v in key.items())]
    if len(hit) != 1:
        raise Bad(f"{rel}: {len(hit)} rows with {key}, expected 1")
    return hit[0]


def json_last(rel):
    """The JSON object on the last non-empty line of the file at rel (a bench log, or edd's one JSON line)."""
    try:
        with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
            lines = [ln for ln in f.read().splitlines() if ln.strip()]
    except OSError as e:
        raise Bad(f"{rel}: cannot read it ({e.strerror})")
    try:
        obj = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        obj = None
    if not isinstance(obj, dict):
        raise Bad(f"{rel}: its last line is not a JSON object, expected edd's or a bench's JSON line")
    return obj


def json_num(obj, key, rel):
    """obj[key] (read from rel) as a float; a missing or non-numeric key names the file."""
    v = obj.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise Bad(f"{rel}: '{key}' is {v!r}, expected a number in its JSON line")
    return float(v)


def pct(x, digits=1):
    """A rate in [0, 1] as a percentage."""
    return f"{100 * float(x):.{digits}f}%"


def fig(name, source, value, variant="paper"):
    """The misclassified rate of a figure row of the paper-scale run, as a percentage."""
    files = {"2a": "fig2a_fgm", "2b": "fig2b_jsma", "2c": "fig2c_cw", "3a": "fig3a_fgm", "3b": "fig3b_fgm",
             "3e": "fig3e_cw", "3f": "fig3f_cw"}
    r = one(f"{PAPER}/{files[name]}.csv", source=source, value=value, variant=variant)
    return pct(r["misclassified"])


def paper_section42():
    """Section 4.2's numbers: the paper's beside the paper-scale run's (headline.csv)."""
    h = f"{PAPER}/headline.csv"

    def ours(metric, model, attack, setting):
        return one(h, metric=metric, model=model, attack=attack, setting=setting)["ours"]

    def paper(metric, model, attack, setting):
        return one(h, metric=metric, model=model, attack=attack, setting=setting)["paper"]

    att = [("fgm", "eps=0.3"), ("jsma", "gamma=0.1"), ("cw", "kappa=0")]
    mis_p = " / ".join(paper("misclassified", "baseline", a, s) for a, s in att)
    mis_o = " / ".join(f"{float(ours('misclassified', 'baseline', a, s)):.1f}" for a, s in att)
    return [
        "| Section 4.2 | paper | edd |",
        "|---|---|---|",
        f"| undefended accuracy | {paper('accuracy', 'baseline', 'none', 'clean')}% | "
        f"{ours('accuracy', 'baseline', 'none', 'clean')}% |",
        f"| distilled accuracy / false positives | {paper('accuracy', 'distilled', 'none', 'clean')}% / "
        f"{paper('false_positives', 'distilled', 'none', 'clean').replace('<', '< ')}% | "
        f"{ours('accuracy', 'distilled', 'none', 'clean')}% / {ours('false_positives', 'distilled', 'none', 'clean')}% |",
        f"| undefended misclassified: FGM eps 0.3 / JSMA gamma 0.1 / CW kappa 0 | {mis_p}% | {mis_o}% |",
    ]


def paper_distilled():
    """The distilled model's misclassified rates at the paper's settings, as the paper attacks and adaptively."""
    return [
        "| attack | as the paper ran it (our reading of its cleverhans v2 settings) | an attacker who knows the defense |",
        "|---|---|---|",
        f"| white-box FGM eps 0.3 (Fig. 2a) | {fig('2a', 'distilled', '0.3')} | "
        f"{fig('2a', 'distilled', '0.3', 'adaptive')} (loss over the 10 real classes) |",
        f"| white-box JSMA gamma 0.1 (Fig. 2b) | {fig('2b', 'distilled', '0.1')} (cleverhans' float32 Jacobian) | "
        f"{fig('2b', 'distilled', '0.1', 'adaptive')} (exact gradient) |",
        f"| white-box CW-L2 kappa 0 (Fig. 2c) | {fig('2c', 'distilled', '0')} | the same attack (its loss already "
        "beats the outlier) |",
        f"| black-box FGM eps 0.3, from the undefended surrogate U (Fig. 3b) | {fig('3b', 'surrogate_u', '0.3')} | |",
        f"| black-box FGM eps 0.3, from the defended surrogate D (Fig. 3a) | {fig('3a', 'surrogate_d', '0.3')} | "
        f"{fig('3a', 'surrogate_d', '0.3', 'adaptive')} |",
        f"| black-box CW-L2 kappa 0, from U / from D (Figs. 3f, 3e) | {fig('3f', 'surrogate_u', '0')} / "
        f"{fig('3e', 'surrogate_d', '0')} | |",
    ]


def paper_security():
    """The worst case per image at each L-inf eps (security-run/security.csv), with 95% Wilson intervals."""
    s = f"{PAPER}/security-run/security.csv"
    eps = sorted({r["eps"] for r in rows(s) if r["attack"] == "worst-case"}, key=float)
    out = ["| L-inf eps | worst-case robust accuracy, undefended baseline | distilled model | "
           "distilled, PGD on the paper's loss alone |", "|---:|---:|---:|---:|"]
    for e in eps:
        b = one(s, model="baseline", eps=e, attack="worst-case")
        d = one(s, model="distilled", eps=e, attack="worst-case")
        p = one(s, model="distilled", eps=e, attack="pgd-all")

        def ci(r):
            return f"{pct(r['robust_accuracy'])} ({100 * float(r['lo']):.1f}-{100 * float(r['hi']):.1f})"

        out.append(f"| {e} | {ci(b)} | {ci(d)} | {pct(p['robust_accuracy'])} |")
    return out


def quick_standard_l2():
    """The median minimal L2 per image of the five models, with its 95% bootstrap interval (quick scale)."""
    s = "docs/results/quick-standard/min_l2_summary.csv"
    out = ["| model | images | broken | median minimal L2 (95% bootstrap interval) |", "|---|---:|---:|---:|"]
    for r in rows(s):
        out.append(f"| {r['model']} | {r['n']} | {r['broken']} | {float(r['median']):.2f} "
                   f"({float(r['lo']):.2f}-{float(r['hi']):.2f}) |")
    return out


def finding():
    """The README's three-line finding, each number from the row it names."""
    sec = f"{PAPER}/security-run/security.csv"
    q = "docs/results/quick-standard"
    base_fgm = one(f"{PAPER}/headline.csv", metric="misclassified", model="baseline", attack="fgm", setting="eps=0.3")
    wd = one(sec, model="distilled", eps="0.3", attack="worst-case")
    wb = one(sec, model="baseline", eps="0.3", attack="worst-case")
    pa = one(sec, model="distilled", eps="0.3", attack="pgd-all")
    md = one(f"{q}/min_l2_summary.csv", model="distilled")
    mb = one(f"{q}/min_l2_summary.csv", model="baseline")
    r4 = one(f"{q}/security_l2.csv", model="distilled", eps="4", attack="worst-case")
    return [
        f"- **The paper's result comes back**: white-box FGM at eps 0.3 misclassifies {fig('2a', 'distilled', '0.3')} "
        f"of the distilled model's test images, {float(base_fgm['ours']):.1f}% of the undefended model's "
        "(paper scale, fig2a_fgm.csv and headline.csv).",
        f"- **It is gradient masking**: the worst case per image over FGM and PGD on losses that know the defense "
        f"leaves {pct(wd['robust_accuracy'])} of the distilled model robust at eps 0.3, as for the undefended model "
        f"({pct(wb['robust_accuracy'])}); PGD on the paper's own loss alone leaves {pct(pa['robust_accuracy'])} "
        f"(security-run/security.csv, {wd['n']} images).",
        f"- **The paper's L2 claim does not hold**: the median smallest L2 perturbation that fools the distilled model "
        f"is {float(md['median']):.2f} ({float(md['lo']):.2f}-{float(md['hi']):.2f}), the undefended model's "
        f"{float(mb['median']):.2f}, and at L2 = 4 {pct(r4['robust_accuracy'])} of its images stay robust "
        f"(quick scale, docs/results/quick-standard, {r4['n']} images).",
    ]


TABLES = {
    **tables_quick.TABLES,
    **tables_perf.TABLES,
    **tables_prof.TABLES,
    **tables_adv.TABLES,
    **tables_ci.TABLES,
    "finding": finding,
    "paper-section42": paper_section42,
    "paper-distilled": paper_distilled,
    "paper-security": paper_security,
    "quick-standard-l2": quick_standard_l2,
}


for _mod in (tables_quick, tables_perf, tables_prof, tables_ci, tables_adv):
    _mod.H.update({"Bad": Bad, "rows": rows, "one": one, "pct": pct, "json_last": json_last, "json_num": json_num,
                   "ROOT": ROOT})


def docs():
    """README.md and every docs/*.md, repository-relative."""
    found = ["README.md"]
    for name in sorted(os.listdir(os.path.join(ROOT, "docs"))):
        if name.endswith(".md"):
            found.append(f"docs/{name}")
    return found


def regenerate(rel, used):
    """The text of rel with every block regenerated; the NAMEs met go into used."""
    lines = open(os.path.join(ROOT, rel), encoding="utf-8").read().split("\n")
    out, i = [], 0
    while i < len(lines):
        m = OPEN.match(lines[i])
        out.append(lines[i])
        i += 1
        if not m:
            if lines[i - 1].startswith("<!-- edd-table") or lines[i - 1] == CLOSE:
                raise Bad(f"{rel}:{i}: '{lines[i - 1]}': expected '<!-- edd-table: NAME -->' opening a block")
            continue
        name = m.group(1)
        if name not in TABLES:
            raise Bad(f"{rel}:{i}: table '{name}': expected one of {', '.join(sorted(TABLES))}")
        end = next((j for j in range(i, len(lines)) if lines[j] == CLOSE), None)
        if end is None:
            raise Bad(f"{rel}:{i}: table '{name}' has no '{CLOSE}'")
        out.extend(TABLES[name]())
        out.append(CLOSE)
        used.add(name)
        i = end + 1
    return "\n".join(out)


def runs_without_record():
    """The committed results folders (every folder under docs/ that holds a report.md) without a RUN.txt."""
    bare = []
    for top, _, files in os.walk(os.path.join(ROOT, "docs")):
        if "report.md" in files and "RUN.txt" not in files:
            bare.append(os.path.relpath(top, ROOT))
    return sorted(bare)


def main(argv):
    if len(argv) != 2 or argv[1] not in ("--check", "--write"):
        print("usage: scripts/tables.py --check|--write", file=sys.stderr)
        return 2
    used, differ = set(), 0
    try:
        for rel in docs():
            old = open(os.path.join(ROOT, rel), encoding="utf-8").read()
            new = regenerate(rel, used)
            if new == old:
                continue
            if argv[1] == "--write":
                with open(os.path.join(ROOT, rel), "w", encoding="utf-8") as f:
                    f.write(new)
                print(f"tables: rewrote {rel}")
            else:
                differ += 1
                sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                           f"{rel} (committed)", f"{rel} (from the CSVs)"))
    except Bad as e:
        print(f"tables: {e}", file=sys.stderr)
        return 2
    unused = sorted(set(TABLES) - used)
    if unused:
        print(f"tables: {', '.join(unused)}: no file has the block; expected each table in one file", file=sys.stderr)
        return 2
    bare = runs_without_record()
    if bare:
        print(f"tables: {', '.join(bare)}: a results folder without RUN.txt, expected one in each (issue 26)",
              file=sys.stderr)
        return 2
    if differ:
        print(f"tables: {differ} file(s) differ from their CSVs: run `python3 scripts/tables.py --write` and commit")
        return 1
    print(f"tables: {len(used)} tables in README.md and docs/ equal their CSVs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
