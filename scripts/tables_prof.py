"""tables_prof.py - docs/PERFORMANCE.md's "Per-primitive efficiency" (issue 28, item 1), generated from the logs of
build/bench/profile in docs/results/bench-profile (scripts/bench-profile.sh makes them; RUN.txt there names the CPU):
one log per dispatch (native.log, avx512_core.log, avx2.log), Markdown tables then one JSON line. Generates the summary
across dispatches, each dispatch's tables as the bench printed them, and the findings' numbers; and "One process or
several" (issue 28, item 5) from docs/results/bench-threads (scripts/bench-threads.sh), which also holds
src/experiments/costs.c's SPEEDUP2 to the measurement.
scripts/tables.py imports TABLES from here; its helpers (Bad, rows, json_last, json_num, ROOT) are put in H by tables.py.
"""
import os
import re

PROF = "docs/results/bench-profile"
DISPATCH = [("native", "native"), ("avx512_core", "`ONEDNN_MAX_CPU_ISA=AVX512_CORE`"),
            ("avx2", "`ONEDNN_MAX_CPU_ISA=AVX2`")]
PLANS = ["train", "inference", "mc", "input_grad", "jacobian"]
HEAD = re.compile(r"^#### ([a-z_]+): (\d+) images(?: x (\d+) rows)?")
H = {}  # tables.py's helpers (Bad, rows, one, pct, json_last, json_num, ROOT)



def _log(d):
    rel = f"{PROF}/{d}.log"
    try:
        return open(os.path.join(H["ROOT"], rel), encoding="utf-8").read().split("\n"), rel
    except OSError as e:
        raise H["Bad"](f"{rel}: cannot read it ({e.strerror})")


def _json(d):
    rel = f"{PROF}/{d}.log"
    j = H["json_last"](rel)
    return j, lambda key: H["json_num"](j, key, rel)


def _prims(d):
    """{plan: [row dicts]} of the log's tables: name, impl, step_share, frac (None for a reorder), ms."""
    lines, rel = _log(d)
    out, plan = {}, None
    for i, line in enumerate(lines, 1):
        m = HEAD.match(line)
        if m:
            plan = m.group(1)
            out[plan] = []
        elif plan and line.startswith("| ") and not line.startswith("| primitive"):
            c = [x.strip() for x in line.strip("|").split("|")]
            try:
                out[plan].append({"name": c[0], "impl": c[1], "ms": float(c[5]), "frac": float(c[7]) if c[7] else None,
                                  "share": float(c[8])})
            except (IndexError, ValueError):
                raise H["Bad"](f"{rel}:{i}: expected a primitive row of 9 cells with numbers")
    missing = [p for p in PLANS if p not in out]
    if missing:
        raise H["Bad"](f"{rel}: no table for {', '.join(missing)}")
    return out


def _label(d):
    lines, rel = _log(d)
    labels = {}
    for line in lines:
        m = HEAD.match(line)
        if m:
            labels[m.group(1)] = m.group(2) + (f" x {m.group(3)} rows" if m.group(3) else "")
    return labels


def profile_summary():
    """Per plan and dispatch: the step's ms, its fraction of the same-run sgemm peak, reorders, outside oneDNN."""
    out = ["| plan, images | " + " | ".join(f"{label}: ms, % of peak, reorders, outside oneDNN"
                                          for _, label in DISPATCH) + " |", "|---|" + "---|" * len(DISPATCH)]
    got = [_json(d) for d, _ in DISPATCH]
    labels = _label("native")
    for plan in PLANS:
        cells = [f"{v(plan + '_step_ms'):.1f} ms, {100 * v(plan + '_frac_peak'):.0f}%, "
                 f"{100 * v(plan + '_reorder_share'):.1f}%, {100 * v(plan + '_outside_share'):.1f}%" for _, v in got]
        out.append(f"| {plan}, {labels[plan]} | " + " | ".join(cells) + " |")
    out.append("| same-run sgemm peak | " + " | ".join(f"{v('sgemm_gflops'):.0f} GFLOP/s" for _, v in got) + " |")
    out += ["", "oneDNN's ISA: " + ", ".join(f"{label} `{j.get('onednn_isa', '?')}`"
                                             for (_, label), (j, _) in zip(DISPATCH, got)) + "."]
    return out


def _tables(d):
    """The log of dispatch d as the bench printed it, but its JSON line; its first line quoted."""
    lines, _ = _log(d)
    body = [x for x in lines if not x.startswith("{")]
    while body and not body[-1]:
        body.pop()
    return [f"`{body[0]}`"] + body[1:]


