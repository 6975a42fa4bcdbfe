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


# ----------------------------------------------------------------- lecture 04: transfer

@pytest.fixture(scope="module")
def transfer_seeds():
    transfer = demos.transfer_demo(progress=False)     # exactly what lecture 04 runs
    return transfer, demos.transfer_seeds_demo(transfer, progress=False)


def test_transfer_seed_zero_is_the_lecture_run(transfer_seeds):
    transfer, seeds = transfer_seeds
    assert seeds.seeds[0] == 0 and len(seeds.seeds) >= 3
    t = seeds.table
    assert t["head"][0] == transfer.finetune["test_head"]
    assert t["fine"][0] == transfer.finetune["test_fine"]
    assert t["scratch"][0] == transfer.scratch["test"]


def test_unfrozen_training_loses_the_transfer(transfer_seeds):
    _, seeds = transfer_seeds
    t, k = seeds.table, len(seeds.seeds)
    assert seeds.lrs == (1e-2, 1e-3)
    for lr in seeds.lrs:
        un = t["unfrozen", lr]
        # «в каждой из пяти задач больше, чем с заморозкой, в среднем в несколько раз»
        assert np.all(t["head"] < un) and un.mean() / t["head"].mean() > 3
        # «в пределах разброса такие же, как у сети, обученной с нуля»: paired, within 3 se
        diff = un - t["scratch"]
        assert abs(diff.mean()) < 3 * _se(diff)
        # the body moves by tens of per cent without freezing, a few per cent after it
        assert np.all(t["drift", lr] > 0.1)
    assert np.all(t["drift_fine"] < 0.1)
    assert f"в {k} из {k} задач" in seeds.summary()


def test_retarget_keeps_the_features():
    from initlab.numerics import transfer as tl
    t = tl.transfer_task(0, n_source=50)
    r = tl.retarget(t, 3)
    # «новые 30 обучающих и 2000 тестовых объектов»
    assert r["Xt"].shape == (30, 20) and r["Xe"].shape == (2000, 20)
    # «те же 300 + 300 = 600 шагов»: the unfrozen arm trains head_steps + fine_steps steps
    s = tl.TRANSFER_SETUP
    assert s["head_steps"] + s["fine_steps"] == 600
    src, task, _ = tl.transfer_pretrain(pre_steps=2, n_source=50)
    un = tl.transfer_unfrozen(src, task, 1e-2, head_steps=3, fine_steps=4)
    assert len(un["loss"]) == 7 and un["drift"] > 0
    assert np.array_equal(r["T"], t["T"]) and np.array_equal(r["Xs"], t["Xs"])
    # the new targets are a linear readout of the same features g(x) = tanh(x T)
    G = np.tanh(r["Xe"] @ t["T"])
    u = np.linalg.lstsq(G, r["Ye"], rcond=None)[0]
    assert np.abs(G @ u - r["Ye"]).max() < 1e-10
    assert not np.allclose(r["Ye"], np.tanh(r["Xe"] @ t["T"]) @ np.linalg.lstsq(
        np.tanh(t["Xe"] @ t["T"]), t["Ye"], rcond=None)[0])


# ----------------------------------------------------------------- lecture 04: ResNet pruning

@pytest.fixture(scope="module")
def resnet_seeds():
    return demos.resnet_seeds_demo([demos.resnet_demo(progress=False)], progress=False)


def test_resnet_fine_tuning_is_fair_and_penalty_free(resnet_seeds):
    from initlab.numerics import pruning
    assert pruning.RESNET_SETUP["tune_penalty"] == 0.0
    first = resnet_seeds.runs[0]
    assert "дообучение без группового штрафа" in first.summary()
    assert f"исходная сеть после тех же 200 шагов дообучения: {first.tuned_full:.4f}" in first.summary()
    # «в опыте выше, с первым зерном, 10 блоков немного лучше»
    assert first.tuned_full < first.tuned < 1.5 * first.tuned_full


def test_pruned_and_original_equal_after_equal_fine_tuning(resnet_seeds):
    t, m = resnet_seeds.table, len(resnet_seeds.runs)
    assert m >= 3
    # without fine-tuning, removing the three weakest blocks costs several times the loss
    assert np.all(t["pruned"] > 3 * t["original"])
    # fine-tuned, the pruned net beats the untuned original in every run ...
    assert np.all(t["pruned_tuned"] < t["original"])
    # ... but not the equally fine-tuned original: the paired difference is within 3 se
    diff = t["pruned_tuned"] - t["original_tuned"]
    assert abs(diff.mean()) < 3 * _se(diff)
    assert f"лучше исходной без дообучения в {m} из {m}" in resnet_seeds.summary()


