"""Problem 7 (``initlab.numerics.exact_normal``): every distributional and numerical claim of the
chapter, the seed's as well as ours.

Kinds of evidence:

* exact: a closed form, an identity that holds for every draw, or a quadrature;
* Monte Carlo: ``|estimate − truth| < 5·SE`` at a fixed seed, the standard error from
  batch means (so it holds for heavy-tailed and non-normal samples alike);
* goodness of fit: the Kolmogorov–Smirnov test at level 0.01 and a fixed seed. A claim
  «h is not N(0, σ²)» is tested with a sample size for which the DKW lower bound on the
  power (``ks_power_lower_bound``) is at least 0.999 at the exact population KS distance;
  a claim «h is N(0, σ²)» must not be rejected at level 0.001 with 20 000 points (such a
  test still rejects a false claim at KS distance ≥ 0.032 with probability ≥ 0.999, see
  ``test_normality_tests_have_power``).

«Over the joint randomness» = data, weights and bias drawn afresh for every sample of h;
«for fixed weights» = w and b drawn once, only the data vary.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from initlab import text as txt
from initlab.figures import normal as pn
from initlab.numerics import exact_normal as en

ALPHA = 0.01       # level of the tests that must reject (false claims)
ALPHA_FIT = 0.001  # level of the tests that must accept (true claims): rare false alarms
POWER = 0.999
N_FIT = 20_000     # sample size of the «is normal» checks
Z = 5.0  # Monte Carlo tolerance in standard errors


def rng(seed=0):
    return np.random.default_rng(seed)


def batch_se(values: np.ndarray, stat, batches: int = 40) -> float:
    """Standard error of ``stat`` on the whole sample, from ``batches`` batch estimates."""
    parts = np.array_split(np.asarray(values), batches)
    est = np.array([stat(p) for p in parts])
    return float(est.std(ddof=1) / math.sqrt(batches))


def excess(h):
    d = h - h.mean()
    return float(np.mean(d**4) / np.mean(d**2) ** 2 - 3.0)


def assert_mc(values, stat, truth, what=""):
    est = float(stat(values))
    se = batch_se(values, stat)
    assert abs(est - truth) < Z * se, f"{what}: {est} vs {truth} (se {se})"
    return est, se


def n_for_power(d: float, power: float = POWER, alpha: float = ALPHA) -> int:
    """The least n (on a doubling grid) with ks_power_lower_bound(d, n) ≥ power."""
    n = 500
    while en.ks_power_lower_bound(d, n, alpha) < power:
        n *= 2
        assert n < 10**7, f"distance {d} too small to detect"
    return n


def assert_rejected(key, sigma2, k, a=1.0, seed=0):
    """«h is not N(0, σ²)» over the joint randomness: the population KS distance d > 0 and
    a sample of the size that detects d with power ≥ 0.999 is rejected at level 0.01."""
    d = en.ks_distance(key, sigma2, k, a)
    n = n_for_power(d)
    h = en.sample_h(key, rng(seed), n, sigma2, k, a)
    D, p = en.ks_test(h, sigma2)
    assert p < ALPHA, (key, d, n, D, p)
    assert D > d / 2
    return d, n, D


def assert_normal(h, sigma2, loc=0.0):
    res = stats.kstest(h, stats.norm(loc=loc, scale=math.sqrt(sigma2)).cdf)
    assert res.pvalue > ALPHA_FIT, (res.statistic, res.pvalue)
    return res


# --------------------------------------------------------------- the registry

def test_registry():
    keys = list(en.CONSTRUCTIONS)
    assert keys == ["seed_bernoulli", "seed_pm1", "normal_weights", "pm1", "pm_split",
                    "pm_scaled", "seed_quotient", "chi3", "chi3_split", "chi3_scaled"]
    for c in en.CONSTRUCTIONS.values():
        assert en.get_construction(c.key) is c and en.get_construction(c) is c
        assert c.data in ("normal", "uniform")
        assert not (c.seed and c.works), "no construction of the seed works"
    with pytest.raises(KeyError):
        en.get_construction("nothing")


def test_fmt_is_russian():
    assert txt.fmt(0.25) == "0,25"
    assert txt.fmt(-1.5) == "−1,5"
    assert txt.fmt(1.23e-5) == "1,23·10⁻⁵"
    assert txt.fmt(-4.6e96) == "−4,6·10⁹⁶"
    assert txt.fmt(math.inf) == "∞" and txt.fmt(math.nan) == "не определено"
    assert txt.fmt(None) == "—"


# ------------------------------------------------- validation: Russian, no raise

@pytest.mark.parametrize("args,start", [
    (("pm1", 3.0, 10), "Дисперсия смещения σ² − k = −7 отрицательна"),
    (("chi3", 3.0, 10, 2.0), "Дисперсия смещения σ² − k = −7 отрицательна"),
    (("seed_quotient", 3.0, 10), "Дисперсия смещения σ² − k = −7 отрицательна"),
    (("seed_pm1", 1.0, 10), "Дисперсия смещения σ² − k/4 = −1,5 отрицательна"),
    (("seed_bernoulli", 6.0, 4), "Такого p нет"),
    (("pm_scaled", 0.0, 4), "Нужна дисперсия σ² > 0"),
    (("pm_scaled", -1.0, 4), "Нужна дисперсия σ² > 0"),
    (("pm_scaled", math.nan, 4), "Нужна дисперсия σ² > 0"),
    (("chi3_scaled", 1.0, 4, 0.0), "Нужна граница a > 0"),
    (("chi3_scaled", 1.0, 4, -2.0), "Нужна граница a > 0"),
    (("pm_scaled", 1.0, 0), "Число входов k должно быть натуральным"),
    (("pm_scaled", 1.0, 2.5), "Число входов k должно быть натуральным"),
    (("pm_scaled", 1.0, "четыре"), "Число входов k должно быть натуральным"),
    (("pm_scaled", 1.0, True), "Число входов k должно быть натуральным"),
    (("pm_scaled", "один", 4), "σ² и a должны быть числами"),
])
def test_invalid_combinations_are_explained(args, start):
    msg = txt.normal_reason(*args)
    assert msg is not None and msg.startswith(start), msg
    words = [w for w in msg.replace("·", " ").split() if w.isalpha() and len(w) > 2]
    assert words and all(not w.isascii() for w in words), msg  # Russian prose only


def test_invalid_n_and_p():
    assert txt.normal_reason("pm1", 6.0, 4, n=1).startswith("Нужно хотя бы две выборочные точки")
    assert txt.normal_reason("pm1", 6.0, 4, n="много").startswith("Нужно хотя бы две")
    assert txt.normal_reason("pm1", 6.0, 4, p=1.5).startswith("p = 1,5 лежит вне отрезка [0, 1]")
    with pytest.raises(ValueError) as err:        # an InvalidConstruction: the same reason
        en.sample_bernoulli(rng(), 3, 1.5)
    assert txt.normal_problem_message(err.value.code, err.value.values).startswith("p = 1,5")


def test_sigma2_below_k_for_pm1_is_explained_everywhere():
    """σ² < k with ±1 weights: a Russian reason from validate, run_case and the explorer,
    a ValueError with the same reason (code) from the samplers (never a bare exception)."""
    msg = txt.normal_reason("pm1", 2.0, 8)
    assert "σ² − k = −6" in msg and "±σ/√k, b = 0" in msg
    res = pn.run_case(pn.Case("pm1", 2.0, 8))
    assert res["error"] == msg and "h" not in res
    with pytest.raises(en.InvalidConstruction) as err:
        en.sample_h("pm1", rng(), 10, 2.0, 8)
    assert txt.normal_problem_message(err.value.code, err.value.values) == msg
    ok, text = txt.normal_theory("pm1", 2.0, 8)
    assert not ok and text.startswith("конструкция не существует")
    # the boundary σ² = k is valid (b = 0), and the scaled constructions always are
    assert txt.normal_reason("pm1", 8.0, 8) is None
    assert en.parameters("pm1", 8.0, 8)["bias_var"] == 0.0
    for key in ("pm_split", "pm_scaled", "chi3_split", "chi3_scaled", "normal_weights"):
        assert txt.normal_reason(key, 0.01, 40, 0.1) is None


# ------------------------------------------------ (а) the seed's Bernoulli weights

@pytest.mark.parametrize("sigma2,k", [(1.0, 3), (1.0, 10), (2.0, 7), (0.3, 1)])
def test_bernoulli_p_solves_the_seeds_equation(sigma2, k):
    s = sigma2 / (k + 1)
    for root in ("minus", "plus"):
        p = en.seed_bernoulli_p(sigma2, k, root)
        assert 0 <= p <= 1
        assert math.isclose(p * (1 - p), s, rel_tol=1e-12)


def test_bernoulli_variance_is_at_most_a_quarter():
    """p(1 − p) ≤ 1/4: the seed's p exists only for σ² ≤ (k + 1)/4."""
    p = np.linspace(0, 1, 100001)
    assert np.max(p * (1 - p)) == pytest.approx(0.25, abs=1e-12)
    for k in (1, 4, 10, 40):
        lim = (k + 1) / 4
        assert txt.normal_reason("seed_bernoulli", lim, k) is None
        assert math.isclose(en.seed_bernoulli_p(lim, k), 0.5)
        assert math.isnan(en.seed_bernoulli_p(lim * 1.001, k))
        msg = txt.normal_reason("seed_bernoulli", lim * 1.001, k)
        assert "не превосходит 1/4" in msg and "σ² ≤ (k + 1)/4" in msg


