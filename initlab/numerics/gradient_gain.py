"""Vanishing and exploding gradients from the per-layer second-moment gain.

For a plain stack Y_l = f(Z_l), Z_l = Y_{l−1} A_l with independent weights of variance
Var(w) = s²/n (n the fan-in), the mean-field picture (the assumptions of problem 6: the
weights of a layer independent of what arrives at it, ∂L/∂Y independent of f′(Z)) gives

    forward:   q_1 = s² E x²,   q_{l+1} = s² E f(z)²,   z ~ N(0, q_l)
    backward:  E‖∂L/∂Y_{l−1}‖² = n Var(w) E f′(z_l)² · E‖∂L/∂Y_l‖² = s² E f′(z_l)² · E‖∂L/∂Y_l‖²

so the gradient norm changes by the factor √(s² E f′(z_l)²) per layer: below 1 it vanishes,
above 1 it explodes (as in d2l.ai §5.4 and CS231n). The bound ∏ sup|f′|·‖A‖₂ only proves
vanishing when it is below 1.

    gauss_mean(g, q) / pre_activation_variances(act, scale, depth, input_var=1.0)
    layer_gains(act, scale, depth) / predicted_delta_ratios(act, scale, depth)
"""
from __future__ import annotations

import functools

import numpy as np

from .mlp import ACTS


@functools.lru_cache(maxsize=1)
def _nodes(n=100):
    # an even number of nodes: no node at 0, so the ReLU kink splits the weight exactly in half
    z, w = np.polynomial.hermite_e.hermegauss(n)
    return z, w / w.sum()


def gauss_mean(g, q):
    """E g(z) for z ~ N(0, q), by Gauss–Hermite quadrature (100 nodes)."""
    z, w = _nodes()
    return float(w @ g(np.sqrt(q) * z))


def pre_activation_variances(act, scale, depth, input_var=1.0):
    """q_l = Var z_l, l = 1..depth: q_1 = s² E x², q_{l+1} = s² E f(z_l)² (zero biases)."""
    f = ACTS[act][0]
    q = np.empty(depth)
    q[0] = scale ** 2 * input_var
    for l in range(1, depth):
        q[l] = scale ** 2 * gauss_mean(lambda z: f(z) ** 2, q[l - 1])
    return q


def layer_gains(act, scale, depth, input_var=1.0):
    """χ_l = s² E f′(z_l)², l = 1..depth: E‖∂L/∂Y_{l−1}‖² / E‖∂L/∂Y_l‖²."""
    df = ACTS[act][1]
    q = pre_activation_variances(act, scale, depth, input_var)
    return np.array([scale ** 2 * gauss_mean(lambda z: df(z) ** 2, ql) for ql in q])


def predicted_delta_ratios(act, scale, depth, input_var=1.0):
    """‖∂L/∂Y_l‖ / ‖∂L/∂Y_depth‖ for l = 1..depth predicted by the gains:
    ∏_{k=l+1}^{depth} √χ_k (1 at l = depth)."""
    chi = layer_gains(act, scale, depth, input_var)
    logs = 0.5 * np.log(chi[1:])
    return np.exp(np.append(np.cumsum(logs[::-1])[::-1], 0.0))
