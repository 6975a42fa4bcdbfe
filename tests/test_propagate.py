"""Variance propagation: the theory recursion, the Monte Carlo, their agreement, breakdowns.

How the Monte Carlo is compared with the theory
-----------------------------------------------
``simulate`` reports, per layer, the variance pooled over batch × units of ONE network
(one draw of the weights). Its spread does not shrink like 1/√(batch·units): every input
of the batch goes through the same weights, so the units' column sums and the random
growth of ‖x_l‖ from layer to layer are shared by the whole batch (for ReLU the inputs
also become correlated with depth). The per-seed ratio R = sim / theory has a relative
spread from about 1 % (linear, layer 1) to about 45 % (ReLU, layer 10, width 256), and it
cannot be derived in closed form for every activation. It is dominated by the weights:
measured over 12 seeds, the sd of R at layer 10 is the same for batch 128, 256 and 512
(e.g. 0.077 for sigmoid + N(0, 1/n_in), 0.38 for ReLU + He); only layer 1 and the
constant schemes gain from a larger batch (sd 0.014 → 0.006 at layer 1). So a batch of
128 (a quarter of the cost of 512) is used. The spread is MEASURED: K independent
seeds (fresh weights, inputs and r each) give K iid ratios R_1..R_K per layer; their mean
estimates E R, and with s the sample sd the test asserts

    |mean(R) − 1| ≤ t · s / √K + b_l,      t = t_{K−1} quantile at two-sided level 10⁻³

(6.87 for K = 6: generous, since R is skewed and K small). E R = 1 exactly for the linear
activation and for the constant schemes (their theory is exact); for the other
activations the mean-field recursion has a bias O(1/width) per layer (Jensen gap of
E f(z)² over the random ‖x_{l−1}‖², and the independence of f'(z_l) and δ_{l+1}W_{l+1}ᵀ
assumed backward), so b_l = l / n_min forward and depth / n_min backward (≤ 3.9 % at
width 256, depth 10; ≤ 15.6 % for the 256 → 64 networks, n_min = 64), b_l = 0 where the
theory is exact. The mean of R (not of log R)
is used because it is unbiased; log R would carry a Jensen bias −Var(R)/2.

The sharper claims (the factor 1/3 per layer, constancy under N(0, 1/n_in) and He, the
Xavier compromise) are checked exactly on the theory and, with the same statistics,
on the simulation.
"""
import warnings

import numpy as np
import pytest
from scipy import stats

from initlab import text
from initlab.numerics import propagate as P
from initlab.numerics.activations import ACTIVATIONS
from initlab.numerics.schemes import SCHEMES, Scheme

WIDTH, DEPTH, BATCH, K = 256, 10, 128, 6
T = float(stats.t.ppf(1 - 0.0005, K - 1))

# every activation × every initialisation the explorer offers (its defaults are the whole
# registries), square; plus the n_in ≠ n_out case for a few of them. Scheme-major order:
# the simulation caches the weights per (scheme, seed, layer), so consecutive activations
# reuse them.
COMBOS = [(a, s, WIDTH, WIDTH) for s in SCHEMES for a in ACTIVATIONS]
COMBOS += [(a, s, 256, 64) for a in ("linear", "tanh", "relu")
           for s in ("lecun_normal", "xavier_normal")]


def _ids(c):
    return f"{c[0]}-{c[1]}-{c[2]}x{c[3]}"


def _sims(act, scheme, n_in, n_out, depth=DEPTH, k=K, batch=BATCH):
    return [P.simulate(act, scheme, n_in, n_out, depth, batch=batch, seed=seed,
                       hist_layers=()) for seed in range(k)]


def _agree(th_values, sim_values, bias):
    """The t-test of the module docstring on the layers where everything is finite.

    Returns the number of layers compared."""
    sim = np.array(sim_values)                      # (K, depth)
    th = np.asarray(th_values)
    ok = np.isfinite(th) & np.isfinite(sim).all(axis=0)
    if not ok.any():
        return 0
    r = sim[:, ok] / th[ok]
    mean, sd = r.mean(axis=0), r.std(axis=0, ddof=1)
    tol = T * sd / np.sqrt(len(sim)) + np.asarray(bias)[ok]
    bad = np.abs(mean - 1) > tol
    assert not bad.any(), (np.flatnonzero(ok)[bad] + 1, mean[bad], tol[bad])
    return int(ok.sum())


def _same_break(a, b, slack=1):
    if a is None or b is None:
        return a is None and b is None
    return a.kind == b.kind and a.direction == b.direction and abs(a.layer - b.layer) <= slack


