"""Dynamical isometry (book/theory/03_isometry.ipynb): every number the chapter prints.

Tolerances: Monte Carlo over seeds, |mean − truth| < 5·se with se the standard error of the
mean over the seeds; exact identities to rounding.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from initlab.checks import isometry as chk
from initlab.checks.core import CheckFailed
from initlab.numerics import spectra as sp

N = 200


def _haar_fixed(rng, n):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


# ------------------------------------------------------------------------ Haar sampling

def test_unfixed_qr_has_negative_q11_always():
    """LAPACK's Householder convention: R_11 = −sign(Z_11)‖Z_·1‖, so Q_11 < 0 always."""
    rng = np.random.default_rng(0)
    d = sp.haar_diagnostics(sp.qr_orthogonal_unfixed, rng, 8, 500)
    assert np.all(d["q11"] < 0)
    d = sp.haar_diagnostics(sp.haar_orthogonal, rng, 8, 2000)
    k = int(np.sum(d["q11"] < 0))
    assert abs(k - 1000) < 5 * math.sqrt(2000 / 4)


def test_haar_exact_facts():
    """Signs of the diagonal are fair coins; Q11² ~ Beta(1/2,(n−1)/2); E tr = 0, E tr² = 1."""
    rng = np.random.default_rng(1)
    n, m = 10, 3000
    d = sp.haar_diagnostics(sp.haar_orthogonal, rng, n, m)
    neg = int(np.sum(d["diag_signs"] < 0))
    assert abs(neg - m * n / 2) < 5 * math.sqrt(m * n / 4)
    assert stats.kstest(d["q11"] ** 2, stats.beta(0.5, (n - 1) / 2).cdf).pvalue > 1e-4
    tr = d["trace"]
    assert abs(tr.mean()) < 5 * tr.std() / math.sqrt(m)
    # E tr² = 1; tr is close to N(0, 1) (Diaconis–Shahshahani), Var tr² ≈ 2
    assert abs(np.mean(tr**2) - 1) < 5 * math.sqrt(np.var(tr**2) / m)


def test_unfixed_trace_and_diagonal_bias():
    """Without the correction the diagonal is biased negative and the trace shifts."""
    rng = np.random.default_rng(2)
    n, m = 10, 2000
    d = sp.haar_diagnostics(sp.qr_orthogonal_unfixed, rng, n, m)
    share = float(np.mean(d["diag_signs"] < 0))
    assert share > 0.6
    tr = d["trace"]
    assert tr.mean() + 5 * tr.std() / math.sqrt(m) < -1.0


# ------------------------------------------------------------------------ spectra

def test_theory_values():
    """L(μ₂/μ₁² − 1 − s₁): linear L / 0, ReLU 2L / L; tanh orthogonal small at small q*."""
    assert sp.isometry_variance_theory("linear", "gaussian", 50) == pytest.approx(50)
    assert sp.isometry_variance_theory("linear", "orthogonal", 50) == pytest.approx(0)
    assert sp.isometry_variance_theory("relu", "gaussian", 50) == pytest.approx(100)
    assert sp.isometry_variance_theory("relu", "orthogonal", 50) == pytest.approx(50)
    # tanh: independent quadrature with numpy's Hermite nodes
    z, w = np.polynomial.hermite_e.hermegauss(101)
    w = w / w.sum()
    q = 1 / 64
    d2 = (1 - np.tanh(math.sqrt(q) * z) ** 2) ** 2
    mu1, mu2 = np.sum(w * d2), np.sum(w * d2**2)
    assert sp.isometry_variance_theory("tanh", "orthogonal", 50, q) == pytest.approx(
        50 * (mu2 / mu1**2 - 1), rel=1e-8)
    from initlab.numerics.activations import get_activation
    for qq in (1e-3, 1 / 64, 0.1, 1.0, 10.0):       # the fixed point exists: σ_b² > 0, no clamping
        m1 = sp.derivative_moments("tanh", qq)[0]
        assert qq - float(get_activation("tanh").second_moment(qq)) / m1 > 0
    sw2, sb2 = sp.critical_parameters("tanh", q)
    assert sw2 * mu1 == pytest.approx(1, rel=1e-10)
    assert sw2 * np.sum(w * np.tanh(math.sqrt(q) * z) ** 2) + sb2 == pytest.approx(q, rel=1e-10)


def test_linear_gaussian_exact_recursion_small_cases():
    """Exact finite-N moments: L = 1 gives var = 1 + 1/n − 2/n² (real Wishart)."""
    for n in (5, 50, 400):
        assert sp.linear_gaussian_moments_exact(n, 1)[1] == pytest.approx(1 + 1 / n - 2 / n**2)
    assert sp.linear_gaussian_moments_exact(10**7, 50)[1] == pytest.approx(50, rel=1e-3)


