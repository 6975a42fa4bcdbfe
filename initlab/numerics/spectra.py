"""Dynamical isometry: Haar-orthogonal matrices and the singular values of deep Jacobians.

Haar sampling (Mezzadri 2007)
-----------------------------
``haar_orthogonal(rng, n)``: Z with iid N(0, 1) entries, Z = QR, then Q·diag(sign R_ii).
The factor makes R's diagonal positive, which makes the factorisation unique, and then
Q is Haar-distributed (Z ↦ UZ for any orthogonal U maps the law of Z to itself and Q to
UQ). ``qr_orthogonal_unfixed`` omits the factor. LAPACK's Householder QR (numpy, scipy)
chooses R_ii of the sign opposite to the pivot, so the unfixed Q has Q_11 = −|Z_11|/‖Z_·1‖ < 0
always, and its other diagonal entries are biased towards negative values too: the
distribution depends on the implementation and is not Haar.

Haar facts the tests use (exact): for Haar Q and any diagonal D = diag(±1), DQ is Haar, so
the signs of Q_11, …, Q_nn are iid fair coins; Q_ij² ~ Beta(1/2, (n − 1)/2); E tr Q = 0 and
E (tr Q)² = 1 for n ≥ 2 (Diaconis–Shahshahani).

The network and its Jacobian
----------------------------
Width N, depth L, column convention (Pennington, Schoenholz, Ganguli 2017):

    h_l = W_l x_{l−1} + b_l,   x_l = φ(h_l),   l = 1..L,
    J = ∂x_L/∂x_0 = D_L W_L ⋯ D_1 W_1,   D_l = diag φ'(h_l).

Weights: "gaussian" W_l with iid N(0, σ_w²/N) entries; "orthogonal" W_l = σ_w·Q_l with Q_l
Haar (the same entry variance σ_w²/N). Biases b_l iid N(0, σ_b²). The input is
x_0 = φ(h_0), h_0 ~ N(0, q*·I), so that the pre-activations start at the fixed point q*.

Critical parameters (χ₁ = σ_w² E φ'(√q* z)² = 1; ``critical_parameters``): linear σ_w² = 1,
σ_b² = 0; ReLU σ_w² = 2, σ_b² = 0 (any q*); tanh at a chosen q* > 0:
σ_w² = 1/E tanh'(√q* z)², σ_b² = q* − σ_w² E tanh(√q* z)² (≥ 0 for tanh).

Theory (large N, criticality; Pennington et al. 2017, eq. for σ²_{JJᵀ}): with
μ_k = E φ'(√q* z)^{2k}, the eigenvalues λ = s² of JJᵀ have mean (σ_w² μ₁)^L = 1 and variance

    var(s²) = L · (μ₂/μ₁² − 1 − s₁),   s₁ = −1 (Gaussian weights), 0 (orthogonal).

Linear: μ₂/μ₁² = 1, so L (Gaussian) and 0 (orthogonal: J = σ_w^L·Q exactly). ReLU:
μ₁ = μ₂ = 1/2, so 2L (Gaussian) and L (orthogonal). ``linear_gaussian_moments_exact`` gives
the exact finite-N expectation for linear Gaussian nets (a Wishart recursion).

Computing the singular values
-----------------------------
A direct product of L factors loses every singular value below ε·s_max (ε = 2.2e-16): for
a linear Gaussian net the k-th singular value decays like e^(L·λ_k), λ_N ≈ −0.64, so at
L = 100 about half of them would be lost. ``jacobian_spectrum`` therefore keeps the
product in factored form J_l = U_l S_l V_lᵀ and only tracks U_l S_l: the singular values of
J_l are those of C·U_{l−k}·S_{l−k}, C the product of the last k ≤ ``chunk`` layers (a
modest dynamic range), and an SVD of that column-graded matrix keeps small singular values
to high relative accuracy (checked in the tests through the exact identity
Σ log s_i = Σ_l log |det D_l W_l|). S is renormalised to max 1 with the scale kept as a
logarithm, so nothing overflows at any depth or σ_w².

ReLU: D_l has zeros; the factors are restricted to the active units (rectangular blocks),
so J has exactly N − r zero singular values, r = min(N, min_l #active units of layer l);
they are counted in ``Spectrum.n_zero`` and enter mean and var of s² as zeros.

API
---
    haar_orthogonal(rng, n) -> (n, n)          QR with the sign correction (Haar)
    qr_orthogonal_unfixed(rng, n) -> (n, n)    QR without it (not Haar)
    haar_diagnostics(sampler, rng, n, m) -> dict of arrays over m draws:
        diag_signs (m, n), q11 (m,), trace (m,), angles (m·n,) eigenvalue angles in [0, π]
    critical_parameters(act, q_star=None) -> (sigma_w2, sigma_b2)
    derivative_moments(act, q_star) -> (mu1, mu2)
    isometry_variance_theory(act, weights, depth, q_star=None) -> float
    linear_gaussian_moments_exact(n, depth) -> (mean s², E var(s²))  (exact, finite N)
    WEIGHTS = ("gaussian", "orthogonal"); ACTS = ("linear", "tanh", "relu")
    jacobian_spectrum(act, weights, n, depths, seed=0, sigma_w2=None, sigma_b2=None,
                      q_star=None, chunk=4, fast=True, track_det=False, accurate_above=None)
        -> list[Spectrum] (one per depth, one pass; the direct product when its dynamic
        range allows, else the graded factored product)
    Spectrum: act, weights, n, depth, sigma_w2, sigma_b2, q_star, log10_s (nonzero,
              descending), n_zero, log_det (natural log of |det J|, −inf with zeros),
              log_det_factors (Σ_l log|det D_l W_l|); properties s2_mean, s2_var,
              fraction_within(lo, hi), summary()
    deep_linear_training(init, depth, n=16, seeds=(0,), lr_scale=0.4, tol=1e-2,
                         max_iter=2000, s_max=2, s_min=0.5) -> (iterations (S,), losses)
    saxe_experiment(depths, seeds, init, **kw) -> (S, len(depths)) iterations (NaN = never)
    fit_log_slope(depths, iterations) -> (slope, (lo, hi) 95 % CI), one point per depth
    fixed_weight_output_variances(rng, kind, k, n_out, sigma2) -> Var(h_j | W) = ‖w_j‖²
        for "gaussian", "normalised" (σ·g/‖g‖) and "orthogonal" columns
    eigen_angles(q) -> angles in [0, π] of the eigenvalues of an orthogonal matrix
    layer_weights(kind, n, layer, seed, sigma_w2) -> W_l (cached base matrix × σ_w)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import stats
from scipy.linalg import lapack
from scipy.special import logsumexp

from .activations import gauss_expectation, get_activation

__all__ = [
    "ACTS",
    "BRIDGE_EXCESS",
    "WEIGHTS",
    "Spectrum",
    "bridge_output_samples",
    "critical_parameters",
    "deep_classifier_accuracy",
    "deep_linear_training",
    "derivative_moments",
    "eigen_angles",
    "excess_kurtosis",
    "fit_log_slope",
    "fixed_weight_output_variances",
    "haar_diagnostics",
    "haar_orthogonal",
    "isometry_variance_theory",
    "jacobian_spectrum",
    "layer_weights",
    "linear_gaussian_moments_exact",
    "looks_linear_relu_singular_values",
    "qr_orthogonal_unfixed",
    "saxe_experiment",
    "standardise_split",
]

WEIGHTS = ("gaussian", "orthogonal")
ACTS = ("linear", "tanh", "relu")
S1 = {"gaussian": -1.0, "orthogonal": 0.0}   # first free cumulant of WᵀW (Pennington 2017)


# ---------------------------------------------------------------------------- Haar sampling

def orthonormal_columns(rng: np.random.Generator, shape) -> np.ndarray:
    """Q of the QR of a Gaussian array of ``shape`` (…, k, n), n ≤ k, with column j multiplied
    by sign(R_jj): Haar-distributed orthonormal columns (for k = n a Haar orthogonal matrix;
    a leading dimension gives independent matrices). Without the sign fix Q is not Haar."""
    q, r = np.linalg.qr(rng.standard_normal(shape))
    d = np.sign(np.diagonal(r, axis1=-2, axis2=-1))
    d[d == 0] = 1.0
    return q * d[..., None, :]


def haar_orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """A Haar-distributed n×n orthogonal matrix: QR of a Gaussian matrix, signs fixed."""
    return orthonormal_columns(rng, (n, n))


def qr_orthogonal_unfixed(rng: np.random.Generator, n: int) -> np.ndarray:
    """The common mistake: Q of the QR of a Gaussian matrix, without the sign correction."""
    return np.linalg.qr(rng.standard_normal((n, n)))[0]


def eigen_angles(q: np.ndarray) -> np.ndarray:
    """Angles θ ∈ [0, π] of the eigenvalues e^{±iθ} of a real orthogonal matrix (each pair
    counted twice, a real eigenvalue ±1 once)."""
    return np.abs(np.angle(np.linalg.eigvals(q)))


def haar_diagnostics(sampler, rng: np.random.Generator, n: int, m: int) -> dict:
    """Statistics of m matrices ``sampler(rng, n)``: diagonal signs, Q_11, trace, det, angles."""
    mats = np.stack([np.asarray(sampler(rng, n), dtype=float) for _ in range(m)])
    diag = np.diagonal(mats, axis1=1, axis2=2)
    return {
        "diag_signs": np.sign(diag),
        "q11": mats[:, 0, 0].copy(),
        "trace": diag.sum(axis=1),
        "det": np.linalg.det(mats),
        "angles": np.concatenate([eigen_angles(q) for q in mats]),
    }


# ------------------------------------------------------------------------------ mean field

def derivative_moments(act: str, q_star: float) -> tuple[float, float]:
    """μ₁ = E φ'(√q z)², μ₂ = E φ'(√q z)⁴, z ~ N(0, 1)."""
    a = get_activation(act)
    if a.key == "linear":
        return 1.0, 1.0
    if a.key == "relu":
        return 0.5, 0.5
    mu1 = float(gauss_expectation(lambda z: a.df(z) ** 2, q_star))
    mu2 = float(gauss_expectation(lambda z: a.df(z) ** 4, q_star))
    return mu1, mu2


def critical_parameters(act: str, q_star: float | None = None) -> tuple[float, float]:
    """(σ_w², σ_b²) with χ₁ = 1 and fixed point q* (tanh); linear (1, 0), ReLU (2, 0)."""
    a = get_activation(act)
    if a.key == "linear":
        return 1.0, 0.0
    if a.key == "relu":
        return 2.0, 0.0
    if q_star is None or not q_star > 0:
        raise ValueError("tanh needs a fixed point q_star > 0")
    mu1, _ = derivative_moments(act, q_star)
    sw2 = 1.0 / mu1
    sb2 = q_star - sw2 * float(a.second_moment(q_star))
    return sw2, max(sb2, 0.0)


def isometry_variance_theory(act: str, weights: str, depth: int,
                             q_star: float | None = None) -> float:
    """Large-N variance of the eigenvalues of JJᵀ at criticality: L(μ₂/μ₁² − 1 − s₁)."""
    mu1, mu2 = derivative_moments(act, q_star if q_star is not None else 1.0)
    return depth * (mu2 / mu1**2 - 1.0 - S1[weights])


def linear_gaussian_moments_exact(n: int, depth: int) -> tuple[float, float]:
    """Exact E mean(s²) and E var(s²) (population variance over the n eigenvalues of JJᵀ)
    for a linear net with iid N(0, 1/n) weights, finite n.

    With A_l = J_l J_lᵀ = G A_{l−1} Gᵀ-type steps and the real Wishart identities
    E tr(WAWA) = (1 + 1/n) tr A² + (tr A)²/n, Var tr(WA) = 2 tr(A²)/n (W = GᵀG ~ W(n, I/n)):
    y_l = E tr A_l² = (1 + 1/n) y_{l−1} + x_{l−1}/n, x_l = E (tr A_l)² = x_{l−1} + 2 y_{l−1}/n,
    x_0 = n², y_0 = n. Then E var = y/n − x/n² and E mean = 1.
    """
    x, y = float(n) ** 2, float(n)
    for _ in range(depth):
        x, y = x + 2 * y / n, (1 + 1 / n) * y + x / n
    return 1.0, y / n - x / n**2


# ------------------------------------------------------------------------------ weights

@lru_cache(maxsize=256)
def _base_matrix(kind: str, n: int, layer: int, seed: int) -> np.ndarray:
    """Standard-normal/√n (gaussian) or Haar (orthogonal) n×n matrix of one layer, cached
    (read-only; 256 matrices of 200×200 take 80 MB)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(layer,)))
    if kind == "gaussian":
        m = rng.standard_normal((n, n)) / math.sqrt(n)
    elif kind == "orthogonal":
        m = haar_orthogonal(rng, n)
    else:
        raise ValueError(f"unknown weights {kind!r}; known: {', '.join(WEIGHTS)}")
    m.flags.writeable = False
    return m


