"""scripts/bench-compare refuses a saved run of a single repeat (make
bench-save BENCH_REPEATS=1): it has no spread, so two such runs of the same
commit under load differ past any threshold. Each case is one row: the
repeats of the old and the new file, the exit, a fragment of the output.
Run by `make check`: /usr/bin/python3 -m unittest discover -s tests -p 'bench_*_test.py'"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMPARE = os.path.join(ROOT, "scripts", "bench-compare")
MACHINE = {"cpu": "AMD EPYC", "isa": ["avx2"], "onednn": "2.6.3", "onednn_isa": "avx2", "threads": 2}

# name, old's runs, new's runs, "repeats" in the files (None: not written), exit, fragment
CASES = [
    ("single repeat, old", [1.0], [1.0, 1.01, 1.02], "auto", 2, "0.json: figures of 1 repeat, expected 2 or more"),
    ("single repeat, new", [1.0, 1.01, 1.02], [1.3], "auto", 2, "1.json: figures of 1 repeat"),
    ("single repeats, the issue's false FAIL", [1.0], [1.3], "auto", 2, "make bench-save BENCH_REPEATS=3"),
    ("no repeats field, one run", [1.0], [1.0], None, 2, "figures of 1 repeat"),
    ("three repeats", [1.0, 1.01, 1.02], [1.0, 1.0, 1.01], "auto", 0, "1 within noise"),
]


def saved(runs, repeats):
    doc = {"format": "edd-bench/1", "machine": MACHINE, "quick": True,
           "figures": {"cw.s": {"better": "lower", "runs": runs, "best": min(runs)}}}
    if repeats is not None:
        doc["repeats"] = len(runs)
    return doc


class BenchRepeats(unittest.TestCase):
    def test_cases(self):
        with tempfile.TemporaryDirectory() as d:
            for name, old, new, repeats, want, says in CASES:
                with self.subTest(name=name):
                    paths = []
                    for i, runs in enumerate((old, new)):
                        paths.append(os.path.join(d, f"{i}.json"))
                        with open(paths[-1], "w") as f:
                            json.dump(saved(runs, repeats), f)
                    p = subprocess.run([sys.executable, COMPARE, *paths], capture_output=True, text=True)
                    self.assertEqual(p.returncode, want, p.stdout + p.stderr)
                    self.assertIn(says, p.stdout + p.stderr)

    def test_help_gives_the_recipe(self):
        out = subprocess.run([sys.executable, COMPARE, "--help"], capture_output=True, text=True).stdout
        self.assertIn("make bench-save BENCH_SAVE=/tmp/main.json", out)
        self.assertIn("make bench-check", out)


if __name__ == "__main__":
    unittest.main()
