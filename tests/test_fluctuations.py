"""The numbers of the chapter «Одна сеть против средней» (book/theory/01_fluctuations.ipynb).

Exact values are re-derived independently (quadrature of log x against the χ² density,
direct binomial sums); Monte Carlo estimates are compared within 5 standard errors derived
in the test; the collapse of equal-L/n laws by a two-sample KS test at a fixed seed and by
the exact distance between the laws.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special, stats

from initlab import demos_fluctuations as D
from initlab.numerics import fluctuations as F


def _elog_chi2(k):
    """E log χ²_k and Var log χ²_k by quadrature (independent of ψ)."""
    pdf = stats.chi2(k).pdf

    def q(fn):
        return (integrate.quad(fn, 0, 4 * k + 40, points=[k / 2, k, 2 * k], limit=400)[0]
                + integrate.quad(fn, 4 * k + 40, np.inf, limit=200)[0])

    m = q(lambda x: math.log(x) * pdf(x))
    m2 = q(lambda x: math.log(x) ** 2 * pdf(x))
    return m, m2 - m * m


@pytest.mark.parametrize("n", [4, 10, 50, 200])
def test_linear_step_moments_by_quadrature(n):
    m, v = _elog_chi2(n)
    em, ev = F.step_moments(n, "linear")
    assert em == pytest.approx(m - math.log(n), abs=1e-7)
    assert ev == pytest.approx(v, abs=1e-7)


@pytest.mark.parametrize("n", [6, 10, 50])
def test_relu_step_moments_by_quadrature(n):
    k = np.arange(1, n + 1)
    p = stats.binom.pmf(k, n, 0.5)
    p = p / p.sum()
    mom = np.array([_elog_chi2(int(kk)) for kk in k])
    mean_k = mom[:, 0]
    m = float(np.sum(p * mean_k))
    v = float(np.sum(p * (mom[:, 1] + mean_k ** 2)) - m * m)
    em, ev = F.step_moments(n, "relu")
    assert em == pytest.approx(m - math.log(n / 2), abs=1e-6)
    assert ev == pytest.approx(v, abs=1e-6)


@pytest.mark.parametrize("n", [4, 16, 64])
def test_second_moment_of_a_step(n):
    """E ρ² = 1 + 2/n (linear: E χ⁴ = k² + 2k), 1 + 5/n (ReLU: binomial sum)."""
    assert F.step_second_moment(n, "linear") == pytest.approx((n * n + 2 * n) / n ** 2)
    k = np.arange(0, n + 1)
    p = stats.binom.pmf(k, n, 0.5)
    assert F.step_second_moment(n, "relu") == pytest.approx(
        float(np.sum(p * (k * k + 2 * k))) * 4 / n ** 2, rel=1e-12)


def test_relu_step_by_monte_carlo():
    """ρ = χ²_K/(n/2): the law of ‖relu(z)‖²/(n/2), z ~ N(0, I_n); 200 000 draws."""
    rng = np.random.default_rng(11)
    n = 12
    z = rng.standard_normal((200_000, n))
    rho = np.sum(np.maximum(z, 0) ** 2, axis=1) / (n / 2)
    alive = rho > 0
    lr = np.log(rho[alive])
    m, v = F.step_moments(n, "relu")
    assert abs(lr.mean() - m) < 5 * lr.std() / math.sqrt(lr.size)
    se_var = math.sqrt(np.mean((lr - lr.mean()) ** 4) - lr.var() ** 2) / math.sqrt(lr.size)
    assert abs(lr.var() - v) < 5 * se_var
    assert abs(rho.mean() - 1) < 5 * rho.std() / math.sqrt(rho.size)


def test_asymptotics_quoted_in_the_text():
    """«при n = 10 … около 10 %» (linear), «в 1,7 раза больше 5/n», «при n = 200 — на 2 %»,
    and the expansions −1/n − 1/(3n²), 2/n + 2/n²."""
    assert F.step_moments(10, "linear")[1] * 10 / 2 == pytest.approx(1.1, abs=0.01)
    assert F.step_moments(10, "linear")[0] * 10 == pytest.approx(-1.03, abs=0.01)
    assert F.step_moments(10, "relu")[1] * 10 / 5 == pytest.approx(1.7, abs=0.05)
    assert F.step_moments(200, "relu")[1] * 200 / 5 == pytest.approx(1.02, abs=0.005)
    for n in (100, 1000):
        m, v = F.step_moments(n, "linear")
        assert m == pytest.approx(-1 / n - 1 / (3 * n * n), abs=5 / n ** 4)
        assert v == pytest.approx(2 / n + 2 / n ** 2, abs=5 / n ** 3)
    for act, c in (("linear", 2), ("relu", 5)):
        m, v = F.step_moments(2000, act)
        assert m * 2000 == pytest.approx(-c / 2, rel=0.01)
        assert v * 2000 == pytest.approx(c, rel=0.01)


def test_dead_probability_by_monte_carlo():
    n, L = 4, 3
    p = F.dead_probability(F.widths_of(n, L), "relu")
    assert p == pytest.approx(1 - (1 - 2 ** -n) ** L)
    s = F.simulate_log_norms(np.random.default_rng(3), F.widths_of(n, L), "relu", 2.0,
                             40_000, method="matrix")
    est = np.mean(~np.isfinite(s))
    assert abs(est - p) < 5 * math.sqrt(p * (1 - p) / s.size)


@pytest.mark.parametrize("act", ["linear", "relu"])
def test_exact_law_is_consistent(act):
    """The FFT law: total mass 1, mean and variance equal the moments, KS against MC."""
    w = F.widths_of(30, 12)
    law = F.log_norm_law(w, act)
    mean = np.trapezoid(law.x * law.pdf, law.x)
    var = np.trapezoid((law.x - mean) ** 2 * law.pdf, law.x)
    assert mean == pytest.approx(law.mean, abs=1e-8)
    assert var == pytest.approx(law.var, rel=1e-7)
    s = F.normalised_log_norms(F.simulate_log_norms(
        np.random.default_rng(5), w, act, D.GAIN[act], 20_000, method="vector"), w, act,
        D.GAIN[act])
    assert stats.kstest(s[np.isfinite(s)], law.cdf_at).pvalue > 1e-6


def test_exact_tail_probabilities_independently():
    """prob_off against χ² directly (L = 1) and a 1-d quadrature (L = 2), down to 1e-14
    (the FFT's absolute floor is about 1e-15; the chapter's tables print ≥ 1e-10)."""
    n = 16
    assert F.prob_off(F.widths_of(n, 1), "linear") == pytest.approx(
        stats.chi2.cdf(0.1 * n, n) + stats.chi2.sf(10 * n, n), rel=1e-4)
    for n, rel in ((16, 1e-4), (64, 2e-2)):
        d = stats.chi2(n, scale=1 / n)
        exact = integrate.quad(lambda r, d=d: d.pdf(r) * (d.cdf(0.1 / r) + d.sf(10 / r)), 1e-9, 50,
                               points=[0.1, 0.5, 1, 2, 5], limit=500, epsabs=1e-20)[0]
        assert F.prob_off(F.widths_of(n, 2), "linear") == pytest.approx(exact, rel=rel)
    # the printed table entries are stable under a 8× finer, wider grid
    for act, n, L in (("linear", 64, 4), ("linear", 256, 16), ("relu", 256, 16)):
        a = F.log_norm_law(F.widths_of(n, L), act).prob_off()
        b = F.log_norm_law(F.widths_of(n, L), act, points=65536, span=30).prob_off()
        assert a == pytest.approx(b, rel=1e-2)


@pytest.mark.parametrize("act", ["linear", "relu", "tanh"])
def test_vector_shortcut_equals_full_matrices(act):
    """The rotation-invariance sampler and the full weight matrices give the same law."""
    w = F.widths_of(20, 6)
    g = 2.0 if act == "relu" else 1.0
    a = F.simulate_log_norms(np.random.default_rng(1), w, act, g, 4000, method="vector")
    b = F.simulate_log_norms(np.random.default_rng(2), w, act, g, 4000, method="matrix")
    assert F.ks_two_sample(a, b)[1] > 1e-6


def test_mean_log_gain_is_the_mean():
    """E‖x_L‖²/‖x_0‖² = e^{mean_log_gain}: MC of the ratio itself (ReLU with LeCun: 2^-L)."""
    w = F.widths_of(40, 5)
    s = F.simulate_log_norms(np.random.default_rng(8), w, "relu", 1.0, 20_000, method="vector")
    r = np.exp(s)
    assert F.mean_log_gain(w, "relu", 1.0) == pytest.approx(5 * math.log(0.5))
    assert abs(r.mean() - 2 ** -5) < 5 * r.std() / math.sqrt(r.size)


def _mc_prob(law_fn, s):
    p = float(np.mean(law_fn(s)))
    return p, math.sqrt(p * (1 - p) / s.size)


@pytest.mark.parametrize("act,expect", [
    ("linear", {"mean": "−0,403", "sd": "0,903", "median": "0,673", "below": "0,67",
                "off": "0,02"}),
    ("relu", {"mean": "−1,03", "sd": "1,47", "median": "0,364", "below": "0,757", "off": "0,203"}),
])
def test_example_l20_n50(act, expect):
    """The printed example (exact law) and its Monte Carlo check."""
    ex = D.linear_example(n=50, depth=20, act=act)
    assert D.fmt(ex.mean) == expect["mean"] and D.fmt(ex.sd) == expect["sd"]
    assert D.fmt(ex.median_R) == expect["median"] and D.fmt(ex.p_below) == expect["below"]
    assert D.fmt(ex.p_off) == expect["off"]
    w = F.widths_of(50, 20)
    s = F.normalised_log_norms(F.simulate_log_norms(
        np.random.default_rng(21), w, act, D.GAIN[act], 20_000, method="vector"), w, act,
        D.GAIN[act])
    p, se = _mc_prob(lambda v: v < 0, s)
    assert abs(p - ex.p_below) < 5 * se
    p, se = _mc_prob(lambda v: ~(np.abs(v) <= math.log(10)), s)
    assert abs(p - ex.p_off) < 5 * se
    assert abs(np.exp(s).mean() - 1) < 5 * np.exp(s).std() / math.sqrt(s.size)


def test_median_close_to_exp_minus_l_over_n():
    """«медиана R_L ≈ e^{−L/n}» (linear): 0,673 against e^{−0,4} = 0,670; ReLU e^{−5β/2}."""
    assert D.linear_example(50, 20, "linear").median_R == pytest.approx(math.exp(-0.4),
                                                                         abs=0.01)
    assert D.linear_example(200, 40, "relu").median_R == pytest.approx(math.exp(-0.5),
                                                                        abs=0.02)


def test_gain_does_not_change_the_normalised_law():
    """«закон R_L от дисперсии весов не зависит»: LeCun and He ReLU samples, normalised,
    have the same law (KS), and the exact law does not take the gain at all."""
    w = F.widths_of(40, 10)
    a = F.normalised_log_norms(F.simulate_log_norms(np.random.default_rng(1), w, "relu", 1.0,
                                                    5000, method="vector"), w, "relu", 1.0)
    b = F.normalised_log_norms(F.simulate_log_norms(np.random.default_rng(2), w, "relu", 2.0,
                                                    5000, method="vector"), w, "relu", 2.0)
    assert F.ks_two_sample(a, b)[1] > 1e-6


def test_orthogonal_linear_net_has_no_spread():
    """«у линейной сети с ортогональными квадратными матрицами R_L = 1 точно»."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(32)
    y = x.copy()
    for _ in range(50):
        q, r = np.linalg.qr(rng.standard_normal((32, 32)))
        y = (q * np.sign(np.diag(r))) @ y
    assert np.dot(y, y) == pytest.approx(np.dot(x, x), rel=1e-10)