def layer_weights(kind: str, n: int, layer: int, seed: int, sigma_w2: float) -> np.ndarray:
    """W_l (entry variance σ_w²/n): Gaussian or σ_w × Haar; layer l's matrix does not
    depend on the depth or on the activation (the same seed gives the same matrices)."""
    return math.sqrt(sigma_w2) * _base_matrix(kind, n, layer, seed)


# ------------------------------------------------------------------------------ spectra

@dataclass
class Spectrum:
    """Singular values of one Jacobian J = ∂x_L/∂x_0 (N×N)."""

    act: str
    weights: str
    n: int
    depth: int
    sigma_w2: float
    sigma_b2: float
    q_star: float | None
    log10_s: np.ndarray          # nonzero singular values, log10, descending
    n_zero: int                  # exact zeros (ReLU)
    log_det_factors: float       # Σ_l ln|det D_l W_l| (−inf with zeros; NaN if not tracked)

    @property
    def log_det(self) -> float:
        """log |det J| = Σ ln s_i (−inf with zero singular values)."""
        if self.n_zero:
            return -math.inf
        return float(np.sum(self.log10_s) * math.log(10.0))

    def _log_moment(self, k: int) -> float:
        """ln( (1/N) Σ s_i^(2k) ), zeros included."""
        return float(logsumexp(2 * k * math.log(10.0) * self.log10_s) - math.log(self.n))

    @property
    def s2_mean(self) -> float:
        """Mean of s² over all N singular values (zeros included): (1/N) tr JJᵀ."""
        return math.exp(self._log_moment(1))

    @property
    def s2_var(self) -> float:
        """Population variance of s² over the N singular values (zeros included), computed
        as e^(2M)·var(λ/e^M), M = max ln s², so it neither overflows early nor cancels."""
        ln_l = 2 * math.log(10.0) * self.log10_s
        top = float(ln_l.max()) if ln_l.size else 0.0
        lam = np.concatenate([np.exp(ln_l - top), np.zeros(self.n_zero)])
        with np.errstate(over="ignore"):
            return float(np.var(lam) * math.exp(min(2 * top, 709.0))) if 2 * top < 709 \
                else math.inf

    def fraction_within(self, lo: float, hi: float) -> float:
        """Share of the N singular values in [lo, hi] (zeros count as outside)."""
        s_ok = (self.log10_s >= math.log10(lo)) & (self.log10_s <= math.log10(hi))
        return float(np.sum(s_ok)) / self.n

    def summary(self) -> dict:
        ls = self.log10_s
        return {
            "s2_mean": self.s2_mean, "s2_var": self.s2_var,
            "log10_min": float(ls.min()) if ls.size else -math.inf,
            "log10_max": float(ls.max()) if ls.size else -math.inf,
            "within_half_two": self.fraction_within(0.5, 2.0),
            "zero_fraction": self.n_zero / self.n,
        }


