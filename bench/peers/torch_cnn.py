#!/usr/bin/env python3
"""PyTorch peer of edd's CNN (design.md section 2): speed of the same work in PyTorch.

Usage: /usr/bin/python3 bench/peers/torch_cnn.py --threads 2 --what train,mc,sgemm,jsma
Human-readable lines go to stderr; the last line of stdout is one JSON object.
"""
import argparse
import json
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

NF = 784            # features per image (1x28x28)
BATCH = 128         # training and MC batch
MC_PASSES = 20      # MC-dropout passes folded into one batch
JSMA_GAMMA = 0.1    # JSMA: at most floor(NF * gamma / 2) = 39 steps of two pixels
JSMA_B = 200        # images per batched JSMA run
JSMA_SINGLE = 5     # images for the per-image full-Jacobian variant


def model_mnist(k=10):
    """cleverhans v1.0.0 model_mnist, NCHW."""
    return nn.Sequential(
        nn.Dropout(0.2),
        nn.Conv2d(1, 64, 8, stride=2, padding=3), nn.ReLU(),  # SAME -> 64x14x14
        nn.Conv2d(64, 128, 6, stride=2), nn.ReLU(),           # VALID -> 128x5x5
        nn.Conv2d(128, 128, 5), nn.ReLU(),                    # VALID -> 128x1x1
        nn.Dropout(0.5),
        nn.Flatten(),
        nn.Linear(128, k),
    )


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def measure(fn, items, seconds, min_reps=3):
    """Items per second of fn(): one warm-up call, then the median over timed calls
    repeated until `seconds` have passed (at least min_reps calls)."""
    fn()
    rates, start = [], time.perf_counter()
    while len(rates) < min_reps or time.perf_counter() - start < seconds:
        t = time.perf_counter()
        fn()
        rates.append(items / (time.perf_counter() - t))
    return statistics.median(rates)


def bench_train(seconds):
    model = model_mnist().train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(BATCH, 1, 28, 28)
    y = torch.randint(0, 10, (BATCH,))

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return measure(step, BATCH, seconds)


def bench_mc(seconds):
    model = model_mnist().train()  # dropout stays on: every pass is a different sample
    x128 = torch.rand(BATCH, 1, 28, 28)
    folded = x128.repeat(MC_PASSES, 1, 1, 1)  # the N passes as one batch of 128*N
    with torch.no_grad():
        return (measure(lambda: model(folded), folded.shape[0], seconds),
                measure(lambda: model(x128), BATCH, seconds))


def bench_sgemm(seconds, n=2048):
    a, b = torch.rand(n, n), torch.rand(n, n)
    return measure(lambda: torch.mm(a, b), 2 * n ** 3, seconds) / 1e9


def pair_search(alpha, beta, domain):
    """cleverhans v2 saliency_map with increase=True, vectorised over images.

    alpha, beta: (C, NF) gradients of the target and of the other outputs;
    domain: (C, NF) bool, pixels still allowed. Pairs (p, q), p != q, both in the
    domain, with alpha_p+alpha_q > 0 and beta_p+beta_q < 0, score
    -(alpha_p+alpha_q)(beta_p+beta_q); returns the (C,) indices p1, p2 of the argmax
    (pixel 0 twice when no pair qualifies, as np.argmax of all zeros gives)."""
    a_sum = alpha[:, :, None] + alpha[:, None, :]
    b_sum = beta[:, :, None] + beta[:, None, :]
    mask = (a_sum > 0) & (b_sum < 0) & domain[:, :, None] & domain[:, None, :]
    mask &= ~torch.eye(NF, dtype=torch.bool)  # np.fill_diagonal(scores, 0)
    scores = torch.where(mask, -a_sum * b_sum, torch.zeros(()))
    best = scores.view(scores.shape[0], -1).argmax(dim=1)
    return best % NF, best // NF


def jsma_batched(model, x0, target):
    """The fastest PyTorch JSMA we know (theta=+1, clip at 1): the images still running
    share one forward and one backward pass per step, and finished ones leave the batch.

    The softmax probabilities sum to one, so their gradients sum to zero and beta (the
    sum of every other output's gradient) is exactly -alpha: one backward pass of p_t
    per step gives what cleverhans got from all K gradients. With beta = -alpha the
    cleverhans score -(a_p+a_q)(b_p+b_q) is (a_p+a_q)^2 over pairs with a_p+a_q > 0,
    so the best pair is the two largest alpha in the domain: O(NF) per image instead of
    the NF x NF score matrix. Returns the adversarial images and the success mask."""
    x = x0.clone().view(-1, NF)
    domain = x < 1
    active = torch.arange(x.shape[0])
    done = torch.zeros(x.shape[0], dtype=torch.bool)
    for _ in range(int(NF * JSMA_GAMMA / 2) + 1):
        xg = x[active].detach().requires_grad_()
        p = F.softmax(model(xg.view(-1, 1, 28, 28)), dim=1)
        hit = p.argmax(1) == target[active]
        done[active[hit]] = True
        if _ == int(NF * JSMA_GAMMA / 2):
            break
        alpha, = torch.autograd.grad(p[torch.arange(len(active)), target[active]].sum(), xg)
        masked = torch.where(domain[active], alpha, torch.full_like(alpha, -float("inf")))
        top, idx = masked.topk(2, dim=1)
        go = ~hit & (top.sum(1) > 0) & (domain[active].sum(1) >= 2)
        rows, idx = active[go], idx[go]
        x[rows, idx[:, 0]] = 1.0  # min(1, x + theta) with theta = 1
        x[rows, idx[:, 1]] = 1.0
        domain[rows, idx[:, 0]] = False
        domain[rows, idx[:, 1]] = False
        active = rows
        if len(active) == 0:
            break
    return x, done