def test_bernoulli_weights_have_nonzero_mean_and_second_moment_p():
    """E w = p ≠ 0, so Var(x w) = E w² = p, not Var x · Var w = p(1 − p)."""
    sigma2, k = 1.0, 10
    par = en.parameters("seed_bernoulli", sigma2, k)
    p = par["p"]
    assert par["weight_mean"] == p > 0
    w = en.sample_weights("seed_bernoulli", rng(1), 400_000, sigma2, k)
    assert set(np.unique(w)) == {0.0, 1.0}
    assert_mc(w, np.mean, p, "E w")
    x = rng(2).standard_normal(w.size)
    assert_mc(x * w, lambda v: np.mean(v**2), p, "E (xw)^2")
    # and that is not the seed's p(1 − p): the difference is many standard errors
    est = np.mean((x * w) ** 2)
    se = batch_se(x * w, lambda v: np.mean(v**2))
    assert abs(est - p * (1 - p)) > 10 * se


@pytest.mark.parametrize("sigma2,k", [(1.0, 10), (1.0, 3), (2.0, 7)])
def test_bernoulli_exact_moments(sigma2, k):
    """Var h = k p + s ≠ σ²; h | K ~ N(0, K + s), K ~ Bin(k, p): the fourth moment is
    3 E (K + s)², summed exactly over the binomial."""
    p, s = en.seed_bernoulli_p(sigma2, k), sigma2 / (k + 1)
    K = np.arange(k + 1)
    pk = stats.binom.pmf(K, k, p)
    var = float(np.sum(pk * (K + s)))
    m4 = 3.0 * float(np.sum(pk * (K + s) ** 2))
    ex = en.exact_moments("seed_bernoulli", sigma2, k)
    assert ex["var"] == pytest.approx(var, rel=1e-12) == pytest.approx(k * p + s, rel=1e-12)
    assert ex["excess_kurtosis"] == pytest.approx(m4 / var**2 - 3, rel=1e-10)
    assert ex["var"] > sigma2 and ex["excess_kurtosis"] > 0 and not ex["normal"]


