"""Problem 7: a linear layer whose output is *exactly* N(0, σ²).

One output of the layer ``H = XW + b`` is ``h = x_1 w_1 + … + x_k w_k + b`` with ``k``
inputs. The data are ``x_j ~ N(0, 1)`` (part a) or ``x_j ~ U[0, a]`` (part b), all
independent; weights and bias are independent of the data. «h is N(0, σ²)» can mean

* ``mode="joint"``: over the data, the weights and the bias together (each sample of
  ``h`` draws a fresh row of X, a fresh column of W and a fresh b);
* ``mode="fixed"``: over the data only, for weights and bias drawn once and then kept
  (what a layer sees after its initialisation).

Constructions (``CONSTRUCTIONS``; ``s = σ²/(k+1)``):

    key              data     weights w                               bias b
    seed_bernoulli   normal   Bern(p), p(1-p) = s  (seed; wrong)      N(0, s)
    seed_pm1         normal   ±1, seed's Var = 1/4 (wrong)            N(0, σ² - k/4)
    normal_weights   normal   N(0, s)  (the seed rejects it; rightly) N(0, s)
    pm1              normal   ±1 (Var = 1)                            N(0, σ² - k)
    pm_split         normal   ±c, c = σ/√(k+1)                        N(0, s)
    pm_scaled        normal   ±c, c = σ/√k                            0
    seed_quotient    uniform  density of Z/Y, Y ~ U[0, a] (wrong)     N(0, σ² - k)
    chi3             uniform  s·R/a, R ~ χ₃, s = ±1                   N(0, σ² - k)
    chi3_split       uniform  c·s·R/a, c = σ/√(k+1)                   N(0, s)
    chi3_scaled      uniform  c·s·R/a, c = σ/√k                       0

All the corrected constructions are members of one family: weights ±c (part a) or
c·s·R/a (part b) make every x_j w_j exactly N(0, c²), so h ~ N(0, k c² + Var b) over the
joint randomness; any 0 < c² ≤ σ²/k with Var b = σ² − k c² works. ``pm_split`` /
``chi3_split`` realise the seed's own plan (each of the k + 1 summands gets variance s).

API (stable; all functions are pure, vectorised, and draw only through ``rng``):

    CONSTRUCTIONS, get_construction(key)
    problem(key, sigma2, k, a=1.0, n=None, p=None) -> (code, values) | None   why not
    InvalidConstruction(ValueError)   .code, .values (Russian: initlab.text.normal_problem_message)
    parameters(key, sigma2, k, a=1.0) -> dict       p, c, bias_var … of a construction
    sample_data(rng, data, shape, a=1.0)
    sample_weights(key, rng, shape, sigma2, k, a=1.0)
    sample_bias(key, rng, shape, sigma2, k, a=1.0)
    sample_bernoulli(rng, shape, p), sample_pm(rng, shape, c=1.0),
    sample_seed_quotient(rng, shape, a), sample_chi3(rng, shape),
    sample_chi3_weights(rng, shape, a, c=1.0)
    layer_output(X, W, b) -> X @ W + b
    sample_h(key, rng, n, sigma2, k, a=1.0, mode="joint") -> (n,)
    sample_layer(key, rng, n_obs, n_out, sigma2, k, a=1.0) -> H (n_obs, n_out), shared W, b
    seed_quotient_pdf(w, a), seed_quotient_cdf(w, a), chi3_weight_pdf(w, a, c=1.0),
    product_normal_pdf(t), maxwell_from_uniform_pdf(v) (= -v f'(v) for f half-normal)
    exact_moments(key, sigma2, k, a=1.0) -> dict(mean, var, excess_kurtosis, normal)
    conditional_moments(data, W, b, a=1.0) -> dict(mean, var)     (mode "fixed")
    exact_cdf(key, t, sigma2, k, a=1.0) -> F(t) over the joint randomness
    ks_distance(key, sigma2, k, a=1.0) -> sup |F - Φ_σ|   (population KS distance)
    ks_power_lower_bound(d, n, alpha=0.01) -> float      (DKW–Massart)
    sample_moments(h) -> dict(mean, var, excess_kurtosis, n)
    ks_test(h, sigma2) -> (D, p-value)
    qq_data(h, sigma2, m=200) -> (theoretical, sample) quantiles
    verdict_facts(h, sigma2, alpha=0.01, ks=None) -> dict   KS decision, moments that are off
    theory_facts(key, sigma2, k, a=1.0, mode="joint") -> (bool, code, values)
    (their Russian wording: initlab.text.normal_verdict / normal_theory)
    bias_correlation(key, sigma2, k, a=1.0) -> corr(h_1j, h_2j) (joint; shared w and b)
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from .registry import Registry

__all__ = [
    "CONSTRUCTIONS",
    "Construction",
    "InvalidConstruction",
    "bias_correlation",
    "chi3_weight_pdf",
    "conditional_moments",
    "exact_cdf",
    "exact_moments",
    "get_construction",
    "ks_distance",
    "ks_power_lower_bound",
    "ks_test",
    "layer_output",
    "maxwell_from_uniform_pdf",
    "parameters",
    "problem",
    "product_normal_pdf",
    "qq_data",
    "sample_bernoulli",
    "sample_bias",
    "sample_chi3",
    "sample_chi3_weights",
    "sample_data",
    "sample_h",
    "sample_layer",
    "sample_moments",
    "sample_pm",
    "sample_seed_quotient",
    "sample_weights",
    "seed_bernoulli_p",
    "seed_quotient_cdf",
    "seed_quotient_pdf",
    "theory_facts",
    "verdict_facts",
]

MODES = ("joint", "fixed")


@dataclass(frozen=True)
class Construction:
    """One way to initialise (W, b) for problem 7."""

    key: str
    label: str      # English; the Russian one is ``initlab.text.label``
    data: str       # "normal" (part a) or "uniform" (part b)
    seed: bool      # proposed by the source text
    works: bool     # gives h ~ N(0, σ²) over the joint randomness when valid


_LIST = [
    Construction("seed_bernoulli", "a) Bernoulli, p(1−p) = σ²/(k+1) (source)",
                 "normal", True, False),
    Construction("seed_pm1", "a) ±1, b ~ N(0, σ² − k/4) (source)", "normal", True, False),
    Construction("normal_weights", "a) normal weights N(0, σ²/(k+1)) (rejected by the source)",
                 "normal", True, False),
    Construction("pm1", "a) ±1, b ~ N(0, σ² − k) (corrected)", "normal", False, True),
    Construction("pm_split", "a) ±σ/√(k+1), b ~ N(0, σ²/(k+1)) (corrected)", "normal",
                 False, True),
    Construction("pm_scaled", "a) ±σ/√k, b = 0 (corrected)", "normal", False, True),
    Construction("seed_quotient", "b) density of the quotient Z/Y (source)", "uniform",
                 True, False),
    Construction("chi3", "b) ±R/a, R ~ χ₃, b ~ N(0, σ² − k) (corrected)", "uniform",
                 False, True),
    Construction("chi3_split", "b) ±(σ/√(k+1))·R/a, b ~ N(0, σ²/(k+1)) (corrected)",
                 "uniform", False, True),
    Construction("chi3_scaled", "b) ±(σ/√k)·R/a, R ~ χ₃, b = 0 (corrected)", "uniform",
                 False, True),
]

CONSTRUCTIONS = Registry("construction", {c.key: c for c in _LIST}, kind_of=Construction)


def get_construction(key) -> Construction:
    """The registered construction ``key`` (a Construction passes through)."""
    return CONSTRUCTIONS.get(key)


# --------------------------------------------------------------------- validation


def seed_bernoulli_p(sigma2: float, k: int, root: str = "minus") -> float:
    """The seed's p = ½(1 ± √(1 − 4σ²/(k+1))), the root of p(1−p) = σ²/(k+1).

    NaN when the discriminant is negative (σ² > (k+1)/4): p(1−p) ≤ 1/4 always.
    """
    disc = 1.0 - 4.0 * float(sigma2) / (int(k) + 1)
    if disc < 0:
        return math.nan
    sign = -1.0 if root == "minus" else 1.0
    return 0.5 * (1.0 + sign * math.sqrt(disc))


def _is_natural(v, least: int) -> bool:
    if isinstance(v, (bool, np.bool_)):
        return False
    try:
        f = float(v)
    except (TypeError, ValueError):
        return False
    return math.isfinite(f) and f.is_integer() and f >= least


class InvalidConstruction(ValueError):
    """A construction that cannot be built: ``.code`` and ``.values`` say why (the Russian
    sentence is ``initlab.text.normal_problem_message``)."""

    def __init__(self, code: str, values: dict):
        self.code, self.values = code, values
        super().__init__(f"invalid construction: {code} {values}")


def _basic(sigma2, k, a, n, p):
    try:
        sigma2 = float(sigma2)
        a = float(a)
    except (TypeError, ValueError):
        return "not_numbers", {}
    if not math.isfinite(sigma2) or sigma2 <= 0:
        return "sigma2", {"sigma2": sigma2}
    if not math.isfinite(a) or a <= 0:
        return "a", {"a": a}
    if not _is_natural(k, 1):
        return "k", {"k": k}
    if n is not None and not _is_natural(n, 2):
        return "n", {"n": n}
    if p is not None and not (0.0 <= float(p) <= 1.0):
        return "p", {"p": p}
    return None


def problem(key, sigma2: float, k: int, a: float = 1.0, n: int | None = None,
            p: float | None = None):
    """Why ``key`` cannot be built for (σ², k, a): (code, values), or None if it can.

    Codes: "not_numbers", "sigma2", "a", "k", "n", "p" (the arguments themselves);
    "bernoulli_p" (no real p with p(1 − p) = σ²/(k + 1)); "bias_quarter" (σ² − k/4 < 0);
    "bias" (σ² − k < 0 for the constructions whose weights already give variance k).
    """
    basic = _basic(sigma2, k, a, n, p)
    if basic:
        return basic
    c = get_construction(key)
    sigma2, k = float(sigma2), int(k)
    if c.key == "seed_bernoulli":
        lim = (k + 1) / 4.0
        if sigma2 > lim:
            return "bernoulli_p", {"sigma2": sigma2, "k": k, "s": sigma2 / (k + 1), "lim": lim}
    elif c.key == "seed_pm1":
        bv = sigma2 - k / 4.0
        if bv < 0:
            return "bias_quarter", {"sigma2": sigma2, "k": k, "bias_var": bv}
    elif c.key in ("pm1", "chi3", "seed_quotient"):
        bv = sigma2 - k
        if bv < 0:
            return "bias", {"sigma2": sigma2, "k": k, "bias_var": bv, "key": c.key,
                            "data": c.data}
    return None


def _check(key, sigma2, k, a):
    why = problem(key, sigma2, k, a)
    if why:
        raise InvalidConstruction(*why)


def parameters(key, sigma2: float, k: int, a: float = 1.0) -> dict:
    """Parameters of a construction: ``p`` (Bernoulli), ``c`` (scale of ±c or χ₃ weights),
    ``weight_var`` (Var w), ``weight_mean`` (E w), ``bias_var``. Raises InvalidConstruction
    (a ValueError) for invalid combinations."""
    c = get_construction(key)
    _check(c, sigma2, k, a)
    sigma2, k, a = float(sigma2), int(k), float(a)
    s = sigma2 / (k + 1)
    if c.key == "seed_bernoulli":
        p = seed_bernoulli_p(sigma2, k)
        return {"p": p, "weight_mean": p, "weight_var": p * (1 - p), "bias_var": s}
    if c.key == "seed_pm1":
        return {"c": 1.0, "weight_mean": 0.0, "weight_var": 1.0, "bias_var": sigma2 - k / 4}
    if c.key == "normal_weights":
        return {"weight_mean": 0.0, "weight_var": s, "bias_var": s}
    if c.key == "pm1":
        return {"c": 1.0, "weight_mean": 0.0, "weight_var": 1.0, "bias_var": sigma2 - k}
    if c.key == "pm_split":
        cc = math.sqrt(s)
        return {"c": cc, "weight_mean": 0.0, "weight_var": s, "bias_var": s}
    if c.key == "pm_scaled":
        cc = math.sqrt(sigma2 / k)
        return {"c": cc, "weight_mean": 0.0, "weight_var": cc**2, "bias_var": 0.0}
    if c.key == "seed_quotient":
        return {"weight_mean": math.nan, "weight_var": math.inf, "bias_var": sigma2 - k}
    if c.key == "chi3":
        return {"c": 1.0, "weight_mean": 0.0, "weight_var": 3.0 / a**2, "bias_var": sigma2 - k}
    if c.key == "chi3_split":
        cc = math.sqrt(s)
        return {"c": cc, "weight_mean": 0.0, "weight_var": 3.0 * s / a**2, "bias_var": s}
    if c.key == "chi3_scaled":
        cc = math.sqrt(sigma2 / k)
        return {"c": cc, "weight_mean": 0.0, "weight_var": 3.0 * cc**2 / a**2, "bias_var": 0.0}
    raise AssertionError(c.key)


# ----------------------------------------------------------------------- samplers


def sample_data(rng: np.random.Generator, data: str, shape, a: float = 1.0) -> np.ndarray:
    """x ~ N(0, 1) (``data="normal"``) or x ~ U[0, a] (``data="uniform"``)."""
    if data == "normal":
        return rng.standard_normal(shape)
    if data == "uniform":
        return a * rng.random(shape)
    raise ValueError(f"unknown data {data!r}")


def sample_bernoulli(rng: np.random.Generator, shape, p: float) -> np.ndarray:
    """w ~ Bern(p): 1 with probability p, else 0 (floats)."""
    why = _basic(1.0, 1, 1.0, None, p)
    if why:
        raise InvalidConstruction(*why)
    return (rng.random(shape) < p).astype(float)


def sample_signs(rng: np.random.Generator, shape) -> np.ndarray:
    """Independent ±1 with probability ½ each (floats)."""
    return 2.0 * rng.integers(0, 2, size=shape) - 1.0


def sample_pm(rng: np.random.Generator, shape, c: float = 1.0) -> np.ndarray:
    """w = ±c with probability ½ each."""
    return c * sample_signs(rng, shape)


def sample_seed_quotient(rng: np.random.Generator, shape, a: float) -> np.ndarray:
    """The seed's weights: w = Z/Y, Z ~ N(0, 1), Y ~ U[0, a] independent. Its density is
    the seed's f(w) = (1 − exp(−a²w²/2)) / (a √(2π) w²) (``seed_quotient_pdf``)."""
    y = a * (1.0 - rng.random(shape))          # in (0, a]: never divide by zero
    return rng.standard_normal(shape) / y


