"""Weights on a sphere: exact normality of a linear unit without a constant |w_j|.

For Gaussian data x ~ N(0, I_k) and a fixed weight vector w, h = x·w ~ N(0, ‖w‖²).
So any weights with ‖w‖² = σ² (and b = 0) give h ~ N(0, σ²) exactly, for fixed weights
and therefore also unconditionally, although the w_j are dependent and |w_j| is not
constant. The simplest random choice is w = σ g / ‖g‖ with g ~ N(0, I_k) (uniform on
the sphere of radius σ); orthonormal columns, W = σ Q, make the whole output row
N(0, σ² I) (the bridge to orthogonal initialisation).

numpy only; no text for the reader here.
"""
from __future__ import annotations

import numpy as np

from .spectra import orthonormal_columns


def sample_sphere_weights(rng: np.random.Generator, k: int, n_out: int,
                          sigma2: float) -> np.ndarray:
    """A (k, n_out) matrix whose columns are independent and uniform on the sphere of
    radius σ = √sigma2 in R^k: w = σ g/‖g‖, g ~ N(0, I_k)."""
    g = rng.standard_normal((k, n_out))
    return np.sqrt(sigma2) * g / np.linalg.norm(g, axis=0, keepdims=True)


def sample_orthogonal_weights(rng: np.random.Generator, k: int, n_out: int,
                              sigma2: float) -> np.ndarray:
    """A (k, n_out) matrix σ·Q with orthonormal columns (n_out ≤ k), Q Haar-distributed
    (QR of a Gaussian matrix with the signs of diag R fixed)."""
    if n_out > k:
        raise ValueError("orthonormal columns need n_out <= k")
    return np.sqrt(sigma2) * orthonormal_columns(rng, (k, n_out))


def sphere_coordinate_moments(k: int, sigma2: float) -> dict:
    """Exact moments of one coordinate w_j of w uniform on the sphere of radius σ in R^k:
    w_j²/σ² ~ Beta(1/2, (k − 1)/2), so E w_j² = σ²/k, E w_j⁴ = 3σ⁴/(k(k + 2)) and
    Var(w_j²) = 2(k − 1)σ⁴/(k²(k + 2)) > 0 for k ≥ 2 (|w_j| is not constant)."""
    m2 = sigma2 / k
    m4 = 3 * sigma2**2 / (k * (k + 2))
    return {"E w2": m2, "E w4": m4, "Var w2": m4 - m2**2}


def pm_square_correlation(k: int) -> float:
    """corr(h₁², h₂²) of two units of one observation, x ~ N(0, I_k), b = 0, weights ±c
    with independent fair signs (unconditional): 1/k.

    Given the signs, (h₁, h₂) is Gaussian with variances kc² and covariance c²S,
    S = Σ_j s_j t_j; E h₁²h₂² = k²c⁴ + 2c⁴S², and E S² = k. So Cov(h₁², h₂²) = 2kc⁴,
    Var(h₁²) = 2k²c⁴ (h₁ ~ N(0, kc²)), and corr = 1/k; while corr(h₁, h₂) = c²E S/(kc²) = 0.
    """
    return 1.0 / k


def gaussian_square_correlation(k: int) -> float:
    """corr(h₁², h₂²) for two units with independent N(0, s²) weights on one observation
    x ~ N(0, I_k): given x they are iid N(0, s²‖x‖²), so
    Cov(h₁², h₂²) = s⁴ Var‖x‖² = 2k s⁴ and Var h₁² = s⁴(3(k² + 2k) − k²), corr = 1/(k + 3)."""
    return 1.0 / (k + 3)


def sphere_evidence(seed: int = 0, sigma2: float = 2.0, k: int = 5, n: int = 20_000) -> dict:
    """Kolmogorov–Smirnov p-values of h = x·w against N(0, σ²) for sphere weights,
    x ~ N(0, I_k), b = 0: "joint" (fresh weights for every value) and "fixed" (one w),
    and the sample standard deviation of |w_j| (not 0: the modulus is not constant)."""
    from scipy import stats

    rng = np.random.default_rng(seed)
    W = sample_sphere_weights(rng, k, n, sigma2)
    h_joint = np.sum(rng.standard_normal((n, k)) * W.T, axis=1)
    w = sample_sphere_weights(rng, k, 1, sigma2)[:, 0]
    h_fixed = rng.standard_normal((n, k)) @ w
    sd = np.sqrt(sigma2)
    return {"p_joint": float(stats.kstest(h_joint, "norm", args=(0, sd)).pvalue),
            "p_fixed": float(stats.kstest(h_fixed, "norm", args=(0, sd)).pvalue),
            "sd_abs_w": float(np.std(np.abs(W[0])))}


def pm_pair_evidence(seed: int = 0, k: int = 4, c: float = 1.0, n: int = 200_000) -> dict:
    """Two units with ±c weights (independent fair signs), b = 0, on the same observations
    x ~ N(0, I_k), fresh signs for every observation: sample corr(h₁, h₂) (theory 0) and
    corr(h₁², h₂²) (theory 1/k)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, k))
    h1 = np.sum(x * c * rng.choice([-1.0, 1.0], size=(n, k)), axis=1)
    h2 = np.sum(x * c * rng.choice([-1.0, 1.0], size=(n, k)), axis=1)
    return {"corr": float(np.corrcoef(h1, h2)[0, 1]),
            "corr_sq": float(np.corrcoef(h1**2, h2**2)[0, 1]), "theory_sq": 1.0 / k}
