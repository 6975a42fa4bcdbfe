"""The numbers of the chapter «Остаточные и нормализованные сети; инициализация по данным»
(book/theory/04_residual_init.ipynb) and of its exercise (solutions/11_residual_init.ipynb).

Exact values are derived independently in each test; Monte Carlo estimates are compared
with a tolerance of 5 standard errors estimated from independent networks.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from initlab.checks import residual_init as ck
from initlab.checks.core import CheckFailed
from initlab.numerics import frameworks as F
from initlab.numerics import lsuv as LS
from initlab.numerics import residual as R

# --- residual stacks at initialisation ----------------------------------------------------


@pytest.mark.parametrize("scheme, factor", [("plain", 1.0), ("he", 2.0), ("zero", 1.0)])
def test_forward_factor_relu(scheme, factor):
    """ReLU branch W2 relu(W1 x), n·Var W1 = 2, n·Var W2 = 1: q_{l+1} = (s² + 1·2/2) q_l."""
    assert R.forward_factor(scheme, "relu", 30) == pytest.approx(factor, rel=1e-12)
    th = R.residual_theory(scheme, "relu", 30)
    assert th.q == pytest.approx(factor ** np.arange(31), rel=1e-10)
    assert th.grad == pytest.approx(factor ** (30 - np.arange(31)), rel=1e-10)


def test_he_on_both_layers_gives_three():
    """«Если инициализировать по Хе и выходной слой ветви (v = 2), множитель будет 3»;
    2^30 ≈ 10^9."""
    sc = R.ResidualScheme("he2", skip=True, v=2.0)
    assert R.forward_factor(sc, "relu", 10) == pytest.approx(3.0, rel=1e-12)
    assert 1.0e9 < 2 ** 30 < 1.1e9 and math.sqrt(2 ** 16) == 256


def test_scaled_factor_is_bounded_by_e():
    """α = 1/√L: q_L = (1 + 1/L)^L < e; 2.5937 at L = 10, 2.6743 at L = 30."""
    for L, val in [(10, 1.1 ** 10), (30, (1 + 1 / 30) ** 30)]:
        th = R.residual_theory("scaled", "relu", L)
        assert th.q[-1] == pytest.approx(val, rel=1e-10)
        assert th.q[-1] < math.e
    assert f"{R.residual_theory('scaled', 'relu', 10).q[-1]:.4f}" == "2.5937"


@pytest.mark.parametrize("scheme", ["plain", "he", "scaled"])
def test_simulation_matches_recursion(scheme):
    """Finite-width networks (n = 256, batch 64, 8 seeds): the arithmetic mean of q_l and of
    |δ_l|²/|δ_L|² against the recursion (an expectation, exact at any width for ReLU)
    within 5 SE of the mean over the seeds."""
    L = 20
    th = R.residual_theory(scheme, "relu", L)
    q, g, sq, sg = R.residual_simulate_seeds(scheme, "relu", L, width=256, batch=64,
                                             seeds=range(8))
    assert np.all(np.abs(q[1:] - th.q[1:]) < 5 * sq[1:] + 1e-9 * th.q[1:])
    assert np.all(np.abs(g[:-1] - th.grad[:-1]) < 5 * sg[:-1] + 1e-9 * th.grad[:-1])


def test_profiles_demo_points_are_means_and_geometric_is_lower():
    """The demo plots arithmetic means (within 5 SE of the formula at l = L); the geometric
    mean of q_L is below E q_L, by about exp(σ²_ln / 2) (the lognormal relation, checked
    loosely: the ratio lies between 1 and exp(σ²_ln))."""
    from initlab.demos_residual import SCHEMES, profiles_demo
    d = profiles_demo()
    for s in SCHEMES:
        assert abs(d.sim[s].q[-1] - d.theory[s].q[-1]) <= 5 * d.se[s].q[-1] + 1e-9
        assert abs(d.sim[s].grad[0] - d.theory[s].grad[0]) <= 5 * d.se[s].grad[0] + 1e-9
    geo, var_ln = R.residual_log_spread("he", "relu", 30, seeds=range(20))
    ratio = R.residual_theory("he", "relu", 30).q[-1] / geo
    assert 1.0 < ratio < math.exp(var_ln)


@pytest.mark.parametrize("scheme", ["plain", "he"])
def test_relu_backward_exact_at_small_width(scheme):
    """ReLU with δ_L independent of the weights: the backward formula is exact at any width
    (no independence approximation): width 8, 300 networks, |mean − formula| < 5 SE."""
    L = 6
    th = R.residual_theory(scheme, "relu", L)
    _, g, _, sg = R.residual_simulate_seeds(scheme, "relu", L, width=8, batch=4,
                                            seeds=range(300))
    assert np.all(np.abs(g[:-1] - th.grad[:-1]) < 5 * sg[:-1])


def test_branch_scales_bounded_iff_square_summable():
    """q_L = q_0 ∏(1 + α_l²): bounded for α_l = 1/l (Σα² = π²/6: ∏ < e^(π²/6)), unbounded
    for α_l = 1/√l (∏ ≥ 1 + Σ 1/l, the harmonic series)."""
    l = np.arange(1, 100_001, dtype=float)
    sq = np.prod(1 + 1 / l ** 2)
    assert sq < math.exp(math.pi ** 2 / 6)
    assert np.prod(1 + 1 / l) >= 1 + np.sum(1 / l) > 12      # = L + 1, grows without bound
    # the recursion of the module with a constant α = 1/√L is the special case (1 + 1/L)^L
    assert R.residual_theory("scaled", "relu", 50).q[-1] == pytest.approx(1.02 ** 50)


def test_relu_step3_exact_for_symmetric_non_gaussian_weights():
    """Step 3 needs only symmetric weights: Rademacher weights at width 4, every sign
    pattern enumerated: E ReLU(h)² = Var h / 2 and, for leaky ReLU with slope α,
    E φ(h)² = (1 + α²)/2 · Var h — exactly."""
    import itertools
    x = np.array([0.3, -1.2, 2.0, 0.7])
    signs = np.array(list(itertools.product([-1.0, 1.0], repeat=4)))
    h = signs @ x                                  # all 16 equally likely values
    var_h = np.mean(h ** 2)                        # = |x|², mean 0
    assert var_h == pytest.approx(x @ x, rel=1e-12)
    assert np.mean(np.maximum(h, 0) ** 2) == pytest.approx(var_h / 2, rel=1e-12)
    a = 0.2
    leaky = np.where(h > 0, h, a * h)
    assert np.mean(leaky ** 2) == pytest.approx((1 + a * a) / 2 * var_h, rel=1e-12)


def test_tanh_growth_at_most_linear():
    """tanh branch with v = 1: E|W2 y|² = |y|² < n, so q_L ≤ q_0 + L at any width: the
    recursion and the mean over 8 networks of width 64 (within 5 SE)."""
    L = 30
    th = R.residual_theory("he", "tanh", L)
    assert np.all(th.q <= th.q[0] + np.arange(L + 1) + 1e-12)
    q, _, sq, _ = R.residual_simulate_seeds("he", "tanh", L, width=64, seeds=range(8))
    assert np.all(q - (q[0] + np.arange(L + 1)) < 5 * sq + 1e-12)


def test_zero_scheme_first_steps_only_head_moves():
    """W2 = 0 and a zero classifier (Fixup, our demo): δ = 0, so at step 1 the gradients of
    W1, W2 and the embedding are exactly 0 and only the head moves; at step 2 W2 and the
    embedding get gradients, W1 still 0; at step 3 W1 too."""
    from initlab.numerics.residual import (
        RESIDUAL_SCHEMES,
        _grads,
        _init_net,
        _momentum_step,
        _zeros_like,
    )
    Xtr, ytr, _, _ = R.load_digits_split(0)
    sc = RESIDUAL_SCHEMES.get("zero")
    al = sc.alpha(4)
    net = _init_net(sc, 64, 16, 4, 10, np.random.default_rng(0), zero_head=True)
    vel = _zeros_like(net)
    X, y = Xtr[:64], ytr[:64]
    nz = lambda a: float(np.abs(a).max()) > 0
    _, g1 = _grads(net, X, y, sc, al)
    assert nz(g1["head"]) and not nz(g1["emb"])
    assert not any(nz(w) for blk in g1["blocks"] for w in blk)
    _momentum_step(net, vel, g1, 0.01, 0.9)
    _, g2 = _grads(net, X, y, sc, al)
    assert nz(g2["emb"]) and all(nz(blk[1]) for blk in g2["blocks"])
    assert not any(nz(blk[0]) for blk in g2["blocks"])
    _momentum_step(net, vel, g2, 0.01, 0.9)
    _, g3 = _grads(net, X, y, sc, al)
    assert all(nz(blk[0]) for blk in g3["blocks"])


def test_zero_init_is_identity():
    """W2 = 0: x_L = x_0 exactly, and δ_0 = δ_L."""
    p = R.residual_simulate("zero", "relu", 25, width=64, batch=16, seed=3)
    assert np.allclose(p.q, p.q[0])
    assert np.allclose(p.grad, 1.0)


def test_tanh_branches_mean_field():
    """tanh branches (LeCun W1): the mean-field recursion against the mean of 8 networks,
    5 SE plus the O(1/n) finite-width correction (q_l/n)."""
    L = 20
    th = R.residual_theory("he", "tanh", L)
    q, _g, sq, _sg = R.residual_simulate_seeds("he", "tanh", L, width=256, batch=64,
                                             seeds=range(8))
    assert np.all(np.abs(q[1:] - th.q[1:]) < 5 * sq[1:] + th.q[1:] / 256)
    # variance grows more slowly than 2^L: tanh saturates
    assert th.q[-1] < 2.0 ** L / 100


def test_bn_forward_fixed_gradient_explodes():
    """BN-ReLU nets (n = 256, batch 64): E x² = 1/2 at every layer up to the eps of BN;
    the gradient grows geometrically towards the input by a factor > 1.3 per layer in
    every one of 3 seeds, while the same net without BN keeps it within a factor 10."""
    for seed in range(3):
        q, g = R.bn_relu_gradients(30, 256, 64, seed)
        assert np.all(np.abs(q[1:] - 0.5) < 0.02)
        rate = g[0] ** (1 / 30)
        assert 1.35 < rate < 1.5          # «примерно в 1,4 раза на слой»
        assert g[0] > 1e4                 # «в десятки тысяч раз»
        _q0, g0 = R.bn_relu_gradients(30, 256, 64, seed, bn=False)
        assert 0.1 < g0[0] < 10


def test_residual_bn_linear_growth():
    """Branch ending in BN: E q_L = q_0 + L (30 blocks, 8 networks, 5 SE over networks);
    the demo's «E x_L² = 31,1 … q_0 + L = 31»."""
    qs = np.array([R.residual_bn_forward(30, 256, 64, k) for k in range(8)])
    d = qs[:, -1] - (qs[:, 0] + 30)
    assert abs(d.mean()) < 5 * d.std(ddof=1) / math.sqrt(len(d))
    assert np.all(np.diff(qs.mean(0)) > 0.8) and np.all(np.diff(qs.mean(0)) < 1.2)
    from initlab.demos_residual import bn_demo
    b = bn_demo()
    assert abs(b.res_q[-1] - (b.res_q[0] + 30)) < 5 * d.std(ddof=1) / math.sqrt(3)