def test_bernoulli_moments_by_simulation():
    sigma2, k = 1.0, 10
    ex = en.exact_moments("seed_bernoulli", sigma2, k)
    h = en.sample_h("seed_bernoulli", rng(3), 400_000, sigma2, k)
    assert_mc(h, np.mean, 0.0, "mean")
    assert_mc(h, lambda v: np.var(v), ex["var"], "var")
    assert_mc(h, excess, ex["excess_kurtosis"], "excess kurtosis")
    # the seed's claim Var h = σ² is far outside the error
    assert abs(np.var(h) - sigma2) > 20 * batch_se(h, np.var)


def test_bernoulli_h_is_a_scale_mixture_not_normal():
    """Over the joint randomness h follows the binomial mixture of N(0, K + s) (the sample
    agrees with exact_cdf) and is not N(0, σ²)."""
    sigma2, k = 1.0, 10
    h = en.sample_h("seed_bernoulli", rng(4), 20_000, sigma2, k)
    res = stats.kstest(h, lambda t: en.exact_cdf("seed_bernoulli", t, sigma2, k))
    assert res.pvalue > ALPHA_FIT
    d, _, _ = assert_rejected("seed_bernoulli", sigma2, k)
    assert d > 0.05


def test_bernoulli_for_fixed_weights_is_normal_with_the_wrong_parameters():
    """For fixed weights the seed is right that h is a sum of normals: h ~ N(b, K), K the
    number of ones — but K and b are random, not σ² and 0."""
    sigma2, k = 1.0, 10
    g = rng(5)
    h = en.sample_h("seed_bernoulli", g, 20_000, sigma2, k, mode="fixed")
    g = rng(5)
    w = en.sample_weights("seed_bernoulli", g, k, sigma2, k)
    b = float(en.sample_bias("seed_bernoulli", g, (), sigma2, k))
    K = int(w.sum())
    assert K >= 1
    assert_normal(h, K, loc=b)
    ok, text = txt.normal_theory("seed_bernoulli", sigma2, k, mode="fixed")
    assert not ok and "N(b, Σw²)" in text


# ------------------------------------------------------ (а) normal weights

def test_normal_weights_give_the_right_variance_but_not_a_normal_law():
    """The seed rejects w ~ N(0, s) — rightly: Var h = σ², but the excess kurtosis is
    6k/(k + 1)² > 0 (each x·w has the K₀ density and excess 6)."""
    sigma2, k = 1.0, 4
    ex = en.exact_moments("normal_weights", sigma2, k)
    assert ex["var"] == pytest.approx(sigma2)
    assert ex["excess_kurtosis"] == pytest.approx(6 * k / (k + 1) ** 2)
    h = en.sample_h("normal_weights", rng(6), 400_000, sigma2, k)
    assert_mc(h, np.var, sigma2, "var")
    assert_mc(h, excess, ex["excess_kurtosis"], "excess kurtosis")
    g = rng(7)
    xw = g.standard_normal(400_000) * g.standard_normal(400_000)
    assert_mc(xw, excess, 6.0, "excess of x·w")
    assert_rejected("normal_weights", sigma2, k)


def test_product_normal_density():
    """x·w for x, w ~ N(0, 1): density K₀(|t|)/π, total mass 1, variance 1; a sample
    agrees with its CDF."""
    f = en.product_normal_pdf
    mass = 2 * integrate.quad(lambda t: f(t), 0, np.inf, limit=200)[0]
    var = 2 * integrate.quad(lambda t: t * t * f(t), 0, np.inf, limit=200)[0]
    assert mass == pytest.approx(1, abs=1e-8) and var == pytest.approx(1, abs=1e-8)

    def cdf(t):
        t = np.atleast_1d(t)
        out = [0.5 + np.sign(u) * integrate.quad(lambda v: f(v), 0, abs(u))[0] for u in t]
        return np.array(out)

    g = rng(8)
    xw = np.sort(g.standard_normal(2000) * g.standard_normal(2000))
    assert stats.kstest(xw, cdf).pvalue > ALPHA_FIT


# ------------------------------------------------------- (а) the ±1 weights

def test_pm1_weights_have_variance_one_not_a_quarter():
    """w = ±1: w² = 1 for every draw, E w = 0 by symmetry, so Var w = 1 (the seed's 0.25
    is the variance of a Bernoulli(1/2) variable 0/1)."""
    w = en.sample_weights("pm1", rng(9), 200_000, 6.0, 4)
    assert np.all(w**2 == 1.0)
    assert_mc(w, np.mean, 0.0, "E w")
    assert en.parameters("seed_pm1", 6.0, 4)["weight_var"] == 1.0
    b = rng(10).integers(0, 2, 200_000).astype(float)
    assert_mc(b, np.var, 0.25, "Var Bern(1/2)")


@pytest.mark.parametrize("sigma2,k", [(6.0, 4), (2.0, 1), (13.0, 10)])
def test_seed_pm1_gives_normal_with_variance_sigma2_plus_3k_over_4(sigma2, k):
    """The seed's b ~ N(0, σ² − k/4) with ±1 weights: h is normal, but N(0, σ² + 3k/4)."""
    ex = en.exact_moments("seed_pm1", sigma2, k)
    assert ex["var"] == pytest.approx(sigma2 + 3 * k / 4) and not ex["normal"]
    h = en.sample_h("seed_pm1", rng(11), 20_000, sigma2, k)
    assert_normal(h, sigma2 + 3 * k / 4)
    assert_rejected("seed_pm1", sigma2, k)


