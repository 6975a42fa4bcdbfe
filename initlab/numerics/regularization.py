"""Dropout and normalisation.

    dropout_mask(rng, shape, p)          the one keep-mask: 1 with probability 1 − p
    dropout(x, p, rng, inverted=True) -> (y, mask)
    all_masks(n) / dropout_moments_exact(x, p, inverted)
    DROPOUT_X / dropout_head(seed) / head_outputs / subnetwork_outputs / head_moments
    DROPOUT_SETUP / dropout_task(seed) / train_dropout_net(p, progress, **overrides)
    batchnorm(X, gamma, beta, eps) -> (Y, mean, var) / instancenorm(X, eps) / BatchNorm1d
"""
from __future__ import annotations

import numpy as np

from . import mlp as nn
from .mlp import single_blas_thread


def dropout_mask(rng, shape, p):
    """The one dropout mask of the course: each unit kept (1.0) with probability 1 − p."""
    return (rng.random(shape) >= p).astype(float)


def dropout(x, p, rng, inverted=True):
    """Zero each entry with probability p; inverted dropout divides the kept ones by 1 − p.

    Returns (y, mask) with mask ∈ {0, 1} of the shape of x. With ``inverted`` E y = x
    exactly; without it E y = (1 − p) x.
    """
    x = np.asarray(x, dtype=float)
    if not 0.0 <= p < 1.0:
        raise ValueError("p must be in [0, 1)")
    mask = dropout_mask(rng, x.shape, p)
    y = x * mask
    return (y / (1.0 - p) if inverted else y), mask


def all_masks(n: int) -> np.ndarray:
    """All 2^n keep-masks of n units (rows), in binary order."""
    return ((np.arange(2 ** n)[:, None] >> np.arange(n)[::-1]) & 1).astype(float)


def dropout_moments_exact(x, p, inverted=True):
    """E y and Var y of ``dropout(x, p)`` per entry, by summing over all 2^n masks.

    Each mask m has probability ∏ (1 − p)^{m_i} p^{1 − m_i}.
    """
    x = np.asarray(x, dtype=float)
    M = all_masks(x.size)
    k = M.sum(axis=1)
    prob = (1.0 - p) ** k * p ** (x.size - k)
    Y = M * x.ravel() / ((1.0 - p) if inverted else 1.0)
    mean = prob @ Y
    var = prob @ (Y - mean) ** 2
    return mean.reshape(x.shape), var.reshape(x.shape)


#: the input on which the dropout figures evaluate ``dropout_head``
DROPOUT_X = np.array([1.0, -0.5, 0.3, 0.8])


def dropout_head(seed: int = 0, d: int = 4, hidden: int = 16):
    """A fixed small net: h = ReLU(x A1 + b1) (dropout acts on h), out = h A2 + b2."""
    rng = np.random.default_rng(seed)
    return {"A1": rng.standard_normal((d, hidden)) * np.sqrt(2.0 / d),
            "b1": 0.1 * rng.standard_normal(hidden),
            "A2": rng.standard_normal((hidden, 1)) / np.sqrt(hidden),
            "b2": np.zeros(1)}


def _hidden(head, x):
    return np.maximum(np.atleast_2d(x) @ head["A1"] + head["b1"], 0.0)


def head_outputs(head, x, p, n=2000, seed=0, inverted=True):
    """Outputs of the head on one input x for n random dropout masks; p = 0 is inference."""
    h = _hidden(head, x)[0]
    rng = np.random.default_rng(seed)
    mask = dropout_mask(rng, (n, h.size), p)
    scale = 1.0 / (1.0 - p) if inverted else 1.0
    return (mask * h * scale) @ head["A2"][:, 0] + head["b2"][0]


def subnetwork_outputs(head, x, masks, p=0.5, inverted=True):
    """Output of the head on x for each given keep-mask (rows of ``masks``)."""
    h = _hidden(head, x)[0]
    scale = 1.0 / (1.0 - p) if inverted else 1.0
    return (masks * h * scale) @ head["A2"][:, 0] + head["b2"][0]


def head_moments(head, x, p, inverted=True):
    """Exact mean and variance of ``head_outputs`` over the masks.

    out = Σ_j m_j c_j s h_j a_j + b with independent m_j ~ Bernoulli(1 − p), s the scale:
    mean = s (1 − p) Σ h_j a_j + b, var = s² p (1 − p) Σ (h_j a_j)².
    """
    u = _hidden(head, x)[0] * head["A2"][:, 0]
    s = 1.0 / (1.0 - p) if inverted else 1.0
    return s * (1.0 - p) * u.sum() + head["b2"][0], s * s * p * (1.0 - p) * np.sum(u ** 2)


