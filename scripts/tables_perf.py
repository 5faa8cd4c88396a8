"""tables_perf.py - docs/PERFORMANCE.md's speed tables, generated from committed bench logs (issue 26): the
standard suite's attacks from docs/results/bench-attacks, and "Measured" and docs/DEFENSE.md's MC threading shapes
from docs/results/bench-hot. Each of its folders native/ and avx2/ holds one log per hot-path bench
(train, mc, fgm, cw, jsma), whose last line is the bench's JSON object; RUN.txt there says how they were made.
scripts/tables.py imports TABLES from here; the helpers (Bad, json_last, json_num) are its own, put in H by tables.py.
"""
import os

HOT = "docs/results/bench-hot"
DISPATCH = [("native", "native"), ("avx2", "`ONEDNN_MAX_CPU_ISA=AVX2`")]
H = {}  # tables.py's helpers (Bad, rows, one, pct, json_last, json_num, ROOT)



def last_json(rel):
    """The bench's JSON object: the last line of the log at rel."""
    return H["json_last"](rel)


def num(obj, key, rel):
    """obj[key] as a float, naming the log when it is not a number."""
    return H["json_num"](obj, key, rel)


def _rows(d, base=HOT):
    """(label, edd figure, fraction of peak or None, edd / PyTorch or None) of the logs under base/d."""
    def get(bench):
        rel = f"{base}/{d}/{bench}.log"
        obj = last_json(rel)
        return lambda key: num(obj, key, rel)

    t, m, f, c, j = (get(b) for b in ("train", "mc", "fgm", "cw", "jsma"))
    mc_best = max(m("folded_img_pass_s"), m("threads_img_pass_s"))
    return [
        ("training, batch 128 (`build/bench/train`)", f"{t('train_img_s'):,.0f} images/s", t("train_frac_peak"),
         t("vs_torch")),
        ("inference, batch 128", f"{t('infer_img_s'):,.0f} images/s", t("infer_frac_peak"), None),
        ("MC-dropout passes (`build/bench/mc`)", f"{mc_best:,.0f} image-passes/s", m("best_frac_peak"),
         m("vs_torch")),
        ("FGM, one step (`build/bench/fgm`)", f"{f('edd_us_per_example'):,.0f} us/example", f("frac_peak"),
         f("torch_over_edd")),
        ("PGD, one step", f"{f('pgd_us_per_example_step'):,.0f} us/example-step", f("pgd_frac_peak"),
         f("torch_pgd_over_edd")),
        ("CW-L2 iteration, batch 100 (`build/bench/cw`)", f"{c('edd_us_per_ex_iter_b100'):,.0f} us/example-iteration",
         c("frac_peak_b100"), c("torch_over_edd")),
        ("JSMA gamma 0.1, batched (`build/bench/jsma`)", f"{j('jsma_ms_per_example'):.2f} ms/example", None,
         j("vs_torch")),
    ]


def perf_measured():
    """Each hot path native and capped at AVX2: edd's speed, its fraction of the same-run sgemm peak, edd / PyTorch."""
    cols = [(label, _rows(d)) for d, label in DISPATCH]
    head = "| | " + " | ".join(f"{label}: edd | of peak | edd / PyTorch" for label, _ in cols) + " |"
    out = [head, "|---|" + "---:|---:|---:|" * len(cols)]

    def frac(x):
        return "" if x is None else f"{100 * x:.0f}%"

    def vs(x):
        return "" if x is None or x <= 0 else f"{x:.2f}x"

    for i, (label, *_) in enumerate(cols[0][1]):
        cells = []
        for _, rws in cols:
            _, fig, fp, v = rws[i]
            cells += [fig, frac(fp), vs(v)]
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    isa = {d: last_json(f"{HOT}/{d}/train.log").get("onednn_isa", "?") for d, _ in DISPATCH}
    peak = {d: num(last_json(f"{HOT}/{d}/train.log"), "sgemm_gflops", f"{HOT}/{d}/train.log") for d, _ in DISPATCH}
    out += ["", "oneDNN's ISA: " + ", ".join(f"{label} `{isa[d]}`" for d, label in DISPATCH)
            + "; the same-run `dnnl_sgemm` peak in the training bench: "
            + ", ".join(f"{label} {peak[d]:.0f} GFLOP/s" for d, label in DISPATCH) + "."]
    return out