def sample_chi3(rng: np.random.Generator, shape) -> np.ndarray:
    """R ~ χ₃ (Maxwell): the length of a standard normal vector of R³."""
    return np.sqrt(rng.chisquare(3.0, size=shape))


def sample_chi3_weights(rng: np.random.Generator, shape, a: float, c: float = 1.0) -> np.ndarray:
    """w = c·s·R/a, s = ±1, R ~ χ₃: for x ~ U[0, a] independent, x·w ~ N(0, c²) exactly."""
    return (c / a) * sample_signs(rng, shape) * sample_chi3(rng, shape)


def sample_weights(key, rng: np.random.Generator, shape, sigma2: float, k: int,
                   a: float = 1.0) -> np.ndarray:
    """Weights of construction ``key`` (iid)."""
    c = get_construction(key)
    par = parameters(c, sigma2, k, a)
    if c.key == "seed_bernoulli":
        return sample_bernoulli(rng, shape, par["p"])
    if c.key in ("seed_pm1", "pm1", "pm_split", "pm_scaled"):
        return sample_pm(rng, shape, par["c"])
    if c.key == "normal_weights":
        return math.sqrt(par["weight_var"]) * rng.standard_normal(shape)
    if c.key == "seed_quotient":
        return sample_seed_quotient(rng, shape, a)
    return sample_chi3_weights(rng, shape, a, par["c"])


