"""The numbers printed in chapter 6 (book/problems/06_init.ipynb) and on the errata page.

Each test names the sentence of the chapter it proves. Exact values are compared exactly
(up to float rounding); Monte Carlo estimates with a tolerance of 5 standard errors,
where the standard error is derived in the test.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from initlab import text
from initlab.numerics import activations as act
from initlab.numerics import propagate
from initlab.numerics import schemes as init


def test_seed_uniform_variance_and_ratio():
    """(а) Var U[±1/√n] = 1/(3n), the per-layer ratio n·Var(w) = 1/3, 3^-30 ≈ 5·10^-15."""
    for n in (10, 256, 1000):
        a = 1 / math.sqrt(n)
        assert init.uniform_variance(a) == pytest.approx(1 / (3 * n), rel=1e-12)
        assert n * init.uniform_variance(a) == pytest.approx(1 / 3, rel=1e-12)
    th = propagate.theory("linear", "seed_uniform", 256, 256, 30)
    assert th.pre_var == pytest.approx(3.0 ** -np.arange(1, 31), rel=1e-9)
    assert 4.5e-15 < th.pre_var[-1] < 5.5e-15


def test_one_layer_simulation_ratio():
    """(а) «моделирование слоя ширины 256 на 4096 наблюдениях даёт ≈ 0,335 (стандартная
    ошибка ≈ 0,0013)».

    The pooled estimate is (1/(B·m)) Σ_bj h_bj², h_bj = x_b·w_j (n = m = 256 inputs and
    units, B = 4096 rows). Its relative standard deviation has two parts: the weights,
    Σ w² over n·m uniform entries, relative sd sqrt((E w⁴/(E w²)² − 1)/(n m)) =
    sqrt(0.8/65536) ≈ 0.0035 (uniform: E w⁴/(E w²)² = 9/5); and the data: given W, one row
    gives ‖x W‖² with relative variance 2 tr((WWᵀ)²)/tr(WWᵀ)² ≈ 2 (n + m + 1)/(n m) (the
    units of a row share x), over B rows ≈ 0.0020. Together ≈ 0.0040 relative, 0.0013 of
    1/3; 5 standard errors = 2 %.
    """
    one = propagate.simulate("linear", "seed_uniform", 256, 256, depth=1, batch=4096, seed=0)
    n = m = 256
    rel = math.hypot(math.sqrt(0.8 / (n * m)), math.sqrt(2 * (n + m + 1) / (n * m) / 4096))
    se = rel / 3
    assert abs(one.pre_var[0] - 1 / 3) < 5 * se
    # the figures quoted on the errata page
    assert f"{one.pre_var[0]:.3f}" == "0.335" and f"{se:.4f}" == "0.0013"


def test_fixed_uniform_and_normal_keep_the_variance():
    """(б), (в): a = √(3/n) and σ² = 1/n give n·Var(w) = 1 and a flat linear profile."""
    n = 256
    assert n * init.uniform_variance(math.sqrt(3 / n)) == pytest.approx(1.0, rel=1e-12)
    for scheme in ("uniform_fixed", "lecun_normal"):
        th = propagate.theory("linear", scheme, n, n, 30)
        assert th.pre_var == pytest.approx(np.ones(30), rel=1e-9)
        assert th.grad_var == pytest.approx(np.ones(30), rel=1e-9)


def _narrowing_products(widths):
    """Exact per-layer products of the forward and backward factors for a linear net."""
    n = np.asarray(widths, float)
    fwd_lecun = np.prod(n[:-1] * (1 / n[:-1]))
    bwd_lecun = np.prod(n[2:] / n[1:-1])           # δ_1: layers 2..L, factor n_l σ_l², σ_l² = 1/n_{l-1}
    s2 = 2 / (n[:-1] + n[1:])                      # Xavier variance of layer l = 1..L
    fwd_xavier = np.prod(n[:-1] * s2)
    bwd_xavier = np.prod(n[2:] * s2[1:])
    return fwd_lecun, bwd_lecun, fwd_xavier, bwd_xavier


def test_xavier_splits_the_mismatch():
    """(г) A 30-layer linear net narrowing from 256 to 32: LeCun keeps the signal and
    shrinks the gradient at layer 1 about 239/32 ≈ 7.5 times; Xavier grows the signal
    ≈ 2.78 times and shrinks the gradient ≈ 2.78 times (≈ √(n₀/n_L) = √8, not √7.5 = 2.74)."""
    lec = propagate.theory("linear", "lecun_normal", 256, 32, 30)
    xav = propagate.theory("linear", "xavier_normal", 256, 32, 30)
    f_l, b_l, f_x, b_x = _narrowing_products(lec.widths)
    assert lec.widths[0] == 256 and lec.widths[1] == 239 and lec.widths[-1] == 32
    assert lec.pre_var[-1] == pytest.approx(f_l, rel=1e-9) and f_l == pytest.approx(1.0)
    assert lec.grad_var[0] == pytest.approx(b_l, rel=1e-9) == pytest.approx(32 / 239, rel=1e-9)
    assert 1 / lec.grad_var[0] == pytest.approx(7.5, abs=0.05)
    assert xav.pre_var[-1] == pytest.approx(f_x, rel=1e-9)
    assert xav.grad_var[0] == pytest.approx(b_x, rel=1e-9)
    assert f"{xav.pre_var[-1]:.2f}" == "2.78"
    assert 1 / xav.grad_var[0] == pytest.approx(2.78, abs=0.1)
    assert xav.pre_var[-1] == pytest.approx(math.sqrt(256 / 32), rel=0.02)
    assert f"{math.sqrt(256 / 32):.1f}" == f"{xav.pre_var[-1]:.1f}" == "2.8"
    assert f"{math.sqrt(7.5):.1f}" == "2.7"  # the old «2,8 ≈ √7,5» did not round to 2,8


@pytest.mark.parametrize("inputs", ["normal", "uniform", "relu"])
def test_relu_zero_probability_mc(inputs):
    """(д) P(ReLU output = 0) = 1/2 for any input ≠ 0 independent of the weights, and
    p + (1 − p)/2 when the input is the zero vector with probability p (ReLU inputs:
    p = 2^-10). Binomial standard error sqrt(P(1 − P)/trials)."""
    rng = np.random.default_rng(0)
    trials = 200_000
    p0 = 0.5 ** 10 if inputs == "relu" else 0.0
    truth = act.relu_zero_probability(p_inputs_zero=p0)
    est = act.relu_zero_probability_mc(rng, n_inputs=10, trials=trials, inputs=inputs)
    assert abs(est - truth) < 5 * math.sqrt(truth * (1 - truth) / trials)


def test_relu_dead_probability():
    """(д) P(dead for every x ≥ 0) = 2^-10 = 1/1024 ≈ 0,001; Monte Carlo at 10^6 neurons."""
    assert act.relu_dead_probability(10) == 1 / 1024
    rng = np.random.default_rng(1)
    trials = 1_000_000
    est = act.relu_dead_probability_mc(rng, n_inputs=10, trials=trials)
    p = 1 / 1024
    assert abs(est - p) < 5 * math.sqrt(p * (1 - p) / trials)


def test_relu_halves_the_second_moment_not_the_variance():
    """(е) E relu(z)² = q/2, Var relu(z) = (π − 1)/(2π)·q ≈ 0,34·q; leaky: (1 + α²)q/2."""
    relu = act.get_activation("relu")
    for q in (0.5, 1.0, 4.0):
        m2 = float(act.gauss_expectation(lambda z: relu.f(z) ** 2, q))
        m1 = float(act.gauss_expectation(relu.f, q))
        assert m2 == pytest.approx(q / 2, rel=1e-9)
        # the quadrature of E relu(z) (a kink at 0) is accurate to ~1e-6
        assert m2 - m1**2 == pytest.approx((math.pi - 1) / (2 * math.pi) * q, rel=1e-5)
        for alpha in (0.01, 0.2, 1.0):
            leaky = act.leaky_relu(alpha)
            m2l = float(act.gauss_expectation(lambda z, f=leaky.f: f(z) ** 2, q))
            assert m2l == pytest.approx((1 + alpha**2) * q / 2, rel=1e-9)
    assert (math.pi - 1) / (2 * math.pi) == pytest.approx(0.34, abs=0.005)
    # Monte Carlo of the variance claim: sd of relu(z)² for z ~ N(0,1) is sqrt(E z⁴/2 − 1/4)
    rng = np.random.default_rng(2)
    z = rng.standard_normal(1_000_000)
    x = np.maximum(z, 0)
    se = math.sqrt(3 / 2 - 1 / 4) / math.sqrt(z.size)
    assert abs(np.mean(x**2) - 0.5) < 5 * se


def test_he_keeps_relu_and_xavier_halves_it():
    """(е) ReLU + Xavier (equal widths): Var z_30 = 2^-29 ≈ 5·10^8 times smaller than at
    layer 1; ReLU + He: the forward and backward profiles are constant."""
    xav = propagate.theory("relu", "xavier_normal", 256, 256, 30)
    assert xav.pre_var == pytest.approx(2.0 ** -np.arange(0, 30), rel=1e-9)
    assert 5e8 < 2.0**29 < 5.5e8
    he = propagate.theory("relu", "he_normal", 256, 256, 30)
    assert he.pre_var == pytest.approx(np.full(30, 2.0), rel=1e-9)
    assert he.grad_var == pytest.approx(np.ones(30), rel=1e-9)


def test_tanh_histogram_claims():
    """«к 30-му слою дисперсия порядка 10^-2, а не 10^-15» (tanh: Xavier vs the seed)."""
    xav = propagate.theory("tanh", "xavier_normal", 256, 256, 30)
    seed = propagate.theory("tanh", "seed_uniform", 256, 256, 30)
    assert 1e-2 <= xav.act_var[-1] < 1e-1
    assert 1e-15 <= seed.act_var[-1] < 1e-14
    sim = propagate.simulate("tanh", "xavier_normal", 256, 256, 30, batch=512, seed=0)
    assert 1e-2 <= sim.act_var[-1] < 1e-1


def test_standard_normal_overflows_at_layer_32():
    """«N(0, 1) … дисперсия растёт в 256 раз на каждом слое. Уже на 32-м слое она превышает
    10^77, а значения — наибольшее число формата float32»: the breakdown is reported, in
    Russian, at layer 32 by both the theory and the simulation; nothing raises."""
    th = propagate.theory("linear", "standard_normal", 256, 256, 50)
    sim = propagate.simulate("linear", "standard_normal", 256, 256, 50, seed=0)
    assert th.pre_var[:31] == pytest.approx(256.0 ** np.arange(1, 32), rel=1e-9)
    assert 256.0**32 > 1e77 and math.sqrt(256.0**32) > float(np.finfo(np.float32).max)
    assert math.sqrt(256.0**31) < float(np.finfo(np.float32).max)
    for prof in (th, sim):
        assert prof.forward_break is not None
        assert prof.forward_break.layer == 32 and prof.forward_break.kind == "overflow"
        assert "на слое 32" in text.profile_messages(prof)[0]


def test_he_relu_line_sits_at_two_and_ten_networks_scatter_around_it():
    """(е), after the He/ReLU plot: «линия сигнала для Хе стоит на уровне 2, а не 1: на первый
    слой приходит вход x ~ N(0, 1), не прошедший через ReLU … Градиент на выходе сети имеет
    дисперсию 1, и она тоже сохраняется»; for the ten networks (seeds 0–9, 30 layers, width
    256): «сигнал на 30-м слое различается в несколько раз, но среднее по сетям близко к
    теории. Градиент у первого слоя разбросан меньше». The mean over networks is compared
    with the theory within 5 standard errors (se = sample sd/√10)."""
    th = propagate.theory("relu", "he_normal", 256, 256, 30)
    assert th.pre_var[0] == pytest.approx(256 * (2 / 256) * 1.0)
    assert np.allclose(th.pre_var, 2.0) and np.allclose(th.grad_var, 1.0)
    nets = [propagate.simulate("relu", "he_normal", 256, 256, depth=30, seed=s) for s in range(10)]
    fwd = np.array([n.pre_var[-1] for n in nets])
    bwd = np.array([n.grad_var[0] for n in nets])
    assert fwd.max() / fwd.min() > 3
    assert abs(fwd.mean() - 2) < 5 * fwd.std(ddof=1) / math.sqrt(10)
    assert abs(bwd.mean() - 1) < 5 * bwd.std(ddof=1) / math.sqrt(10)
    assert bwd.max() / bwd.min() < fwd.max() / fwd.min()


def _tanh_gradient_ratio(seed: int, g: float = 5 / 3, n: int = 256, depth: int = 30,
                         batch: int = 256) -> float:
    """Var ∂L/∂z₁ ÷ Var ∂L/∂z_depth in a tanh net with N(0, g²/n) weights, x ~ N(0, I),
    ∂L/∂z_depth ~ N(0, I) independent of the net (plain numpy, independent of the package)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, n))
    weights, pre = [], []
    for _ in range(depth):
        w = rng.normal(0, g / math.sqrt(n), (n, n))
        z = x @ w
        weights.append(w)
        pre.append(z)
        x = np.tanh(z)
    d = rng.standard_normal((batch, n))
    top = d.var()
    for layer in range(depth - 1, 0, -1):
        d = (d @ weights[layer].T) * (1 - np.tanh(pre[layer - 1]) ** 2)
    return d.var() / top


