"""Mean-field theory of signal propagation in deep random networks (order and chaos).

The network (Poole et al. 2016; Schoenholz et al. 2017): pre-activations of layer l

    h^l = W^l φ(h^{l-1}) + b^l,   W^l_ij ~ N(0, σ_w²/n),   b^l_i ~ N(0, σ_b²),

all independent, width n → ∞. Then the entries of h^l are Gaussian with variance q^l
(the *length*) and two inputs a, b have pre-activations with covariance q^l_ab:

    q^l      = σ_w² E φ(√q^{l-1} z)² + σ_b²                        (length map)
    q^l_ab   = σ_w² E φ(u_a) φ(u_b) + σ_b²,                         (covariance map)
               u_a = √q_aa z₁,  u_b = √q_bb (c z₁ + √(1 − c²) z₂),  c = q_ab/√(q_aa q_bb)
    χ₁       = σ_w² E φ'(√q* z)²                                    (slope of the c-map at c = 1)
    χ_c      = σ_w² E φ'(u_a) φ'(u_b)  at q*, c*                    (slope at the fixed point c*)
    χ_q      = σ_w² E[φ'(u)² + φ(u) φ''(u)] = σ_w² E[φ(u) φ'(u) z]/√q*, u = √q* z
    ξ_q = −1/ln χ_q,   ξ_c = −1/ln χ_c                             (depth scales)

z, z₁, z₂ independent N(0, 1). Order: χ₁ < 1, c* = 1, ξ_c = −1/ln χ₁; chaos: χ₁ > 1,
c* < 1; the edge of chaos χ₁ = 1, where ξ_c = ∞. Backpropagated errors δ^l = φ'(h^l) ⊙
(W^{l+1})ᵀ δ^{l+1} keep E ‖δ^l‖² = χ₁ E ‖δ^{l+1}‖² per layer at the fixed point q*.

Quadrature: probabilists' Gauss–Hermite (``numpy.polynomial.hermite_e.hermegauss``),
``N_GH = 301`` nodes in one dimension, the tensor grid of ``N_GH2 = 101`` per axis in two. Closed forms for ReLU
(E φ² = q/2, E φ'² = 1/2, the arc-cosine kernel of Cho & Saul 2009) and the linear
activation, whose derivatives are not smooth enough for Gauss–Hermite. Every other
activation of ``initlab.numerics.activations`` goes through the quadrature.

API:

    gh_rule(n=N_GH) -> (z, w)             nodes and weights, Σ w g(z) ≈ E g(z), z ~ N(0, 1)
    mean_sq(act, q), mean_dsq(act, q)     E φ(√q z)², E φ'(√q z)²    (vectorised over q)
    length_map(q, sw2, sb2, act)          one step of the length map
    length_iterates(q0, sw2, sb2, depth, act) -> (depth + 1,)   q^0 .. q^depth
    fixed_point_q(sw2, sb2, act) -> q*    (NaN for ReLU/linear when no unique q* exists,
                                           inf when the length diverges)
    chi1(sw2, sb2, act, q=None)           χ₁ at q* (or at the given q)
    chi_q(sw2, sb2, act)                  slope of the length map at q*
    correlation_map(c, q, sw2, sb2, act)  c^{l} from c^{l-1} for two inputs of length q
    correlation_iterates(q0, c0, sw2, sb2, depth, act) -> (q, c), each (depth + 1,)
    fixed_point_c(sw2, sb2, act) -> c*
    chi_c(sw2, sb2, act)                  slope of the c-map at c*
    depth_scales(sw2, sb2, act) -> (ξ_q, ξ_c)
    Point, point(sw2, sb2, act) -> Point  everything above at once
    critical_sigma_w2(sb2, act) -> σ_w² with χ₁ = 1   (brentq)
    critical_line(sb2s, act) -> array
    chi1_line(sb2s, act) -> array         χ₁ = 1 in the plane (ReLU/linear: σ_w² = 2 / 1)
    phase_grid(sw2s, sb2s, act="tanh", n=41) -> dict of arrays (len(sb2s), len(sw2s))
    relu_cmap(c), relu_cmap_iterates(c0, depth), relu_chi1(sw2)
    xavier_tanh_q(l, q0)                  1/(2l + 1/q0): the asymptotics of q^l at σ_w² = 1, σ_b = 0
    simulate_pair(act, sw2, sb2, width, depth, q0, c0, reps=1, seed=0) -> dict
    simulate_backprop(act, sw2, sb2, width, depth, reps=1, seed=0, q0=None) -> dict
    digits_data(n_train=1000, seed=0) -> (X, y)      scikit-learn's load_digits, standardised
    train_grid(sw2s, depths, ...) -> TrainGrid       the trainability experiment
    trainable_depth(grid), trainable_ratio(grid)     largest depth trained to 50 %, / ξ_c

``initlab.numerics.propagate.simulate`` has zero biases, one input and no correlations,
so the two-input and backprop simulations live here.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy.optimize import brentq

from .activations import get_activation

__all__ = [
    "ACTIVATIONS_MF",
    "CRITICAL_TABLE_SB2",
    "N_GH",
    "N_GH2",
    "Point",
    "TrainGrid",
    "chi1",
    "chi1_line",
    "chi_c",
    "chi_q",
    "correlation_iterates",
    "correlation_map",
    "critical_line",
    "critical_sigma_w2",
    "depth_scales",
    "digits_data",
    "fixed_point_c",
    "fixed_point_q",
    "gh_rule",
    "length_iterates",
    "length_map",
    "mean_dsq",
    "mean_sq",
    "phase_grid",
    "point",
    "relu_chi1",
    "relu_cmap",
    "relu_cmap_iterates",
    "simulate_backprop",
    "simulate_pair",
    "train_grid",
    "trainable_depth",
    "trainable_ratio",
    "xavier_tanh_q",
]

N_GH = 301      # 1-d nodes (hermegauss overflows beyond ~350); E tanh'(√q z)² to 1e-12 at
                # q = 2.2, 2.5e-7 at q = 6, 1.3e-5 at q = 10 (vs the sinh rule of activations)
N_GH2 = 101     # per axis of the 2-d tensor grid of the c-map (101² = 10 201 nodes)
CRITICAL_TABLE_SB2 = (0.0, 0.01, 0.05, 0.1, 0.3, 1.0, 2.0)
ACTIVATIONS_MF = ("tanh", "relu", "linear", "sigmoid")   # what the chapter's explorer offers
_CLOSED = {"relu": 2.0, "linear": 1.0}   # σ_w² at which E φ(√q z)² σ_w² = q (gain)


@lru_cache(maxsize=8)
def _gh(n: int):
    z, w = hermegauss(n)
    w = w / w.sum()            # Σ w = 1: the weights of the standard normal law
    z.setflags(write=False)
    w.setflags(write=False)
    return z, w


def gh_rule(n: int = N_GH) -> tuple[np.ndarray, np.ndarray]:
    """Probabilists' Gauss–Hermite nodes z and weights w (Σ w = 1) for E g(z), z ~ N(0, 1)."""
    z, w = _gh(int(n))
    return z.copy(), w.copy()