def sample_bias(key, rng: np.random.Generator, shape, sigma2: float, k: int,
                a: float = 1.0) -> np.ndarray:
    """Bias of construction ``key``: N(0, bias_var) (zeros when bias_var = 0)."""
    bv = parameters(key, sigma2, k, a)["bias_var"]
    if bv == 0:
        return np.zeros(shape)
    return math.sqrt(bv) * rng.standard_normal(shape)


def layer_output(X, W, b) -> np.ndarray:
    """H = X W + b: X (n, k), W (k, m), b (m,)."""
    return np.asarray(X) @ np.asarray(W) + np.asarray(b)


def sample_h(key, rng: np.random.Generator, n: int, sigma2: float, k: int, a: float = 1.0,
             mode: str = "joint") -> np.ndarray:
    """n samples of one output h = Σ x_j w_j + b.

    ``mode="joint"``: n independent copies of (x, w, b); ``mode="fixed"``: w (k,) and b are
    drawn once (first, from ``rng``) and the n samples differ only in the data.
    """
    c = get_construction(key)
    _check(c, sigma2, k, a)
    n, k = int(n), int(k)
    if mode == "joint":
        w = sample_weights(c, rng, (n, k), sigma2, k, a)
        b = sample_bias(c, rng, n, sigma2, k, a)
        x = sample_data(rng, c.data, (n, k), a)
        return np.einsum("ij,ij->i", x, w) + b
    if mode == "fixed":
        w = sample_weights(c, rng, k, sigma2, k, a)
        b = sample_bias(c, rng, (), sigma2, k, a)
        x = sample_data(rng, c.data, (n, k), a)
        return x @ w + b
    raise ValueError(f"unknown mode {mode!r}; known: {MODES}")


