#!/usr/bin/env python3
"""PyTorch reference of APGD and APGD-T (Croce & Hein 2020, "Reliable evaluation of adversarial
robustness with an ensemble of diverse parameter-free attacks", Algorithm 1) and of the Square attack
(Andriushchenko et al. 2020, "Square Attack", L-inf and L2), written from the papers, run on the
weights `edd export` writes, to hold edd's attacks (src/attacks/apgd.c, square.c, square_l2.c) to an
independent implementation with the same detector-aware losses (src/attacks/objective.c):

  margin   m = max_{j real, j != y} z_j - max(z_y, z_n), n the outlier class of a K = 11 model
           (K = 10: the usual max_{j != y} z_j - z_y); m > 0 means misclassified, not flagged;
  CE       the cross-entropy over the 10 real classes (the outlier ignored);
  DLR      m / (z_pi1 - z_pi3 + 1e-12), pi the outputs sorted by logit, all K of them;
  DLR-T    (z_t - max(z_y, z_n)) / (z_pi1 - (z_pi3 + z_pi4) / 2 + 1e-12),
computed in float64 on the float32 logits, as edd does: on a K = 11 model, where the outlier sits
between the label and the best other class, pi3 is that class and DLR = -1 but for the 1e-12, whose
gradient (about 1e-13) is the only direction there; in float32 it is exactly 0 (--check-dlr counts).

Owns: the attacks, their CLI, their timing (--bench). Its draws are its own (torch.Generator); --rng
edd makes Square draw edd's (square_draws.py). Success, as in edd: a real class other than the label;
robust: right when clean and not misclassified after the attack.

  attack_reference.py --weights DIR --attack apgd|apgd-t|square [--loss ce|dlr] [--eps E] [--ord inf|2]
      [--steps N] [--restarts R] [--n-target-classes T] [--queries Q] [--p-init P] [--n N] [--seed S]
      [--rng torch|edd] [--threads T] [--adv-out X.npy]   -> one JSON line with robust_accuracy
  attack_reference.py --weights DIR --bench apgd|square [--ord inf|2] [--n 256] [--steps|--queries N]
      [--reps R]   -> one JSON line: microseconds per image-iteration (APGD) or image-query (Square)
  attack_reference.py --weights DIR --check-dlr [--n N]   -> float32 against float64 DLR gradients
DIR: conv1.weight.npy ... fc.bias.npy, and for --bench images.npy and labels.npy if there (else the
first N MNIST test images, from $EDD_DATA_DIR/mnist, default data/mnist)."""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", "bench", "peers"), HERE]
from square_draws import EddDraws, TorchDraws  # noqa: E402
from torch_cnn import model_mnist  # noqa: E402

N_REAL = 10
H = W = 28
RHO, ALPHA = 0.75, 0.75   # APGD: checkpoint condition 1, momentum (the paper's values)


# ---- model, images ----

