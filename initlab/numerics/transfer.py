"""Transfer learning: pre-train on a large source task, new head, fine-tune; versus scratch.

    transfer_task(seed, ...) / TRANSFER_SETUP
    transfer_pretrain(progress) / transfer_finetune(src, task, progress) / transfer_scratch(task, progress)
    retarget(task, seed) / transfer_unfrozen(src, task, lr, progress) / body_drift(net, src)
"""
from __future__ import annotations

import numpy as np

from . import mlp as nn
from .mlp import single_blas_thread, train_adam
from .schemes import init_params


def transfer_task(seed: int = 0, d: int = 20, k: int = 8, n_source: int = 2000,
                  n_target: int = 30, n_test: int = 2000, noise: float = 0.1):
    """Both tasks read out the same hidden features g(x) = tanh(x T) (k of them).

    Source: y = g(x) U (4 outputs) from ``n_source`` points; target: y = g(x) u + noise, a
    different readout, from only ``n_target`` points. Returns a dict of arrays.
    """
    rng = np.random.default_rng(seed)
    T = rng.standard_normal((d, k)) * (1.5 / np.sqrt(d))
    U = rng.standard_normal((k, 4))
    u = rng.standard_normal((k, 1))
    g = lambda X: np.tanh(X @ T)
    Xs = rng.standard_normal((n_source, d))
    Xt = rng.standard_normal((n_target, d))
    Xe = rng.standard_normal((n_test, d))
    return {"Xs": Xs, "Ys": g(Xs) @ U + noise * rng.standard_normal((n_source, 4)),
            "Xt": Xt, "Yt": g(Xt) @ u + noise * rng.standard_normal((n_target, 1)),
            "Xe": Xe, "Ye": g(Xe) @ u, "noise": noise, "T": T}


def retarget(t, seed, n_target=30, n_test=2000):
    """The same hidden features g(x) = tanh(x T) as task ``t`` (so the same pre-trained
    body fits), but a new readout u, new target points and new test points drawn from
    ``seed``: one more target task for the spread over seeds."""
    rng = np.random.default_rng(seed)
    T = t["T"]
    d, k = T.shape
    u = rng.standard_normal((k, 1))
    g = lambda X: np.tanh(X @ T)
    Xt, Xe = rng.standard_normal((n_target, d)), rng.standard_normal((n_test, d))
    return t | {"Xt": Xt, "Yt": g(Xt) @ u + t["noise"] * rng.standard_normal((n_target, 1)),
                "Xe": Xe, "Ye": g(Xe) @ u}


#: sizes and steps of the transfer demonstration
TRANSFER_SETUP = {"hidden": (64, 16), "n_source": 1000, "pre_steps": 400, "head_steps": 300, "fine_steps": 300,
                      "scratch_steps": 600, "lr": 1e-2, "fine_lr": 1e-3, "seed": 0}


def _test_loss(params, X, Y, act="tanh"):
    with single_blas_thread():
        out, _ = nn.forward(params, X, act)
    return float(nn.mse_loss(out, Y)[0])


def transfer_pretrain(progress=None, **overrides):
    """Stage 1: train d → 64 → 16 → 4 on the source task. Returns (params, task, losses)."""
    s = TRANSFER_SETUP | overrides
    t = transfer_task(s["seed"], n_source=s["n_source"])
    h1, h2 = s["hidden"]
    src = init_params([t["Xs"].shape[1], h1, h2, 4], "xavier_normal",
                      np.random.default_rng(s["seed"] + 1))
    pre = train_adam(src, t["Xs"], t["Ys"], steps=s["pre_steps"], lr=s["lr"], progress=progress)
    return src, t, pre


def transfer_finetune(src, t, progress=None, **overrides):
    """Stage 2: cut the head, put a new 16 → 1 head, train it with the body frozen, then
    fine-tune all layers with a small step. Returns test losses after each phase."""
    s = TRANSFER_SETUP | overrides
    h2 = s["hidden"][1]
    new_head = init_params([h2, 1], "xavier_normal", np.random.default_rng(s["seed"] + 3))[0]
    net = [{k: v.copy() for k, v in p.items()} for p in src[:-1]] + [new_head]
    before = _test_loss(net, t["Xe"], t["Ye"])
    head = train_adam(net, t["Xt"], t["Yt"], steps=s["head_steps"], lr=s["lr"],
                      trainable=[len(net) - 1], progress=progress)
    frozen_same = all(np.array_equal(a["A"], b["A"]) for a, b in zip(net[:-1], src[:-1]))
    after_head = _test_loss(net, t["Xe"], t["Ye"])
    fine = train_adam(net, t["Xt"], t["Yt"], steps=s["fine_steps"], lr=s["fine_lr"],
                      progress=progress)
    return {"head": head, "fine": fine, "test_new_head": before, "test_head": after_head,
            "test_fine": _test_loss(net, t["Xe"], t["Ye"]), "body_unchanged": frozen_same,
            "params": net}


