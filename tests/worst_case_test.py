"""scripts/worst-case.py against edd itself: two PGD runs on a small trained
model, whose accuracies the script must give to the image, a worst case no
higher than either, and refusals of arrays outside the budget or of the wrong
shape. Run by `make check` after the reference models exist:
EDD_DATA_DIR=data /usr/bin/python3 -m unittest discover -s tests -p worst_case_test.py"""
import csv
import json
import os
import re
import subprocess
import tempfile
import unittest

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EDD = os.path.join(ROOT, "edd")
SCRIPT = os.path.join(ROOT, "scripts", "worst-case.py")
MODEL = os.path.join(ROOT, "build", "ref", "t.edd")  # trained by `make check`
N = 200


def script(*args):
    return subprocess.run(["/usr/bin/python3", SCRIPT, "--edd", EDD, *args], capture_output=True, text=True)


class WorstCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.runs = []
        for loss in ("real", "margin"):
            npy = os.path.join(cls.dir.name, f"pgd-{loss}.npy")
            out = subprocess.run([EDD, "attack", "--attack", "pgd", "--model", MODEL, "--eps", "0.1", "--steps", "5",
                                  "--loss", loss, "--test-limit", str(N), "--threads", "1", "--quiet",
                                  "--adv-out", npy], capture_output=True, text=True, check=True)
            cls.runs.append((npy, json.loads(out.stdout)))

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def figures(self, out):
        return {m.group(1): float(m.group(2)) for m in re.finditer(r"^  (.+): ([0-9.]+)% ", out, re.M)}

    def test_matches_edd_and_worst_is_lowest(self):
        table = os.path.join(self.dir.name, "worst.csv")
        r = script("--eps", "0.1", "--block", "100", "--csv", table, MODEL, *(npy for npy, _ in self.runs))
        self.assertEqual(r.returncode, 0, r.stderr)
        f = self.figures(r.stdout)
        self.assertAlmostEqual(f["clean"], 100 * self.runs[0][1]["clean_accuracy"], places=2)
        for npy, js in self.runs:
            self.assertAlmostEqual(f[os.path.basename(npy)], 100 * js["recovered"], places=2, msg=r.stdout)
        with open(table, newline="", encoding="utf-8") as t:
            rows = list(csv.DictReader(t))
        whole = {k: v for k, v in f.items() if not re.fullmatch(r"[0-9]+-[0-9]+", k)}
        full = {row["row"]: row for row in rows if row["first"] == "0" and row["last"] == str(N - 1)}
        self.assertEqual(set(full), set(whole))
        for name, pct in whole.items():
            self.assertEqual(int(full[name]["images"]), N)
            self.assertAlmostEqual(100 * float(full[name]["accuracy"]), pct, places=2)
            self.assertEqual(int(full[name]["correct"]), round(float(full[name]["accuracy"]) * N))
        for name in whole:
            blocks = [row for row in rows if row["row"] == name and row not in full.values()]
            self.assertEqual([(b["first"], b["last"]) for b in blocks], [("0", "99"), ("100", "199")])
            self.assertEqual(sum(int(b["correct"]) for b in blocks), int(full[name]["correct"]))
        worst = f["worst case over 2"]
        self.assertLessEqual(worst, min(f[os.path.basename(npy)] for npy, _ in self.runs))
        self.assertLess(worst, f["clean"], "PGD at eps 0.1 breaks none of 200 images of a 1-epoch model")
        self.assertEqual(len(re.findall(r"^  (0-99|100-199): ", r.stdout, re.M)), 2, r.stdout)

    def test_refuses_outside_budget(self):
        r = script("--eps", "0.05", MODEL, self.runs[0][0])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("expected at most eps 0.05", r.stderr)

    def test_refuses_wrong_shape(self):
        bad = os.path.join(self.dir.name, "bad.npy")
        np.save(bad, np.zeros((N, 784), np.float32))
        r = script("--eps", "0.1", MODEL, self.runs[0][0], bad)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("expected (200, 1, 28, 28) float32", r.stderr)


if __name__ == "__main__":
    unittest.main()