# --- training on digits ------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    return R.load_digits_split(0)


@pytest.fixture(scope="module")
def training(digits):
    out = {s: [R.train_residual(s, *digits, seed=k) for k in range(3)]
           for s in ("plain", "he", "scaled", "zero")}
    out["linear"] = R.train_linear(*digits)
    return out


def test_majority_baseline(digits):
    """Predicting the majority class: ≈ 10 % (10 balanced classes)."""
    acc = R.majority_accuracy(digits[1], digits[3])
    assert 0.08 < acc < 0.12


def test_training_claims(training, digits):
    """The claims of the training section, in every one of 3 seeds:
    He (no scaling) diverges; plain stays far below the linear model; 1/√L and zero-init
    reach the converged linear model within one point and far above the majority class;
    the 10-epoch SGD linear model is not converged (2–3 points below)."""
    lin = training["linear"]["test_acc"]
    conv = R.logreg_accuracy(*digits)
    maj = R.majority_accuracy(digits[1], digits[3])
    assert lin > 0.9
    assert abs(R.train_linear(*digits, epochs=30)["test_acc"] - conv) < 0.01
    assert 0.02 <= conv - lin <= 0.035
    assert all(r["diverged"] for r in training["he"])
    assert all(r["init_loss"] > 100 for r in training["he"])
    for r in training["plain"]:        # «при этих зёрнах не расходится … намного ниже»
        assert not r["diverged"] and r["test_acc"] < lin - 0.3
    for s in ("scaled", "zero"):
        for r in training[s]:
            assert not r["diverged"]
            assert abs(r["test_acc"] - conv) <= 0.01    # «не больше процентного пункта»
            assert r["test_acc"] > maj + 0.5
    assert len(digits[3]) == 539                            # «тестовой выборке из 539»
    # zero-init starts exactly at log(10): uniform predictions
    assert all(r["init_loss"] == pytest.approx(math.log(10), rel=1e-12)
               for r in training["zero"])


