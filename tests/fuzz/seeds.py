#!/usr/bin/env python3
"""Write the seed corpus of the fuzz targets into tests/fuzz/corpus/TARGET/:
small valid inputs and the damaged cases the unit tests build
(tests/test_idx.c, tests/test_io.c). Run from the repository's root:
`python3 tests/fuzz/seeds.py`. Deterministic; files found by fuzzing
(crash-*, timeout-*, ...) are kept beside the seeds."""
import gzip
import os
import struct
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


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
    # ("edd\n") and asks for stage fuzz, scale smoke, deps 1234abcd.
    crc = zlib.crc32(b"edd\n")
    head = "edd-stage 1\nstage fuzz\nscale smoke\nseconds 1.5\ndeps 1234abcd\n"
    put("manifest", "valid.done", (head + "file 4 %08x a.txt\n" % crc).encode())
    put("manifest", "two-files.done", (head + "file 4 %08x a.txt\nfile 4 %08x ./a.txt\n" % (crc, crc)).encode())
    put("manifest", "bad-crc.done", (head + "file 4 00000000 a.txt\n").encode())
    put("manifest", "bad-size.done", (head + "file 5 %08x a.txt\n" % crc).encode())
    put("manifest", "missing-file.done", (head + "file 4 %08x b.txt\n" % crc).encode())
    put("manifest", "no-files.done", head.encode())
    put("manifest", "no-newline.done", (head + "file 4 %08x a.txt" % crc).encode())
    put("manifest", "bad-line.done", (head + "fil 4 a.txt\n").encode())
    put("manifest", "other-scale.done", head.replace("smoke", "quick").encode())
    put("manifest", "other-deps.done", head.replace("1234abcd", "0").encode())
    put("manifest", "other-stage.done", head.replace("stage fuzz", "stage other").encode())
    put("manifest", "bad-version.done", head.replace("stage 1", "stage 2").encode())
    put("manifest", "no-seconds.done", head.replace("seconds 1.5", "secs").encode())
    put("manifest", "long-path.done", (head + "file 4 %08x %s\n" % (crc, "a/" * 700)).encode())


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


if __name__ == "__main__":
    idx_seeds()
    npy_seeds()
    model_seeds()
    manifest_seeds()
    cli_seeds()
