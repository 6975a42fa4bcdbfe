"""Activations, their Gaussian moments and the ReLU facts of problem 6д/6е.

Exact claims are checked exactly (closed forms, quadrature to ~1e-12); random ones by
Monte Carlo at a fixed seed with the tolerance ``5 * se`` where ``se`` is the standard
error of the estimate (sample sd / √N, or √(p(1 − p)/N) for a probability).
"""
import warnings

import numpy as np
import pytest

from initlab.numerics import activations as A
from initlab.numerics.activations import ACTIVATIONS
from initlab.numerics.schemes import get_scheme, he_leaky

ALL_ACTS = [*A.ACTIVATIONS.values(), A.leaky_relu(0.2), A.leaky_relu(0.0)]
IDS = [a.key for a in ALL_ACTS]
KINKED = {"relu", "leaky_relu", "leaky_relu_0.2", "leaky_relu_0", "elu"}   # elu: f″ jumps at 0
QS = [1e-6, 0.01, 0.3, 1.0, 7.0, 1e4]


def _mc_mean(values):
    """(mean, standard error) of iid samples."""
    values = np.asarray(values, dtype=np.float64)
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))


# ------------------------------------------------------------------ functions, derivatives

@pytest.mark.parametrize("a", ALL_ACTS, ids=IDS)
def test_derivative_matches_central_difference(a):
    z = np.linspace(-6.0, 6.0, 241)
    if a.key in KINKED:                      # f' is not defined at the kink 0
        z = z[np.abs(z) > 1e-3]
    h = 1e-6
    fd = (a.f(z + h) - a.f(z - h)) / (2 * h)
    # central difference error ~ h² f''' / 6 + rounding 1e-16 / h  →  < 1e-9 here
    np.testing.assert_allclose(a.df(z), fd, rtol=0, atol=1e-8)


@pytest.mark.parametrize("a", ALL_ACTS, ids=IDS)
def test_in_place_kernels_equal_f_and_df(a):
    rng = np.random.default_rng(1)
    z = (3 * rng.standard_normal((64, 32))).astype(np.float32)
    out, tmp = np.empty_like(z), np.empty_like(z)
    got = a.f_into(z, out, tmp)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, a.f(z), rtol=2e-6, atol=2e-7)
    delta = rng.standard_normal(z.shape).astype(np.float32)
    expect = delta * a.df(z)
    a.mul_df(delta, z, tmp)
    np.testing.assert_allclose(delta, expect, rtol=2e-6, atol=2e-7)


@pytest.mark.parametrize("a", ALL_ACTS, ids=IDS)
def test_derivative_from_the_output_equals_df(a):
    """mul_dfy multiplies by f'(z) knowing only y = f(z) (what the simulation keeps)."""
    if a.key in ("gelu", "silu"):            # not monotone: y = f(z) does not tell f'(z)
        assert a.mul_dfy is None             # (the simulation keeps z instead)
        return
    assert a.mul_dfy is not None             # every monotone activation of the course has it
    rng = np.random.default_rng(2)
    z = (3 * rng.standard_normal((64, 32))).astype(np.float32)
    z[0, :4] = [0.0, -60.0, 60.0, -1e-3]    # the kink, the saturated tails
    y = a.f_into(z, np.empty_like(z), np.empty_like(z)).copy()
    delta = rng.standard_normal(z.shape).astype(np.float32)
    expect = delta.astype(np.float64) * a.df(z.astype(np.float64))
    a.mul_dfy(delta, y)
    assert delta.dtype == np.float32
    # float32: y and 1 − y are rounded to ~6e-8 absolute, so f' is to ~1e-7 absolute
    np.testing.assert_allclose(delta, expect, rtol=2e-6, atol=3e-7 * np.abs(delta).max())


def test_derivative_from_the_output_only_where_it_is_determined():
    # leaky ReLU with α < 0: y > 0 for z < 0 too, so y does not tell the slope
    assert A.leaky_relu(-0.5).mul_dfy is None
    assert A.leaky_relu(2.0).mul_dfy is not None


