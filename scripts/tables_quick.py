"""tables_quick.py - the quick-scale tables of docs/RESULTS.md, generated from the committed run folders
docs/results/quick (MNIST) and docs/results/quick-fashion (issue 26). scripts/tables.py imports TABLES from here;
the helpers (rows, one, pct, Bad) are its own, put in H by tables.py."""
import os

QUICK = "docs/results/quick"
FASHION = "docs/results/quick-fashion"
H = {}  # tables.py's helpers (Bad, rows, one, pct, json_last, json_num, ROOT)



def _have(rel):
    return os.path.exists(os.path.join(H["ROOT"], rel))


def _folders():
    """(label, folder) of each committed quick run with a headline.csv."""
    got = [("quick, MNIST", QUICK)]
    if _have(f"{FASHION}/headline.csv"):
        got.append(("quick, Fashion-MNIST", FASHION))
    return got


def quick_headline():
    """Section 4.2's numbers: the paper's, the quick MNIST run's and (when committed) the quick Fashion run's."""
    one = H["one"]

    def val(folder, col, metric, model, attack, setting):
        return one(f"{folder}/headline.csv", metric=metric, model=model, attack=attack, setting=setting)[col]

    att = [("fgm", "eps=0.3"), ("jsma", "gamma=0.1"), ("cw", "kappa=0")]
    cols = _folders()
    out = ["| | paper (MNIST) | " + " | ".join(c for c, _ in cols) + " |", "|---|---|" + "---|" * len(cols)]

    def row(label, paper, fn):
        out.append(f"| {label} | {paper} | " + " | ".join(fn(f) for _, f in cols) + " |")

    row("undefended accuracy", val(QUICK, "paper", "accuracy", "baseline", "none", "clean") + "%",
        lambda f: val(f, "ours", "accuracy", "baseline", "none", "clean") + "%")
    row("distilled accuracy / false positives",
        val(QUICK, "paper", "accuracy", "distilled", "none", "clean") + "% / "
        + val(QUICK, "paper", "false_positives", "distilled", "none", "clean").replace("<", "< ") + "%",
        lambda f: val(f, "ours", "accuracy", "distilled", "none", "clean") + "% / "
        + val(f, "ours", "false_positives", "distilled", "none", "clean") + "%")
    row("undefended misclassified: FGM eps 0.3 / JSMA gamma 0.1 / CW kappa 0",
        " / ".join(val(QUICK, "paper", "misclassified", "baseline", a, s) for a, s in att) + "%",
        lambda f: " / ".join(f"{float(val(f, 'ours', 'misclassified', 'baseline', a, s)):.1f}" for a, s in att) + "%")
    row("distilled misclassified, FGM eps 0.3: the paper's loss / the adaptive attacker's", "",
        lambda f: f"{float(val(f, 'ours', 'misclassified', 'distilled', 'fgm', 'eps=0.3')):.1f}% / "
        f"{float(val(f, 'ours', 'misclassified', 'distilled-adaptive', 'fgm', 'eps=0.3')):.1f}%")
    if len(cols) == 1:
        out += ["", "The Fashion-MNIST run is not committed yet (no folder quick-fashion with its headline.csv under "
                "docs/results)."]
    return out


MODELS = [("baseline", "undefended"), ("temperature", "temperature distillation, T = 100"),
          ("distilled", "extended distillation (this paper)"), ("adv", "adversarial training (PGD-10, eps 0.3)"),
          ("adv_distilled", "adversarial training + extended distillation")]


def _mis(csv, model, attack, setting, value):
    r = H["one"](csv, model=model, attack=attack, setting=setting, value=value)
    return H["pct"](r["misclassified"])


def _rates(csv, models, first, columns):
    """One row per (model, label) of models: clean accuracy / false positives, then the misclassified rate under
    each (heading, attack, setting, value) of columns."""
    out = [f"| {first} | clean accuracy / false positives | " + " | ".join(c[0] for c in columns) + " |",
           "|---|---|" + "---:|" * len(columns)]
    for m, label in models:
        c = H["one"](csv, model=m, attack="clean")
        out.append(f"| {label} | {H['pct'](c['clean_accuracy'], 2)} / {H['pct'](c['false_positives'], 2)} | "
                   + " | ".join(_mis(csv, m, a, st, v) for _, a, st, v in columns) + " |")
    return out


def quick_baselines():
    """The five models of the baselines stage under the paper's attacks and PGD-margin (baselines.csv)."""
    return _rates(f"{QUICK}/baselines.csv", MODELS, "model",
                  [("FGM eps 0.3, paper's loss", "fgm-all", "eps", "0.3"), ("JSMA gamma 0.1", "jsma", "gamma", "0.1"),
                   ("CW kappa 0", "cw", "kappa", "0"), ("PGD-margin eps 0.3", "pgd-margin", "eps", "0.3")])


def quick_ablation():
    """The Eq. 3 ablation's models under FGM, JSMA (both gradients) and PGD-margin (ablation.csv)."""
    csv = f"{QUICK}/ablation.csv"
    names = []
    for r in H["rows"](csv):
        if r["model"] not in names:
            names.append(r["model"])
    return _rates(csv, [(m, m) for m in names], "model (Eq. 3 read as)",
                  [("FGM eps 0.3", "fgm-all", "eps", "0.3"), ("JSMA gamma 0.1", "jsma", "gamma", "0.1"),
                   ("JSMA, exact gradient", "jsma-exact", "gamma", "0.1"),
                   ("PGD-margin eps 0.3", "pgd-margin", "eps", "0.3")])


def quick_security():
    """The worst case per image at each L-inf eps, baseline and distilled, each quick run (security.csv)."""
    out = ["| run | L-inf eps | worst-case robust accuracy, undefended | distilled |", "|---|---:|---:|---:|"]
    for label, f in _folders():
        s = f"{f}/security.csv"
        eps = sorted({r["eps"] for r in H["rows"](s) if r["attack"] == "worst-case"}, key=float)
        for e in eps:
            b = H["one"](s, model="baseline", eps=e, attack="worst-case")
            d = H["one"](s, model="distilled", eps=e, attack="worst-case")
            out.append(f"| {label} | {e} | {H['pct'](b['robust_accuracy'])} ({b['n']} images) | "
                       f"{H['pct'](d['robust_accuracy'])} |")
    return out


TABLES = {
    "quick-headline": quick_headline,
    "quick-baselines": quick_baselines,
    "quick-ablation": quick_ablation,
    "quick-security": quick_security,
}
