#!/usr/bin/env python3
"""numbers_check_test.py - scripts/numbers_check.py fails on a typed figure no committed file holds (issue 26).

A made-up repository: a results CSV holding 12.34 and 0.875 and 3443; a README whose figures are held as they are,
as a percentage, as minutes of seconds, or are not held; an allow list with a reason. Each case runs the check and
asserts its exit status and the line it names."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

CHECK = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts", "numbers_check.py")


def run(root):
    p = subprocess.run([sys.executable, CHECK, "--root", root], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


class NumbersCheck(unittest.TestCase):
    def tree(self, readme, allow=""):
        d = tempfile.mkdtemp(prefix="numbers_check.")
        self.addCleanup(shutil.rmtree, d)
        os.makedirs(os.path.join(d, "docs", "results", "run"))
        with open(os.path.join(d, "docs", "results", "run", "a.csv"), "w") as f:
            f.write("name,value\nx,12.34\ny,0.875\nwall,3443\n")
        with open(os.path.join(d, "docs", "numbers-allow.txt"), "w") as f:
            f.write("# FILE | FIGURE | REASON\n" + allow)
        with open(os.path.join(d, "README.md"), "w") as f:
            f.write(readme)
        return d

    def test_held_figures_pass(self):
        rc, out = run(self.tree("It took 12.3 s, 87.5% were right, in about 57 minutes; `99.9 s` is code.\n"
                                "<!-- edd-table: t -->\n| 77.7 s |\n<!-- /edd-table -->\n```sh\nmake # 66.6 s\n```\n"))
        self.assertEqual(rc, 0, out)
        self.assertIn("3 figures", out)

    def test_a_figure_no_file_holds_fails(self):
        rc, out = run(self.tree("It took 12.3 s and then 45.6 s.\n"))
        self.assertEqual(rc, 1, out)
        self.assertIn("README.md:1: '45.6 s'", out)

    def test_an_allowed_figure_passes_and_a_stale_entry_fails(self):
        rc, out = run(self.tree("A floor of 90% clean accuracy.\n", "README.md | 90% | a threshold of the check\n"))
        self.assertEqual(rc, 0, out)
        rc, out = run(self.tree("No figure.\n", "README.md | 90% | a threshold of the check\n"))
        self.assertEqual(rc, 1, out)
        self.assertIn("matches no figure any more", out)

    def test_a_changed_result_fails(self):
        d = self.tree("It took 12.3 s.\n")
        self.assertEqual(run(d)[0], 0)
        with open(os.path.join(d, "docs", "results", "run", "a.csv"), "w") as f:
            f.write("name,value\nx,12.41\n")
        rc, out = run(d)
        self.assertEqual(rc, 1, out)
        self.assertIn("'12.3 s'", out)


if __name__ == "__main__":
    unittest.main()