def jsma_single(model, x0, target, k):
    """JSMA on one image with the full Jacobian: K backward passes per step."""
    x = x0.clone().view(1, NF)
    domain = x < 1
    for _ in range(int(NF * JSMA_GAMMA / 2)):
        xg = x.detach().requires_grad_()
        p = F.softmax(model(xg.view(1, 1, 28, 28)), dim=1)[0]
        jac = torch.stack([torch.autograd.grad(p[j], xg, retain_graph=j < k - 1)[0][0]
                           for j in range(k)])
        alpha = jac[target]
        beta = jac.sum(0) - alpha
        p1, p2 = pair_search(alpha[None], beta[None], domain)
        x[0, p1] = x[0, p2] = 1.0
        domain[0, p1] = domain[0, p2] = False
    return x


def load_jsma_inputs(model_dir, k):
    """The model edd exported (edd export), the images and the targets edd attacks,
    so that both engines run the same attack on the same inputs."""
    model = model_mnist(k).eval()
    layers = [m for m in model if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        for name, layer in zip(["conv1", "conv2", "conv3", "fc"], layers):
            w = np.load(f"{model_dir}/{name}.weight.npy")
            layer.weight.copy_(torch.from_numpy(w).reshape(layer.weight.shape))
            layer.bias.copy_(torch.from_numpy(np.load(f"{model_dir}/{name}.bias.npy")))
    x = torch.from_numpy(np.load(f"{model_dir}/images.npy")).view(-1, 1, 28, 28)
    target = torch.from_numpy(np.load(f"{model_dir}/targets.npy").astype(np.int64))
    return model, x, target


def bench_jsma(seconds, model_dir=None, k=11):
    if model_dir:
        k = np.load(f"{model_dir}/fc.bias.npy").shape[0]
        model, x, target = load_jsma_inputs(model_dir, k)
    else:
        model = model_mnist(k).eval()  # the attack sees the deterministic model
        x = torch.rand(JSMA_B, 1, 28, 28)
        target = torch.randint(0, k - 1, (JSMA_B,))  # real classes only
    success = float(jsma_batched(model, x, target)[1].float().mean())
    batched = measure(lambda: jsma_batched(model, x, target), x.shape[0], seconds)

    def singles():
        for i in range(JSMA_SINGLE):
            jsma_single(model, x[i], int(target[i]), k)
    single = measure(singles, JSMA_SINGLE, seconds)
    return 1e3 / batched, 1e3 / single, success


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--what", default="train,mc,sgemm,jsma",
                    help="comma list of train, mc, sgemm, jsma")
    ap.add_argument("--seconds", type=float, default=3.0,
                    help="time budget per measurement")
    ap.add_argument("--jsma-dir", default=None,
                    help="folder with edd's exported model, images.npy and targets.npy for jsma")
    args = ap.parse_args()
    what = args.what.split(",")
    unknown = set(what) - {"train", "mc", "sgemm", "jsma"}
    if unknown:
        ap.error(f"unknown --what: {','.join(sorted(unknown))}")

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n_params = sum(p.numel() for p in model_mnist().parameters())
    assert n_params == 710218, n_params

    out = {"threads": torch.get_num_threads(), "torch_version": torch.__version__}
    log(f"torch {out['torch_version']}, {out['threads']} threads, {n_params} parameters")
    if "train" in what:
        out["train_img_s"] = bench_train(args.seconds)
        log(f"train (Adam, batch {BATCH}): {out['train_img_s']:.0f} images/s")
    if "mc" in what:
        out["mc_img_pass_s_folded"], out["mc_img_pass_s_b128"] = bench_mc(args.seconds)
        log(f"MC dropout, batch {BATCH * MC_PASSES}: "
            f"{out['mc_img_pass_s_folded']:.0f} image-passes/s")
        log(f"MC dropout, batch {BATCH}: {out['mc_img_pass_s_b128']:.0f} image-passes/s")
    if "sgemm" in what:
        out["sgemm_gflops"] = bench_sgemm(args.seconds)
        log(f"torch.mm 2048^3: {out['sgemm_gflops']:.0f} GFLOP/s")
    if "jsma" in what:
        out["jsma_ms_per_example_batched"], out["jsma_ms_per_example_single"], out["jsma_success"] = \
            bench_jsma(args.seconds, args.jsma_dir)
        log(f"JSMA batched (one gradient per step, success {out['jsma_success']:.3f}): "
            f"{out['jsma_ms_per_example_batched']:.1f} ms/example")
        log(f"JSMA single (B=1, full Jacobian): "
            f"{out['jsma_ms_per_example_single']:.1f} ms/example")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
