"""LSUV — layer-sequential unit-variance initialisation (Mishkin & Matas, 2015, «All you need
is a good init», arXiv:1511.06422).

The algorithm: start from orthogonal weight matrices (Saxe et al., 2013); then, layer by
layer from the input, pass a batch through the network, measure the variance of the layer's
output (its pre-activation z = x W, no bias), and divide W by √Var(z) until
|Var(z) − 1| < tol (at most ``max_iter`` times). Without biases z is linear in W, so one
division already gives Var(z) = 1 on that batch; the loop matters only with normalisation
layers or biases.

Where it lands. Each layer's pre-activations get variance 1; the next layer's input is
φ(z) with z ≈ N(0, 1) (wide layers, mean field), whose second moment is E φ(z)². The
rescaled orthogonal matrix s·Q has n·Var(entry) = s², and |s Q y|² = s²|y|², so the
variance condition reads s² · E φ(z)² = 1:

    σ_w² = s² = 1 / E φ(z)²,  z ~ N(0, 1)         (every layer after the first)

tanh: σ_w² = 1/E tanh²(z) = 2.5357… with q* = 1 and χ₁ = σ_w² E tanh'(z)² ≈ 1.178 > 1: the
chaotic phase, not the critical point (for tanh without biases that is σ_w² = 1, q* = 0).
ReLU: σ_w² = 1/E relu(z)² = 2 — He, χ₁ = σ_w²/2 = 1: marginal, the ReLU critical line.

API (numpy only):

    orthogonal_net(rng, width, depth) -> list  ``depth`` independent Haar-distributed
                                               width×width orthogonal matrices
                                               (numerics.spectra.haar_orthogonal), the
                                               starting point of LSUV
    lsuv_init(weights, X, act, tol=1e-3, max_iter=10) -> (weights, scales2, iters)
        rescaled copies; scales2[l] = n_in·Var(entries) = s_l², the effective σ_w²
    lsuv_fixed_point(act) -> (sigma_w2, chi1)  the mean-field landing point above
    last_input_correlation(weights, X, act) -> float   mean cosine between the rows of the
                                               last layer's input (how alike the batch's
                                               examples have become with depth)
"""
from __future__ import annotations

import numpy as np

from .activations import get_activation
from .spectra import haar_orthogonal

__all__ = [
    "last_input_correlation",
    "layer_preactivation_vars",
    "lsuv_fixed_point",
    "lsuv_init",
    "orthogonal_net",
]


def orthogonal_net(rng: np.random.Generator, width: int, depth: int) -> list:
    """``depth`` independent Haar-distributed width×width orthogonal matrices."""
    return [haar_orthogonal(rng, width) for _ in range(depth)]


def layer_preactivation_vars(weights, X, act) -> np.ndarray:
    """Var(z_l) over the batch and units of each layer's pre-activation z_l = x_{l} W_l,
    x_{l+1} = φ(z_l); ``weights`` are matrices of shape (n_in, n_out)."""
    f = get_activation(act).f
    x = np.asarray(X, dtype=np.float64)
    out = []
    for W in weights:
        z = x @ W
        out.append(float(np.var(z)))
        x = f(z)
    return np.array(out)


def lsuv_init(weights, X, act, tol: float = 1e-3, max_iter: int = 10):
    """LSUV on a plain network x_{l+1} = φ(x_l W_l) (no biases): rescale each W_l, from the
    input on, until the variance of z_l = x_l W_l on the batch X is 1 within ``tol``.

    Returns (new weights, s² per layer = n_in · mean of the entries², iterations per layer).
    """
    f = get_activation(act).f
    ws = [np.array(W, dtype=np.float64) for W in weights]
    x = np.asarray(X, dtype=np.float64)
    iters = []
    for W in ws:
        k = 0
        z = x @ W
        v = np.var(z)
        while abs(v - 1.0) >= tol and k < max_iter:
            W /= np.sqrt(v)
            z = x @ W
            v = np.var(z)
            k += 1
        iters.append(k)
        x = f(z)
    s2 = np.array([W.shape[0] * np.mean(W * W) for W in ws])
    return ws, s2, np.array(iters)


def lsuv_fixed_point(act) -> tuple[float, float]:
    """(σ_w², χ₁) where LSUV lands in the mean field: σ_w² = 1/E φ(z)², χ₁ = σ_w² E φ'(z)²,
    z ~ N(0, 1) (unit pre-activation variance at every layer, no biases)."""
    a = get_activation(act)
    _, m2, dm2 = a.moments(1.0)
    s2 = 1.0 / float(m2)
    return s2, s2 * float(dm2)


def last_input_correlation(weights, X, act) -> float:
    """Mean cosine similarity over all pairs of examples of the input of the last layer
    (φ of the second-to-last pre-activation). ReLU networks at σ_w² = 2 drive it to 1
    (the examples become collinear); chaotic tanh networks keep it well below 1."""
    f = get_activation(act).f
    x = np.asarray(X, dtype=np.float64)
    for W in weights[:-1]:
        x = f(x @ W)
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    c = u @ u.T
    k = len(u)
    return float((c.sum() - np.trace(c)) / (k * (k - 1)))
