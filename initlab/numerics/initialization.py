"""Experiments on initialisation: symmetry, zero weights, per-layer gain, He et al. (2015).

    ellipsoid_task(n, d, seed) -> X, y
    symmetry_run(scheme, steps, width, seed, act, lr) / zero_init_run(steps, seed, act)
    layer_gain_samples(scheme, act, n, batch, reps, seed) -> (m1, m2) / gain_theory(scheme, act, n)
    HE_SETUP / he_experiment(depth, scheme, progress, **overrides)
"""
from __future__ import annotations

import numpy as np

from . import mlp as nn
from .activations import get_activation
from .mlp import single_blas_thread, train_sgd
from .schemes import get_scheme, init_params, sampler


def ellipsoid_task(n: int = 2048, d: int = 16, seed: int = 0):
    """X ~ N(0, I_d); y = 1 if ‖XT‖² exceeds its median (half the points in each class).

    T is a fixed random d×d matrix: the boundary is an ellipsoid, not a hyperplane.
    Returns X (n, d) and y (n, 1) in {0, 1}.
    """
    rng = np.random.default_rng(seed)
    T = rng.standard_normal((d, d)) / np.sqrt(d)
    X = rng.standard_normal((n, d))
    r = np.sum((X @ T) ** 2, axis=1)
    y = (r > np.median(r)).astype(float)[:, None]
    return X, y


def symmetry_run(scheme="constant", steps=300, width=8, seed=0, act="tanh", lr=0.05):
    """Train a 16 → width → width → 1 net; record how different the hidden units are.

    Returns dict: "loss" (steps,), "spread" (steps + 1, 2) — for each hidden layer
    max_j ‖A[:, j] − A[:, 0]‖ / ‖A[:, 0]‖ (0 means every unit of the layer has the same
    incoming weights, hence computes the same function), "params" (final).
    """
    X, y = ellipsoid_task(512, 16, seed=1)
    rng = np.random.default_rng(seed)
    params = init_params([16, width, width, 1], scheme, rng)

    def spread(ps):
        out = []
        for p in ps[:2]:
            A = p["A"]
            ref = np.linalg.norm(A[:, 0]) + 1e-300
            out.append(np.max(np.linalg.norm(A - A[:, :1], axis=0)) / ref)
        return out

    rec = [spread(params)]
    losses = train_sgd(params, X, y, act, steps=steps, lr=lr, batch=64, seed=seed,
                       callback=lambda i, ps: rec.append(spread(ps)))
    return {"loss": losses, "spread": np.array(rec), "params": params}


def zero_init_run(steps=200, seed=0, act="tanh"):
    """All weights zero: returns the initial and final parameters and the losses.

    With f(0) = 0 (tanh, ReLU) every gradient except that of the output bias vanishes.
    """
    X, y = ellipsoid_task(512, 16, seed=1)
    params = init_params([16, 8, 8, 1], "zeros", np.random.default_rng(seed))
    start = [{k: v.copy() for k, v in p.items()} for p in params]
    losses = train_sgd(params, X, y, act, steps=steps, lr=0.05, batch=64, seed=seed)
    return {"start": start, "final": params, "loss": losses}


def gain_theory(scheme, act, n):
    """E z_{l+1}² / E z_l² for a layer of width n: n·Var(w)·E f(z)²/E z² (z symmetric).

    For ReLU E relu(z)² = E z²/2 exactly for any symmetric z, so the ratio is n·Var(w)/2:
    1/2 for Xavier (Var w = 2/(n + n) = 1/n), 1 for He (2/n). For the identity it is n·Var(w).
    """
    factor = {"relu": 0.5, "linear": 1.0}[act]
    return n * get_scheme(scheme).variance(n, n) * factor


def layer_gain_samples(scheme="xavier_normal", act="relu", n=256, batch=256, reps=200,
                       seed=0):
    """``reps`` independent two-layer nets: returns m1 = mean z_1², m2 = mean z_2² per net.

    z_1 = x W_1 with x ~ N(0, 1), z_2 = f(z_1) W_2. Since E[m2 | z_1] = n·Var(w)·mean f(z_1)²
    and f = ReLU halves E z_1² exactly, E[m2 − g·m1] = 0 with g = ``gain_theory``.
    """
    rng = np.random.default_rng(seed)
    sample = sampler(scheme)
    f = get_activation(act).f
    m1, m2 = np.empty(reps), np.empty(reps)
    with single_blas_thread():
        for r in range(reps):
            x = rng.standard_normal((batch, n))
            z1 = x @ sample(rng, n, n)
            z2 = f(z1) @ sample(rng, n, n)
            m1[r], m2[r] = np.mean(z1 ** 2), np.mean(z2 ** 2)
    return m1, m2


#: the fixed setting of the small-scale He et al. (2015) experiment
HE_SETUP = {"n": 2048,  # float32 throughout
                "d": 16, "width": 64, "steps": 600, "lr": 0.02, "momentum": 0.9, "batch": 128,
                "data_seed": 0, "seed": 1}


def he_experiment(depth, scheme, progress=None, **overrides):
    """Train a ``depth``-layer ReLU MLP (depth weight layers) on ``ellipsoid_task``.

    Same data, the same minibatch sequence and the same seed for every scheme; only the
    weights' variance differs. Returns dict: "loss" (steps,) minibatch BCE, "final_loss"
    and "accuracy" on the whole training set, "out_std" the std of the initial output.
    """
    s = HE_SETUP | overrides
    X, y = ellipsoid_task(s["n"], s["d"], s["data_seed"])
    X, y = X.astype(np.float32), y.astype(np.float32)
    rng = np.random.default_rng(s["seed"])
    sizes = [s["d"]] + [s["width"]] * (depth - 1) + [1]
    params = init_params(sizes, scheme, rng, dtype=np.float32)
    with single_blas_thread():
        out0, _ = nn.forward(params, X, "relu")
    losses = train_sgd(params, X, y, "relu", steps=s["steps"], lr=s["lr"],
                       momentum=s["momentum"], batch=s["batch"], seed=s["seed"],
                       progress=progress)
    with single_blas_thread():
        out, _ = nn.forward(params, X, "relu")
    final, _ = nn.bce_logits_loss(out, y)
    return {"loss": losses, "final_loss": float(final),
            "accuracy": float(np.mean((out > 0) == (y > 0.5))), "out_std": float(out0.std())}