@pytest.mark.parametrize("combo", COMBOS, ids=[_ids(c) for c in COMBOS])
def test_theory_agrees_with_simulation(combo):
    act, scheme, n_in, n_out = combo
    th = P.theory(act, scheme, n_in, n_out, DEPTH)
    sims = _sims(act, scheme, n_in, n_out)
    for sm in sims:    # the same breakdowns (zero weights, sigmoid with constant weights)
        assert _same_break(th.forward_break, sm.forward_break), (th.forward_break,
                                                                  sm.forward_break)
        assert _same_break(th.backward_break, sm.backward_break)
    exact = act == "linear" or not SCHEMES[scheme].random
    n_min = int(th.widths.min())
    layers = th.layers
    b_fwd = np.zeros(DEPTH) if exact else layers / n_min
    b_bwd = np.zeros(DEPTH) if exact else np.full(DEPTH, DEPTH / n_min)
    compared = _agree(th.pre_var, [s.pre_var for s in sims], b_fwd)
    compared += _agree(th.grad_var, [s.grad_var for s in sims], b_bwd)
    if scheme == "zeros":
        assert compared == 0 and th.forward_break.layer == 1
    else:
        assert compared >= DEPTH       # the test did compare something
    # the activations' variance too (forward, where the theory gives it)
    if th.forward_break is None:
        _agree(th.act_var, [s.act_var for s in sims], 3 * b_fwd)


def test_agreement_test_can_fail():
    """The tolerance is not so wide that a wrong theory passes: ReLU without the 1/2
    (He's variance read as if it kept q for the linear map) is off by 2^l."""
    th = P.theory("relu", "he_normal", WIDTH, WIDTH, DEPTH)
    sims = _sims("relu", "he_normal", WIDTH, WIDTH)
    wrong = th.pre_var * 2.0 ** np.arange(DEPTH)       # q_l = 2 q_{l−1}
    with pytest.raises(AssertionError):
        _agree(wrong, [s.pre_var for s in sims], th.layers / WIDTH)
    # and a 10 % error at layer 1 of the linear network is caught as well
    th = P.theory("linear", "lecun_normal", WIDTH, WIDTH, DEPTH)
    sims = _sims("linear", "lecun_normal", WIDTH, WIDTH)
    with pytest.raises(AssertionError):
        _agree(th.pre_var * 1.1, [s.pre_var for s in sims], np.zeros(DEPTH))


# -------------------------------------------------------------- claims of the chapter

def test_linear_seed_uniform_shrinks_three_times_per_layer():
    """6а: with U[±1/√n_in] and a linear network Var z_l = 3^(−l) (input variance 1),
    and the gradient shrinks by 3 per layer going down."""
    th = P.theory("linear", "seed_uniform", WIDTH, WIDTH, DEPTH)
    lay = th.layers
    np.testing.assert_allclose(th.pre_var, 3.0 ** -lay, rtol=1e-12)
    np.testing.assert_allclose(th.pre_var[1:] / th.pre_var[:-1], 1 / 3, rtol=1e-12)
    np.testing.assert_allclose(th.grad_var, 3.0 ** -(DEPTH - lay), rtol=1e-12)
    # simulation: the fitted per-layer factor exp(slope of log Var z_l), one per seed
    sims = _sims("linear", "seed_uniform", WIDTH, WIDTH)
    factors = np.array([np.exp(np.polyfit(lay, np.log(s.pre_var), 1)[0]) for s in sims])
    se = factors.std(ddof=1) / np.sqrt(K)
    assert abs(factors.mean() - 1 / 3) < T * se + 1e-3
    assert abs(factors.mean() - 1 / 3) < 0.01      # and the estimate is tight
    gf = np.array([np.exp(-np.polyfit(lay, np.log(s.grad_var), 1)[0]) for s in sims])
    assert abs(gf.mean() - 1 / 3) < T * gf.std(ddof=1) / np.sqrt(K) + 1e-3