def test_small_singular_values_are_accurate():
    """Σ ln s_i = Σ_l ln|det D_l W_l| exactly: the tiny singular values are kept
    (a direct product would lose everything below 1e-16 · s_max)."""
    for act, w in (("linear", "gaussian"), ("tanh", "gaussian"), ("tanh", "orthogonal")):
        for s in sp.jacobian_spectrum(act, w, N, [10, 50, 100], seed=3, track_det=True):
            assert s.n_zero == 0
            assert s.log_det == pytest.approx(s.log_det_factors, abs=1e-6 * abs(s.log_det_factors) + 1e-6)
    s100 = sp.jacobian_spectrum("linear", "gaussian", N, [100], seed=3, track_det=True)[0]
    assert s100.log10_s.min() < -100          # far below double precision relative to s_max


def test_relu_matches_direct_product_and_rank():
    """For shallow ReLU nets the direct product is accurate: same nonzero singular values;
    the number of zeros is N − min_l (active units)."""
    from initlab.numerics.activations import get_activation
    a = get_activation("relu")
    for w in sp.WEIGHTS:
        rng_in = np.random.default_rng(np.random.SeedSequence(0, spawn_key=(10**6,)))
        h = rng_in.standard_normal(N)
        x, j, act_min = a.f(h), np.eye(N), N
        for layer in range(1, 4):
            wl = sp.layer_weights(w, N, layer, 0, 2.0)
            h = wl @ x
            d = a.df(h)
            x = a.f(h)
            act_min = min(act_min, int(np.sum(d > 0)))
            j = (d[:, None] * wl) @ j
        sv = np.linalg.svd(j, compute_uv=False)
        for fast in (True, False):
            spec = sp.jacobian_spectrum("relu", w, N, [3], seed=0, fast=fast)[0]
            assert spec.n_zero == N - act_min
            assert np.allclose(np.log10(sv[:act_min]), spec.log10_s, atol=1e-10)


def test_fast_path_agrees_with_graded():
    """Where the direct product is accepted it agrees with the graded computation."""
    for act, w in (("tanh", "orthogonal"), ("linear", "orthogonal"), ("relu", "orthogonal")):
        a = sp.jacobian_spectrum(act, w, N, [2, 20], seed=5, fast=True)
        b = sp.jacobian_spectrum(act, w, N, [2, 20], seed=5, fast=False)
        for x, y in zip(a, b):
            assert x.n_zero == y.n_zero
            assert np.allclose(x.log10_s, y.log10_s, atol=1e-7)


def test_linear_orthogonal_is_exact_isometry():
    for s in sp.jacobian_spectrum("linear", "orthogonal", N, [1, 50, 100], seed=0):
        assert np.allclose(s.log10_s, 0.0, atol=1e-10)
        assert s.s2_var < 1e-18


SEEDS = range(6)


@pytest.fixture(scope="module")
def var_table():
    """var(s²)/mean(s²)² … per (act, weights) at L = 50 over SEEDS, N = 200."""
    out = {}
    for seed in SEEDS:
        for act in sp.ACTS:
            for w in sp.WEIGHTS:
                s = sp.jacobian_spectrum(act, w, N, [50], seed=seed)[0]
                out.setdefault((act, w), []).append((s.s2_var, s.s2_mean, s.fraction_within(0.5, 2)))
    return {k: np.array(v) for k, v in out.items()}


def _mean_se(x):
    x = np.asarray(x, float)
    return x.mean(), x.std(ddof=1) / math.sqrt(x.size)


@pytest.mark.slow
def test_linear_gaussian_variance_against_exact_finite_n(var_table):
    v = var_table[("linear", "gaussian")][:, 0]
    m, se = _mean_se(v)
    exact = sp.linear_gaussian_moments_exact(N, 50)[1]
    assert abs(m - exact) < 5 * se


@pytest.mark.slow
def test_tanh_orthogonal_variance_against_theory(var_table):
    """q* = 1/64: the theory 50·(μ₂/μ₁² − 1) ≈ 0.084; finite-N estimate within 5 se + 10 %."""
    v = var_table[("tanh", "orthogonal")][:, 0]
    m, se = _mean_se(v)
    th = sp.isometry_variance_theory("tanh", "orthogonal", 50, 1 / 64)
    assert abs(m - th) < 5 * se + 0.1 * th
    # and almost all singular values within [1/2, 2]
    assert var_table[("tanh", "orthogonal")][:, 2].min() > 0.95