def _key(act) -> str:
    return get_activation(act).key


def _e1(fn, q, n=N_GH):
    """E fn(√q z) for z ~ N(0, 1), vectorised over q (q >= 0)."""
    z, w = _gh(n)
    q = np.asarray(q, dtype=np.float64)
    u = np.sqrt(np.maximum(q, 0.0))[..., None] * z
    return np.sum(fn(u) * w, axis=-1)


def mean_sq(act, q, n: int = N_GH):
    """E φ(√q z)², z ~ N(0, 1)."""
    a = get_activation(act)
    q = np.asarray(q, dtype=np.float64)
    if a.key == "relu":
        return q / 2.0
    if a.key == "linear":
        return q.copy()
    return _e1(lambda u: a.f(u) ** 2, q, n)


def mean_dsq(act, q, n: int = N_GH):
    """E φ'(√q z)², z ~ N(0, 1)."""
    a = get_activation(act)
    q = np.asarray(q, dtype=np.float64)
    if a.key == "relu":
        return np.full(q.shape, 0.5)
    if a.key == "linear":
        return np.ones(q.shape)
    return _e1(lambda u: a.df(u) ** 2, q, n)


def length_map(q, sw2, sb2, act="tanh"):
    """q^l = σ_w² E φ(√q^{l-1} z)² + σ_b² (vectorised over q, σ_w², σ_b²)."""
    return np.asarray(sw2) * mean_sq(act, q) + np.asarray(sb2)


def length_iterates(q0, sw2, sb2, depth: int, act="tanh") -> np.ndarray:
    """q^0 = q0, q^1, …, q^depth of the length map."""
    out = np.empty(depth + 1)
    out[0] = q0
    for l in range(1, depth + 1):
        out[l] = length_map(out[l - 1], sw2, sb2, act)
    return out