def sample_layer(key, rng: np.random.Generator, n_obs: int, n_out: int, sigma2: float, k: int,
                 a: float = 1.0) -> np.ndarray:
    """One layer: W (k, n_out) and b (n_out,) drawn once, X (n_obs, k); returns H = XW + b."""
    c = get_construction(key)
    W = sample_weights(c, rng, (k, n_out), sigma2, k, a)
    b = sample_bias(c, rng, n_out, sigma2, k, a)
    X = sample_data(rng, c.data, (n_obs, k), a)
    return layer_output(X, W, b)


# ---------------------------------------------------------------------- densities

_SQRT2PI = math.sqrt(2.0 * math.pi)


def seed_quotient_pdf(w, a: float) -> np.ndarray:
    """The seed's density f(w) = (1 − e^{−a²w²/2}) / (a√(2π) w²) of Z/Y (value a/(2√(2π))
    at 0). It is a valid density, but its tails are ~ 1/(a√(2π) w²): E|w| = ∞."""
    w = np.asarray(w, dtype=float)
    u = (a * w) ** 2 / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        val = -np.expm1(-u) / (a * _SQRT2PI * w**2)
    return np.where(w == 0, a / (2.0 * _SQRT2PI), val)


def seed_quotient_cdf(w, a: float) -> np.ndarray:
    """P(Z/Y ≤ w) = Φ(a w) − (φ(0) − φ(a w)) / (a w)  (F(0) = ½)."""
    w = np.asarray(w, dtype=float)
    t = a * w
    with np.errstate(divide="ignore", invalid="ignore"):
        val = special.ndtr(t) - (stats.norm.pdf(0.0) - stats.norm.pdf(t)) / t
    return np.where(w == 0, 0.5, val)