def _graded_svd(b: np.ndarray, vectors: bool = True):
    """(U, s) of b = X·diag(s_prev) with descending column scales, to high relative accuracy.

    LAPACK's preconditioned Jacobi SVD ``dgejsv`` (JOBA='C': high relative accuracy for a
    well-conditioned matrix times a diagonal scaling); the bidiagonalisation of
    ``numpy.linalg.svd`` mixes large and small columns and loses small singular values.
    A wide b (fewer rows than columns: a ReLU layer with fewer active units than the rank
    so far) is first reduced by a Householder QR of bᵀ (rows sorted by decreasing scale):
    b = Rᵀ Qᵀ, and Rᵀ (square, nearly column-graded) has b's singular values and left
    singular vectors. Returns U (m × r) or None and s (r,), r = min(b.shape), descending.
    """
    m, r = b.shape
    if m < r:
        b = np.linalg.qr(b.T, mode="r").T
    sva, u, _, work, _, info = lapack.dgejsv(np.asfortranarray(b), joba=0,
                                             jobu=0 if vectors else 3, jobv=3, jobr=0,
                                             jobp=0)
    if info != 0:     # pragma: no cover - LAPACK failure: fall back to the plain SVD
        u, sva, _ = np.linalg.svd(b, full_matrices=False)
        work = np.ones(2)
    sv = sva * (work[0] / work[1])
    k = min(b.shape)
    order = np.argsort(sv[:k])[::-1]
    sv = sv[:k][order]
    return (u[:, :k][:, order] if vectors else None), sv