# ----------------------------------------------------------------- lecture 02: gradient gain

@pytest.fixture(scope="module")
def gain():
    return demos.gradient_gain_demo()                  # exactly what lecture 02 runs


def test_gain_quadrature_against_closed_forms():
    from initlab.numerics import gradient_gain as gg
    # ReLU: E f′² = 1/2 and E f² = q/2 for every q, so the gain is s²/2 at every layer
    for s in (0.5, 1.0, np.sqrt(2), 3.0):
        np.testing.assert_allclose(gg.layer_gains("relu", s, 6), s ** 2 / 2, rtol=1e-12)
        q = gg.pre_activation_variances("relu", s, 6)
        np.testing.assert_allclose(q[1:] / q[:-1], s ** 2 / 2, rtol=1e-12)
    # tanh: E tanh′(z)² at small q is 1 − 2q + O(q²) (tanh′² = 1 − 2z² + …)
    q = 1e-4
    assert gg.gauss_mean(lambda z: (1 - np.tanh(z) ** 2) ** 2, q) == pytest.approx(1 - 2 * q, abs=1e-7)
    # Monte Carlo check of one tanh gain (5 se)
    z = np.sqrt(0.7) * np.random.default_rng(0).standard_normal(400_000)
    v = (1 - np.tanh(z) ** 2) ** 2
    assert abs(gg.gauss_mean(lambda t: (1 - np.tanh(t) ** 2) ** 2, 0.7) - v.mean()) < 5 * v.std() / np.sqrt(len(v))
    # the tanh gain depends on q, hence changes along the depth
    g = gg.layer_gains("tanh", 1.0, 20)
    assert g.max() - g.min() > 0.05


def test_gain_predicts_the_measured_ratios(gain):
    assert gain.depth == 20 and gain.width == 64
    for key, row in gain.rows.items():
        lg = np.log(row["measured"][:, 0])
        pred = np.log(row["predicted"][0])
        # within 5 standard errors of the mean over the random nets
        assert abs(lg.mean() - pred) < 5 * _se(lg), key
        # the norm bound is an upper bound, for every net
        assert np.all(row["bound"] >= row["measured"][:, 0]), key
    # the bound is below 1 (proves vanishing) only for the sigmoid and tanh at s = 0.5
    below = {k for k, r in gain.rows.items() if np.all(r["bound"] < 1)}
    assert below == {("sigmoid", 1.0), ("tanh", 0.5)}
    # «для tanh и ReLU при s = 1 она допускает рост в 3·10⁵ раз, а градиент затухает»
    for key in (("tanh", 1.0), ("relu", 1.0)):
        r = gain.rows[key]
        assert np.all((1e5 < r["bound"]) & (r["bound"] < 1e6)) and np.all(r["measured"][:, 0] < 1)
    # «от 10⁻¹² до 10²»
    preds = [r["predicted"][0] for r in gain.rows.values()]
    assert 1e-13 < min(preds) < 1e-11 and 1e2 < max(preds) < 1e3
    # He: the ReLU gain at s = √2 is exactly one
    assert gain.rows["relu", float(np.sqrt(2))]["gain"] == pytest.approx(1.0, rel=1e-12)


# ----------------------------------------------------------------- lecture 02: clipping starts

def test_clipping_over_random_starts_is_stated_as_counted():
    from initlab.numerics import clipping
    d = demos.clipping_starts_demo()                  # exactly what lecture 02 runs
    s = demos.CLIP_STARTS
    assert (s["n"], s["c"], s["lr"], s["steps"]) == (30, 2.0, 0.05, 80)
    # the counts recomputed from scratch, one start at a time with ``descend``
    rng = np.random.default_rng(s["seed"])
    starts = np.column_stack([rng.uniform(-1, 9, 30), rng.uniform(-6, 3, 30)])
    ends = {clip: np.array([clipping.cliff_loss(*clipping.descend(st, 0.05, 80, clip, 2.0)[-1])[0]
                            for st in starts]) for clip in (None, "global", "local")}
    for clip, loss in ends.items():
        np.testing.assert_allclose(loss, d.loss[clip], rtol=1e-9, atol=1e-12)
    g, loc = ends["global"], ends["local"]
    tie = np.abs(g - loc) <= s["atol"] + s["rtol"] * np.maximum(g, loc)
    assert d.g_wins == np.sum((g < loc) & ~tie) and d.l_wins == np.sum((loc < g) & ~tie)
    # «глобальная и локальная обрезка кончают ниже друг друга одинаково часто»
    assert d.g_wins == d.l_wins > 0 and tie.sum() > 0
    # «спуск без обрезки ни разу не кончил выше, чем с глобальной обрезкой»
    assert d.none_worse == 0 and d.long_none > 0
    # the step bounds: lr·c (global) and lr·c·√2 (local, d = 2), both reached
    assert d.max_step["global"].max() <= 0.05 * 2.0 * (1 + 1e-12)
    assert d.max_step["local"].max() <= 0.05 * 2.0 * np.sqrt(2) * (1 + 1e-12)
    assert d.max_step["local"].max() > 0.05 * 2.0 * 1.4
    text = d.summary()
    assert f"глобальная обрезка заканчивает ниже локальной: {d.g_wins}, локальная ниже глобальной: {d.l_wins}" in text