@pytest.mark.parametrize("key,sigma2,k", [
    ("pm1", 6.0, 4), ("pm1", 12.0, 12), ("pm_split", 1.0, 10), ("pm_split", 6.0, 4),
    ("pm_scaled", 1.0, 10), ("pm_scaled", 0.5, 1),
])
def test_corrected_pm_constructions_give_exactly_n0_sigma2(key, sigma2, k):
    """Joint randomness: every x_j w_j = ±c·x_j ~ N(0, c²), so h ~ N(0, kc² + Var b) = N(0, σ²)."""
    par = en.parameters(key, sigma2, k)
    assert k * par["c"] ** 2 + par["bias_var"] == pytest.approx(sigma2)
    ex = en.exact_moments(key, sigma2, k)
    assert ex == {"mean": 0.0, "var": sigma2, "excess_kurtosis": 0.0, "normal": True}
    assert en.ks_distance(key, sigma2, k) < 1e-12
    h = en.sample_h(key, rng(12), 400_000, sigma2, k)
    assert_mc(h, np.mean, 0.0, "mean")
    assert_mc(h, np.var, sigma2, "var")
    assert_mc(h, excess, 0.0, "excess")
    assert_normal(h[:N_FIT], sigma2)


def test_scaled_weights_formula():
    """c = σ/√(k + 1) with Var b = σ²/(k + 1) (the seed's split s) and c = σ/√k with b = 0."""
    sigma2, k = 4.0, 16
    assert en.parameters("pm_split", sigma2, k)["c"] == pytest.approx(2 / math.sqrt(17))
    assert en.parameters("pm_split", sigma2, k)["bias_var"] == pytest.approx(4 / 17)
    assert en.parameters("pm_scaled", sigma2, k)["c"] == pytest.approx(0.5)
    assert en.parameters("pm_scaled", sigma2, k)["bias_var"] == 0.0


def test_pm_weights_for_fixed_weights():
    """Fixed ±c weights: h ~ N(b, kc²) exactly over the data; N(0, σ²) only with b = 0
    and kc² = σ² (pm_scaled)."""
    sigma2, k = 6.0, 4
    for key, loc_zero in [("pm1", False), ("pm_split", False), ("pm_scaled", True)]:
        g = rng(13)
        h = en.sample_h(key, g, 20_000, sigma2, k, mode="fixed")
        g = rng(13)
        w = en.sample_weights(key, g, k, sigma2, k)
        b = float(en.sample_bias(key, g, (), sigma2, k))
        cm = en.conditional_moments("normal", w, b)
        assert cm["var"] == pytest.approx(k * en.parameters(key, sigma2, k)["c"] ** 2)
        assert_normal(h, cm["var"], loc=b)
        ok, text = txt.normal_theory(key, sigma2, k, mode="fixed")
        assert ok is loc_zero
        if loc_zero:
            assert b == 0.0 and cm["var"] == pytest.approx(sigma2)
            assert_normal(h, sigma2)
        else:
            assert text.startswith("нормальное, но N(b, Σw²)")


# ------------------------------------------------ (б) the seed's quotient weights

@pytest.mark.parametrize("a", [0.5, 1.0, 3.0])
def test_seed_quotient_density_is_that_of_z_over_y(a):
    """The seed's f(w) = (1 − e^{−a²w²/2})/(a√(2π) w²) is a density (mass 1) — of Z/Y,
    Z ~ N(0, 1), Y ~ U[0, a]: its CDF differentiates to it, a sample of Z/Y fits it."""
    f = lambda w: en.seed_quotient_pdf(w, a)
    mass = 2 * integrate.quad(f, 0, np.inf, limit=400)[0]
    assert mass == pytest.approx(1, abs=1e-6)
    w = np.array([-3.0, -0.4, 0.0, 0.2, 1.0, 7.0])
    seed_formula = np.where(w == 0, a / (2 * math.sqrt(2 * math.pi)),
                            (1 - np.exp(-(a * w) ** 2 / 2))
                            / (a * math.sqrt(2 * math.pi) * np.where(w == 0, 1, w) ** 2))
    assert np.allclose(f(w), seed_formula)
    h = 1e-5
    num = (en.seed_quotient_cdf(w + h, a) - en.seed_quotient_cdf(w - h, a)) / (2 * h)
    assert np.allclose(num, f(w), rtol=1e-5, atol=1e-8)
    g = rng(14)
    zy = g.standard_normal(20_000) / (a * (1 - g.random(20_000)))
    assert stats.kstest(zy, lambda t: en.seed_quotient_cdf(t, a)).pvalue > ALPHA_FIT
    assert stats.kstest(en.sample_seed_quotient(rng(15), 20_000, a),
                        lambda t: en.seed_quotient_cdf(t, a)).pvalue > ALPHA_FIT


@pytest.mark.parametrize("a", [0.5, 2.0])
def test_seed_quotient_weights_have_no_mean_and_infinite_variance(a):
    """Tail P(|w| > t) ~ 2/(a√(2π) t): t·P(|w| > t) tends to a positive constant, so
    E|w| = ∞ (a fortiori Var w = ∞)."""
    t = np.array([1e3, 1e5, 1e7])
    tail = 2 * (1 - en.seed_quotient_cdf(t, a))
    assert np.allclose(t * tail, 2 / (a * math.sqrt(2 * math.pi)), rtol=1e-2)
    par = en.parameters("seed_quotient", 6.0, 4, a)
    assert par["weight_var"] == math.inf and math.isnan(par["weight_mean"])
    ex = en.exact_moments("seed_quotient", 6.0, 4, a)
    assert ex["var"] == math.inf and not ex["normal"]
    # the running second moment of a sample keeps jumping instead of settling
    w = en.sample_seed_quotient(rng(16), 10**6, a)
    m2 = [np.mean(w[:n] ** 2) for n in (10**4, 10**5, 10**6)]
    assert max(m2) > 10 * 3.0 / a**2