def fixed_point_q(sw2: float, sb2: float, act="tanh") -> float:
    """The stable fixed point q* of the length map.

    Bounded activations (tanh, sigmoid): the root of σ_w² E φ² + σ_b² − q on
    [0, σ_w² sup φ² + σ_b²] by ``brentq``; for σ_b² = 0 and an odd φ with σ_w² φ'(0)² ≤ 1
    it is q* = 0. ReLU/linear (E φ² = q/g, g = 2 or 1): q* = σ_b²/(1 − σ_w²/g) for
    σ_w² < g; inf for σ_w² > g, or σ_w² = g with σ_b² > 0 (the length grows without
    bound); NaN for σ_w² = g, σ_b² = 0 (every q is a fixed point).
    """
    sw2, sb2 = float(sw2), float(sb2)
    key = _key(act)
    if key in _CLOSED:
        g = _CLOSED[key]
        if sw2 < g:
            return sb2 / (1.0 - sw2 / g)
        if sw2 == g and sb2 == 0.0:
            return float("nan")
        return float("inf")

    def gap(q):
        return float(length_map(q, sw2, sb2, key)) - q

    hi = sw2 * 1.0 + sb2 + 1.0     # sup φ² <= 1 for tanh and sigmoid
    if sb2 == 0.0 and abs(gap(0.0)) < 1e-300:   # φ(0) = 0: q = 0 is a fixed point
        lo = 1e-12
        if gap(lo) <= 0.0:       # q = 0 attracts (σ_w² φ'(0)² <= 1)
            return 0.0
        return brentq(gap, lo, hi, xtol=1e-14, rtol=1e-13)
    return brentq(gap, 0.0, hi, xtol=1e-14, rtol=1e-13)


def chi1(sw2: float, sb2: float, act="tanh", q: float | None = None) -> float:
    """χ₁ = σ_w² E φ'(√q* z)² (at the given ``q`` instead of q* if given)."""
    key = _key(act)
    if key in _CLOSED:
        return float(sw2) / _CLOSED[key]
    if q is None:
        q = fixed_point_q(sw2, sb2, key)
    return float(sw2 * mean_dsq(key, q))


def chi_q(sw2: float, sb2: float, act="tanh") -> float:
    """Slope of the length map at q*: σ_w² E[φ(u) φ'(u) z]/√q*, u = √q* z (Stein's lemma
    turns it into σ_w² E[φ'(u)² + φ(u)φ''(u)]); at q* = 0 it is σ_w² φ'(0)²."""
    a = get_activation(act)
    if a.key in _CLOSED:
        return float(sw2) / _CLOSED[a.key]
    q = fixed_point_q(sw2, sb2, a.key)
    if q == 0.0:
        return float(sw2 * a.df(np.zeros(1))[0] ** 2)
    z, w = _gh(N_GH)
    s = np.sqrt(q)
    u = s * z
    return float(sw2 * np.sum(w * a.f(u) * a.df(u) * z) / s)


def _e2(fn1, fn2, q1, q2, c, n=N_GH2):
    """E fn1(u₁) fn2(u₂), u₁ = √q1 z₁, u₂ = √q2 (c z₁ + √(1−c²) z₂); vectorised."""
    z, w = _gh(n)
    q1, q2, c = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (q1, q2, c)))
    c = np.clip(c, -1.0, 1.0)
    s = np.sqrt(np.maximum(1.0 - c * c, 0.0))
    e = (Ellipsis, None, None)
    u1 = np.sqrt(q1)[e] * z[:, None]                                  # (..., n, 1)
    u2 = np.sqrt(q2)[e] * (c[e] * z[:, None] + s[e] * z[None, :])     # (..., n, n)
    return np.einsum("...ij,i,j->...", fn1(u1) * fn2(u2), w, w)


def _relu_kernel(c):
    """(√(1 − c²) + (π − arccos c) c)/π = E relu(z₁) relu(c z₁ + √(1−c²) z₂) · 2."""
    c = np.clip(np.asarray(c, dtype=np.float64), -1.0, 1.0)
    return (np.sqrt(1.0 - c * c) + (np.pi - np.arccos(c)) * c) / np.pi


def relu_cmap(c):
    """The ReLU correlation map at σ_b = 0: c' = [√(1−c²) + (π − arccos c) c]/π
    (independent of σ_w² and q)."""
    return _relu_kernel(c)


def relu_cmap_iterates(c0: float, depth: int) -> np.ndarray:
    """c^0 = c0, …, c^depth of ``relu_cmap``."""
    out = np.empty(depth + 1)
    out[0] = c0
    for l in range(1, depth + 1):
        out[l] = relu_cmap(out[l - 1])
    return out


def relu_chi1(sw2):
    """χ₁ = σ_w² E 1[z > 0] = σ_w²/2 for ReLU, whatever q."""
    return np.asarray(sw2, dtype=np.float64) / 2.0


def _cov_term(key, q1, q2, c, n=N_GH2):
    """E φ(u₁) φ(u₂) for the pre-activation correlation c."""
    if key == "relu":
        return np.sqrt(np.asarray(q1) * np.asarray(q2)) * _relu_kernel(c) / 2.0
    if key == "linear":
        return np.sqrt(np.asarray(q1) * np.asarray(q2)) * np.asarray(c)
    a = get_activation(key)
    return _e2(a.f, a.f, q1, q2, c, n)