def load_net(wdir):
    k = np.load(f"{wdir}/fc.bias.npy").shape[0]
    net = model_mnist(k).eval()
    layers = [m for m in net if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        for name, layer in zip(["conv1", "conv2", "conv3", "fc"], layers):
            layer.weight.copy_(torch.from_numpy(np.load(f"{wdir}/{name}.weight.npy")).reshape(layer.weight.shape))
            layer.bias.copy_(torch.from_numpy(np.load(f"{wdir}/{name}.bias.npy")))
    return net.requires_grad_(False)


def mnist_test(n):
    d = os.path.join(os.environ.get("EDD_DATA_DIR", "data"), "mnist")
    img = np.fromfile(f"{d}/t10k-images-idx3-ubyte", dtype=np.uint8, offset=16, count=n * 784)
    lab = np.fromfile(f"{d}/t10k-labels-idx1-ubyte", dtype=np.uint8, offset=8, count=n)
    return (torch.from_numpy(img.astype(np.float32).reshape(n, 1, H, W) / np.float32(255.0)),
            torch.from_numpy(lab.astype(np.int64)))


# ---- the losses (z: n x K logits) ----

def guard(z, y):
    """max(z_y, z_n): what must be beaten; the outlier outputs j >= N_REAL count with the label."""
    g = z.gather(1, y[:, None])[:, 0]
    return torch.maximum(g, z[:, N_REAL:].max(1).values) if z.shape[1] > N_REAL else g


def margin(z, y):
    other = z[:, :N_REAL].scatter(1, y[:, None], -float("inf")).max(1).values
    return other - guard(z, y)


def dlr(z, y, t=None, dtype=torch.float64):
    z = z.to(dtype)
    s = z.sort(1, descending=True).values
    if t is None:
        return margin(z, y) / (s[:, 0] - s[:, 2] + 1e-12)
    return (z.gather(1, t[:, None])[:, 0] - guard(z, y)) / (s[:, 0] - 0.5 * (s[:, 2] + s[:, 3]) + 1e-12)


def loss_of(kind, z, y, t):
    if kind == "ce":
        return F.cross_entropy(z[:, :N_REAL], y, reduction="none")
    return dlr(z, y, t)


def loss_grad(net, xa, y, t, kind):
    """Per image: the loss, its gradient with respect to the input, the margin."""
    xa = xa.clone().requires_grad_(True)
    z = net(xa)
    loss = loss_of(kind, z, y, t)
    g, = torch.autograd.grad(loss.sum(), xa)
    return loss.detach().double(), g, margin(z.detach(), y)


# ---- APGD ----

def project(v, x, eps, ord_):
    """Onto the eps-ball around x, then into [0, 1] (which only moves a pixel toward x)."""
    if ord_ == "inf":
        return torch.min(torch.max(v, x - eps), x + eps).clamp(0, 1)
    d = (v - x).double()
    nrm = d.flatten(1).norm(dim=1)
    f = torch.where(nrm > eps, eps / nrm.clamp_min(1e-30), torch.ones_like(nrm))
    return (x.double() + d * f[:, None, None, None]).float().clamp(0, 1)


def direction(g, ord_):
    if ord_ == "inf":
        return g.sign()
    nrm = g.flatten(1).norm(dim=1)[:, None, None, None]  # no move where g = 0
    return torch.where(nrm > 0, g / nrm.clamp_min(1e-38), torch.zeros_like(g))


def checkpoints(n_iter):
    """W = {ceil(p_j N_iter)}: p_0 = 0, p_1 = 0.22, p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06)."""
    p, w = [0.0, 0.22], set()
    while p[-1] < 1.0:
        w.add(int(np.ceil(p[-1] * n_iter - 1e-9)))
        p.append(p[-1] + max(p[-1] - p[-2] - 0.03, 0.06))
    return w


class Best:
    """Per image: the point returned (the first misclassified point, else the one of largest margin)."""

    def __init__(self, net, x, y):
        with torch.no_grad():
            self.z0 = net(x)
        self.adv, self.m = x.clone(), margin(self.z0, y)

    def keep(self, idx, pts, m):
        up = m > self.m[idx]
        self.adv[idx[up]], self.m[idx[up]] = pts[up], m[up]

    def open(self):
        return (self.m <= 0).nonzero()[:, 0]


def apgd_start(x, eps, ord_, gen):
    if ord_ == "inf":
        t = 2 * torch.rand(x.shape, generator=gen) - 1
        t = t / t.flatten(1).abs().max(1).values[:, None, None, None]
    else:
        t = torch.randn(x.shape, generator=gen)
        t = t / t.flatten(1).norm(dim=1)[:, None, None, None]
    return project(x + eps * t, x, eps, ord_)


def apgd_run(net, x, y, t, a, idx, best, gen):
    """One run of Algorithm 1 on images x (global indices idx), every point competing for best.
    Images leave at their first success."""
    eps, n_iter, ord_, kind = a.eps, a.steps, a.ord, a.kind
    cur = apgd_start(x, eps, ord_, gen)
    loss, g, m = loss_grad(net, cur, y, t, kind)
    best.keep(idx, cur, m)
    st = dict(x=x, y=y, t=t if t is not None else y, idx=idx, cur=cur, prev=cur.clone(), g=g, xmax=cur.clone(),
              gmax=g.clone(), f=loss, fmax=loss.clone(), fmax_ck=loss.clone(), ups=torch.zeros_like(loss),
              eta=torch.full((len(x),), 2.0 * eps), halved=torch.zeros(len(x), dtype=torch.bool), m=m)
    ckpts, w_last = checkpoints(n_iter), 0
    for k in range(1, n_iter + 1):
        if (st["m"] > 0).any():  # the successes leave
            st = {key: v[st["m"] <= 0] for key, v in st.items()}
            if not len(st["x"]):
                return
        apgd_iteration(net, st, a, 1.0 if k == 1 else ALPHA, last=k == n_iter, tnone=t is None)
        best.keep(st["idx"], st["cur"], st["m"])
        if k in ckpts and k < n_iter:
            apgd_checkpoint(st, k - w_last)
            w_last = k


def apgd_iteration(net, st, a, alpha, last=False, tnone=True):
    """x(k) -> x(k+1) (Algorithm 1, lines 5-9): z = P(x + eta dir(g)), x' = P(x + alpha (z - x) +
    (1 - alpha)(x - x_prev)); then the loss, gradient and margin at x' (the margin alone when last)."""
    x, cur, eta = st["x"], st["cur"], st["eta"][:, None, None, None].float()
    zs = project(cur + eta * direction(st["g"], a.ord), x, a.eps, a.ord)
    nxt = project(cur + alpha * (zs - cur) + (1 - alpha) * (cur - st["prev"]), x, a.eps, a.ord)
    st["prev"], st["cur"] = cur, nxt
    if last:
        with torch.no_grad():
            st["m"] = margin(net(nxt), st["y"])
        return
    loss, st["g"], st["m"] = loss_grad(net, nxt, st["y"], None if tnone else st["t"], a.kind)
    st["ups"] += (loss > st["f"]).double()
    st["f"] = loss
    up = loss > st["fmax"]
    st["xmax"][up], st["gmax"][up], st["fmax"][up] = nxt[up], st["g"][up], loss[up]


def apgd_checkpoint(st, h):
    """At w_j (h = w_j - w_{j-1} steps since the last): halve eta and go back to x_max where
    fewer than RHO h steps raised the loss (condition 1), or where eta was not halved at w_{j-1}
    and f_max has not risen since (condition 2; at w_1 as the paper writes it, eta(w_0) = eta(w_1),
    where edd and AutoAttack's code wait for w_2: a run that has not risen in 22% of its steps)."""
    halve = (st["ups"] < RHO * h) | (~st["halved"] & (st["fmax"] <= st["fmax_ck"]))
    st["eta"][halve] /= 2
    st["cur"][halve], st["g"][halve], st["f"][halve] = st["xmax"][halve], st["gmax"][halve], st["fmax"][halve]
    st["halved"], st["fmax_ck"], st["ups"] = halve, st["fmax"].clone(), torch.zeros_like(st["ups"])


def top_targets(z0, y, n_t):
    """The n_t real classes other than the label by clean logit, largest first."""
    zr = z0[:, :N_REAL].scatter(1, y[:, None], -float("inf"))
    return zr.sort(dim=1, descending=True, stable=True).indices[:, :n_t]


def apgd(net, x, y, a, gen):
    best = Best(net, x, y)
    targets = top_targets(best.z0, y, a.n_target_classes) if a.targeted else None
    for c in range(a.n_target_classes if a.targeted else 1):
        for _ in range(a.restarts):
            idx = best.open()
            if len(idx):
                apgd_run(net, x[idx], y[idx], targets[idx, c] if a.targeted else None, a, idx, best, gen)
    return best.adv


# ---- Square (draws: square_draws.TorchDraws or EddDraws) ----

def p_schedule(p_init, it, n_iter):
    """p of iteration it: p_init halved at 10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000 of 10,000
    (it rescaled to a budget of 10,000)."""
    at = int(it / n_iter * 10000)
    return p_init / 2 ** sum(at > b for b in (10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000))


def square_side(ord_, p_init, it, n_iter):
    s = int(round(np.sqrt(p_schedule(p_init, it, n_iter) * H * W)))
    if ord_ == "inf":
        return min(max(s, 1), H - 1)
    top = H - 1 if (H - 1) % 2 else H - 2  # the largest odd side that leaves a position
    return min(max(s, 3) | 1, top)


def rect(rows, cols):
    """The paper's pseudo-Gaussian rectangle: sum_{k >= d} 1/(k+1)^2 over k < max(rows, cols)//2 + 1,
    d the Chebyshev distance to (rows//2, cols//2); unit L2 norm."""
    kmax = max(rows // 2, cols // 2) + 1
    tail = np.cumsum([1.0 / (k + 1) ** 2 for k in range(kmax)][::-1])[::-1]
    i, j = np.abs(np.arange(rows)[:, None] - rows // 2), np.abs(np.arange(cols)[None, :] - cols // 2)
    r = tail[np.maximum(i, j)]
    return r / np.sqrt((r ** 2).sum())


def patterns(s, cache={}):
    """The s x s pattern (upper half rect, lower half -rect, unit norm) and its transpose: (2, s, s)."""
    if s not in cache:
        e = np.concatenate([rect(s // 2, s), -rect(s - s // 2, s)]) if s > 1 else np.ones((1, 1))
        e = e / np.sqrt((e ** 2).sum())
        cache[s] = torch.from_numpy(np.stack([e, e.T]))
    return cache[s]


def window(r0, c0, s):
    """Rows (n x s x 1) and columns (n x 1 x s) of the squares of side s at (r0, c0)."""
    ar = torch.arange(s)
    return r0[:, None, None] + ar[None, :, None], c0[:, None, None] + ar[None, None, :]


def square_linf_start(x, eps, draws, r, idx):
    """x + eps s_c, one random sign per column c, clipped."""
    return (x + eps * draws.linf_start(r, idx, W).float()[:, None, None, :]).clamp(0, 1)


def square_linf_candidate(x, xb, eps, s, draws, r, idx, q):
    """xb with one square of side s set to x + eps e (e = +-1, the other sign when that would
    leave the square unchanged), clipped."""
    r0, c0, e, _ = draws.query(r, idx, q, s, H - s, 1)
    rows, cols = window(r0[:, 0], c0[:, 0], s)
    b = torch.arange(len(x))[:, None, None]
    e = e.float()[:, None, None]
    xw, bw = x[b, 0, rows, cols], xb[b, 0, rows, cols]
    same = ((xw + eps * e).clamp(0, 1) - bw).abs().lt(1e-7).flatten(1).all(1)
    e[same] = -e[same]
    out = xb.clone()
    out[b, 0, rows, cols] = (xw + eps * e).clamp(0, 1)
    return out


def square_l2_start(x, eps, draws, r, idx):
    """The 5 x 5 grid of patterns of side 28 // 5 from (1, 1), random sign and orientation each."""
    s = H // 5
    off, nh, nw = (H - 5 * s) // 2, H // s, W // s
    sign, tr = draws.l2_start(r, idx, nh * nw)
    d = torch.zeros(len(x), H, W, dtype=torch.float64)
    for bh in range(nh):
        for bw in range(nw):
            k = bh * nw + bw
            d[:, off + bh * s:off + (bh + 1) * s, off + bw * s:off + (bw + 1) * s] += \
                patterns(s)[tr[:, k].long()] * sign[:, k, None, None]
    return l2_apply(x, d, eps)


def l2_apply(x, d, eps):
    f = eps / (d.flatten(1).norm(dim=1) + 1e-12)
    return (x.double() + (d * f[:, None, None])[:, None]).float().clamp(0, 1)


def square_l2_candidate(x, xb, eps, s, draws, r, idx, q):
    """Algorithm 3: window 1 gets a fresh pattern plus its old delta at unit norm, scaled to carry
    the mass of both windows and what the ball has left; window 2 is emptied; the whole delta is
    rescaled to norm eps and clipped."""
    r0, c0, sign, tr = draws.query(r, idx, q, s, H - s, 2)
    (r1, c1), (r2, c2) = window(r0[:, 0], c0[:, 0], s), window(r0[:, 1], c0[:, 1], s)
    b = torch.arange(len(x))[:, None, None]
    d = (xb - x).double()[:, 0]
    m2 = torch.zeros(len(x), H, W, dtype=torch.bool)
    m2[b, r1, c1] = True
    m2[b, r2, c2] = True
    old = d[b, r1, c1]
    both = (d.square() * m2).flatten(1).sum(1)
    room = (eps ** 2 - d.square().flatten(1).sum(1)).clamp_min(0)
    new = sign[:, None, None] * patterns(s)[tr.long()] + old / (old.flatten(1).norm(dim=1)[:, None, None] + 1e-12)
    new = new * ((room + both).sqrt() / (new.flatten(1).norm(dim=1) + 1e-12))[:, None, None]
    d[b, r2, c2] = 0.0
    d[b, r1, c1] = new
    return l2_apply(x, d, eps)


def square_query(net, st, a, it, draws, r=0):
    """Query it + 1 of every image left: a candidate from its best point, kept if the margin rises."""
    s = square_side(a.ord, a.p_init, it, a.queries)
    step = square_linf_candidate if a.ord == "inf" else square_l2_candidate
    cand = step(st["x"], st["xb"], a.eps, s, draws, r, st["idx"], it + 1)
    with torch.no_grad():
        m = margin(net(cand), st["y"])
    up = m > st["m"]
    st["xb"][up], st["m"][up] = cand[up], m[up]


def square(net, x, y, a, draws):
    """Returned per image: its first misclassified point, else the best point of its best restart."""
    best = Best(net, x, y)
    best.m[best.m <= 0] = -float("inf")
    for r in range(a.restarts):
        idx = best.open()
        if not len(idx):
            break
        xs = x[idx]
        start = (square_linf_start if a.ord == "inf" else square_l2_start)(xs, a.eps, draws, r, idx)
        with torch.no_grad():
            st = dict(x=xs, y=y[idx], idx=idx, xb=start, m=margin(net(start), y[idx]))
        for it in range(a.queries):
            if (st["m"] > 0).any():
                best.keep(st["idx"], st["xb"], st["m"])
                st = {key: v[st["m"] <= 0] for key, v in st.items()}
                if not len(st["x"]):
                    break
            square_query(net, st, a, it, draws, r)
        best.keep(st["idx"], st["xb"], st["m"])
    return best.adv


# ---- scoring, checks, timing ----

def misclassified(z, y):
    return (z.argmax(1) != y) & (z.argmax(1) < N_REAL)


def draws_of(a):
    return EddDraws(a.seed) if a.rng == "edd" else TorchDraws(torch.Generator().manual_seed(a.seed))


def run_attack(net, x, y, a):
    t0 = time.perf_counter()
    if a.attack == "square":
        adv = square(net, x, y, a, draws_of(a))
    else:
        adv = apgd(net, x, y, a, torch.Generator().manual_seed(a.seed))
    secs = time.perf_counter() - t0
    with torch.no_grad():
        z0, za = net(x), net(adv)
    ok, broke = z0.argmax(1) == y, misclassified(za, y)
    diff = (adv - x).flatten(1).double()
    dist = diff.abs().max(1).values if a.ord == "inf" else diff.norm(dim=1)
    loss = "margin" if a.attack == "square" else "dlr-targeted" if a.targeted else a.kind
    return adv, {"attack": a.attack, "loss": loss, "k": z0.shape[1],
                 "examples": len(x), "eps": a.eps, "ord": a.ord, "seed": a.seed, "rng": a.rng,
                 "clean_accuracy": ok.double().mean().item(), "robust_accuracy": (ok & ~broke).double().mean().item(),
                 "misclassified": broke.double().mean().item(), "max_dist": dist.max().item(),
                 "min_pixel": adv.min().item(), "max_pixel": adv.max().item(), "seconds": round(secs, 3)}


def check_dlr(net, x, y, gen):
    """The DLR input gradients in float32 against float64 at the clean images and at random points
    of the eps = 0.3 L-inf ball: the largest relative error of the loss, the images whose float32
    gradient is exactly zero where float64's is not, and over the others the pixels whose sign
    (the L-inf direction) differs and the worst cosine (the L2 direction)."""
    t = top_targets(net(x), y, 1)[:, 0]
    out = {}
    for name, tt in (("dlr", None), ("dlr_targeted", t)):
        rel, zero, signs, cos_min = 0.0, 0, 0, 1.0
        for pts in (x, apgd_start(x, 0.3, "inf", gen)):
            res = []
            for dt in (torch.float32, torch.float64):
                xa = pts.clone().requires_grad_(True)
                loss = dlr(net(xa), y, tt, dt)
                res.append((loss.detach().double(), torch.autograd.grad(loss.sum(), xa)[0].flatten(1).double()))
            (l32, g32), (l64, g64) = res
            rel = max(rel, ((l32 - l64).abs() / l64.abs().clamp_min(1e-30)).max().item())
            n32, n64 = g32.norm(dim=1), g64.norm(dim=1)
            dead, live = (n32 == 0) & (n64 > 0), (n32 > 0) & (n64 > 0)
            zero += dead.sum().item()
            signs += (g32[live].sign() != g64[live].sign()).sum().item()
            if live.any():
                cos_min = min(cos_min, ((g32 * g64).sum(1)[live] / (n32 * n64)[live]).min().item())
        out[name] = {"images": 2 * len(x), "max_rel_loss_err": rel, "f32_zero_grad_images": zero,
                     "sign_diffs_elsewhere": signs, "min_cos_elsewhere": cos_min}
    return out


def bench(net, x, y, a):
    """Microseconds per image of one APGD iteration (forward, backward, step) or one Square query (a
    candidate and a forward pass) on the whole batch, the labels given (an eps too small for any
    image to succeed keeps every image in), as bench/attacks.c times edd: T(S) and T(2), whole
    attacks of S = a.steps (a.queries) iterations and of 2, each the best of --reps after a warm-up
    (load on a shared machine only slows a run); iter_us = (T(S) - T(2)) / (S - 2), free of what a
    run does once; run_us = T(S) / S; both over the images."""
    rnd = torch.Generator().manual_seed(a.seed) if a.bench == "apgd" else draws_of(a)
    attack, iters = (apgd, a.steps) if a.bench == "apgd" else (square, a.queries)
    best = {2: float("inf"), iters: float("inf")}
    for r in range(2 * a.reps + 1):
        k = iters if r % 2 == 0 and r else 2  # r = 0: the warm-up
        a.steps = a.queries = k
        t0 = time.perf_counter()
        attack(net, x, y, a, rnd)
        best[k] = min(best[k], time.perf_counter() - t0) if r else best[k]
    return {"bench": a.bench, "ord": a.ord, "batch": len(x), "iterations": iters, "threads": torch.get_num_threads(),
            "iter_us": 1e6 * (best[iters] - best[2]) / (len(x) * (iters - 2)),
            "run_us": 1e6 * best[iters] / (len(x) * iters)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--weights", required=True, help="folder of edd export's .npy weights")
    ap.add_argument("--attack", choices=["apgd", "apgd-t", "square"], default="apgd")
    ap.add_argument("--bench", choices=["apgd", "square"])
    ap.add_argument("--check-dlr", action="store_true")
    ap.add_argument("--loss", choices=["ce", "dlr"], default="ce")
    ap.add_argument("--eps", type=float, default=0.3)
    ap.add_argument("--ord", choices=["inf", "2"], default="inf")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--restarts", type=int, default=1)
    ap.add_argument("--n-target-classes", type=int, default=9)
    ap.add_argument("--queries", type=int, default=5000)
    ap.add_argument("--p-init", type=float, default=0.8)
    ap.add_argument("--n", type=int, default=200, help="the first N MNIST test images")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rng", choices=["torch", "edd"], default="torch",
                    help="Square's draws: a torch.Generator, or edd's counter RNG as edd_square keys it")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3, help="--bench: timed runs")
    ap.add_argument("--adv-out", help="write the adversarial images, float32 (N,1,28,28)")
    a = ap.parse_args()
    a.targeted, a.kind = a.attack == "apgd-t", "dlr" if a.attack == "apgd-t" else a.loss
    torch.set_num_threads(a.threads)
    net = load_net(a.weights)
    if a.bench and os.path.exists(f"{a.weights}/images.npy"):
        x = torch.from_numpy(np.load(f"{a.weights}/images.npy")).reshape(-1, 1, H, W)[:a.n].contiguous()
        y = torch.from_numpy(np.load(f"{a.weights}/labels.npy").astype(np.int64))[:a.n]
    else:
        x, y = mnist_test(a.n)
    if a.check_dlr:
        print(json.dumps(check_dlr(net, x, y, torch.Generator().manual_seed(a.seed))))
    elif a.bench:
        print(json.dumps(bench(net, x, y, a)))
    else:
        adv, out = run_attack(net, x, y, a)
        if a.adv_out:
            np.save(a.adv_out, adv.numpy().astype(np.float32))
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