def _new_head_net(src, s):
    h2 = s["hidden"][1]
    new_head = init_params([h2, 1], "xavier_normal", np.random.default_rng(s["seed"] + 3))[0]
    return [{k: v.copy() for k, v in p.items()} for p in src[:-1]] + [new_head]


def body_drift(net, src):
    """How far training moved the body: ‖A − A₀‖_F / ‖A₀‖_F over all body weight matrices
    (every layer but the head) of ``net`` against the pre-trained ``src``."""
    num = sum(np.sum((a["A"] - b["A"]) ** 2) for a, b in zip(net[:-1], src[:-1]))
    den = sum(np.sum(b["A"] ** 2) for b in src[:-1])
    return float(np.sqrt(num / den))


def transfer_unfrozen(src, t, lr, progress=None, **overrides):
    """The pre-trained body with the same new head as ``transfer_finetune``, but every layer
    trained from the first step (nothing frozen), for head_steps + fine_steps steps of Adam
    with step ``lr``. Returns {"loss", "test", "lr"}."""
    s = TRANSFER_SETUP | overrides
    net = _new_head_net(src, s)
    losses = train_adam(net, t["Xt"], t["Yt"], steps=s["head_steps"] + s["fine_steps"], lr=lr,
                        progress=progress)
    return {"loss": losses, "test": _test_loss(net, t["Xe"], t["Ye"]), "lr": lr,
            "drift": body_drift(net, src)}


def transfer_scratch(t, progress=None, **overrides):
    """The same architecture d → 64 → 16 → 1 trained on the target data only."""
    s = TRANSFER_SETUP | overrides
    h1, h2 = s["hidden"]
    net = init_params([t["Xt"].shape[1], h1, h2, 1], "xavier_normal",
                      np.random.default_rng(s["seed"] + 2))
    losses = train_adam(net, t["Xt"], t["Yt"], steps=s["scratch_steps"], lr=s["lr"],
                        progress=progress)
    return {"loss": losses, "test": _test_loss(net, t["Xe"], t["Ye"]),
            "test_zero": float(0.5 * np.mean(t["Ye"] ** 2))}


#: the ridge penalties among which leave-one-out picks (on the target's training points only)
RIDGE_LAMBDAS = tuple(np.logspace(-3, 3, 25))


def _ridge_fit(X, Y, lam):
    """Ridge with an unpenalised intercept: centre, solve, return (coef, intercept)."""
    mx, my = X.mean(axis=0), Y.mean(axis=0)
    Xc, Yc = X - mx, Y - my
    coef = np.linalg.solve(Xc.T @ Xc + lam * np.eye(X.shape[1]), Xc.T @ Yc)
    return coef, my - mx @ coef


def ridge_loo(X, Y, lam):
    """Leave-one-out MSE/2 of ridge (intercept unpenalised), by refitting n times."""
    err = []
    for i in range(len(X)):
        keep = np.arange(len(X)) != i
        coef, b = _ridge_fit(X[keep], Y[keep], lam)
        err.append(float(np.sum((X[i] @ coef + b - Y[i]) ** 2)))
    return 0.5 * float(np.mean(err))


def linear_baselines(t, lambdas=RIDGE_LAMBDAS):
    """Linear models on the target's training points only, test MSE/2: least squares (with
    an intercept; lstsq's minimum-norm solution if underdetermined) and ridge with the
    penalty picked by leave-one-out on the training points (the test set is never used)."""
    X, Y, Xe, Ye = t["Xt"], t["Yt"], t["Xe"], t["Ye"]
    A = np.column_stack([X, np.ones(len(X))])
    w = np.linalg.lstsq(A, Y, rcond=None)[0]
    ls = 0.5 * float(np.mean((np.column_stack([Xe, np.ones(len(Xe))]) @ w - Ye) ** 2))
    loo = [ridge_loo(X, Y, lam) for lam in lambdas]
    lam = float(lambdas[int(np.argmin(loo))])
    coef, b = _ridge_fit(X, Y, lam)
    ridge = 0.5 * float(np.mean((Xe @ coef + b - Ye) ** 2))
    return {"least_squares": ls, "ridge": ridge, "ridge_lambda": lam}