def _pct(x):
    return f"{x:.0f}%"


def profile_findings():
    """The numbers the findings rest on, read from the native and AVX2 tables."""
    nat, avx2 = _prims("native"), _prims("avx2")
    jn, vn = _json("native")
    _, va = _json("avx2")

    def conv2(t):
        return sum(r["share"] for r in t["train"] if r["name"].startswith("conv2 ") and r["frac"] is not None)

    def worst_conv2(t):
        r = min((r for r in t["train"] if r["name"].startswith("conv2 ") and r["frac"] is not None),
                key=lambda r: r["frac"])
        return f"{r['name'][6:]} ({r['frac']:.0f}% of the peak)"

    wr = [r for r in nat["train"] if r["frac"] is None and "weight" in r["name"]]
    attack_wr = [r["name"] for p in ("inference", "mc", "input_grad", "jacobian") for r in nat[p]
                 if r["frac"] is None and "weight" in r["name"]]
    def reorders(*plans):
        return ", ".join(sorted({r["name"] for p in plans for r in nat[p] if r["frac"] is None})) or "none"

    fc = [r for p in PLANS for r in nat[p] if r["name"].startswith("fc ") and r["frac"] is not None]
    return [
        f"- Training runs at {_pct(100 * vn('train_frac_peak'))} of the same-run peak natively and "
        f"{_pct(100 * va('train_frac_peak'))} at AVX2; conv2's three kernels take {_pct(conv2(nat))} of its step "
        f"natively ({_pct(conv2(avx2))} at AVX2), the least efficient natively its {worst_conv2(nat)}, at AVX2 its "
        f"{worst_conv2(avx2)}.",
        f"- A training step's weight reorders take {sum(r['share'] for r in wr):.1f}% of it natively: "
        + (", ".join(f"{r['name']} ({r['ms']:.2f} ms, {r['share']:.1f}%)" for r in wr) or "none")
        + ("; none for the forward pass or the weight gradients, which run on the trainer's store in their layouts. "
           if not [r for r in wr if "(forward)" in r["name"] or "gradient" in r["name"]] else ". ")
        + ("The inference, MC, input-gradient and Jacobian steps run no weight reorder: the weights reorder only when "
           "they change (`make bench-check` checks it)." if not attack_wr else
           f"The other plans' steps run weight reorders too: {', '.join(attack_wr)}."),
        f"- Outside oneDNN (dropout, ReLU masks, the loss and Adam; the input gradient's gathers; the Jacobian's copies "
        f"of the activations): {100 * vn('train_outside_share'):.1f}% of a training step natively "
        f"({100 * va('train_outside_share'):.1f}% at AVX2), {100 * vn('input_grad_outside_share'):.1f}% of an "
        f"input-gradient step, {100 * vn('jacobian_outside_share'):.1f}% of a Jacobian step, "
        f"{100 * vn('inference_outside_share'):.1f}% of an inference step and {100 * vn('mc_outside_share'):.1f}% of "
        f"an MC step: at most what fusing the MC passes' dropout into the layers' parallel region could save "
        f"(issue 28, item 4).",
        f"- Inference and the MC passes run at {_pct(100 * vn('inference_frac_peak'))} and "
        f"{_pct(100 * vn('mc_frac_peak'))} of the peak natively, {_pct(100 * va('inference_frac_peak'))} and "
        f"{_pct(100 * va('mc_frac_peak'))} at AVX2; their reorders ({reorders('inference', 'mc')}) "
        f"are {100 * vn('inference_reorder_share'):.1f}% and {100 * vn('mc_reorder_share'):.1f}% of their step "
        f"natively.",
        f"- The fc layer's kernels (10 outputs) run at {min(r['frac'] for r in fc):.0f}-{max(r['frac'] for r in fc):.0f}% "
        f"of the peak and take at most {max(r['share'] for r in fc):.1f}% of a step.",
        "", f"oneDNN dispatched `{jn.get('onednn_isa', '?')}` natively.",
    ]


THREADS = "docs/results/bench-threads"
COSTS = "src/experiments/costs.c"