def test_training_smaller_steps():
    """«и при 0,001 расходится; при 0,0001 … 0,77–0,79»; plain at 0,001: 0,67–0,72, far
    below the linear model; W₂ = 0 with a LeCun classifier: 0,970–0,974 (as good as the
    zero classifier: within a point of the converged linear model)."""
    from initlab.demos_residual import training_variants_demo
    o = training_variants_demo(progress=False).other
    conv = R.logreg_accuracy(*R.load_digits_split(0))
    assert all(r["diverged"] for r in o[("he", 1e-3)])
    for r in o[("he", 1e-4)]:
        assert not r["diverged"] and 0.765 <= r["test_acc"] < 0.795
    for r in o[("plain", 1e-3)]:
        assert 0.665 <= r["test_acc"] < 0.725 and r["test_acc"] < conv - 0.2
    for r in o["zero_lecun_head"]:
        assert 0.9695 <= r["test_acc"] < 0.9745 and abs(r["test_acc"] - conv) <= 0.01


# --- LSUV ---------------------------------------------------------------------------------


def test_lsuv_fixed_point_values():
    """tanh: σ_w² = 1/E tanh²(z) ≈ 2.536, χ₁ ≈ 1.178; ReLU: 2 and 1 exactly."""
    s2, chi = LS.lsuv_fixed_point("tanh")
    assert f"{s2:.3f}" == "2.536" and f"{chi:.3f}" == "1.178"
    # independent Monte Carlo of E tanh²(z) and E sech⁴(z)
    z = np.random.default_rng(0).standard_normal(2_000_000)
    t2 = np.tanh(z) ** 2
    se = t2.std() / math.sqrt(z.size)
    assert abs(1 / s2 - t2.mean()) < 5 * se
    d2 = (1 - t2) ** 2
    assert abs(chi / s2 - d2.mean()) < 5 * d2.std() / math.sqrt(z.size)
    assert LS.lsuv_fixed_point("relu") == pytest.approx((2.0, 1.0), rel=1e-12)


