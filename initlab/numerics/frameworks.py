"""What the frameworks do by default, as data: PyTorch, Keras, Flax dense layers and the
gain table of ``torch.nn.init.calculate_gain``.

Default initialisations of a dense layer with weight matrix (fan_in, fan_out):

    torch  nn.Linear   weight kaiming_uniform_(a=√5): gain = √(2/(1+a²)) = 1/√3,
                       bound = gain·√(3/fan_in) = 1/√fan_in, Var = 1/(3·fan_in);
                       bias U[−1/√fan_in, 1/√fan_in], Var = 1/(3·fan_in)
    keras  Dense       kernel glorot_uniform: U[±√(6/(fan_in+fan_out))], Var = 2/(fan_in+fan_out);
                       bias zeros
    flax   nn.Dense    kernel lecun_normal: a normal truncated at ±2 standard deviations,
                       the scale divided by 0.8796 (the sd of a standard normal truncated
                       at ±2) so that Var = 1/fan_in exactly; bias zeros

Gains (``torch.nn.init.calculate_gain``), ``GAINS`` — the factor g in std = g/√fan:

    linear 1, sigmoid 1, tanh 5/3, relu √2, leaky_relu √(2/(1+α²)) (α = 0.01 by default),
    selu 3/4

For positively homogeneous φ (identity, ReLU, leaky ReLU) g² = 1/E φ(z)² = 1/E φ'(z)²
exactly (z ~ N(0, 1)): the He argument. For tanh and SELU the value is a convention (see
``gain_integrals``): tanh's 1/E tanh'(z)² ≈ 2.153 (g ≈ 1.467) and 1/E tanh(z)² ≈ 2.536
(g ≈ 1.592) at unit pre-activation variance, both below (5/3)² ≈ 2.78; SELU's
E selu(z)² = 1 by construction, so the variance-preserving gain is 1, not 3/4.

Modes. ``fan_in`` keeps the forward variance (Var w = g²/fan_in), ``fan_out`` the backward
one (Var w = g²/fan_out).

API (numpy/scipy only):

    GAINS                 Registry name -> Gain(key, value, exact, note)
    gain(name, param=None) -> float      calculate_gain
    gain_integrals(name) -> (1/E φ², 1/E φ'²)  at z ~ N(0, 1)
    selu(z), dselu(z)                    SELU with λ ≈ 1.0507, α ≈ 1.6733
    kaiming_std(fan_in, fan_out, nonlinearity, a=0, mode="fan_in") -> float
    DEFAULTS              Registry name -> FrameworkDefault(key, weight_var(fi, fo),
                          bias_var(fi, fo), sample(rng, fi, fo) -> (W, b))
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .activations import gauss_expectation, get_activation
from .registry import Registry

__all__ = [
    "DEFAULTS",
    "GAINS",
    "LEAKY_SLOPE",
    "TRUNC_SD",
    "FrameworkDefault",
    "Gain",
    "dselu",
    "fixed_point",
    "gain",
    "gain_integrals",
    "kaiming_std",
    "selu",
    "truncated_normal",
]

SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


def selu(z):
    z = np.asarray(z, dtype=np.float64)
    return SELU_LAMBDA * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0.0)))


def dselu(z):
    z = np.asarray(z, dtype=np.float64)
    return SELU_LAMBDA * np.where(z > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(z, 0.0)))


@dataclass(frozen=True)
class Gain:
    key: str
    value: float
    exact: bool       # True: equals 1/√E φ(z)² = 1/√E φ'(z)²; False: a convention
    f: Callable | None = None
    df: Callable | None = None


def _act(name):
    a = get_activation(name)
    return a.f, a.df


LEAKY_SLOPE = 0.01     # PyTorch's default negative_slope (calculate_gain and nn.LeakyReLU)

GAINS = Registry("gain", {
    "linear": Gain("linear", 1.0, True, *_act("linear")),
    "sigmoid": Gain("sigmoid", 1.0, False, *_act("sigmoid")),
    "tanh": Gain("tanh", 5.0 / 3.0, False, *_act("tanh")),
    "relu": Gain("relu", math.sqrt(2.0), True, *_act("relu")),
    "leaky_relu": Gain("leaky_relu", math.sqrt(2.0 / (1.0 + LEAKY_SLOPE ** 2)), True,
                       *_act("leaky_relu")),
    "selu": Gain("selu", 0.75, False, selu, dselu),
}, kind_of=Gain)


def gain(name: str, param: float | None = None) -> float:
    """``torch.nn.init.calculate_gain(name, param)``; ``param`` is leaky ReLU's slope."""
    if name == "leaky_relu" and param is not None:
        return math.sqrt(2.0 / (1.0 + float(param) ** 2))
    return GAINS.get(name).value


