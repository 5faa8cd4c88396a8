#!/usr/bin/env python3
"""Write the seed corpus of the fuzz targets into tests/fuzz/corpus/TARGET/:
small valid inputs and the damaged cases the unit tests build
(tests/test_idx.c, tests/test_io.c); for the results folder's readers
(csv, times, report), the committed runs' files (docs/results-paper,
docs/results/quick-standard) and damaged copies. Run from the repository's root:
`python3 tests/fuzz/seeds.py`. Deterministic; files found by fuzzing
(crash-*, timeout-*, ...) are kept beside the seeds."""
import gzip
import hashlib
import os
import struct
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs")


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def gz(b):
    return gzip.compress(b, mtime=0)


def idx(dims, payload=None, magic=(0, 0, 8)):
    head = bytes(magic) + bytes([len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)
    n = 1
    for d in dims:
        n *= d
    return head + (bytes(i % 251 for i in range(n)) if payload is None else payload)


def idx_seeds():
    good = {"images": idx([3, 4, 4]), "labels": idx([5], bytes([0, 1, 9, 3, 7])), "rank4": idx([1, 2, 2, 2])}
    for k, v in good.items():
        put("idx", k + ".idx", v)
        put("idx", k + ".idx.gz", gz(v))
    img = good["images"]
    put("idx", "bad-magic.idx", b"\x01" + img[1:])
    put("idx", "bad-type.idx", idx([3, 4, 4], magic=(0, 0, 0x0D)))
    put("idx", "rank0.idx", bytes([0, 0, 8, 0]))
    put("idx", "rank5.idx", idx([1, 1, 1, 1, 1]))
    put("idx", "zero-dim.idx", idx([3, 0, 4]))
    put("idx", "short-header.idx", img[:9])
    put("idx", "truncated.idx", img[:-3])
    put("idx", "trailing.idx", img + b"xyz")
    put("idx", "huge-dims.idx", idx([0xFFFFFFFF, 0xFFFFFFFF, 2], payload=b"\0" * 8))
    put("idx", "over-limit.idx", idx([1 << 16, 1 << 15], payload=b"\0" * 8))
    # 1 GiB declared, 8 bytes there: the reader must not allocate 1 GiB.
    put("idx", "declares-1gib.idx", idx([1 << 15, 1 << 15], payload=b"\0" * 8))
    put("idx", "truncated.idx.gz", gz(img)[:-6])
    z = bytearray(gz(img))
    z[len(z) // 2] ^= 0xFF
    put("idx", "damaged.idx.gz", bytes(z))
    put("idx", "empty.idx", b"")


def npy(descr, shape, payload, version=1, header=None):
    if header is None:
        sh = "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
        header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, sh)
    hb = header.encode()
    hl = 4 if version >= 2 else 2
    pad = (64 - (6 + 2 + hl + len(hb) + 1) % 64) % 64
    hb += b" " * pad + b"\n"
    return b"\x93NUMPY" + bytes([version, 0]) + struct.pack("<I" if hl == 4 else "<H", len(hb)) + hb + payload


def npy_seeds():
    put("npy", "f4-2x3.npy", npy("<f4", (2, 3), struct.pack("<6f", *range(6))))
    put("npy", "u1-5.npy", npy("|u1", (5,), bytes(range(5))))
    put("npy", "i4-1x1x1x2.npy", npy("<i4", (1, 1, 1, 2), struct.pack("<2i", -1, 7)))
    put("npy", "scalar.npy", npy("<f4", (), struct.pack("<f", 1.5)))
    put("npy", "empty.npy", npy("<f4", (0, 3), b""))
    put("npy", "v2.npy", npy("<u1", (3,), b"abc", version=2))
    put("npy", "v3-dquote.npy", npy("<f4", (1,), b"\0\0\x80?", version=3,
                                    header='{"shape": (1,), "descr": "<f4", "fortran_order": False}'))
    put("npy", "fortran.npy", npy("<f4", (2, 2), b"\0" * 16, header="{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }"))
    put("npy", "bad-descr.npy", npy(">f8", (2,), b"\0" * 16))
    put("npy", "rank5.npy", npy("|u1", (1, 1, 1, 1, 2), b"ab"))
    put("npy", "huge-shape.npy", npy("<f4", (1 << 62, 1 << 62), b""))
    put("npy", "truncated.npy", npy("<f4", (2, 3), struct.pack("<6f", *range(6)))[:-5])
    put("npy", "trailing.npy", npy("|u1", (2,), b"ab") + b"c")
    put("npy", "extra-key.npy", npy("<f4", (1,), b"\0" * 4,
                                    header="{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}"))
    put("npy", "header-past-end.npy", b"\x93NUMPY\x01\x00\xff\xff{'descr'")
    put("npy", "bad-magic.npy", b"\x93NUMPZ\x01\x00\x00\x00")


def model(k, p_in, p_hid, params, version=1, magic=b"EDDMODEL", crc=None, nparams=None):
    n = len(params) if nparams is None else nparams
    body = magic + struct.pack("<IIffQ", version, k, p_in, p_hid, n) + struct.pack("<%df" % len(params), *params)
    return body + struct.pack("<I", zlib.crc32(body) if crc is None else crc)


def model_seeds():
    # A whole K=10 model is 2.8 MB (710,218 floats): the seeds stop at the
    # header with a few parameters and a right CRC, so that the architecture
    # and parameter-count checks are reached; the unit tests load whole models.
    put("model", "k10-3-params.edd", model(10, 0.2, 0.5, [0.5, -1.0, 2.0]))
    put("model", "k11-0-params.edd", model(11, 0.2, 0.5, []))
    put("model", "k1.edd", model(1, 0.2, 0.5, [1.0]))
    put("model", "k1001.edd", model(1001, 0.2, 0.5, [1.0]))
    put("model", "p-nan.edd", model(10, float("nan"), 0.5, [1.0]))
    put("model", "p-one.edd", model(10, 0.2, 1.0, [1.0]))
    put("model", "bad-crc.edd", model(10, 0.2, 0.5, [1.0, 2.0], crc=0))
    put("model", "bad-magic.edd", model(10, 0.2, 0.5, [1.0], magic=b"EDDMODEX"))
    put("model", "version2.edd", model(10, 0.2, 0.5, [1.0], version=2))
    put("model", "truncated.edd", model(10, 0.2, 0.5, [1.0, 2.0, 3.0])[:-6])
    put("model", "trailing.edd", model(10, 0.2, 0.5, [1.0]) + b"\0\0\0\0")
    put("model", "nparams-wraps.edd", model(10, 0.2, 0.5, [1.0], nparams=(1 << 64) - 1))
    put("model", "short.edd", b"EDDMODEL\x01\0\0\0")


def manifest_seeds():
    # The fuzzer writes the input as DIR/stages/fuzz.done beside DIR/a.txt
    # ("edd\n") and asks for stage fuzz, scale smoke, deps 1234abcd. A file
    # line: SIZE, the CRC32 of the bytes but the last four (none here: 0),
    # those four big-endian, the SHA-256 of all, the path (edd-stage 3).
    body = b"edd\n"
    sha = hashlib.sha256(body).hexdigest()
    fl = "file 4 00000000 %08x %s a.txt\n" % (struct.unpack(">I", body)[0], sha)
    head = "edd-stage 3\nstage fuzz\nscale smoke\nseconds 1.5\ndeps 1234abcd\n"
    put("manifest", "valid.done", (head + fl).encode())
    put("manifest", "two-files.done", (head + fl + fl.replace(" a.txt", " ./a.txt")).encode())
    put("manifest", "bad-crc.done", (head + fl.replace("00000000", "0000ffff")).encode())
    put("manifest", "bad-sha.done", (head + fl.replace(sha, "0" * 64)).encode())
    put("manifest", "bad-size.done", (head + fl.replace("file 4", "file 5")).encode())
    put("manifest", "missing-file.done", (head + fl.replace(" a.txt", " b.txt")).encode())
    put("manifest", "no-files.done", head.encode())
    put("manifest", "no-newline.done", (head + fl.rstrip("\n")).encode())
    put("manifest", "bad-line.done", (head + "fil 4 a.txt\n").encode())
    put("manifest", "input.done", (head + "input teacher " + fl[5:] + fl).encode())
    put("manifest", "bad-input.done", (head + "input teacher 4 zz\n" + fl).encode())
    put("manifest", "other-scale.done", head.replace("smoke", "quick").encode())
    put("manifest", "other-deps.done", head.replace("1234abcd", "0").encode())
    put("manifest", "other-stage.done", head.replace("stage fuzz", "stage other").encode())
    put("manifest", "stage-2.done", head.replace("stage 3", "stage 2").encode())
    put("manifest", "bad-version.done", head.replace("stage 3", "stage 9").encode())
    put("manifest", "no-seconds.done", head.replace("seconds 1.5", "secs").encode())
    put("manifest", "long-path.done", (head + fl.replace(" a.txt", " " + "a/" * 700)).encode())


CMDS = ["train", "eval", "predict", "export", "uncertainty", "distill", "attack", "reproduce", "info"]


def cli(name, *args):
    put("cli", name, bytes([CMDS.index(name.split("-")[0])]) + b"\0".join(a.encode() for a in args))


def cli_seeds():
    cli("train-valid", "--data", "mnist", "--out", "m.edd", "--train-limit", "64", "--epochs", "1", "--threads", "1")
    cli("train-bad-epochs", "--epochs", "x")
    cli("eval-valid", "--model", "m.edd", "--test-limit", "10")
    cli("predict-valid", "--model", "m.edd", "--logits", "z.npy", "--data", "fashion")
    cli("export-valid", "--model", "m.edd", "--dir", "out")
    cli("uncertainty-valid", "--teacher", "t.edd", "--out", "s.npy", "--passes", "3", "--train-limit", "10")
    cli("distill-valid", "--teacher", "t.edd", "--out", "d.edd", "--passes", "3", "--epochs", "1")
    cli("attack-fgm", "--attack", "fgm", "--model", "m.edd", "--eps", "0.3", "--ord", "inf", "--test-limit", "5")
    cli("attack-jsma", "--attack", "jsma", "--model", "m.edd", "--source", "s.edd", "--gamma", "0.1")
    cli("attack-cw", "--attack", "cw", "--model", "m.edd", "--cw-optimizer", "adam", "--confidence", "1",
        "--max-iterations", "10", "--binary-search-steps", "2")
    cli("reproduce-valid", "--scale", "smoke", "--force", "teacher", "--data", "mnist")
    cli("info-valid", "--batches", "1,7", "--k", "10,11")
    cli("info-long-list", "--batches", ",".join(["1"] * 20))
    cli("info-help", "--help")
    cli("train-stray", "stray", "--", "--help")


def doc(rel):
    with open(os.path.join(DOCS, rel), "rb") as f:
        return f.read()


PAPER_FIGS = ["fig2a_fgm.csv", "fig2b_jsma.csv", "fig2c_cw.csv", "fig2d_alpha.csv", "fig2e_passes.csv",
              "fig3a_fgm.csv", "fig3b_fgm.csv", "fig3c_jsma.csv", "fig3d_jsma.csv", "fig3e_cw.csv", "fig3f_cw.csv"]
BASE_HEADER = b"model,attack,setting,value,n,clean_accuracy,false_positives,recovered,detected,misclassified,lo,hi\n"


def base_csv(models, attacks):
    """A baselines.csv or ablation.csv (no committed run has one): each
    model under each (attack, setting) at quick scale's eps 0.3 and gamma
    0.1, with rates that sum to one."""
    rows = [BASE_HEADER]
    for i, m in enumerate(models):
        for j, (a, v) in enumerate(attacks):
            mis = 0.0 if a == "clean" else round(0.1 + 0.17 * ((i + j) % 5), 6)
            rows.append(("%s,%s,%s,%g,200,0.985,0.005,%.6f,0.01,%.6f,%.6f,%.6f\n" % (
                m, a, {"clean": "none", "jsma": "gamma", "jsma-exact": "gamma", "cw": "kappa"}.get(a, "eps"), v,
                0.99 - mis, mis, max(0.0, mis - 0.05), min(1.0, mis + 0.05))).encode())
    return b"".join(rows)


BASELINES = base_csv(["baseline", "temperature", "distilled", "adv", "adv_distilled"],
                     [("clean", 0), ("fgm-all", 0.3), ("fgm-margin", 0.3), ("fgm-real", 0.3), ("pgd-margin", 0.3),
                      ("pgd-all", 0.3), ("jsma", 0.1), ("cw", 0)])
ABLATION = base_csv(["ablation_none", "ablation_literal", "ablation_hinge10", "distilled", "ablation_hinge100"],
                    [("clean", 0), ("fgm-all", 0.3), ("pgd-margin", 0.3), ("jsma", 0.1), ("jsma-exact", 0.1)])


def damaged(text):
    """Damaged copies of a CSV: the ways tests and hostile folders break one."""
    head, _, body = text.partition(b"\n")
    first = body.split(b"\n")[0]
    return {
        "header-only": head + b"\n",
        "no-header": body,
        "crlf": text.replace(b"\n", b"\r\n"),
        "no-final-newline": text.rstrip(b"\n"),
        "truncated": text[: len(text) // 2],
        "long-line": head + b"\n" + first + b"x" * 1500 + b"\n" + first + b"\n",
        "long-cell": head + b"\n" + b"y" * 200 + b"," + first + b"\n",
        "extra-field": head + b"\n" + first + b",1\n",
        "missing-field": head + b"\n" + first.rsplit(b",", 1)[0] + b"\n",
        "nul": head + b"\n" + first.replace(b",", b"\0", 1) + b"\n",
        "numbers": head + b"\n" + first.replace(b"0.", b"1e308", 2).replace(b",1", b",nan", 1) + b"\n",
        "backquote": head + b"\n" + first.replace(first.split(b",")[0], b"`touch P`", 1) + b"\n",
        "empty-cells": head + b"\n" + b"," * first.count(b",") + b"\n",
    }


def csv_seeds():
    # The first byte picks the reader of fuzz_csv.c: 0 figure, 1 security,
    # 2 baselines/ablation, 3 standard.
    readers = [(0, "fig", [doc("results-paper/" + f) for f in PAPER_FIGS]),
               (1, "security", [doc("results-paper/security-run/security.csv")]),
               (2, "base", [BASELINES, ABLATION]),
               (3, "standard", [doc("results/quick-standard/standard.csv")])]
    for sel, name, texts in readers:
        for k, text in enumerate(texts):
            put("csv", "%s-%d.csv" % (name, k), bytes([sel]) + text)
        for what, text in damaged(texts[0]).items():
            put("csv", "%s-%s.csv" % (name, what), bytes([sel]) + text)
    put("csv", "empty", b"\0")


def times_seeds():
    # The first byte picks the scale of fuzz_times.c: 0 smoke, 1 quick, 2 paper.
    put("times", "paper-report.md", b"\2" + doc("results-paper/report.md"))
    put("times", "quick-report.md", b"\1" + doc("results/quick-standard/report.md"))
    lines = b"baseline 527\nteacher 360.5\nsigma 0.5\nsigma_1 85\nfig2d 1901.8\nbaselines_1 60\nreport 1\n"
    put("times", "lines.txt", b"\0" + lines)
    put("times", "table-rows.txt", b"\1| baseline | 527.0 |\n| fig2c | 4505.5 |\n|standard_3|12|\n")
    put("times", "duplicate.txt", b"\2baseline 1\nbaseline 2\n")
    put("times", "trailing-text.txt", b"\2baseline 3abc\n")
    put("times", "huge.txt", b"\2baseline 1e308\nteacher 1e308\ndistilled 1e308\n")
    put("times", "not-finite.txt", b"\2baseline inf\nteacher nan\nsigma -1\nfig2a 0x1p1023\n")
    put("times", "long-name.txt", b"\1" + b"a" * 100 + b" 5\n" + b"baseline " + b"9" * 400 + b"\n")
    put("times", "long-line.txt", b"\1baseline " + b" " * 1100 + b"5\nteacher 2\n")
    put("times", "nul.txt", b"\1baseline\0 5\nteacher 2")
    put("times", "empty", b"\0")


# fuzz_report.c's files[], in order: the first byte's low 7 bits pick one,
# bit 7 the across-seed summary.
REPORT_FILES = ["headline.csv", "security.csv", "baselines.csv", "ablation.csv", "standard.csv",
                "min_l2_summary.csv", "min_l2.csv", "convergence.csv"] + PAPER_FIGS


def report_seeds():
    text = {f: doc("results-paper/" + f) for f in PAPER_FIGS}
    text["headline.csv"] = doc("results-paper/headline.csv")
    text["security.csv"] = doc("results-paper/security-run/security.csv")
    text["baselines.csv"] = BASELINES
    text["ablation.csv"] = ABLATION
    for f in ["standard.csv", "min_l2_summary.csv", "min_l2.csv", "convergence.csv"]:
        text[f] = doc("results/quick-standard/" + f)
    for i, f in enumerate(REPORT_FILES):
        put("report", f, bytes([i]) + text[f])
        put("report", f + ".header-only", bytes([i]) + damaged(text[f])["header-only"])
        put("report", f + ".missing-field", bytes([i]) + damaged(text[f])["missing-field"])
    for f in ["headline.csv", "security.csv", "baselines.csv", "ablation.csv", "fig2a_fgm.csv", "fig3c_jsma.csv"]:
        i = REPORT_FILES.index(f)
        put("report", "seeds-" + f, bytes([0x80 | i]) + text[f])
        put("report", "seeds-" + f + ".extra-field", bytes([0x80 | i]) + damaged(text[f])["extra-field"])


if __name__ == "__main__":
    idx_seeds()
    npy_seeds()
    model_seeds()
    manifest_seeds()
    cli_seeds()
    csv_seeds()
    times_seeds()
    report_seeds()