@pytest.mark.parametrize("act, target", [("tanh", 2.536175), ("relu", 2.0)])
def test_lsuv_lands_at_fixed_point(act, target):
    """LSUV on orthogonal 256-wide layers, batch 512: layers 2..20 land at the mean-field
    σ_w² (5 SE over layers and 3 seeds, plus 1/n for the finite width); every layer's
    pre-activation variance is 1."""
    vals = []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        ws = LS.orthogonal_net(rng, 256, 20)
        X = rng.standard_normal((512, 256))
        w2, s2, _ = LS.lsuv_init(ws, X, act)
        assert np.allclose(LS.layer_preactivation_vars(w2, X, act), 1.0, atol=1e-3)
        vals.append(s2[1:])
    v = np.concatenate(vals)
    # 5 SE (layers treated as independent) plus the O(1/n) finite-width bias of the mean
    # field (|y|²/n and np.var's mean subtraction are exact only as n -> infinity)
    assert abs(v.mean() - target) < 5 * v.std(ddof=1) / math.sqrt(v.size) + target / 256


def test_lsuv_relu_spread_larger_than_tanh():
    """«tanh ложится на 2,536 с разбросом в тысячные доли, ReLU колеблется сильнее»;
    the first layer sees N(0, 1) data: σ_w² ≈ 1."""
    from initlab.demos_residual import lsuv_demo
    d = lsuv_demo()
    assert d.s2["tanh"][1:].std(ddof=1) < 0.01
    assert d.s2["relu"][1:].std(ddof=1) > 10 * d.s2["tanh"][1:].std(ddof=1)
    for act in ("tanh", "relu"):
        assert abs(d.s2[act][0] - 1) < 0.02     # n·mean w² = 256/Var-estimate of N(0,1) data
    # «средний косинус между ними к последнему слою — больше 0,9»; tanh stays uncorrelated
    assert d.corr["relu"] > 0.9 and abs(d.corr["tanh"]) < 0.05