@pytest.mark.slow
def test_gaussian_nets_are_far_from_isometry(var_table):
    """Gaussian weights: only a few per cent of s in [1/2, 2] at L = 50 (linear, tanh, ReLU);
    ReLU orthogonal too (half of the singular values are exactly zero)."""
    for key in (("linear", "gaussian"), ("tanh", "gaussian"), ("relu", "gaussian"),
                ("relu", "orthogonal")):
        assert var_table[key][:, 2].max() < 0.15


# ------------------------------------------------------------------------ Saxe

SAXE_DEPTHS = [1, 2, 4, 8, 16, 32]


def test_saxe_orthogonal_depth_independent():
    it = sp.saxe_experiment(SAXE_DEPTHS, seeds=range(3), init="orthogonal", max_iter=400,
                            tol=1e-3, lr_scale=0.1)
    assert np.isfinite(it).all()
    slope, (lo, hi) = sp.fit_log_slope(SAXE_DEPTHS, it)
    assert lo <= 0.0 <= hi and abs(slope) < 0.05
    assert it.max() <= 30


@pytest.mark.slow
def test_saxe_gaussian_slows_down():
    it = sp.saxe_experiment([2, 4, 8], seeds=range(3), init="gaussian", max_iter=400,
                            tol=1e-3, lr_scale=0.1)
    assert np.all(it[:, 0] < it[:, 1]) or np.all(np.isnan(it[:, 1]) | (it[:, 1] > it[:, 0]))
    assert np.isnan(it[:, 2]).all()        # not reached in 400 steps at L = 8


# ------------------------------------------------------------------------ exactly normal

def test_fixed_weight_output_variances():
    rng = np.random.default_rng(0)
    for kind in ("normalised", "orthogonal"):
        v = sp.fixed_weight_output_variances(rng, kind, 16, 10, 2.0)
        assert np.allclose(v, 2.0)
    v = sp.fixed_weight_output_variances(rng, "gaussian", 16, 4000, 2.0)
    # ‖w‖² ~ (σ²/k) χ²_k: mean σ², var 2σ⁴/k
    assert abs(v.mean() - 2) < 5 * math.sqrt(2 * 4 / 16 / 4000)
    assert abs(v.var() - 2 * 4 / 16) < 0.1


# ------------------------------------------------------------------------ the check

def test_check_accepts_correct_samplers(capsys):
    from scipy.stats import ortho_group
    chk.haar_orthogonal(_haar_fixed)
    chk.haar_orthogonal(lambda rng, n: ortho_group.rvs(n, random_state=rng))
    chk.haar_orthogonal(lambda rng, n: _haar_fixed(rng, n).astype(np.float32))
    chk.haar_orthogonal(sp.haar_orthogonal, thorough=True)
    assert capsys.readouterr().out.count("Верно!") == 4


@pytest.mark.parametrize("fn, start", [
    (sp.qr_orthogonal_unfixed, "Неверно: матрица ортогональна, но распределена не по мере Хаара"),
    (lambda rng, n: rng.standard_normal((n, n)) / math.sqrt(n), "Неверно: матрица не ортогональна"),
    (lambda rng, n: _haar_fixed(np.random.default_rng(), n), "Результат `haar_orthogonal` зависит"),
    (lambda rng, n: np.eye(n), "Неверно: при разных генераторах"),
    (lambda rng, n: ..., "Ответ ещё не введён"),
    (lambda rng, n: _haar_fixed(rng, n)[:, :-1], "`haar_orthogonal(rng, 6)` вернула массив формы"),
])
def test_check_rejects(fn, start):
    with pytest.raises(CheckFailed) as e:
        chk.haar_orthogonal(fn)
    assert e.value.message.startswith(start)


def test_check_probe_is_plain_data():
    d = chk._probe_haar_orthogonal(_haar_fixed)
    assert all(isinstance(v, (int, float, bool, list)) for v in d.values())
    chk._judge_haar_orthogonal(d)