def mc_shapes():
    """docs/DEFENSE.md's two threading shapes of the MC passes, native and capped at AVX2, with PyTorch's."""
    out = ["| dispatch | FOLDED: image-passes/s (rows per call) | THREADS: image-passes/s | PyTorch | "
           "best of peak | PyTorch of peak | 2x PyTorch would need |", "|---|---:|---:|---:|---:|---:|---:|"]
    for d, label in DISPATCH:
        rel = f"{HOT}/{d}/mc.log"
        m = last_json(rel)
        folded, threads, torch = (num(m, k, rel) for k in ("folded_img_pass_s", "threads_img_pass_s",
                                                            "torch_img_pass_s"))
        frac = num(m, "best_frac_peak", rel)
        torch_frac = frac * torch / max(folded, threads)
        out.append(f"| {label} | {folded:,.0f} ({num(m, 'folded_best_rows', rel):.0f}) | {threads:,.0f} | "
                   f"{torch:,.0f} | {100 * frac:.0f}% | {100 * torch_frac:.0f}% | {200 * torch_frac:.0f}% of peak |")
    return out


FIXED = "docs/results/bench-hot-fixed"


def perf_forms():
    """Each hot path with the plans' forms fixed (EDD_PLAN_CHOICE=fixed, FIXED) and measured (the default, HOT), from
    benches run one after the other on one machine: edd's figure and its fraction of that run's sgemm peak."""
    out = ["| | " + " | ".join(f"{label}: fixed | {label}: measured" for _, label in DISPATCH) + " |",
           "|---|" + "---:|---:|" * len(DISPATCH)]
    cols = [(_rows(d, FIXED), _rows(d, HOT)) for d, _ in DISPATCH]

    def cell(row):
        return row[1] + ("" if row[2] is None else f" ({100 * row[2]:.0f}% of peak)")

    for i, (label, *_) in enumerate(cols[0][0]):
        out.append(f"| {label} | " + " | ".join(f"{cell(fx[i])} | {cell(ms[i])}" for fx, ms in cols) + " |")
    return out


ATTACKS = "docs/results/bench-attacks"


def perf_attacks():
    """The standard suite's attacks (build/bench/attacks): each run's us per image, fraction of peak, reference / edd."""
    logs = [("native-1", "native, run 1"), ("native-2", "native, run 2"), ("avx2", "`ONEDNN_MAX_CPU_ISA=AVX2`")]
    parts = [("apgd_iter", "one APGD-CE iteration"), ("square_query", "one Square L-inf query"),
             ("square_l2_query", "one Square L2 query")]
    out = ["| per image | " + " | ".join(f"{label}: edd | of peak | reference / edd" for _, label in logs) + " |",
           "|---|" + "---:|---:|---:|" * len(logs)]
    got = {name: (last_json(f"{ATTACKS}/{name}.log"), f"{ATTACKS}/{name}.log") for name, _ in logs}
    for key, label in parts:
        cells = []
        for name, _ in logs:
            j, rel = got[name]
            cells += [f"{num(j, key + '_us', rel):.0f} us", f"{100 * num(j, key + '_frac_peak', rel):.0f}%",
                      f"{num(j, 'torch_' + key + '_over_edd', rel):.2f}x"]
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return out


# perf-measured and mc-shapes exist once docs/results/bench-hot is committed (scripts/bench-hot.sh makes it); until
# then the docs keep no block of theirs, and tables.py would refuse a table that no file uses.
TABLES = {"perf-attacks": perf_attacks}
if os.path.isdir(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), HOT)):
    TABLES.update({"perf-measured": perf_measured, "mc-shapes": mc_shapes})
if os.path.isdir(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), FIXED)):
    TABLES["perf-forms"] = perf_forms
