#!/usr/bin/env python3
"""Hold edd's CNN to PyTorch, as llm.c's test_gpt2.c holds its GPT-2 to the
reference: the forward pass, the input gradient and three Adam steps.

1. Logits: `edd export` MODEL, rebuild the same network in PyTorch
   (python/edd_model.py's EddCNN, the class edd ships) with those weights, and compare
   its logits on the first 500 test images with `edd predict`'s.
2. Input gradient: `edd attack --attack fgm --ord 2 --eps 1` on MODEL writes
   clip(x + g/||g||_2) for g = dCE(z, label)/dx on each image; PyTorch
   computes the same from its own gradient. Where no clipping happens the
   two differ by the error of the normalised gradient itself.
3. Three Adam steps: `edd train --epochs 0` writes a fresh model (the
   initial weights), `edd train --epochs 1 --batch 128 --train-limit 384
   --no-dropout` takes exactly three Adam steps from them over the batches
   of edd's seeded permutation (edd_rng_permutation in src/core/core.c,
   rebuilt below); PyTorch takes the same three steps with torch.optim.Adam
   from the same weights on the same batches, and the weights are compared.

Usage: tests/torch_reference.py EDD MODEL.edd WORKDIR
Exit 0 when every comparison holds, 1 on a mismatch, and 0 with a loud
"torch_reference: SKIPPED" line when numpy or torch is missing."""
import os
import subprocess
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as missing:
    print(f"torch_reference: SKIPPED: {missing}; edd was NOT compared with PyTorch "
          f"(install numpy and torch for {sys.executable})", flush=True)
    sys.exit(0)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
import edd_model  # noqa: E402  (the model class edd ships: python/edd_model.py)

N_TEST = 500                       # test images for the logits and the gradients
SEED, BATCH, STEPS = 1, 128, 3     # edd train's default seed and batch; 3 Adam steps
NAMES = ["conv1", "conv2", "conv3", "fc"]
M64 = (1 << 64) - 1
M32 = (1 << 32) - 1


def run(*args):
    subprocess.run([str(a) for a in args], check=True, stdout=subprocess.DEVNULL)


def mnist(split, n):
    """First n images ([n,1,28,28] in [0,1]) and labels of an MNIST split."""
    d = os.path.join(os.environ.get("EDD_DATA_DIR", "data"), "mnist")
    img = np.fromfile(f"{d}/{split}-images-idx3-ubyte", dtype=np.uint8, offset=16, count=n * 784)
    lab = np.fromfile(f"{d}/{split}-labels-idx1-ubyte", dtype=np.uint8, offset=8, count=n)
    return torch.from_numpy(img.astype(np.float32).reshape(n, 1, 28, 28) / 255.0), torch.from_numpy(lab.astype(np.int64))


def load_net(edd, model, work):
    """edd_model.EddCNN in eval mode (no dropout) with the weights of an edd
    model, and its four layers."""
    run(edd, "export", "--model", model, "--dir", work)
    net = edd_model.load_exported(work)
    return net, net.layers()


# ---- edd's counter-based RNG (src/core/core.c, include/edd/core.h) ----

def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def rng_key(seed, stream, index):
    k = mix64((seed + 0x9E3779B97F4A7C15) & M64)
    k = mix64(k ^ ((stream + 0x632BE59BD9B4E019) & M64))
    return mix64(k ^ ((index + 0x8CB92BA72F3D8DD7) & M64))


def avalanche(x):
    x ^= x >> 16
    x = (x * 0x7FEB352D) & M32
    x ^= x >> 15
    x = (x * 0x846CA68B) & M32
    return x ^ (x >> 16)


def rng_u32(key, ctr):
    x = avalanche((ctr * 0x9E3779B9 + (key & M32)) & M32)
    return avalanche(x ^ (key >> 32))


def rng_permutation(seed, stream, n):
    key = rng_key(seed, stream, 0x5EED)
    perm = list(range(n))
    for i in range(n, 1, -1):
        r = (rng_u32(key, (2 * i) & M32) << 32) | rng_u32(key, (2 * i + 1) & M32)
        j = r % i
        perm[i - 1], perm[j] = perm[j], perm[i - 1]
    return perm


