"""Activation functions, their derivatives and the Gaussian moments the theory needs.

For a pre-activation z ~ N(0, q) the variance recursion of ``initlab.propagate`` needs

    mean(q)                 = E f(z)
    second_moment(q)        = E f(z)²     (a second moment, not a variance: the sigmoid's
                                           outputs have a non-zero mean)
    deriv_second_moment(q)  = E f'(z)²

All three accept a scalar or an array ``q >= 0`` and return float64 of the same shape.
Closed forms are used where they exist (linear, ReLU, leaky ReLU); otherwise a
quadrature (``gauss_expectation``): the trapezoidal rule after the substitution
z = s·sinh(t), s = min(√q, 1), which is exponentially accurate for smooth integrands and
stays accurate from q = 1e-30 to q = 1e30 (fine steps near 0 where tanh and sigmoid
bend, coarse steps in the Gaussian's far tails). The functions ``f`` and ``df`` are
vectorised numpy, keep the dtype of their argument (float32 in the simulation) and
never overflow (the sigmoid is (1 + tanh(z/2))/2, softplus uses ``np.exp`` of
non-positive numbers only). ``f_into`` and ``mul_df`` are the same functions written
in place into preallocated buffers: the simulation's fast path. ``mul_dfy(delta, y)``
multiplies by f'(z) computed from the output y = f(z) alone (tanh: 1 − y², sigmoid:
y(1 − y), ReLU: 1[y > 0], leaky ReLU: 1 or α, softplus: 1 − e^(−y), linear: 1),
overwriting y; it is None where y does not determine f'(z).

API (stable):

    Activation                              frozen dataclass
        .key, .label, .title                identifier, English label, short title (the
                                            Russian ones: ``initlab.text.label/title``)
        .f(z), .df(z)                       the function and its derivative
        .mean(q), .second_moment(q), .deriv_second_moment(q)
        .alpha                              slope for z < 0 (leaky ReLU), else None
        .f_into(z, out, tmp), .mul_df(delta, z, tmp), .mul_dfy(delta, y) or None
                                            in-place kernels of the simulation
    ACTIVATIONS                             Registry key -> Activation: linear, tanh, sigmoid,
                                            relu, leaky_relu (α = 0.01), softplus, elu (α = 1),
                                            gelu (exact: z Φ(z)), silu (z σ(z)); the last three
                                            by quadrature (no closed-form moments)
    get_activation(key_or_activation) -> Activation
    leaky_relu(alpha=0.01) -> Activation    leaky ReLU with slope α
    gauss_expectation(fn, q) -> ndarray     E fn(z), z ~ N(0, q), vectorised over q
    gauss_nodes(q) -> (z, w)                the quadrature nodes and weights behind it

ReLU neuron facts (problem 6d), exact; Monte Carlo counterparts for the tests/checks:

    relu_zero_probability(p_inputs_zero=0.0) -> float
        P(relu(w·x) = 0) for one input x independent of the weights, w iid symmetric
        continuous (e.g. N(0, 1)): 1/2 when x ≠ 0; p + (1 − p)/2 when x = 0 with
        probability p.
    relu_dead_probability(n_inputs=10) -> float
        P(the neuron outputs 0 for EVERY input x ≥ 0) = P(all n weights ≤ 0) = 2^(−n)
        (zero bias, weights iid N(0, 1) or any symmetric continuous law).
    relu_zero_probability_mc(rng, n_inputs=10, trials=100_000, inputs="normal")
    relu_dead_probability_mc(rng, n_inputs=10, trials=100_000, probes=...)
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .registry import Registry

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "gauss_expectation",
    "gauss_nodes",
    "get_activation",
    "leaky_relu",
    "relu_dead_probability",
    "relu_dead_probability_mc",
    "relu_zero_probability",
    "relu_zero_probability_mc",
]

_SQRT_2PI = np.sqrt(2.0 * np.pi)
_N_NODES = 800      # nodes of the sinh-trapezoid rule (even: no node exactly at z = 0);
                    # relative error < 1e-14 for tanh, sigmoid, sech⁴ over q in [1e-30, 1e30]
_SPAN = 9.0         # the rule covers |z| <= 9 √q (the tail beyond has mass < 2e-19)


def gauss_nodes(q, n_nodes: int = _N_NODES) -> tuple[np.ndarray, np.ndarray]:
    """Nodes z and weights w (each of shape q.shape + (n_nodes,)) such that
    ``sum(w * g(z), axis=-1)`` ≈ E g(z) for z ~ N(0, q); needs finite q > 0.

    The trapezoidal rule in t after z = s·sinh(t), s = min(√q, 1), over |z| <= 9√q;
    the weights are normalised to sum to 1.
    """
    sd = np.sqrt(np.asarray(q, dtype=np.float64))[..., None]
    with np.errstate(over="ignore", under="ignore"):
        s = np.minimum(sd, 1.0)
        t = np.arcsinh(_SPAN * sd / s) * np.linspace(-1.0, 1.0, n_nodes)
        z = s * np.sinh(t)
        w = np.cosh(t) * np.exp(-0.5 * (z / sd) ** 2)
    w /= w.sum(axis=-1, keepdims=True)
    return z, w


def gauss_expectation(fn: Callable[[np.ndarray], np.ndarray], q) -> np.ndarray:
    """E fn(z) for z ~ N(0, q), vectorised over ``q`` (float64 result of q's shape).

    ``fn`` must accept a float64 array. q = 0 gives fn(0); q = inf or NaN gives NaN.
    """
    q = np.asarray(q, dtype=np.float64)
    qf = q.reshape(-1)
    out = np.full(qf.shape, np.nan)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        zero = qf == 0
        if zero.any():
            out[zero] = fn(np.zeros(1))[0]
        ok = np.isfinite(qf) & (qf > 0)
        if ok.any():
            z, w = gauss_nodes(qf[ok])
            out[ok] = np.sum(fn(z) * w, axis=-1)
    return out.reshape(q.shape)


def _as_q(q):
    return np.asarray(q, dtype=np.float64)


def _sigmoid(z):
    # σ(z) = (1 + tanh(z/2)) / 2: no exp of a large number, so it never overflows
    z = np.asarray(z)
    half = z.dtype.type(0.5) if z.dtype.kind == "f" else 0.5
    return half + half * np.tanh(half * z)


def _dsigmoid(z):
    # σ'(z) = σ(z)(1 − σ(z)) = (1 − tanh²(z/2)) / 4
    z = np.asarray(z)
    half = z.dtype.type(0.5) if z.dtype.kind == "f" else 0.5
    t = np.tanh(half * z)
    return half * half * (1 - t * t)


def _tanh(z):
    return np.tanh(z)


def _dtanh(z):
    t = np.tanh(z)
    return 1.0 - t * t


def _softplus(z):
    # log(1 + e^z) = max(z, 0) + log1p(e^(−|z|)): exp of a non-positive number only
    z = np.asarray(z)
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def _identity(z):
    return np.asarray(z)


def _ones(z):
    return np.ones_like(z)


def _relu(z):
    return np.maximum(z, 0)


def _drelu(z):
    z = np.asarray(z)
    return (z > 0).astype(z.dtype if z.dtype.kind == "f" else float)



# --- in-place kernels used by the simulation (no allocation: buffers are reused) ---------
# f_into(z, out, tmp) -> array holding f(z) (``out``, or ``z`` itself for the identity);
# mul_df(delta, z, tmp) multiplies ``delta`` by f'(z) in place.

def _generic_f_into(f):
    def f_into(z, out, tmp):
        np.copyto(out, f(z))
        return out
    return f_into


def _generic_mul_df(df):
    def mul_df(delta, z, tmp):
        delta *= df(z)
    return mul_df


def _linear_f_into(z, out, tmp):
    return z


def _linear_mul_df(delta, z, tmp):
    pass


def _tanh_f_into(z, out, tmp):
    return np.tanh(z, out=out)


def _tanh_mul_df(delta, z, tmp):
    np.tanh(z, out=tmp)
    np.multiply(tmp, tmp, out=tmp)
    np.subtract(1, tmp, out=tmp)
    delta *= tmp


def _sigmoid_f_into(z, out, tmp):
    np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    np.multiply(out, 0.5, out=out)
    np.add(out, 0.5, out=out)
    return out


def _sigmoid_mul_df(delta, z, tmp):
    np.multiply(z, 0.5, out=tmp)
    np.tanh(tmp, out=tmp)
    np.multiply(tmp, tmp, out=tmp)
    np.subtract(1, tmp, out=tmp)
    np.multiply(tmp, 0.25, out=tmp)
    delta *= tmp


def _relu_f_into(z, out, tmp):
    return np.maximum(z, 0, out=out)


def _relu_mul_df(delta, z, tmp):
    np.greater(z, 0, out=tmp)          # 1.0 where z > 0, else 0.0
    delta *= tmp


def _softplus_f_into(z, out, tmp):
    np.abs(z, out=out)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    np.maximum(z, 0, out=tmp)
    np.add(out, tmp, out=out)
    return out


def _softplus_mul_df(delta, z, tmp):   # softplus' = sigmoid
    _sigmoid_f_into(z, tmp, None)
    delta *= tmp


# mul_dfy(delta, y) multiplies ``delta`` by f'(z) in place, computed from the OUTPUT
# y = f(z) (the simulation keeps only the activations, not z); ``y`` is overwritten.

def _linear_mul_dfy(delta, y):
    pass


def _tanh_mul_dfy(delta, y):           # tanh' = 1 − y²
    np.multiply(y, y, out=y)
    np.subtract(1, y, out=y)
    delta *= y


def _sigmoid_mul_dfy(delta, y):        # σ' = y (1 − y)
    delta *= y
    np.subtract(1, y, out=y)
    delta *= y


def _relu_mul_dfy(delta, y):           # relu' = 1[y > 0]
    np.greater(y, 0, out=y)
    delta *= y


def _softplus_mul_dfy(delta, y):       # softplus' = σ(z) = 1 − e^(−y) = −expm1(−y)
    np.negative(y, out=y)
    np.expm1(y, out=y)
    np.negative(y, out=y)
    delta *= y


# --- smooth ReLU-like activations: ELU (α = 1), GELU (exact, with Φ), SiLU = z σ(z) --------

def _same_dtype(z, v):
    z = np.asarray(z)
    return v.astype(z.dtype, copy=False) if z.dtype.kind == "f" else v


def _elu(z):
    # z for z > 0, e^z − 1 otherwise (expm1 of a non-positive number: no overflow)
    z = np.asarray(z)
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


def _delu(z):
    z = np.asarray(z)
    one = z.dtype.type(1.0) if z.dtype.kind == "f" else 1.0
    return np.where(z > 0, one, np.exp(np.minimum(z, 0)))


def _elu_mul_dfy(delta, y):             # ELU' = 1 for y > 0, y + 1 = e^z otherwise
    np.add(y, 1.0, out=y)
    np.minimum(y, 1.0, out=y)
    delta *= y


def _gelu(z):
    from scipy.special import ndtr
    z = np.asarray(z)
    return _same_dtype(z, z * ndtr(z))


def _dgelu(z):
    # Φ(z) + z φ(z)
    from scipy.special import ndtr
    z = np.asarray(z)
    with np.errstate(over="ignore"):         # z² = inf far out: φ(z) = 0 there
        return _same_dtype(z, ndtr(z) + z * np.exp(-0.5 * z * z) / _SQRT_2PI)


def _silu(z):
    z = np.asarray(z)
    return z * _sigmoid(z)


def _dsilu(z):
    # σ(z) (1 + z (1 − σ(z)))
    z = np.asarray(z)
    s = _sigmoid(z)
    return s * (1 + z * (1 - s))


@dataclass(frozen=True)
class Activation:
    """An activation f with derivative df and its moments under z ~ N(0, q).

    ``m2``, ``dm2``, ``mean_fn`` are closed forms (callables of q); when None the moment
    is computed by ``gauss_expectation``. ``f_into`` / ``mul_df`` are in-place kernels
    for the simulation (generic ones built from f and df when not given); ``mul_dfy``,
    when given, multiplies by f'(z) knowing only y = f(z) (then the simulation need not
    keep z).
    """

    key: str
    label: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    m2: Callable | None = None
    dm2: Callable | None = None
    mean_fn: Callable | None = None
    alpha: float | None = None
    f_into: Callable | None = None
    mul_df: Callable | None = None
    short: str = ""                   # a short name for small plot titles (default: label)
    mul_dfy: Callable | None = None   # f' from the output y = f(z); None: not possible

    @property
    def title(self) -> str:
        """Short name (``short`` or ``label``)."""
        return self.short or self.label

    def __post_init__(self):
        if self.f_into is None:
            object.__setattr__(self, "f_into", _generic_f_into(self.f))
        if self.mul_df is None:
            object.__setattr__(self, "mul_df", _generic_mul_df(self.df))

    def mean(self, q):
        """E f(z), z ~ N(0, q)."""
        if self.mean_fn is not None:
            return np.asarray(self.mean_fn(_as_q(q)), dtype=np.float64)
        return gauss_expectation(self.f, q)

    def second_moment(self, q):
        """E f(z)², z ~ N(0, q)."""
        if self.m2 is not None:
            return np.asarray(self.m2(_as_q(q)), dtype=np.float64)
        return gauss_expectation(lambda z: self.f(z) ** 2, q)

    def deriv_second_moment(self, q):
        """E f'(z)², z ~ N(0, q)."""
        if self.dm2 is not None:
            return np.asarray(self.dm2(_as_q(q)), dtype=np.float64)
        return gauss_expectation(lambda z: self.df(z) ** 2, q)

    def moments(self, q) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mean, second_moment, deriv_second_moment) at once (one quadrature)."""
        q = _as_q(q)
        if self.mean_fn is not None and self.m2 is not None and self.dm2 is not None:
            return self.mean(q), self.second_moment(q), self.deriv_second_moment(q)
        qf = q.reshape(-1)
        out = np.full((3, qf.size), np.nan)
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            for mask in (qf == 0, np.isfinite(qf) & (qf > 0)):
                if not mask.any():
                    continue
                if qf[mask][0] == 0:   # z = 0 exactly
                    z, w = np.zeros((mask.sum(), 1)), np.ones((mask.sum(), 1))
                else:
                    z, w = gauss_nodes(qf[mask])
                fz, dfz = self.f(z), self.df(z)
                out[:, mask] = [np.sum(fz * w, -1), np.sum(fz * fz * w, -1),
                                np.sum(dfz * dfz * w, -1)]
        out = out.reshape((3,) + q.shape)
        return out[0], out[1], out[2]

    def variance(self, q):
        """Var f(z) = E f(z)² − (E f(z))², z ~ N(0, q)."""
        return self.second_moment(q) - self.mean(q) ** 2


def leaky_relu(alpha: float = 0.01) -> Activation:
    """Leaky ReLU f(z) = z for z > 0, α z otherwise; E f(z)² = (1 + α²) q / 2."""
    a = float(alpha)
    a_txt = f"{a:g}".replace(".", ",")

    def f(z):
        z = np.asarray(z)
        return np.where(z > 0, z, z * z.dtype.type(a) if z.dtype.kind == "f" else a * z)

    def df(z):
        z = np.asarray(z)
        dt = z.dtype if z.dtype.kind == "f" else np.dtype(float)
        return np.where(z > 0, dt.type(1.0), dt.type(a))

    kwargs = {}
    if 0.0 <= a <= 1.0:
        def f_into(z, out, tmp):
            np.multiply(z, a, out=out)
            return np.maximum(z, out, out=out)     # max(z, αz) = leaky(z) for 0 <= α <= 1

        def mul_df(delta, z, tmp):
            np.greater(z, 0, out=tmp)
            np.multiply(tmp, 1.0 - a, out=tmp)
            np.add(tmp, a, out=tmp)
            delta *= tmp

        kwargs = {"f_into": f_into, "mul_df": mul_df}
    if a >= 0.0:
        def mul_dfy(delta, y):              # y > 0 exactly when z > 0 (α ≥ 0)
            np.greater(y, 0, out=y)
            np.multiply(y, 1.0 - a, out=y)
            np.add(y, a, out=y)
            delta *= y

        kwargs["mul_dfy"] = mul_dfy
    return Activation(
        key="leaky_relu" if a == 0.01 else f"leaky_relu_{a:g}",
        label=f"leaky ReLU (α = {a_txt})",
        f=f, df=df,
        m2=lambda q: (1.0 + a * a) * q / 2.0,
        dm2=lambda q: (1.0 + a * a) / 2.0 + 0.0 * q,
        mean_fn=lambda q: (1.0 - a) * np.sqrt(q) / _SQRT_2PI,
        alpha=a, **kwargs,
    )


_LIST = [
    Activation("linear", "linear (identity)", _identity, _ones,
               m2=lambda q: q, dm2=lambda q: 1.0 + 0.0 * q, mean_fn=lambda q: 0.0 * q,
               f_into=_linear_f_into, mul_df=_linear_mul_df, short="linear",
               mul_dfy=_linear_mul_dfy),
    Activation("tanh", "hyperbolic tangent (tanh)", _tanh, _dtanh,
               mean_fn=lambda q: 0.0 * q, f_into=_tanh_f_into, mul_df=_tanh_mul_df,
               short="tanh", mul_dfy=_tanh_mul_dfy),
    Activation("sigmoid", "sigmoid", _sigmoid, _dsigmoid,
               mean_fn=lambda q: 0.5 + 0.0 * q,  # σ(z) + σ(−z) = 1
               f_into=_sigmoid_f_into, mul_df=_sigmoid_mul_df, mul_dfy=_sigmoid_mul_dfy),
    Activation("relu", "ReLU", _relu, _drelu,
               m2=lambda q: q / 2.0, dm2=lambda q: 0.5 + 0.0 * q,
               mean_fn=lambda q: np.sqrt(q) / _SQRT_2PI,
               f_into=_relu_f_into, mul_df=_relu_mul_df, mul_dfy=_relu_mul_dfy),
    leaky_relu(0.01),
    Activation("softplus", "softplus", _softplus, _sigmoid,
               f_into=_softplus_f_into, mul_df=_softplus_mul_df,
               mul_dfy=_softplus_mul_dfy),
    Activation("elu", "ELU (α = 1)", _elu, _delu, mul_dfy=_elu_mul_dfy),
    Activation("gelu", "GELU", _gelu, _dgelu),
    Activation("silu", "SiLU (swish)", _silu, _dsilu),
]

ACTIVATIONS = Registry("activation", {a.key: a for a in _LIST}, kind_of=Activation)


def get_activation(key) -> Activation:
    """The registered activation ``key`` (an Activation passes through unchanged)."""
    return ACTIVATIONS.get(key)


# --- plain functions of the lectures (float64) -------------------------------------------

def step(z):
    """The threshold function 1[z > 0] (float)."""
    return (np.asarray(z) > 0).astype(float)


def sigmoid(z):
    """σ(z) = (1 + tanh(z/2))/2 in float64 (the registry's kernel; never overflows)."""
    return _sigmoid(np.asarray(z, float))


def num_deriv(f, x, h=1e-5):
    """Central finite difference (f(x + h) − f(x − h))/(2h)."""
    x = np.asarray(x, float)
    return (f(x + h) - f(x - h)) / (2 * h)


def relu(x):
    return np.maximum(np.asarray(x, float), 0.0)


def prelu(x, beta=0.25):
    """Parametric ReLU: x for x > 0, β·x otherwise (leaky ReLU is β = 0.01)."""
    x = np.asarray(x, float)
    return np.where(x > 0, x, beta * x)


def dprelu(x, beta=0.25):
    x = np.asarray(x, float)
    return np.where(x > 0, 1.0, beta)


def softplus(x):
    return _softplus(np.asarray(x, float))


def dsigmoid(x):
    return _dsigmoid(np.asarray(x, float))


def noisy_relu(x, rng, var=None):
    """max(0, x + ε), ε ~ N(0, var); by default var = σ(x) as in Nair & Hinton (2010)."""
    x = np.asarray(x, float)
    v = sigmoid(x) if var is None else np.broadcast_to(np.asarray(var, float), x.shape)
    return np.maximum(0.0, x + np.sqrt(v) * rng.standard_normal(x.shape))


def noisy_relu_grad(x, rng, var=None):
    """∂/∂x of max(0, x + ε) for the same draw of ε as noisy_relu with an equally seeded rng."""
    x = np.asarray(x, float)
    v = sigmoid(x) if var is None else np.broadcast_to(np.asarray(var, float), x.shape)
    return step(x + np.sqrt(v) * rng.standard_normal(x.shape))


def noisy_relu_mean(x, var=None):
    """E max(0, x + ε) = x·Φ(x/s) + s·φ(x/s), s² = var (σ(x) by default)."""
    from scipy.special import ndtr

    x = np.asarray(x, float)
    s = np.sqrt(sigmoid(x) if var is None else np.asarray(var, float))
    u = x / s
    return x * ndtr(u) + s * np.exp(-0.5 * u * u) / np.sqrt(2 * np.pi)


# --- ReLU neuron: probability of a zero output (problem 6d) -------------------------------

def relu_zero_probability(p_inputs_zero: float = 0.0) -> float:
    """P(relu(w·x) = 0) for one input x independent of the weights (zero bias).

    With w iid from a symmetric continuous law (e.g. N(0, 1)) and x ≠ 0, the sum w·x is
    symmetric about 0 and has no atom there, so P(w·x ≤ 0) = 1/2 whatever x is. If the
    whole input vector is 0 with probability ``p_inputs_zero`` (e.g. it comes from a
    previous ReLU layer), the answer is p + (1 − p)/2.
    """
    p = float(p_inputs_zero)
    return p + (1.0 - p) / 2.0


def relu_dead_probability(n_inputs: int = 10) -> float:
    """P(relu(w·x) = 0 for EVERY x ≥ 0): all n weights ≤ 0, probability 2^(−n).

    Zero bias, weights iid symmetric continuous (N(0, 1)). If some w_i > 0 the input
    x = e_i gives a positive output; if all w_i ≤ 0 every non-negative x gives 0.
    For n = 10 this is 1/1024 ≈ 0.001.
    """
    return 0.5 ** int(n_inputs)


def relu_zero_probability_mc(rng: np.random.Generator, n_inputs: int = 10,
                             trials: int = 100_000, inputs: str = "normal") -> float:
    """Monte Carlo of ``relu_zero_probability``: fresh w ~ N(0, 1) and x for each trial.

    ``inputs``: "normal" (x ~ N(0, 1)), "uniform" (x ~ U[0, 1], non-negative) or
    "relu" (x = relu(N(0, 1)), so x = 0 with probability 2^(−n)).
    """
    w = rng.standard_normal((trials, n_inputs))
    if inputs == "normal":
        x = rng.standard_normal((trials, n_inputs))
    elif inputs == "uniform":
        x = rng.random((trials, n_inputs))
    elif inputs == "relu":
        x = np.maximum(rng.standard_normal((trials, n_inputs)), 0.0)
    else:
        raise ValueError(f"unknown inputs {inputs!r}")
    return float(np.mean(np.einsum("ij,ij->i", w, x) <= 0.0))


def relu_dead_probability_mc(rng: np.random.Generator, n_inputs: int = 10,
                             trials: int = 200_000, probes: int | None = None) -> float:
    """Monte Carlo of ``relu_dead_probability``: the share of neurons (w ~ N(0, 1)) whose
    output is 0 on every probe input x ≥ 0.

    With ``probes=None`` the probes are the basis vectors e_1..e_n (enough: a neuron is
    dead on the whole orthant iff it is dead on them); an integer draws that many random
    x ~ U[0, 1]^n instead (an estimate from above, converging as probes grow).
    """
    w = rng.standard_normal((trials, n_inputs))
    if probes is None:
        x = np.eye(n_inputs)
    else:
        x = rng.random((probes, n_inputs))
    return float(np.mean(np.all(w @ x.T <= 0.0, axis=1)))
