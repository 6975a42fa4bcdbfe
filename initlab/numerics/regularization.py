"""Dropout and normalisation.

    dropout_mask(rng, shape, p)          the one keep-mask: 1 with probability 1 − p
    dropout(x, p, rng, inverted=True) -> (y, mask)
    all_masks(n) / dropout_moments_exact(x, p, inverted)
    DROPOUT_X / dropout_head(seed) / head_outputs / subnetwork_outputs / head_moments
    DROPOUT_SETUP / dropout_target(X) / dropout_task(seed) / regression_baselines(X, Y, Xe, Ye)
    dropout_forward(params, X, p, rng, caches) / dropout_backward(params, caches, dout)
    mc_dropout_predict(params, X, p, passes, rng)
    train_dropout_net(p, progress, **overrides)
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


#: sizes of the overfitting demonstration; ``seeds``: the data/init seeds it averages over
DROPOUT_SETUP = {"n": 60, "n_test": 1000, "d": 4, "noise": 0.5, "width": 64, "steps": 600,
                 "lr": 3e-3, "every": 50, "seed": 0, "seeds": (0, 1, 2, 3, 4), "mc_passes": 50}

#: E|x₁| for x₁ ~ N(0, 1): the constant that centres the target of ``dropout_task``
ABS_MEAN = float(np.sqrt(2.0 / np.pi))


def dropout_target(X):
    """f(x) = |x₁| − √(2/π) + x₂/2: a kink a linear model cannot fit plus a linear part.

    For x ~ N(0, I): E f = 0, E f² = Var|x₁| + 1/4 = 1 − 2/π + 1/4, and the best linear
    predictor is x₂/2 (|x₁| is uncorrelated with every x_i), leaving E (f − x₂/2)² = 1 − 2/π.
    """
    return np.abs(X[:, :1]) - ABS_MEAN + 0.5 * X[:, 1:2]


def dropout_task(seed=0, n=60, n_test=1000, d=4, noise=0.5):
    """y = f(x) + N(0, noise²) on n points x ~ N(0, I_d) (f of ``dropout_target``: the other
    d − 2 coordinates are irrelevant); the test targets are noiseless f on n_test points."""
    rng = np.random.default_rng(seed)
    X, Xe = rng.standard_normal((n, d)), rng.standard_normal((n_test, d))
    return X, dropout_target(X) + noise * rng.standard_normal((n, 1)), Xe, dropout_target(Xe)


def regression_baselines(X, Y, Xe, Ye):
    """Test losses (MSE/2) of trivial predictors fitted on (X, Y): "zero" (ŷ = 0), "mean"
    (ŷ = mean of Y), "least_squares" (linear regression with an intercept)."""
    def ones(Z):
        return np.hstack([Z, np.ones((len(Z), 1))])
    coef = np.linalg.lstsq(ones(X), Y, rcond=None)[0]
    loss = lambda P: float(0.5 * np.mean((P - Ye) ** 2))
    return {"zero": loss(np.zeros_like(Ye)), "mean": loss(np.full_like(Ye, Y.mean())),
            "least_squares": loss(ones(Xe) @ coef)}


def dropout_forward(params, X, p, rng, caches=None):
    """Forward pass of a ReLU MLP with a linear output layer and inverted dropout of
    probability p after every hidden layer (fresh masks from ``rng``); p = 0 is the
    deterministic network. If ``caches`` is a list, the per-layer (cache, mask) of the
    backward pass (``dropout_backward``) are appended."""
    H, last = X, len(params) - 1
    for j, q in enumerate(params):
        if j == last:
            H, c = H @ q["A"] + q["b"], (H, None)
        else:
            H, c = nn.layer_forward(H, q["A"], q["b"], "relu")
        m = None
        if j < last and p > 0:
            m = dropout_mask(rng, H.shape, p) / (1.0 - p)
            H = H * m
        if caches is not None:
            caches.append((c, m))
    return H


def dropout_backward(params, caches, dout):
    """Gradients {"A", "b"} per layer of ``dropout_forward`` (with its caches) for ∂L/∂out."""
    grads, d = [None] * len(params), dout
    for j in range(len(params) - 1, -1, -1):
        c, m = caches[j]
        if m is not None:
            d = d * m
        if j == len(params) - 1:
            X = c[0]
            d, dA, db = d @ params[j]["A"].T, X.T @ d, d.sum(axis=0)
        else:
            d, dA, db = nn.layer_backward(d, params[j]["A"], c, "relu")
        grads[j] = {"A": dA, "b": db}
    return grads


def mc_dropout_predict(params, X, p, passes, rng):
    """MC dropout (Gal & Ghahramani, 2016): the average of ``passes`` stochastic passes."""
    return np.mean([dropout_forward(params, X, p, rng) for _ in range(passes)], axis=0)


def train_dropout_net(p, progress=None, **overrides):
    """Train d → width → width → 1 (ReLU, He init) with inverted dropout of probability p on
    both hidden layers (p = 0: no dropout). The same data, init and seed for every p.

    Returns dict: "train" (steps,) training MSE/2 with the masks of that step, "test"
    (steps // every,) test loss of the full network (no dropout) every ``every`` steps,
    "test_init" the untrained network's test loss, "train_full" the final training loss
    without dropout, "test_mc" (p > 0) the test loss of ``mc_dropout_predict`` with
    ``mc_passes`` passes, "params".
    """
    s = DROPOUT_SETUP | overrides
    X, Y, Xe, Ye = dropout_task(s["seed"], s["n"], s["n_test"], s["d"], s["noise"])
    rng = np.random.default_rng(s["seed"] + 1)
    params = nn.init_mlp([s["d"], s["width"], s["width"], 1], rng, np.sqrt(2.0))
    opt = nn.Adam(s["lr"])
    train, test = np.empty(s["steps"]), []
    test_loss = lambda P: float(nn.mse_loss(P, Ye)[0])
    with single_blas_thread():
        test_init = test_loss(dropout_forward(params, Xe, 0.0, rng))
        for i in range(s["steps"]):
            caches = []
            H = dropout_forward(params, X, p, rng, caches)
            train[i], d = nn.mse_loss(H, Y)
            opt.step(params, dropout_backward(params, caches, d))
            if (i + 1) % s["every"] == 0:
                test.append(test_loss(dropout_forward(params, Xe, 0.0, rng)))
            if progress is not None:
                progress(i)
        out = {"train": train, "test": np.array(test), "every": s["every"], "test_init": test_init,
               "train_full": float(nn.mse_loss(dropout_forward(params, X, 0.0, rng), Y)[0]),
               "params": params}
        if p > 0:
            mc_rng = np.random.default_rng(s["seed"] + 2)
            out["test_mc"] = test_loss(mc_dropout_predict(params, Xe, p, s["mc_passes"], mc_rng))
    return out


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
    """Normalise each row (one object) by its own mean and variance over the coordinates.

    This is layer normalisation (Ba, Kiros, Hinton 2016) without gain and bias; the name is
    historical (instance normalisation proper normalises each channel of one image over its
    spatial positions). ``layernorm`` is the same function.
    """
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=1, keepdims=True)
    var = X.var(axis=1, keepdims=True)
    return (X - mean) / np.sqrt(var + eps)


layernorm = instancenorm


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