def test_orthogonal_net_and_check_cases_are_orthogonal():
    """LSUV starts from independent orthogonal matrices (numerics.spectra.haar_orthogonal);
    the check's rectangular matrices have orthonormal rows or columns."""
    ws = LS.orthogonal_net(np.random.default_rng(1), 30, 3)
    for Q in ws:
        assert np.allclose(Q @ Q.T, np.eye(30), atol=1e-12)
    assert not np.allclose(ws[0], ws[1])
    assert not hasattr(LS, "orthogonal")
    params, _ = ck._case("tanh", (16, 128, 32, 96, 5), 3)
    for p in params:
        A = p["A"]
        k = min(A.shape)
        G = A.T @ A if A.shape[0] >= A.shape[1] else A @ A.T
        assert np.allclose(G, np.eye(k), atol=1e-12)


def test_lsuv_demo_tanh_value():
    """«tanh ложится на ≈ 2,534 … теория 2,536; разница порядка 1/n»."""
    from initlab.demos_residual import lsuv_demo
    v = lsuv_demo().s2["tanh"][1:].mean()
    assert f"{v:.3f}".replace(".", ",") == "2,534"
    assert 0 < LS.lsuv_fixed_point("tanh")[0] - v < 2.536 / 256


# --- frameworks ---------------------------------------------------------------------------


def test_gain_table_against_integrals():
    """Exact gains for the homogeneous ones; tanh and SELU are conventions."""
    for name in ("linear", "relu", "leaky_relu"):
        fwd, bwd = F.gain_integrals(name)
        assert F.gain(name) ** 2 == pytest.approx(fwd, rel=1e-9)
        assert F.gain(name) ** 2 == pytest.approx(bwd, rel=1e-9)
    for alpha in (0.1, 0.2, 0.5):
        fwd, _ = F.gain_integrals("leaky_relu", alpha)
        assert F.gain("leaky_relu", alpha) ** 2 == pytest.approx(fwd, rel=1e-9)
        assert fwd == pytest.approx(2 / (1 + alpha ** 2), rel=1e-9)
    fwd, bwd = F.gain_integrals("tanh")
    assert f"{fwd:.3f}" == "2.536" and f"{bwd:.3f}" == "2.153"
    assert fwd < (5 / 3) ** 2 and bwd < (5 / 3) ** 2
    fwd, bwd = F.gain_integrals("selu")
    assert fwd == pytest.approx(1.0, abs=1e-9)       # self-normalising: gain 1, not 3/4
    assert F.gain("selu") == 0.75 and F.gain("tanh") == pytest.approx(5 / 3)


def test_tanh_default_gain_fixed_point():
    """σ_w² = (5/3)², no biases: q* ≈ 1.18, χ₁ ≈ 1.21 (chaotic). Independent Monte Carlo
    of the fixed-point equation q* = σ_w² E tanh²(√q* z) and of χ₁, 5 SE."""
    s2 = (5 / 3) ** 2
    q, chi = F.fixed_point("tanh", s2)
    assert f"{q:.2f}" == "1.18" and f"{chi:.2f}" == "1.21"
    z = np.random.default_rng(5).standard_normal(2_000_000) * math.sqrt(q)
    t2 = s2 * np.tanh(z) ** 2
    assert abs(t2.mean() - q) < 5 * t2.std() / math.sqrt(z.size)
    d2 = s2 * (1 - np.tanh(z) ** 2) ** 2
    assert abs(d2.mean() - chi) < 5 * d2.std() / math.sqrt(z.size)
    assert F.fixed_point("tanh", s2, q0=0.01)[0] == pytest.approx(q, rel=1e-9)