def _dcov_term(key, q1, q2, c, n=N_GH2):
    """E φ'(u₁) φ'(u₂) (the slope of the covariance map in q_ab)."""
    if key == "relu":   # P(u₁ > 0, u₂ > 0) = (π − arccos c)/(2π)
        return (np.pi - np.arccos(np.clip(np.asarray(c, float), -1, 1))) / (2 * np.pi)
    if key == "linear":
        return np.ones(np.shape(c))
    a = get_activation(key)
    return _e2(a.df, a.df, q1, q2, c, n)


def correlation_map(c, q, sw2, sb2, act="tanh", q_next=None, n: int = N_GH2):
    """c^l from c^{l-1} for two inputs of the same length q^{l-1} = q:
    (σ_w² E φ(u₁)φ(u₂) + σ_b²)/q^l with q^l = length_map(q) (or ``q_next``)."""
    key = _key(act)
    if q_next is None:
        q_next = length_map(q, sw2, sb2, key)
    return (np.asarray(sw2) * _cov_term(key, q, q, c, n) + np.asarray(sb2)) / q_next


def correlation_iterates(q0, c0, sw2, sb2, depth: int, act="tanh"):
    """(q, c), each of length depth + 1: lengths and correlations of two inputs that start
    with the same length q0 and correlation c0."""
    q = length_iterates(q0, sw2, sb2, depth, act)
    c = np.empty(depth + 1)
    c[0] = c0
    for l in range(1, depth + 1):
        c[l] = correlation_map(c[l - 1], q[l - 1], sw2, sb2, act, q_next=q[l])
    return q, c


def fixed_point_c(sw2: float, sb2: float, act="tanh") -> float:
    """The stable fixed point c* of the c-map at q = q*: 1 in the ordered phase (χ₁ <= 1),
    the root in [0, 1) of c-map(c) − c (``brentq``) in the chaotic phase (0 when the
    c-map maps 0 to 0 or below, e.g. an odd φ at σ_b = 0)."""
    key = _key(act)
    if chi1(sw2, sb2, key) <= 1.0:
        return 1.0
    q = fixed_point_q(sw2, sb2, key)
    if not np.isfinite(q) or q == 0.0:
        return float("nan")

    def gap(c):
        return float(correlation_map(c, q, sw2, sb2, key, q_next=q)) - c

    if gap(0.0) <= 0.0:
        return 0.0
    hi = 1.0 - 1e-6
    if gap(hi) >= 0.0:     # χ₁ barely above 1: c* too close to 1 to separate
        return 1.0
    return brentq(gap, 0.0, hi, xtol=1e-13, rtol=1e-12)


def chi_c(sw2: float, sb2: float, act="tanh") -> float:
    """Slope of the c-map at c*: σ_w² E φ'(u₁)φ'(u₂) at q*, c* (= χ₁ when c* = 1)."""
    key = _key(act)
    cs = fixed_point_c(sw2, sb2, key)
    if cs == 1.0:
        return chi1(sw2, sb2, key)
    q = fixed_point_q(sw2, sb2, key)
    return float(sw2 * _dcov_term(key, q, q, cs))


