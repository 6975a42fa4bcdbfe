"""Every quantitative statement of the lecture notebooks book/lectures/05–07."""
import itertools

import numpy as np
import pytest

from initlab import demos
from initlab.checks import lectures2 as C2
from initlab.checks.core import CheckFailed
from initlab.figures import training as P2
from initlab.numerics import initialization, propagate, pruning, schemes
from initlab.numerics import mlp as nn
from initlab.numerics import regularization as reg
from initlab.numerics import transfer as tl
from initlab.numerics.activations import ACTIVATIONS
from initlab.numerics.schemes import get_scheme, uniform_variance

# ----------------------------------------------------------------- 05: initialisation

def test_single_blas_thread_restores_and_keeps_results():
    A = np.random.default_rng(0).standard_normal((50, 40))
    before = A @ A.T
    with nn.single_blas_thread():
        inside = A @ A.T
    np.testing.assert_allclose(inside, before, rtol=1e-12, atol=1e-12)


def test_ellipsoid_task_is_balanced_and_not_linear():
    X, y = initialization.ellipsoid_task(2048, 16, 0)
    assert X.shape == (2048, 16) and y.shape == (2048, 1)
    assert y.sum() == 1024
    # the best linear least-squares fit is no better than chance on a quadratic boundary
    Xb = np.hstack([X, np.ones((len(X), 1))])
    w = np.linalg.lstsq(Xb, y - 0.5, rcond=None)[0]
    acc = np.mean((Xb @ w > 0) == (y > 0.5))
    assert acc < 0.6


def test_zero_init_only_the_output_bias_moves():
    r = initialization.zero_init_run(steps=200)
    for i, p in enumerate(r["final"]):
        assert np.all(p["A"] == 0.0)
        if i < 2:
            assert np.all(p["b"] == 0.0)
    assert np.abs(r["final"][2]["b"]).max() > 0.0
    # the output is a constant: the loss cannot go below the entropy of the class share, ln 2
    assert r["loss"][0] == pytest.approx(np.log(2), abs=1e-12)


def test_constant_init_keeps_all_hidden_units_identical_during_training():
    const = initialization.symmetry_run("constant", steps=300)
    assert const["spread"].shape == (301, 2)
    assert np.max(const["spread"]) < 1e-12          # identical on every step (up to rounding)
    # ... while they did train (weights moved away from the constant 1/16)
    A = const["params"][0]["A"]
    assert np.abs(A - 1.0 / 16).max() > 1e-2
    rand = initialization.symmetry_run("xavier_normal", steps=300)
    assert np.min(rand["spread"]) > 0.5
    # the notebook's picture: random init learns, the symmetric one barely moves
    assert nn.smooth(rand["loss"])[-1] < nn.smooth(const["loss"])[-1] - 0.1


def test_naive_inits_variance_saturation_and_gradients():
    n = 256
    assert schemes.get_scheme("u11").variance(1, 1) == pytest.approx(uniform_variance(1.0))
    prof = {k: propagate.naive_profile(k, "tanh", width=n, depth=10) for k in ("pm1", "u11", "small",
                                                                      "xavier_normal")}
    # Var z_1 = n Var(w) Var(x). Relative se: sqrt(2/(512·256)) ≈ 0.004 from the inputs and
    # ≈ sqrt(2)/256 ≈ 0.0055 from the weights (mean of n² squares): 5 se ≈ 0.035
    for k, var_w in [("pm1", 1.0), ("u11", 1 / 3), ("small", 1e-4), ("xavier_normal", 1 / n)]:
        assert prof[k]["pre_var"][0] == pytest.approx(n * var_w, rel=0.035)
    # at least three quarters saturated for ±1 and U[-1, 1]; none for small and Xavier
    assert prof["pm1"]["saturated"][-1] > 0.75 and prof["u11"]["saturated"][-1] > 0.75
    assert prof["small"]["saturated"][-1] == 0.0 and prof["xavier_normal"]["saturated"][-1] < 0.01
    # the gradient grows by orders of magnitude towards the input for ±1, U[-1, 1]
    for k in ("pm1", "u11"):
        assert prof[k]["grad_var"][0] / prof[k]["grad_var"][-1] > 1e4
    # small weights: signal and gradient shrink ~ n·1e-4 ≈ 1/39 per layer
    ratio = prof["small"]["pre_var"][1:] / prof["small"]["pre_var"][:-1]
    assert np.all((ratio > 1 / 60) & (ratio < 1 / 25))
    assert prof["small"]["grad_var"][0] / prof["small"]["grad_var"][-1] < 1e-12
    # Xavier keeps both within two orders of magnitude over 10 layers
    x = prof["xavier_normal"]
    assert x["pre_var"][-1] > 1e-2 and x["grad_var"][0] / x["grad_var"][-1] > 1e-2


