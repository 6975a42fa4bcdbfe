import numpy as np
import pytest

from initlab.checks.core import central_differences
from initlab.numerics import mlp as nn
from initlab.numerics.activations import ACTIVATIONS


def _num_grad(f, x, h=1e-6):
    """∂f/∂x by central differences (the course's one implementation)."""
    return central_differences(f, [x], h)[0]


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "softplus", "linear"])
def test_layer_gradient_matches_finite_differences(act):
    rng = np.random.default_rng(0)
    X, A, b = rng.standard_normal((5, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)
    W = rng.standard_normal((5, 4))  # loss = sum(W * Y)
    _, cache = nn.layer_forward(X, A, b, act)
    dX, dA, db = nn.layer_backward(W, A, cache, act)
    f = lambda: np.sum(W * nn.layer_forward(X, A, b, act)[0])
    for analytic, var in ((dX, X), (dA, A), (db, b)):
        assert np.allclose(analytic, _num_grad(f, var), atol=1e-6)


@pytest.mark.parametrize("residual", [False, True])
def test_mlp_gradient_matches_finite_differences(residual):
    rng = np.random.default_rng(1)
    params = nn.init_mlp([2, 4, 4, 4, 1], rng)
    X, Y = rng.standard_normal((6, 2)), rng.integers(0, 2, (6, 1)).astype(float)
    out, cache = nn.forward(params, X, "tanh", residual=residual)
    _, dout = nn.bce_logits_loss(out, Y)
    grads = nn.backward(params, cache, dout)
    f = lambda: nn.bce_logits_loss(nn.forward(params, X, "tanh", residual=residual)[0], Y)[0]
    for p, g in zip(params, grads):
        assert np.allclose(g["A"], _num_grad(f, p["A"]), atol=1e-6)
        assert np.allclose(g["b"], _num_grad(f, p["b"]), atol=1e-6)


def test_mlp_solves_xor():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    Y = np.array([[0], [1], [1], [0]], float)
    params = nn.init_mlp([2, 8, 1], np.random.default_rng(0))
    hist = nn.train(params, X, Y, act="tanh", steps=500, lr=0.05)
    out, _ = nn.forward(params, X, "tanh")
    assert np.array_equal((out > 0).astype(float), Y)
    assert hist["loss"][-1] < hist["loss"][0]


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu", "leaky_relu", "softplus", "linear"])
def test_backward_from_stored_output_equals_backward_from_z(act):
    rng = np.random.default_rng(2)
    X, A, b = rng.standard_normal((7, 3)), rng.standard_normal((3, 5)), rng.standard_normal(5)
    dY = rng.standard_normal((7, 5))
    Y, cache = nn.layer_forward(X, A, b, act)
    for u, v in zip(nn.layer_backward(dY, A, cache, act),
                    nn.layer_backward_from_output(dY, A, X, Y, act)):
        assert np.allclose(u, v, rtol=1e-12, atol=1e-14)


def test_unknown_activation_is_rejected():
    with pytest.raises(ValueError):
        nn.deriv_from_output(np.ones(3), "swish")


def test_forward_cache_keeps_input_and_preactivation_per_layer():
    rng = np.random.default_rng(3)
    params = nn.init_mlp([2, 5, 4, 1], rng)
    X = rng.standard_normal((6, 2))
    _, cache = nn.forward(params, X, "tanh")
    H = X
    for (c, a, skip), p in zip(cache["layers"], params):
        Xl, Zl = c
        assert np.array_equal(Xl, H) and np.allclose(Zl, H @ p["A"] + p["b"])
        H = ACTIVATIONS[a].f(Zl)
