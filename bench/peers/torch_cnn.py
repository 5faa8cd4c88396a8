#!/usr/bin/env python3
"""PyTorch peer of edd's CNN (docs/DESIGN.md section 2): speed of the same work in PyTorch.

Usage: /usr/bin/python3 bench/peers/torch_cnn.py --threads 2 --what train,mc,sgemm,jsma,cw,fgm,pgd
        [--inputs-dir DIR]
The attacks (jsma, cw, fgm, pgd) run on edd's own model and images when DIR holds
them (bench/common.h bench_torch_on writes it), else on random ones.
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
CW_B = 100          # CW-L2: images optimised together (edd_cw_opts_default: batch)
CW_KAPPA = 0.0      # edd_cw_opts_default: confidence 0, c = 1, AdaDelta lr 1, rho 0.95, eps 1e-3
CW_C, CW_LR, CW_RHO, CW_EPS = 1.0, 1.0, 0.95, 1e-3
FGM_EPS = 0.3       # edd_fgm_opts_default: L-inf, clip [0, 1]
FGM_ROWS = 256      # images per forward and backward pass (edd's gradder pieces)
FGM_N = 10000       # random images when there are no inputs
FGM_ACC = 1000      # adversarial images whose accuracy is reported (as bench/fgm.c)
PGD_STEPS = 10      # bench/fgm.c's PGD: eps FGM_EPS, L-inf, the margin loss, one restart
PGD_N = 2000        # random images when there are no inputs


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


def load_inputs(model_dir):
    """The model edd exported (edd export), the images (N x 1 x 28 x 28) and one
    class per image (labels.npy: the targets, or the true labels for FGM), so that
    both engines run the same attack on the same inputs."""
    k = np.load(f"{model_dir}/fc.bias.npy").shape[0]
    model = model_mnist(k).eval()
    layers = [m for m in model if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        for name, layer in zip(["conv1", "conv2", "conv3", "fc"], layers):
            w = np.load(f"{model_dir}/{name}.weight.npy")
            layer.weight.copy_(torch.from_numpy(w).reshape(layer.weight.shape))
            layer.bias.copy_(torch.from_numpy(np.load(f"{model_dir}/{name}.bias.npy")))
    x = torch.from_numpy(np.load(f"{model_dir}/images.npy")).view(-1, 1, 28, 28)
    labels = torch.from_numpy(np.load(f"{model_dir}/labels.npy").astype(np.int64))
    return model, x, labels, k


def attack_inputs(model_dir, n, k):
    """load_inputs(model_dir), or a random K-output model, n random images and
    random real-class labels; parameters never need a gradient in an attack."""
    if model_dir:
        model, x, labels, k = load_inputs(model_dir)
    else:
        model = model_mnist(k).eval()  # the attack sees the deterministic model
        x = torch.rand(n, 1, 28, 28)
        labels = torch.randint(0, min(k, 10), (n,))  # real classes only
    for p in model.parameters():
        p.requires_grad_(False)
    return model, x, labels, k


def bench_jsma(seconds, model_dir=None):
    model, x, target, k = attack_inputs(model_dir, JSMA_B, 11)
    success = float(jsma_batched(model, x, target)[1].float().mean())
    batched = measure(lambda: jsma_batched(model, x, target), x.shape[0], seconds)

    def singles():
        for i in range(JSMA_SINGLE):
            jsma_single(model, x[i], int(target[i]), k)
    single = measure(singles, JSMA_SINGLE, seconds)
    return 1e3 / batched, 1e3 / single, success


def cw_step(model, w, x0, tlab, c, opt):
    """One CW-L2 iteration as edd_cw_loss_grad + edd_cw_adadelta_step (cleverhans
    v2, targeted): x' = (tanh(w) + 1) / 2, loss = sum_i ||x'_i - x0_i||^2 + c_i
    max(max_{j != t} Z_j - Z_t + kappa, 0), then one AdaDelta step on w (PyTorch's
    Adadelta is TF's: the same update as edd's)."""
    opt.zero_grad()
    xadv = (torch.tanh(w) + 1) / 2
    l2 = ((xadv - x0) ** 2).sum(1)
    z = model(xadv.view(-1, 1, 28, 28))
    real = (tlab * z).sum(1)
    other = ((1 - tlab) * z - tlab * 10000).max(1)[0]
    loss = (l2 + c * torch.clamp(other - real + CW_KAPPA, min=0)).sum()
    loss.backward()
    opt.step()


def bench_cw(seconds, model_dir=None):
    """Microseconds per example per CW-L2 iteration at batch CW_B: the median
    over timed iterations after one warm-up."""
    model, x, target, k = attack_inputs(model_dir, CW_B, 10)
    x, target = x[:CW_B].reshape(-1, NF), target[:CW_B]
    w = torch.atanh((2 * x - 1) * 0.999999).requires_grad_()
    x0 = (torch.tanh(w.detach()) + 1) / 2  # the boxed original, as edd's x0
    tlab = F.one_hot(target, k).float()
    c = torch.full((x.shape[0],), CW_C)
    opt = torch.optim.Adadelta([w], lr=CW_LR, rho=CW_RHO, eps=CW_EPS)
    rate = measure(lambda: cw_step(model, w, x0, tlab, c, opt), x.shape[0], seconds)
    return 1e6 / rate, x.shape[0]


def fgm(model, x, y):
    """FGM as edd_fgm with its defaults: the sign of the gradient of the
    cross-entropy over all K outputs against the true label, eps FGM_EPS, clipped
    to [0, 1], in passes of FGM_ROWS images."""
    out = torch.empty_like(x)
    for i in range(0, x.shape[0], FGM_ROWS):
        xi = x[i:i + FGM_ROWS].clone().requires_grad_()
        g, = torch.autograd.grad(F.cross_entropy(model(xi), y[i:i + FGM_ROWS], reduction="sum"), xi)
        out[i:i + FGM_ROWS] = torch.clamp(xi.detach() + FGM_EPS * torch.sign(g), 0, 1)
    return out


def bench_fgm(model_dir=None):
    """Milliseconds of one FGM pass over all the images (after a warm-up on the
    first FGM_ROWS), the image count and the accuracy on the first FGM_ACC
    adversarial images."""
    model, x, y, _ = attack_inputs(model_dir, FGM_N, 10)
    fgm(model, x[:FGM_ROWS], y[:FGM_ROWS])
    t = time.perf_counter()
    adv = fgm(model, x, y)
    ms = 1e3 * (time.perf_counter() - t)
    with torch.no_grad():
        acc = float((model(adv[:FGM_ACC]).argmax(1) == y[:FGM_ACC]).float().mean())
    return ms, x.shape[0], acc


def pgd(model, x, y):
    """PGD as edd_pgd in bench/fgm.c: a uniform start in the L-inf ball, PGD_STEPS
    steps of 2.5 eps / steps along the sign of the gradient of the margin (best
    other class minus the label's logit, K = 10), projected and clipped, in passes
    of FGM_ROWS images; the point of largest margin over the start and every step
    is kept (so PGD_STEPS + 1 forward passes, PGD_STEPS backward)."""
    out, step = torch.empty_like(x), 2.5 * FGM_EPS / PGD_STEPS
    for i in range(0, x.shape[0], FGM_ROWS):
        x0, yi = x[i:i + FGM_ROWS], y[i:i + FGM_ROWS]
        cur = torch.clamp(x0 + FGM_EPS * (2 * torch.rand_like(x0) - 1), 0, 1)
        best, best_m = cur.clone(), torch.full((x0.shape[0],), -float("inf"))
        for t in range(PGD_STEPS + 1):
            c = cur.clone().requires_grad_(t < PGD_STEPS)
            z = model(c)
            zl = z.gather(1, yi[:, None])[:, 0]
            m = z.scatter(1, yi[:, None], -float("inf")).max(1)[0] - zl
            better = m.detach() > best_m
            best[better], best_m = cur[better], torch.where(better, m.detach(), best_m)
            if t == PGD_STEPS:
                break
            g, = torch.autograd.grad(m.sum(), c)
            cur = torch.min(torch.max(cur + step * torch.sign(g), x0 - FGM_EPS), x0 + FGM_EPS).clamp(0, 1)
        out[i:i + FGM_ROWS] = best
    return out


def bench_pgd(model_dir=None):
    """Milliseconds of one PGD run over all the images (after a warm-up on the
    first FGM_ROWS), the image count and the accuracy on the first FGM_ACC
    adversarial images."""
    model, x, y, _ = attack_inputs(model_dir, PGD_N, 10)
    pgd(model, x[:FGM_ROWS], y[:FGM_ROWS])
    t = time.perf_counter()
    adv = pgd(model, x, y)
    ms = 1e3 * (time.perf_counter() - t)
    with torch.no_grad():
        acc = float((model(adv[:FGM_ACC]).argmax(1) == y[:FGM_ACC]).float().mean())
    return ms, x.shape[0], acc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--what", default="train,mc,sgemm,jsma",
                    help="comma list of train, mc, sgemm, jsma, cw, fgm, pgd")
    ap.add_argument("--seconds", type=float, default=3.0,
                    help="time budget per measurement")
    ap.add_argument("--inputs-dir", default=None,
                    help="folder with edd's exported model, images.npy and labels.npy for the attacks")
    args = ap.parse_args()
    what = args.what.split(",")
    unknown = set(what) - {"train", "mc", "sgemm", "jsma", "cw", "fgm", "pgd"}
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
            bench_jsma(args.seconds, args.inputs_dir)
        log(f"JSMA batched (one gradient per step, success {out['jsma_success']:.3f}): "
            f"{out['jsma_ms_per_example_batched']:.1f} ms/example")
        log(f"JSMA single (B=1, full Jacobian): "
            f"{out['jsma_ms_per_example_single']:.1f} ms/example")
    if "cw" in what:
        out["cw_us_per_example_iter"], out["cw_batch"] = bench_cw(args.seconds, args.inputs_dir)
        log(f"CW-L2 (AdaDelta, batch {out['cw_batch']}): "
            f"{out['cw_us_per_example_iter']:.1f} us per example per iteration")
    if "fgm" in what:
        out["fgm_ms"], out["fgm_images"], out["fgm_adv_accuracy"] = bench_fgm(args.inputs_dir)
        out["fgm_us_per_example"] = 1e3 * out["fgm_ms"] / out["fgm_images"]
        log(f"FGM (eps {FGM_EPS}, L-inf, {out['fgm_images']} images): {out['fgm_ms']:.0f} ms, "
            f"{out['fgm_us_per_example']:.1f} us per example, accuracy after {out['fgm_adv_accuracy']:.3f}")
    if "pgd" in what:
        out["pgd_ms"], out["pgd_images"], out["pgd_adv_accuracy"] = bench_pgd(args.inputs_dir)
        out["pgd_us_per_example_step"] = 1e3 * out["pgd_ms"] / (out["pgd_images"] * PGD_STEPS)
        log(f"PGD (eps {FGM_EPS}, L-inf, margin, {PGD_STEPS} steps, {out['pgd_images']} images): "
            f"{out['pgd_ms']:.0f} ms, {out['pgd_us_per_example_step']:.1f} us per example-step, "
            f"accuracy after {out['pgd_adv_accuracy']:.3f}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