# ----------------------------------------------------------------- lecture 06: gain table

@pytest.fixture(scope="module")
def gains():
    return demos.gain_table_demo()                     # exactly what lecture 06 runs


def test_derived_gains_are_pytorchs(gains):
    # linear, ReLU, leaky ReLU: E f² = (1 + α²) q / 2, E f′² = (1 + α²) / 2 for every q
    for key, alpha in (("linear", 1.0), ("relu", 0.0), ("leaky_relu_0.01", 0.01), ("leaky_relu_0.2", 0.2)):
        r = gains.rows[key]
        closed = np.sqrt(2 / (1 + alpha ** 2))
        assert r["pytorch"] == pytest.approx(closed, rel=1e-12)
        np.testing.assert_allclose(r["forward"], closed, rtol=1e-9)
        np.testing.assert_allclose(r["backward"], closed, rtol=1e-9)
        assert r["q_deep"] == pytest.approx(1.0, rel=1e-9) and r["chi_deep"] == pytest.approx(1.0, rel=1e-9)


def _mc_mean(g, q, n=400_000, seed=0):
    z = np.sqrt(q) * np.random.default_rng(seed).standard_normal(n)
    v = g(z)
    return v.mean(), v.std() / np.sqrt(n)


def test_tanh_sigmoid_selu_gains_are_conventions(gains):
    from initlab.numerics import gradient_gain as gg
    assert gains.qs == (0.01, 1.0, 4.0) and gains.layers == 100
    t = gains.rows["tanh"]
    # the preserving gain depends on q: ~1 for small q, 1,59 at q = 1 (Monte Carlo, 5 se)
    m, se = _mc_mean(lambda z: np.tanh(z) ** 2, 1.0)
    assert abs(t["forward"][1] ** -2 - m) < 5 * se
    assert abs(t["forward"][0] - 1) < 0.02 and round(t["forward"][1], 2) == 1.59
    assert np.all(np.diff(t["forward"]) > 0) and t["forward"][0] < 5 / 3 < t["forward"][2]
    # 5/3 over 100 layers: q ≈ 1,18 solves q = g² E tanh(z)² (Gauss–Hermite, independent
    # quadrature), and the gradient grows by 1,21 per layer
    g2 = (5 / 3) ** 2
    q = t["q_deep"]
    assert abs(g2 * gg.gauss_mean(lambda z: np.tanh(z) ** 2, q) - q) < 1e-6
    assert round(q, 2) == 1.18 and round(t["chi_deep"], 2) == 1.21
    assert t["chi_deep"] == pytest.approx(g2 * gg.gauss_mean(lambda z: (1 - np.tanh(z) ** 2) ** 2, q), rel=1e-6)
    # sigmoid with gain 1: the gradient vanishes, 0,056 per layer
    assert round(gains.rows["sigmoid"]["chi_deep"], 3) == 0.056
    # SELU: g = 1 keeps q = 1 (E selu(z)² = 1 for z ~ N(0, 1), Monte Carlo 5 se); 3/4 does not
    s = gains.rows["selu"]
    m, se = _mc_mean(lambda z: gg.selu(z) ** 2, 1.0)
    assert abs(m - 1) < 5 * se and s["forward"][1] == pytest.approx(1.0, abs=1e-6)
    assert s["pytorch"] == 0.75
    q = s["q_deep"]
    assert abs(0.75 ** 2 * gg.normal_mean(lambda z: gg.selu(z) ** 2, q) - q) < 1e-3 * q
    assert round(q, 2) == 0.02 and abs(s["chi_deep"] - 1) < 0.01


