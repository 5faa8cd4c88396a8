#!/usr/bin/env python3
"""Issue 27, item 4: the Python binding python/edd/. Every entry point
(Model.load, .k, .logits, .predict, .sigma, attack() for each of the CLI's
attacks and the suite); errors raised as edd.Error with edd's message (a
missing model, bad shapes, dtypes, ranges, labels, options), an option
refused in the very words of `edd attack` (one option table); every ctypes
mirror of a C struct held to the header by a C program that prints sizeof
and offsetof;
the binding's PGD equal to `edd attack --adv-out` (byte-identical, same
rates); sigma equal to `edd uncertainty`; the logits equal to
python/edd_model.py's in PyTorch on the same weights within 1e-4 relative
(where torch is present); and examples/attack.py run from a `make install`ed
prefix with PYTHONPATH only, printing the CLI's robust accuracy.

Run by `make check`: EDD=./edd EDD_DATA_DIR=data /usr/bin/python3 -m unittest
discover -s tests -p python_binding_test.py (Debian's python3-numpy)."""
import ctypes
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
import edd  # noqa: E402
from edd import _structs as S  # noqa: E402

EDD = os.path.abspath(os.environ.get("EDD", os.path.join(ROOT, "edd")))
N = 40

# kind -> options small enough for a test (every attack of the CLI)
SMALL = {"fgm": {}, "pgd": {"steps": 5}, "jsma": {"gamma": 0.02}, "cw": {"max_iterations": 5, "binary_search_steps": 1},
         "apgd": {"steps": 5}, "apgd-t": {"steps": 5, "n_target_classes": 2}, "square": {"queries": 20},
         "fmn": {"steps": 5}, "suite": {"steps": 3, "queries": 10, "fmn_steps": 3}}


def run(*args):
    """edd ARGS; its stdout, or a failure carrying its stderr."""
    p = subprocess.run([EDD, *map(str, args)], capture_output=True, text=True)
    if p.returncode:
        raise AssertionError(f"edd {' '.join(map(str, args))}: exit {p.returncode}: {p.stderr}")
    return p.stdout


def mnist(n):
    """The first n MNIST test images (uint8, n x 28 x 28) and labels (int64)."""
    d = os.path.join(os.environ.get("EDD_DATA_DIR", os.path.join(ROOT, "data")), "mnist")
    img = np.fromfile(f"{d}/t10k-images-idx3-ubyte", dtype=np.uint8, offset=16, count=n * 784)
    lab = np.fromfile(f"{d}/t10k-labels-idx1-ubyte", dtype=np.uint8, offset=8, count=n)
    return img.reshape(n, 28, 28), lab.astype(np.int64)