def _xi(chi):
    chi = np.asarray(chi, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where((chi > 0) & (chi < 1), -1.0 / np.log(np.where(chi > 0, chi, 0.5)),
                        np.inf)


def depth_scales(sw2: float, sb2: float, act="tanh") -> tuple[float, float]:
    """(ξ_q, ξ_c) = (−1/ln χ_q, −1/ln χ_c); inf where the slope is >= 1."""
    return float(_xi(chi_q(sw2, sb2, act))), float(_xi(chi_c(sw2, sb2, act)))


@dataclass(frozen=True)
class Point:
    """Mean-field summary of one (σ_w², σ_b², activation)."""

    sw2: float
    sb2: float
    act: str
    q_star: float
    chi1: float
    c_star: float
    chi_c: float
    xi_q: float
    xi_c: float

    @property
    def phase(self) -> str:
        """"order" (χ₁ < 1), "chaos" (χ₁ > 1) or "critical"."""
        if abs(self.chi1 - 1.0) < 1e-9:
            return "critical"
        return "order" if self.chi1 < 1.0 else "chaos"


def point(sw2: float, sb2: float, act="tanh") -> Point:
    """q*, χ₁, c*, χ_c, ξ_q, ξ_c of one point of the phase diagram."""
    key = _key(act)
    xq, xc = depth_scales(sw2, sb2, key)
    return Point(float(sw2), float(sb2), key, fixed_point_q(sw2, sb2, key),
                 chi1(sw2, sb2, key), fixed_point_c(sw2, sb2, key), chi_c(sw2, sb2, key),
                 xq, xc)


def critical_sigma_w2(sb2: float, act="tanh", lo: float = 0.5, hi: float = 20.0) -> float:
    """σ_w² on the edge of chaos, χ₁(σ_w², σ_b²) = 1, by ``brentq`` (q* recomputed at each
    σ_w²). ReLU/linear: 2 and 1 (for σ_b² = 0; with σ_b² > 0 they have no finite q* at
    χ₁ = 1, and NaN is returned)."""
    key = _key(act)
    if key in _CLOSED:
        return _CLOSED[key] if float(sb2) == 0.0 else float("nan")
    a = get_activation(key)
    if float(sb2) == 0.0 and a.f(np.zeros(1))[0] == 0.0:
        # q* = 0 up to the edge, where χ₁ = σ_w² φ'(0)²; beyond it χ₁ − 1 = O((σ_w² − 1)²)
        # is too flat for a root finder, so return the exact value
        return float(1.0 / a.df(np.zeros(1))[0] ** 2)
    return brentq(lambda s: chi1(s, sb2, key) - 1.0, lo, hi, xtol=1e-12, rtol=1e-12)


def critical_line(sb2s, act="tanh") -> np.ndarray:
    """``critical_sigma_w2`` for each σ_b² of ``sb2s``."""
    return np.array([critical_sigma_w2(s, act) for s in np.atleast_1d(sb2s)])


def chi1_line(sb2s, act="tanh") -> np.ndarray:
    """The curve χ₁ = 1 in the (σ_b², σ_w²) plane: ``critical_line`` for bounded φ; the
    constant σ_w² = g for ReLU (g = 2) and linear (g = 1), where χ₁ = σ_w²/g whatever σ_b²
    (for σ_b² > 0 the length has no fixed point there)."""
    key = _key(act)
    if key in _CLOSED:
        return np.full(np.shape(np.atleast_1d(sb2s)), _CLOSED[key])
    return critical_line(sb2s, key)


def _bisect(gap, lo, hi, iters=60):
    """Vectorised bisection for a root of gap in [lo, hi] where gap(lo) > 0 > gap(hi)."""
    lo, hi = np.array(lo, float), np.array(hi, float)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        pos = gap(mid) > 0
        lo = np.where(pos, mid, lo)
        hi = np.where(pos, hi, mid)
    return 0.5 * (lo + hi)


def phase_grid(sw2s, sb2s, act="tanh", n: int = 41) -> dict:
    """q*, χ₁, c*, χ_c, ξ_c on the grid σ_b² (rows) × σ_w² (columns), vectorised.

    ReLU/linear in closed form (NaN where the length has no fixed point, σ_w² >= g).
    Bounded activations (tanh, sigmoid): q* by vectorised bisection (60 halvings)
    and χ₁ with the 1-d rule of ``point``; c* by vectorised Newton steps from c = 0 and
    χ_c with an n × n Gauss–Hermite grid (n = 41: the colours of a figure, relative error
    ≲ 1e-3 for q* ≤ 5; ``point`` uses 101 × 101). σ_b² = 0 with a zero fixed point is
    handled as in ``fixed_point_q``.
    """
    a = get_activation(act)
    SW, SB = np.meshgrid(np.asarray(sw2s, float), np.asarray(sb2s, float))
    if a.key in _CLOSED:      # ReLU / linear: χ₁ = σ_w²/g, c* = 1 below g, no q* above
        g = _CLOSED[a.key]
        ch1 = SW / g
        below = ch1 < 1
        with np.errstate(divide="ignore", invalid="ignore"):
            qs = np.where(below, SB / (1 - ch1), np.inf)
        nan = np.full_like(SW, np.nan)
        return {"sw2": SW, "sb2": SB, "q_star": qs, "chi1": ch1,
                "c_star": np.where(below, 1.0, nan), "chi_c": np.where(below, ch1, nan),
                "xi_c": np.where(below, _xi(ch1), nan)}
    hi = SW + SB + 1.0
    lo = np.where(SB > 0, 0.0, 1e-12)

    def gap_q(q):
        return SW * _e1(lambda u: a.f(u) ** 2, q) + SB - q

    qs = _bisect(gap_q, lo, hi)
    qs = np.where((SB == 0) & (gap_q(lo) <= 0), 0.0, qs)
    ch1 = SW * _e1(lambda u: a.df(u) ** 2, qs)
    chaos = (ch1 > 1.0) & (qs > 0)
    qpos = np.where(qs > 0, qs, 1.0)

    cs = np.ones_like(SW)
    if chaos.any():
        # Newton from c = 0 on the convex gap c-map(c) − c (slope χ(c) − 1, Price's theorem:
        # d/dc E φ(u₁)φ(u₂) = q E φ'(u₁)φ'(u₂)); it increases monotonically to c*
        sw, sb, qc = SW[chaos], SB[chaos], qpos[chaos]
        c = np.zeros_like(sw)
        g = (sw * _e2(a.f, a.f, qc, qc, c, n) + sb) / qc - c
        c = np.where(g <= 0, 0.0, c)
        for _ in range(30):
            slope = sw * _e2(a.df, a.df, qc, qc, c, n) - 1.0
            step = np.where(g > 0, -g / np.minimum(slope, -1e-12), 0.0)
            c = np.clip(c + step, 0.0, 1.0)
            g = (sw * _e2(a.f, a.f, qc, qc, c, n) + sb) / qc - c
            if np.all(np.abs(g) < 1e-12):
                break
        cs[chaos] = c
    chc = np.where(chaos, SW * _e2(a.df, a.df, qpos, qpos, cs, n), ch1)
    return {"sw2": SW, "sb2": SB, "q_star": qs, "chi1": ch1, "c_star": cs, "chi_c": chc,
            "xi_c": _xi(chc)}


def xavier_tanh_q(l, q0: float = 1.0):
    """Asymptotics of the length at σ_w² = 1, σ_b = 0 (Xavier with tanh, n_in = n_out):
    tanh²(x) = x² − 2x⁴/3 + O(x⁶) and E z⁴ = 3 give q' = q − 2q² + O(q³), so
    1/q^l ≈ 1/q0 + 2l, q^l ≈ 1/(2l + 1/q0) → 1/(2l)."""
    return 1.0 / (2.0 * np.asarray(l, dtype=np.float64) + 1.0 / q0)


# --- simulation of wide random networks ---------------------------------------------------

_WEIGHTS: dict = {}


def _std_weights(seed: int, width: int, depth: int, reps: int):
    """Standard normal weights of layers 1..depth: a list of (W (reps, width, width),
    b (reps, width)) float32 pairs, read-only. Layer l comes from
    ``SeedSequence(seed, spawn_key=(7, width, reps, l))``, so it does not depend on the
    depth; layers are generated on demand and cached (the last two (seed, width, reps))."""
    key = (int(seed), int(width), int(reps))
    layers = _WEIGHTS.pop(key, [])
    while len(layers) < depth:
        l = len(layers) + 1
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7, width, reps, l)))
        W = rng.standard_normal((reps, width, width), dtype=np.float32)
        b = rng.standard_normal((reps, width), dtype=np.float32)
        W.setflags(write=False)
        b.setflags(write=False)
        layers.append((W, b))
    _WEIGHTS[key] = layers
    while len(_WEIGHTS) > 2:
        _WEIGHTS.pop(next(iter(_WEIGHTS)))
    return layers[:depth]