def test_seed_quotient_product_is_not_normal():
    """x ~ U[0, a] independent of Y: x·w = (x/Y)·Z is not N(0, 1), and h is not N(0, σ²)."""
    a = 2.0
    g = rng(17)
    x = a * g.random(200_000)
    xw = x * en.sample_seed_quotient(g, 200_000, a)
    assert stats.kstest(xw, "norm").pvalue < 1e-10
    assert np.mean(np.abs(xw) > 10) > 100 * 2 * stats.norm.sf(10)
    sample = en.sample_h("seed_quotient", rng(18), 5000, 6.0, 4, a)
    res = stats.kstest(sample, lambda t: en.exact_cdf("seed_quotient", t, 6.0, 4, a))
    assert res.pvalue > ALPHA_FIT  # the mixture formula of exact_cdf describes it
    d, _, _ = assert_rejected("seed_quotient", 6.0, 4, a)
    assert d > 0.1


# ------------------------------------------------------------ (б) the Maxwell fix

def test_maxwell_density_is_chi3_and_solves_the_equation():
    """f_W(v) = −v f'(v) for the half-normal f = 2φ gives 2v²φ(v), the χ₃ density; then
    the density of U·W, ∫_t^∞ f_W(v)/v dv, is 2φ(t) — the half-normal."""
    v = np.linspace(0, 8, 81)
    assert np.allclose(en.maxwell_from_uniform_pdf(v), stats.chi(3).pdf(v))
    assert np.allclose(en.maxwell_from_uniform_pdf(v), 2 * v**2 * stats.norm.pdf(v))
    for t in (0.1, 0.5, 1.0, 2.0, 3.5):
        val = integrate.quad(lambda u: en.maxwell_from_uniform_pdf(u) / u, t, np.inf)[0]
        assert val == pytest.approx(2 * stats.norm.pdf(t), rel=1e-9)
    mass = integrate.quad(en.maxwell_from_uniform_pdf, 0, np.inf)[0]
    assert mass == pytest.approx(1, abs=1e-10)


def test_uniform_times_chi3_is_half_normal_by_simulation():
    g = rng(19)
    u = g.random(20_000)
    r = en.sample_chi3(g, 20_000)
    assert stats.kstest(u * r, stats.halfnorm.cdf).pvalue > ALPHA_FIT
    assert stats.kstest(r, stats.chi(3).cdf).pvalue > ALPHA_FIT
    s = en.sample_signs(g, 20_000)
    assert stats.kstest(s * u * r, "norm").pvalue > ALPHA_FIT


@pytest.mark.parametrize("a,c", [(1.0, 1.0), (0.3, 1.0), (4.0, 0.5)])
def test_chi3_weights_times_uniform_data_are_normal(a, c):
    """w = c·s·R/a: E w = 0, Var w = 3c²/a² (finite), density chi3_weight_pdf; x·w ~ N(0, c²)
    for x ~ U[0, a] independent of w."""
    f = lambda w: en.chi3_weight_pdf(w, a, c)
    assert integrate.quad(f, -np.inf, np.inf)[0] == pytest.approx(1, abs=1e-9)
    var = integrate.quad(lambda w: w * w * f(w), -np.inf, np.inf)[0]
    assert var == pytest.approx(3 * c**2 / a**2, rel=1e-9)
    w = en.sample_chi3_weights(rng(20), 400_000, a, c)
    assert_mc(w, np.mean, 0.0, "E w")
    assert_mc(w, np.var, 3 * c**2 / a**2, "Var w")
    assert_mc(w, excess, 15 / 9 - 3, "excess of w")  # E R⁴ = 15, (E R²)² = 9
    x = a * rng(21).random(w.size)
    assert_mc(x * w, np.var, c**2, "Var xw")
    assert_mc(x * w, excess, 0.0, "excess xw")
    assert_normal((x * w)[:N_FIT], c**2)


def test_normal_weights_with_the_right_variance_fail_for_uniform_data():
    """w ~ N(0, 3/a²) has the Maxwell weights' variance: Var(x w) = E x² · 3/a² = 1 too,
    but the excess kurtosis of x·w is E x⁴ E w⁴ − 3 = (a⁴/5)(27/a⁴) − 3 = 2.4."""
    a = 2.0
    g = rng(22)
    xw = a * g.random(400_000) * math.sqrt(3) / a * g.standard_normal(400_000)
    assert_mc(xw, np.var, 1.0, "var")
    assert_mc(xw, excess, 27 / 5 - 3, "excess")


@pytest.mark.parametrize("key,sigma2,k,a", [
    ("chi3", 6.0, 4, 1.0), ("chi3", 10.0, 4, 2.5), ("chi3_split", 1.0, 10, 0.5),
    ("chi3_split", 6.0, 4, 1.0), ("chi3_scaled", 1.0, 10, 2.0), ("chi3_scaled", 3.0, 1, 1.0),
])
def test_corrected_chi3_constructions_give_exactly_n0_sigma2(key, sigma2, k, a):
    par = en.parameters(key, sigma2, k, a)
    assert k * par["c"] ** 2 + par["bias_var"] == pytest.approx(sigma2)
    assert par["weight_var"] == pytest.approx(3 * par["c"] ** 2 / a**2)
    assert en.exact_moments(key, sigma2, k, a)["normal"]
    assert en.ks_distance(key, sigma2, k, a) < 1e-12
    h = en.sample_h(key, rng(23), 400_000, sigma2, k, a)
    assert_mc(h, np.mean, 0.0, "mean")
    assert_mc(h, np.var, sigma2, "var")
    assert_mc(h, excess, 0.0, "excess")
    assert_normal(h[:N_FIT], sigma2)


def test_seeds_variance_formula_for_uniform_data_is_wrong():
    """With E w = 0: Var(x w) = E x² · Var w = (a²/3)·Var w, not (a²/12)·Var w."""
    a = 2.0
    g = rng(24)
    w = en.sample_chi3_weights(g, 400_000, a)
    x = a * g.random(w.size)
    est, se = assert_mc(x * w, np.var, a**2 / 3 * 3 / a**2, "Var xw")
    assert abs(est - a**2 / 12 * 3 / a**2) > 20 * se