FAST_RANGE = 1e-8   # direct product accepted when s_min/s_max ≥ this (relative error ≲ 1e-8)


def _factors(a, weights, n, depth, seed, sigma_w2, sigma_b2, q_star):
    """Yield (layer, M_l, all_active) with M_l = D_l W_l restricted to the active units of
    layers l (rows) and l − 1 (columns); the forward pass runs alongside."""
    rng_in = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(10**6,)))
    h = math.sqrt(q_star) * rng_in.standard_normal(n)
    x = a.f(h)
    sb = math.sqrt(sigma_b2)
    active_prev = None            # None = all units
    for layer in range(1, depth + 1):
        w = layer_weights(weights, n, layer, seed, sigma_w2)
        h = w @ x
        if sb:
            rng_b = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(10**6 + layer,)))
            h = h + sb * rng_b.standard_normal(n)
        d = a.df(h)
        x = a.f(h)
        active = np.flatnonzero(d != 0)
        all_active = active.size == n
        m = w if active_prev is None else w[:, active_prev]
        m = m if all_active else m[active]
        m = (d if all_active else d[active])[:, None] * m      # always a fresh array
        yield layer, m, all_active and active_prev is None
        active_prev = None if all_active else active


def jacobian_spectrum(act: str, weights: str, n: int, depths, seed: int = 0,
                      sigma_w2: float | None = None, sigma_b2: float | None = None,
                      q_star: float | None = None, chunk: int = 4, fast: bool = True,
                      track_det: bool = False,
                      accurate_above: float | None = None) -> list[Spectrum]:
    """Singular values of J = D_L W_L ⋯ D_1 W_1 at each depth in ``depths`` (one pass).

    σ_w², σ_b² default to the critical values for ``act`` (and ``q_star`` for tanh; the
    default q* for tanh is 1/64 and 1 otherwise — ReLU's and the linear Jacobian do not
    depend on the scale of the input). Layer l's weights come from ``seed`` and l only.

    With ``fast`` the direct product is tried first and accepted when at every requested
    depth its smallest nonzero singular value is ≥ FAST_RANGE × the largest (then the
    plain SVD's absolute error ε·s_max is a relative error ≤ ε/FAST_RANGE); otherwise the
    graded factored product is used. ``track_det`` also records Σ_l ln|det D_l W_l|.

    ``accurate_above`` (a display's lower cut-off, e.g. 1e-8 for a histogram whose first bin
    collects everything smaller) also accepts the direct product when its error bound
    L·√N·ε·s_max is below 1e-3 × the cut-off: then every singular value above the cut-off
    is accurate to 0.1 %, and those below stay below it (their values are not meaningful).
    """
    a = get_activation(act)
    if weights not in WEIGHTS:
        raise ValueError(f"unknown weights {weights!r}; known: {', '.join(WEIGHTS)}")
    depths = sorted({int(d) for d in np.atleast_1d(depths)})
    if not depths or depths[0] < 1:
        raise ValueError("depths must be positive")
    if q_star is None:
        q_star = 1 / 64 if a.key == "tanh" else 1.0
    if sigma_w2 is None or sigma_b2 is None:
        cw, cb = critical_parameters(a.key, q_star) if a.key in ("tanh", "linear", "relu") \
            else (1.0, 0.0)
        sigma_w2 = cw if sigma_w2 is None else sigma_w2
        sigma_b2 = cb if sigma_b2 is None else sigma_b2
    args = (a, weights, n, depths[-1], seed, sigma_w2, sigma_b2, q_star)

    def spectrum(layer, s, log_scale, log_det):
        with np.errstate(divide="ignore"):
            ls = (np.log(s) + log_scale) / math.log(10.0)
        return Spectrum(a.key, weights, n, layer, float(sigma_w2), float(sigma_b2), q_star,
                        ls, n - s.size, float(log_det))

    if fast and not track_det:
        out, p, p_log, rank = [], None, 0.0, n
        for layer, m, _ in _factors(*args):
            p = m if p is None else m @ p
            rank = min(rank, m.shape[0])
            mx = float(np.max(np.abs(p)))
            if mx > 0:
                p /= mx
                p_log += math.log(mx)
            if layer in depths:
                sv = np.linalg.svd(p, compute_uv=False)[:rank]
                ok = sv.size > 0 and sv[-1] >= FAST_RANGE * sv[0]
                if not ok and accurate_above is not None and sv.size:
                    bound = layer * math.sqrt(n) * np.finfo(float).eps * sv[0] * math.exp(p_log)
                    ok = bound <= 1e-3 * accurate_above
                if not ok:
                    break
                out.append(spectrum(layer, sv, p_log, math.nan))
        else:
            return out

    # the factored product: singular values of J_l are those of U·diag(s)·exp(log_scale)
    u = np.eye(n)                 # (active units of the last layer × r)
    s = np.ones(n)
    log_scale = 0.0
    c = None                      # product of the current chunk
    c_log = 0.0
    in_chunk = 0
    rank = n                      # rank of J so far: min(n, active units of every layer)
    log_det = 0.0 if track_det else math.nan
    out = []
    for layer, m, full in _factors(*args):
        if track_det and log_det > -math.inf:
            log_det = log_det + np.linalg.slogdet(m)[1] if full else -math.inf
        c = m if c is None else m @ c
        mx = float(np.max(np.abs(c))) if c.size else 0.0
        if mx > 0:
            c /= mx
            c_log += math.log(mx)
        in_chunk += 1
        rank = min(rank, m.shape[0])
        if in_chunk == chunk or layer in depths:
            b = (c @ u) * s
            u_new, sv = _graded_svd(b, vectors=layer != depths[-1])
            # a narrower layer inside the chunk leaves spurious ~ε·s values: drop by count
            u_new = None if u_new is None else u_new[:, :rank]
            sv = sv[:rank]
            top = sv[0] if sv.size and sv[0] > 0 else 1.0
            log_scale += c_log + math.log(top)
            s = sv / top
            u = u_new
            c, c_log, in_chunk = None, 0.0, 0
            if layer in depths:
                out.append(spectrum(layer, s, log_scale, log_det))
    return out