#: sizes of the overfitting demonstration
DROPOUT_SETUP = {"n": 60, "n_test": 2000, "d": 10, "noise": 0.5, "width": 256, "steps": 600,
                 "lr": 3e-3, "every": 25, "seed": 0}


def dropout_task(seed=0, n=60, n_test=2000, d=10, noise=0.5):
    """y = sin(2 x·w) + N(0, noise²) on n points; the test targets are noiseless."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((d, 1)) / np.sqrt(d)
    X, Xe = rng.standard_normal((n, d)), rng.standard_normal((n_test, d))
    return X, np.sin(2 * X @ w) + noise * rng.standard_normal((n, 1)), Xe, np.sin(2 * Xe @ w)


def train_dropout_net(p, progress=None, **overrides):
    """Train 10 → 256 → 256 → 1 (ReLU, He init) with inverted dropout of probability p on
    both hidden layers (p = 0: no dropout). The same data, init and seed for every p.

    Returns dict: "train" (steps,) training MSE/2 with the masks of that step, "test"
    (steps // every,) test loss of the full network (no dropout) every ``every`` steps.
    """
    s = DROPOUT_SETUP | overrides
    X, Y, Xe, Ye = dropout_task(s["seed"], s["n"], s["n_test"], s["d"], s["noise"])
    rng = np.random.default_rng(s["seed"] + 1)
    params = nn.init_mlp([s["d"], s["width"], s["width"], 1], rng, np.sqrt(2.0))
    opt = nn.Adam(s["lr"])
    train, test = np.empty(s["steps"]), []
    last = len(params) - 1
    with single_blas_thread():
        for i in range(s["steps"]):
            H, caches, masks = X, [], []
            for j, q in enumerate(params):
                act = "relu" if j < last else "linear"
                H, c = nn.layer_forward(H, q["A"], q["b"], act)
                caches.append((c, act))
                m = None
                if j < last and p > 0:
                    m = dropout_mask(rng, H.shape, p) / (1.0 - p)
                    H = H * m
                masks.append(m)
            train[i], d = nn.mse_loss(H, Y)
            grads = [None] * len(params)
            for j in range(last, -1, -1):
                if masks[j] is not None:
                    d = d * masks[j]
                c, act = caches[j]
                d, dA, db = nn.layer_backward(d, params[j]["A"], c, act)
                grads[j] = {"A": dA, "b": db}
            opt.step(params, grads)
            if (i + 1) % s["every"] == 0:
                test.append(float(nn.mse_loss(nn.forward(params, Xe, "relu")[0], Ye)[0]))
            if progress is not None:
                progress(i)
    return {"train": train, "test": np.array(test), "every": s["every"],
            "train_full": float(nn.mse_loss(nn.forward(params, X, "relu")[0], Y)[0])}


def batchnorm(X, gamma=1.0, beta=0.0, eps=1e-5):
    """Normalise each column (coordinate) by the batch mean and variance, then γ·x̂ + β.

    Var is the biased batch variance (divide by the batch size). Returns (Y, mean, var).
    Each column of Y has mean β and variance γ²·var/(var + ε) exactly.
    """
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0)
    var = X.var(axis=0)
    Y = gamma * (X - mean) / np.sqrt(var + eps) + beta
    return Y, mean, var


def instancenorm(X, eps=1e-5):
    """Normalise each row (one object) by its own mean and variance over the coordinates."""
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=1, keepdims=True)
    var = X.var(axis=1, keepdims=True)
    return (X - mean) / np.sqrt(var + eps)


class BatchNorm1d:
    """Batch normalisation with running averages for inference (PyTorch's convention).

    ``train(X)`` normalises by the batch statistics and updates
    running ← (1 − momentum)·running + momentum·batch statistic (the running variance uses
    the unbiased batch variance); ``eval(X)`` normalises by the running averages, so an
    object's output does not depend on the other objects of its batch.
    """

    def __init__(self, n, momentum=0.1, eps=1e-5):
        self.gamma, self.beta = np.ones(n), np.zeros(n)
        self.running_mean, self.running_var = np.zeros(n), np.ones(n)
        self.momentum, self.eps = momentum, eps

    def train(self, X):
        Y, mean, var = batchnorm(X, self.gamma, self.beta, self.eps)
        m, b = self.momentum, len(X)
        self.running_mean = (1 - m) * self.running_mean + m * mean
        self.running_var = (1 - m) * self.running_var + m * var * b / (b - 1)
        return Y

    def eval(self, X):
        return (self.gamma * (np.asarray(X, dtype=float) - self.running_mean)
                / np.sqrt(self.running_var + self.eps) + self.beta)