def test_uniform_data_with_fixed_weights_is_bounded_hence_not_normal():
    """For fixed w and b, |h − b| ≤ a Σ|w_j|: h is bounded, so not normal; E h = (a/2)Σw + b."""
    sigma2, k, a = 1.0, 10, 2.0
    for key in ("chi3", "chi3_split", "chi3_scaled"):
        s2 = max(sigma2, k + 1.0) if key == "chi3" else sigma2
        g = rng(25)
        h = en.sample_h(key, g, 100_000, s2, k, a, mode="fixed")
        g = rng(25)
        w = en.sample_weights(key, g, k, s2, k, a)
        b = float(en.sample_bias(key, g, (), s2, k, a))
        lo = b + a * np.minimum(w, 0).sum()
        hi = b + a * np.maximum(w, 0).sum()
        assert lo <= h.min() and h.max() <= hi
        cm = en.conditional_moments("uniform", w, b, a)
        assert cm["mean"] == pytest.approx(a / 2 * w.sum() + b)
        assert cm["var"] == pytest.approx(a**2 / 12 * (w**2).sum())
        assert_mc(h, np.mean, cm["mean"], "conditional mean")
        assert_mc(h, np.var, cm["var"], "conditional var")
        ok, text = txt.normal_theory(key, s2, k, a, mode="fixed")
        assert not ok and "ограничена" in text
        assert stats.kstest(h, stats.norm(scale=math.sqrt(s2)).cdf).pvalue < ALPHA


def test_fixed_weight_uniform_sum_has_negative_excess():
    """Exactly: for fixed w, h − E h = Σ w_j (x_j − a/2) has excess kurtosis
    −1.2 Σw⁴/(Σw²)² < 0 (sum of independent uniforms) — never the 0 of a normal law."""
    a, k = 1.0, 4
    w = en.sample_chi3_weights(rng(26), k, a)
    truth = -1.2 * np.sum(w**4) / np.sum(w**2) ** 2
    x = a * rng(27).random((400_000, k))
    assert_mc(x @ w, excess, truth, "excess for fixed w")
    assert truth < 0


# ------------------------------------------------------- joint structure of H

@pytest.mark.parametrize("key,sigma2,k,a", [
    ("pm1", 6.0, 4, 1.0), ("pm_scaled", 6.0, 4, 1.0), ("chi3", 6.0, 4, 1.0),
    ("chi3_scaled", 6.0, 4, 2.0), ("seed_bernoulli", 1.0, 10, 1.0),
])
def test_two_observations_of_one_output_are_correlated(key, sigma2, k, a):
    """h_1j and h_2j share w and b: corr = Var b/σ² for normal data and
    (k a²/4 · E w² + Var b)/Var h for uniform data (3/4 for the χ₃ weights with b = 0)."""
    truth = en.bias_correlation(key, sigma2, k, a)
    if key == "chi3_scaled":
        assert truth == pytest.approx(0.75)
    if key == "pm_scaled":
        assert truth == 0.0
    c = en.get_construction(key)
    g = rng(28)
    n = 200_000
    w = en.sample_weights(key, g, (n, k), sigma2, k, a)
    b = en.sample_bias(key, g, n, sigma2, k, a)
    h1 = np.einsum("ij,ij->i", en.sample_data(g, c.data, (n, k), a), w) + b
    h2 = np.einsum("ij,ij->i", en.sample_data(g, c.data, (n, k), a), w) + b
    pair = np.stack([h1, h2], 1)
    assert_mc(pair, lambda v: np.corrcoef(v[:, 0], v[:, 1])[0, 1], truth, "corr")


def test_sample_layer_shares_weights():
    H = en.sample_layer("pm_scaled", rng(29), 5000, 3, 6.0, 4)
    assert H.shape == (5000, 3)
    g = rng(29)
    W = en.sample_weights("pm_scaled", g, (4, 3), 6.0, 4)
    en.sample_bias("pm_scaled", g, 3, 6.0, 4)
    X = en.sample_data(g, "normal", (5000, 4))
    assert np.allclose(H, en.layer_output(X, W, np.zeros(3)))


# --------------------------------------------------------- the KS machinery

def test_ks_power_lower_bound():
    assert en.ks_power_lower_bound(0.01, 100) == 0.0
    assert en.ks_power_lower_bound(0.05, 20_000) > 0.999
    vals = [en.ks_power_lower_bound(0.03, n) for n in (2000, 8000, 32000)]
    assert vals == sorted(vals) and vals[-1] > vals[0]


def test_ks_power_bound_is_conservative_by_simulation():
    """Against N(0, 1.2) (KS distance d from N(0, 1)) the empirical rejection rate at the
    bound's n is at least the bound."""
    d = float(np.max(np.abs(stats.norm.cdf(np.linspace(-6, 6, 20001), scale=math.sqrt(1.2))
                            - stats.norm.cdf(np.linspace(-6, 6, 20001)))))
    n = n_for_power(d, power=0.9)
    g = rng(30)
    rejections = [en.ks_test(g.normal(0, math.sqrt(1.2), n), 1.0)[1] < ALPHA
                  for _ in range(40)]
    assert np.mean(rejections) >= 0.9


def test_normality_tests_have_power():
    """The «is normal» checks (20 000 points, level 0.001) would reject a false claim at KS
    distance ≥ 0.032 with probability ≥ 0.999 — e.g. the seed's ±1 construction (d ≈ 0.049)
    or its Bernoulli weights (d ≈ 0.07). Subtler departures (normal weights, d ≈ 0.02 at
    k = 4) need more points: ``assert_rejected`` picks n from the bound."""
    assert en.ks_power_lower_bound(0.032, N_FIT, ALPHA_FIT) >= POWER
    for key, sigma2, k in [("seed_pm1", 6.0, 4), ("seed_bernoulli", 1.0, 10),
                           ("seed_quotient", 6.0, 4)]:
        assert en.ks_power_lower_bound(en.ks_distance(key, sigma2, k), N_FIT, ALPHA_FIT) >= POWER
    d = en.ks_distance("normal_weights", 1.0, 4)
    assert en.ks_power_lower_bound(d, N_FIT, ALPHA_FIT) < POWER
    assert n_for_power(d) <= 64_000