@pytest.mark.parametrize("scheme", ["uniform_fixed", "lecun_normal"])
def test_linear_variance_preserving_schemes_are_constant(scheme):
    """6б, 6в: U[±√3/√n_in] and N(0, 1/n_in) keep Var z_l = 1 forward and backward."""
    th = P.theory("linear", scheme, WIDTH, WIDTH, DEPTH)
    np.testing.assert_allclose(th.pre_var, 1.0, rtol=1e-12)
    np.testing.assert_allclose(th.grad_var, 1.0, rtol=1e-12)
    sims = _sims("linear", scheme, WIDTH, WIDTH)
    _agree(np.ones(DEPTH), [s.pre_var for s in sims], np.zeros(DEPTH))
    _agree(np.ones(DEPTH), [s.grad_var for s in sims], np.zeros(DEPTH))
    # and the slope of log Var over the layers is ≈ 0 (the seed's scheme has log 3)
    slopes = np.array([np.polyfit(th.layers, np.log(s.pre_var), 1)[0] for s in sims])
    assert abs(slopes.mean()) < T * slopes.std(ddof=1) / np.sqrt(K) + 1e-3
    assert abs(slopes.mean()) < 0.01 * np.log(3)


def test_relu_halves_and_he_keeps():
    """6е: ReLU halves E f(z)²: with N(0, 1/n_in) Var z_l = 2^(1−l); He's 2/n_in keeps
    Var z_l = 2 (z_1 sees the raw input, E x_0² = 1) and the gradient's variance 1."""
    th = P.theory("relu", "lecun_normal", WIDTH, WIDTH, DEPTH)
    np.testing.assert_allclose(th.pre_var, 2.0 ** (1 - th.layers), rtol=1e-12)
    for he in ("he_normal", "he_uniform"):
        th = P.theory("relu", he, WIDTH, WIDTH, DEPTH)
        np.testing.assert_allclose(th.pre_var, 2.0, rtol=1e-12)
        np.testing.assert_allclose(th.grad_var, 1.0, rtol=1e-12)
        sims = _sims("relu", he, WIDTH, WIDTH)
        # ReLU's forward theory is exact in expectation (E relu(z)² = E z²/2 for any
        # symmetric z); the backward one assumes independence: bias allowance depth/n
        _agree(th.pre_var, [s.pre_var for s in sims], np.zeros(DEPTH))
        _agree(th.grad_var, [s.grad_var for s in sims], np.full(DEPTH, DEPTH / WIDTH))


@pytest.mark.parametrize("alpha_key,scheme", [("leaky_relu", "he_leaky")])
def test_leaky_relu_with_its_gain_is_constant(alpha_key, scheme):
    th = P.theory(alpha_key, scheme, WIDTH, WIDTH, DEPTH)
    np.testing.assert_allclose(th.pre_var, th.pre_var[0], rtol=1e-12)
    np.testing.assert_allclose(th.grad_var, 1.0, rtol=1e-12)
    # plain He (gain 2) grows by 1 + α² per layer
    th2 = P.theory(alpha_key, "he_normal", WIDTH, WIDTH, DEPTH)
    np.testing.assert_allclose(th2.pre_var[1:] / th2.pre_var[:-1], 1 + 0.01 ** 2, rtol=1e-12)


def test_xavier_compromise_when_widths_differ():
    """6г: with n_in ≠ n_out no variance keeps both passes; per layer the forward factor
    is f = n_{l−1}σ², the backward g = n_l σ², f/g = n_{l−1}/n_l whatever σ². 1/n_{l−1}
    keeps the forward signal, 1/n_l the backward one, Xavier's 2/(n_{l−1}+n_l) splits the
    change: the worse of the two total drifts is smaller than for either pure rule."""
    n_in, n_out = 256, 64
    fan_out = Scheme("fan_out", "N(0, 1/n_out)", "normal", lambda fi, fo: 1.0 / fo)

    def drifts(scheme):
        th = P.theory("linear", scheme, n_in, n_out, DEPTH)
        # forward: Var z_depth / Var z_1 ·(n_0σ_1²) = Var z_depth; backward: Var δ_1 / 1
        return np.log(th.pre_var[-1]), np.log(th.grad_var[0]), th

    f_x, b_x, th = drifts("xavier_normal")
    f_l, b_l, _ = drifts("lecun_normal")
    f_o, b_o, _ = drifts(fan_out)
    n = th.widths
    assert f_l == pytest.approx(0.0, abs=1e-12)                       # forward kept
    assert b_o == pytest.approx(0.0, abs=1e-12)                       # backward kept
    assert b_l == pytest.approx(np.log(n[-1] / n[1]), rel=1e-12)
    assert f_o == pytest.approx(np.log(np.prod(n[:-1] / n[1:])), rel=1e-12)
    worst_x = max(abs(f_x), abs(b_x))
    assert worst_x < min(max(abs(f_l), abs(b_l)), max(abs(f_o), abs(b_o)))
    # per layer: Xavier's forward factor 2a/(a+b) and backward 2b/(a+b) straddle 1
    a, b = n[:-1].astype(float), n[1:].astype(float)
    np.testing.assert_allclose(th.pre_var[1:] / th.pre_var[:-1], (2 * a / (a + b))[1:],
                               rtol=1e-12)
    np.testing.assert_allclose(th.grad_var[:-1] / th.grad_var[1:], (2 * b / (a + b))[1:],
                               rtol=1e-12)
    # the simulation shows the same drifts (theory agreement for these is in COMBOS)
    sims = _sims("linear", "xavier_normal", n_in, n_out)
    _agree(th.pre_var, [s.pre_var for s in sims], np.zeros(DEPTH))
    _agree(th.grad_var, [s.grad_var for s in sims], np.zeros(DEPTH))