# ------------------------------------------------------------------- Saxe: deep linear nets

def _init_stack(init: str, depth: int, n: int, rng: np.random.Generator) -> np.ndarray:
    if init == "orthogonal":
        return np.stack([haar_orthogonal(rng, n) for _ in range(depth)])
    if init == "gaussian":
        return rng.standard_normal((depth, n, n)) / math.sqrt(n)
    raise ValueError(f"unknown init {init!r}; known: {', '.join(WEIGHTS)}")


def deep_linear_training(init: str, depth: int, n: int = 16, seeds=(0,),
                         lr_scale: float = 0.4, tol: float = 1e-2, max_iter: int = 2000,
                         s_max: float = 2.0, s_min: float = 0.5):
    """Full-batch gradient descent on a deep linear net P = W_L ⋯ W_1 (n×n) with whitened
    inputs (Saxe, McClelland, Ganguli 2013): the loss is ℓ = ‖P − A‖²_F / ‖A‖²_F and the step
    W_l ← W_l − (lr/L)·(W_L⋯W_{l+1})ᵀ (P − A) (W_{l−1}⋯W_1)ᵀ with lr = ``lr_scale``.

    The target has the singular vectors of the initial product P_0 = U Σ_0 Vᵀ and singular
    values from ``s_max`` down to ``s_min``: A = U diag(linspace(s_max, s_min, n)) Vᵀ (the
    largest target value on P_0's largest direction). So only the singular values have to
    be learnt, not a rotation — the decoupled case of Saxe et al. (a generic target adds
    rotations, and gradient descent cannot change the sign of det P without passing
    through a singular product; both slow learning for reasons other than the spectrum).
    All seeds run at once (vectorised over seeds).

    Returns (iterations (S,) float — the first step with ℓ ≤ tol, NaN if not reached in
    ``max_iter``; final losses (S,)).
    """
    ws = np.stack([_init_stack(init, depth, n, np.random.default_rng(
        np.random.SeedSequence(s, spawn_key=(7,)))) for s in seeds])      # (S, L, n, n)
    n_s = ws.shape[0]
    p0 = ws[:, 0]
    for l in range(1, depth):
        p0 = ws[:, l] @ p0
    u0, _, vt0 = np.linalg.svd(p0)
    a = (u0 * np.linspace(s_max, s_min, n)[None, None, :]) @ vt0        # (S, n, n)
    norm_a = np.sum(a * a, axis=(1, 2))
    lr = lr_scale / depth
    iters = np.full(n_s, np.nan)
    eye = np.broadcast_to(np.eye(n), (n_s, n, n))
    running = np.ones(n_s, bool)
    loss = np.full(n_s, np.nan)
    with np.errstate(over="ignore", invalid="ignore"):
        for it in range(max_iter + 1):
            pre = [eye]                                 # pre[l] = W_l ⋯ W_1
            for l in range(depth):
                pre.append(ws[:, l] @ pre[-1])
            e = pre[-1] - a
            loss = np.sum(e * e, axis=(1, 2)) / norm_a
            done = running & (loss <= tol)
            iters[done] = it
            running &= ~done & np.isfinite(loss)
            if not running.any() or it == max_iter:
                break
            back = e                                    # (W_L ⋯ W_{l+1})ᵀ (P − A)
            step = np.where(running, lr, 0.0)[:, None, None]
            for l in range(depth - 1, -1, -1):
                g = back @ np.swapaxes(pre[l], 1, 2)
                back = np.swapaxes(ws[:, l], 1, 2) @ back
                ws[:, l] -= step * g
    return iters, loss