@pytest.mark.parametrize("key,sigma2,k,a", [
    ("seed_bernoulli", 1.0, 10, 1.0), ("normal_weights", 1.0, 4, 1.0),
    ("seed_pm1", 6.0, 4, 1.0), ("seed_quotient", 6.0, 4, 1.0),
])
def test_ks_distance_matches_the_sample(key, sigma2, k, a):
    d = en.ks_distance(key, sigma2, k, a)
    n = 100_000
    D, _ = en.ks_test(en.sample_h(key, rng(31), n, sigma2, k, a), sigma2)
    # D_n − d is within the DKW band (level 1e-6) around the truth
    eps = math.sqrt(math.log(2 / 1e-6) / (2 * n))
    tol = eps + (0.02 if key == "seed_quotient" else 0.0)  # MC quadrature in exact_cdf
    assert abs(D - d) < tol


def test_exact_cdf_of_normal_weights_matches_a_sample():
    h = en.sample_h("normal_weights", rng(32), 20_000, 2.0, 3)
    assert stats.kstest(h, lambda t: en.exact_cdf("normal_weights", t, 2.0, 3)).pvalue > ALPHA_FIT


def test_sample_moments_and_qq():
    h = rng(33).normal(0, 2, 10_000)
    mo = en.sample_moments(h)
    assert mo["n"] == 10_000
    assert mo["var"] == pytest.approx(np.var(h, ddof=1))
    assert mo["excess_kurtosis"] == pytest.approx(stats.kurtosis(h))
    tq, sq = en.qq_data(h, 4.0, m=50)
    assert tq.shape == sq.shape == (50,)
    assert np.allclose(tq, 2 * stats.norm.ppf((np.arange(50) + 0.5) / 50))
    D, p = en.ks_test(h, 4.0)
    assert (D, p) == pytest.approx(tuple(stats.kstest(h, stats.norm(scale=2).cdf)))


def test_verdicts_are_russian_and_agree_with_the_test():
    good = en.sample_h("pm_scaled", rng(34), 20_000, 6.0, 4)
    ok, text = txt.normal_verdict(good, 6.0)
    assert ok and text.startswith("распределение нормальное")
    bad = en.sample_h("seed_pm1", rng(35), 20_000, 6.0, 4)
    ok, text = txt.normal_verdict(bad, 6.0)
    assert not ok and text.startswith("нет: ") and "дисперсия" in text
    bern = en.sample_h("seed_bernoulli", rng(36), 20_000, 1.0, 10)
    ok, text = txt.normal_verdict(bern, 1.0)
    assert not ok and "эксцесс" in text


@pytest.mark.parametrize("key", list(en.CONSTRUCTIONS))
@pytest.mark.parametrize("mode", en.MODES)
def test_theory_verdict_is_consistent(key, mode):
    sigma2, k, a = 12.0, 4, 1.5
    if key == "seed_bernoulli":
        sigma2 = 1.0
    ok, text = txt.normal_theory(key, sigma2, k, a, mode)
    assert isinstance(text, str) and text
    c = en.get_construction(key)
    if mode == "joint":
        assert ok is c.works is en.exact_moments(key, sigma2, k, a)["normal"]
    else:
        assert ok is (key == "pm_scaled")


# ------------------------------------------------------ figures and the explorer

def test_figures_build():
    cases = [pn.Case("seed_pm1", 6.0, 4, n=2000), pn.Case("chi3", 6.0, 4, 2.0, n=2000),
             pn.Case("pm1", 1.0, 10, n=2000), pn.Case("chi3_scaled", 1.0, 4, mode="fixed",
                                                       n=2000)]
    fig = pn.plot_cases(cases)
    assert len(fig.axes) == 8
    results = [pn.run_case(c) for c in cases]
    table = pn.moments_table(results)
    assert table.count("\n|") >= 5 and "отрицательна" in table
    html = pn.moments_html(results)
    assert html.count("<tr>") == 5 and "отрицательна" in html
    assert "<td>нет</td>" in html and "<td>да</td>" in html
    x = np.linspace(-3, 3, 7)
    fig = pn.plot_density(x, [(stats.norm.pdf(x), "φ", {})], title="т")
    assert fig.axes


@pytest.mark.parametrize("key", list(en.CONSTRUCTIONS))
@pytest.mark.parametrize("mode", en.MODES)
def test_explorer_renders_every_construction(key, mode):
    from initlab.explorers.normal import DEFAULTS, render
    from initlab.figures.style import png as to_png

    fig, text = render(**dict(DEFAULTS, key=key, mode=mode, n=1000))
    if txt.normal_reason(key, 6.0, 4, 1.0):
        assert fig is None and "Такой конструкции нет." in text
    else:
        assert to_png(fig)[:8] == b"\x89PNG\r\n\x1a\n"
        assert "Вердикт теста" in text and "Теория" in text


def test_explorer_widget_builds_and_updates():
    import ipywidgets

    from initlab.explorers.base import Explorer
    from initlab.explorers.normal import A_LABEL, A_LABEL_OFF, DEFAULTS, explorer

    ex = explorer(n=1000)
    assert isinstance(ex, Explorer) and isinstance(ex, ipywidgets.VBox)
    c = ex.controls
    assert ex.image.value[:4] == b"\x89PNG"
    assert ex.values()["key"] == DEFAULTS["key"]
    assert c["a"].disabled and c["a"].description == A_LABEL_OFF     # а): data N(0, 1)
    first = ex.image.value
    c["key"].value = "pm1"
    c["sigma2"].value = 1.0          # σ² < k: explained, not plotted
    assert ex.image.layout.display == "none"
    assert "σ² − k = −3 отрицательна" in ex.status.value
    c["key"].value = "pm_scaled"     # valid again
    assert ex.image.layout.display is None and "Вердикт теста" in ex.status.value
    c["mode"].value = "fixed"
    c["k"].value = 7
    c["key"].value = "chi3_scaled"
    assert not c["a"].disabled and c["a"].description == A_LABEL      # б): data U[0, a]
    c["a"].value = 2.5
    c["n"].value = 2000
    assert ex.values() == dict(DEFAULTS, key="chi3_scaled", sigma2=1.0, k=7, a=2.5, n=2000,
                               mode="fixed")
    assert "ограничена" in ex.status.value
    c["seed"].value += 1
    assert ex.image.value != first