def test_tanh_gain_five_thirds_is_chaotic():
    """(е): «с g = 5/3 прямой сигнал сохраняется: … q* ≈ 1,18. … множитель градиента на слой
    g² E sech⁴ z ≈ 1,21 > 1 при z ~ N(0, q*) … В сети tanh из 30 слоёв ширины 256 с g = 5/3
    дисперсия ∂L/∂z₁ больше дисперсии ∂L/∂z₃₀ более чем в 100 раз» (seeds 0, 1, 2; the
    mean-field product along the recursion from q₁ = g² is ≈ 200, 1,21²⁹ ≈ 250)."""
    g2 = (5 / 3) ** 2
    q = 1.0
    for _ in range(300):
        q = g2 * float(act.gauss_expectation(lambda z: np.tanh(z) ** 2, q))
    chi = g2 * float(act.gauss_expectation(lambda z: np.cosh(z) ** -4, q))
    assert f"{q:.2f}" == "1.18"
    assert f"{chi:.2f}" == "1.21"
    # g = 1 is not chaotic: the factor at its (zero) fixed point is 1, below 1 elsewhere
    assert float(act.gauss_expectation(lambda z: np.cosh(z) ** -4, 0.5)) < 1
    for seed in (0, 1, 2):
        assert _tanh_gradient_ratio(seed) > 100
    assert _tanh_gradient_ratio(0, g=1.0) < 100


def test_small_bias_still_trains_on_all_zero_inputs():
    """(д): a dead neuron (weights ≤ 0) with b = 0,01 on the all-zero input: z + b = b > 0,
    «∂L/∂b = ∂L/∂y ≠ 0 … оно продолжает обучаться», while ∂L/∂w_i ∝ x_i = 0.
    Squared loss L = (y − t)²/2 with target t = 1."""
    w, b, x, t = -np.abs(np.random.default_rng(0).standard_normal(10)), 0.01, np.zeros(10), 1.0
    z = w @ x + b
    y = max(z, 0.0)
    dy = y - t
    db = dy * (z > 0)
    dw = dy * (z > 0) * x
    assert z > 0 and db == pytest.approx(0.01 - 1.0) and not dw.any()