def saxe_experiment(depths, seeds, init: str, **kw) -> np.ndarray:
    """Iterations to tolerance, shape (len(seeds), len(depths)); NaN = not reached."""
    return np.stack([deep_linear_training(init, int(d), seeds=tuple(seeds), **kw)[0]
                     for d in depths], axis=1)


def fit_log_slope(depths, iterations) -> tuple[float, tuple[float, float]]:
    """Least-squares slope of log(iterations) on log(depth), with a 95 % t-interval.

    The seeds of one depth are first averaged (the mean of log(iterations) over the seeds
    that reached the tolerance), so the fit has one point per depth and len(depths) − 2
    degrees of freedom: seeds are not independent replicates of the depth effect (with
    orthogonal weights they even give identical counts). Depths no seed reached are dropped.
    """
    it = np.atleast_2d(np.asarray(iterations, float))
    logs = np.where(np.isfinite(it) & (it > 0), np.log(np.where(it > 0, it, 1.0)), np.nan)
    reached = np.isfinite(logs).any(axis=0)
    y = np.array([np.nanmean(col) for col in logs.T[reached]])
    x = np.log(np.asarray(depths, float)[reached])
    res = stats.linregress(x, y)
    t = stats.t.ppf(0.975, x.size - 2)
    return float(res.slope), (float(res.slope - t * res.stderr), float(res.slope + t * res.stderr))