def test_explorer_figure_blits_without_residue():
    """The explorer's figure draws only the moving parts over a cached background: showing
    a result, then another, then the first again gives the first picture bit for bit."""
    fig = pn.ExplorerFigure()
    first = pn.run_case(pn.Case("pm1", 6.0, 4, n=2000))
    other = pn.run_case(pn.Case("seed_quotient", 6.0, 4, n=2000, seed=3))
    fig.update(first)
    a = fig.png()
    fig.update(other)
    b = fig.png()
    assert fig.out_text.get_text().startswith("вне окна")
    fig.update(first)
    assert fig.png() == a != b
    assert a[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(fig._backgrounds) == 2


def test_explorer_figure_clips_and_says_so():
    fig = pn.ExplorerFigure()
    h = 100 * rng(37).standard_cauchy(20_000)
    fig.update({"case": pn.Case("pm1", 1.0, 1), "h": h})
    assert "крайние квантили обрезаны" in fig.out_text.get_text()
    lo, hi = fig.ax_qq.get_ylim()
    assert hi == -lo == pn.ExplorerFigure.QQ_LEVELS[-1]
    assert np.all(np.abs(fig.qq.get_ydata()) <= hi)


def test_numbers_quoted_in_the_chapter_and_the_errata():
    """The numbers the chapter's prose and the errata quote, computed exactly."""
    assert en.seed_bernoulli_p(1.0, 10) == pytest.approx(0.1011, abs=5e-5)
    ex = en.exact_moments("seed_bernoulli", 1.0, 10)
    assert ex["var"] == pytest.approx(1.102, abs=5e-4)
    assert ex["excess_kurtosis"] == pytest.approx(2.245, abs=5e-4)
    assert en.exact_moments("seed_pm1", 6.0, 4)["var"] == 9.0
    assert en.exact_moments("normal_weights", 1.0, 4)["excess_kurtosis"] == pytest.approx(0.96)
    assert en.ks_distance("seed_bernoulli", 1.0, 10) == pytest.approx(0.071, abs=5e-4)
    assert en.ks_distance("seed_pm1", 6.0, 4) == pytest.approx(0.049, abs=5e-4)
    assert en.ks_distance("normal_weights", 1.0, 4) == pytest.approx(0.0196, abs=5e-5)
    assert en.ks_distance("seed_quotient", 6.0, 4, 1.0) == pytest.approx(0.14, abs=0.01)
    assert en.bias_correlation("pm1", 6.0, 4) == pytest.approx(1 / 3)
    assert en.bias_correlation("chi3_scaled", 1.0, 10, 2.0) == pytest.approx(3 / 4)
    assert en.bias_correlation("chi3", 6.0, 4, 1.0) == pytest.approx(5 / 6)
    # fixed χ₃ weights and uniform data (σ² = 1, k = 10, a = 2), the chapter's seed 0
    res = pn.run_case(pn.Case("chi3_scaled", 1.0, 10, 2.0, mode="fixed"))
    assert res["ks"] > 0.3 and not res["normal"]
    # the sample sizes quoted in the errata are those the rejections use
    assert [n_for_power(en.ks_distance(*args)) for args in [
        ("seed_bernoulli", 1.0, 10), ("seed_pm1", 6.0, 4), ("normal_weights", 1.0, 4),
        ("seed_quotient", 6.0, 4, 1.0)]] == [4000, 8000, 64000, 1000]


def test_pm_scaled_observations_are_independent():
    """With w = ±σ/√k, b = 0 and normal data, (h_1j, h_2j) | w ~ N(0, σ²I) whatever the signs,
    so the two outputs are independent: even their squares are uncorrelated. With a random
    bias (pm1) the squares are correlated: Cov(h_1², h_2²) = 2 (Var b)²."""
    sigma2, k, n = 6.0, 4, 200_000
    out = {}
    for key in ("pm_scaled", "pm1"):
        g = rng(38)
        w = en.sample_weights(key, g, (n, k), sigma2, k)
        b = en.sample_bias(key, g, n, sigma2, k)
        pair = np.stack([np.einsum("ij,ij->i", g.standard_normal((n, k)), w) + b,
                         np.einsum("ij,ij->i", g.standard_normal((n, k)), w) + b], 1)
        out[key] = pair

    def cov_sq(v):
        return float(np.cov(v[:, 0] ** 2, v[:, 1] ** 2)[0, 1])

    assert_mc(out["pm_scaled"], cov_sq, 0.0, "independent")
    assert_mc(out["pm1"], cov_sq, 2 * (sigma2 - k) ** 2, "shared bias")


def test_explorer_falls_back_to_its_picture():
    """Without a widget front end the explorer shows its current PNG and a Russian line."""
    import base64

    from initlab.explorers.normal import explorer

    ex = explorer(n=1000)
    data = ex._repr_mimebundle_()
    assert data["text/plain"].startswith("Интерактивный график задачи 7")
    assert base64.b64decode(data["image/png"]) == ex.image.value
    ex.controls["key"].value = "pm1"
    ex.controls["sigma2"].value = 1.0          # invalid: nothing is plotted, no stale picture
    assert "image/png" not in ex._repr_mimebundle_()