def simulate_pair(act, sw2, sb2, width: int, depth: int, q0: float, c0: float,
                  reps: int = 1, seed: int = 0) -> dict:
    """Two inputs through ``reps`` random networks of the given width and depth.

    Layer-0 pre-activations: h_a = √q0 z₁, h_b = √q0 (c0 z₁ + √(1 − c0²) z₂), z iid N(0, 1)
    (so the two start with length q0 and correlation c0 up to sampling noise); then
    h^l = φ(h^{l-1}) W^l + b^l with W ~ N(0, σ_w²/n), b ~ N(0, σ_b²) (the same b for both
    inputs), float64 arithmetic on float32-stored standard normals.

    Returns {"qa", "qb", "c"}: arrays (reps, depth + 1) of the empirical lengths
    ‖h_a‖²/n, ‖h_b‖²/n and the cosine h_a·h_b/(‖h_a‖‖h_b‖) at layers 0..depth.
    """
    a = get_activation(act)
    layers = _std_weights(seed, width, depth, reps)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(8, width)))
    z = rng.standard_normal((reps, 2, width))
    h = np.empty((reps, 2, width))
    h[:, 0] = np.sqrt(q0) * z[:, 0]
    h[:, 1] = np.sqrt(q0) * (c0 * z[:, 0] + np.sqrt(max(1.0 - c0 * c0, 0.0)) * z[:, 1])
    sw, sb = np.sqrt(sw2 / width), np.sqrt(sb2)
    qa = np.empty((reps, depth + 1))
    qb = np.empty_like(qa)
    c = np.empty_like(qa)

    def record(l):
        na = np.einsum("ri,ri->r", h[:, 0], h[:, 0])
        nb = np.einsum("ri,ri->r", h[:, 1], h[:, 1])
        qa[:, l], qb[:, l] = na / width, nb / width
        c[:, l] = np.einsum("ri,ri->r", h[:, 0], h[:, 1]) / np.sqrt(na * nb)

    record(0)
    for l, (W, b) in enumerate(layers):
        h = np.matmul(a.f(h), W.astype(np.float64)) * sw + sb * b[:, None, :]
        record(l + 1)
    return {"qa": qa, "qb": qb, "c": c}