# ------------------------------------------------------------- exactly normal outputs (ch. 7)

def fixed_weight_output_variances(rng: np.random.Generator, kind: str, k: int, n_out: int,
                                  sigma2: float) -> np.ndarray:
    """Var(h_j | W) = ‖w_j‖² of the n_out outputs h = xW, x ~ N(0, I_k), for one draw of W
    (k × n_out): "gaussian" iid N(0, σ²/k); "normalised" columns σ·g/‖g‖; "orthogonal"
    σ × the first n_out columns of a Haar k×k matrix (n_out ≤ k). Given W, h is exactly
    N(0, WᵀW): normal with variance σ² in every unit for the last two, and independent
    units for the orthogonal one (WᵀW = σ²I)."""
    if kind == "gaussian":
        w = rng.standard_normal((k, n_out)) * math.sqrt(sigma2 / k)
    elif kind == "normalised":
        g = rng.standard_normal((k, n_out))
        w = math.sqrt(sigma2) * g / np.linalg.norm(g, axis=0)
    elif kind == "orthogonal":
        if n_out > k:
            raise ValueError("orthogonal columns need n_out <= k")
        w = math.sqrt(sigma2) * haar_orthogonal(rng, k)[:, :n_out]
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return np.sum(w * w, axis=0)


# ------------------------------------------------- a ReLU counterexample: looks-linear weights

