"""Pruning: whole residual blocks by a group penalty, single weights by saliency (OBD, OBS).

    RESNET_SETUP / resnet_task(seed) / train_resnet(progress) / block_outputs(params, X)
    drop_blocks(params, blocks) / block_pruning_curve(params, X, Y, order)
    pruning_problem(seed) / quad_loss(prob, w) / saliency(prob, w, method, alive)
    obs_step(prob, w, alive, q) / prune(prob, k, method) / pruning_curves(prob)
"""
from __future__ import annotations

import numpy as np

from . import mlp as nn
from .activations import get_activation
from .mlp import single_blas_thread, train_adam

RESNET_SETUP = {"n": 512, "n_val": 1000, "d": 8, "width": 32, "blocks": 10, "steps": 600, "lr": 3e-3,
                "weight_decay": 0.0, "group_penalty": 0.01, "seed": 0,
                # after training: drop the ``prune`` weakest blocks, fine-tune (Adam) with
                # the group penalty ``tune_penalty`` (0: dropped)
                "prune": 3, "tune_steps": 200, "tune_lr": 1e-3, "tune_penalty": 0.0}


def resnet_task(seed=0, n=512, n_val=1000, d=8):
    rng = np.random.default_rng(seed)
    T = rng.standard_normal((d, 2)) / np.sqrt(d)
    f = lambda X: np.sin(X @ T[:, :1]) + 0.3 * (X @ T[:, 1:2])
    X, Xv = rng.standard_normal((n, d)), rng.standard_normal((n_val, d))
    return {"X": X, "Y": f(X), "Xv": Xv, "Yv": f(Xv)}


def train_resnet(progress=None, **overrides):
    """A residual ReLU MLP d → w, then ``blocks`` blocks h ← h + ReLU(h A + b), then w → 1,
    trained with Adam and the group penalty μ·Σ‖A_k‖_F (pushes unneeded blocks to zero)."""
    s = RESNET_SETUP | overrides
    data = resnet_task(s["seed"], s["n"], s["n_val"], s["d"])
    rng = np.random.default_rng(s["seed"] + 1)
    params = nn.init_mlp([s["d"]] + [s["width"]] * (s["blocks"] + 1) + [1], rng, 1.0)
    for p in params[1:-1]:
        p["A"] *= 0.5
    data["loss"] = train_adam(params, data["X"], data["Y"], "relu", steps=s["steps"], lr=s["lr"],
                              residual=True, weight_decay=s["weight_decay"],
                              group_penalty=s["group_penalty"], progress=progress)
    return params, data


def block_outputs(params, X):
    """RMS over X of ‖ReLU(h A_k + b_k)‖ for each residual block k = 1..len(params) − 2."""
    with single_blas_thread():
        _, cache = nn.forward(params, X, "relu", residual=True)
    out = []
    for (x_z, a, skip) in cache["layers"]:
        if skip:
            Y = get_activation(a).f(x_z[1])
            out.append(np.sqrt(np.mean(np.sum(Y ** 2, axis=1))))
    return np.array(out)


def drop_blocks(params, blocks):
    """The network without the given residual blocks (numbered 1..K); they become identity."""
    drop = {int(b) for b in blocks}
    return [p for i, p in enumerate(params) if i not in drop]


def block_pruning_curve(params, X, Y, order):
    """Validation loss after dropping the first k blocks of ``order``, k = 0..len(order)."""
    with single_blas_thread():
        return np.array([float(nn.mse_loss(nn.forward(drop_blocks(params, order[:k]), X, "relu",
                                                        residual=True)[0], Y)[0])
                         for k in range(len(order) + 1)])


def pruning_problem(seed=0, n=200, p=12, noise=0.5):
    """Least squares L(w) = ‖Xw − y‖²/(2n) with correlated features of very different scales.

    The loss is exactly quadratic: H = XᵀX/n, and at the minimum w*
    L(w* + δ) = L(w*) + δᵀHδ/2. Returns dict X, y, H, w (= w*), L0.
    """
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, p))
    mix = np.eye(p) + 0.6 * rng.standard_normal((p, p)) / np.sqrt(p)
    scales = np.exp(rng.uniform(-1.5, 1.5, p))
    X = (Z @ mix) * scales
    w_true = rng.standard_normal(p) / scales * rng.choice([0.2, 1.0, 3.0], p)
    y = X @ w_true + noise * rng.standard_normal(n)
    H = X.T @ X / n
    w = np.linalg.solve(H, X.T @ y / n)
    prob = {"X": X, "y": y, "H": H, "w": w}
    prob["L0"] = quad_loss(prob, w)
    return prob


def quad_loss(prob, w):
    r = prob["X"] @ w - prob["y"]
    return float(r @ r / (2 * len(r)))


def saliency(prob, w, method, alive=None):
    """Saliency of each alive weight (inf for removed ones).

    magnitude: |w_i|;  OBD (LeCun et al., 1990): h_ii w_i² / 2 — the loss increase when
    w_i alone is set to 0 and the others stay;  OBS (Hassibi & Stork, 1993):
    w_i² / (2 [H⁻¹]_ii) — the increase when w_i is set to 0 and the others are moved
    optimally (H restricted to the alive weights).
    """
    p = len(w)
    alive = np.ones(p, bool) if alive is None else alive
    out = np.full(p, np.inf)
    idx = np.flatnonzero(alive)
    if method == "magnitude":
        out[idx] = np.abs(w[idx])
    elif method == "obd":
        out[idx] = np.diag(prob["H"])[idx] * w[idx] ** 2 / 2
    elif method == "obs":
        Hinv = np.linalg.inv(prob["H"][np.ix_(idx, idx)])
        out[idx] = w[idx] ** 2 / (2 * np.diag(Hinv))
    else:
        raise ValueError(method)
    return out


def obs_step(prob, w, alive, q):
    """Delete weight q with the OBS update δw = −(w_q/[H⁻¹]_qq) H⁻¹ e_q (on the alive set)."""
    idx = np.flatnonzero(alive)
    Hinv = np.linalg.inv(prob["H"][np.ix_(idx, idx)])
    j = int(np.flatnonzero(idx == q)[0])
    w = w.copy()
    w[idx] -= w[q] / Hinv[j, j] * Hinv[:, j]
    w[q] = 0.0
    alive = alive.copy()
    alive[q] = False
    return w, alive


def prune(prob, k, method):
    """Remove k weights. magnitude / OBD rank once and set the k smallest to zero (the rest
    unchanged); OBS deletes greedily, one weight at a time, each with its optimal update."""
    w = prob["w"].copy()
    alive = np.ones(len(w), bool)
    if method in ("magnitude", "obd"):
        order = np.argsort(saliency(prob, w, method))[:k]
        w[order] = 0.0
        alive[order] = False
        return w, alive
    for _ in range(k):
        q = int(np.argmin(saliency(prob, w, "obs", alive)))
        w, alive = obs_step(prob, w, alive, q)
    return w, alive


def pruning_curves(prob):
    """Loss after removing k = 0..p weights by each method."""
    p = len(prob["w"])
    return {m: np.array([quad_loss(prob, prune(prob, k, m)[0]) for k in range(p + 1)])
            for m in ("magnitude", "obd", "obs")}