def test_relu_halves_the_second_moment_exactly():
    # E relu(z)^2 = E z^2 / 2 for a symmetric z: Gauss-Hermite quadrature is exact here
    t, w = np.polynomial.hermite_e.hermegauss(40)
    w = w / w.sum()
    for q in (0.3, 1.0, 7.0):
        z = np.sqrt(q) * t
        assert np.sum(w * np.maximum(z, 0) ** 2) == pytest.approx(q / 2, rel=1e-12)


@pytest.mark.parametrize("scheme,gain", [("xavier_normal", 0.5), ("he_normal", 1.0)])
def test_per_layer_variance_ratio_half_for_xavier_one_for_he(scheme, gain):
    assert initialization.gain_theory(scheme, "relu", 128) == pytest.approx(gain, rel=1e-12)
    m1, m2 = initialization.layer_gain_samples(scheme, "relu", n=128, batch=128, reps=200)
    d = m2 - gain * m1                       # E d = 0 exactly (see layer_gain_samples)
    se = d.std(ddof=1) / np.sqrt(len(d))
    assert abs(d.mean()) < 5 * se
    # and the other scheme's gain is rejected
    other = 1.5 - gain
    d2 = m2 - other * m1
    assert abs(d2.mean()) > 5 * d2.std(ddof=1) / np.sqrt(len(d2))
    # the ratio printed in the notebook rounds to the theory
    assert round(m2.mean() / m1.mean(), 2) == gain


def test_xavier_and_he_variances_from_the_init_module():
    for n_in, n_out in [(64, 64), (256, 32)]:
        assert get_scheme("xavier_normal").variance(n_in, n_out) == pytest.approx(2 / (n_in + n_out))
        assert get_scheme("he_normal").variance(n_in, n_out) == pytest.approx(2 / n_in)
    # the Korean notes' 1/(fan_in + fan_out) is half of Glorot's value
    assert 1 / (128 + 128) == pytest.approx(0.5 * get_scheme("xavier_normal").variance(128, 128))


def test_layers_ru():
    assert [P2.layers_ru(n) for n in (1, 2, 5, 11, 12, 21, 22, 30)] == [
        "1 слой", "2 слоя", "5 слоёв", "11 слоёв", "12 слоёв", "21 слой", "22 слоя", "30 слоёв"]


@pytest.fixture(scope="module")
def he_runs():
    # exactly what lecture 06 runs: HeExperiments().run(depth, scheme), one cell each
    he = demos.HeExperiments()
    he.run(22, progress=False)                       # both schemes
    for scheme in demos.HE_SCHEMES:
        he.run(30, scheme, progress=False)
    assert set(he.runs) == set(itertools.product((22, 30), ("xavier_normal", "he_normal")))
    text = he.summary()
    for r in he.runs.values():
        assert f"потери в конце {r['final_loss']:.3f}, точность {100 * r['accuracy']:.1f} %" in text
    return he.runs


def test_he_setup_is_the_one_the_text_describes():
    # «2048 точек из N(0, I_16) … ширины 64 … SGD с моментом 0,9, шаг 0,02, батч 128, 600 шагов»
    s = initialization.HE_SETUP
    assert (s["n"], s["d"], s["width"], s["momentum"], s["lr"], s["batch"], s["steps"]) == (
        2048, 16, 64, 0.9, 0.02, 128, 600)
    assert demos.HE_SCHEMES == ("xavier_normal", "he_normal")


def test_he_experiment_thirty_layers_xavier_stalls_he_converges(he_runs):
    x, h = he_runs[30, "xavier_normal"], he_runs[30, "he_normal"]
    assert abs(x["final_loss"] - np.log(2)) < 5e-3 and x["accuracy"] == pytest.approx(0.5, abs=0.02)
    assert np.all(np.abs(nn.smooth(x["loss"], 25) - np.log(2)) < 0.02)
    assert h["final_loss"] < 0.1 and h["accuracy"] > 0.95


def test_he_experiment_twenty_two_layers_both_learn_he_earlier(he_runs):
    x, h = he_runs[22, "xavier_normal"], he_runs[22, "he_normal"]
    sx, sh = nn.smooth(x["loss"], 25), nn.smooth(h["loss"], 25)
    # Xavier sits at ln 2 for several hundred steps, then starts to learn
    assert np.all(np.abs(sx[:300] - np.log(2)) < 0.02)
    assert x["final_loss"] < 0.6
    # He learns from the first steps
    assert sh[200] < 0.4 and h["final_loss"] < 0.1 and h["accuracy"] > 0.95
    first = lambda s: int(np.argmax(s < 0.6))
    assert first(sh) + 200 < first(sx)


def test_he_experiment_initial_output_scale(he_runs):
    for d in (22, 30):
        x, h = he_runs[d, "xavier_normal"], he_runs[d, "he_normal"]
        assert h["out_std"] / x["out_std"] > 1000
        assert 1e-6 < x["out_std"] < 1e-4 if d == 22 else 1e-7 < x["out_std"] < 1e-5
        assert 0.05 < h["out_std"] < 1.0


