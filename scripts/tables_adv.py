"""tables_adv.py - docs/DEFENSE.md's PGD-10 adversarial-training table, generated from the committed folder
docs/results/adv-training that scripts/adv-training.sh writes (issue 26). The accuracies and their Wilson intervals
are PyTorch's re-scoring (worst-case.csv); each must equal edd's own figure in the attack's JSON line (its
"recovered", or eval's "accuracy" for the clean row), or the table is refused. scripts/tables.py imports TABLES
from here; the helpers (rows, Bad, ROOT, json_last, json_num) are its own, put in H by tables.py."""
import os

ADV = "docs/results/adv-training"
H = {}  # tables.py's helpers (Bad, rows, one, pct, json_last, json_num, ROOT)



def line(name):
    """The JSON object that ADV/name.json holds (edd's one line); name may be SUBFOLDER/NAME."""
    return H["json_last"](f"{ADV}/{name}.json")


def field(obj, key, name):
    """obj[key] as a float, naming the file when it is not a number."""
    return H["json_num"](obj, key, f"{ADV}/{name}.json")


def adv_training():
    """Clean, each PGD-40 x 5 loss and the worst case per image of the PGD-10-trained model, with the times."""
    whole = [r for r in H["rows"](f"{ADV}/worst-case.csv") if r["first"] == "0"]
    n_all = max(int(r["last"]) for r in whole) + 1
    wc = {r["row"]: r for r in whole if int(r["last"]) == n_all - 1}
    secs = {r["step"]: float(r["seconds"]) for r in H["rows"](f"{ADV}/times.csv")}
    need = [("clean", "eval", "accuracy", "clean"),
            ("pgd-real.npy", "pgd-real", "recovered", "under PGD-40 x 5, loss `real` (the cross-entropy)"),
            ("pgd-margin.npy", "pgd-margin", "recovered",
             "under PGD-40 x 5, loss `margin` (Carlini-Wagner's logit margin)"),
            ("worst case over 2", None, None, "worst case per image over both attacks: right under both")]
    n = None
    out = ["| test images | accuracy (PyTorch re-scoring) | 95% Wilson | edd's own figure | seconds |",
           "|---|---:|---:|---:|---:|"]
    for row, name, key, label in need:
        r = wc.get(row)
        if r is None:
            raise H["Bad"](f"{ADV}/worst-case.csv: no row '{row}', expected one")
        n = r["images"] if n is None else n
        acc = float(r["accuracy"])
        own, sec = "", ""
        if name:
            mine = field(line(name), key, name)
            if abs(mine - acc) > 1e-4:
                raise H["Bad"](f"{ADV}/{name}.json: {key} {mine:.6f}, expected PyTorch's {acc:.6f} (worst-case.csv)")
            own = f"{100 * mine:.2f}%"
            sec = f"{secs[name]:,.0f}" if name in secs else ""
        out.append(f"| {label} | {100 * acc:.2f}% | {100 * float(r['wilson_lo']):.1f}-{100 * float(r['wilson_hi']):.1f}"
                   f" | {own} | {sec} |")
    tr = line("train")
    out += ["", f"All {int(n):,} test images. Training: {field(tr, 'examples', 'train'):,.0f} images x "
            f"{field(tr, 'epochs', 'train'):.0f} epochs in {secs.get('train', field(tr, 'seconds', 'train')):,.0f} s "
            f"({field(tr, 'images_per_s', 'train'):,.0f} images/s, PGD-10 on every batch), last epoch's loss "
            f"{field(tr, 'loss', 'train'):.4f}; "
            f"{ADV}/RUN.txt gives the commands, the commit and the CPU."]
    return out


def adv_training_blocks():
    """The same runs by block of the test set (worst-case.csv's block rows): clean, each loss, worst case."""
    got = H["rows"](f"{ADV}/worst-case.csv")
    names = ["clean", "pgd-real.npy", "pgd-margin.npy", "worst case over 2"]
    n_all = max(int(r["last"]) for r in got) + 1
    cells = {}
    for r in got:
        if int(r["last"]) - int(r["first"]) + 1 < n_all:
            cells[(r["first"], r["last"], r["row"])] = r
    spans = sorted({(int(f), int(t)) for f, t, _ in cells})
    if not spans:
        raise H["Bad"](f"{ADV}/worst-case.csv: no block rows, expected worst-case.py --block's")
    out = ["| test images | clean | PGD `real` | PGD `margin` | worst case |", "|---|---:|---:|---:|---:|"]
    for f, t in spans:
        row = []
        for name in names:
            r = cells.get((str(f), str(t), name))
            if r is None:
                raise H["Bad"](f"{ADV}/worst-case.csv: no row '{name}' for images {f}-{t}, expected one per block")
            row.append(f"{100 * float(r['accuracy']):.2f}%")
        out.append(f"| {f:,}-{t:,} | " + " | ".join(row) + " |")
    worst = [float(cells[(str(f), str(t), names[-1])]["accuracy"]) for f, t in spans]
    whole = [float(r["accuracy"]) for r in got if r["row"] == names[-1] and int(r["last"]) == n_all - 1]
    held = [b for b, w in zip(spans, worst) if w >= 0.8]
    verdict = ("holds on the whole set and in every block" if whole and whole[0] >= 0.8 and len(held) == len(spans)
               else f"holds in {len(held)} of the {len(spans)} blocks"
               + (" and on the whole set" if whole and whole[0] >= 0.8 else ", not on the whole set"))
    out += ["", f"The check (80% or more right under every attack, the worst case column) {verdict}."]
    return out


