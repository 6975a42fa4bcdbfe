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
    GAIN_ACTIVATIONS (f, f′, PyTorch's gain) / selu, dselu / normal_mean(g, q)
    forward_preserving_gain(name, q) / backward_preserving_gain(name, q)
    gain_fixed_point(name, gain, q0, layers) -> (q after the layers, gradient gain there)
"""
from __future__ import annotations

import functools

import numpy as np

from .activations import get_activation


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
    f = get_activation(act).f
    q = np.empty(depth)
    q[0] = scale ** 2 * input_var
    for l in range(1, depth):
        q[l] = scale ** 2 * gauss_mean(lambda z: f(z) ** 2, q[l - 1])
    return q


def layer_gains(act, scale, depth, input_var=1.0):
    """χ_l = s² E f′(z_l)², l = 1..depth: E‖∂L/∂Y_{l−1}‖² / E‖∂L/∂Y_l‖²."""
    df = get_activation(act).df
    q = pre_activation_variances(act, scale, depth, input_var)
    return np.array([scale ** 2 * gauss_mean(lambda z: df(z) ** 2, ql) for ql in q])


def predicted_delta_ratios(act, scale, depth, input_var=1.0):
    """‖∂L/∂Y_l‖ / ‖∂L/∂Y_depth‖ for l = 1..depth predicted by the gains:
    ∏_{k=l+1}^{depth} √χ_k (1 at l = depth)."""
    chi = layer_gains(act, scale, depth, input_var)
    logs = 0.5 * np.log(chi[1:])
    return np.exp(np.append(np.cumsum(logs[::-1])[::-1], 0.0))


# ----------------------------------------------------------------- the gain table

#: SELU's constants (Klambauer et al., 2017): with weights of variance 1/n the map
#: (mean 0, variance 1) → (mean 0, variance 1) is a fixed point
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_LAMBDA = 1.0507009873554804934193349852946


def selu(z):
    return SELU_LAMBDA * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0.0)))


def dselu(z):
    return SELU_LAMBDA * np.where(z > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(z, 0.0)))


def _leaky(alpha):
    return (lambda z: np.where(z > 0, z, alpha * z),
            lambda z: np.where(z > 0, 1.0, alpha))


#: name -> (f, f′, the gain of PyTorch's ``calculate_gain``)
GAIN_ACTIVATIONS = {
    "linear": (lambda z: z, lambda z: np.ones_like(z), 1.0),
    "sigmoid": (get_activation("sigmoid").f, get_activation("sigmoid").df, 1.0),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2, 5.0 / 3.0),
    "relu": (*_leaky(0.0), float(np.sqrt(2.0))),
    "leaky_relu_0.01": (*_leaky(0.01), float(np.sqrt(2.0 / (1 + 0.01 ** 2)))),
    "leaky_relu_0.2": (*_leaky(0.2), float(np.sqrt(2.0 / (1 + 0.2 ** 2)))),
    "selu": (selu, dselu, 0.75),
}


def normal_mean(g, q):
    """E g(z), z ~ N(0, q), by adaptive quadrature on the two half-lines (exact enough for
    integrands with a kink or a jump at 0, where Gauss–Hermite converges slowly)."""
    from scipy import integrate
    s = np.sqrt(q)
    dens = lambda t: np.exp(-0.5 * t * t) / np.sqrt(2 * np.pi)
    h = lambda t: float(np.asarray(g(np.array(s * t)))) * dens(t)
    return (integrate.quad(h, -np.inf, 0.0, epsabs=1e-13, epsrel=1e-12)[0]
            + integrate.quad(h, 0.0, np.inf, epsabs=1e-13, epsrel=1e-12)[0])


def forward_preserving_gain(name, q=1.0):
    """The gain g (Var w = g²/n) that keeps the second moment of the pre-activations:
    g² E f(z)² = q for z ~ N(0, q)."""
    f = GAIN_ACTIVATIONS[name][0]
    return float(np.sqrt(q / normal_mean(lambda z: f(z) ** 2, q)))


def backward_preserving_gain(name, q=1.0):
    """The gain g that keeps the gradient's second moment: g² E f′(z)² = 1, z ~ N(0, q)."""
    df = GAIN_ACTIVATIONS[name][1]
    return float(1.0 / np.sqrt(normal_mean(lambda z: df(z) ** 2, q)))


def gain_fixed_point(name, gain=None, q0=1.0, layers=200):
    """Iterate q ← g² E f(z)², z ~ N(0, q), from q0 (``gain`` default: PyTorch's) for
    ``layers`` layers; returns (q after the layers, the gradient gain g² E f′(z)² there)."""
    f, df, g0 = GAIN_ACTIVATIONS[name]
    g = g0 if gain is None else gain
    q = q0
    for _ in range(layers):
        q = g * g * normal_mean(lambda z: f(z) ** 2, q)
        if q < 1e-300:
            q = 0.0
            break
    chi = g * g * (normal_mean(lambda z: df(z) ** 2, q) if q > 0 else float(df(np.zeros(1))[0] ** 2))
    return q, chi