def test_constant_init_never_breaks_symmetry():
    sm = P.simulate("tanh", "constant", 64, 64, 5, batch=32, seed=0, hist_layers=(5,))
    x5 = sm.act_samples[5].reshape(32, 64)
    # every unit of a row is the same number (up to the float32 rounding of the sums,
    # which BLAS adds in a different order for different columns)
    assert np.abs(x5 - x5[:, :1]).max() <= 1e-6 * np.abs(x5).max()
    assert x5[:, 0].std() > 0.1 * np.abs(x5).max()  # while the rows (inputs) differ
    assert sm.note == "constant" and "симметрия" in text.profile_messages(sm)[-1]
    th = P.theory("tanh", "constant", 64, 64, 5)
    assert th.note == sm.note


# -------------------------------------------------------------------- breakdowns

BIG = Scheme("big", "N(0, 100/n_in)", "normal", lambda fi, fo: 100.0 / fi)
TINY = Scheme("tiny", "N(0, 0.01/n_in)", "normal", lambda fi, fo: 0.01 / fi)


def _is_russian(s):
    return any("а" <= ch.lower() <= "я" or ch in "ёЁ" for ch in s)


def _no_warnings(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kw)


def test_forward_overflow_is_reported_not_raised():
    # q_l = 100^l: the theory passes F32_MAX² ≈ 1.16e77 at l = 39 (100^38 = 1e76)
    th = _no_warnings(P.theory, "linear", BIG, 64, 64, 60)
    assert th.forward_break.kind == "overflow" and th.forward_break.layer == 39
    sm = _no_warnings(P.simulate, "linear", BIG, 64, 64, 60, batch=64)
    # one value of many exceeds float32 a little before √(E z²) does
    assert sm.forward_break.kind == "overflow" and sm.forward_break.layer in (37, 38, 39)
    for prof in (th, sm):
        b = prof.forward_break
        assert np.isnan(prof.pre_var[b.layer - 1:]).all()
        assert np.isfinite(prof.pre_var[:b.layer - 1]).all()
        assert np.isnan(prof.grad_var).all() and prof.backward_break is None
        assert text.breakdown_message(b) == f"Сигнал переполнил диапазон float32 на слое {b.layer}"
        msgs = text.profile_messages(prof)
        assert msgs[0] == text.breakdown_message(b) and _is_russian(msgs[1])


def test_forward_underflow_is_reported():
    # q_l = 0.01^l < F32_TINY² ≈ 1.39e-76 first at l = 38
    th = _no_warnings(P.theory, "linear", TINY, 64, 64, 60)
    sm = _no_warnings(P.simulate, "linear", TINY, 64, 64, 60, batch=64)
    assert th.forward_break.kind == "underflow" and th.forward_break.layer == 38
    assert sm.forward_break.kind == "underflow" and abs(sm.forward_break.layer - 38) <= 1
    msg = text.breakdown_message(th.forward_break)
    assert "исчез" in msg and "на слое 38" in msg


def test_backward_underflow_sigmoid_seed_uniform():
    """Sigmoid with the seed's U[±1/√n]: the gradient loses ≈ 3·16 = 48 per layer."""
    th = _no_warnings(P.theory, "sigmoid", "seed_uniform", WIDTH, WIDTH, 100)
    sm = _no_warnings(P.simulate, "sigmoid", "seed_uniform", WIDTH, WIDTH, 100, batch=64)
    assert th.forward_break is None and sm.forward_break is None
    for prof in (th, sm):
        b = prof.backward_break
        assert b.kind == "underflow" and b.direction == "backward"
        assert text.breakdown_message(b) == f"Градиент исчез: ушёл ниже диапазона float32 на слое {b.layer}"
        assert np.isnan(prof.grad_var[:b.layer]).all()
        assert np.isfinite(prof.grad_var[b.layer:]).all()
        assert np.isfinite(prof.pre_var).all()
    assert abs(th.backward_break.layer - sm.backward_break.layer) <= 1
    # the theory breaks at the first layer (from the top) where Var δ < F32_TINY²: the
    # layer above is still in range, one more steady-state factor would leave it
    b = th.backward_break.layer
    above, factor = th.grad_var[b], th.grad_var[b] / th.grad_var[b + 1]
    assert above >= P.F32_TINY ** 2 > above * factor