def simulate_backprop(act, sw2, sb2, width: int, depth: int, reps: int = 1, seed: int = 0,
                      q0: float | None = None) -> dict:
    """Backpropagated error norms in ``reps`` random networks started at the fixed point.

    Forward: h^0 = √q0 z (q0 = q* by default), h^l = φ(h^{l-1}) W^l + b^l for l = 1..depth.
    Backward from δ^depth = r ~ N(0, I) (the gradient of the random linear loss r·h^depth):
    δ^{l-1} = φ'(h^{l-1}) ⊙ (δ^l W^lᵀ), l = depth..1. Mean-field theory:
    E ‖δ^{l-1}‖² = χ₁ E ‖δ^l‖².

    Returns {"norm2": (reps, depth + 1) ‖δ^l‖² for l = 0..depth, "ratio": (reps, depth)
    ‖δ^{l-1}‖²/‖δ^l‖², "q": (reps, depth + 1) the forward lengths}.
    """
    a = get_activation(act)
    if q0 is None:
        q0 = fixed_point_q(sw2, sb2, a.key)
    layers = _std_weights(seed, width, depth, reps)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(9, width)))
    sw, sb = np.sqrt(sw2 / width), np.sqrt(sb2)
    hs = [np.sqrt(q0) * rng.standard_normal((reps, 1, width))]
    for W, b in layers:
        hs.append(np.matmul(a.f(hs[-1]), W.astype(np.float64)) * sw + sb * b[:, None, :])
    delta = rng.standard_normal((reps, 1, width))
    norm2 = np.empty((reps, depth + 1))
    norm2[:, depth] = np.sum(delta ** 2, axis=(1, 2))
    for l in range(depth, 0, -1):
        W = layers[l - 1][0]
        delta = a.df(hs[l - 1]) * np.matmul(delta, np.swapaxes(W, 1, 2)
                                            .astype(np.float64)) * sw
        norm2[:, l - 1] = np.sum(delta ** 2, axis=(1, 2))
    q = np.stack([np.mean(h[:, 0] ** 2, axis=-1) for h in hs], axis=1)
    return {"norm2": norm2, "ratio": norm2[:, :-1] / norm2[:, 1:], "q": q}


# --- trainability (Schoenholz et al. 2017, §5, at book scale) ------------------------------

def digits_data(n_train: int = 1000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n_train`` images of scikit-learn's ``load_digits`` (8×8 = 64 pixels, 10 classes,
    shipped with the package: no download), drawn without replacement by
    ``default_rng(seed)``; every pixel standardised over the whole set (constant pixels
    stay 0), so E x_i² ≈ 1 over the non-constant pixels."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X.astype(np.float64)
    sd = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    idx = np.random.default_rng(seed).choice(len(X), size=n_train, replace=False)
    return X[idx], y[idx].astype(np.int64)


@dataclass
class TrainGrid:
    """Result of ``train_grid``: ``acc[s, d]`` the training accuracy of the network with
    σ_w² = sw2s[s] and depth depths[d] after ``steps`` steps, averaged over ``seeds``
    (``acc_seeds[k, s, d]`` per seed); ``acc0`` the same before training."""

    sw2s: np.ndarray
    depths: np.ndarray
    sb2: float
    width: int
    steps: int
    batch: int
    lr: float
    seeds: tuple
    n_train: int
    acc_seeds: np.ndarray
    acc0_seeds: np.ndarray
    xi_c: np.ndarray = field(default=None)

    @property
    def acc(self) -> np.ndarray:
        return self.acc_seeds.mean(axis=0)

    @property
    def acc0(self) -> np.ndarray:
        return self.acc0_seeds.mean(axis=0)


def _softmax_xent_grad(logits, y):
    """Mean cross-entropy gradient w.r.t. the logits (S, B, 10) for labels y (B,)."""
    z = logits - logits.max(axis=-1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=-1, keepdims=True)
    p[:, np.arange(len(y)), y] -= 1.0
    p /= len(y)
    return p