def chi3_weight_pdf(w, a: float, c: float = 1.0) -> np.ndarray:
    """Density of w = c·s·R/a (s = ±1, R ~ χ₃): f(w) = (u²/(c/a)) φ(u), u = a w / c."""
    w = np.asarray(w, dtype=float)
    scale = c / a
    u = w / scale
    return u**2 * stats.norm.pdf(u) / scale


def maxwell_from_uniform_pdf(v) -> np.ndarray:
    """f_W(v) = −v f_V'(v) for V = |Z| half-normal: 2 v² φ(v) (v ≥ 0) — the χ₃ density."""
    v = np.asarray(v, dtype=float)
    return np.where(v >= 0, 2.0 * v**2 * stats.norm.pdf(v), 0.0)


def product_normal_pdf(t) -> np.ndarray:
    """Density of x·w for x, w ~ N(0, 1) independent: K₀(|t|)/π (infinite at 0)."""
    t = np.abs(np.asarray(t, dtype=float))
    with np.errstate(divide="ignore"):
        return special.k0(t) / math.pi


# ------------------------------------------------------------------ exact results


def exact_moments(key, sigma2: float, k: int, a: float = 1.0) -> dict:
    """Mean, variance and excess kurtosis of h over the joint randomness, exactly.

    ``normal`` is True when h is exactly N(0, σ²). For the seed's quotient weights the
    mean does not exist (E|h| = ∞) and the variance is infinite.
    """
    c = get_construction(key)
    par = parameters(c, sigma2, k, a)
    sigma2, k = float(sigma2), int(k)
    if c.key == "seed_bernoulli":
        p, s = par["p"], par["bias_var"]
        var = k * p + s                        # E(xw)² = E w² = p, not p(1−p)
        kurt = 3.0 * k * p * (1 - p) / var**2   # h | K ~ N(0, K + s), K ~ Bin(k, p)
        return {"mean": 0.0, "var": var, "excess_kurtosis": kurt, "normal": False}
    if c.key == "seed_pm1":
        var = k * 1.0 + par["bias_var"]         # = σ² + 3k/4
        return {"mean": 0.0, "var": var, "excess_kurtosis": 0.0,
                "normal": math.isclose(var, sigma2)}
    if c.key == "normal_weights":
        s = par["weight_var"]
        var = k * s + par["bias_var"]           # = σ²
        kurt = 6.0 * k * s**2 / var**2           # each x·w: excess 6, variance s
        return {"mean": 0.0, "var": var, "excess_kurtosis": kurt, "normal": False}
    if c.key == "seed_quotient":
        return {"mean": math.nan, "var": math.inf, "excess_kurtosis": math.nan, "normal": False}
    # pm1, pm_split, pm_scaled, chi3, chi3_split, chi3_scaled: x_j w_j ~ N(0, c²) exactly
    return {"mean": 0.0, "var": sigma2, "excess_kurtosis": 0.0, "normal": True}