def test_zero_weights_report_exact_zero():
    for prof in (P.theory("tanh", "zeros", 32, 32, 5), P.simulate("tanh", "zeros", 32, 32, 5)):
        assert prof.forward_break.kind == "zero" and prof.forward_break.layer == 1
        assert text.breakdown_message(prof.forward_break) == "Сигнал обратился в точный ноль на слое 1"
        assert np.isnan(prof.pre_var).all()


@pytest.mark.parametrize("depth", [8, 10, 30])
def test_precision_loss_reports_the_first_layer(depth):
    """Sigmoid with constant weights: z_l = σ(z_{l−1}) contracts to the fixed point, the
    spread between inputs falls below float32's resolution at layer 8 — reported at the
    FIRST such layer whatever the depth (it used to be overwritten by the last one)."""
    th = P.theory("sigmoid", "constant", WIDTH, WIDTH, depth)
    sm = P.simulate("sigmoid", "constant", WIDTH, WIDTH, depth)
    assert th.forward_break.kind == sm.forward_break.kind == "precision"
    assert th.forward_break.layer == 8 and abs(sm.forward_break.layer - 8) <= 1
    assert "потерял различия" in text.breakdown_message(th.forward_break)
    # the backward pass is still computed (precision loss is not a loss of the signal)
    assert np.isfinite(th.grad_var).all() and np.isfinite(sm.grad_var).all()
    # std/|mean| of the theory decays by the sigmoid's slope at its fixed point ≈ 0.22
    rel = np.sqrt(th.pre_var[1:7]) / np.abs(th.pre_mean[1:7])
    assert np.all(np.diff(np.log(rel)) < np.log(0.25))


EXTREMES = [("sigmoid", "constant", 8, 1024), ("softplus", "constant", 1024, 8),
            ("tanh", "seed_uniform", 8, 1024), ("relu", BIG, 1024, 8),
            ("leaky_relu", TINY, 8, 1024), ("linear", "zeros", 1024, 8),
            ("sigmoid", "he_normal", 1024, 8)]


@pytest.mark.parametrize("act,scheme,n_in,n_out", EXTREMES)
def test_no_warning_and_no_exception_in_extremes(act, scheme, n_in, n_out):
    th = _no_warnings(P.theory, act, scheme, n_in, n_out, 100)
    sm = _no_warnings(P.simulate, act, scheme, n_in, n_out, 100, batch=64, hist_layers=())
    for prof in (th, sm):
        # finite numbers up to the breakdown, NaN after it, never inf
        assert not np.isinf(prof.pre_var).any() and not np.isinf(prof.grad_var).any()
        assert all(_is_russian(m) for m in text.profile_messages(prof))


# ---------------------------------------------------------------- determinism, API

