#!/usr/bin/env python3
"""Hold edd's CNN to PyTorch: `edd export` a model, rebuild the same network
in PyTorch (bench/peers/torch_cnn.py's model_mnist) with those weights, and
compare its logits on the test images with `edd predict`'s.
Usage: tests/torch_reference.py EDD MODEL.edd WORKDIR   (exit 1 on mismatch;
exit 0 with a note when PyTorch is not installed)."""
import os
import subprocess
import sys

try:
    import numpy as np
    import torch
except ImportError:
    print("torch_reference: skipped (no numpy/torch for this python)")
    sys.exit(0)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench", "peers"))
from torch_cnn import model_mnist  # noqa: E402


def main():
    edd, model, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    subprocess.run([edd, "export", "--model", model, "--dir", work], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([edd, "predict", "--model", model, "--logits", f"{work}/logits.npy", "--test-limit", "500"],
                   check=True, stdout=subprocess.DEVNULL)
    ours = np.load(f"{work}/logits.npy")
    k = ours.shape[1]
    net = model_mnist(k).eval()
    names = ["conv1", "conv2", "conv3", "fc"]
    layers = [m for m in net if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    with torch.no_grad():
        for name, layer in zip(names, layers):
            layer.weight.copy_(torch.from_numpy(np.load(f"{work}/{name}.weight.npy")).reshape(layer.weight.shape))
            layer.bias.copy_(torch.from_numpy(np.load(f"{work}/{name}.bias.npy")))
        raw = np.fromfile(os.path.join(os.environ.get("EDD_DATA_DIR", "data"), "mnist", "t10k-images-idx3-ubyte"),
                          dtype=np.uint8, offset=16)
        x = torch.from_numpy(raw[: 500 * 784].astype(np.float32).reshape(500, 1, 28, 28) / 255.0)
        theirs = net(x).numpy()
    err = np.abs(ours - theirs).max()
    scale = np.abs(theirs).max()
    agree = (ours.argmax(1) == theirs.argmax(1)).mean()
    print(f"torch_reference: 500 images, K={k}: max |edd - torch| = {err:.3g} (logits up to {scale:.3g}), "
          f"argmax agreement {agree:.4f}")
    return 0 if err <= 1e-4 * max(scale, 1.0) and agree == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
