"""Every quantitative statement of the lecture notebooks book/lectures/01–03."""
import numpy as np
import pytest

from initlab.figures.networks import GALLERY
from initlab.numerics import activations, clipping, logic, propagate, symmetry
from initlab.numerics import activations as A
from initlab.numerics import approximation as approx
from initlab.numerics import mlp as nn
from initlab.numerics.activations import ACTIVATIONS

SEPARABLE_2 = {tuple(y) for y in logic.all_truth_tables(2) if logic.separable_lp(logic.BOOL_X, y)[0]}


# ------------------------------------------------------------------ 01: separating power

def test_and_or_separable_xor_not():
    assert logic.linearly_separable(logic.LOGIC["AND"]) and logic.linearly_separable(logic.LOGIC["OR"])
    # XOR: w2+b>0, w1+b>0, b<=0, w1+w2+b<=0 -> adding the first two: w1+w2+2b>0,
    # so w1+w2+b > -b >= 0, a contradiction; the grid search agrees.
    assert not logic.linearly_separable(logic.LOGIC["XOR"])


def test_lp_separability_of_the_named_functions():
    for name in ("AND", "OR", "NAND"):
        ok, w, b = logic.separable_lp(logic.BOOL_X, logic.LOGIC[name])
        assert ok and np.array_equal((logic.BOOL_X @ w + b > 0).astype(int), logic.LOGIC[name])
    ok, w, b = logic.separable_lp(logic.NOT_X, logic.NOT_Y)
    assert ok and np.array_equal((logic.NOT_X @ w + b > 0).astype(int), logic.NOT_Y)
    assert not logic.separable_lp(logic.BOOL_X, logic.LOGIC["XOR"])[0]
    assert not logic.separable_lp(logic.BOOL_X, logic.LOGIC["XNOR"])[0]


def test_fourteen_of_sixteen_and_104_of_256_functions_are_linearly_separable():
    assert len(SEPARABLE_2) == 14
    assert SEPARABLE_2 == {tuple(y) for y in logic.all_truth_tables(2)} - {(0, 1, 1, 0), (1, 0, 0, 1)}
    X3 = logic.boolean_inputs(3)
    assert sum(logic.separable_lp(X3, y)[0] for y in logic.all_truth_tables(3)) == 104


def test_xor_from_and_or_nand():
    assert np.array_equal(logic.threshold_forward(logic.xor_threshold_net(), logic.BOOL_X), logic.LOGIC["XOR"])


@pytest.mark.parametrize("k", [1, 2, 3])
def test_dnf_and_cnf_networks_compute_every_function(k):
    X = logic.boolean_inputs(k)
    for y in logic.all_truth_tables(k):
        assert np.array_equal(logic.threshold_forward(logic.dnf_net(y, X), X), y)
        assert np.array_equal(logic.threshold_forward(logic.cnf_net(y, X), X), y)
        assert logic.dnf_net(y, X)[0][0].shape[1] == (y == 1).sum() or (y == 0).all()


@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_parity_needs_two_to_the_k_minus_one_dnf_terms(k):
    X = logic.boolean_inputs(k)
    parity = (X.sum(axis=1) % 2).astype(int)
    assert logic.largest_implicant_dim(parity, k) == 0  # every term covers a single point
    assert parity.sum() == 2 ** (k - 1)
    assert logic.largest_implicant_dim(np.ones(2 ** k, int), k) == k  # sanity: the constant 1


@pytest.mark.parametrize("k", [2, 3, 4, 5, 6])
def test_deep_parity_chain_is_linear_in_k(k):
    X = logic.boolean_inputs(k)
    parity = X.sum(axis=1) % 2
    out, neurons = logic.parity_chain(X)
    assert np.array_equal(out, parity) and neurons == 3 * (k - 1)
    assert logic.dnf_neurons(parity) == 2 ** (k - 1) + 1
    assert np.array_equal(logic.threshold_forward(logic.dnf_net(parity.astype(int), X), X), parity)