def epoch_losses(sub):
    """The loss of each epoch, from ADV/sub/train.log (train's "epoch E/N loss L ..." lines)."""
    rel = f"{ADV}/{sub}/train.log"
    try:
        with open(os.path.join(H["ROOT"], rel), encoding="utf-8") as f:
            words = [ln.split() for ln in f if ln.strip()]
    except OSError as e:
        raise H["Bad"](f"{rel}: cannot read it ({e.strerror})")
    if not words or any(len(w) < 4 or w[0] != "epoch" or w[2] != "loss" for w in words):
        raise H["Bad"](f"{rel}: expected lines 'epoch E/N loss L ...', one per epoch")
    return [w[3] for w in words]


FGM_RUNS = [("fgm-rs", "with the warm-up (default)"), ("fgm-rs-no-ramp", "without it (`--eps-ramp 0`)")]


def adv_fgm_rs():
    """The FGM-RS controls, with and without the eps warm-up: one FGM step and PGD-40 x 5 under two losses on the
    first 2,000 test images, beside the PGD-10 model's worst case on the same images."""
    runs = [("fgm-real", "FGM, one step, the loss it was trained on (`real`)"),
            ("pgd-real", "PGD 40 steps x 5 restarts, loss `real`"),
            ("pgd-margin", "PGD 40 steps x 5 restarts, loss `margin`")]
    got = [(sub, label) for sub, label in FGM_RUNS if os.path.isdir(os.path.join(H["ROOT"], ADV, sub))]
    first = line(f"{got[0][0]}/fgm-real")
    n = field(first, "examples", f"{got[0][0]}/fgm-real")
    out = [f"| first {n:,.0f} test images, eps 0.3: accuracy under attack | "
           + " | ".join(f"FGM-RS {label}" for _, label in got) + " |", "|---|" + "---:|" * len(got)]
    out.append("| clean | " + " | ".join(f"{100 * field(line(f'{s}/fgm-real'), 'clean_accuracy', s):.2f}%"
                                         for s, _ in got) + " |")
    for name, label in runs:
        out.append(f"| {label} | " + " | ".join(f"{100 * field(line(f'{s}/{name}'), 'recovered', name):.2f}%"
                                             for s, _ in got) + " |")
    pgd10 = [r for r in H["rows"](f"{ADV}/worst-case.csv") if r["row"] == "worst case over 2" and r["first"] == "0"
             and int(r["last"]) == n - 1]
    out.append("")
    for sub, label in got:
        secs = {r["step"]: float(r["seconds"]) for r in H["rows"](f"{ADV}/{sub}/times.csv")}
        tr, ev = line(f"{sub}/train"), line(f"{sub}/eval")
        worst = min(field(line(f"{sub}/pgd-{x}"), "recovered", sub) for x in ("real", "margin"))
        out.append(f"- FGM-RS {label} ({ADV}/{sub}/): {field(tr, 'examples', 'train'):,.0f} images x "
                   f"{field(tr, 'epochs', 'train'):.0f} epochs in {secs.get('train', 0):,.0f} s, epoch losses "
                   f"{', '.join(epoch_losses(sub))}; {100 * field(ev, 'accuracy', 'eval'):.2f}% clean on all 10,000 "
                   f"test images; under PGD-40 x 5, the lower of its two losses, {100 * worst:.2f}% of the first {n:,.0f}, "
                   f"{'at or above' if worst >= 0.8 else 'below'} the 80% check.")
    if pgd10:
        out.append(f"- The PGD-10 model below keeps {100 * float(pgd10[0]['accuracy']):.2f}% of the same "
                   f"{n:,.0f} images right under both PGD-40 x 5 runs (worst-case.csv, block 0-{n - 1:.0f}).")
    return out


def adv_quick_no_ramp():
    """The no-warm-up control: PGD-10 on quick's budget, its epoch losses and clean accuracy."""
    sub = "pgd10-quick-no-ramp"
    secs = {r["step"]: float(r["seconds"]) for r in H["rows"](f"{ADV}/{sub}/times.csv")}
    tr, ev = line(f"{sub}/train"), line(f"{sub}/eval")
    return [f"Measured ({ADV}/{sub}/): {field(tr, 'examples', 'train'):,.0f} images x "
            f"{field(tr, 'epochs', 'train'):.0f} epochs in {secs.get('train', 0):,.0f} s; epoch losses "
            f"{', '.join(epoch_losses(sub))}; clean accuracy {100 * field(ev, 'accuracy', 'eval'):.2f}% on the 10,000 "
            "test images."]


# The two controls' tables exist once their folders are committed (scripts/adv-training-controls.sh makes them);
# until then the docs keep no block of theirs, and tables.py would refuse a table that no file uses.
TABLES = {"adv-training": adv_training, "adv-training-blocks": adv_training_blocks}
_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if any(os.path.isdir(os.path.join(_HERE, ADV, sub)) for sub, _ in FGM_RUNS):
    TABLES["adv-fgm-rs"] = adv_fgm_rs
if os.path.isdir(os.path.join(_HERE, ADV, "pgd10-quick-no-ramp")):
    TABLES["adv-quick-no-ramp"] = adv_quick_no_ramp