def test_sigmoid_gain_one_does_not_preserve():
    """«1/E σ(z)² ≈ 3,4»: E σ(z)² = 1/4 + Var σ(z) by Monte Carlo, 5 SE."""
    fwd, _ = F.gain_integrals("sigmoid")
    assert f"{fwd:.1f}" == "3.4"
    z = np.random.default_rng(2).standard_normal(1_000_000)
    s2 = (1 / (1 + np.exp(-z))) ** 2
    assert abs(1 / fwd - s2.mean()) < 5 * s2.std() / math.sqrt(z.size)


def test_truncated_normal_sd():
    """sd of N(0, 1) truncated at ±2 is 0.8796 (Monte Carlo, 5 SE)."""
    z = np.random.default_rng(3).standard_normal(2_000_000)
    z = z[np.abs(z) <= 2]
    se = np.sqrt((np.mean(z ** 4) - np.mean(z ** 2) ** 2) / z.size)
    assert abs(np.mean(z ** 2) - F.TRUNC_SD ** 2) < 5 * se
    assert f"{F.TRUNC_SD:.4f}" == "0.8796"


def test_torch_kaiming_uniform_a_sqrt5():
    """gain √(2/(1+5)) = 1/√3, bound = gain·√(3/fan_in) = 1/√fan_in, Var = 1/(3 fan_in)."""
    g = math.sqrt(2 / (1 + 5))
    assert g * math.sqrt(3 / 256) == pytest.approx(1 / 16, rel=1e-12)
    assert F.DEFAULTS["torch"].weight_var(256, 128) == pytest.approx((1 / 16) ** 2 / 3)
    assert F.kaiming_std(256, 128, "leaky_relu", math.sqrt(5)) ** 2 == pytest.approx(1 / 768)
    assert F.kaiming_std(256, 128, "relu", mode="fan_out") ** 2 == pytest.approx(2 / 128)


@pytest.mark.parametrize("key", ["torch", "keras", "flax"])
def test_framework_samplers_variance(key):
    """Sampled weights (and biases) against the formulas, 5 SE from the fourth moment."""
    d = F.DEFAULTS[key]
    rng = np.random.default_rng(7)
    W, b = d.sample(rng, 300, 200)
    for arr, var in ((W, d.weight_var(300, 200)), (b, d.bias_var(300, 200))):
        m2 = np.mean(arr ** 2)
        if var == 0:
            assert np.all(arr == 0)
            continue
        se = np.sqrt((np.mean(arr ** 4) - m2 ** 2) / arr.size)
        assert abs(m2 - var) < 5 * se
    if key == "flax":
        assert np.abs(W).max() <= 2 * F.TRUNC_SD ** -1 / math.sqrt(300) + 1e-12


# --- the self-checks ---------------------------------------------------------------------


def _ok(fn, *a, **k):
    fn(*a, **k)


def _bad(fn, *a, contains="", **k):
    with pytest.raises(CheckFailed) as e:
        fn(*a, **k)
    assert contains in str(e.value)
    return str(e.value)


def test_frameworks_demo_within_se():
    """Every sampled n_in·Var (weights and biases) within 5 SE of the formula; the leaky
    ReLU row of the gains table is α = 0.01 and all numbers use a decimal comma."""
    from initlab.demos_residual import frameworks_demo, gains_demo
    d = frameworks_demo()
    for key, (w_m, w_se, b_m, b_se) in d.est.items():
        spec = F.DEFAULTS.get(key)
        assert abs(w_m - 256 * spec.weight_var(256, 128)) < 5 * w_se
        assert abs(b_m - 256 * spec.bias_var(256, 128)) <= 5 * b_se
    text = str(d) + str(gains_demo())
    assert "0.3333" not in text and "0,3333" in text and "α = 0,01" in text
    assert gains_demo().rows["leaky_relu"][0] == pytest.approx(math.sqrt(2 / 1.0001))


