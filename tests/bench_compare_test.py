"""scripts/bench-compare on crafted saved runs: faster, slower, within noise,
the threshold, different CPUs, bad files. Run by `make check`:
/usr/bin/python3 -m unittest discover -s tests -p bench_compare_test.py"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMPARE = os.path.join(ROOT, "scripts", "bench-compare")
MACHINE = {"cpu": "AMD EPYC", "isa": ["avx", "avx2", "fma"], "onednn": "2.6.3", "onednn_isa": "avx2", "threads": 2}


def saved(figures, machine=None):
    """A saved run: figures is {name: (better, [runs])}."""
    figs = {}
    for name, (better, runs) in figures.items():
        figs[name] = {"better": better, "runs": runs, "best": min(runs) if better == "lower" else max(runs)}
    return {"format": "edd-bench/1", "machine": dict(MACHINE, **(machine or {})), "quick": True,
            "repeats": 3, "figures": figs}


class BenchCompare(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def compare(self, old, new, *opts):
        paths = []
        for i, doc in enumerate((old, new)):
            paths.append(os.path.join(self.dir.name, f"{i}.json"))
            with open(paths[-1], "w") as f:
                f.write(doc if isinstance(doc, str) else json.dumps(doc))
        p = subprocess.run([sys.executable, COMPARE, *paths, *opts], capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr

    def line(self, out, name):
        return next(l for l in out.splitlines() if f" {name} " in l)

    def test_faster(self):
        rc, out = self.compare(saved({"cw.s": ("lower", [2.0, 2.02, 2.04]), "train.img_s": ("higher", [100, 99, 98])}),
                               saved({"cw.s": ("lower", [1.5, 1.51, 1.52]), "train.img_s": ("higher", [130, 129, 128])}))
        self.assertEqual(rc, 0, out)
        self.assertTrue(self.line(out, "cw.s").startswith("faster"), out)
        self.assertTrue(self.line(out, "train.img_s").startswith("faster"), out)
        self.assertIn("2 faster, 0 slower", out)

    def test_slower_past_threshold_fails(self):
        # a throughput down 20% is a cost up 25%
        rc, out = self.compare(saved({"train.img_s": ("higher", [100, 99, 98]), "cw.s": ("lower", [1.0, 1.01, 1.02])}),
                               saved({"train.img_s": ("higher", [80, 79, 78]), "cw.s": ("lower", [1.0, 1.0, 1.01])}))
        self.assertEqual(rc, 1, out)
        self.assertTrue(self.line(out, "train.img_s").startswith("slower"), out)
        self.assertIn("+25.0% cost", out)
        self.assertIn("FAIL", self.line(out, "train.img_s"))
        self.assertTrue(self.line(out, "cw.s").startswith("within noise"), out)
        self.assertIn("1 past the 10% threshold", out)

    def test_slower_below_threshold_passes(self):
        rc, out = self.compare(saved({"cw.s": ("lower", [1.0, 1.005, 1.01])}), saved({"cw.s": ("lower", [1.06, 1.06, 1.07])}))
        self.assertEqual(rc, 0, out)
        self.assertTrue(self.line(out, "cw.s").startswith("slower"), out)
        self.assertNotIn("FAIL", out)

    def test_threshold_option(self):
        old, new = saved({"cw.s": ("lower", [1.0, 1.005, 1.01])}), saved({"cw.s": ("lower", [1.06, 1.06, 1.07])})
        rc, out = self.compare(old, new, "--threshold", "5")
        self.assertEqual(rc, 1, out)
        self.assertIn("past the 5% threshold", out)

    def test_within_noise(self):
        # 30% slower, but the repeats of the old run spread over 50%: no verdict, no failure
        rc, out = self.compare(saved({"jsma.ms": ("lower", [10.0, 15.0, 12.0])}), saved({"jsma.ms": ("lower", [13.0, 13.5, 14.0])}))
        self.assertEqual(rc, 0, out)
        self.assertTrue(self.line(out, "jsma.ms").startswith("within noise"), out)
        self.assertIn("noise 50.0%", out)

    def test_different_cpu_warns(self):
        fig = {"cw.s": ("lower", [1.0, 1.0, 1.0])}
        rc, out = self.compare(saved(fig), saved(fig, {"cpu": "Intel Xeon", "isa": ["avx2", "avx512f"]}))
        self.assertEqual(rc, 0, out)
        self.assertIn("warning: different CPUs", out)
        rc, out = self.compare(saved(fig), saved(fig))
        self.assertNotIn("warning", out)

    def test_figures_in_one_file_only(self):
        rc, out = self.compare(saved({"cw.s": ("lower", [1.0]), "fgm.us": ("lower", [3.0])}), saved({"cw.s": ("lower", [1.0])}))
        self.assertEqual(rc, 0, out)
        self.assertIn("fgm.us", out)

    def test_bad_file(self):
        rc, out = self.compare("{not json", saved({}))
        self.assertEqual(rc, 2, out)
        rc, out = self.compare({"figures": {}}, saved({}))
        self.assertEqual(rc, 2, out)
        self.assertIn("not a saved bench run", out)

    def test_help(self):
        p = subprocess.run([COMPARE, "--help"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0)
        self.assertIn("--threshold", p.stdout)


if __name__ == "__main__":
    unittest.main()
