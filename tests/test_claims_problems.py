"""Claims added or corrected in the problem chapters 06 and 07 (second audit, issue 11).

Each test names the sentence it proves. Exact values are derived in the docstring and
computed independently of the package where possible; Monte Carlo estimates are compared
with a tolerance of 5 standard errors (derived in the test) at a fixed seed.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special, stats

from initlab.numerics import activations as act
from initlab.numerics import exact_normal as en
from initlab.numerics import exact_normal_sphere as sph
from initlab.numerics import propagate


def _corr_and_se(a, b, batches: int = 40):
    """Sample correlation and its standard error by batch means (independent batches)."""
    r = np.corrcoef(a, b)[0, 1]
    rs = [np.corrcoef(x, y)[0, 1] for x, y in zip(np.array_split(a, batches), np.array_split(b, batches))]
    return r, np.std(rs, ddof=1) / math.sqrt(batches)


# ---------------------------------------------------------------- chapter 6: the hook

def test_pytorch_linear_default_is_mashas_uniform():
    """06, opening: nn.Linear's default kaiming_uniform_(a=√5) is U[±1/√n_in], Var 1/(3n_in).

    PyTorch documents kaiming_uniform_ as U[−bound, bound], bound = gain·√(3/fan_in), with
    the leaky-ReLU gain √(2/(1 + a²)). With a = √5: gain = √(1/3), bound = 1/√fan_in.
    """
    for fan_in in (1, 10, 256, 1000):
        gain = math.sqrt(2 / (1 + math.sqrt(5) ** 2))
        bound = gain * math.sqrt(3 / fan_in)
        assert bound == pytest.approx(1 / math.sqrt(fan_in), rel=1e-12)
        assert bound**2 / 3 == pytest.approx(1 / (3 * fan_in), rel=1e-12)


# ---------------------------------------------------------- chapter 6 а): assumptions

def test_layer_two_inputs_are_dependent_but_the_variance_formula_holds():
    """06, statement: independence of the inputs x_i is not needed (and is false beyond
    layer 1). Two units of layer 1 with N(0, 1/k) weights see the same x ~ N(0, I_k):
    corr(h₁², h₂²) = 1/(k + 3) ≠ 0 (derived in exact_normal_sphere), yet
    Var(Σ w_i h_i) = n·Var(w)·E h² holds because the terms w_i h_i are uncorrelated.
    """
    rng = np.random.default_rng(0)
    k, n, trials = 4, 8, 200_000
    x = rng.standard_normal((trials, k))
    W1 = rng.standard_normal((trials, k, n)) / math.sqrt(k)
    h = np.einsum("tk,tkn->tn", x, W1)                     # layer-1 outputs, E h² = 1
    a, b = h[:, 0] ** 2, h[:, 1] ** 2
    r, se = _corr_and_se(a, b)
    assert abs(r - 1 / (k + 3)) < 5 * se and r > 10 * se
    w2 = rng.standard_normal((trials, n)) / math.sqrt(n)   # layer 2, Var(w) = 1/n
    z = np.sum(w2 * h, axis=1)
    se_z = math.sqrt(np.var(z**2) / trials)
    assert abs(np.mean(z**2) - 1.0) < 5 * se_z             # n · (1/n) · E h² = 1


# ------------------------------------------------------------------- chapter 6 г)

@pytest.mark.parametrize("depth", [3, 10, 30, 60])
def test_backward_factors_telescope_whatever_the_depth(depth):
    """06 г): with Var(w_l) = 1/n_{l−1} the backward factor of layer l is n_l/n_{l−1},
    and ∏_{l=2}^{L} n_l/n_{l−1} = n_L/n_1: the gradient at the first hidden layer
    (width n_1, 239 for the 256 → 32 net of depth 30) shrinks by n_1/n_L for any depth
    (He et al. 2015, §2.2)."""
    th = propagate.theory("linear", "lecun_normal", 256, 32, depth)
    n = th.widths
    assert np.prod(n[2:] / n[1:-1]) == pytest.approx(n[-1] / n[1], rel=1e-12)
    assert th.grad_var[0] == pytest.approx(n[-1] / n[1], rel=1e-9)
    assert th.pre_var[-1] == pytest.approx(1.0, rel=1e-9)


# ------------------------------------------------------------------- chapter 6 д)

def _half_normal_product_cdf(u: float) -> float:
    """P(|w|·|g| < u) for independent N(0, 1): the density of |w g| is (2/π) K₀(t), t > 0
    (the product of two N(0, 1) has density K₀(|t|)/π)."""
    if u <= 0:
        return 0.0
    return 2 / math.pi * integrate.quad(special.k0, 0, u, limit=200)[0]


def test_small_positive_bias_leaves_a_dead_neuron_nearly_dead():
    """06 д): a neuron with all 10 weights ≤ 0 (w_i = −|N(0, 1)|), inputs x_i = ReLU(N(0, 1))
    and b = 0,01 fires (z > 0) iff Σ|w_i| x_i < 0,01. With K ~ Bin(10, 1/2) non-zero inputs
    and p₁ = P(|w g| < ε):  P = 2⁻¹⁰ Σ_K C(10, K) P(S_K < ε), S₀ = 0, P(S_K < ε) ≤ p₁^K.
    This is ≈ 0,137 %, of which 2⁻¹⁰ (≈ 71 %) are the all-zero inputs, where the weights
    get no gradient at all."""
    eps = 0.01
    p1 = _half_normal_product_cdf(eps)
    p2 = integrate.quad(lambda t: 2 / math.pi * special.k0(t) * _half_normal_product_cdf(eps - t),
                        0, eps, limit=200)[0]
    lo = 2.0**-10 * (1 + 10 * p1 + 45 * p2)
    hi = lo + 2.0**-10 * sum(math.comb(10, K) * p1**K for K in range(3, 11))
    assert 0.00136 < lo < hi < 0.00138                    # «около 0,14 %»
    assert 2.0**-10 / hi > 0.70                            # «из них 71 % — нулевые входы»
    rng = np.random.default_rng(0)
    hits = trials = 0
    for _ in range(4):
        w = -np.abs(rng.standard_normal((500_000, 10)))
        x = np.maximum(rng.standard_normal((500_000, 10)), 0.0)
        hits += int(np.sum(np.sum(w * x, axis=1) + eps > 0))
        trials += 500_000
    est, p = hits / trials, (lo + hi) / 2
    assert abs(est - p) < 5 * math.sqrt(p * (1 - p) / trials)


def test_positive_mean_weights_trade_zeros_for_a_common_mean():
    """06 д): weights N(μ, s²) lower P(y = 0 | x) to Φ(−μ Σx_i/(s‖x‖)) for x ≥ 0, but every
    unit of the layer gets the same mean μΣx_i: E z = μ n E x ≠ 0 and two units of one
    observation are correlated, corr(z₁, z₂) = μ² Var x/(s² E x² + μ² Var x)
    (for x_i = ReLU(N(0, 1)): E x² = 1/2, Var x = 1/2 − 1/(2π); μ = s gives ≈ 0,41)."""
    rng = np.random.default_rng(3)
    n, mu, s, trials = 10, 1.0, 1.0, 400_000
    x_fixed = np.abs(rng.standard_normal(n))
    w = rng.normal(mu, s, size=(trials, n))
    p_zero = np.mean(w @ x_fixed <= 0)
    truth = stats.norm.cdf(-mu * x_fixed.sum() / (s * np.linalg.norm(x_fixed)))
    assert abs(p_zero - truth) < 5 * math.sqrt(truth * (1 - truth) / trials)
    assert truth < 0.01                                     # far below 1/2
    x = np.maximum(rng.standard_normal((trials, n)), 0.0)
    z1 = np.sum(rng.normal(mu, s, size=(trials, n)) * x, axis=1)
    z2 = np.sum(rng.normal(mu, s, size=(trials, n)) * x, axis=1)
    var_x = 0.5 - 1 / (2 * math.pi)
    rho = mu**2 * var_x / (s**2 * 0.5 + mu**2 * var_x)
    assert rho == pytest.approx(0.406, abs=0.001)
    r, se = _corr_and_se(z1, z2)
    assert abs(r - rho) < 5 * se
    assert abs(np.mean(z1) - mu * n / math.sqrt(2 * math.pi)) < 5 * np.std(z1) / math.sqrt(trials)


# ------------------------------------------------------------------- chapter 6 е)

@pytest.mark.parametrize("alpha", [0.0, 0.01, 0.2, 1.0])
def test_gain_multiplies_the_standard_deviation(alpha):
    """06 е): the gain g = √(2/(1 + α²)) multiplies the standard deviation, std(w) = g/√n_in,
    so that n_in·Var(w)·E f(z)²/E z² = g²·(1 + α²)/2 = 1; √2 for ReLU, 1 for α = 1."""
    gain = math.sqrt(2 / (1 + alpha**2))
    f = act.leaky_relu(alpha).f
    for q in (0.5, 2.0):
        m2 = float(act.gauss_expectation(lambda z: f(z) ** 2, q))
        assert gain**2 * m2 / q == pytest.approx(1.0, rel=1e-9)
    if alpha == 0.0:
        assert gain == pytest.approx(math.sqrt(2))


# -------------------------------------------------------- chapter 7: independence of w_j

def test_sphere_weights_give_exact_normality_with_non_constant_modulus():
    """07 а): |w_j| = c is necessary only for independent w_j. Counterexample: w = σg/‖g‖,
    b = 0, x ~ N(0, I_k). For fixed w, h = x·w ~ N(0, ‖w‖²) = N(0, σ²) exactly, hence also
    unconditionally, while w_j²/σ² ~ Beta(1/2, (k−1)/2) is not constant."""
    rng = np.random.default_rng(0)
    sigma2, k, n = 2.0, 5, 20_000
    m = sph.sphere_coordinate_moments(k, sigma2)
    assert m["Var w2"] == pytest.approx(2 * (k - 1) * sigma2**2 / (k**2 * (k + 2)))
    assert m["Var w2"] > 0
    # exact moments of a coordinate (E w² = σ²/k, E w⁴ = 3σ⁴/(k(k + 2))) by Monte Carlo
    W = sph.sample_sphere_weights(rng, k, 200_000, sigma2)
    w1 = W[0]
    assert abs(np.mean(w1**2) - m["E w2"]) < 5 * np.std(w1**2) / math.sqrt(w1.size)
    assert abs(np.mean(w1**4) - m["E w4"]) < 5 * np.std(w1**4) / math.sqrt(w1.size)
    assert np.allclose(np.sum(W**2, axis=0), sigma2)
    # unconditionally: fresh weights for every value of h
    Wj = sph.sample_sphere_weights(rng, k, n, sigma2)
    h = np.sum(rng.standard_normal((n, k)) * Wj.T, axis=1)
    assert stats.kstest(h, "norm", args=(0, math.sqrt(sigma2))).pvalue > 0.01
    # with fixed weights: one w for all observations
    w = sph.sample_sphere_weights(rng, k, 1, sigma2)[:, 0]
    hf = rng.standard_normal((n, k)) @ w
    assert stats.kstest(hf, "norm", args=(0, math.sqrt(sigma2))).pvalue > 0.01
    # the same test has power against the independent normal weights of the chapter
    # (KS distance ≈ 0,0196 at k = 4): it rejects at 64 000 values
    r1 = np.random.default_rng(1)
    s = math.sqrt(6.0 / 5)                                   # w, b ~ N(0, σ²/(k + 1))
    hn = np.sum(r1.standard_normal((64_000, 4)) * r1.normal(0, s, (64_000, 4)), axis=1) \
        + r1.normal(0, s, 64_000)
    assert stats.kstest(hn, "norm", args=(0, math.sqrt(6.0))).pvalue < 0.01


def test_orthogonal_columns_make_the_output_row_exactly_normal():
    """07 а), bridge to orthogonal initialisation: for fixed W the row h = xW ~ N(0, WᵀW);
    with W = σQ, QᵀQ = I, that is N(0, σ² I): the units are independent, not only
    uncorrelated."""
    rng = np.random.default_rng(1)
    k, n_out, sigma2 = 6, 3, 1.5
    W = sph.sample_orthogonal_weights(rng, k, n_out, sigma2)
    assert W.T @ W == pytest.approx(sigma2 * np.eye(n_out), abs=1e-12)
    H = rng.standard_normal((50_000, k)) @ W
    r, se = _corr_and_se(H[:, 0] ** 2, H[:, 1] ** 2)
    assert abs(r) < 5 * se


def test_two_units_on_one_observation_are_dependent():
    """07: with ±c weights (independent fair signs), b = 0 and x ~ N(0, I_k), two units of
    one observation are uncorrelated but corr(h₁², h₂²) = 1/k (derivation in
    exact_normal_sphere.pm_square_correlation): E h₁²h₂² = c⁴(k² + 2k), not c⁴k².
    Exact over the signs: S = Σ s_j t_j = k − 2·Bin(k, 1/2), E S² = k."""
    k, c = 4, 1.0
    K = np.arange(k + 1)
    pmf = stats.binom.pmf(K, k, 0.5)
    ES2 = float(np.sum(pmf * (k - 2 * K) ** 2))
    assert ES2 == pytest.approx(k)
    exact = c**4 * (k**2 + 2 * ES2)
    assert (exact - (k * c**2) ** 2) / (2 * (k * c**2) ** 2) == pytest.approx(sph.pm_square_correlation(k))
    rng = np.random.default_rng(2)
    n = 400_000
    x = rng.standard_normal((n, k))
    h1 = np.sum(x * c * rng.choice([-1.0, 1.0], size=(n, k)), axis=1)
    h2 = np.sum(x * c * rng.choice([-1.0, 1.0], size=(n, k)), axis=1)
    prod = h1**2 * h2**2
    se = np.std(prod) / math.sqrt(n)
    assert abs(np.mean(prod) - exact) < 5 * se
    assert np.mean(prod) - (k * c**2) ** 2 > 10 * se        # not the independent value
    assert abs(np.mean(h1 * h2)) < 5 * np.std(h1 * h2) / math.sqrt(n)   # uncorrelated


def test_quotient_weights_have_infinite_second_moment():
    """07 б): «второй момент бесконечен (E w² = ∞)»: the tail of f(w) is ~ 1/(a√(2π) w²),
    so E w² ≥ ∫_M^∞ w² f(w) dw = ∞; numerically ∫_0^M w² f(w) dw grows linearly in M."""
    a = 1.0
    part = [integrate.quad(lambda w: w**2 * en.seed_quotient_pdf(w, a), 0, M, limit=400)[0]
            for M in (100.0, 1000.0)]
    slope = 1 / (a * math.sqrt(2 * math.pi))
    assert (part[1] - part[0]) / 900 == pytest.approx(slope, rel=1e-3)


def test_tanh_gain_five_thirds_has_a_nonzero_fixed_point():
    """06 е): with g = 1 the second moment of a deep tanh stack tends to 0 (q ← E tanh(z)²
    < q), with g = 5/3 it converges to the non-zero fixed point q* = (25/9) E tanh(√q* Z)²
    ≈ 1,18 (the slope of the map at 0 is g² > 1)."""
    tanh = act.get_activation("tanh")

    def step(q, g):
        return g**2 * float(act.gauss_expectation(lambda z: tanh.f(z) ** 2, q))

    q1 = q53 = 1.0
    for _ in range(300):
        q1, q53 = step(q1, 1.0), step(q53, 5 / 3)
    assert q1 < 0.003 and step(q1, 1.0) < q1
    assert step(q53, 5 / 3) == pytest.approx(q53, rel=1e-9)
    assert f"{q53:.2f}" == "1.18"
    # the same limit from a small start: the fixed point attracts
    q = 1e-3
    for _ in range(300):
        q = step(q, 5 / 3)
    assert q == pytest.approx(q53, rel=1e-6)


def test_chapter_7_sphere_and_pair_evidence_functions():
    """07, «Веса на сфере и два нейрона одного наблюдения»: the numbers the chapter prints.
    KS p-values above 0,01 at seed 0; corr(h₁, h₂) ≈ 0 and corr(h₁², h₂²) ≈ 1/4 within
    5 standard errors (batch means over the same sample size)."""
    ev = sph.sphere_evidence(seed=0)
    assert ev["p_joint"] > 0.01 and ev["p_fixed"] > 0.01 and ev["sd_abs_w"] > 0.1
    pr = sph.pm_pair_evidence(seed=0)
    # se of the squared correlation from 20 independent replications at n/20 each
    reps = [sph.pm_pair_evidence(seed=s, n=10_000)["corr_sq"] for s in range(1, 21)]
    se = np.std(reps, ddof=1) / math.sqrt(20)              # se at n = 200 000
    assert abs(pr["corr_sq"] - 0.25) < 5 * se
    # sd of the sample corr ≈ sd(h₁h₂)/(kc²)/√n = √(1 + 2/k)/√n ≈ 1,22/√n at k = 4
    assert abs(pr["corr"]) < 5 * math.sqrt(1 + 2 / 4) / math.sqrt(200_000)


# ------------------------------------------------ chapter 7: unequal moduli, KS power

def test_unequal_fixed_moduli_give_exact_normality():
    """07 а): «Числа c_j не обязаны совпадать … при k = 2 веса w₁ = ±1, w₂ = ±0,5 и
    b ~ N(0, σ² − 1,25) дают h ~ N(0, σ²) точно». For every sign pattern h | signs is
    N(0, 1 + 0,25 + σ² − 1,25) = N(0, σ²), so unconditionally too; a Monte Carlo KS test
    at a fixed seed does not reject N(0, σ²), and the excess kurtosis is within 5 se of 0
    (se = √(24/n)), while equal-modulus weights are not required."""
    s2, n = 2.0, 200_000
    rng = np.random.default_rng(3)
    c = np.array([1.0, 0.5])
    for signs in ([1, 1], [1, -1], [-1, 1], [-1, -1]):
        assert math.isclose(float(np.sum((np.array(signs) * c) ** 2)) + s2 - 1.25, s2)
    w = c * rng.choice([-1.0, 1.0], size=(n, 2))
    h = np.sum(rng.standard_normal((n, 2)) * w, axis=1) + rng.normal(0, math.sqrt(s2 - 1.25), n)
    assert stats.kstest(h, "norm", args=(0, math.sqrt(s2))).pvalue > 1e-3
    assert abs(stats.kurtosis(h)) < 5 * math.sqrt(24 / n)
    assert abs(h.var() - s2) < 5 * s2 * math.sqrt(2 / n)
    assert len(set(np.abs(w[:, 0])) | set(np.abs(w[:, 1]))) == 2


def _normal_weights_cdf(t: float, k: int = 4) -> float:
    """CDF of h = Σ x_j w_j + b, x_j, w_j ~ N(0, s), b ~ N(0, s), s = 1/(k + 1): given w,
    h ~ N(0, s(Q + 1)) with Q = ‖w‖²/s ~ χ²_k."""
    s = 1 / (k + 1)
    return integrate.quad(lambda q: stats.chi2.pdf(q, k) * stats.norm.cdf(t / math.sqrt(s * (q + 1))),
                          0, np.inf)[0]


def test_ks_needs_about_ten_thousand_values_against_normal_weights():
    """07, after а): normal weights (σ² = 1, k = 4): «расстояние КС до N(0, σ²) около 0,02:
    на уровне 0,01 тест отвергает нормальность примерно в 20 % случаев при 2000 значениях и
    почти всегда — при 10 000». The exact distance D = sup|F − Φ| by quadrature; the power by
    Monte Carlo over 100 samples (se of a proportion ≤ 0,05)."""
    ts = np.linspace(0.05, 4, 80)
    D = max(abs(_normal_weights_cdf(t) - stats.norm.cdf(t)) for t in ts)
    assert 0.015 < D < 0.025
    rng = np.random.default_rng(0)
    s, reps = 1 / 5, 100

    def power(n):
        rejected = 0
        for _ in range(reps):
            h = np.sum(rng.normal(0, math.sqrt(s), (n, 4)) * rng.standard_normal((n, 4)), axis=1)
            h += rng.normal(0, math.sqrt(s), n)
            rejected += stats.kstest(h, "norm").pvalue < 0.01
        return rejected / reps

    assert power(2000) < 0.45
    assert power(10_000) > 0.9


def test_normal_weights_kurtosis_needs_the_normal_bias():
    """07 а): «При w_j ~ N(0, σ²/(k+1)) и b ~ N(0, σ²/(k+1)) дисперсия h равна σ², но
    коэффициент эксцесса h равен 6k/(k+1)²». Cumulants add: each x_j w_j has variance s and
    fourth cumulant 9s² − 3s² = 6s², b adds s and 0, so κ₄/κ₂² = 6ks²/((k+1)s)²; without
    the bias it would be 6/k and the variance kσ²/(k+1). Monte Carlo, σ² = 1, k = 4, with a
    batch-means standard error."""
    k, n, batches = 4, 400_000, 40
    s = 1 / (k + 1)
    rng = np.random.default_rng(11)
    h = np.sum(rng.standard_normal((n, k)) * rng.normal(0, math.sqrt(s), (n, k)), axis=1)
    h += rng.normal(0, math.sqrt(s), n)
    ks = np.array([stats.kurtosis(part) for part in np.array_split(h, batches)])
    se = ks.std(ddof=1) / math.sqrt(batches)
    assert abs(stats.kurtosis(h) - 6 * k / (k + 1) ** 2) < 5 * se
    assert abs(6 * k / (k + 1) ** 2 - 6 / k) > 10 * se
    assert abs(h.var() - 1.0) < 5 * math.sqrt(2 / n) * 1.5


def test_any_fixed_vector_of_length_sigma_makes_two_observations_independent():
    """07, before the correlations: «Исключение — нормальные данные, b = 0 и любой вектор
    весов длины σ (веса ±σ/√k, веса на сфере): … оба выхода — независимые N(0, σ²)». Sphere
    weights drawn anew for every pair: corr(h₁, h₂) and corr(h₁², h₂²) within 5 se of 0."""
    sigma, k, n = math.sqrt(2.0), 5, 100_000
    rng = np.random.default_rng(12)
    g = rng.standard_normal((n, k))
    w = sigma * g / np.linalg.norm(g, axis=1, keepdims=True)
    h1 = np.sum(rng.standard_normal((n, k)) * w, axis=1)
    h2 = np.sum(rng.standard_normal((n, k)) * w, axis=1)
    for a, b in ((h1, h2), (h1**2, h2**2)):
        r, se = _corr_and_se(a, b)
        assert abs(r) < 5 * se
    assert abs(h1.var() - sigma**2) < 5 * sigma**2 * math.sqrt(2 / n)