# ----------------------------------------------------------------- lecture 05: batch of one

def test_batch_of_one_outputs_beta_and_running_averages_fix_it():
    from initlab.numerics import regularization as reg
    d = demos.batch_of_one_demo()                      # exactly what lecture 05 runs
    assert np.array_equal(d.alone, np.broadcast_to(d.beta, d.alone.shape))
    # any object alone gives β exactly
    x = np.random.default_rng(0).normal(size=(1, 5)) * 100
    assert np.array_equal(reg.batchnorm(x, 2.0, 0.3)[0], np.full((1, 5), 0.3))
    # a batch of two: ±(a − b)/√((a − b)² + 4ε), ≈ ±1
    a, b = d.objs[0], d.objs[2]
    expected = (a - b) / np.sqrt((a - b) ** 2 + 4 * d.eps)
    np.testing.assert_allclose(d.pair[0], expected, rtol=1e-12)
    np.testing.assert_allclose(d.pair[1], -expected, rtol=1e-12)
    assert np.all(np.abs(np.abs(d.pair) - 1) < 1e-5)
    # inference: (x − running mean)/√(running var + ε), different objects differ
    np.testing.assert_allclose(d.infer, (d.objs - d.running_mean) / np.sqrt(d.running_var + d.eps),
                               rtol=1e-12)
    assert len({tuple(np.round(r, 6)) for r in d.infer}) == 3
    # the running mean estimates (5, −2): stationary sd of an EMA (momentum 0.1) of batch
    # means of 64 is √(0.1/1.9 · σ²/64); within 5 of those
    sd = np.sqrt(0.1 / 1.9 * np.array([9.0, 0.25]) / 64)
    assert np.all(np.abs(d.running_mean - [5.0, -2.0]) < 5 * sd)


def test_dropout_backward_matches_finite_differences():
    rng = np.random.default_rng(0)
    params = nn.init_mlp([3, 7, 5, 1], rng, np.sqrt(2.0))
    for q in params:          # nonzero biases: a row with every unit dropped sits at z = b
        q["b"] = 0.1 * rng.standard_normal(q["b"].shape)
    X, Y = rng.standard_normal((6, 3)), rng.standard_normal((6, 1))
    for p in (0.0, 0.5):
        def loss(seed=1, p=p):
            return nn.mse_loss(reg.dropout_forward(params, X, p, np.random.default_rng(seed)), Y)[0]
        caches = []
        out = reg.dropout_forward(params, X, p, np.random.default_rng(1), caches)
        grads = reg.dropout_backward(params, caches, nn.mse_loss(out, Y)[1])
        for j, q in enumerate(params):
            for name in ("A", "b"):
                idx = (0,) * q[name].ndim
                old, h = q[name][idx], 1e-6
                q[name][idx] = old + h
                up = loss()
                q[name][idx] = old - h
                down = loss()
                q[name][idx] = old
                assert (up - down) / (2 * h) == pytest.approx(grads[j][name][idx], rel=1e-5, abs=1e-9)


def test_early_stopping_helps_the_plain_net_but_dropout_still_wins(dropout):
    """05: «ранняя остановка в лучший момент … улучшает сеть без дропаута, но сеть с дропаутом
    лучше и её в 4 из 5 зёрен». The oracle early-stopping gain is the paired difference of
    the final and the best test loss, > 3 of its standard errors (5 seeds)."""
    t = dropout.table
    gain = t["net", 0.0] - t["best", 0.0]
    assert gain.mean() > 3 * _se(gain)
    assert int(np.sum(t["net", 0.5] < t["best", 0.0])) == 4
    assert t["net", 0.5].mean() < t["best", 0.0].mean()


def test_subnetwork_average_equals_the_full_net_only_with_the_division():
    """05: «при инвертированном дропауте (с делением на 1 − p) среднее выходов 2¹⁶ подсетей
    в точности равно выходу полной сети … без деления часть, идущая через скрытый слой, в
    1/(1 − p) раз меньше» (exact enumeration of all masks, p = 0,5; bias b2 set non-zero)."""
    head = reg.dropout_head(0)
    head["b2"] = np.array([0.7])
    M = reg.all_masks(16)
    x = demos.DROPOUT_X
    full = reg.subnetwork_outputs(head, x, np.ones((1, 16)), p=0.0)[0]
    inv = reg.subnetwork_outputs(head, x, M, p=0.5).mean()
    raw = reg.subnetwork_outputs(head, x, M, p=0.5, inverted=False).mean()
    assert inv == pytest.approx(full, rel=1e-12)
    assert raw - 0.7 == pytest.approx(0.5 * (full - 0.7), rel=1e-12)
    assert abs(raw - full) > 1e-3