@pytest.mark.parametrize("a", ALL_ACTS, ids=IDS)
def test_functions_keep_float32_and_never_overflow(a):
    z = np.array([-1e30, -1e4, -50.0, 0.0, 50.0, 1e4, 1e30], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")       # no overflow / invalid warning at all
        fz, dfz = a.f(z), a.df(z)
    assert fz.dtype == np.float32 and dfz.dtype == np.float32
    assert np.isfinite(dfz).all()
    # linear, relu, softplus are unbounded, but never NaN; tanh/sigmoid are bounded
    assert not np.isnan(fz).any()


def test_registry():
    assert {"linear", "tanh", "sigmoid", "relu", "leaky_relu"} <= set(A.ACTIVATIONS)
    assert A.get_activation("relu") is A.ACTIVATIONS["relu"]
    r = A.ACTIVATIONS["relu"]
    assert A.get_activation(r) is r
    with pytest.raises(KeyError):
        A.get_activation("swish")
    assert A.ACTIVATIONS["leaky_relu"].alpha == 0.01


# ------------------------------------------------------------ Gaussian expectations: exact

@pytest.mark.parametrize("q", QS)
def test_gauss_expectation_polynomials(q):
    # E z² = q, E z⁴ = 3 q², E 1 = 1, E z = 0 (odd)
    ge = A.gauss_expectation
    assert ge(lambda z: z * z, q) == pytest.approx(q, rel=1e-12)
    assert ge(lambda z: z ** 4, q) == pytest.approx(3 * q * q, rel=1e-12)
    assert ge(np.ones_like, q) == pytest.approx(1.0, rel=1e-14)
    assert abs(ge(lambda z: z, q)) < 1e-12 * np.sqrt(q)


def test_gauss_expectation_is_vectorised_and_handles_edges():
    q = np.array([[0.5, 2.0], [0.0, np.inf]])
    out = A.gauss_expectation(lambda z: z * z, q)
    assert out.shape == q.shape
    np.testing.assert_allclose(out[0], [0.5, 2.0], rtol=1e-12)
    assert out[1, 0] == 0.0                  # q = 0: fn(0)
    assert np.isnan(out[1, 1])               # q = inf: NaN, no exception
    # extreme but finite q: the substitution keeps the rule accurate
    for q in (1e-30, 1e30):
        assert A.gauss_expectation(lambda z: z * z, q) == pytest.approx(q, rel=1e-10)


@pytest.mark.parametrize("q", QS)
def test_relu_halves_the_second_moment(q):
    relu = A.ACTIVATIONS["relu"]
    # closed forms used by the theory ...
    assert relu.second_moment(q) == pytest.approx(q / 2, rel=1e-15)
    assert relu.deriv_second_moment(q) == pytest.approx(0.5, rel=1e-15)
    assert relu.mean(q) == pytest.approx(np.sqrt(q / (2 * np.pi)), rel=1e-15)
    # ... and the same numbers by quadrature of the functions themselves
    ge = A.gauss_expectation
    assert ge(lambda z: relu.f(z) ** 2, q) == pytest.approx(q / 2, rel=1e-10)
    assert ge(lambda z: relu.df(z) ** 2, q) == pytest.approx(0.5, rel=1e-12)
    # E relu(z) integrates a kink (|z|/2): the trapezoidal rule is only second order there
    assert ge(relu.f, q) == pytest.approx(np.sqrt(q / (2 * np.pi)), rel=1e-5)


@pytest.mark.parametrize("alpha", [0.0, 0.01, 0.1, 0.2, 0.5, 1.0])
@pytest.mark.parametrize("q", [0.01, 1.0, 50.0])
def test_leaky_relu_moments(alpha, q):
    a = A.leaky_relu(alpha)
    m2 = (1 + alpha ** 2) * q / 2
    assert a.second_moment(q) == pytest.approx(m2, rel=1e-14)
    assert a.deriv_second_moment(q) == pytest.approx((1 + alpha ** 2) / 2, rel=1e-14)
    ge = A.gauss_expectation
    assert ge(lambda z: a.f(z) ** 2, q) == pytest.approx(m2, rel=1e-10)
    assert ge(lambda z: a.df(z) ** 2, q) == pytest.approx((1 + alpha ** 2) / 2, rel=1e-12)
    assert ge(a.f, q) == pytest.approx(a.mean(q), rel=1e-5, abs=1e-15)   # a kink: see above


@pytest.mark.parametrize("alpha", [0.0, 0.01, 0.1, 0.3, 1.0])
def test_leaky_he_gain_keeps_the_second_moment(alpha):
    """q_{l+1} = n·Var w·E f(z)², z ~ N(0, q_l): with Var w = gain/n, gain = 2/(1+α²),
    the pre-activation variance is the same at every layer (for ReLU, α = 0: He's 2/n)."""
    a = A.leaky_relu(alpha)
    n = 300
    scheme = he_leaky(alpha)
    gain = 2 / (1 + alpha ** 2)
    assert scheme.variance(n, 7) * n == pytest.approx(gain, rel=1e-15)
    q = 1.7
    for _ in range(5):
        q_next = n * scheme.variance(n, n) * float(a.second_moment(q))
        assert q_next == pytest.approx(q, rel=1e-13)
        # and by quadrature, independent of the closed form
        assert n * scheme.variance(n, n) * float(
            A.gauss_expectation(lambda z: a.f(z) ** 2, q)) == pytest.approx(q, rel=1e-10)
        q = q_next
    # He's ReLU gain 2 is too large for α > 0: the second moment grows by 1 + α² a layer
    if alpha > 0:
        assert 2 * float(a.second_moment(1.0)) == pytest.approx(1 + alpha ** 2, rel=1e-14)
    # by sampling: gain · mean of f(z)² over z ~ N(0, q) estimates q (5 se)
    rng = np.random.default_rng(int(1000 * alpha) + 11)
    z = np.sqrt(q) * rng.standard_normal(400_000)
    est, se = _mc_mean(gain * a.f(z) ** 2)
    assert abs(est - q) < 5 * se
    # the ReLU case is He's rule itself
    if alpha == 0:
        assert get_scheme("he_normal").variance(n, 7) == pytest.approx(scheme.variance(n, 7))


# --------------------------------------------------- smooth activations: asymptotics, MC

@pytest.mark.parametrize("q", [1e-3, 1e-2])
def test_tanh_small_q_series(q):
    # tanh² z = z² − 2z⁴/3 + 17z⁶/45 − …  ⇒  E tanh² = q − 2q² + 17q³/3 + O(q⁴)
    tanh = A.ACTIVATIONS["tanh"]
    series = q - 2 * q ** 2 + 17 * q ** 3 / 3
    assert abs(tanh.second_moment(q) - series) < 200 * q ** 4
    # tanh'² = sech⁴ z = 1 − 2z² + 7z⁴/3 − 94z⁶/45 + …  ⇒  E = 1 − 2q + 7q² − 94q³/3 + O(q⁴)
    series = 1 - 2 * q + 7 * q ** 2 - 94 * q ** 3 / 3
    assert abs(tanh.deriv_second_moment(q) - series) < 1000 * q ** 4


@pytest.mark.parametrize("q", [1e4, 1e6])
def test_tanh_large_q_asymptotics(q):
    # for large q the Gaussian is flat where sech⁴ lives: E sech⁴ z ≈ ∫sech⁴/√(2πq)
    # = (4/3)/√(2πq), relative error O(1/q); and E tanh² = 1 − E sech² ≈ 1 − 2/√(2πq)
    tanh = A.ACTIVATIONS["tanh"]
    assert tanh.deriv_second_moment(q) == pytest.approx(4 / 3 / np.sqrt(2 * np.pi * q),
                                                        rel=10 / q)
    assert 1 - tanh.second_moment(q) == pytest.approx(2 / np.sqrt(2 * np.pi * q), rel=10 / q)


@pytest.mark.parametrize("q", [0.1, 1.0, 10.0])
def test_symmetric_means_are_exact(q):
    # tanh is odd: E tanh z = 0; σ(z) + σ(−z) = 1: E σ(z) = 1/2; also by quadrature
    assert A.ACTIVATIONS["tanh"].mean(q) == 0.0
    assert A.ACTIVATIONS["sigmoid"].mean(q) == 0.5
    assert abs(A.gauss_expectation(A.ACTIVATIONS["tanh"].f, q)) < 1e-14
    assert A.gauss_expectation(A.ACTIVATIONS["sigmoid"].f, q) == pytest.approx(0.5, rel=1e-14)


@pytest.mark.parametrize("key", list(A.ACTIVATIONS))
@pytest.mark.parametrize("q", [0.25, 1.0, 4.0])
def test_moments_against_monte_carlo(key, q):
    """mean, E f², E f'² (closed form or quadrature) vs 400 000 draws, |Δ| < 5 se."""
    a = A.ACTIVATIONS[key]
    rng = np.random.default_rng([ord(c) for c in key] + [int(100 * q)])
    z = np.sqrt(q) * rng.standard_normal(400_000)
    fz, dfz = a.f(z), a.df(z)
    for est_values, truth in ((fz, a.mean(q)), (fz * fz, a.second_moment(q)),
                              (dfz * dfz, a.deriv_second_moment(q))):
        est, se = _mc_mean(est_values)
        assert abs(est - float(truth)) < 5 * se + 1e-12, (key, q, est, float(truth), se)
    m, m2, d2 = a.moments(q)
    assert m == pytest.approx(float(a.mean(q)), rel=1e-12, abs=1e-15)
    assert m2 == pytest.approx(float(a.second_moment(q)), rel=1e-12)
    assert d2 == pytest.approx(float(a.deriv_second_moment(q)), rel=1e-12)
    assert a.variance(q) == pytest.approx(float(m2 - m * m), rel=1e-12, abs=1e-15)


def test_moments_vectorised_matches_scalar():
    q = np.array([0.0, 1e-8, 0.5, 3.0, 1e8])
    for a in A.ACTIVATIONS.values():
        m, m2, d2 = a.moments(q)
        assert m.shape == m2.shape == d2.shape == q.shape
        for i, qi in enumerate(q):
            assert m2[i] == pytest.approx(float(a.second_moment(qi)), rel=1e-12, abs=1e-300)
            assert d2[i] == pytest.approx(float(a.deriv_second_moment(qi)), rel=1e-12)


# ----------------------------------------------------------------- ReLU neuron (6д)

def test_relu_zero_probability_exact():
    assert A.relu_zero_probability() == 0.5
    assert A.relu_zero_probability(0.0) == 0.5
    assert A.relu_zero_probability(1.0) == 1.0
    p = 2.0 ** -10
    assert A.relu_zero_probability(p) == p + (1 - p) / 2


def test_relu_dead_probability_exact():
    assert A.relu_dead_probability(10) == 2.0 ** -10 == 1 / 1024
    assert A.relu_dead_probability() == 1 / 1024
    assert [A.relu_dead_probability(n) for n in (1, 2, 3)] == [0.5, 0.25, 0.125]


def _binomial_se(p, n):
    return np.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("inputs,truth", [
    ("normal", 0.5),
    ("uniform", 0.5),
    ("relu", A.relu_zero_probability(2.0 ** -10)),   # x = 0 with probability 2^-10
])
def test_relu_zero_probability_monte_carlo(inputs, truth):
    trials = 200_000
    est = A.relu_zero_probability_mc(np.random.default_rng(7), n_inputs=10, trials=trials,
                                     inputs=inputs)
    assert abs(est - truth) < 5 * _binomial_se(truth, trials)


def test_relu_dead_probability_monte_carlo():
    trials = 400_000
    truth = A.relu_dead_probability(10)
    est = A.relu_dead_probability_mc(np.random.default_rng(8), n_inputs=10, trials=trials)
    se = _binomial_se(truth, trials)
    assert abs(est - truth) < 5 * se
    # the test can tell 2^-10 from its neighbours 2^-9 and 2^-11
    assert 5 * se < truth / 2
    # random non-negative probes can only over-count dead neurons (a neuron dead on the
    # basis vectors is dead on the whole orthant; the converse needs enough probes)
    est_p = A.relu_dead_probability_mc(np.random.default_rng(9), n_inputs=10,
                                       trials=100_000, probes=200)
    assert est_p > truth - 5 * _binomial_se(truth, 100_000)


def test_relu_zero_probability_mc_rejects_unknown_inputs():
    with pytest.raises(ValueError):
        A.relu_zero_probability_mc(np.random.default_rng(0), inputs="cauchy")


# ------------------------------------------------- ELU, GELU, SiLU (smooth ReLU-like)

SMOOTH = ("elu", "gelu", "silu")


@pytest.mark.parametrize("key", SMOOTH)
def test_smooth_activations_match_their_definitions(key):
    from scipy.special import expit, ndtr
    z = np.linspace(-8, 8, 4001)
    want = {"elu": np.where(z > 0, z, np.exp(z) - 1), "gelu": z * ndtr(z),
            "silu": z * expit(z)}[key]
    a = ACTIVATIONS[key]
    assert np.allclose(a.f(z), want, rtol=1e-12, atol=1e-14)
    h = 1e-5
    fd = (a.f(z + h) - a.f(z - h)) / (2 * h)
    # central differences: error ~h² f‴ (ELU: ~h at its kink z = 0, where f″ jumps)
    assert np.allclose(a.df(z), fd, atol=1e-5 if key == "elu" else 1e-8)
    z32 = z.astype(np.float32)
    assert a.f(z32).dtype == np.float32 and a.df(z32).dtype == np.float32


@pytest.mark.parametrize("key", SMOOTH)
@pytest.mark.parametrize("q", [0.25, 1.0, 4.0])
def test_smooth_activation_moments_against_monte_carlo(key, q):
    """E f(z), E f(z)², E f′(z)² under z ~ N(0, q): the quadrature against 10⁶ draws, each
    within 5 standard errors of the Monte Carlo mean (se = sd/√n of the draws)."""
    a = ACTIVATIONS[key]
    rng = np.random.default_rng([SMOOTH.index(key), int(4 * q)])
    z = np.sqrt(q) * rng.standard_normal(1_000_000)
    fz, dfz = a.f(z), a.df(z)
    for draws, exact in ((fz, a.mean(q)), (fz ** 2, a.second_moment(q)),
                         (dfz ** 2, a.deriv_second_moment(q))):
        se = draws.std(ddof=1) / np.sqrt(draws.size)
        assert abs(draws.mean() - float(exact)) < 5 * se, (key, q, draws.mean(), exact, se)


def test_smooth_activation_moments_in_closed_form_at_the_origin():
    """Independent exact values: GELU's mean is E z Φ(z) = E φ(z) = 1/(2√π) at q = 1 (Stein);
    ELU and SiLU have f′(0) = 1 and 1/2, so E f′(z)² → 1 and 1/4 as q → 0."""
    assert float(ACTIVATIONS["gelu"].mean(1.0)) == pytest.approx(0.5 / np.sqrt(np.pi), rel=1e-10)
    assert float(ACTIVATIONS["elu"].deriv_second_moment(1e-12)) == pytest.approx(1.0, abs=1e-5)
    assert float(ACTIVATIONS["silu"].deriv_second_moment(1e-12)) == pytest.approx(0.25, abs=1e-5)


def test_the_explorer_offers_the_smooth_activations():
    from initlab.explorers.variance import variance_explorer
    e = variance_explorer(act="gelu", scheme="he_normal", depth=5, batch=64)
    keys = [k for _, k in e.controls["act"].options]
    assert set(SMOOTH) <= set(keys)
    for key in SMOOTH:
        e.controls["act"].value = key            # theory and simulation draw without error
        assert bytes(e.image.value).startswith(b"\x89PNG")