def test_check_residual_variance(capsys):
    for good in (2 ** 10, 1024.0, np.float32(1024), np.array([1024.0]), 2.0 ** 10):
        _ok(ck.residual_variance, good)
    assert "Верно!" in capsys.readouterr().out
    _bad(ck.residual_variance, 10, contains="Неверно")
    _bad(ck.residual_variance, 3 ** 10, contains="Неверно")
    _bad(ck.residual_variance, 1.0, contains="Неверно")
    _bad(ck.residual_variance, ..., contains="Ответ ещё не введён")
    _bad(ck.residual_variance, "1024", contains="строка")
    _bad(ck.residual_variance, 2 ** 9, contains="включая первый")
    _bad(ck.residual_variance, 2 ** 11, contains="лишнее удвоение")


def test_check_scaled_variance(capsys):
    for good in (1.1 ** 10, (1 + 1 / 10) ** 10, np.float64(2.5937424601)):
        _ok(ck.scaled_variance, good)
    _bad(ck.scaled_variance, 2.594, contains="Почти верно")
    _bad(ck.scaled_variance, math.e, contains="предел")
    _bad(ck.scaled_variance, 2.0, contains="Неверно")
    _bad(ck.scaled_variance, 2 ** 10, contains="Неверно")
    # every message names the exercise's variable `ratio_scaled`
    assert "`ratio_scaled`" in _bad(ck.scaled_variance, 2.0)
    assert "`ratio_scaled`" in _bad(ck.scaled_variance, 2.594)
    assert "`ratio_scaled =" in _bad(ck.scaled_variance, "2.59", contains="строка")
    _bad(ck.scaled_variance, 1.1 ** 9, contains="включая первый")
    _bad(ck.scaled_variance, 1.1 ** 11, contains="на один больше")


def test_check_leaky_gain(capsys):
    a = ck.LEAKY_ALPHA
    for good in (math.sqrt(2 / (1 + a * a)), (2 / (1 + a ** 2)) ** 0.5,
                 np.sqrt(np.float32(2 / 1.04))):
        _ok(ck.leaky_gain, good)
    _bad(ck.leaky_gain, math.sqrt(2), contains="Неверно")
    _bad(ck.leaky_gain, 2 / (1 + a * a), contains="квадрат")
    _bad(ck.leaky_gain, math.sqrt(2 / (1 + a)), contains="Неверно")
    _bad(ck.leaky_gain, round(math.sqrt(2 / 1.04), 3), contains="Почти верно")
    # the reviewer's student answers
    _bad(ck.leaky_gain, math.sqrt(2 / 1.0001), contains="а не 0,01")     # PyTorch's α
    _bad(ck.leaky_gain, math.sqrt((1 + a * a) / 2), contains="Дробь перевёрнута")
    _bad(ck.leaky_gain, math.sqrt(1 + a * a), contains="множитель 1/2")
    _bad(ck.leaky_gain, -math.sqrt(2 / (1 + a * a)), contains="положительным")


def _lsuv_good(params, X, act):
    """Sequential: each layer's pre-activation computed from the corrected layers before."""
    from initlab.numerics.activations import ACTIVATIONS
    f = ACTIVATIONS[act].f
    out = [dict(p) for p in params]
    x = X
    for i, p in enumerate(out):
        p["A"] = p["A"] / np.std(x @ p["A"] + p["b"])
        z = x @ p["A"] + p["b"]
        x = f(z) if i < len(out) - 1 else z
    return out


def _lsuv_good_loop(params, X, act):
    """Through the course's forward pass, iterating until |Var − 1| < 1e-6."""
    from initlab.numerics.mlp import forward
    out = [{"A": p["A"].copy(), "b": p["b"].copy()} for p in params]
    for i in range(len(out)):
        for _ in range(10):
            _, cache = forward(out, X, act)
            v = np.var(cache["layers"][i][0][1])
            if abs(v - 1) < 1e-6:
                break
            out[i]["A"] = out[i]["A"] / np.sqrt(v)
    return out


