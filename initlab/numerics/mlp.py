"""A tiny, vectorised numpy multilayer perceptron.

Layers are ``Y = f(X @ A + b)`` with ``X`` of shape (batch, n_in), ``A`` of shape
(n_in, n_out), ``b`` of shape (n_out,). The last layer is linear (``f = linear``)
unless ``out_act`` is given. Optional identity shortcuts (ResNet-style):
``Y = X + f(X @ A + b)`` for hidden layers whose width does not change.

API (stable):
    activations: the keys of ``activations.ACTIVATIONS`` (the one registry; "linear" is f(z) = z)
    init_mlp(sizes, rng, scale=1.0)   -> list of dicts {"A", "b"}; A ~ N(0, scale**2/n_in)
    forward(params, X, act, out_act="linear", residual=False) -> (out, cache)
    backward(params, cache, dout)     -> list of dicts {"A", "b"} of gradients
    layer_forward / layer_backward    one layer, for exercises and tests
    deriv_from_output(Y, act)         f'(Z) from the output Y = f(Z) (sigmoid, tanh, relu)
    layer_backward_from_output(dY, A, X, Y, act)  the same gradients, storing X and Y only
    mse_loss(out, Y) / bce_logits_loss(out, Y) -> (loss, dout)
    grad_norms(grads)                 -> array of ‖dA_l‖_F per layer
    sgd_step(params, grads, lr) ; Adam(lr).step(params, grads)
    train(params, X, Y, act, ..., progress=None) -> history dict
"""
from __future__ import annotations

import contextlib
import itertools

import numpy as np

from .activations import get_activation


def _sigmoid(z):
    """The logistic link of the cross-entropy loss (dtype kept: float32 stays float32)."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _fns(act):
    """(f, f′) of a registered activation (``initlab.numerics.activations``)."""
    a = get_activation(act)
    return a.f, a.df


def init_mlp(sizes, rng, scale=1.0):
    """Weights A_l ~ N(0, scale**2 / n_in), biases zero."""
    return [{"A": rng.standard_normal((m, n)) * scale / np.sqrt(m), "b": np.zeros(n)}
            for m, n in itertools.pairwise(sizes)]


def layer_forward(X, A, b, act="tanh"):
    """Y = f(XA + b); returns (Y, cache=(X, Z))."""
    Z = X @ A + b
    return _fns(act)[0](Z), (X, Z)


def layer_backward(dY, A, cache, act="tanh"):
    """Gradients of one layer: dZ = dY * f'(Z); dA = X^T dZ; db = sum dZ; dX = dZ A^T."""
    X, Z = cache
    dZ = dY * _fns(act)[1](Z)
    return dZ @ A.T, X.T @ dZ, dZ.sum(axis=0)


def deriv_from_output(Y, act):
    """f'(Z) expressed through Y = f(Z): σ' = Y(1 − Y), tanh' = 1 − Y², relu' = 1[Y > 0],
    softplus' = σ(Z) = 1 − e^(−Y), leaky relu' = 1 or 0.01 by the sign of Y."""
    if act == "sigmoid":
        return Y * (1.0 - Y)
    if act == "tanh":
        return 1.0 - Y * Y
    if act == "relu":
        return (Y > 0).astype(Y.dtype)
    if act == "leaky_relu":
        return np.where(Y > 0, 1.0, 0.01).astype(Y.dtype)
    if act == "softplus":
        return -np.expm1(-Y)
    if act == "linear":
        return np.ones_like(Y)
    raise ValueError(f"unknown activation {act!r}")


def layer_backward_from_output(dY, A, X, Y, act="tanh"):
    """layer_backward when the cache holds the output Y instead of Z (Z is not needed)."""
    dZ = dY * deriv_from_output(Y, act)
    return dZ @ A.T, X.T @ dZ, dZ.sum(axis=0)


def forward(params, X, act="tanh", out_act="linear", residual=False):
    """Forward pass; the cache keeps each layer's input X and pre-activation Z."""
    cache = {"act": act, "out_act": out_act, "residual": residual, "layers": []}
    H = X
    L = len(params)
    for i, p in enumerate(params):
        a = out_act if i == L - 1 else act
        Y, c = layer_forward(H, p["A"], p["b"], a)
        skip = residual and i < L - 1 and Y.shape == H.shape and i > 0
        cache["layers"].append((c, a, skip))
        H = H + Y if skip else Y
    return H, cache


def backward(params, cache, dout):
    """Backpropagation; returns gradients with the same structure as params."""
    grads = [None] * len(params)
    d = dout
    for i in range(len(params) - 1, -1, -1):
        c, a, skip = cache["layers"][i]
        dX, dA, db = layer_backward(d, params[i]["A"], c, a)
        grads[i] = {"A": dA, "b": db}
        d = dX + d if skip else dX
    return grads


def mse_loss(out, Y):
    diff = out - Y
    return 0.5 * np.mean(np.sum(diff ** 2, axis=1)), diff / out.shape[0]


def bce_logits_loss(out, Y):
    """Binary cross-entropy on logits; Y in {0, 1}."""
    loss = np.mean(np.logaddexp(0.0, out) - Y * out)
    return loss, (_sigmoid(out) - Y) / out.size


def grad_norms(grads):
    return np.array([np.linalg.norm(g["A"]) for g in grads])


def sgd_step(params, grads, lr):
    for p, g in zip(params, grads):
        p["A"] -= lr * g["A"]
        p["b"] -= lr * g["b"]