@pytest.mark.slow
def test_check_false_rejection_rate():
    """Each of the 3 statistical tests has level ALPHA = 1e-7 (union bound 3e-7 < 1e-6);
    over 60 seeds a correct sampler's smallest p-value stays far above ALPHA."""
    pmin = []
    for seed in range(60):
        rng = np.random.default_rng(seed)
        n, m = 6, 400
        mats = np.stack([_haar_fixed(rng, n) for _ in range(m)])
        diag = np.diagonal(mats, axis1=1, axis2=2)
        p1 = stats.binomtest(int(np.sum(diag < 0)), m * n).pvalue
        p2 = stats.binomtest(int(np.sum(np.linalg.det(mats) < 0)), m).pvalue
        p3 = stats.kstest(mats[:, 0, 0] ** 2, stats.beta(0.5, (n - 1) / 2).cdf).pvalue
        pmin.append(min(p1, p2, p3))
    assert 3 * chk.ALPHA < 1e-6
    # under H0 min of 3 p-values ≥ 1e-3 with probability ≥ 1 − 3e-3 per seed
    assert np.mean(np.array(pmin) < 1e-3) < 0.1


def test_number_checks(capsys):
    chk.linear_gaussian_variance(20)
    chk.relu_gaussian_variance(40)
    for bad, f in ((21, chk.linear_gaussian_variance), (0, chk.linear_gaussian_variance),
                   (20, chk.relu_gaussian_variance)):
        with pytest.raises(CheckFailed):
            f(bad)


# ------------------------------------------------------------------------ chapter claims

def _saxe_mode_iterations(depth, lr_scale=0.1, tol=1e-3, max_iter=500, n=16):
    """Independent derivation: with orthogonal layers and the target aligned with the
    initial product, every layer stays R_l diag(a) R_{l−1}ᵀ and each mode obeys the scalar
    recursion a ← a − (lr/L)·a^(L−1)(a^L − s), a₀ = 1; loss Σ(a^L − s)²/Σ s²."""
    s = np.linspace(2.0, 0.5, n)
    a = np.ones(n)
    for it in range(max_iter + 1):
        loss = np.sum((a**depth - s) ** 2) / np.sum(s**2)
        if loss <= tol:
            return it
        a = a - (lr_scale / depth) * a ** (depth - 1) * (a**depth - s)
    return math.nan


@pytest.mark.slow
def test_saxe_chapter_numbers():
    """The chapter's run: 5 seeds, depths 1..32, 500 steps, lr 0.1/L, tol 1e-3."""
    depths = [1, 2, 4, 8, 16, 32]
    orth = sp.saxe_experiment(depths, seeds=range(5), init="orthogonal", max_iter=500,
                              tol=1e-3, lr_scale=0.1)
    expected = [_saxe_mode_iterations(d) for d in depths]
    assert np.all(orth == np.array(expected)[None, :])
    slope, (lo, hi) = sp.fit_log_slope(depths, orth)
    assert lo <= 0 <= hi and abs(slope) < 0.05
    gauss = sp.saxe_experiment(depths, seeds=range(5), init="gaussian", max_iter=500,
                               tol=1e-3, lr_scale=0.1)
    assert np.isfinite(gauss[:, :2]).all()                 # L = 1, 2: all reach
    assert np.median(gauss[:, 1]) > 3 * np.median(orth[:, 1])
    assert np.isnan(gauss[:, 2:]).all()                    # L ≥ 4: none within 500 steps


def test_relu_zero_share_grows_with_depth():
    """At least half of ReLU's singular values are exactly 0; at L = 50 about 60 %."""
    for w in sp.WEIGHTS:
        shares = [s.n_zero / N for s in sp.jacobian_spectrum("relu", w, N, [2, 10, 50], seed=0)]
        assert all(0.5 <= x <= 0.7 for x in shares)
        assert shares[0] <= shares[1] <= shares[2]
        assert shares[2] >= 0.55


@pytest.mark.slow
def test_mean_s2_is_order_one(var_table):
    """'Среднее s² остаётся порядка 1' at L = 50 (every config and seed in [0.1, 10])."""
    for key, arr in var_table.items():
        assert np.all((arr[:, 1] > 0.1) & (arr[:, 1] < 10)), key


def test_unfixed_lacks_small_eigenvalue_angles():
    """Chapter: angles θ ∈ (0.01π, 0.2π) per 10×10 matrix — about 1.7 for Haar, about
    0.01–0.02 without the sign correction. Per-matrix counts are
    independent over matrices: compare means with 5 standard errors."""
    rng = np.random.default_rng(0)
    out = {}
    for name, f in (("haar", sp.haar_orthogonal), ("raw", sp.qr_orthogonal_unfixed)):
        a = sp.haar_diagnostics(f, rng, 10, 2000)["angles"].reshape(2000, 10)
        cnt = np.sum((a > 0.01 * np.pi) & (a < 0.2 * np.pi), axis=1)
        out[name] = (cnt.mean(), cnt.std(ddof=1) / math.sqrt(cnt.size))
    assert out["raw"][0] - 5 * out["raw"][1] < 0.02 and out["raw"][0] < 0.03   # "0,01–0,02""
    assert abs(out["haar"][0] - 1.7) < 5 * out["haar"][1] + 0.05
    assert out["haar"][0] - out["raw"][0] > 10 * math.hypot(out["haar"][1], out["raw"][1])