def conditional_moments(data: str, W, b, a: float = 1.0) -> dict:
    """Mean and variance of h = x·w + b over the data for fixed w (…, k) and b."""
    W = np.asarray(W, dtype=float)
    if data == "normal":
        mx, vx = 0.0, 1.0
    else:
        mx, vx = a / 2.0, a**2 / 12.0
    return {"mean": mx * W.sum(-1) + b, "var": vx * (W**2).sum(-1)}


def _quantile_nodes(dist, m: int) -> np.ndarray:
    return dist.ppf((np.arange(m) + 0.5) / m)


def exact_cdf(key, t, sigma2: float, k: int, a: float = 1.0, m: int = 4000,
              seed: int = 12345) -> np.ndarray:
    """P(h ≤ t) over the joint randomness.

    Exact (closed form or a finite sum) for the Bernoulli and the ±1/χ₃ constructions;
    a 1-D quantile-midpoint quadrature with ``m`` nodes for normal weights (h | x is
    N(0, s(Σx² + 1)), Σx² ~ χ²_k); for the seed's quotient weights h | (x, Y) is
    N(0, Σ(x_j/Y_j)² + bias_var), averaged over ``m`` seeded draws (error ≲ 1/√m).
    """
    c = get_construction(key)
    par = parameters(c, sigma2, k, a)
    t = np.asarray(t, dtype=float)
    k = int(k)
    if c.key == "seed_bernoulli":
        p, s = par["p"], par["bias_var"]
        K = np.arange(k + 1)
        pk = stats.binom.pmf(K, k, p)
        sd = np.sqrt(K + s)
        return (pk * special.ndtr(t[..., None] / sd)).sum(-1)
    if c.key == "normal_weights":
        s = par["weight_var"]
        q = _quantile_nodes(stats.chi2(k), m)
        sd = np.sqrt(s * (q + 1.0))
        return special.ndtr(t[..., None] / sd).mean(-1)
    if c.key == "seed_quotient":
        rng = np.random.default_rng(seed)
        ratio = rng.random((m, k)) / (1.0 - rng.random((m, k)))   # x/Y, ratio of uniforms
        sd = np.sqrt((ratio**2).sum(-1) + par["bias_var"])
        return special.ndtr(t[..., None] / sd).mean(-1)
    return special.ndtr(t / math.sqrt(exact_moments(c, sigma2, k, a)["var"]))