def test_parameter_counts_in_text():
    assert nn.mlp_param_count([1000, 1000]) == 1_001_000
    assert nn.mlp_param_count([1000, 100, 1000]) == 201_100
    assert logic.dnf_neurons((logic.boolean_inputs(20).sum(axis=1) % 2).astype(int)) == 2 ** 19 + 1


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "relu"])
def test_one_hidden_unit_cannot_represent_xor(act):
    # out = a·f(w·x + b) + c with monotone f: {out > 0} is a half-plane, so the pattern is
    # linearly separable; check on many random networks of width 1.
    rng = np.random.default_rng(0)
    for _ in range(3000):
        params = [{"A": rng.standard_normal((2, 1)) * 3, "b": rng.standard_normal(1) * 3},
                  {"A": rng.standard_normal((1, 1)) * 3, "b": rng.standard_normal(1) * 3}]
        out, _ = nn.forward(params, logic.BOOL_X, act)
        assert tuple((out[:, 0] > 0).astype(int)) in SEPARABLE_2


@pytest.mark.parametrize("width,act,solved", [
    (1, "tanh", 0), (1, "relu", 0),
    (2, "tanh", 2), (2, "sigmoid", 5), (2, "relu", 1),
    (4, "tanh", 10), (4, "sigmoid", 10), (4, "relu", 5),
    (8, "tanh", 10), (8, "sigmoid", 10), (8, "relu", 10)])
def test_xor_success_counts_in_text(width, act, solved):
    assert logic.xor_success(width, act) == solved


def test_trained_xor_networks_as_stated():
    params, hist = logic.train_xor(4, "tanh", 0)   # the explorer's default
    assert hist["correct"] == 4 and hist["loss"][-1] < 0.01
    xx, _yy, p = logic.decision_surface(params, "tanh")
    assert p.shape == xx.shape == (121, 121) and 0 <= p.min() and p.max() <= 1


# ------------------------------------------------------------------ 02: depth

@pytest.mark.parametrize("key", list(approx.TARGETS))
def test_staircase_error_within_bound_and_halves_with_n(key):
    _label, f, lip = approx.TARGETS[key]
    x = np.linspace(0, 1, 20001)
    assert np.max(np.abs(np.diff(f(x)) / np.diff(x))) <= lip * (1 + 1e-9)  # stated Lipschitz c.
    ns = [1, 2, 4, 8, 16, 32, 64, 128]
    errs = approx.staircase_errors(f, ns, m=20001)
    bounds = np.array([approx.staircase_error_bound(lip, 0, 1, n) for n in ns])
    assert np.all(errs <= bounds)
    ratios = errs[5:] / errs[3:-2]                   # n = 8 … 32 → 4n: error / 4
    assert np.all((ratios > 0.2) & (ratios < 0.3))
    # least squares minimises the mean square error (not the maximum) for the same units
    rms = approx.staircase_errors(f, ns, norm="rms")
    assert np.all(approx.staircase_errors(f, ns, lstsq=True, norm="rms") <= rms + 1e-12)


def test_sin_staircase_number_in_text():
    f = approx.TARGETS["sin"][1]
    assert abs(approx.staircase_errors(f, [8])[0] - 0.149) < 0.0005
    assert approx.staircase_errors(f, [128])[0] < 0.01


def test_permuting_hidden_units_keeps_the_function():
    rng = np.random.default_rng(0)
    params = nn.init_mlp([3, 6, 5, 2], rng)
    X = rng.standard_normal((10, 3))
    out = nn.forward(params, X, "tanh")[0]
    for layer, perm in ((0, rng.permutation(6)), (1, rng.permutation(5))):
        q = symmetry.permute_hidden(params, layer, perm)
        assert not np.allclose(q[layer]["A"], params[layer]["A"])
        assert np.allclose(nn.forward(q, X, "tanh")[0], out, rtol=0, atol=1e-13)


