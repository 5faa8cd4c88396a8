#!/usr/bin/env python3
"""Issue 27, items 2 and 3: a CNN trained in PyTorch (python/edd_model.py's
EddCNN, 1 epoch on 2,000 MNIST images) goes into edd with `edd import`;
edd's logits must equal PyTorch's within 1e-4 relative, `edd attack` must
run on it, and `edd export` then `edd import` gives the same weights, bit
for bit.

Run by `make check`: EDD=./edd EDD_DATA_DIR=data python3 -m unittest
discover -s tests -p import_test.py. Skipped, saying why, without numpy or
torch."""
import os
import subprocess
import sys
import tempfile
import unittest

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
    import edd_model
    MISSING = None
except ImportError as e:
    MISSING = f"{e}: edd import was NOT compared with PyTorch (install numpy and torch for {sys.executable})"
    print(f"import_test: SKIPPED: {MISSING}", file=sys.stderr, flush=True)

EDD = os.environ.get("EDD", "./edd")
N_TRAIN, N_TEST, BATCH = 2000, 500, 128


def run(*args):
    """edd ARGS; its stdout, or a failure carrying its stderr."""
    p = subprocess.run([EDD, *map(str, args)], capture_output=True, text=True)
    if p.returncode:
        raise AssertionError(f"edd {' '.join(map(str, args))}: exit {p.returncode}: {p.stderr}")
    return p.stdout


def mnist(split, n):
    """First n images ([n,1,28,28] float32 in [0,1]) and labels (int64) of an MNIST split."""
    d = os.path.join(os.environ.get("EDD_DATA_DIR", "data"), "mnist")
    img = np.fromfile(f"{d}/{split}-images-idx3-ubyte", dtype=np.uint8, offset=16, count=n * 784)
    lab = np.fromfile(f"{d}/{split}-labels-idx1-ubyte", dtype=np.uint8, offset=8, count=n)
    return img.astype(np.float32).reshape(n, 1, 28, 28) / 255.0, lab.astype(np.int64)


@unittest.skipIf(MISSING, MISSING)
class ImportFromPyTorch(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="edd_import_")
        torch.manual_seed(0)
        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
        x, y = mnist("train", N_TRAIN)
        net = edd_model.EddCNN(10).train()
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        perm = torch.randperm(N_TRAIN)
        for s in range(0, N_TRAIN, BATCH):
            idx = perm[s:s + BATCH]
            opt.zero_grad()
            F.cross_entropy(net(torch.from_numpy(x[idx])), torch.from_numpy(y[idx])).backward()
            opt.step()
        cls.net = net.eval()
        cls.w = os.path.join(cls.tmp.name, "w")
        edd_model.save_for_import(net, cls.w)
        cls.model = os.path.join(cls.tmp.name, "m.edd")
        run("import", "--dir", cls.w, "--out", cls.model, "--data", "mnist")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_logits_equal_pytorch(self):
        x, _ = mnist("t10k", N_TEST)
        xs, zs = os.path.join(self.tmp.name, "x.npy"), os.path.join(self.tmp.name, "z.npy")
        np.save(xs, x)
        run("predict", "--model", self.model, "--images", xs, "--logits", zs)
        ours = np.load(zs)
        with torch.no_grad():
            theirs = self.net(torch.from_numpy(x)).numpy()
        err, scale = np.abs(ours - theirs).max(), np.abs(theirs).max()
        print(f"import_test: {N_TEST} images: max |edd - torch| = {err:.3g} (logits up to {scale:.3g})")
        self.assertLessEqual(err, 1e-4 * max(scale, 1.0))
        self.assertTrue((ours.argmax(1) == theirs.argmax(1)).all())

    def test_attack_runs(self):
        out = run("attack", "--attack", "fgm", "--model", self.model, "--test-limit", 50, "--quiet")
        self.assertIn('"attack":"fgm"', out)
        info = run("info", "--model", self.model)
        self.assertIn('"dataset":"mnist"', info)
        self.assertIn('"made":"import"', info)

    def test_export_import_same_weights(self):
        e = os.path.join(self.tmp.name, "e")
        again = os.path.join(self.tmp.name, "again.edd")
        run("export", "--model", self.model, "--dir", e)
        run("import", "--dir", e, "--out", again)
        for name in self.net.state_dict():
            a, b = np.load(f"{self.w}/{name}.npy"), np.load(f"{e}/{name}.npy")
            self.assertEqual(a.tobytes(), b.tobytes(), name)
        n = 4 * sum(v.numel() for v in self.net.state_dict().values())
        with open(self.model, "rb") as f1, open(again, "rb") as f2:
            self.assertEqual(f1.read()[32:32 + n], f2.read()[32:32 + n])


if __name__ == "__main__":
    unittest.main()