def ks_distance(key, sigma2: float, k: int, a: float = 1.0, **kw) -> float:
    """Population KS distance sup_t |P(h ≤ t) − Φ(t/σ)| over the joint randomness."""
    sd = math.sqrt(float(sigma2))
    t = sd * np.concatenate([np.linspace(-8, 8, 3201), np.geomspace(8, 1e4, 200),
                             -np.geomspace(8, 1e4, 200)])
    return float(np.max(np.abs(exact_cdf(key, t, sigma2, k, a, **kw) - special.ndtr(t / sd))))


def ks_power_lower_bound(d: float, n: int, alpha: float = 0.01) -> float:
    """A lower bound on the power of the KS test of level ``alpha`` against an alternative
    at KS distance ``d`` from the null, with n points.

    The test rejects when D_n exceeds its critical value, which is below the DKW value
    ε_α = √(ln(2/α)/(2n)). Since D_n ≥ d − sup|F_n − F| and (DKW–Massart)
    P(sup|F_n − F| > ε) ≤ 2 exp(−2nε²), the power is at least 1 − 2 exp(−2n(d − ε_α)²).
    """
    eps = math.sqrt(math.log(2.0 / alpha) / (2.0 * n))
    if d <= eps:
        return 0.0
    return max(0.0, 1.0 - 2.0 * math.exp(-2.0 * n * (d - eps) ** 2))


def bias_correlation(key, sigma2: float, k: int, a: float = 1.0) -> float:
    """corr(h_1j, h_2j) over the joint randomness for two observations (rows) of one output.

    They share w and b, their data are independent, so
    Cov = Σ_j (E x)² E w_j² + Var b: for x ~ N(0, 1) only the bias correlates them
    (Cov = Var b), for x ~ U[0, a] the shared weights do too (E x = a/2 ≠ 0):
    Cov = k a²/4 · E w² + Var b. NaN for the seed's quotient weights (E w² = ∞).
    """
    c = get_construction(key)
    par = parameters(c, sigma2, k, a)
    var = exact_moments(c, sigma2, k, a)["var"]
    if not math.isfinite(var):
        return math.nan
    ew2 = par["weight_var"] + par["weight_mean"] ** 2
    mx = 0.0 if c.data == "normal" else float(a) / 2.0
    cov = int(k) * mx**2 * ew2 + par["bias_var"]
    return cov / var