def test_sign_flip_keeps_the_function_for_tanh_only():
    rng = np.random.default_rng(1)
    params = nn.init_mlp([3, 6, 2], rng)
    X = rng.standard_normal((10, 3))
    q = symmetry.flip_hidden(params, 0, 2)
    assert np.allclose(nn.forward(q, X, "tanh")[0], nn.forward(params, X, "tanh")[0], atol=1e-13)
    assert not np.allclose(nn.forward(q, X, "sigmoid")[0], nn.forward(params, X, "sigmoid")[0])


def test_loss_along_the_continuous_permutation():
    params, X, Y, hist = symmetry.train_regression()
    assert hist["loss"][-1] < 1e-3
    alphas = np.linspace(0, 1, 41)
    ls = symmetry.loss_along_swap(params, X, Y, "tanh", 0, 0, 1, alphas)
    assert abs(ls[0] - ls[-1]) < 1e-12 and abs(ls[-1] - hist["loss"][-1]) < 1e-4
    assert ls[20] > 1e4 * ls[0]              # «в десятки тысяч раз»: a barrier between minima
    assert ls[20] > max(ls[0], ls[-1])       # α = 1/2: a convex function could not do this
    mid = symmetry.swap_path(params, 0, 0, 1, 0.5)  # at α = 1/2 the two units coincide
    assert np.allclose(mid[0]["A"][:, 0], mid[0]["A"][:, 1])
    assert np.allclose(mid[1]["A"][0], mid[1]["A"][1])


def test_sigmoid_derivative_max_is_quarter_at_zero():
    z = np.linspace(-10, 10, 200001)
    d = ACTIVATIONS["sigmoid"].df(z)
    assert abs(d.max() - 0.25) < 1e-12 and abs(z[d.argmax()]) < 1e-9


def test_gradient_bound_through_sigmoid_layers():
    rng = np.random.default_rng(0)
    for d in (1, 3, 6):
        params = nn.init_mlp([5] * (d + 1), rng)
        X = rng.standard_normal((1, 5))
        _, cache = nn.forward(params, X, "sigmoid", out_act="sigmoid")
        J = np.eye(5)
        for (c, a, _), p in zip(cache["layers"], params):
            J = J @ (p["A"] * ACTIVATIONS["sigmoid"].df(c[1])[0])
        bound = propagate.sigmoid_grad_bound(d, [np.linalg.norm(p["A"], 2) for p in params])
        assert np.linalg.norm(J, 2) <= bound + 1e-12


def test_scalar_sigmoid_chain_derivative_at_most_four_to_minus_d():
    x = np.linspace(-8, 8, 4001)
    y, dy = x, np.ones_like(x)
    for d in range(1, 9):
        dy = dy * activations.dsigmoid(y)
        y = activations.sigmoid(y)
        assert dy.max() <= 4.0 ** -d and dy.max() > 0.5 * 4.0 ** -d * 0.9 ** (d - 1)


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("scale", [0.5, 1.0, 3.0])
def test_layer_gradients_below_the_jacobian_bound(act, scale):
    r = propagate.layer_gradient_norms(25, 32, act, scale, batch=16, seed=1)
    assert np.all(r["delta"] <= r["bound"] * (1 + 1e-10))
    assert r["param"].shape == (25,)


def test_gradient_numbers_in_text():
    ratio = lambda r: r["delta"][0] / r["delta"][-1]
    assert ratio(propagate.layer_gradient_norms(20, act="sigmoid")) < 1e-10   # the explorer's default
    assert ratio(propagate.layer_gradient_norms(20, act="tanh", scale=0.5)) < 1e-5
    assert 0.1 < ratio(propagate.layer_gradient_norms(20, act="tanh", scale=1.0)) < 1
    assert ratio(propagate.layer_gradient_norms(20, act="tanh", scale=3.0)) > 1e2
    assert 1e-4 < ratio(propagate.layer_gradient_norms(20, act="relu", scale=1.0)) < 1e-2
    assert 0.5 < ratio(propagate.layer_gradient_norms(20, act="relu", scale=np.sqrt(2))) < 2
    assert 4.0 ** -10 < 1e-6