@pytest.mark.slow
def test_variance_section_within_seed_spread():
    """The var(s²)-vs-depth section: 4 seeds, N = 200, L = 5, 10, 20; every config's mean
    within 5 standard errors (over the seeds) of the N → ∞ theory."""
    depths = [5, 10, 20]
    for act in sp.ACTS:
        for w in sp.WEIGHTS:
            v = np.array([[s.s2_var for s in sp.jacobian_spectrum(act, w, N, depths, seed=seed)]
                          for seed in range(4)])
            th = np.array([sp.isometry_variance_theory(act, w, d, 1 / 64) for d in depths])
            se = v.std(0, ddof=1) / 2
            assert np.all(np.abs(v.mean(0) - th) <= 5 * se + 1e-9), (act, w)
    exact = [sp.linear_gaussian_moments_exact(N, d)[1] for d in depths]
    assert [f"{x:.2f}" for x in exact] == ["5.08", "10.28", "21.14"]


def test_explorer_render_text():
    from initlab.explorers.spectra import render
    _, text = render("tanh", "orthogonal", 5, 1 / 64, 1.0, n=64)
    assert "Теория (N → ∞)" in text and "в [1/2, 2]" in text
    _, text = render("relu", "gaussian", 5, 1.0, 1.1, n=64)
    assert "нулевых" in text and "Вне критической точки" in text


def test_explorer_widget_builds_and_renders():
    from initlab.explorers.spectra import MAX_DEPTH, spectrum_explorer
    ex = spectrum_explorer(depth=3, n=32)
    assert set(ex.values()) == {"act", "weights", "depth", "q_star", "sigma_factor"}
    assert ex.controls["depth"].max == MAX_DEPTH == 100
    data, text = ex.render_png()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and "среднее s²" in text
    ex.controls["act"].value = "relu"
    assert "нулевых" in ex.status.value


def test_off_critical_mean_grows_as_chi_power():
    """Explorer text: with σ_w² = 1.1 (factor 1.1) a linear net has E mean(s²) = 1.1^L
    (E tr(W A Wᵀ) = σ_w² tr A for any N); 1.1^50 ≈ 117. Orthogonal: every s² = 1.1^L."""
    assert f"{1.1 ** 50:.0f}" == "117"
    s = sp.jacobian_spectrum("linear", "orthogonal", 64, [50], sigma_w2=1.1)[0]
    assert np.allclose(2 * s.log10_s, 50 * math.log10(1.1), atol=1e-9)
    means = [sp.jacobian_spectrum("linear", "gaussian", 64, [50], seed=k, sigma_w2=1.1)[0].s2_mean
             for k in range(8)]
    m, se = _mean_se(means)
    assert abs(m - 1.1**50) < 5 * se


def test_accurate_above_keeps_the_histogram():
    """The explorer's direct product (accurate_above=1e-8) gives the same histogram above
    1e-8 and the same share below it as the graded computation, also for deep Gaussian nets."""
    from initlab.figures.spectra import BINS
    for act in ("linear", "tanh", "relu"):
        a = sp.jacobian_spectrum(act, "gaussian", 100, [60], seed=2, accurate_above=1e-8)[0]
        b = sp.jacobian_spectrum(act, "gaussian", 100, [60], seed=2, fast=False)[0]
        assert a.n_zero == b.n_zero
        ha = np.histogram(np.clip(a.log10_s, BINS[0] + 1e-9, None), bins=BINS)[0]
        hb = np.histogram(np.clip(b.log10_s, BINS[0] + 1e-9, None), bins=BINS)[0]
        assert np.array_equal(ha, hb)
        assert a.s2_mean == pytest.approx(b.s2_mean, rel=1e-6)
        assert a.s2_var == pytest.approx(b.s2_var, rel=1e-6)


def test_grid_tanh_orthogonal_tail():
    """Chapter (seed 0, N = 200, L = 50): tanh + orthogonal, q* = 1/64: ≥ 95 % of s in
    [1/2, 2], the smallest about 0.2 (log10 in [−1, −0.5])."""
    s = sp.jacobian_spectrum("tanh", "orthogonal", N, [50], seed=0)[0]
    assert s.fraction_within(0.5, 2) > 0.95
    assert -1.0 < s.log10_s.min() < -0.5
    assert s.log10_s.max() < math.log10(2)