# ------------------------------------------------------------------- from a sample


def sample_moments(h) -> dict:
    """Sample mean, variance (ddof=1) and excess kurtosis of h."""
    h = np.asarray(h, dtype=float)
    n = h.size
    m = h.mean()
    d = h - m
    v2 = np.mean(d * d)
    kurt = np.mean(d**4) / v2**2 - 3.0 if v2 > 0 else math.nan
    return {"mean": float(m), "var": float(v2 * n / (n - 1)), "excess_kurtosis": float(kurt),
            "n": n}


def ks_test(h, sigma2: float) -> tuple[float, float]:
    """KS statistic D_n of h against N(0, σ²) and its p-value."""
    res = stats.kstest(np.asarray(h, dtype=float), stats.norm(scale=math.sqrt(sigma2)).cdf)
    return float(res.statistic), float(res.pvalue)


def qq_data(h, sigma2: float, m: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles of N(0, σ²) and of the sample at m probability levels (i − ½)/m."""
    q = (np.arange(m) + 0.5) / m
    return (math.sqrt(sigma2) * stats.norm.ppf(q),
            np.quantile(np.asarray(h, dtype=float), q))


def verdict_facts(h, sigma2: float, alpha: float = 0.01, ks=None) -> dict:
    """Is the sample h consistent with N(0, σ²)? A KS test of level ``alpha`` decides
    ("normal"); "off" names the moments that are off by more than 4 standard errors under
    N(0, σ²) ("mean", "var", "excess_kurtosis"). ``ks`` = (D, p-value) if already known."""
    h = np.asarray(h, dtype=float)
    n = h.size
    d, pv = ks if ks is not None else ks_test(h, sigma2)
    mo = sample_moments(h)
    off = []
    if abs(mo["mean"]) > 4 * math.sqrt(sigma2 / n):
        off.append("mean")
    if abs(mo["var"] / sigma2 - 1) > 4 * math.sqrt(2.0 / (n - 1)):
        off.append("var")
    if abs(mo["excess_kurtosis"]) > 4 * math.sqrt(24.0 / n):
        off.append("excess_kurtosis")
    return {"normal": pv >= alpha, "ks": d, "pvalue": pv, "moments": mo, "off": off,
            "sigma2": float(sigma2)}


def theory_facts(key, sigma2: float, k: int, a: float = 1.0, mode: str = "joint"):
    """What the theory says about h for construction ``key``: (normal, code, values).

    Codes: "invalid" (values: the ``problem``), "fixed_bounded", "fixed_random_variance",
    "fixed_shifted", "fixed_normal", "bernoulli_mixture", "pm1_variance", "product",
    "infinite_variance", "normal" — exact statements, worded by ``initlab.text``.
    """
    c = get_construction(key)
    why = problem(c, sigma2, k, a)
    if why:
        return False, "invalid", {"problem": why}
    par = parameters(c, sigma2, k, a)
    sigma2, k = float(sigma2), int(k)
    if mode == "fixed":
        if c.data == "uniform":
            return False, "fixed_bounded", {}
        if c.key == "normal_weights":
            return False, "fixed_random_variance", {}
        if par["bias_var"] > 0:
            return False, "fixed_shifted", {"sum_w2": k * par["c"] ** 2 if "c" in par else None}
        return True, "fixed_normal", {"sum_w2": k * par["c"] ** 2}
    mo = exact_moments(c, sigma2, k, a)
    if c.key == "seed_bernoulli":
        return False, "bernoulli_mixture", mo
    if c.key == "seed_pm1":
        return False, "pm1_variance", mo
    if c.key == "normal_weights":
        return False, "product", mo
    if c.key == "seed_quotient":
        return False, "infinite_variance", {}
    return True, "normal", {"sigma2": sigma2}
