"""Robust accuracy of a model under PGD, from Python (docs/CLI.md, "Python").
usage: PYTHONPATH=python python3 examples/attack.py MODEL.edd IMAGES.npy LABELS.npy [EPS]
(images: N x 1 x 28 x 28 float32 in [0, 1] or uint8; labels: N ints, e.g. from
`edd predict --images`, or MNIST's test set saved with numpy)."""
import sys

import numpy as np

import edd

model = edd.Model.load(sys.argv[1])
x, y = np.load(sys.argv[2]), np.load(sys.argv[3])
eps = float(sys.argv[4]) if len(sys.argv) > 4 else 0.3
print("clean accuracy %.4f" % np.mean(model.predict(x) == y))
adv, outcome = edd.attack(model, x, y, kind="pgd", eps=eps, steps=40)
print("robust accuracy under PGD (eps %g, 40 steps): %.4f" % (eps, np.mean(outcome != "misclassified")))