def _forward(params, X, act):
    """All σ_w² at once: X (B, 64) → logits (S, B, 10); params = [W₁, b₁, W₂, b₂, …]
    with W (S, fan_in, fan_out), b (S, 1, fan_out). Returns (logits, activations)."""
    S = params[0].shape[0]
    acts = [np.broadcast_to(X.astype(params[0].dtype), (S,) + X.shape)]
    for li in range(len(params) // 2 - 1):
        z = np.matmul(acts[-1], params[2 * li])
        z += params[2 * li + 1]
        acts.append(act.f_into(z, z, None))
    return np.matmul(acts[-1], params[-2]) + params[-1], acts


def _mul_dfy(act, d, y):
    """d *= φ'(z) from the activation y = φ(z) (without overwriting y)."""
    act.mul_dfy(d, y.copy())


def train_grid(sw2s, depths, sb2: float = 0.05, width: int = 32, steps: int = 300,
               batch: int = 64, lr: float = 1e-3, seeds=(0,), n_train: int = 1000,
               act="tanh", progress=None) -> TrainGrid:
    """Train tanh networks 64 → [width]×depth → 10 on ``digits_data(n_train)`` for every
    σ_w² of ``sw2s`` and depth of ``depths``; report the training accuracy.

    Initialisation: W ~ N(0, σ_w²/fan_in) for every layer (the readout too),
    b ~ N(0, σ_b²). Training: softmax cross-entropy, ``steps`` steps of RMSProp
    (lr, decay 0.9, ε = 1e-8; the optimiser Schoenholz et al. also used) on minibatches
    of ``batch`` images drawn by the seed. All σ_w² of one depth are trained together as
    one batched computation (their losses are independent). ``progress(k)`` is called
    after each (seed, depth) with k = 1, 2, …
    """
    a = get_activation(act)
    sw2s = np.asarray(sw2s, dtype=np.float64)
    depths = np.asarray(depths, dtype=np.int64)
    X, y = digits_data(n_train, seed=0)
    X32 = X.astype(np.float32)
    S = len(sw2s)
    acc = np.empty((len(seeds), S, len(depths)))
    acc0 = np.empty_like(acc)
    k = 0
    for si, seed in enumerate(seeds):
        for di, L in enumerate(depths):
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(11, int(L))))
            sizes = [X.shape[1]] + [width] * int(L) + [10]
            params = []
            for fi, fo in itertools.pairwise(sizes):
                W = rng.standard_normal((S, fi, fo)) * np.sqrt(sw2s / fi)[:, None, None]
                b = rng.standard_normal((S, 1, fo)) * np.sqrt(sb2)
                params += [W.astype(np.float32), b.astype(np.float32)]
            acc0[si, :, di] = _accuracy(params, X, y, a)
            ms = [np.zeros_like(p) for p in params]
            tmp = [np.empty_like(p) for p in params]
            for _ in range(steps):
                idx = rng.choice(len(X), size=batch, replace=False)
                logits, acts = _forward(params, X32[idx], a)
                d = _softmax_xent_grad(logits, y[idx])
                grads = [None] * len(params)
                for li in range(len(params) // 2 - 1, -1, -1):
                    W = params[2 * li]
                    grads[2 * li] = np.matmul(np.swapaxes(acts[li], 1, 2), d)
                    grads[2 * li + 1] = d.sum(axis=1, keepdims=True)
                    if li > 0:
                        d = np.matmul(d, np.swapaxes(W, 1, 2))
                        _mul_dfy(a, d, acts[li])
                for p, g, m, t in zip(params, grads, ms, tmp):   # RMSProp, in place
                    np.multiply(g, g, out=t)
                    m *= np.float32(0.9)
                    t *= np.float32(0.1)
                    m += t
                    np.sqrt(m, out=t)
                    t += np.float32(1e-8)
                    np.divide(g, t, out=t)
                    t *= np.float32(lr)
                    p -= t
            acc[si, :, di] = _accuracy(params, X, y, a)
            k += 1
            if progress is not None:
                progress(k)
    res = TrainGrid(sw2s, depths, float(sb2), int(width), int(steps), int(batch), float(lr),
                    tuple(seeds), int(n_train), acc, acc0)
    res.xi_c = np.array([depth_scales(s, sb2, a.key)[1] for s in sw2s])
    return res


def _accuracy(params, X, y, act) -> np.ndarray:
    logits, _ = _forward(params, X, act)
    return np.mean(np.argmax(logits, axis=-1) == y, axis=-1)


def trainable_depth(grid: TrainGrid, threshold: float = 0.5) -> np.ndarray:
    """For each σ_w²: the largest depth L of the grid such that every depth up to L
    reaches a training accuracy >= ``threshold`` (NaN when the shallowest depth fails)."""
    ok = grid.acc >= threshold
    out = np.full(len(grid.sw2s), np.nan)
    for s, row in enumerate(ok):
        if row[0]:
            fail = np.flatnonzero(~row)
            out[s] = grid.depths[fail[0] - 1] if fail.size else grid.depths[-1]
    return out


def trainable_ratio(grid: TrainGrid, threshold: float = 0.5) -> np.ndarray:
    """``trainable_depth`` divided by ξ_c(σ_w²) (NaN when the shallowest depth already
    fails; 0 when ξ_c is infinite)."""
    return trainable_depth(grid, threshold) / grid.xi_c