def test_the_per_object_normalisation_is_layer_normalisation():
    """05: «нормализация слоя … по координатам одного объекта (по строкам)», batch
    normalisation by columns: compare with LayerNorm's definition (Ba, Kiros, Hinton 2016,
    eq. 4: μ, σ over the H units of one example) computed row by row."""
    X = np.random.default_rng(0).normal(3.0, 2.0, size=(5, 7))
    ln = np.array([(r - r.mean()) / np.sqrt(r.var() + 1e-5) for r in X])
    np.testing.assert_allclose(reg.layernorm(X), ln, rtol=1e-12)
    bn = reg.batchnorm(X)[0]
    np.testing.assert_allclose(bn.mean(axis=0), 0, atol=1e-12)
    assert np.abs(bn.mean(axis=1)).max() > 0.1 and np.abs(ln.mean(axis=0)).max() > 0.1


def test_ridge_leave_one_out_matches_the_hat_matrix_shortcut():
    """04: the ridge penalty is picked by leave-one-out on the 30 training points. With an
    unpenalised intercept ridge is a linear smoother ŷ = H y, H = 11ᵀ/n + X_c (X_cᵀX_c + λI)⁻¹
    X_cᵀ, and the exact LOO residual is e_i / (1 − H_ii): compare with the refits."""
    from initlab.numerics import transfer as tl
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((30, 20)), rng.standard_normal((30, 1))
    for lam in (0.1, 3.0, 100.0):
        n = len(X)
        Xc = X - X.mean(axis=0)
        H = np.ones((n, n)) / n + Xc @ np.linalg.solve(Xc.T @ Xc + lam * np.eye(20), Xc.T)
        e = (Y - H @ Y)[:, 0] / (1 - np.diag(H))
        assert tl.ridge_loo(X, Y, lam) == pytest.approx(0.5 * np.mean(e ** 2), rel=1e-9)


def test_linear_baselines_on_an_exact_linear_task():
    from initlab.numerics import transfer as tl
    rng = np.random.default_rng(1)
    w = rng.standard_normal((5, 1))
    X, Xe = rng.standard_normal((30, 5)), rng.standard_normal((100, 5))
    t = {"Xt": X, "Yt": X @ w + 2.0, "Xe": Xe, "Ye": Xe @ w + 2.0}
    b = tl.linear_baselines(t)
    assert b["least_squares"] < 1e-25 and b["ridge"] < 1e-3 and b["ridge_lambda"] == 1e-3


def test_transfer_beats_the_linear_baselines_which_only_match_scratch(transfer_seeds):
    """04: «линейная модель на тех же 30 объектах не лучше сети с нуля: МНК переобучается
    сильнее, а гребневая регрессия … лишь догоняет сеть с нуля»; the frozen-body transfer is
    better than both in every task. «Догоняет»: the paired difference ridge − scratch is
    within 2 standard errors of 0 over the five tasks."""
    transfer, seeds = transfer_seeds
    t = seeds.table
    lin = transfer.linear
    assert lin["least_squares"] > transfer.scratch["test"]
    assert t["least_squares"][0] == lin["least_squares"] and t["ridge"][0] == lin["ridge"]
    assert np.all(t["head"] < t["ridge"]) and np.all(t["head"] < t["least_squares"])
    diff = t["ridge"] - t["scratch"]
    assert abs(diff.mean()) < 2 * _se(diff)
    assert t["least_squares"].mean() > t["ridge"].mean()


@pytest.mark.parametrize("seed, mag_wins", [(0, 0), (1, 0), (2, 0), (3, 2), (4, 1), (5, 0),
                                            (6, 1), (7, 0), (8, 0), (9, 1)])
def test_pruning_order_is_a_property_of_one_problem(seed, mag_wins):
    """04: «на десяти случайных задачах того же вида (зёрна 0–9) OBS ни разу не хуже OBD, а
    прореживание по модулю в четырёх из них при одной-двух долях из 13 оказывается лучше
    OBD». The per-seed counts are the statement itself (4 seeds with 1–2 wins)."""
    from initlab.numerics import pruning as pr
    c = pr.pruning_curves(pr.pruning_problem(seed=seed))
    assert np.all(c["obs"] <= c["obd"] * (1 + 1e-9) + 1e-12)
    assert int(np.sum(c["magnitude"] < c["obd"] * (1 - 1e-9))) == mag_wins