def test_spread_line_for_wide_nets():
    """«Точки ширин 64 и 256 лежат на прямой √(cL/n)»: exact sd within 5 % of the line."""
    for act in ("linear", "relu"):
        c = F.step_constant(act)
        for n in (64, 256):
            for r in (1 / 16, 1 / 4, 1, 2):
                sd = math.sqrt(F.log_norm_moments(F.widths_of(n, int(r * n)), act)[1])
                assert sd == pytest.approx(math.sqrt(c * r), rel=0.05)


def test_relu_spread_ratio_quoted():
    """«Разброс в √(5/2) ≈ 1,6 раза больше»; «каждая пятая сеть»; «две сети из трёх»."""
    lin = D.linear_example(50, 20, "linear")
    relu = D.linear_example(50, 20, "relu")
    assert relu.sd / lin.sd == pytest.approx(math.sqrt(5 / 2), rel=0.05)
    assert f"{math.sqrt(2.5):.1f}" == "1.6"
    assert 0.19 < relu.p_off < 0.21 and 0.65 < lin.p_below < 0.69


GROUPS = (((10, 50), (20, 100), (40, 200)), ((25, 50), (50, 100), (100, 200)),
          ((20, 25), (20, 100), (20, 400)))


def test_collapse_of_equal_ratio_laws():
    """Equal L/n: KS does not reject (p > 0.01 at seed 0) and the exact distance < 0.02
    (n ≥ 50); equal L: KS rejects (p < 1e-10), exact distance > 0.25."""
    c = D.collapse_experiment(seed=0, groups=GROUPS)
    for (a, b, d, p), (_, _, e) in zip(c.ks, c.exact_d):
        if a[0] / a[1] == b[0] / b[1]:
            assert p > 0.01 and e <= 0.0125, (a, b, p, e)      # «не больше 0,012»
        else:
            assert p < 1e-10 and 0.29 < e < 0.66, (a, b, p, e)  # «0,3–0,65»


