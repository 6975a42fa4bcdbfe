"""One random network against the average: the fluctuations of the squared signal norm.

The network (one fixed input, zero biases)
-------------------------------------------
x_0 is a fixed input of width n_0; layer l = 1..L computes

    h_l = W_l x_{l-1},     x_l = φ(h_l),      W_l of shape (n_l, n_{l-1}),
    entries iid N(0, g / n_{l-1})             (g = 1: LeCun, g = 2: He)

and the activation φ is applied at every layer. The mean-field theory of chapter 6 follows
the AVERAGE over networks, E‖x_L‖². Here we follow ONE network: the random variable

    R_L = ‖x_L‖² / E‖x_L‖²        (E over the weights; E R_L = 1),

i.e. how far one network's signal strays from the theory line.

Exact facts for Gaussian weights (rotation invariance)
-------------------------------------------------------
Given x_{l-1}, the vector W_l x_{l-1} has iid N(0, g‖x_{l-1}‖²/n_{l-1}) entries whatever the
direction of x_{l-1}. Hence the one-layer ratios ρ_l = ‖x_l‖²/‖x_{l-1}‖² (normalised to mean
1) are INDEPENDENT across layers and

    linear:  ρ_l = χ²_{n_l} / n_l                              (exact)
    ReLU:    ρ_l = χ²_{K_l} / (n_l / 2),   K_l ~ Binomial(n_l, 1/2)   (exact)

(K_l is the number of positive units; |g| and sign(g) of a Gaussian are independent, so the
squares of the K_l positive ones are iid χ²_1.) With K_l = 0 the signal is exactly 0 for ever
(a dead network, probability 2^(-n_l) per layer). So log R_L = Σ_l log ρ_l is a random walk
with independent steps; for one step of width n

    linear:  E log ρ = ψ(n/2) − log(n/2) ≈ −1/n,      Var log ρ = ψ'(n/2) ≈ 2/n,
    ReLU:    E log ρ = E[ψ(K/2)] + log 2 − log(n/2) ≈ −5/(2n),
             Var log ρ = E[ψ'(K/2)] + Var[ψ(K/2)] ≈ 5/n           (given K ≥ 1),

(ψ digamma, ψ' trigamma), and exactly E ρ² = 1 + c/n with c = 2 (linear), c = 5 (ReLU), so
E R_L² = Π_l (1 + c/n_l) ≈ exp(c β), β = Σ_l 1/n_l. For large widths log R_L ≈ N(−cβ/2, cβ):
the spread is set by β (= L/n at constant width), not by L alone (Hanin & Rolnick 2018;
Hanin & Nica 2020; the exact binomial–χ² law also in Burkholz & Dubatovka 2019). The median
of R_L is ≈ exp(−cβ/2) < 1 = its mean.

The exact law of log R_L is computed from the characteristic function
E ρ^{it} = Σ_k P(K = k) Γ(k/2 + it)/Γ(k/2) (n/2)^{-it} 2^{it} by FFT inversion
(``log_norm_law``).

Weight gradients (one input, loss L = r·h_L, r ~ N(0, I_{n_L}))
-----------------------------------------------------------------
δ_L = r, δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ φ'(h_l); ∂L/∂W_l = δ_l x_{l-1}ᵀ is of rank one, so
‖∂L/∂W_l‖²_F = ‖δ_l‖²‖x_{l-1}‖². Averaged over networks, the mean square entry is
E x²_{l-1} · E δ²_l when x_{l-1} and δ_l are independent (Glorot & Bengio 2010, §4.2.1).
For Gaussian weights this independence is exact for linear AND ReLU networks: δ_l depends
only on r, W_{l+1..L} and the signs of h_l..h_{L-1}, i.e. on z_l = h_l/(√(g/n_{l-1})‖x_{l-1}‖)
and the weights above, which are independent of x_{l-1}. What is proved beyond that: for
linear networks with g = 1 and equal widths the backward steps are also exactly χ²_n/n, so
‖∂L/∂W_l‖² has the same law on every layer; for ReLU the backward steps are not independent
(the signs of h_{k+1} depend on W_{k+1}) and the per-layer law is only approximately that
of the forward walk.

Orthogonal weights (not iid: the Hanin–Rolnick condition fails)
---------------------------------------------------------------
W_l = √g·Q_l, Q_l Haar-orthogonal n×n. Q x is uniform on the sphere of radius ‖x‖ whatever
x, so the steps are again independent: linear, g = 1: ρ = 1 exactly (R_L = 1); ReLU, g = 2:
ρ = 2·B_K with B_K = χ²_K/(χ²_K + χ²_{n−K}) ~ Beta(K/2, (n−K)/2), K ~ Bin(n, 1/2), so

    E log ρ = log 2 + E ψ(K/2) − ψ(n/2),
    Var log ρ = E ψ'(K/2) − ψ'(n/2) + Var ψ(K/2) ≈ 3/n       (vs 5/n for Gaussian).

"Looks-linear" weights W = [[Q, −Q], [−Q, Q]] (width 2m, Q Haar m×m) with ReLU keep
a_l − b_l = Q(a_{l-1} − b_{l-1}) for x_l = (a_l; b_l) and ‖x_l‖² = ‖a_{l-1} − b_{l-1}‖²:
the norm is the same on every layer l ≥ 1, so R_L = 1 exactly (deterministic).

API (stable; numpy/scipy only):

    EXACT_ACTIVATIONS = ("linear", "relu")
    step_constant(act) -> c (2 or 5)
    step_moments(n, act) -> (mean, var) of log ρ for one layer of width n (ReLU: given alive)
    step_second_moment(n, act) -> E ρ² = 1 + c/n
    dead_probability(widths, act) -> P(the signal is exactly 0 at the top)
    log_norm_moments(widths, act) -> (mean, var) of log R_L (ReLU: given alive)
    asymptotic_moments(beta, act) -> (−cβ/2, cβ)
    reciprocal_sum(widths) -> β = Σ 1/n_l
    log_norm_law(widths, act, points=8192) -> LogNormLaw (x, pdf, cdf, quantile, prob_off,
                                                          median, dead)
    prob_off(widths, act, factor=10) -> P(R_L < 1/factor or R_L > factor), dead included
    prob_off_normal(beta, act, factor=10) -> the same in the normal approximation
    widths_of(n, L) -> (n, n, ..., n) of length L + 1 (n_0 .. n_L)
    simulate_log_norms(rng, widths, act, gain, networks, method="matrix"|"vector",
                       chunk=None) -> log(‖x_L‖²/‖x_0‖²) of ``networks`` random networks
    normalised_log_norms(log_norms, widths, act, gain) -> log R_L (subtract log E)
    mean_log_gain(widths, act, gain) -> log E‖x_L‖²/‖x_0‖² (mean-field, exact for lin/ReLU)
    simulate_gradients(rng, widths, act, gain, networks) -> dict of (networks, L) arrays:
        x2 = ‖x_{l-1}‖²/n_{l-1}, d2 = ‖δ_l‖²/n_l, g2 = ‖∂L/∂W_l‖²_F/(n_l n_{l-1}) = x2·d2
    orthogonal_step_moments(n) -> (mean, var) of log ρ, ReLU, W = √2·Q (given alive)
    simulate_orthogonal(rng, n, depth, kind, networks) -> log(‖x_L‖²/‖x_0‖²),
        kind "orthogonal" (ReLU, √2·Q), "orthogonal_linear" (Q) or "looks_linear" (ReLU)
    ks_two_sample(a, b) -> (D, p-value)
    law_distance(law_a, law_b) -> sup |F_a − F_b| on a common grid

``simulate_log_norms`` is the small vectorised deep-stack simulator of this module: many
networks at once (``initlab.numerics.propagate.simulate`` follows one network and a batch of
inputs). ``method="matrix"`` draws the full weight matrices (batched matmul over networks,
chunked to bound memory); ``method="vector"`` uses the rotation invariance above (W_l x_{l-1}
is drawn as √(g/n_{l-1})‖x_{l-1}‖·N(0, I)), exact for Gaussian weights and a single input,
and costs O(n) instead of O(n²) per layer; the tests check that both give the same law.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from .spectra import orthonormal_columns

__all__ = [
    "EXACT_ACTIVATIONS",
    "ORTHOGONAL_KINDS",
    "SIM_ACTIVATIONS",
    "LogNormLaw",
    "asymptotic_moments",
    "dead_probability",
    "ks_two_sample",
    "law_distance",
    "log_norm_law",
    "log_norm_moments",
    "mean_log_gain",
    "normalised_log_norms",
    "orthogonal_step_moments",
    "prob_off",
    "prob_off_normal",
    "reciprocal_sum",
    "simulate_gradients",
    "simulate_log_norms",
    "simulate_orthogonal",
    "step_constant",
    "step_moments",
    "step_second_moment",
    "widths_of",
]

EXACT_ACTIVATIONS = ("linear", "relu")
SIM_ACTIVATIONS = ("linear", "relu", "tanh")
_C = {"linear": 2.0, "relu": 5.0}


def _check_act(act: str, allowed=EXACT_ACTIVATIONS) -> str:
    if act not in allowed:
        raise ValueError(f"activation {act!r} not supported here; use one of {allowed}")
    return act


def widths_of(n: int, depth: int) -> np.ndarray:
    """Constant widths n_0 = … = n_L = n (length depth + 1)."""
    return np.full(int(depth) + 1, int(n), dtype=int)


def _out_widths(widths) -> np.ndarray:
    """n_1..n_L from a widths vector n_0..n_L (length ≥ 2)."""
    w = np.asarray(widths, dtype=int)
    if w.ndim != 1 or w.size < 2 or (w < 1).any():
        raise ValueError("widths must be n_0..n_L, at least two positive integers")
    return w[1:]


def reciprocal_sum(widths) -> float:
    """β = Σ_{l=1}^{L} 1/n_l over the output widths n_1..n_L."""
    return float(np.sum(1.0 / _out_widths(widths)))


def step_constant(act: str) -> float:
    """c of Var log ρ ≈ c/n: 2 for linear layers, 5 for ReLU with He."""
    return _C[_check_act(act)]


def _binom_support(n: int, eps: float = 1e-18):
    """k = 1..n and P(K = k), K ~ Bin(n, 1/2), trimmed to where the pmf exceeds eps."""
    k = np.arange(1, n + 1)
    p = stats.binom.pmf(k, n, 0.5)
    keep = p > eps
    return k[keep], p[keep]


def step_moments(n: int, act: str) -> tuple[float, float]:
    """Exact (mean, variance) of log ρ for one layer of width n (E ρ = 1).

    linear: ψ(n/2) − log(n/2) and ψ'(n/2). ReLU: conditional on K ≥ 1 (alive).
    """
    _check_act(act)
    n = int(n)
    if act == "linear":
        return (float(special.digamma(n / 2) - np.log(n / 2)),
                float(special.polygamma(1, n / 2)))
    k, p = _binom_support(n)
    p = p / p.sum()
    psi = special.digamma(k / 2)
    mean_psi = float(np.sum(p * psi))
    var = float(np.sum(p * special.polygamma(1, k / 2)) + np.sum(p * (psi - mean_psi) ** 2))
    return mean_psi + np.log(2.0) - np.log(n / 2), var


def step_second_moment(n: int, act: str) -> float:
    """E ρ² = 1 + c/n exactly (linear: (n² + 2n)/n²; ReLU: 4 E[K² + 2K]/n²)."""
    return 1.0 + step_constant(act) / int(n)


def dead_probability(widths, act: str) -> float:
    """P(x_L = 0): 0 for linear, 1 − Π(1 − 2^(−n_l)) for ReLU."""
    if _check_act(act) == "linear":
        return 0.0
    n = _out_widths(widths).astype(float)
    return float(-np.expm1(np.sum(np.log1p(-(0.5 ** n)))))


def log_norm_moments(widths, act: str) -> tuple[float, float]:
    """Exact (mean, variance) of log R_L = Σ log ρ_l (ReLU: given the network is alive)."""
    ns, counts = np.unique(_out_widths(widths), return_counts=True)
    m = v = 0.0
    for n, c in zip(ns, counts):
        a, b = step_moments(int(n), act)
        m += c * a
        v += c * b
    return m, v


def asymptotic_moments(beta: float, act: str) -> tuple[float, float]:
    """The large-width approximation (−cβ/2, cβ) of the mean and variance of log R_L."""
    c = step_constant(act)
    return -c * beta / 2.0, c * beta


def _step_log_cf(t: np.ndarray, n: int, act: str) -> np.ndarray:
    """log E ρ^{it} for one layer (ReLU: the law given K ≥ 1), t real (array)."""
    t = np.asarray(t, dtype=float)
    if act == "linear":
        a = n / 2.0
        return special.loggamma(a + 1j * t) - special.loggamma(a) - 1j * t * np.log(a)
    k, p = _binom_support(n)
    p = p / p.sum()
    a = (k / 2.0)[:, None]
    terms = (special.loggamma(a + 1j * t[None, :]) - special.loggamma(a)
             + 1j * t[None, :] * (np.log(2.0) - np.log(n / 2.0)) + np.log(p)[:, None])
    return special.logsumexp(terms, axis=0)


@dataclass(frozen=True)
class LogNormLaw:
    """The exact law of S = log R_L on a grid (ReLU: given alive; ``dead`` separately)."""

    x: np.ndarray        # grid of S (natural log)
    pdf: np.ndarray      # density of S given alive
    cdf: np.ndarray      # P(S ≤ x | alive)
    mean: float
    var: float
    dead: float          # P(x_L = 0)

    def quantile(self, p):
        """The p-quantile of S given alive (interpolated on the grid)."""
        return np.interp(p, self.cdf, self.x)

    @property
    def median(self) -> float:
        return float(self.quantile(0.5))

    def cdf_at(self, s):
        return np.interp(s, self.x, self.cdf, left=0.0, right=1.0)

    def prob_off(self, factor: float = 10.0) -> float:
        """P(R_L < 1/factor or R_L > factor); a dead network counts as off."""
        lf = np.log(factor)
        alive_off = float(self.cdf_at(-lf) + 1.0 - self.cdf_at(lf))
        return self.dead + (1.0 - self.dead) * alive_off

    def prob_below_mean(self) -> float:
        """P(R_L < 1) = P(one network's signal is below the average); dead included."""
        return self.dead + (1.0 - self.dead) * float(self.cdf_at(0.0))


def log_norm_law(widths, act: str, points: int = 8192, span: float = 16.0) -> LogNormLaw:
    """Exact law of log R_L by FFT inversion of its characteristic function.

    The grid covers mean ± ``span`` standard deviations with ``points`` nodes; the
    characteristic function is evaluated only where it is not negligible (|t| ≤ 60/sd).
    Probabilities are accurate to about 1e-15 in absolute terms (rounding of the FFT):
    tail probabilities below ~1e-13 are not meaningful (the tests check 1e-14 … 1).
    """
    _check_act(act)
    mean, var = log_norm_moments(widths, act)
    sd = np.sqrt(var)
    dx = 2 * span * sd / points
    x = mean - span * sd + dx * np.arange(points)
    dt = 2 * np.pi / (points * dx)
    kk = np.arange(points) - points // 2
    t = kk * dt
    use = np.abs(t) <= 60.0 / sd
    log_cf = np.zeros(use.sum(), dtype=complex)
    ns, counts = np.unique(_out_widths(widths), return_counts=True)
    for n, c in zip(ns, counts):
        log_cf += c * _step_log_cf(t[use], int(n), act)
    phi = np.zeros(points, dtype=complex)
    phi[use] = np.exp(log_cf - 1j * t[use] * x[0])
    # f(x_j) = (dt/2π) Σ_k φ(t_k) e^{−i t_k x_j}, t_k = (k − N/2) dt, x_j = x_0 + j dx
    f = np.fft.fft(phi) * np.exp(1j * np.pi * np.arange(points) * (points // 2) * 2 / points)
    pdf = np.maximum((dt / (2 * np.pi)) * f.real, 0.0)
    cdf = np.concatenate([[0.0], np.cumsum((pdf[1:] + pdf[:-1]) * dx / 2)])
    cdf /= cdf[-1]
    return LogNormLaw(x=x, pdf=pdf, cdf=cdf, mean=mean, var=var,
                      dead=dead_probability(widths, act))


def prob_off(widths, act: str, factor: float = 10.0) -> float:
    """P(R_L < 1/factor or R_L > factor) from the exact law (dead networks count)."""
    return log_norm_law(widths, act).prob_off(factor)


def prob_off_normal(beta, act: str, factor: float = 10.0):
    """P(|S| > log factor) for S ~ N(−cβ/2, cβ) (the large-width approximation)."""
    beta = np.asarray(beta, dtype=float)
    m, v = asymptotic_moments(beta, act)
    s = np.sqrt(v)
    lf = np.log(factor)
    return stats.norm.cdf((-lf - m) / s) + stats.norm.sf((lf - m) / s)


# --- Monte Carlo: many networks at once -----------------------------------------------------

def _phi(act: str, z: np.ndarray) -> np.ndarray:
    if act == "linear":
        return z
    if act == "relu":
        return np.maximum(z, 0, out=z)
    return np.tanh(z, out=z)


def _dphi(act: str, z: np.ndarray) -> np.ndarray:
    if act == "linear":
        return np.ones_like(z)
    if act == "relu":
        return (z > 0).astype(z.dtype)
    t = np.tanh(z)
    return 1 - t * t


def mean_log_gain(widths, act: str, gain: float) -> float:
    """log E‖x_L‖²/‖x_0‖² for the linear and ReLU nets (exact): Σ log(g c_φ n_l/n_{l-1}),
    c_φ = 1 (linear), 1/2 (ReLU). For tanh: the mean-field value (width → ∞) from the
    second moments of ``initlab.numerics.activations`` with ‖x_0‖²/n_0 = 1."""
    w = np.asarray(widths, dtype=float)
    if act in EXACT_ACTIVATIONS:
        cphi = 1.0 if act == "linear" else 0.5
        return float(np.sum(np.log(gain * cphi * w[1:] / w[:-1])))
    from .activations import get_activation
    a = get_activation(act)
    m2 = 1.0    # ‖x_0‖²/n_0
    for _ in range(w.size - 1):
        m2 = float(a.second_moment(gain * m2))   # q_l = n_{l-1}·(g/n_{l-1})·E x²_{l-1}
    return float(np.log(m2 * w[-1] / w[0]))


def simulate_log_norms(rng: np.random.Generator, widths, act: str, gain: float,
                       networks: int, method: str = "matrix", chunk: int | None = None,
                       dtype=np.float64) -> np.ndarray:
    """log(‖x_L‖²/‖x_0‖²) for ``networks`` independent random networks (−inf when dead).

    Input x_0 = (1, …, 1) (only its norm matters for Gaussian weights). ``method="matrix"``:
    full matrices W_l ~ N(0, g/n_{l-1}) for all networks of a chunk, batched matmul;
    ``method="vector"``: the exact shortcut W_l x_{l-1} ~ √(g/n_{l-1})‖x_{l-1}‖ N(0, I).
    """
    _check_act(act, SIM_ACTIVATIONS)
    w = np.asarray(widths, dtype=int)
    networks = int(networks)
    out = np.empty(networks)
    if method == "vector":
        x = np.ones((networks, w[0]), dtype=dtype)
        logscale = np.zeros(networks)     # homogeneous φ: the actual x is e^{logscale/2}·x
        for l in range(1, w.size):
            norm2 = np.einsum("ij,ij->i", x, x).astype(float)
            z = rng.standard_normal((networks, w[l]), dtype=dtype)
            if act == "tanh":
                z *= np.sqrt(gain / w[l - 1] * norm2).astype(dtype)[:, None]
            else:
                with np.errstate(divide="ignore"):
                    logscale += np.log(gain / w[l - 1] * norm2)
            x = _phi(act, z)
        norm2 = np.einsum("ij,ij->i", x, x).astype(float)
        with np.errstate(divide="ignore"):
            out[:] = logscale + np.log(norm2) - np.log(w[0])
        return out
    if method != "matrix":
        raise ValueError(f"unknown method {method!r}")
    if chunk is None:
        biggest = int(max(w[1:] * w[:-1]))
        chunk = max(1, min(networks, 4_000_000 // biggest))
    for start in range(0, networks, chunk):
        m = min(chunk, networks - start)
        x = np.ones((m, w[0], 1), dtype=dtype)
        logscale = np.zeros(m)
        for l in range(1, w.size):
            W = rng.standard_normal((m, w[l], w[l - 1]), dtype=dtype)
            W *= np.sqrt(gain / w[l - 1])
            x = _phi(act, np.matmul(W, x))
            if act != "tanh":                # rescale to unit mean square, keep the log
                norm2 = np.einsum("ijk,ijk->i", x, x)
                with np.errstate(divide="ignore", invalid="ignore"):
                    logscale += np.log(norm2 / w[l])
                    x /= np.sqrt(norm2 / w[l])[:, None, None]
                x[~np.isfinite(x)] = 0.0
        norm2 = np.einsum("ijk,ijk->i", x, x)
        with np.errstate(divide="ignore"):
            out[start:start + m] = logscale + np.log(norm2) - np.log(w[0])
    return out


def normalised_log_norms(log_norms, widths, act: str, gain: float) -> np.ndarray:
    """log R_L = log(‖x_L‖²/‖x_0‖²) − log E(‖x_L‖²/‖x_0‖²)."""
    return np.asarray(log_norms) - mean_log_gain(widths, act, gain)


def simulate_gradients(rng: np.random.Generator, widths, act: str, gain: float,
                       networks: int, chunk: int | None = None) -> dict:
    """Forward and backward pass of ``networks`` random networks with full matrices.

    Input x_0 = (1, …, 1); loss L = r·h_L with r ~ N(0, I_{n_L}). Returns arrays of shape
    (networks, L), column l − 1 for layer l:
        x2 = ‖x_{l-1}‖²/n_{l-1}   mean square of the layer's input
        d2 = ‖δ_l‖²/n_l           mean square of δ_l = ∂L/∂h_l
        g2 = ‖∂L/∂W_l‖²_F/(n_l n_{l-1}) = x2·d2 (rank one)   mean square weight gradient
    """
    _check_act(act, SIM_ACTIVATIONS)
    w = np.asarray(widths, dtype=int)
    L = w.size - 1
    networks = int(networks)
    if chunk is None:
        chunk = max(1, min(networks, 4_000_000 // int(np.sum(w[1:] * w[:-1]))))
    x2 = np.empty((networks, L))
    d2 = np.empty((networks, L))
    for start in range(0, networks, chunk):
        m = min(chunk, networks - start)
        x = np.ones((m, w[0], 1))
        Ws, hs = [], []
        for l in range(1, L + 1):
            x2[start:start + m, l - 1] = np.einsum("ijk,ijk->i", x, x) / w[l - 1]
            W = rng.standard_normal((m, w[l], w[l - 1])) * np.sqrt(gain / w[l - 1])
            h = np.matmul(W, x)
            Ws.append(W)
            hs.append(h)
            x = _phi(act, h.copy())
        delta = rng.standard_normal((m, w[L], 1))
        for l in range(L, 0, -1):
            if l < L:
                delta = np.matmul(np.transpose(Ws[l], (0, 2, 1)), delta) * _dphi(act, hs[l - 1])
            d2[start:start + m, l - 1] = np.einsum("ijk,ijk->i", delta, delta) / w[l]
    return {"x2": x2, "d2": d2, "g2": x2 * d2}


# --- orthogonal and looks-linear weights ---------------------------------------------------

ORTHOGONAL_KINDS = ("orthogonal", "orthogonal_linear", "looks_linear")


def _haar(rng: np.random.Generator, m: int, n: int) -> np.ndarray:
    """m independent Haar-orthogonal n×n matrices: QR of a Gaussian matrix, the columns of
    Q multiplied by the signs of diag(R) (without the correction Q is not Haar)."""
    return orthonormal_columns(rng, (m, n, n))


def orthogonal_step_moments(n: int) -> tuple[float, float]:
    """Exact (mean, variance) of log ρ for a ReLU layer with W = √2·Q, Q Haar n×n
    (given K ≥ 1): ρ = 2·Beta(K/2, (n−K)/2), K ~ Bin(n, 1/2); K = n gives ρ = 2."""
    n = int(n)
    k, p = _binom_support(n)
    p = p / p.sum()
    psi = special.digamma(k / 2) - special.digamma(n / 2)
    mean = float(np.sum(p * psi))
    var = float(np.sum(p * (special.polygamma(1, k / 2) - special.polygamma(1, n / 2)))
                + np.sum(p * (psi - mean) ** 2))
    return mean + float(np.log(2.0)), var


def simulate_orthogonal(rng: np.random.Generator, n: int, depth: int, kind: str,
                        networks: int, method: str = "matrix") -> np.ndarray:
    """log(‖x_L‖²/‖x_0‖²) for ``networks`` nets of constant width n with orthogonal weights.

    "orthogonal": ReLU, W_l = √2·Q_l, x_0 = (1, …, 1); "orthogonal_linear": no activation,
    W_l = Q_l; "looks_linear": ReLU, W_l = [[Q, −Q], [−Q, Q]] (n even, Q of size n/2),
    x_0 = (1, …, 1, 0, …, 0). Signals are renormalised every layer (the log is kept).
    ``method="vector"`` (kind "orthogonal" only): Q x is drawn as ‖x‖·u, u uniform on the
    unit sphere (a normalised Gaussian vector) — exact, O(n) instead of a QR per layer.
    """
    if kind not in ORTHOGONAL_KINDS:
        raise ValueError(f"unknown kind {kind!r}; use one of {ORTHOGONAL_KINDS}")
    n, networks = int(n), int(networks)
    if method == "vector":
        if kind != "orthogonal":
            raise ValueError("the vector shortcut is implemented for kind='orthogonal' only")
        out = np.zeros(networks)
        for _ in range(int(depth)):
            z = rng.standard_normal((networks, n))
            u2 = np.maximum(z, 0.0) ** 2
            with np.errstate(divide="ignore"):
                out += np.log(2.0 * u2.sum(axis=1) / (z * z).sum(axis=1))
        return out
    if method != "matrix":
        raise ValueError(f"unknown method {method!r}")
    if kind == "looks_linear":
        if n % 2:
            raise ValueError("looks-linear weights need an even width")
        x = np.concatenate([np.ones((networks, n // 2, 1)), np.zeros((networks, n // 2, 1))],
                           axis=1)
    else:
        x = np.ones((networks, n, 1))
    logscale = np.zeros(networks)
    for _ in range(int(depth)):
        if kind == "looks_linear":
            q = _haar(rng, networks, n // 2)
            w = np.concatenate([np.concatenate([q, -q], axis=2),
                                np.concatenate([-q, q], axis=2)], axis=1)
            x = np.maximum(w @ x, 0.0)
        elif kind == "orthogonal":
            x = np.maximum(np.sqrt(2.0) * (_haar(rng, networks, n) @ x), 0.0)
        else:
            x = _haar(rng, networks, n) @ x
        norm2 = np.einsum("ijk,ijk->i", x, x)
        with np.errstate(divide="ignore", invalid="ignore"):
            logscale += np.log(norm2 / n)
            x /= np.sqrt(norm2 / n)[:, None, None]
        x[~np.isfinite(x)] = 0.0
    x0 = n // 2 if kind == "looks_linear" else n
    return logscale + np.log(n) - np.log(x0)


# --- comparing laws -------------------------------------------------------------------------

def ks_two_sample(a, b) -> tuple[float, float]:
    """Two-sample Kolmogorov–Smirnov statistic and p-value (finite values only)."""
    a = np.asarray(a)[np.isfinite(a)]
    b = np.asarray(b)[np.isfinite(b)]
    res = stats.ks_2samp(a, b)
    return float(res.statistic), float(res.pvalue)


def law_distance(law_a: LogNormLaw, law_b: LogNormLaw) -> float:
    """sup_s |F_a(s) − F_b(s)| over the union of both grids (the exact KS distance)."""
    s = np.union1d(law_a.x, law_b.x)
    return float(np.max(np.abs(law_a.cdf_at(s) - law_b.cdf_at(s))))
