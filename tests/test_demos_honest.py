"""The reworked lecture demos: each claim beside its baselines, over several seeds.

Tolerances come from standard errors (the spread over seeds or over test points), never from
a number copied from the output.
"""
import numpy as np
import pytest

from initlab import demos
from initlab.numerics import mlp as nn
from initlab.numerics import regularization as reg


def _se(v):
    v = np.asarray(v, float)
    return v.std(ddof=1) / np.sqrt(len(v))


# ----------------------------------------------------------------- lecture 05: dropout

@pytest.fixture(scope="module")
def dropout():
    return demos.dropout_demo(progress=False)          # exactly what lecture 05 runs


def test_dropout_setup():
    s = reg.DROPOUT_SETUP
    assert (s["n"], s["d"], s["noise"], s["width"], s["steps"], s["lr"], s["n_test"]) == (
        60, 4, 0.5, 64, 600, 3e-3, 1000)
    assert len(s["seeds"]) >= 3 and demos.DROPOUT_PS == (0.0, 0.5)
    # «около 4,5 тысячи параметров, в 75 раз больше, чем точек»
    P = nn.mlp_param_count([4, 64, 64, 1])
    assert P == 4 * 64 + 64 + 64 * 64 + 64 + 64 + 1 and 70 < P / s["n"] < 80


def test_dropout_target_moments_by_quadrature():
    # E f = 0, E f² = 1 − 2/π + 1/4, the best linear predictor x₂/2 leaves 1 − 2/π:
    # E|x₁| and E x₁² by quadrature on the half-line, Monte Carlo for f itself
    from scipy import integrate, stats
    e_abs = 2 * integrate.quad(lambda z: z * stats.norm.pdf(z), 0, np.inf)[0]
    assert e_abs == pytest.approx(reg.ABS_MEAN, rel=1e-9)
    X = np.random.default_rng(0).standard_normal((200_000, 4))
    f = reg.dropout_target(X)[:, 0]
    n = len(f)
    assert abs(f.mean()) < 5 * f.std() / np.sqrt(n)
    f2 = f ** 2
    assert abs(f2.mean() - (1 - 2 / np.pi + 0.25)) < 5 * f2.std() / np.sqrt(n)
    for i in range(4):                                   # residual uncorrelated with every x_i
        r = (f - 0.5 * X[:, 1]) * X[:, i]
        assert abs(r.mean()) < 5 * r.std() / np.sqrt(n)


def test_baselines_match_their_derivation(dropout):
    t = dropout.table
    zero_theory = 0.5 * (1 - 2 / np.pi + 0.25)
    assert abs(t["zero"].mean() - zero_theory) < 5 * _se(t["zero"])
    # least squares with p = 5 coefficients on n = 60 Gaussian inputs: the approximation error
    # 1 − 2/π plus the estimation error σ²·p/(n − p − 1), σ² the residual variance incl. noise
    s = reg.DROPOUT_SETUP
    sigma2 = 1 - 2 / np.pi + s["noise"] ** 2
    ls_theory = 0.5 * ((1 - 2 / np.pi) + sigma2 * 5 / (s["n"] - 5 - 1))
    assert abs(t["least_squares"].mean() - ls_theory) < 5 * _se(t["least_squares"])
    # least squares beats the constants in every seed: the linear part x₂/2 is learnable
    assert np.all(t["least_squares"] < t["zero"]) and np.all(t["least_squares"] < t["mean"])
    # the untrained (He) network is worse than answering 0
    assert np.all(t["untrained"] > t["zero"])


def test_regression_baselines_on_an_exact_linear_task():
    rng = np.random.default_rng(0)
    X, Xe = rng.standard_normal((30, 3)), rng.standard_normal((50, 3))
    f = lambda Z: Z @ np.array([[1.0], [-2.0], [0.5]]) + 3.0
    b = reg.regression_baselines(X, f(X), Xe, f(Xe))
    assert b["least_squares"] < 1e-25
    assert b["zero"] == pytest.approx(0.5 * np.mean(f(Xe) ** 2))
    assert b["mean"] == pytest.approx(0.5 * np.mean((f(Xe) - f(X).mean()) ** 2))


def test_dropout_generalises_better_over_seeds(dropout):
    t, k = dropout.table, len(dropout.seeds)
    plain, drop, ls = t["net", 0.0], t["net", 0.5], t["least_squares"]
    # the plain net memorises the noisy points ...
    assert all(dropout.all_runs[0.0, s]["train_full"] < 1e-3 for s in dropout.seeds)
    assert all(dropout.all_runs[0.5, s]["train_full"] > 1e-2 for s in dropout.seeds)
    # ... and is not clearly better than least squares: the paired difference is within 3 se
    diff = ls - plain
    assert abs(diff.mean()) < 3 * _se(diff)
    # dropout beats both in every seed, and the paired gain is many standard errors
    assert np.all(drop < plain) and np.all(drop < ls)
    gain = plain - drop
    assert gain.mean() > 3 * _se(gain)
    assert (ls - drop).mean() > 3 * _se(ls - drop)
    # «в среднем примерно вдвое»
    for other in (plain, ls):
        assert 1.5 < other.mean() / drop.mean() < 3.0
    text = dropout.summary()
    assert f"лучше сети без него в {k} из {k} зёрен, лучше метода наименьших квадратов в {k} из {k}" in text
    assert demos._mean_sd(drop) in text and demos._mean_sd(plain) in text
    # the figure's seed: the plain net was better early on and got worse while memorising
    first = dropout.runs[0.0]["test"]
    assert first[0] < first[-1]


def test_mc_dropout_is_stated_as_measured(dropout):
    t, k = dropout.table, len(dropout.seeds)
    mc, det = t["mc", 0.5], t["net", 0.5]
    wins = int((mc < det).sum())
    assert f"лучше одного прохода без него в {wins} из {k}" in dropout.summary()
    assert wins >= k - 1 and mc.mean() < det.mean()


def test_mc_average_converges_to_the_deterministic_pass_before_a_linear_layer():
    # one hidden layer: dropout acts right before the linear output, so E over masks of the
    # output is exactly the deterministic (inverted-dropout) output; MC within 5 se
    rng = np.random.default_rng(0)
    params = nn.init_mlp([3, 40, 1], rng, np.sqrt(2.0))
    X = rng.standard_normal((5, 3))
    det = reg.dropout_forward(params, X, 0.0, rng)
    passes = np.stack([reg.dropout_forward(params, X, 0.5, rng) for _ in range(4000)])
    se = passes.std(axis=0, ddof=1) / np.sqrt(len(passes))
    assert np.all(np.abs(passes.mean(axis=0) - det) < 5 * se)
    mc = reg.mc_dropout_predict(params, X, 0.5, 4000, np.random.default_rng(1))
    assert np.all(np.abs(mc - det) < 5 * se)