def threads():
    """Each command's best time at 1 and 2 threads, its speed-up, their geometric mean; SPEEDUP2 checked against it."""
    best = {}
    for r in H["rows"](f"{THREADS}/times.csv"):
        try:
            key, s = (r["command"], int(r["threads"])), float(r["seconds"])
        except (KeyError, TypeError, ValueError):
            raise H["Bad"](f"{THREADS}/times.csv: row {r}: expected command,threads,run,seconds")
        best[key] = min(best.get(key, s), s)
    names = sorted({c for c, _ in best}, key=["train", "pgd", "uncertainty"].index)
    out = ["| command | 1 thread, best of 3 | 2 threads, best of 3 | speed-up |", "|---|---:|---:|---:|"]
    gm = 1.0
    for c in names:
        if (c, 1) not in best or (c, 2) not in best:
            raise H["Bad"](f"{THREADS}/times.csv: '{c}' lacks a time at 1 or 2 threads")
        gm *= best[(c, 1)] / best[(c, 2)]
        out.append(f"| {c} | {best[(c, 1)]:.2f} s | {best[(c, 2)]:.2f} s | {best[(c, 1)] / best[(c, 2)]:.2f} |")
    gm **= 1.0 / len(names)
    m = re.search(r"^#define SPEEDUP2 ([0-9.]+)$", open(os.path.join(H["ROOT"], COSTS), encoding="utf-8").read(),
                  re.M)
    if not m or abs(float(m.group(1)) - gm) > 0.006:
        raise H["Bad"](f"{COSTS}: SPEEDUP2 {m.group(1) if m else 'missing'}, expected the geometric mean of "
                       f"{THREADS}/times.csv's speed-ups, {gm:.2f}")
    out.append(f"| geometric mean (`SPEEDUP2`, src/experiments/costs.c) | | | {gm:.2f} |")
    return out


ISA = "docs/results/isa"
LEVELS = [("sse41", "SSE41"), ("avx", "AVX"), ("avx2", "AVX2"), ("avx512_core", "AVX512_CORE"), ("native", "native")]


def _kind_label(kind):
    return {"inference": "inference and MC", "train": "training", "input_grad": "input gradient (FGM, PGD, CW)",
            "jacobian": "Jacobian (JSMA)"}.get(kind, kind)


def isa_kernels():
    """Per plan kind and primitive: the implementations `edd info` reports at each ISA level, reference ones bold."""
    got, order = {}, []
    isas = []
    for f, label in LEVELS:
        rel = f"{ISA}/{f}.json"
        j = H["json_last"](rel)
        isas.append(f"{label} `{str(j.get('isa', '?')).replace('cpu_isa_', '')}`")
        plans = j.get("plans")
        if not isinstance(plans, list):
            raise H["Bad"](f"{rel}: no 'plans' list; expected `edd info`'s output")
        for plan in plans:
            for prim in plan.get("primitives", []):
                key = (plan.get("kind", "?"), prim.get("name", "?"))
                if key not in got:
                    got[key] = {}
                    order.append(key)
                got[key].setdefault(f, set()).add(str(prim.get("impl", "?")))
    def cell(impls):
        return ", ".join(f"**{i}**" if i.startswith("ref") else i for i in sorted(impls)) or "-"

    kinds = ["inference", "train", "input_grad", "jacobian"]
    first = {k: i for i, k in enumerate(order)}
    order.sort(key=lambda k: (kinds.index(k[0]) if k[0] in kinds else len(kinds), first[k]))
    out = ["| plan kind | primitive | " + " | ".join(label for _, label in LEVELS) + " |",
           "|---|---|" + "---|" * len(LEVELS)]
    reorders = {f: set() for f, _ in LEVELS}
    for kind, name in order:
        if "reorder" in name:
            for f, _ in LEVELS:
                reorders[f] |= got[(kind, name)].get(f, set())
            continue
        cells = [cell(got[(kind, name)].get(f, set())) for f, _ in LEVELS]
        out.append(f"| {_kind_label(kind)} | {name} | " + " | ".join(cells) + " |")
    out.append("| every plan | every reorder (weights, activations) | "
               + " | ".join(cell(reorders[f]) for f, _ in LEVELS) + " |")
    out += ["", "Dispatched: " + ", ".join(isas) + " (a level above the CPU's dispatches the highest it has)."]
    return out


TABLES = {}
_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.isdir(os.path.join(_HERE, ISA)):
    TABLES["isa-kernels"] = isa_kernels
if os.path.isdir(os.path.join(_HERE, THREADS)):
    TABLES["perf-threads"] = threads
if os.path.isdir(os.path.join(_HERE, PROF)):
    TABLES.update({"perf-profile-summary": profile_summary, "perf-profile-findings": profile_findings,
                   **{f"perf-profile-{d.replace('_', '-')}": (lambda d=d: _tables(d)) for d, _ in DISPATCH}})