class Adam:
    def __init__(self, lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps, self.t, self.m, self.v = lr, beta1, beta2, eps, 0, None, None

    def step(self, params, grads):
        if self.m is None:
            self.m = [{k: np.zeros_like(v) for k, v in g.items()} for g in grads]
            self.v = [{k: np.zeros_like(v) for k, v in g.items()} for g in grads]
        self.t += 1
        for p, g, m, v in zip(params, grads, self.m, self.v):
            for k in ("A", "b"):
                m[k] = self.b1 * m[k] + (1 - self.b1) * g[k]
                v[k] = self.b2 * v[k] + (1 - self.b2) * g[k] ** 2
                mh = m[k] / (1 - self.b1 ** self.t)
                vh = v[k] / (1 - self.b2 ** self.t)
                p[k] -= self.lr * mh / (np.sqrt(vh) + self.eps)


def train(params, X, Y, act="tanh", loss="bce", steps=1000, lr=0.05, optimizer="adam",
          residual=False, progress=None):
    """Full-batch training. ``progress(i)`` is called every step (e.g. tqdm's update).

    Returns {"loss": array of losses, "grad_norms": array (steps, n_layers)}.
    """
    loss_fn = bce_logits_loss if loss == "bce" else mse_loss
    opt = Adam(lr) if optimizer == "adam" else None
    losses = np.empty(steps)
    norms = np.empty((steps, len(params)))
    for i in range(steps):
        out, cache = forward(params, X, act, residual=residual)
        losses[i], dout = loss_fn(out, Y)
        grads = backward(params, cache, dout)
        norms[i] = grad_norms(grads)
        if opt is None:
            sgd_step(params, grads, lr)
        else:
            opt.step(params, grads)
        if progress is not None:
            progress(i)
    return {"loss": losses, "grad_norms": norms}


def mlp_param_count(sizes):
    """Number of parameters (weights and biases) of an MLP with layer widths ``sizes``."""
    return int(sum(m * n + n for m, n in itertools.pairwise(sizes)))


@contextlib.contextmanager
def single_blas_thread():
    """Run numpy's OpenBLAS on one thread inside the block (``threadpoolctl``).

    The networks of these lectures multiply matrices of size ~100; spreading such a product
    over threads costs more than it gains, badly so on a busy machine.
    """
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def train_sgd(params, X, y, act="relu", steps=600, lr=0.02, momentum=0.9, batch=128,
              seed=0, progress=None, callback=None, residual=False):
    """Minibatch SGD with (heavy-ball) momentum on the BCE loss; updates ``params`` in place.

    Each step draws ``batch`` rows with replacement. ``progress(i)`` and
    ``callback(i, params)`` are called after step i. Returns the minibatch losses.
    """
    rng = np.random.default_rng(seed)
    vel = [{k: np.zeros_like(v) for k, v in p.items()} for p in params]
    losses = np.empty(steps)
    with single_blas_thread():
        for i in range(steps):
            idx = rng.integers(0, len(X), batch)
            out, cache = forward(params, X[idx], act, residual=residual)
            losses[i], dout = bce_logits_loss(out, y[idx])
            grads = backward(params, cache, dout)
            for p, g, v in zip(params, grads, vel):
                for k in ("A", "b"):
                    v[k] *= momentum
                    v[k] -= lr * g[k]
                    p[k] += v[k]
            if callback is not None:
                callback(i, params)
            if progress is not None:
                progress(i)
    return losses


def smooth(x, k: int = 20):
    """Moving average over k points (the first k−1 points average what is there)."""
    x = np.asarray(x, dtype=float)
    c = np.cumsum(np.insert(x, 0, 0.0))
    idx = np.arange(1, len(x) + 1)
    lo = np.maximum(idx - k, 0)
    return (c[idx] - c[lo]) / (idx - lo)


def train_adam(params, X, Y, act="tanh", steps=500, lr=1e-2, loss="mse", trainable=None,
               residual=False, weight_decay=0.0, group_penalty=0.0, progress=None):
    """Full-batch Adam; only the layers listed in ``trainable`` (all if None) change.

    ``weight_decay`` adds λ·A to the gradient of every trainable weight matrix (L2);
    ``group_penalty`` μ adds the gradient of μ·Σ‖A_l‖_F over the hidden layers (not the first
    and the last): a group penalty that drives whole layers (residual blocks) to zero.
    Returns the training losses (without the decay term).
    """
    loss_fn = bce_logits_loss if loss == "bce" else mse_loss
    train_set = set(range(len(params))) if trainable is None else set(trainable)
    opt = Adam(lr)
    losses = np.empty(steps)
    with single_blas_thread():
        for i in range(steps):
            out, cache = forward(params, X, act, residual=residual)
            losses[i], dout = loss_fn(out, Y)
            grads = backward(params, cache, dout)
            for j, (p, g) in enumerate(zip(params, grads)):
                if j not in train_set:
                    g["A"] = np.zeros_like(g["A"])
                    g["b"] = np.zeros_like(g["b"])
                else:
                    if weight_decay:
                        g["A"] = g["A"] + weight_decay * p["A"]
                    if group_penalty and 0 < j < len(params) - 1:
                        g["A"] = g["A"] + group_penalty * p["A"] / (np.linalg.norm(p["A"]) + 1e-12)
            opt.step(params, grads)
            if progress is not None:
                progress(i)
    return losses