def test_relu_shortcuts_without_normalisation_explode():
    r = propagate.layer_gradient_norms(30, act="relu", residual=True)
    assert r["delta"][0] / r["delta"][-1] > 1e3                # «в тысячи раз»


@pytest.mark.parametrize("depth", [10, 30, 60])
def test_shortcuts_keep_the_gradient(depth):
    plain = propagate.layer_gradient_norms(depth, act="sigmoid")
    res = propagate.layer_gradient_norms(depth, act="sigmoid", residual=True)
    assert plain["delta"][0] / plain["delta"][-1] < 1e-4 * 4.0 ** -(depth - 10)
    assert res["delta"][0] / res["delta"][-1] > 0.02
    # through the shortcuts the gradient at the hidden layers changes by less than 2 times
    inner = res["delta"][1:-1]
    assert inner.max() / inner.min() < 2
    if depth == 30:                                     # «примерно в 13 раз» in the last layer
        assert 12 < res["delta"][-1] / res["delta"][-2] < 14


def test_clipping_properties():
    g = np.array([30.0, -4.0, 0.5])
    gg, gl = clipping.clip_global(g, 1.0), clipping.clip_local(g, 1.0)
    assert np.isclose(np.linalg.norm(gg), 1.0)
    assert np.isclose(gg @ g / np.linalg.norm(g), 1.0)  # same direction
    assert clipping.angle_deg(gg, g) < 1e-6 and clipping.angle_deg(gl, g) > 30
    assert np.abs(gl).max() <= 1.0 and gl @ g / (np.linalg.norm(gl) * np.linalg.norm(g)) < 0.99
    assert np.array_equal(clipping.clip_global(g, 100.0), g)
    assert np.array_equal(clipping.clip_local(g, 100.0), g)


def test_cliff_gradient_matches_finite_differences():
    w, b = np.array([6.0, 4.5, 3.0]), np.array([-3.5, -2.2, -1.0])
    _, gw, gb = clipping.cliff_loss(w, b)
    h = 1e-6
    nw = (clipping.cliff_loss(w + h, b)[0] - clipping.cliff_loss(w - h, b)[0]) / (2 * h)
    nb = (clipping.cliff_loss(w, b + h)[0] - clipping.cliff_loss(w, b - h)[0]) / (2 * h)
    assert np.allclose(gw, nw, rtol=1e-5) and np.allclose(gb, nb, rtol=1e-5)


def test_vectorised_descent_equals_the_loop():
    for start, lr, c in (((6.0, -3.5), 0.05, 2.0), ((7.0, -4.0), 0.2, 0.5)):
        together = clipping.descend_all(start, lr, 40, c)
        for clip in clipping.CLIPS:
            assert np.allclose(together[clip], clipping.descend(start, lr, 40, clip, c), rtol=1e-12,
                               atol=1e-12)
    W, B, loss = clipping.cliff_surface(31)
    assert np.array_equal(loss, clipping.cliff_loss(W, B)[0])


def test_cliff_descent_as_stated():
    start, lr, c = (6.0, -3.5), 0.05, 2.0                  # the explorer's default
    raw, glob, loc = (clipping.descend(start, lr, 80, clip, c) for clip in (None, "global", "local"))
    step = clipping.step_lengths
    assert step(raw).max() > 20                             # thrown more than 20 units away
    assert step(glob).max() <= lr * c + 1e-12
    assert step(loc).max() <= lr * c * np.sqrt(2) + 1e-12
    grads = clipping.cliff_gradients(raw[:-1])
    k = np.argmax(np.linalg.norm(grads, axis=1))
    assert np.linalg.norm(grads[k]) > 100
    g = -grads[k]
    assert clipping.angle_deg(clipping.clip_global(g, c), g) < 1e-6
    assert 13.5 < clipping.angle_deg(clipping.clip_local(g, c), g) < 14.5       # «на 14°»
    assert clipping.cliff_loss(*glob[-1])[0] < 0.05
    assert clipping.cliff_loss(*loc[-1])[0] > 1