def test_ks_with_2000_networks_is_weak_evidence():
    """«2000 сетей не различили бы и расстояние около 0,02»: the 5 % critical value of the
    two-sample KS statistic for 2000 + 2000 samples is ≈ 0,043 > 0,02, and a shift of the
    normal law that makes sup|F₁ − F₂| = 0,02 is rejected in fewer than half of 200 trials."""
    crit = stats.kstwo.isf(0.05, 1000)            # n·m/(n+m) = 1000
    assert crit > 2 * 0.02
    shift = 2 * stats.norm.ppf(0.5 + 0.01)        # sup |Φ(x) − Φ(x − shift)| = 0,02
    rng = np.random.default_rng(0)
    rej = sum(stats.ks_2samp(rng.standard_normal(2000), rng.standard_normal(2000) + shift)
              .pvalue < 0.05 for _ in range(200))
    assert rej < 100


@pytest.mark.slow
def test_collapse_other_seeds():
    """Seeds 1…10, three equal-L/n pairs each: p-values behave as under a true null —
    at most 3 of 30 below 0.01 (expected 0.3; P(≥ 4) < 1e-3 for independent nulls)."""
    ps = []
    for seed in range(1, 11):
        c = D.collapse_experiment(seed=seed, groups=GROUPS[:1], networks=2000)
        ps += [p for *_, p in c.ks]
    assert sum(p < 0.01 for p in ps) <= 3


def test_matrix_check_printed():
    """The chapter's full-matrix check (seed 6): neither KS test rejects (p > 0.01)."""
    m = D.matrix_check(seed=6, act="relu", depth=10, n=50, networks=1000)
    assert m.p_exact > 0.01 and m.p_vector > 0.01


@pytest.mark.parametrize("act", ["linear", "relu"])
def test_seed_spread_printed(act):
    """«Оценки разных зёрен расходятся не больше, чем на две-три стандартные ошибки»: each
    seed's P(off) and sd within 3 se of the exact values (se from the exact p, and from the
    exact law's fourth moment for the sd)."""
    r = D.seed_spread(act=act, n=64, depth=32, seeds=(10, 11, 12))
    se_p = math.sqrt(r.exact_p * (1 - r.exact_p) / r.networks)
    assert np.all(np.abs(r.p_off - r.exact_p) < 3 * se_p)
    law = F.log_norm_law(F.widths_of(64, 32), act)
    m4 = np.trapezoid((law.x - law.mean) ** 4 * law.pdf, law.x)
    se_sd = math.sqrt(m4 - law.var ** 2) / (2 * math.sqrt(law.var) * math.sqrt(r.networks))
    assert np.all(np.abs(r.sd - r.exact_sd) < 3 * se_sd)


def test_typical_deviation_at_equal_depth():
    """«в e^{2,2} ≈ 9 раз при ширине 25 и в e^{0,5} ≈ 1,7 раза при ширине 400»."""
    sd25 = math.sqrt(F.log_norm_moments(F.widths_of(25, 20), "relu")[1])
    sd400 = math.sqrt(F.log_norm_moments(F.widths_of(400, 20), "relu")[1])
    assert f"{sd25:.1f}" == "2.2" and round(math.exp(sd25)) == 9
    assert f"{sd400:.1f}" == "0.5" and f"{math.exp(sd400):.1f}" == "1.7"