def test_same_seed_same_result():
    a = P.simulate("tanh", "xavier_uniform", 128, 64, 7, batch=256, seed=3)
    P._CACHE.clear()
    P._WORKSPACE.clear()
    b = P.simulate("tanh", "xavier_uniform", 128, 64, 7, batch=256, seed=3)
    for name in ("pre_var", "pre_mean", "act_var", "act_mean", "grad_var"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    assert a.act_samples.keys() == b.act_samples.keys()
    for k in a.act_samples:
        assert np.array_equal(a.act_samples[k], b.act_samples[k])
        assert np.array_equal(a.grad_samples[k], b.grad_samples[k])
    c = P.simulate("tanh", "xavier_uniform", 128, 64, 7, batch=256, seed=4)
    assert not np.array_equal(a.pre_var, c.pre_var)
    # the theory is a pure function
    t1, t2 = P.theory("tanh", "he_normal", 100, 50, 6), P.theory("tanh", "he_normal", 100, 50, 6)
    assert np.array_equal(t1.pre_var, t2.pre_var) and np.array_equal(t1.grad_var, t2.grad_var)


@pytest.mark.parametrize("act", ["tanh", "relu", "leaky_relu", "sigmoid", "softplus",
                                 "linear"])
def test_derivative_from_activations_equals_derivative_from_preactivations(act):
    """The fast path (f' from the stored x_l, in place) gives the backward pass of the
    path that keeps z_l (an activation without ``mul_dfy``): bit for bit where f' is a
    function of f (tanh, ReLU, leaky ReLU, linear), to float32 rounding otherwise."""
    import dataclasses

    from initlab.numerics.activations import get_activation
    a = get_activation(act)
    slow = dataclasses.replace(a, mul_dfy=None)
    fast = P.simulate(a, "xavier_normal", 96, 48, 9, batch=64, seed=5)
    ref = P.simulate(slow, "xavier_normal", 96, 48, 9, batch=64, seed=5)
    for name in ("pre_var", "pre_mean", "act_var", "act_mean"):
        assert np.array_equal(getattr(fast, name), getattr(ref, name))
    assert fast.act_samples.keys() == ref.act_samples.keys()
    if act in ("tanh", "relu", "leaky_relu", "linear"):
        assert np.array_equal(fast.grad_var, ref.grad_var)
        for k in ref.grad_samples:
            assert np.array_equal(fast.grad_samples[k], ref.grad_samples[k])
    else:
        np.testing.assert_allclose(fast.grad_var, ref.grad_var, rtol=1e-5)


def test_weights_do_not_depend_on_depth_or_activation_call_order():
    a = P.simulate("linear", "lecun_normal", 64, 64, 5, batch=128, seed=1)
    P.simulate("relu", "he_normal", 64, 64, 9, batch=128, seed=1)
    b = P.simulate("linear", "lecun_normal", 64, 64, 9, batch=128, seed=1)
    np.testing.assert_allclose(a.pre_var, b.pre_var[:5], rtol=1e-6)


def test_samples_and_statistics_are_consistent():
    sm = P.simulate("relu", "he_normal", 128, 128, 6, batch=256, seed=2, hist_layers=(1, 6))
    assert set(sm.act_samples) == {1, 6} and set(sm.grad_samples) == {1, 6}
    for lay in (1, 6):
        x = sm.act_samples[lay].astype(np.float64)
        assert x.size == 256 * 128
        assert x.var() == pytest.approx(sm.act_var[lay - 1], rel=1e-4)
        assert x.mean() == pytest.approx(sm.act_mean[lay - 1], rel=1e-4)
        assert sm.grad_samples[lay].astype(np.float64).var() == pytest.approx(
            sm.grad_var[lay - 1], rel=1e-4)
    # a ReLU layer outputs exactly 0 with probability 1/2 (6д, inputs ≠ 0); the N
    # indicators are weakly correlated (shared rows of x and columns of W, correlation
    # ~ 1/√128 with random signs): the binomial se is inflated by a design effect ≤ 2
    zeros = np.mean(sm.act_samples[1] == 0)
    assert abs(zeros - 0.5) < 5 * 2 * np.sqrt(0.25 / (256 * 128))
    assert sm.batch == 256 and sm.seed == 2 and sm.source == "simulation"


def test_layer_widths_and_hist_layers():
    w = P.layer_widths(256, 32, 3)
    np.testing.assert_array_equal(w, [256, 128, 64, 32])
    np.testing.assert_array_equal(P.layer_widths(64, 64, 4), [64] * 5)
    with pytest.raises(ValueError):
        P.layer_widths(0, 3, 3)
    assert P.default_hist_layers(30) == (1, 8, 16, 23, 30)
    assert P.default_hist_layers(2) == (1, 2)
    assert P.default_hist_layers(1) == (1,)


# ------------------------------------------- cheap exact sampling at large widths

def _paths(monkeypatch, conditional: bool):
    """Force the Gaussian layers to be sampled with (True) or without (False) the matrix."""
    monkeypatch.setattr(P, "_CONDITIONAL", 4 if conditional else 10**12)


@pytest.mark.parametrize("scheme,conditional,tiny_cache", [
    ("he_normal", True, False), ("he_normal", False, False), ("xavier_uniform", False, False),
    ("xavier_uniform", False, True), ("pm1", False, False), ("pm1", False, True)])
def test_backward_uses_the_same_weights_as_forward(monkeypatch, scheme, conditional,
                                                   tiny_cache):
    """In a linear network δ_l = δ_{l+1} W_{l+1}ᵀ and z_{l+1} = z_l W_{l+1}, so
    ⟨z_l, δ_l⟩ = ⟨z_{l+1}, δ_{l+1}⟩ for every realisation: the Frobenius product is the same
    at every layer exactly when the backward pass multiplies by the forward pass's weights
    (fresh weights in the backward pass would change it by about ‖z‖‖δ‖/√(B n), far above
    the float32 tolerance). Width 300: the compact weights are expanded in two blocks;
    ``tiny_cache``: no weights kept, every layer drawn again in the backward pass."""
    _paths(monkeypatch, conditional)
    if tiny_cache:
        monkeypatch.setattr(P, "_CACHE_BYTES", 1)
    P._CACHE.clear()
    depth = 4
    sm = P.simulate("linear", scheme, 300, 300, depth, batch=8, seed=7,
                    hist_layers=range(1, depth + 1))
    dots = [float(np.dot(sm.act_samples[k].astype(np.float64),
                         sm.grad_samples[k].astype(np.float64))) for k in range(1, depth + 1)]
    scale = max(np.linalg.norm(sm.act_samples[k]) * np.linalg.norm(sm.grad_samples[k])
                for k in range(1, depth + 1))
    np.testing.assert_allclose(dots, dots[-1], atol=1e-5 * scale)
    assert abs(dots[-1]) > 1e-3 * scale          # not trivially zero
    P._CACHE.clear()


class _ScaledNormals:
    """A generator whose standard normals are multiplied by ``factor`` (a wrong variance)."""

    def __init__(self, rng, factor):
        self.rng, self.factor = rng, factor

    def standard_normal(self, *args, **kwargs):
        return self.rng.standard_normal(*args, **kwargs) * self.factor


def _perturb_stream(monkeypatch, stream, variance_factor):
    """Scale the normals of stream (``stream``, l) — 2: G (forward), 3: E P (backward)."""
    real = P._rng

    def rng(seed, *key):
        g = real(seed, *key)
        return _ScaledNormals(g, np.sqrt(variance_factor)) if key[0] == stream else g
    monkeypatch.setattr(P, "_rng", rng)


def test_gaussian_layers_without_the_matrix_have_the_law_of_the_matrix(monkeypatch):
    """Sampling z = x W and δ Wᵀ without W (``_GaussianLayer``) gives the law of the network
    with W drawn: over 300 networks per path the mean and the spread of log Var z_L and of
    log Var δ_1 agree within 5 standard errors of the difference (tanh, He, width 64,
    batch 4: finite width makes both quantities fluctuate from network to network). The
    standard errors treat the two paths as independent (they share x_0 and r: conservative).
    Power: a weight variance 5 % too large in the forward part alone (G), or in the
    backward part alone (E), shifts the corresponding mean by more than 5 of them. (A
    backward pass with fresh G keeps this law; the Frobenius test above catches it.)"""
    def stats(conditional):
        _paths(monkeypatch, conditional)
        P._CACHE.clear()
        runs = [P.simulate("tanh", "he_normal", 64, 48, 6, batch=4, seed=s, hist_layers=())
                for s in range(300)]
        return (np.log([r.pre_var[-1] for r in runs]), np.log([r.grad_var[0] for r in runs]))

    def se_of_difference(a, b):
        return np.hypot(a.std(ddof=1), b.std(ddof=1)) / np.sqrt(len(a))

    cond, dense = stats(True), stats(False)
    for a, b in zip(cond, dense, strict=True):
        n = len(a)
        assert abs(a.mean() - b.mean()) < 5 * se_of_difference(a, b)
        se_sd = np.hypot(a.std(ddof=1), b.std(ddof=1)) / np.sqrt(2 * (n - 1))
        assert abs(a.std(ddof=1) - b.std(ddof=1)) < 5 * se_sd
    for stream, which in ((2, 0), (3, 1)):       # forward → log Var z_L, backward → δ_1
        with monkeypatch.context() as m:
            _perturb_stream(m, stream, 1.05)
            wrong = stats(True)[which]
        assert abs(wrong.mean() - dense[which].mean()) > 5 * se_of_difference(wrong,
                                                                              dense[which])


def test_which_layers_are_sampled_without_the_matrix():
    """Wide layers and a small batch: without the matrix; the defaults keep the matrix."""
    def kinds(scheme, n, depth, batch):
        from initlab.numerics.schemes import get_scheme
        w = P.layer_widths(n, n, depth)
        work = P._workspace(batch, w, np.dtype(np.float32), 2)
        return {type(layer).__name__ for layer in
                P._layers(get_scheme(scheme), w, batch, 0, np.dtype(np.float32), work)}
    assert kinds("he_normal", 1024, 3, 11) == {"_GaussianLayer"}
    assert kinds("he_normal", 256, 3, 512) == {"_DenseLayer"}          # explorer defaults
    assert kinds("seed_uniform", 1024, 3, 11) == {"_DenseLayer"}       # not Gaussian
    assert kinds("small", 1024, 3, 11) == {"_GaussianLayer"}           # custom, normal law

    def layer(n_in, n_out, batch):          # the rule at its boundary, n_in ≠ n_out too
        from initlab.numerics.schemes import get_scheme
        w = np.array([n_in, n_out])
        work = P._workspace(batch, w, np.dtype(np.float32), 2)
        return type(P._layers(get_scheme("he_normal"), w, batch, 0, np.dtype(np.float32),
                              work)[0]).__name__
    # 4 · B · (n_in + n_out) ≤ n_in · n_out
    assert layer(64, 64, 8) == "_GaussianLayer" and layer(64, 64, 9) == "_DenseLayer"
    assert layer(96, 32, 6) == "_GaussianLayer" and layer(96, 32, 7) == "_DenseLayer"


@pytest.mark.parametrize("scheme", ["seed_uniform", "xavier_uniform", "u11", "pm1"])
def test_compact_weights_have_the_scheme_law_and_expand_blockwise(scheme):
    """Uniform laws: the 2¹⁶ midpoints of equal cells of [−a, a] (mean 0, variance
    a²/3·(1 − 2⁻³²)); the sign law: ±c. The block-wise forward and backward products
    equal the products with the whole expanded matrix (float32 rounding)."""
    from initlab.numerics.schemes import get_scheme
    s = get_scheme(scheme)
    fan_in, fan_out = 300, 261      # blocks of 248 rows: a last partial block, and block
    # sizes in bits (248 · 261, 52 · 261) that are not whole bytes
    work = P._workspace(5, np.array([fan_in, fan_out]), np.dtype(np.float32), 2)
    layer = P._DenseLayer(s, fan_in, fan_out, 3, 1, np.dtype(np.float32), True, work)
    blocks = [(rows, w.copy()) for rows, w in layer._blocks()]
    assert len(blocks) > 1
    W = np.concatenate([w for _, w in blocks]).astype(np.float64) * float(layer.scale)
    assert W.shape == (fan_in, fan_out)
    var = s.variance(fan_in, fan_out)
    if s.law == "sign":
        assert set(np.unique(W)) == {-np.sqrt(var), np.sqrt(var)}
    else:
        a = s.bound(fan_in, fan_out)
        k = (W / a + 1) * P._GRID / 2 - 0.5            # the grid index, an integer
        np.testing.assert_allclose(k, np.round(k), atol=1e-2)
        assert 0 <= np.round(k).min() and np.round(k).max() <= P._GRID - 1
    m = W.size                                  # mean and variance within 5 se
    assert abs(W.mean()) < 5 * np.sqrt(var / m)
    kurtosis = 9 / 5 if s.law == "uniform" else 1.0          # E w⁴ / (E w²)²
    assert abs(np.mean(W**2) / var - 1) < 5 * np.sqrt((kurtosis - 1) / m) + 1e-9
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, fan_in)).astype(np.float32)
    d = rng.standard_normal((5, fan_out)).astype(np.float32)
    np.testing.assert_allclose(layer.forward(x, np.empty((5, fan_out), np.float32)),
                               x @ W, rtol=1e-4, atol=1e-4 * np.abs(x @ W).max())
    np.testing.assert_allclose(layer.backward(d, np.empty((5, fan_in), np.float32)),
                               d @ W.T, rtol=1e-4, atol=1e-4 * np.abs(d @ W.T).max())


def test_the_uniform_grid_variance_is_a_squared_over_three_times_one_minus_two_to_minus_32():
    """The book: «равномерные веса принимают 2¹⁶ равноотстоящих значений на [−a, a]; их
    дисперсия меньше a²/3 лишь в 1 − 2⁻³² раз» — the midpoints a((2k + 1)/N − 1),
    k = 0…N − 1, N = 2¹⁶, have mean 0 and variance a²/3 · (1 − 1/N²), exactly."""
    from fractions import Fraction
    N = P._GRID
    assert N == 2**16
    k = np.arange(N, dtype=np.float64)
    v = (2 * k + 1) / N - 1                      # a = 1
    assert v.min() > -1 and v.max() < 1 and abs(v.mean()) < 1e-15
    exact = Fraction(sum((2 * i + 1 - N) ** 2 for i in range(N)), N**3)   # Σ v² / N
    assert exact == Fraction(1, 3) * (1 - Fraction(1, N**2))
    assert np.mean(v**2) == pytest.approx(float(exact), rel=1e-12)