# ---- the three comparisons ----

def check_logits(edd, model, work, net, x):
    run(edd, "predict", "--model", model, "--logits", f"{work}/logits.npy", "--test-limit", N_TEST)
    ours = np.load(f"{work}/logits.npy")
    with torch.no_grad():
        theirs = net(x).numpy()
    err, scale = np.abs(ours - theirs).max(), np.abs(theirs).max()
    agree = (ours.argmax(1) == theirs.argmax(1)).mean()
    ok = err <= 1e-4 * max(scale, 1.0) and agree == 1.0
    print(f"torch_reference: logits, {N_TEST} images, K={ours.shape[1]}: max |edd - torch| = {err:.3g} "
          f"(logits up to {scale:.3g}), argmax agreement {agree:.4f}")
    return ok


def check_input_gradient(edd, model, work, net, x, y):
    run(edd, "attack", "--attack", "fgm", "--ord", "2", "--eps", "1", "--model", model,
        "--test-limit", N_TEST, "--adv-out", f"{work}/adv.npy")
    ours = np.load(f"{work}/adv.npy")
    xg = x.clone().requires_grad_(True)
    F.cross_entropy(net(xg), y, reduction="sum").backward()
    g = xg.grad.reshape(N_TEST, -1)
    gn = g / g.norm(dim=1, keepdim=True)
    theirs = (x.reshape(N_TEST, -1) + gn).clamp(0.0, 1.0).reshape(ours.shape).numpy()
    err, scale = np.abs(ours - theirs).max(), gn.abs().max().item()
    ok = err <= 1e-5 * scale
    print(f"torch_reference: input gradient, {N_TEST} images: max |edd - torch| of x + g/||g|| = {err:.3g} "
          f"(g/||g|| up to {scale:.3g})")
    return ok


def check_adam(edd, work):
    n = STEPS * BATCH
    start, after = f"{work}/adam0.edd", f"{work}/adam3.edd"
    common = ["--data", "mnist", "--seed", SEED, "--batch", BATCH, "--train-limit", n, "--no-dropout", "--quiet"]
    run(edd, "train", "--out", start, "--epochs", 0, *common)
    run(edd, "train", "--out", after, "--epochs", 1, *common)
    net, layers = load_net(edd, start, f"{work}/adam0")
    params = [p for layer in layers for p in (layer.weight, layer.bias)]
    opt = torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    x, y = mnist("train", n)
    perm = torch.tensor(rng_permutation(SEED, 0, n))
    for s in range(STEPS):
        idx = perm[s * BATCH:(s + 1) * BATCH]
        opt.zero_grad()
        F.cross_entropy(net(x[idx]), y[idx]).backward()
        opt.step()
    _, ours = load_net(edd, after, f"{work}/adam3")
    _, init = load_net(edd, start, f"{work}/adam0")
    ok = True
    for name, mine, theirs, first in zip(NAMES, ours, layers, init):
        for part in ("weight", "bias"):
            a, b, w0 = (getattr(m, part).detach() for m in (mine, theirs, first))
            err, moved = (a - b).abs().max().item(), (b - w0).abs().max().item()
            rel = ((a - b).norm() / (b - w0).norm()).item()
            # Adam moves a parameter by about lr a step whatever the size of its
            # gradient, so where a gradient is near zero or changes sign between
            # steps, float rounding in it shows in the update: a few parameters
            # may differ by a tenth of a step; the update as a whole by 0.2%.
            ok &= err <= 0.1 * moved and rel <= 2e-3
            print(f"torch_reference: {STEPS} Adam steps, {name}.{part}: max |edd - torch| = {err:.3g} "
                  f"(moved up to {moved:.3g}), ||edd - torch|| / ||torch update|| = {rel:.3g}")
    return ok


def main():
    edd, model, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    net, _ = load_net(edd, model, work)
    x, y = mnist("t10k", N_TEST)
    ok = check_logits(edd, model, work, net, x)
    ok &= check_input_gradient(edd, model, work, net, x, y)
    ok &= check_adam(edd, work)
    if not ok:
        print("torch_reference: FAILED: edd and PyTorch disagree beyond the tolerances above")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