def test_check_lsuv(capsys):
    _ok(ck.lsuv, _lsuv_good)
    _ok(ck.lsuv, _lsuv_good_loop)
    _ok(ck.lsuv, _lsuv_good, thorough=True)
    # wrong: variance of the input instead of the output
    def wrong_input(params, X, act):
        out = [dict(p) for p in params]
        x = X
        for p in out:
            p["A"] = p["A"] / np.std(x)
            x = np.tanh(x @ p["A"]) if act == "tanh" else np.maximum(x @ p["A"], 0)
        return out
    _bad(ck.lsuv, wrong_input, contains="Неверно")
    # wrong: rescale every layer from the ORIGINAL network's activations (not sequential)
    def wrong_parallel(params, X, act):
        from initlab.numerics.activations import ACTIVATIONS
        f = ACTIVATIONS[act].f
        out = [dict(p) for p in params]
        x = X
        for p, p0 in zip(out, params):
            z = x @ p0["A"]
            p["A"] = p0["A"] / np.std(z)
            x = f(z)
        return out
    _bad(ck.lsuv, wrong_parallel, contains="Неверно")
    # wrong: new random weights with the right variance (not a rescaling)
    def wrong_redraw(params, X, act):
        rng = np.random.default_rng(0)
        out = [dict(p) for p in params]
        x = X
        for p in out:
            A = rng.standard_normal(p["A"].shape)
            A /= np.std(x @ A)
            p["A"] = A
            x = np.tanh(x @ A) if act == "tanh" else np.maximum(x @ A, 0)
        return out
    _bad(ck.lsuv, wrong_redraw, contains="направлени")
    def hidden_only(params, X, act):
        out = _lsuv_good(params, X, act)
        out[-1] = dict(params[-1])
        return out
    _bad(ck.lsuv, hidden_only, contains="последнего")
    # correct but different: per-unit variances averaged, ddof=1, in-place modification
    def per_unit(params, X, act):
        x = X
        for i, p in enumerate(params):
            z = x @ p["A"]
            p["A"] /= np.sqrt(np.var(z, axis=0, ddof=1).mean())
            z = x @ p["A"]
            x = (np.tanh(z) if act == "tanh" else np.maximum(z, 0)) if i < len(params) - 1 else z
        return params
    _ok(ck.lsuv, per_unit)
    def second_moment(params, X, act):
        x, out = X, [dict(p) for p in params]
        for i, p in enumerate(out):
            p["A"] = p["A"] / np.sqrt(np.mean((x @ p["A"]) ** 2))
            z = x @ p["A"]
            x = (np.tanh(z) if act == "tanh" else np.maximum(z, 0)) if i < len(out) - 1 else z
        return out
    _bad(ck.lsuv, second_moment, contains="второй момент")
    _bad(ck.lsuv, lambda params, X, act: None, contains="Ответ ещё не введён")
    msg = _bad(ck.lsuv, lambda params, X, act: 1 / 0, contains="ZeroDivisionError")
    # the arguments are summarised (shapes, act), not printed as arrays
    assert len(msg) < 400 and "array(" not in msg
    assert "32×64" in msg and "act = 'tanh'" in msg and "256×32" in msg


# --- the explorer ------------------------------------------------------------------------


def test_explorer_renders_every_setting():
    """Every scheme × activation at depth 1 and at the maximum: a PNG and Russian text
    with finite numbers; the widgets drive the render."""
    from initlab.explorers.residual import MAX_DEPTH, render, residual_explorer
    for depth in (1, MAX_DEPTH):
        for scheme in ("plain", "he", "scaled", "zero"):
            for act in ("relu", "tanh", "linear"):
                png, text = render(depth, scheme, act)
                assert png[:8] == b"\x89PNG\r\n\x1a\n"
                assert "по формуле" in text and "nan" not in text and "inf" not in text
    e = residual_explorer(depth=5)
    e.controls["scheme"].value = "zero"
    assert "W₂ = 0: E x_L² = 1 по формуле" in e.status.value
