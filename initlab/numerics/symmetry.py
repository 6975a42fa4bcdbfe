"""Symmetries of an MLP's parameters: permutations, sign flips and the path between them.

    permute_hidden(params, layer, perm) / flip_hidden(params, layer, unit)
    swap_path(params, layer, i, j, alpha) / loss_along_swap(params, X, Y, act, layer, i, j, alphas)
    regression_data(n) / train_regression(width, act, seed, steps, lr, progress)
"""
from __future__ import annotations

import numpy as np

from . import mlp as nn


def _copy(params):
    return [{k: v.copy() for k, v in p.items()} for p in params]


def permute_hidden(params, layer, perm):
    """Permute the units of hidden layer ``layer``: columns of A_layer, entries of b_layer and
    rows of A_{layer+1}. The network computes the same function."""
    q = _copy(params)
    perm = np.asarray(perm)
    q[layer]["A"] = q[layer]["A"][:, perm]
    q[layer]["b"] = q[layer]["b"][perm]
    q[layer + 1]["A"] = q[layer + 1]["A"][perm, :]
    return q


def flip_hidden(params, layer, unit):
    """Change the signs of the incoming weights, the bias and the outgoing weights of one unit.
    For an odd activation (tanh) the network computes the same function."""
    q = _copy(params)
    q[layer]["A"][:, unit] *= -1
    q[layer]["b"][unit] *= -1
    q[layer + 1]["A"][unit, :] *= -1
    return q


def swap_path(params, layer, i, j, alpha):
    """θ(α) = α·θ + (1 − α)·θ_swapped, θ_swapped = θ with units i and j of ``layer`` exchanged.

    α = 1 gives the original network, α = 0 the permuted one (the same function), α = 1/2 a
    network whose units i and j coincide.
    """
    n = params[layer]["A"].shape[1]
    perm = np.arange(n)
    perm[[i, j]] = perm[[j, i]]
    sw = permute_hidden(params, layer, perm)
    return [{k: alpha * p[k] + (1 - alpha) * s[k] for k in p} for p, s in zip(params, sw)]


def loss_along_swap(params, X, Y, act, layer, i, j, alphas, loss="mse"):
    """The loss along swap_path for each α in ``alphas``."""
    fn = nn.mse_loss if loss == "mse" else nn.bce_logits_loss
    return np.array([fn(nn.forward(swap_path(params, layer, i, j, a), X, act)[0], Y)[0]
                     for a in np.asarray(alphas, float)])


def regression_data(n=64):
    """A 1-D regression task: y = sin(3x) + 0.3·x on n points of [−2, 2]."""
    x = np.linspace(-2, 2, n)[:, None]
    return x, np.sin(3 * x) + 0.3 * x


def train_regression(width=6, act="tanh", seed=0, steps=3000, lr=0.02, progress=None):
    """Train a 1-width-1 MLP on ``regression_data`` (Adam, MSE). Returns (params, X, Y, hist)."""
    X, Y = regression_data()
    params = nn.init_mlp([1, int(width), 1], np.random.default_rng(seed), scale=2.0)
    hist = nn.train(params, X, Y, act=act, loss="mse", steps=steps, lr=lr, progress=progress)
    return params, X, Y, hist