def test_static_settings_nearly_same_law():
    """«ширина 20 — и почти тот же закон, что у 50 слоёв ширины 100»: distance < 0.05."""
    a = F.log_norm_law(F.widths_of(20, 10), "relu")
    b = F.log_norm_law(F.widths_of(100, 50), "relu")
    assert F.law_distance(a, b) < 0.05


@pytest.mark.parametrize("act,seed", [("linear", 1), ("relu", 2)])
def test_spread_experiment(act, seed):
    """Each simulated sd within 5 se of the exact sd; exact sd → √(c L/n) at n = 256."""
    sp = D.spread_experiment(seed=seed, act=act)
    for n in sp.widths:
        ok = np.isfinite(sp.sd[n])
        assert np.all(np.abs(sp.sd[n][ok] - sp.exact[n][ok]) < 5 * sp.se[n][ok])
    c = F.step_constant(act)
    assert np.allclose(sp.exact[256], np.sqrt(c * sp.ratios), rtol=0.02)
    assert np.all(sp.exact[16] > sp.exact[256])      # narrow nets lie above the line


@pytest.mark.parametrize("act,seed", [("linear", 3), ("relu", 4)])
def test_off_experiment(act, seed):
    off = D.off_experiment(seed=seed, act=act)
    for n in off.mc:
        ok = np.isfinite(off.mc[n])
        for r, p, se in zip(off.mc_ratios[ok], off.mc[n][ok], off.mc_se[n][ok]):
            exact = F.prob_off(F.widths_of(n, round(r * n)), act)
            assert abs(p - exact) < 5 * se, (n, r, p, exact)