# ------------------------------------------------------------------ 03: activations

def test_activation_relations():
    z = np.linspace(-6, 6, 1201)
    sig = ACTIVATIONS["sigmoid"].f
    assert np.allclose(np.tanh(z), 2 * sig(2 * z) - 1, atol=1e-14)
    h = 1e-5
    sp = ACTIVATIONS["softplus"].f
    assert np.allclose((sp(z + h) - sp(z - h)) / (2 * h), sig(z), atol=1e-8)
    relu = ACTIVATIONS["relu"].f
    zz = z[np.abs(z) > 1e-3]
    assert np.allclose((relu(zz + h) - relu(zz - h)) / (2 * h), (zz > 0).astype(float))


def test_relations_with_the_gallery_functions():
    x = np.linspace(-8, 8, 3201)
    xx = x[np.abs(x) > 1e-3]
    assert np.allclose(activations.num_deriv(activations.relu, xx), activations.step(xx), atol=1e-9)     # step = ReLU'
    assert np.allclose(activations.num_deriv(activations.softplus, x), activations.sigmoid(x), atol=1e-9)  # σ = softplus'
    assert np.allclose(np.tanh(x), 2 * activations.sigmoid(2 * x) - 1, atol=1e-15)    # tanh = 2σ(2x) − 1
    assert np.allclose(activations.num_deriv(np.tanh, x), 4 * activations.dsigmoid(2 * x), atol=1e-9)


@pytest.mark.parametrize("key", list(GALLERY))
def test_gallery_derivatives_match_finite_differences(key):
    _, f, df = GALLERY[key]
    x = np.linspace(-5, 5, 1001)
    x = x[np.abs(x) > 1e-3]
    assert np.allclose(activations.num_deriv(f, x), df(x), atol=1e-8)


def test_gallery_agrees_with_the_course_activations():
    x = np.linspace(-5, 5, 101)
    for key in ("sigmoid", "tanh", "relu", "softplus", "leaky_relu"):
        a = A.ACTIVATIONS[key]
        assert np.allclose(GALLERY[key][1](x), a.f(x), atol=1e-14)
        xx = x[np.abs(x) > 1e-9]
        assert np.allclose(GALLERY[key][2](xx), a.df(xx), atol=1e-14)


def test_derivative_maxima_and_values_at_zero():
    x = np.linspace(-10, 10, 200001)
    assert abs(activations.dsigmoid(x).max() - 0.25) < 1e-12 and activations.sigmoid(0.0) == 0.5
    assert abs((1 - np.tanh(x) ** 2).max() - 1) < 1e-12 and np.tanh(0.0) == 0.0
    gap = activations.softplus(x) - activations.relu(x)
    assert gap.min() >= 0 and abs(gap.max() - np.log(2)) < 1e-12 and x[gap.argmax()] == 0
    assert np.allclose(activations.prelu(x, 0.01), np.where(x > 0, x, 0.01 * x))


def test_relu_zeros_half_of_a_symmetric_input():
    rng = np.random.default_rng(0)
    z = rng.standard_normal(200_000)
    share = np.mean(activations.relu(z) == 0)
    assert abs(share - 0.5) < 5 * np.sqrt(0.25 / z.size)


