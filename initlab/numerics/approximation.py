"""Universal approximation by one hidden layer of sigmoids (the «staircase» behind Cybenko).

    staircase_net(f, n, a, b, tau) / staircase_error_bound(lip, a, b, n, tau)
    lstsq_output(params, x, y) / predict_1d(params, x) / staircase_units(params, x)
    staircase_errors(f, ns, a, b, tau, lstsq, m, norm)
    TARGETS                      key -> (label, f, Lipschitz constant on [0, 1])
"""
from __future__ import annotations

import numpy as np

from . import mlp as nn
from .activations import sigmoid


def staircase_net(f, n, a=0.0, b=1.0, tau=10.0):
    """A one-hidden-layer sigmoid network g ≈ f on [a, b] (the idea behind Cybenko's theorem).

    Knots x_k = a + k·h, h = (b − a)/n; unit k is a smooth step σ(τ(x − c_k)/h) at the
    midpoint c_k of [x_{k−1}, x_k] with height f(x_k) − f(x_{k−1}); the output bias is f(a).
    Returns nn-style params [{"A", "b"}, {"A", "b"}] for act="sigmoid".
    """
    n = int(n)
    h = (b - a) / n
    xk = a + h * np.arange(n + 1)
    fk = np.asarray(f(xk), float)
    c = xk[:-1] + h / 2
    s = tau / h
    return [{"A": np.full((1, n), s), "b": -s * c},
            {"A": np.diff(fk)[:, None], "b": np.array([fk[0]])}]


def staircase_error_bound(lip, a, b, n, tau=10.0):
    """sup |f − g| ≤ L·h·(1 + 2e^(−τ/2)/(1 − e^(−τ))) for an L-Lipschitz f (h = (b − a)/n).

    The ideal staircase is within L·h/2 of f; smoothing adds at most L·h/2 from the nearest
    step and L·h·Σ_{m≥1} 2e^(−τ(m − 1/2)) from the others (σ(−t) ≤ e^(−t)).
    """
    h = (b - a) / n
    return lip * h * (1.0 + 2.0 * np.exp(-tau / 2) / (1.0 - np.exp(-tau)))


def lstsq_output(params, x, y, act="sigmoid"):
    """Refit the output layer (A, b of the last layer) by least squares on (x, y)."""
    H, _ = nn.forward(params[:-1], np.asarray(x, float).reshape(-1, 1), act, out_act=act)
    D = np.hstack([H, np.ones((len(H), 1))])
    coef, *_ = np.linalg.lstsq(D, np.asarray(y, float).ravel(), rcond=None)
    return params[:-1] + [{"A": coef[:-1, None], "b": coef[-1:]}]


def predict_1d(params, x, act="sigmoid"):
    out, _ = nn.forward(params, np.asarray(x, float).reshape(-1, 1), act)
    return out[:, 0]


#: 1-D targets of the approximation explorer: key -> (label, f, Lipschitz constant on [0, 1])
TARGETS = {
    "sin": ("sin(2πx)", lambda x: np.sin(2 * np.pi * x), 2 * np.pi),
    "abs": ("|x − 0,4|", lambda x: np.abs(x - 0.4), 1.0),
    "bump": ("4x(1 − x) + 0,3·sin(9x)", lambda x: 4 * x * (1 - x) + 0.3 * np.sin(9 * x), 6.7),
}


def staircase_units(params, x):
    """The contributions of the hidden units: column k is A2_k·σ(A1_k·x + b1_k)."""
    x = np.asarray(x, float)[:, None]
    return sigmoid(x * params[0]["A"] + params[0]["b"]) * params[1]["A"][:, 0]


def staircase_errors(f, ns, a=0.0, b=1.0, tau=10.0, lstsq=False, m=801, norm="sup"):
    """max |f − g| (norm="sup") or the root mean square (norm="rms") on m points of [a, b]
    for each number of hidden units in ``ns``."""
    x = np.linspace(a, b, m)
    out = []
    for n in ns:
        params = staircase_net(f, n, a, b, tau)
        if lstsq:
            params = lstsq_output(params, x, f(x))
        e = predict_1d(params, x) - f(x)
        out.append(np.max(np.abs(e)) if norm == "sup" else np.sqrt(np.mean(e * e)))
    return np.array(out)