def test_off_claims():
    """«при L/n = 1/8 и ширине от 64 около 1 %», «1/2 — больше четверти», «1 — больше
    половины», «L ≤ n/10, n ≥ 64: меньше 1 %», linear below ReLU, normal approx close."""
    for n in (64, 256):
        p = F.prob_off(F.widths_of(n, n // 8), "relu")
        assert 0.005 < p < 0.015
        assert F.prob_off(F.widths_of(n, n // 2), "relu") > 0.25
        assert F.prob_off(F.widths_of(n, n), "relu") > 0.5
    for n in (64, 100, 128, 200, 256, 512):
        assert F.prob_off(F.widths_of(n, n // 10), "relu") < 0.01
    for r in (1 / 4, 1 / 2, 1, 2):
        assert F.prob_off(F.widths_of(64, int(64 * r)), "linear") < \
            F.prob_off(F.widths_of(64, int(64 * r)), "relu")
        assert F.prob_off(F.widths_of(256, int(256 * r)), "relu") == pytest.approx(
            F.prob_off_normal(r, "relu"), abs=0.01)


def test_gradient_experiment():
    """E g2 = E x²·E δ² = 1 per layer within 5 se; sd of log g2 vs the prediction; the
    5–95 % band spans tens (10…100); adjacent layers strongly correlated; se ≈ 0,04."""
    g = D.gradient_experiment(seed=5, act="relu", n=32, depth=8, networks=2000)
    se = g.g2.std(axis=0, ddof=1) / math.sqrt(g.networks)
    assert np.all(np.abs(g.mean_g2 - 1) < 5 * se)
    assert np.all((0.025 < se) & (se < 0.05))
    lg = np.log(g.g2)
    c = lg - lg.mean(axis=0)
    se_sd = np.sqrt(np.mean(c ** 4, axis=0) - np.mean(c ** 2, axis=0) ** 2) / (
        2 * lg.std(axis=0) * math.sqrt(g.networks))
    assert np.all(np.abs(g.sd_log - math.sqrt(g.predicted_var)) < 5 * se_sd)
    lo, hi = np.quantile(g.g2, [0.05, 0.95], axis=0)
    assert np.all((hi / lo > 10) & (hi / lo < 100))
    corr = np.corrcoef(lg.T)
    assert np.all((np.diag(corr, 1) > 0.85) & (np.diag(corr, 1) < 0.93))   # «около 0,9»
    assert 0.3 < corr[0, -1] < 0.45                                         # «около 0,4»


def test_gradient_independence_exact_for_linear():
    """Linear, g = 1: ‖∂L/∂W_l‖²/n² has the law of Π ρ (L factors) at every layer."""
    n, L = 16, 5
    r = F.simulate_gradients(np.random.default_rng(9), F.widths_of(n, L), "linear", 1.0, 6000)
    law = F.log_norm_law(F.widths_of(n, L), "linear")
    for l in range(L):
        assert stats.kstest(np.log(r["g2"][:, l]), law.cdf_at).pvalue > 1e-6
    se = r["g2"].std(axis=0) / math.sqrt(6000)
    assert np.all(np.abs(r["g2"].mean(axis=0) - 1) < 5 * se)


def test_plural_of_networks():
    assert [D.networks_text(k) for k in (1, 3, 5, 11, 21, 976, 1001, 1012, 2000)] == [
        "1 сеть", "3 сети", "5 сетей", "11 сетей", "21 сеть", "976 сетей", "1001 сеть",
        "1012 сетей", "2000 сетей"]


def test_explorer_panel_and_explorer():
    from initlab.explorers.fluctuations import fluctuation_explorer
    p = D.histogram_panel()
    assert p["law"] is not None and p["networks"] == 1000
    assert "сек" not in p["text"] and "мс" not in p["text"]
    big = D.histogram_panel(256, 200, "relu", "he", 4000)
    assert big["networks"] * 256 * 200 <= max(D.MAX_COST, 100 * 256 * 200)
    assert "Сетей взято" in big["text"]
    t = D.histogram_panel(64, 32, "tanh", "lecun", 500)
    assert t["law"] is None and "точного закона" in t["text"]
    e = fluctuation_explorer()
    data, text = e.render_png()
    assert data[:4] == b"\x89PNG" and "L/n" in text


# --- the self-checks of exercises/08_fluctuations.ipynb --------------------------------------

import contextlib
import io
from fractions import Fraction

from initlab.checks import CheckFailed
from initlab.checks import fluctuations as C


def _ok(check, value):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        check(value)
    assert buf.getvalue().startswith("Верно!")


def _fails(check, value, start):
    with pytest.raises(CheckFailed) as e:
        check(value)
    assert str(e.value).startswith(start), str(e.value)
    return str(e.value)


def test_linear_drift_check():
    n = 64
    exact = special.digamma(n / 2) - math.log(n / 2)
    for v in (exact, special.digamma(32) + math.log(2) - math.log(64), np.float32(exact),
              np.array([exact]), special.digamma(n / 2) - math.log(n) + math.log(2),
              F.step_moments(64, "linear")[0]):
        _ok(C.linear_drift, v)
    _fails(C.linear_drift, ..., "Ответ ещё не введён")
    _fails(C.linear_drift, "0.1", "Ожидалось число")
    assert "асимптотика" in _fails(C.linear_drift, -1 / 64, "Неверно")
    assert "Йенсена" in _fails(C.linear_drift, 0.0, "Неверно")
    assert "log n" in _fails(C.linear_drift, special.digamma(32) + math.log(2), "Неверно")
    assert "n/2" in _fails(C.linear_drift, special.digamma(64) - math.log(64), "Неверно")
    _fails(C.linear_drift, round(exact, 3), "Почти верно")
    # the correct formula evaluated in float32 (cancellation ~1e-5 relative) is accepted
    f32 = special.digamma(np.float32(32)) - np.log(np.float32(32))
    assert f32.dtype == np.float32 and abs(f32 - exact) / abs(exact) > 1e-6
    _ok(C.linear_drift, f32)
    _ok(C.linear_drift, np.float32(special.digamma(np.float32(32))) + np.float32(math.log(2))
        - np.float32(math.log(64)))
    # asymptotics: one and two terms both rejected as asymptotics (consistency)
    msg = _fails(C.linear_drift, -1 / n - 1 / (3 * n ** 2), "Неверно")
    assert "асимптотика −1/n − 1/(3n²)" in msg and "точное значение" in msg
    assert "точное значение" in _fails(C.linear_drift, -1 / n, "Неверно")
    assert "десятичный" in _fails(C.linear_drift, exact / math.log(10), "Неверно")
    # the course's number formatting: decimal comma, true minus
    msg = _fails(C.linear_drift, -0.5, "Неверно")
    assert "`drift` = −0,5." in msg


def test_number_format_of_the_checks():
    assert C._num(-6.187) == "−6,187"
    assert C._num(1.4) == "1,4"
    assert C._num(1.23e-9) == "1,23·10^−9"


def test_linear_spread_check():
    exact = 16 * special.polygamma(1, 32)
    for v in (exact, float(exact), np.float64(exact), 16 * float(special.polygamma(1, 32.0)),
              F.log_norm_moments(F.widths_of(64, 16), "linear")[1]):
        _ok(C.linear_spread, v)
    assert "асимптотика" in _fails(C.linear_spread, 0.5, "Неверно")
    assert "одного слоя" in _fails(C.linear_spread, special.polygamma(1, 32), "Неверно")
    assert "L²" in _fails(C.linear_spread, 256 * special.polygamma(1, 32), "Неверно")
    assert "n/2" in _fails(C.linear_spread, 16 * special.polygamma(1, 64), "Неверно")
    assert "стандартное" in _fails(C.linear_spread, math.sqrt(exact), "Неверно")
    _fails(C.linear_spread, None, "Ответ ещё не введён")
    # asymptotics with two and three terms: the asymptotic message, not «округлённое»
    for v in (0.5 + 32 / 64 ** 2, 0.5 + 32 / 64 ** 2 + 64 / (3 * 64 ** 3)):
        msg = _fails(C.linear_spread, v, "Неверно")
        assert "асимптотика" in msg and "точное значение" in msg
    assert "L − 1" in _fails(C.linear_spread, 15 * special.polygamma(1, 32), "Неверно")
    assert "десятичного" in _fails(C.linear_spread, exact / math.log(10) ** 2, "Неверно")
    _ok(C.linear_spread, 16 * special.polygamma(1, np.float32(32)).astype(np.float32))


def test_relu_spread_check():
    good = [
        lambda w: 5 * sum(1 / x for x in w[1:]),
        lambda w: 5 * float(np.sum(1 / np.asarray(w[1:], dtype=np.float32).astype(float))),
        lambda w: float(sum(Fraction(5, x) for x in w[1:])),
        lambda w: np.float64(5) * np.sum(np.reciprocal(np.asarray(w, float))[1:]),
        lambda w: 5 * (sum(1 / x for x in w) - 1 / w[0]),
    ]
    for fn in good:
        _ok(C.relu_spread, fn)
    assert "n_0" in _fails(C.relu_spread, lambda w: 5 * sum(1 / x for x in w), "Неверно")
    assert "линейной" in _fails(C.relu_spread, lambda w: 2 * sum(1 / x for x in w[1:]), "Неверно")
    assert "сумма" in _fails(C.relu_spread, lambda w: 5 * (len(w) - 1) / w[-1], "Неверно")
    assert "стандартное" in _fails(C.relu_spread,
                                   lambda w: math.sqrt(5 * sum(1 / x for x in w[1:])), "Неверно")
    _fails(C.relu_spread, lambda w: 1.0, "Неверно")
    _fails(C.relu_spread, lambda w: None, "Ответ ещё не введён")
    _fails(C.relu_spread, lambda w: 1 / 0, "При вызове")
    msg = _fails(C.relu_spread, lambda w: 5 * sum(1 / x for x in w[:-1]), "Неверно")
    assert "widths[:-1]" in msg and "по входам" in msg
    assert "= 0,292969." in msg                           # decimal comma in the value


def test_relu_spread_hidden_check():
    _ok(C.relu_spread_hidden, lambda w: 5 * sum(1 / x for x in w[1:]))
    _fails(C.relu_spread_hidden, lambda w: 5 * sum(1 / x for x in w), "Неверно")
    _fails(C.relu_spread_hidden, lambda w: 5 * (len(w) - 1) / w[-1], "Неверно")


def _relu_nets(rng, n, L, m, var=2.0, shared=False, relu=True):
    """A student's answer: m ReLU nets (or linear ones), weights N(0, var/n), one matrix per
    layer for all nets when ``shared``."""
    x = np.ones((m, n, 1))
    for _ in range(L):
        W = rng.normal(0.0, math.sqrt(var / n), size=(1 if shared else m, n, n))
        x = W @ x
        if relu:
            x = np.maximum(x, 0.0)
    return np.log(np.sum(x ** 2, axis=(1, 2)) / n)


def _sim_matrix(rng, n, L, m):
    return _relu_nets(rng, n, L, m)


def _sim_vector(rng, n, L, m):
    return F.simulate_log_norms(rng, F.widths_of(n, L), "relu", 2.0, m, method="vector")


def _sim_transposed(rng, n, L, m):
    x = np.ones((m, 1, n))
    for _ in range(L):
        W = rng.standard_normal((m, n, n)) * math.sqrt(2 / n)
        x = np.maximum(x @ W, 0.0)
    return np.log(np.einsum("mij,mij->m", x, x)) - math.log(n)


def _sim_float32(rng, n, L, m):
    x = np.ones((m, n, 1), dtype=np.float32)
    for _ in range(L):
        W = rng.standard_normal((m, n, n), dtype=np.float32) * np.float32(math.sqrt(2 / n))
        x = np.maximum(W @ x, 0)
    return np.log(np.sum(x.astype(float) ** 2, axis=(1, 2))) - np.log(n)


def _sim_gaussian_input(rng, n, L, m):
    x0 = rng.standard_normal((m, n, 1))
    x = x0
    for _ in range(L):
        x = np.maximum(rng.normal(size=(m, n, n)) * math.sqrt(2 / n) @ x, 0.0)
    return np.log(np.sum(x ** 2, axis=(1, 2)) / np.sum(x0 ** 2, axis=(1, 2)))


@pytest.mark.parametrize("fn", [_sim_matrix, _sim_vector, _sim_transposed, _sim_float32,
                                _sim_gaussian_input])
def test_simulated_spread_accepts(fn):
    _ok(C.simulated_spread, fn)


def _lecun(rng, n, L, m):
    return _relu_nets(rng, n, L, m, var=1.0)


def _shared_weights(rng, n, L, m):
    return _relu_nets(rng, n, L, m, shared=True)


def _no_rng(rng, n, L, m):
    return _sim_matrix(np.random.default_rng(), n, L, m)


def _log10(rng, n, L, m):
    return _sim_matrix(rng, n, L, m) / math.log(10)


def _linear(rng, n, L, m):
    return _relu_nets(rng, n, L, m, var=1.0, relu=False)


def _no_division(rng, n, L, m):
    return _sim_matrix(rng, n, L, m) + math.log(n)


def _no_top_relu(rng, n, L, m):
    x = np.ones((m, n, 1))
    for layer in range(L):
        x = rng.normal(0.0, math.sqrt(2 / n), size=(m, n, n)) @ x
        if layer < L - 1:
            x = np.maximum(x, 0.0)
    return np.log(np.sum(x ** 2, axis=(1, 2)) / n)


def _fixed_seed_inside(rng, n, L, m):
    return _sim_matrix(np.random.default_rng(0), n, L, m)


def _norm_not_squared(rng, n, L, m):
    return _sim_matrix(rng, n, L, m) / 2


def _same_w_every_layer(rng, n, L, m):
    W = rng.normal(0.0, math.sqrt(2 / n), size=(m, n, n))
    x = np.ones((m, n, 1))
    for _ in range(L):
        x = np.maximum(W @ x, 0.0)
    return np.log(np.sum(x ** 2, axis=(1, 2)) / n)


def _variance_as_sd(rng, n, L, m):
    x = np.ones((m, n, 1))
    for _ in range(L):
        x = np.maximum(rng.normal(0.0, 2 / n, size=(m, n, n)) @ x, 0.0)
    return np.log(np.sum(x ** 2, axis=(1, 2)) / n)


@pytest.mark.parametrize("fn,words", [
    (_fixed_seed_inside, "не зависит от переданного генератора"),
    (_norm_not_squared, "логарифм длины"),
    (_variance_as_sd, "rng.normal(0, np.sqrt(2/n))"),
    (_no_division, "‖x_0‖²"), (_no_top_relu, "последнем слое"),
    (_lecun, "1/n"), (_shared_weights, "одно и то же"), (_no_rng, "rng"),
    (_log10, "десятичный"), (_linear, "Неверно"),
    (lambda rng, n, L, m: np.zeros(5), "формы"),
    (lambda rng, n, L, m: None, "Ответ ещё не введён"),
])
def test_simulated_spread_rejects(fn, words):
    with pytest.raises(CheckFailed) as e:
        C.simulated_spread(fn)
    assert words in str(e.value), str(e.value)


def test_same_weights_on_every_layer_is_not_called_log10():
    with pytest.raises(CheckFailed) as e:
        C.simulated_spread(_same_w_every_layer)
    assert "десятичный" not in str(e.value) and "Неверно" in str(e.value)
    assert "свои веса на каждом слое" in str(e.value)
    assert "." not in str(e.value).split("равно ")[1].split(",")[0].split(" ")[0]


def _uniform_weights(rng, n, L, m):
    b = math.sqrt(3 * 2 / n)
    x = np.ones((m, n, 1))
    for _ in range(L):
        x = np.maximum(rng.uniform(-b, b, size=(m, n, n)) @ x, 0.0)
    return np.log(np.sum(x ** 2, axis=(1, 2)) / n)


def test_uniform_weights_pass_documented_limitation():
    """Only two moments are compared: uniform weights with variance 2/n pass (the
    limitation stated in the check's docstring)."""
    _ok(C.simulated_spread, _uniform_weights)
    assert "uniform" in C._judge_simulated.__doc__


@pytest.mark.slow
def test_simulated_spread_false_rejection_rate():
    """The variance statistic of a correct answer over 200 seeds: |z| never above 4
    (the check rejects at 5.5, level < 1e-6 per statistic under normality)."""
    w = F.widths_of(32, 8)
    mean, var = F.log_norm_moments(w, "relu")
    zs = []
    for seed in range(200):
        s = _sim_vector(np.random.default_rng(seed), 32, 8, 4000)
        c = s - s.mean()
        se = math.sqrt(np.mean(c ** 4) - np.mean(c ** 2) ** 2) / math.sqrt(s.size)
        zs.append(abs(np.mean(c ** 2) - var) / se)
        zs.append(abs(s.mean() - mean) / (s.std() / math.sqrt(s.size)))
    assert max(zs) < 4.5


# --- orthogonal and looks-linear weights; claims qualified after the review ------------------

def test_haar_sampler_sign_correction():
    """Q from the corrected QR is Haar: E Q_11 = 0 and E Q_11² = 1/n (without the sign
    correction Q_11 would be positive more often); QᵀQ = I."""
    n, m = 6, 20000
    q = F._haar(np.random.default_rng(0), m, n)
    assert np.allclose(np.einsum("mji,mjk->mik", q, q), np.eye(n), atol=1e-12)
    a = q[:, 0, 0]
    assert abs(a.mean()) < 5 * a.std() / math.sqrt(m)
    se = np.std(a ** 2) / math.sqrt(m)
    assert abs(np.mean(a ** 2) - 1 / n) < 5 * se


@pytest.mark.parametrize("n", [6, 32])
def test_orthogonal_step_moments_by_monte_carlo(n):
    """One ReLU layer with √2·Q (full QR matrices) against the exact Beta–binomial law."""
    m = 20000 if n < 10 else 6000
    rng = np.random.default_rng(n)
    x = rng.standard_normal((1, n, 1))
    y = np.maximum(np.sqrt(2.0) * (F._haar(rng, m, n) @ x), 0.0)
    with np.errstate(divide="ignore"):
        s = np.log(np.sum(y ** 2, axis=(1, 2)) / np.sum(x ** 2))
    s = s[np.isfinite(s)]
    mean, var = F.orthogonal_step_moments(n)
    assert abs(s.mean() - mean) < 5 * s.std() / math.sqrt(s.size)
    c = s - s.mean()
    se_var = math.sqrt((np.mean(c ** 4) - np.mean(c ** 2) ** 2) / s.size)
    assert abs(np.mean(c ** 2) - var) < 5 * se_var


def test_orthogonal_step_variance_is_about_3_over_n():
    """Var log ρ ≈ 3/n for √2·Q against ≈ 5/n for Gaussian He (large n)."""
    n = 4000
    assert n * F.orthogonal_step_moments(n)[1] == pytest.approx(3.0, rel=0.01)
    assert n * F.step_moments(n, "relu")[1] == pytest.approx(5.0, rel=0.01)


def test_orthogonal_vector_shortcut_equals_matrices():
    rng = np.random.default_rng(3)
    a = F.simulate_orthogonal(rng, 16, 6, "orthogonal", 1500)
    b = F.simulate_orthogonal(rng, 16, 6, "orthogonal", 1500, method="vector")
    assert F.ks_two_sample(a, b)[1] > 1e-3


def test_orthogonal_experiment_printed():
    """The chapter's numbers: Gaussian and orthogonal sd within 5 se of the exact values,
    orthogonal smaller (review: 1,92 vs 2,31); looks-linear and linear-orthogonal: R = 1."""
    r = D.orthogonal_experiment()
    assert abs(r.sd_gauss - r.sd_gauss_exact) < 5 * r.se_gauss
    assert abs(r.sd_orth - r.sd_orth_exact) < 5 * r.se_orth
    assert r.sd_orth_exact < 0.85 * r.sd_gauss_exact
    assert r.sd_gauss - r.sd_orth > 5 * math.hypot(r.se_gauss, r.se_orth)
    assert r.looks_linear_max < 1e-12 and r.orth_linear_max < 1e-12
    text = str(r)
    assert "max |log R_L| = 0" in text and "." not in text.replace("…", "")


def test_looks_linear_is_exact_at_any_depth_and_input():
    """Counterexample to «only width reduces the spread»: looks-linear ReLU nets keep
    ‖x_l‖² = ‖a_0 − b_0‖² for l ≥ 1, so R_L = 1 at any depth."""
    rng = np.random.default_rng(1)
    s = F.simulate_orthogonal(rng, 8, 64, "looks_linear", 50)
    assert np.max(np.abs(s)) < 1e-12


def test_tanh_spread_depends_on_the_gain():
    """«R_L does not depend on the weight variance» holds for linear and ReLU only: for tanh,
    n = L = 32, sd log‖x_L‖² ≈ 0,9 at g = 1 and ≈ 0,2 at g = 2 (review)."""
    w = F.widths_of(32, 32)
    sds, ses = [], []
    for g in (1.0, 2.0):
        s = F.simulate_log_norms(np.random.default_rng(int(g)), w, "tanh", g, 2000,
                                 method="vector")
        sds.append(np.std(s, ddof=1))
        ses.append(D._se_sd(s))
    assert sds[0] - sds[1] > 5 * math.hypot(*ses)
    assert sds[0] > 3 * sds[1]


def test_gain_does_not_change_the_relu_law_exactly():
    """For ReLU/linear φ is positively homogeneous: the same weights times √g give the same
    normalised log R_L exactly (same seed)."""
    w = F.widths_of(16, 10)
    for act in ("relu", "linear"):
        a = F.normalised_log_norms(F.simulate_log_norms(np.random.default_rng(5), w, act, 1.0,
                                                        50), w, act, 1.0)
        b = F.normalised_log_norms(F.simulate_log_norms(np.random.default_rng(5), w, act, 2.0,
                                                        50), w, act, 2.0)
        assert np.allclose(a, b, atol=1e-9)


def test_width_dependence_of_the_tail_at_small_ratio():
    """P(off ×10), ReLU: almost width-free for L/n ≥ 1/4 (n = 64 vs 256 differ by ≈ 10 % or less), but at
    L/n = 1/16 it is 3,8·10⁻⁴ (n = 64) against 1,1·10⁻⁴ (n = 256), at 1/8 0,010 vs 0,0072."""
    def p(n, r):
        return F.prob_off(F.widths_of(n, n // r), "relu")
    assert 1.05 < p(64, 4) / p(256, 4) < 1.11          # «примерно на 10 %»
    for r in (2, 1):
        assert p(64, r) / p(256, r) < 1.05
    assert p(64, 16) == pytest.approx(3.8e-4, rel=0.02)
    assert p(256, 16) == pytest.approx(1.1e-4, rel=0.05)
    assert p(64, 16) / p(256, 16) > 3
    assert p(64, 8) == pytest.approx(0.010, rel=0.02)
    assert p(256, 8) == pytest.approx(0.0072, rel=0.01)


def test_rule_of_thumb_l_le_n_over_10():
    """«при L ≤ n/10 и n ≥ 64 больше чем в 10 раз отклоняется меньше 1 % ReLU-сетей
    (около 0,3 %)»: exact 0,0030 / 0,0035 / 0,0032 for n = 64, 80, 100; below 1 % up to n = 400
    (and → 0,2 % in the normal limit β = 0,1)."""
    vals = [F.prob_off(F.widths_of(n, n // 10), "relu") for n in (64, 80, 100)]
    assert vals == pytest.approx([0.0030, 0.0035, 0.0032], abs=5e-5)
    assert max(F.prob_off(F.widths_of(n, n // 10), "relu") for n in range(64, 401, 16)) < 0.01
    assert F.prob_off_normal(0.1, "relu") < 0.003


def test_orthogonal_ratios_quoted():
    """«в 1,25 раза при n = 32 (при большой ширине — в √(5/3) ≈ 1,3 раза)»."""
    n = 32
    ratio = math.sqrt(F.step_moments(n, "relu")[1] / F.orthogonal_step_moments(n)[1])
    assert ratio == pytest.approx(1.25, abs=0.005)
    big = 20000
    assert math.sqrt(F.step_moments(big, "relu")[1] / F.orthogonal_step_moments(big)[1]) \
        == pytest.approx(math.sqrt(5 / 3), rel=2e-3)


def test_gradient_sd_slightly_below_signal_sd():
    """ReLU, n = 32, L = 8: the per-layer gradient sd (≈ 1,14, predicted and simulated) is a
    little below the output signal's sd √(8·Var log ρ) ≈ 1,19 — «примерно так же»."""
    sig = math.sqrt(8 * F.step_moments(32, "relu")[1])
    assert sig == pytest.approx(1.19, abs=0.005)
    pred = math.sqrt(D.gradient_predicted_var(32, 8, "relu"))
    assert pred == pytest.approx(1.14, abs=0.005)


def test_second_moment_is_not_the_preactivation_variance_for_relu():
    """Cell 1: for ReLU E x² = Var h / 2 (so E‖x_l‖² ≠ n_l Var h_l); for linear they agree."""
    val = integrate.quad(lambda h: max(h, 0.0) ** 2 * stats.norm.pdf(h, scale=1.7), -30, 30,
                         points=[0.0])[0]
    assert val == pytest.approx(1.7 ** 2 / 2, rel=1e-8)


def test_gradient_independence_for_gaussian_relu():
    """x_{l-1} and δ_l are independent for Gaussian ReLU nets too (module docstring): the
    correlation of ‖x_{l-1}‖² and ‖δ_l‖² is 0 within 5 standard errors on every layer, and
    so is that of their logarithms."""
    m = 4000
    g = F.simulate_gradients(np.random.default_rng(11), F.widths_of(16, 5), "relu", 2.0, m)
    for l in range(1, 5):          # layer 1 has a fixed input
        for a, b in ((g["x2"][:, l], g["d2"][:, l]),
                     (np.log(g["x2"][:, l]), np.log(g["d2"][:, l]))):
            ok = np.isfinite(a) & np.isfinite(b)
            r = np.corrcoef(a[ok], b[ok])[0, 1]
            assert abs(r) < 5 / math.sqrt(ok.sum()), (l, r)