@pytest.mark.parametrize("var", [None, 0.3])
def test_noisy_relu_mean_by_monte_carlo(var):
    rng = np.random.default_rng(1)
    x = np.array([-2.0, -0.5, 0.0, 0.7, 2.5])
    samples = np.stack([activations.noisy_relu(x, rng, var) for _ in range(40_000)])
    est, se = samples.mean(axis=0), samples.std(axis=0) / np.sqrt(len(samples))
    assert np.all(np.abs(est - activations.noisy_relu_mean(x, var)) < 5 * se + 1e-8)
    assert np.array_equal(activations.noisy_relu_grad(x, np.random.default_rng(3), var),
                          (activations.noisy_relu(x, np.random.default_rng(3), var) > 0).astype(float))


def test_square_activation_gives_a_quadratic_polynomial():
    rng = np.random.default_rng(4)
    x = np.linspace(-3, 3, 200)
    w, b, alpha = rng.standard_normal((3, 50))
    y = ((np.outer(x, w) + b) ** 2) @ alpha
    coef = np.polyfit(x, y, 2)
    assert np.abs(np.polyval(coef, x) - y).max() < 1e-9 * np.abs(y).max()


# ------------------------------------------------------------------ explorers (01–02)

def _pixels(png_bytes):
    import io

    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png_bytes)).convert("RGB"))


EXPLORER_CHANGES = [("xor_explorer", "width", 6), ("xor_explorer", "act", "relu"),
                    ("approx_explorer", "n", 12), ("approx_explorer", "lstsq", True),
                    ("approx_explorer", "key", "abs"), ("gradient_explorer", "scale", 2.0),
                    ("gradient_explorer", "depth", 33), ("clipping_explorer", "c", 1.5),
                    ("clipping_explorer", "start", (7.0, -4.0)), ("resnet_explorer", "depth", 24),
                    ("resnet_explorer", "act", "relu")]


@pytest.mark.parametrize("name,control,value", EXPLORER_CHANGES)
def test_explorer_redraws_in_place_as_a_fresh_figure(name, control, value, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    import ipywidgets

    from initlab.explorers import networks as wl
    ex = getattr(wl, name)()
    assert isinstance(ex, ipywidgets.VBox) and isinstance(ex.image, ipywidgets.Image)
    first = ex.image.value
    ex.controls[control].value = value              # the observer redraws the same figure
    assert ex.image.value != first
    moved = _pixels(ex.image.value)
    # the cached static part plus the redrawn artists = an ordinary full draw of the figure
    # (savefig draws every artist in z-order; a few pixels where a filled contour meets the
    # frame may differ in the order of drawing)
    import io
    buf = io.BytesIO()
    ex.figure.fig.savefig(buf, format="png", dpi=ex.figure.fig.dpi)
    full = _pixels(buf.getvalue())
    assert full.shape == moved.shape
    assert np.count_nonzero(np.any(full != moved, axis=2)) <= 50
    # what the in-place update shows is exactly what a figure drawn from scratch shows
    fresh = getattr(wl, name)(**{control: value})
    assert np.array_equal(moved, _pixels(fresh.image.value))
    # back to the default: the cached static part gives the first picture again
    ex.controls[control].value = getattr(wl, name)().controls[control].value
    assert np.array_equal(_pixels(ex.image.value), _pixels(first))


def test_explorer_limits_contain_the_data():
    from initlab.figures import networks as P
    rng = np.random.default_rng(0)
    for _ in range(200):
        v = 10.0 ** rng.uniform(-30, 5, size=rng.integers(1, 50))
        lo, hi = P._log_limits(v)
        assert lo < v.min() and v.max() < hi
        for x in (lo, hi):                          # 1, 2 or 5 × 10ⁿ
            m = x / 10.0 ** np.floor(np.log10(x) + 1e-12)
            assert min(abs(m - s) for s in (1, 2, 5, 10)) < 1e-9
        w = rng.normal(size=20) * 10.0 ** rng.uniform(-3, 3)
        lo, hi = P._lin_limits(w)
        assert lo < w.min() and w.max() < hi