def gain_integrals(name: str, param: float | None = None) -> tuple[float, float]:
    """(1/E φ(z)², 1/E φ'(z)²) for z ~ N(0, 1): the squared gains that keep the forward
    second moment and the backward one at unit pre-activation variance."""
    if name == "leaky_relu" and param is not None:
        a = float(param)
        f = lambda z: np.where(z > 0, z, a * z)
        df = lambda z: np.where(z > 0, 1.0, a)
    else:
        g = GAINS.get(name)
        f, df = g.f, g.df
    m2 = float(gauss_expectation(lambda z: f(z) ** 2, 1.0))
    d2 = float(gauss_expectation(lambda z: df(z) ** 2, 1.0))
    return 1.0 / m2, 1.0 / d2


def kaiming_std(fan_in: int, fan_out: int, nonlinearity: str = "leaky_relu", a: float = 0.0,
                mode: str = "fan_in") -> float:
    """The standard deviation of ``kaiming_normal_``: gain/√fan (a: leaky ReLU's slope);
    ``kaiming_uniform_`` has the same variance with bound √3 times this."""
    fan = {"fan_in": fan_in, "fan_out": fan_out}[mode]
    g = gain(nonlinearity, a) if nonlinearity == "leaky_relu" else gain(nonlinearity)
    return g / math.sqrt(fan)


# standard deviation of N(0, 1) truncated to [−2, 2]
TRUNC_SD = math.sqrt(1.0 - 4.0 * math.exp(-2.0) / math.sqrt(2.0 * math.pi)
                     / math.erf(2.0 / math.sqrt(2.0)))


def truncated_normal(rng, shape, sd: float) -> np.ndarray:
    """N(0, 1) truncated to [−2, 2] by rejection, times sd/TRUNC_SD: the variance is sd²
    (as ``jax.nn.initializers.variance_scaling(..., "truncated_normal")``)."""
    n = int(np.prod(shape))
    out = np.empty(0)
    while out.size < n:
        z = rng.standard_normal(max(2 * (n - out.size), 16))
        out = np.concatenate([out, z[np.abs(z) <= 2.0]])
    return out[:n].reshape(shape) * (sd / TRUNC_SD)


@dataclass(frozen=True)
class FrameworkDefault:
    key: str
    layer: str
    weight_var: Callable[[int, int], float]
    bias_var: Callable[[int, int], float]
    sample: Callable


def _torch_sample(rng, fi, fo):
    b = 1.0 / math.sqrt(fi)      # kaiming_uniform_(a=√5): gain √(1/3), bound gain·√(3/fan_in)
    return rng.uniform(-b, b, (fi, fo)), rng.uniform(-b, b, fo)


def _keras_sample(rng, fi, fo):
    b = math.sqrt(6.0 / (fi + fo))
    return rng.uniform(-b, b, (fi, fo)), np.zeros(fo)


def _flax_sample(rng, fi, fo):
    return truncated_normal(rng, (fi, fo), 1.0 / math.sqrt(fi)), np.zeros(fo)


DEFAULTS = Registry("framework default", {
    "torch": FrameworkDefault("torch", "torch.nn.Linear",
                              lambda fi, fo: 1.0 / (3.0 * fi), lambda fi, fo: 1.0 / (3.0 * fi),
                              _torch_sample),
    "keras": FrameworkDefault("keras", "keras.layers.Dense",
                              lambda fi, fo: 2.0 / (fi + fo), lambda fi, fo: 0.0, _keras_sample),
    "flax": FrameworkDefault("flax", "flax.linen.Dense",
                             lambda fi, fo: 1.0 / fi, lambda fi, fo: 0.0, _flax_sample),
}, kind_of=FrameworkDefault)


def fixed_point(name: str, sigma_w2: float, q0: float = 1.0, iters: int = 500):
    """(q*, χ₁) of the mean-field map q -> σ_w² E φ(√q z)² (no biases), iterated from q0;
    χ₁ = σ_w² E φ'(√q* z)². For tanh with σ_w² = (5/3)²: where the default gain puts a
    deep tanh network (a small stand-in for the order-chaos chapter's machinery)."""
    a = get_activation(name)
    q = float(q0)
    for _ in range(iters):
        q = sigma_w2 * float(a.second_moment(q))
    return q, sigma_w2 * float(a.deriv_second_moment(q))