def looks_linear_relu_singular_values(n: int, depth: int, seed: int = 0) -> np.ndarray:
    """Singular values of the input–output Jacobian of a bias-free ReLU net of width 2n with
    "looks-linear" weights (Balduzzi et al. 2017): W_l = [[Q_l, −Q_l], [−Q_l, Q_l]], Q_l Haar
    n×n (entry variance 1/n = 2/(2n), He scaling), at a random Gaussian input.

    The weights are not independent (each entry appears four times), so the free-probability
    result var(s²) ≥ L for ReLU does not apply. Since relu(u) − relu(−u) = u, the net acts as
    the orthogonal product Q_L⋯Q_1 on the difference of the input halves, and
    J = D_L [Q_L; −Q_L] Q_{L−1}⋯Q_1 [I, −I]: n singular values equal √2 and n are 0 (mean
    s² = 1). Computed here by the explicit product D_L W_L ⋯ D_1 W_1 (double precision), as
    an independent check of that algebra."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(11,)))
    x = rng.standard_normal(2 * n)
    jac = np.eye(2 * n)
    for _ in range(depth):
        q = haar_orthogonal(rng, n)
        w = np.block([[q, -q], [-q, q]])
        h = w @ x
        jac = ((h > 0).astype(float)[:, None] * w) @ jac
        x = np.maximum(h, 0.0)
    return np.linalg.svd(jac, compute_uv=False)


def bridge_output_samples(rng: np.random.Generator, k: int, m: int) -> dict:
    """m draws of one neuron's output h = wᵀx (fan-in k, σ = 1, no bias), three ways:

    "gaussian": x ~ N(0, I_k) and w ~ N(0, I/k) drawn afresh together — unconditionally a
        scale mixture of normals, excess kurtosis 6/k;
    "normalised": x ~ N(0, I_k) and w = g/‖g‖ drawn afresh — exactly N(0, 1), excess 0;
    "fixed_input": one fixed x with ‖x‖ = √k, w = g/‖g‖ random — h = √k·cos θ is bounded
        by √k, excess kurtosis −6/(k + 2) (a coordinate of a uniform point on the sphere).
    """
    x = rng.standard_normal((m, k))
    g = rng.standard_normal((m, k))
    unit = g / np.linalg.norm(g, axis=1, keepdims=True)
    x0 = rng.standard_normal(k)
    x0 *= math.sqrt(k) / np.linalg.norm(x0)
    return {
        "gaussian": np.einsum("ij,ij->i", x, g) / math.sqrt(k),
        "normalised": np.einsum("ij,ij->i", x, unit),
        "fixed_input": unit @ x0,
    }


BRIDGE_EXCESS = {"gaussian": lambda k: 6.0 / k, "normalised": lambda k: 0.0,
                 "fixed_input": lambda k: -6.0 / (k + 2)}


def excess_kurtosis(h: np.ndarray, batches: int = 20) -> tuple[float, float]:
    """Sample excess kurtosis E h⁴/(E h²)² − 3 (mean-zero h) and its standard error from
    ``batches`` independent batches (the spread of the batch estimates / √batches)."""
    h = np.asarray(h, float)
    est = float(np.mean(h**4) / np.mean(h**2) ** 2 - 3.0)
    parts = np.array_split(h, batches)
    per = np.array([np.mean(p**4) / np.mean(p**2) ** 2 - 3.0 for p in parts])
    return est, float(per.std(ddof=1) / math.sqrt(batches))


# ------------------------------------------------ a nonlinear net: does the spectrum matter?

def deep_classifier_accuracy(x_train, y_train, x_test, y_test, act: str, weights: str,
                             depth: int = 32, seeds=(0, 1, 2), steps: int = 300,
                             lr: float = 0.05, batch: int = 128,
                             q_star: float = 1 / 64) -> np.ndarray:
    """Test accuracy of a deep fully connected classifier (width = input dimension n, ``depth``
    hidden layers, a linear softmax readout initialised to zero) after ``steps`` steps of
    minibatch SGD on the cross-entropy, one value per seed (all seeds trained at once).

    Critical initialisation: tanh with σ_w², σ_b² of ``critical_parameters`` at ``q_star``
    (inputs scaled by √q* so that the first layer starts at the fixed point); ReLU with
    σ_w² = 2, σ_b = 0 (He). ``weights`` "gaussian" or "orthogonal" (σ_w × Haar). The same
    steps, step size and minibatches for every configuration of one seed.
    """
    a = get_activation(act)
    x_train = np.asarray(x_train, float)
    x_test = np.asarray(x_test, float)
    n = x_train.shape[1]
    k = int(max(y_train.max(), y_test.max())) + 1
    sw2, sb2 = critical_parameters(act, q_star) if a.key == "tanh" else critical_parameters(act)
    scale = math.sqrt(q_star) if a.key == "tanh" else 1.0
    s_n = len(tuple(seeds))
    rngs = [np.random.default_rng(np.random.SeedSequence(s, spawn_key=(13,))) for s in seeds]
    ws = np.stack([[math.sqrt(sw2) * (haar_orthogonal(r, n) if weights == "orthogonal" else
                                      r.standard_normal((n, n)) / math.sqrt(n))
                    for _ in range(depth)] for r in rngs], axis=1)          # (L, S, n, n)
    bs = np.stack([[math.sqrt(sb2) * r.standard_normal(n) for _ in range(depth)] for r in rngs],
                  axis=1)[:, :, None, :]                                    # (L, S, 1, n)
    v = np.zeros((s_n, n, k))
    c = np.zeros((s_n, 1, k))
    batches = np.stack([np.random.default_rng(np.random.SeedSequence(s, spawn_key=(14,)))
                        .integers(0, len(x_train), (steps, batch)) for s in seeds], axis=1)
    tanh = a.key == "tanh"

    def forward(x):
        xs, hs = [x], []
        for layer in range(depth):
            h = xs[-1] @ np.swapaxes(ws[layer], 1, 2) + bs[layer]
            hs.append(h)
            xs.append(np.tanh(h) if tanh else np.maximum(h, 0.0))
        return xs, hs

    rows = np.arange(batch)
    for t in range(steps):
        idx = batches[t]                                                    # (S, batch)
        xs, hs = forward(x_train[idx] * scale)
        z = xs[-1] @ v + c
        z -= z.max(-1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(-1, keepdims=True)
        p[np.arange(s_n)[:, None], rows[None, :], y_train[idx]] -= 1.0
        p /= batch
        g = p @ np.swapaxes(v, 1, 2)
        v -= lr * np.swapaxes(xs[-1], 1, 2) @ p
        c -= lr * p.sum(1, keepdims=True)
        for layer in range(depth - 1, -1, -1):
            gh = g * ((1.0 - xs[layer + 1] ** 2) if tanh else (hs[layer] > 0))
            g = gh @ ws[layer]
            ws[layer] -= lr * np.swapaxes(gh, 1, 2) @ xs[layer]
            bs[layer] -= lr * gh.sum(1, keepdims=True)
    xs, _ = forward(np.broadcast_to(x_test * scale, (s_n,) + x_test.shape))
    pred = np.argmax(xs[-1] @ v + c, axis=-1)
    return np.mean(pred == y_test[None, :], axis=1)



def standardise_split(x, y, n_train: int):
    """The first ``n_train`` rows train, the rest test; features standardised with the
    training part's mean and standard deviation (constant features left at 0)."""
    x = np.asarray(x, float)
    mu, sd = x[:n_train].mean(0), x[:n_train].std(0)
    x = (x - mu) / np.where(sd > 0, sd, 1.0)
    y = np.asarray(y)
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]