def test_smooth():
    np.testing.assert_allclose(nn.smooth([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5])
    x = np.random.default_rng(0).standard_normal(100)
    assert nn.smooth(x, 1) == pytest.approx(x)
    assert ACTIVATIONS["relu"].f(np.array([-1.0, 2.0]))[1] == 2.0


# ----------------------------------------------------------------- 06: dropout

X10 = np.array([1.0, -2.0, 0.5, 3.0, 0.0, -1.0, 2.5, 0.2, -0.7, 1.5])


def test_all_masks_are_the_2_to_n_subnetworks():
    M = reg.all_masks(4)
    assert M.shape == (16, 4) and len({tuple(r) for r in M}) == 16
    assert set(np.unique(M)) == {0.0, 1.0}
    assert len(reg.all_masks(16)) == 65536


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.8])
def test_inverted_dropout_keeps_the_expectation_exactly(p):
    mean, var = reg.dropout_moments_exact(X10, p)
    np.testing.assert_allclose(mean, X10, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(var, X10 ** 2 * p / (1 - p), rtol=1e-10, atol=1e-12)
    raw, raw_var = reg.dropout_moments_exact(X10, p, inverted=False)
    np.testing.assert_allclose(raw, (1 - p) * X10, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(raw_var, X10 ** 2 * p * (1 - p), rtol=1e-10, atol=1e-12)


def test_inverted_dropout_monte_carlo():
    rng = np.random.default_rng(0)
    p = 0.3
    ys = np.stack([reg.dropout(X10, p, rng)[0] for _ in range(20000)])
    se = ys.std(axis=0, ddof=1) / np.sqrt(len(ys))
    nz = X10 != 0
    assert np.all(np.abs(ys.mean(axis=0) - X10)[nz] < 5 * se[nz])
    assert np.all(ys[:, ~nz] == 0)
    # without the rescaling the mean is (1 - p) x: rejected for the larger entries
    raw = np.stack([reg.dropout(X10, p, rng, inverted=False)[0] for _ in range(20000)])
    big = np.abs(X10) >= 1
    assert np.all(np.abs(raw.mean(axis=0) - X10)[big] > 5 * se[big])
    # kept share ≈ 1 - p (binomial se)
    _, mask = reg.dropout(np.ones(100000), p, rng)
    assert abs(mask.mean() - (1 - p)) < 5 * np.sqrt(p * (1 - p) / 100000)
    with pytest.raises(ValueError):
        reg.dropout(X10, 1.0, rng)


def test_head_moments_match_enumeration_and_monte_carlo():
    head, x = reg.dropout_head(), reg.DROPOUT_X
    M = reg.all_masks(16)
    full = reg.head_moments(head, x, 0.0)[0]
    outs = reg.subnetwork_outputs(head, x, M, p=0.5)
    # p = 0.5: all 2^16 sub-networks equally likely; their mean is the full network's output
    assert outs.mean() == pytest.approx(full, rel=1e-12)
    m, v = reg.head_moments(head, x, 0.5)
    assert outs.var() == pytest.approx(v, rel=1e-10)
    for p in (0.2, 0.5, 0.8):
        for inv in (True, False):
            m, v = reg.head_moments(head, x, p, inverted=inv)
            o = reg.head_outputs(head, x, p, n=4000, seed=0, inverted=inv)
            assert abs(o.mean() - m) < 5 * np.sqrt(v / len(o))
            se_v = np.sqrt(np.var((o - o.mean()) ** 2) / len(o))   # se of the sample variance
            assert abs(o.var() - v) < 5 * se_v
        assert reg.head_moments(head, x, p)[0] == pytest.approx(full, rel=1e-12)
        assert reg.head_moments(head, x, p, inverted=False)[0] != pytest.approx(full, rel=1e-3)
    # the spread grows with p for inverted dropout (the figure's right panel)
    sd = [reg.head_moments(head, x, p)[1] for p in np.linspace(0, 0.9, 10)]
    assert np.all(np.diff(sd) > 0)


# ----------------------------------------------------------------- 06: batch norm

def test_batchnorm_output_moments_exact():
    rng = np.random.default_rng(0)
    X = rng.normal(loc=[5.0, -2.0, 0.0], scale=[3.0, 0.1, 1e-3], size=(64, 3))
    gamma, beta = np.array([2.0, 1.0, 1.0]), np.array([1.0, 0.0, -1.0])
    Y, mu, var = reg.batchnorm(X, gamma, beta, eps=1e-5)
    np.testing.assert_allclose(Y.mean(axis=0), beta, atol=1e-12)
    np.testing.assert_allclose(Y.var(axis=0), gamma ** 2 * var / (var + 1e-5), rtol=1e-10)
    assert Y.var(axis=0)[2] < 0.1 and var[2] < 1e-5
    back = reg.batchnorm(X, np.sqrt(var + 1e-5), mu, eps=1e-5)[0]
    np.testing.assert_allclose(back, X, rtol=0, atol=1e-12)
    # a constant column does not divide by zero
    Yc = reg.batchnorm(np.ones((8, 2)), 1.0, 0.5)[0]
    assert np.all(Yc == 0.5)


def test_running_averages_and_batch_dependence():
    bn, rng = reg.BatchNorm1d(2), np.random.default_rng(1)
    mu, sd = np.array([5.0, -2.0]), np.array([3.0, 0.5])
    for _ in range(300):
        bn.train(rng.normal(mu, sd, size=(64, 2)))
    # EMA of batch means, momentum m: stationary variance m/(2 - m) · σ²/B
    m = 0.1
    se_mean = np.sqrt(m / (2 - m) * sd ** 2 / 64)
    assert np.all(np.abs(bn.running_mean - mu) < 5 * se_mean)
    # EMA of unbiased batch variances: Var s² = 2σ⁴/(B-1) for normal data
    se_var = np.sqrt(m / (2 - m) * 2 * sd ** 4 / 63)
    assert np.all(np.abs(bn.running_var - sd ** 2) < 5 * se_var)
    obj = np.array([[8.0, -1.5]])
    others = [rng.normal(mu, sd, size=(63, 2)) for _ in range(3)]
    ev = [bn.eval(np.vstack([obj, o]))[0] for o in others]
    assert all(np.array_equal(ev[0], e) for e in ev)
    tr = [bn.train(np.vstack([obj, o]))[0] for o in others]
    assert np.abs(tr[0] - tr[1]).max() > 0.01 and np.abs(tr[1] - tr[2]).max() > 0.01


def test_instancenorm_removes_per_object_shift_and_scale():
    rng = np.random.default_rng(2)
    a = rng.standard_normal(8)
    X2 = np.vstack([a, 3 * a + 1, rng.standard_normal((30, 8))])
    inst = reg.instancenorm(X2)
    np.testing.assert_allclose(inst.mean(axis=1), 0, atol=1e-12)
    v = X2.var(axis=1)
    np.testing.assert_allclose(inst.var(axis=1), v / (v + 1e-5), rtol=1e-10)
    assert np.abs(inst[0] - inst[1]).max() < 1e-4
    np.testing.assert_allclose(reg.instancenorm(X2, eps=0)[0], reg.instancenorm(X2, eps=0)[1], atol=1e-12)
    batch = reg.batchnorm(X2)[0]
    assert np.abs(batch[0] - batch[1]).max() > 1.0


def test_deep_activations_with_and_without_bn():
    tanh = propagate.deep_activations(20, 128, "tanh", 3.0, bn=False)
    tanh_bn = propagate.deep_activations(20, 128, "tanh", 3.0, bn=True)
    assert np.mean(np.abs(tanh[-1]) > 0.99) > 0.25
    assert np.mean(np.abs(tanh_bn[-1]) > 0.99) < 0.02
    relu = propagate.deep_activations(20, 128, "relu", 1.0, bn=False)
    relu_bn = propagate.deep_activations(20, 128, "relu", 1.0, bn=True)
    assert relu[0].std() / relu[-1].std() > 100
    s = relu_bn.std(axis=1)
    assert s.max() / s.min() < 1.1
    # with BN the weight scale cancels (up to eps)
    for act, ref in (("tanh", tanh_bn), ("relu", relu_bn)):
        other = propagate.deep_activations(20, 128, act, 0.5, bn=True)
        assert np.abs(other - ref).max() < 1e-2
        assert np.abs(propagate.deep_activations(20, 128, act, 0.5, bn=True, eps=0) -
                      propagate.deep_activations(20, 128, act, 3.0, bn=True, eps=0)).max() < 1e-9


# ----------------------------------------------------------------- 07: transfer

@pytest.fixture(scope="module")
def transfer():
    # exactly what lecture 04 runs
    d = demos.transfer_demo(progress=False)
    return d.src, d.task, d.pretrain, d.finetune, d.scratch


def test_transfer_setup_is_the_one_the_text_describes():
    # the table of lecture 04: 1000 source objects, 400 / 300 / 300 / 600 steps,
    # steps 1e-2 except fine-tuning 1e-3; 20 → 64 → 16 → output; 30 target, 2000 test objects
    s = tl.TRANSFER_SETUP
    assert (s["n_source"], s["pre_steps"], s["head_steps"], s["fine_steps"],
            s["scratch_steps"]) == (1000, 400, 300, 300, 600)
    assert (s["lr"], s["fine_lr"], s["hidden"]) == (1e-2, 1e-3, (64, 16))
    t = tl.transfer_task(s["seed"], n_source=s["n_source"])
    assert t["Xs"].shape[1] == 20 and len(t["Xt"]) == 30 and len(t["Xe"]) == 2000


def test_demo_summary_and_progress_bar(capsys):
    d = demos.Demo(["первая строка", "вторая"], value=3)
    assert d.value == 3 and repr(d) == str(d) == d.summary() == "первая строка\nвторая"
    # progress=True draws a tqdm bar (text fallback outside Jupyter) over all the steps
    small = demos.transfer_demo(progress=True, pre_steps=3, head_steps=2, fine_steps=2,
                            scratch_steps=3)
    assert len(small.pretrain) == 3 and len(small.scratch["loss"]) == 3
    assert "10/10" in capsys.readouterr().err
    text = small.summary()
    tr, sc = small.finetune, small.scratch
    assert f"после обучения головы {tr['test_head']:.3f}" in text
    assert f"с нуля на тех же 30 объектах: {sc['test']:.3f}" in text
    assert "не изменилось: да" in text


def test_transfer_task_shapes():
    t = tl.transfer_task(0, n_source=1000)
    assert t["Xs"].shape == (1000, 20) and t["Ys"].shape == (1000, 4)
    assert t["Xt"].shape == (30, 20) and t["Yt"].shape == (30, 1)


def test_frozen_body_does_not_change_and_transfer_beats_scratch(transfer):
    _, _, pre, tr, sc = transfer
    assert tr["body_unchanged"]
    assert pre[-1] < 0.05 * pre[0]
    # the trained head on reused features: an order of magnitude better than from scratch
    assert tr["test_head"] < 0.1 * sc["test"]
    assert tr["test_fine"] < 0.1 * sc["test"]
    # fine-tuning changes little here (the notebook says so): within a factor 1.5
    assert tr["test_head"] / 1.5 < tr["test_fine"] < 1.5 * tr["test_head"]
    # scratch memorised the 30 points but generalises badly (still better than predicting 0)
    assert sc["loss"][-1] < 1e-6 and sc["test"] < sc["test_zero"]
    assert tr["test_new_head"] > tr["test_head"] * 10


def test_train_adam_freezes_layers_exactly():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((20, 3)), rng.standard_normal((20, 1))
    p = schemes.init_params([3, 5, 1], "xavier_normal", rng)
    p0 = [{k: v.copy() for k, v in q.items()} for q in p]
    nn.train_adam(p, X, Y, steps=20, trainable=[1])
    assert np.array_equal(p[0]["A"], p0[0]["A"]) and np.array_equal(p[0]["b"], p0[0]["b"])
    assert not np.array_equal(p[1]["A"], p0[1]["A"])


# ----------------------------------------------------------------- 07: ResNet pruning

@pytest.fixture(scope="module")
def resnet():
    # exactly what lecture 04 runs
    return demos.resnet_demo(progress=False)


def test_resnet_setup_is_the_one_the_text_describes():
    # «10 остаточных блоков ширины 32 … вход размерности 8, 512 объектов … μ = 0,01; 600 шагов
    # Adam с шагом 3·10⁻³ … проверочной выборке из 1000 объектов … удалим три блока …
    # 200 шагов Adam с шагом 10⁻³»
    s = pruning.RESNET_SETUP
    assert (s["blocks"], s["width"], s["d"], s["n"], s["group_penalty"], s["steps"], s["lr"],
            s["n_val"], s["prune"], s["tune_steps"], s["tune_lr"]) == (
        10, 32, 8, 512, 0.01, 600, 3e-3, 1000, 3, 200, 1e-3)


def test_drop_blocks_is_identity_of_the_block():
    rng = np.random.default_rng(0)
    params = nn.init_mlp([4, 6, 6, 6, 1], rng)
    X = rng.standard_normal((10, 4))
    # a block whose output is exactly zero (b very negative, ReLU = 0) can be dropped exactly
    params[2]["b"][:] = -1e6
    out = nn.forward(params, X, "relu", residual=True)[0]
    out2 = nn.forward(pruning.drop_blocks(params, [2]), X, "relu", residual=True)[0]
    np.testing.assert_allclose(out, out2, rtol=1e-12, atol=1e-12)
    assert pruning.block_outputs(params, X)[1] == 0.0


def test_pruning_small_blocks_first_is_cheap(resnet):
    params, data = resnet.params, resnet.data
    norms = pruning.block_outputs(params, data["Xv"])
    assert len(norms) == 10 and np.array_equal(norms, resnet.norms)
    order = np.argsort(norms) + 1
    assert np.array_equal(order, resnet.order)
    small, large = resnet.small, resnet.large
    np.testing.assert_array_equal(small, pruning.block_pruning_curve(params, data["Xv"], data["Yv"], order))
    assert small[0] == large[0]
    assert np.all(small[1:4] < large[1:4] / 3)
    assert small[1] < 1.5 * small[0] and large[1] > 3 * small[0]
    # a short fine-tuning after dropping three blocks recovers the original loss:
    # «сеть из 7 блоков работает не хуже исходной из 10»
    assert len(resnet.pruned) == len(params) - 3 and resnet.k == 3
    tuned = pruning.block_pruning_curve(resnet.pruned, data["Xv"], data["Yv"], [])[0]
    assert tuned == resnet.tuned
    assert tuned <= small[0] and tuned < small[3] / 3
    assert f"после 200 шагов дообучения {tuned:.4f}" in resnet.summary()


# ----------------------------------------------------------------- 07: OBD / OBS

def test_obd_and_obs_saliencies_are_exact_for_a_quadratic_loss():
    prob = pruning.pruning_problem()
    w, L0 = prob["w"], prob["L0"]
    # w is the minimum: the gradient vanishes
    X, y = prob["X"], prob["y"]
    np.testing.assert_allclose(X.T @ (X @ w - y) / len(y), 0, atol=1e-10)
    obd, obs = pruning.saliency(prob, w, "obd"), pruning.saliency(prob, w, "obs")
    alive = np.ones(len(w), bool)
    for i in range(len(w)):
        w0 = w.copy()
        w0[i] = 0.0
        assert pruning.quad_loss(prob, w0) - L0 == pytest.approx(obd[i], rel=1e-8, abs=1e-12)
        w_obs, al = pruning.obs_step(prob, w, alive, i)
        assert w_obs[i] == 0.0 and not al[i]
        assert pruning.quad_loss(prob, w_obs) - L0 == pytest.approx(obs[i], rel=1e-8, abs=1e-12)
        # the OBS update is the least-squares refit without feature i
        keep = np.arange(len(w)) != i
        refit = np.linalg.lstsq(X[:, keep], y, rcond=None)[0]
        np.testing.assert_allclose(w_obs[keep], refit, rtol=1e-7, atol=1e-9)
    # OBS never loses more than OBD (it also moves the other weights)
    assert np.all(obs <= obd + 1e-12)
    # the notes' a_i²/[H⁻¹]_ii is twice the OBS saliency: same ranking
    Hinv = np.linalg.inv(prob["H"])
    np.testing.assert_allclose(w ** 2 / np.diag(Hinv), 2 * obs, rtol=1e-10)
    with pytest.raises(ValueError):
        pruning.saliency(prob, w, "nope")


def test_magnitude_ranking_differs_and_curves_are_ordered():
    prob = pruning.pruning_problem()
    w = prob["w"]
    assert not np.array_equal(np.argsort(np.abs(w)), np.argsort(pruning.saliency(prob, w, "obd")))
    curves = pruning.pruning_curves(prob)
    p = len(w)
    for c in curves.values():
        assert c[0] == pytest.approx(prob["L0"]) and len(c) == p + 1
    assert curves["magnitude"][-1] == curves["obd"][-1] == pytest.approx(curves["obs"][-1])
    assert np.all(curves["obs"] <= curves["obd"] + 1e-12)
    assert np.all(curves["obd"] <= curves["magnitude"] + 1e-12)
    # strictly better at the notebook's 4 and 8 of 12
    for k in (4, 8):
        assert curves["obs"][k] < curves["obd"][k] < curves["magnitude"][k]
    # the weight with the largest |a| costs the most either way
    i = int(np.argmax(np.abs(w)))
    assert np.argmax(pruning.saliency(prob, w, "obd")) == i


def test_sparse_storage_pays_off_only_beyond_half():
    # (index, value) pairs of 4 + 4 bytes vs 4 bytes per dense weight
    p = 1000
    for kept in (400, 499, 500, 501, 800):
        assert (8 * kept < 4 * p) == (kept < p / 2)


def test_explorers_render():
    from initlab.explorers import training as W2
    for e in (W2.dropout_explorer(0.3), W2.bn_explorer(5, "relu", 1.0), W2.pruning_explorer(0.25)):
        assert e.image.value[:8] == b"\x89PNG\r\n\x1a\n"
        bundle = e._repr_mimebundle_()
        assert "image/png" in bundle
    e = W2.dropout_explorer(0.3)
    before = e.image.value
    e.controls["p"].value = 0.8
    assert e.image.value != before


# ----------------------------------------------------- checks of exercises/02_lectures



def _good_dropout(x, p, rng):
    keep = rng.random(np.shape(x)) >= p
    return np.where(keep, np.asarray(x, dtype=float) / (1 - p), 0.0)


def _good_bn(X, gamma, beta, eps):
    return gamma * (X - X.mean(axis=0)) / np.sqrt(X.var(axis=0) + eps) + beta


def test_checks_accept_right_answers(capsys):
    C2.dropout(_good_dropout)
    C2.dropout(_good_dropout, thorough=True)
    C2.dropout(lambda x, p, rng: reg.dropout(x, p, rng)[0], thorough=True)
    C2.dropout_mean(0.8 * 3)
    C2.batchnorm(_good_bn)
    C2.batchnorm(_good_bn, thorough=True)
    C2.batchnorm(lambda X, g, b, e: reg.batchnorm(X, g, b, e)[0], thorough=True)
    C2.xavier_ratio_30(0.5 ** 30)
    C2.relu_init_variance(2 / 256)
    out = capsys.readouterr().out
    assert out.count("Верно!") == 9


@pytest.mark.parametrize("fn,msg", [
    (lambda x, p, rng: None, "Ответ ещё не введён"),
    (lambda x, p, rng: np.where(rng.random(x.shape) >= p, x, 0.0), "не поделены на 1 − p"),
    (lambda x, p, rng: np.where(rng.random(x.shape) >= p, x * (1 - p), 0.0), "умножены на 1 − p"),
    (lambda x, p, rng: np.where(rng.random(x.shape) < p, x / (1 - p), 0.0), "вероятность сохранить"),
    (lambda x, p, rng: np.where(np.random.default_rng().random(x.shape) >= p, x / (1 - p), 0.0),
     "только из переданного rng"),
    (lambda x, p, rng: x[:5], "формы"),
    (lambda x, p, rng: 1 / 0, "ZeroDivisionError"),
])
def test_dropout_check_rejects_typical_mistakes(fn, msg):
    with pytest.raises(CheckFailed, match=msg):
        C2.dropout(fn)


def test_dropout_check_rejects_in_place_and_correlated_masks():
    def in_place(x, p, rng):
        x *= (rng.random(x.shape) >= p) / (1 - p)
        return x
    with pytest.raises(CheckFailed, match="на месте"):
        C2.dropout(in_place)
    fixed = np.random.default_rng(0)

    def same_mask(x, p, rng):       # uses rng for the big cases, but a fixed mask for short x
        if x.size < 10:
            return np.where(np.array([True, False, True, True]), x / (1 - p), 0.0)
        return _good_dropout(x, p, rng)
    with pytest.raises(CheckFailed, match="5,5 стандартной ошибки"):
        C2.dropout(same_mask)
    del fixed


@pytest.mark.parametrize("fn,msg", [
    (lambda X, g, b, e: None, "Ответ ещё не введён"),
    (lambda X, g, b, e: g * (X - X.mean(axis=1, keepdims=True))
     / np.sqrt(X.var(axis=1, keepdims=True) + e) + b, "axis=0"),
    (lambda X, g, b, e: g * (X - X.mean(axis=0)) / np.sqrt(X.var(axis=0, ddof=1) + e) + b, "ddof"),
    (lambda X, g, b, e: g * (X - X.mean(axis=0)) / (X.std(axis=0) + e) + b, "под корнем"),
    (lambda X, g, b, e: (X - X.mean(axis=0)) / np.sqrt(X.var(axis=0) + e), "γ и β"),
    (lambda X, g, b, e: b * (X - X.mean(axis=0)) / np.sqrt(X.var(axis=0) + e) + g, "перепутаны"),
    (lambda X, g, b, e: X.T, "формы"),
])
def test_batchnorm_check_rejects_typical_mistakes(fn, msg):
    with pytest.raises(CheckFailed, match=msg):
        C2.batchnorm(fn)


@pytest.mark.parametrize("check,value,msg", [
    (C2.dropout_mean, ..., "Ответ ещё не введён"),
    (C2.dropout_mean, 3.0, "с делением"),
    (C2.dropout_mean, 0.6, "вероятностью 1 − p"),
    (C2.xavier_ratio_30, 1.0, "Без ReLU"),
    (C2.xavier_ratio_30, 0.5, "одного слоя"),
    (C2.xavier_ratio_30, 0.5 ** 29, "Слоёв 30"),
    (C2.xavier_ratio_30, "2^-30", "строка"),
    (C2.relu_init_variance, 1 / 256, "Xavier"),
    (C2.relu_init_variance, np.sqrt(2 / 256), "стандартное отклонение"),
    (C2.relu_init_variance, 0.0078, "Почти верно"),
])
def test_number_checks_reject_typical_mistakes(check, value, msg):
    with pytest.raises(CheckFailed, match=msg):
        check(value)


def test_checked_numbers_match_the_lecture():
    # the per-layer ratio of lecture 05 to the power 30, and He's variance
    assert initialization.gain_theory("xavier_normal", "relu", C2.WIDTH) ** C2.DEPTH == pytest.approx(0.5 ** 30)
    assert get_scheme("he_normal").variance(C2.WIDTH, C2.WIDTH) == pytest.approx(2 / 256)
    assert initialization.gain_theory("he_normal", "relu", C2.WIDTH) == pytest.approx(1.0)


# lecture 05's dropout demo: tests/test_demos_honest.py


# ------------------------------------------------- the notebooks' demos (lectures 04–06)

def test_small_demos_reproduce_the_functions_they_wrap():
    # lecture 06
    z = demos.zero_init_demo(steps=200)
    r = initialization.zero_init_run(steps=200)
    np.testing.assert_array_equal(z.loss, r["loss"])
    assert f"в конце {r['loss'][-1]:.4f}" in z.summary()
    sym = demos.symmetry_demo(steps=300)
    assert sym.const["spread"][-1].max() < 1e-12 and sym.rand["spread"][-1].min() > 0.5
    assert "все веса равны: наибольшее относительное отличие нейронов слоёв 1 и 2 после обучения: 0 и 0" \
        in sym.summary()
    naive = demos.naive_demo(width=256, depth=10)
    assert list(naive.profiles) == [lab for lab, _ in demos.NAIVE_CASES]
    np.testing.assert_array_equal(naive.profiles["U[−1, 1]"]["pre_var"],
                                  propagate.naive_profile("u11", "tanh", width=256, depth=10)["pre_var"])
    gain = demos.gain_demo(n=128, reps=200)
    for scheme, g in (("xavier_normal", 0.5), ("he_normal", 1.0)):
        m1, m2 = initialization.layer_gain_samples(scheme, "relu", n=128, batch=128, reps=200)
        assert gain.ratios[scheme] == (pytest.approx(g), m2.mean() / m1.mean())
    assert "теория 0.50, моделирование 0.500" in gain.summary()
    # lecture 05
    dm = demos.dropout_moments_demo()
    np.testing.assert_array_equal(dm.x, X10)
    assert dm.p == 0.3 and demos.DROPOUT_MC == 20000
    np.testing.assert_allclose(dm.mean, X10, atol=1e-12)
    np.testing.assert_allclose(dm.var_ratio, 1.0, rtol=1e-10)
    np.testing.assert_allclose(dm.raw_ratio, 0.7, rtol=1e-12)
    assert dm.z_max < 5                                   # the Monte Carlo mean within 5 se
    assert "перебор всех 1024 масок" in dm.summary()
    sub = demos.subnetworks_demo()
    assert sub.n == 65536 and sub.mean == pytest.approx(sub.full, rel=1e-12)
    bn = demos.batchnorm_demo()
    # «батче из 64 объектов с тремя координатами … γ = (2, 1, 1), β = (1, 0, −1), ε = 10⁻⁵»
    assert bn.X.shape == (64, 3) and bn.eps == 1e-5
    assert bn.gamma.tolist() == [2, 1, 1] and bn.beta.tolist() == [1, 0, -1]
    np.testing.assert_allclose(bn.Y.var(axis=0), bn.gamma ** 2 * bn.var / (bn.var + bn.eps),
                               rtol=1e-10)
    assert bn.identity and bn.var[2] < bn.eps and bn.Y.var(axis=0)[2] < 0.1
    ra = demos.running_average_demo()
    assert np.all(ra.eval_out == ra.eval_out[0]) and np.ptp(ra.train_out, axis=0).max() > 0.01
    inst = demos.instancenorm_demo()
    assert inst.X.shape == (32, 8)                        # «32 объектов с 8 координатами»
    assert inst.d_inst < 1e-4 and inst.d_batch > 1.0 and inst.row_mean < 1e-12
    deep = demos.bn_depth_demo()
    # «сравним … при c = 0,5 с той же сетью при c = 3 (tanh) и c = 1 (ReLU)»
    assert demos.BN_DEPTH_CASES == (("tanh", 3.0), ("relu", 1.0)) and demos.BN_OTHER_SCALE == 0.5
    t, r = deep.stats["tanh", 3.0], deep.stats["relu", 1.0]
    assert t["saturated"][0] > 0.25 and t["saturated"][1] < 0.02          # «больше четверти»
    assert r["plain"][0] / r["plain"][1] > 100                            # «в сотни раз»
    assert max(t["other_diff"], r["other_diff"]) < 1e-2
    # lecture 04
    sal = demos.saliency_demo()
    for row in sal.rows:
        assert row["zero"] == pytest.approx(row["obd"], rel=1e-8)
        assert row["obs_update"] == pytest.approx(row["obs"], rel=1e-8)
    assert not np.array_equal(sal.orders["magnitude"], sal.orders["obd"])
    pr = demos.pruning_demo()
    assert demos.PRUNING_KS == (4, 6, 8) and len(pr.prob["w"]) == 12
    assert "из 12" in pr.summary()


NOTEBOOKS = ["04_transfer_pruning", "05_dropout_bn", "06_init_history"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_lecture_notebooks_are_thin(name):
    import json
    from pathlib import Path
    nb = json.loads((Path(__file__).parents[1] / "book" / "lectures" / f"{name}.ipynb")
                    .read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"][1:]
    for src in code:
        assert len(src.strip().splitlines()) <= 4, src
        for banned in ("time.", "perf_counter", "tqdm", "for ", "_SETUP", "секунд", "время"):
            assert banned not in src, (banned, src)


def test_explorers_fit_the_text_column():
    from initlab.explorers import training as W2
    from initlab.explorers.variance import variance_explorer
    e = variance_explorer(act="relu", scheme="xavier_normal", depth=30)
    assert list(e.children[0].children) == [e.controls["act"]]       # one per row
    assert list(e.children[1].children) == [e.controls["scheme"]]
    for key in ("act", "scheme"):
        lay = e.controls[key].layout
        assert lay.width == "calc(100% - 4px)" and int(lay.max_width.removesuffix("px")) <= 680
    b = W2.bn_explorer(5, "relu", 1.0)
    assert b.controls["act"].layout.width == "calc(100% - 4px)"
    assert b.children[0].layout.flex_flow == "row wrap"