class Binding(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="edd_py_")
        cls.path = os.path.join(cls.tmp.name, "m.edd")
        run("train", "--data", "mnist", "--out", cls.path, "--train-limit", 512, "--epochs", 1, "--quiet")
        cls.x8, cls.y = mnist(N)
        cls.x = (cls.x8.astype(np.float32) / np.float32(255)).reshape(N, 1, 28, 28)
        cls.xs, cls.ys = os.path.join(cls.tmp.name, "x.npy"), os.path.join(cls.tmp.name, "y.npy")
        np.save(cls.xs, cls.x)
        np.save(cls.ys, cls.y)
        cls.m = edd.Model.load(cls.path)

    @classmethod
    def tearDownClass(cls):
        cls.m.close()
        cls.tmp.cleanup()

    def test_layout_matches_headers(self):
        """Each mirrored field's offset and each struct's size, from the C compiler."""
        headers = sorted({h for _, h in S.LAYOUTS.values()})
        lines = ["#include <stddef.h>", "#include <stdio.h>"] + [f'#include "{h}"' for h in headers]
        lines.append("int main(void) {")
        want = []
        for st, (cname, _) in S.LAYOUTS.items():
            lines.append(f'printf("{cname} %zu\\n", sizeof({cname}));')
            want.append(f"{cname} {ctypes.sizeof(st)}")
            for f, _ in st._fields_:
                lines.append(f'printf("{cname}.{f} %zu\\n", offsetof({cname}, {f}));')
                want.append(f"{cname}.{f} {getattr(st, f).offset}")
        lines.append("return 0; }")
        src, exe = os.path.join(self.tmp.name, "layout.c"), os.path.join(self.tmp.name, "layout")
        with open(src, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        subprocess.run([os.environ.get("CC", "cc"), "-std=c11", "-I", os.path.join(ROOT, "include"), "-o", exe, src],
                       check=True)
        got = subprocess.run([exe], capture_output=True, text=True, check=True).stdout.split("\n")[:-1]
        self.assertEqual(got, want)

    def test_entry_points(self):
        m = self.m
        self.assertEqual(m.k, 10)
        z = m.logits(self.x)
        self.assertEqual((z.shape, z.dtype), ((N, 10), np.float32))
        np.testing.assert_array_equal(m.logits(self.x8), z)             # uint8, converted
        np.testing.assert_array_equal(m.logits(self.x.reshape(N, 28, 28)), z)
        np.testing.assert_array_equal(m.predict(self.x), z.argmax(1))
        self.assertGreater(np.mean(m.predict(self.x) == self.y), 0.2)
        s = m.sigma(self.x, passes=5)
        self.assertEqual((s.shape, s.dtype), ((N,), np.float32))
        self.assertTrue((s >= 0).all() and (s > 0).any())
        np.testing.assert_array_equal(m.sigma(self.x, passes=5), s)
        out = os.path.join(self.tmp.name, "sigma.npy")
        run("uncertainty", "--teacher", self.path, "--images", self.xs, "--labels", self.ys, "--passes", 5,
            "--out", out, "--quiet")
        np.testing.assert_allclose(s, np.load(out), rtol=1e-5)

    def test_every_attack(self):
        for kind in edd.ATTACKS:
            with self.subTest(kind=kind):
                r = edd.attack(self.m, self.x[:8], self.y[:8], kind=kind, **SMALL[kind])
                adv, outcome = r
                self.assertEqual((adv.shape, adv.dtype), ((8, 1, 28, 28), np.float32))
                self.assertTrue(0 <= adv.min() and adv.max() <= 1)
                self.assertTrue(set(outcome) <= set(edd.OUTCOMES))
                for o in edd.OUTCOMES:
                    self.assertEqual(np.mean(outcome == o), r.scores[o])
                self.assertEqual(r.robust_accuracy, 1 - r.scores["misclassified"])

    def test_pgd_equals_cli(self):
        adv_out = os.path.join(self.tmp.name, "adv.npy")
        line = run("attack", "--attack", "pgd", "--model", self.path, "--images", self.xs, "--labels", self.ys,
                   "--steps", 10, "--seed", 3, "--adv-out", adv_out, "--quiet")
        cli = json.loads(line)
        r = edd.attack(self.m, self.x, self.y, kind="pgd", steps=10, seed=3)
        self.assertEqual(r.adv.tobytes(), np.load(adv_out).tobytes())
        for key in ("clean_accuracy", "recovered", "detected", "misclassified", "attack_success"):
            self.assertAlmostEqual(r.scores[key], cli[key], places=6, msg=key)

    def test_errors(self):
        x, y, m = self.x, self.y, self.m
        cases = [  # name, call, expected fragment of the message
            ("missing model", lambda: edd.Model.load("/nonexistent/m.edd"), "/nonexistent/m.edd: cannot open"),
            ("not a model", lambda: edd.Model.load(self.xs), self.xs),
            ("shape", lambda: m.logits(x.reshape(N, 784)), "shape (40, 784), expected N x 1 x 28 x 28"),
            ("no images", lambda: m.logits(x[:0]), "with N >= 1"),
            ("dtype", lambda: m.predict(x.astype(np.float64)), "dtype float64, expected float32"),
            ("range", lambda: m.logits(x * 2), "expected float32 in [0, 1]"),
            ("nan", lambda: m.sigma(np.full_like(x, np.nan)), "NaN or infinite"),
            ("label count", lambda: edd.attack(m, x, y[:5]), "shape (5,), expected (40,)"),
            ("label dtype", lambda: edd.attack(m, x, y.astype(np.float32)), "expected integers 0..9"),
            ("label range", lambda: edd.attack(m, x, y + 10), "expected 0..9"),
            ("kind", lambda: edd.attack(m, x, y, kind="deepfool"), "kind 'deepfool', expected one of fgm"),
            ("unknown option", lambda: edd.attack(m, x, y, stpes=3), "unknown attack option 'stpes', expected one of"),
            ("option of another attack", lambda: edd.attack(m, x, y, kind="fgm", steps=3),
             "--steps does not apply to --attack fgm (it is an option of --attack pgd|apgd|apgd-t|fmn"),
            ("option value", lambda: edd.attack(m, x, y, ord="1"), "--ord '1': expected inf or 2"),
            ("range", lambda: edd.attack(m, x, y, steps=0), "--steps '0': expected an integer in 1..1000000"),
            ("eps for the norm", lambda: edd.attack(m, x, y, eps=3), "--eps 3 with --ord inf: expected a number in (0, 1]"),
        ]
        for name, call, fragment in cases:
            with self.subTest(name=name):
                with self.assertRaises(edd.Error) as cm:
                    call()
                self.assertIn(fragment, str(cm.exception))

    def test_options_refused_as_the_cli_refuses_them(self):
        """One table: each refusal is edd attack's own message, word for word."""
        cases = [("pgd", {"eps": 3}, ["--eps", "3"]), ("pgd", {"steps": 0}, ["--steps", "0"]),
                 ("fgm", {"seed": 3}, ["--seed", "3"]), ("cw", {"cw_goal": "away"}, ["--cw-goal", "away"]),
                 ("pgd", {"margin_cap": 5}, ["--margin-cap", "5"]), ("apgd", {"loss": "all"}, ["--loss", "all"]),
                 ("square", {"p_init": 2}, ["--p-init", "2"]), ("cw", {"learning_rate": 0}, ["--learning-rate", "0"]),
                 ("pgd", {"rand_start": 0}, ["--rand-start", "0"]),
                 ("apgd", {"no_rand_start": True}, ["--no-rand-start"])]
        for kind, opts, argv in cases:
            with self.subTest(kind=kind, opts=opts):
                with self.assertRaises(edd.Error) as cm:
                    edd.attack(self.m, self.x[:2], self.y[:2], kind=kind, **opts)
                p = subprocess.run([EDD, "attack", "--attack", kind, "--model", self.path, *argv], capture_output=True,
                                   text=True)
                self.assertEqual(p.returncode, 2)
                self.assertEqual(p.stderr.split("\n")[0], "edd attack: " + str(cm.exception))

    def test_library_lookup(self):
        code = "import edd\ntry:\n    edd.Model.load('x')\nexcept edd.Error as e:\n    print(e)\n"
        env = dict(os.environ, EDD_LIB="/nonexistent/libedd.so.0", PYTHONPATH=os.path.join(ROOT, "python"))
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout
        self.assertIn("$EDD_LIB: /nonexistent/libedd.so.0 (missing)", out)

    def test_logits_equal_pytorch(self):
        try:
            import torch
            import edd_model
        except ImportError as e:
            self.skipTest(f"{e}: the binding's logits were NOT compared with PyTorch")
        d = os.path.join(self.tmp.name, "exp")
        run("export", "--model", self.path, "--dir", d)
        with torch.no_grad():
            theirs = edd_model.load_exported(d)(torch.from_numpy(self.x)).numpy()
        err, scale = np.abs(self.m.logits(self.x) - theirs).max(), np.abs(theirs).max()
        self.assertLessEqual(err, 1e-4 * max(scale, 1.0))

    def test_installed_example(self):
        """examples/attack.py from a `make install`ed prefix, PYTHONPATH only: the CLI's robust accuracy."""
        dest, prefix = os.path.join(self.tmp.name, "dest"), "/usr/local"
        subprocess.run(["make", "--no-print-directory", "-s", "install", f"DESTDIR={dest}", f"PREFIX={prefix}"],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        env = {k: v for k, v in os.environ.items() if k not in ("EDD_LIB", "PYTHONPATH")}
        env["PYTHONPATH"] = f"{dest}{prefix}/lib/python3/dist-packages"
        where = subprocess.run([sys.executable, "-c", "import edd; print(edd._libedd()._name)"], env=env,
                               cwd=self.tmp.name, capture_output=True, text=True, check=True).stdout.strip()
        self.assertEqual(where, f"{dest}{prefix}/lib/libedd.so.0")
        p = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "attack.py"), self.path, self.xs, self.ys],
                           env=env, cwd=self.tmp.name, capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        cli = json.loads(run("attack", "--attack", "pgd", "--model", self.path, "--images", self.xs, "--labels",
                             self.ys, "--steps", 40, "--quiet"))
        self.assertIn("robust accuracy under PGD (eps 0.3, 40 steps): %.4f" % (1 - cli["misclassified"]), p.stdout)


if __name__ == "__main__":
    unittest.main()
