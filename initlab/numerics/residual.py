"""Residual and batch-normalised networks at initialisation; a deep residual MLP trained on
``sklearn.datasets.load_digits``.

The block. A stack of ``L`` blocks of width ``n`` maps x_0 to x_L by

    x_{l+1} = s · x_l + α · F(x_l),   F(x) = W2 φ(W1 x),   (s = 1 with the skip, 0 without)

with W1 ~ N(0, g²/n) (g² = 2 for ReLU — He; 1 for tanh and the identity — LeCun) and
W2 ~ N(0, v/n), every entry independent of everything else, no biases. The schemes
(``RESIDUAL_SCHEMES``, a ``Registry``):

    plain     no skip (s = 0), α = 1, v = 1        an ordinary deep network, 2 layers per block
    he        skip,           α = 1, v = 1        each branch preserves the variance
    scaled    skip,           α = 1/√L, v = 1     the branch scaled by 1/√L
    zero      skip,           W2 = 0              the block starts as the identity
                                                  (Fixup, SkipInit, ReZero, zero-γ)

Forward recursion (exact for ReLU and the identity at ANY width, as an expectation over the
weights for a fixed input; mean field for tanh). Write q_l = E|x_l|²/n. Given x_l, W2 has
zero mean and is independent of W1 and x_l, so the cross term vanishes and
E|W2 y|² = v|y|²; for ReLU E|φ(W1 x)|² = n · (g²|x|²/n)/2, so

    q_{l+1} = s² q_l + α² v E φ(h)²,  h ~ N(0, g² q_l)
            = (s² + α² v g²/2) q_l                     (ReLU, exact)

With He branches (s = α = v = 1, g² = 2) the factor is exactly 2: q_L = 2^L q_0. Without the
skip (plain) it is 1. With α = 1/√L it is 1 + 1/L: q_L = (1 + 1/L)^L q_0 < e·q_0. With W2 = 0
it is 1 (x_L = x_0 exactly).

Backward recursion (the Glorot/He approximation: the weights of the backward pass are
treated as independent of the forward activations; mean field). For δ_l = ∂ℓ/∂x_l,
δ_l = s δ_{l+1} + α W1ᵀ D_l W2ᵀ δ_{l+1} with D_l = diag φ'(W1 x_l), so

    E|δ_l|² = (s² + α² v g² E φ'(h_l)²) E|δ_{l+1}|²        (ReLU: s² + α² v g²/2)

the same factor as forward for ReLU: the gradient at the input is 2^L times the one at the
output with He branches.

API (numpy only):

    RESIDUAL_SCHEMES                       Registry key -> ResidualScheme
    branch_gain2(act) -> float             g² of W1 for an activation
    forward_factor(scheme, act, depth)     the per-block factor of q (ReLU/identity: exact)
    residual_theory(scheme, act, depth, q0=1.0) -> ResidualProfile
        .q (depth+1,) E|x_l|²/n; .grad (depth+1,) E|δ_l|²/E|δ_L|²
    residual_simulate(scheme, act, depth, width=256, batch=64, seed=0, q0=1.0)
        -> ResidualProfile of one network (per-block mean of x² and |δ|², δ_L ~ N(0, 1))
    residual_simulate_seeds(..., seeds=range(5)) -> (mean q, mean grad, se q, se grad)
        across independent networks (log10 averaged: the spread is multiplicative)

    bn_relu_gradients(depth, width, batch, seed) -> (q, grad)
        a plain network x -> W (He) -> batch norm -> ReLU, per layer: E x² and E|δ|²
    residual_bn_forward(depth, width, batch, seed) -> q
        a residual stack whose branch ends in BN: E x_L² = q_0 + L (linear growth)

    load_digits_split(seed) -> (Xtr, ytr, Xte, yte)  standardised, stratified 70/30
    train_residual(scheme, Xtr, ytr, Xte, yte, depth, width, epochs, lr, seed,
                   progress=None) -> dict with "loss" (per epoch, train), "test_acc"
    majority_accuracy(ytr, yte), train_linear(Xtr, ytr, Xte, yte, ...) the baselines
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import get_activation
from .registry import Registry

__all__ = [
    "RESIDUAL_SCHEMES",
    "TRAIN_DEFAULTS",
    "ResidualProfile",
    "ResidualScheme",
    "bn_relu_gradients",
    "branch_gain2",
    "forward_factor",
    "load_digits_split",
    "majority_accuracy",
    "residual_bn_forward",
    "residual_simulate",
    "residual_simulate_seeds",
    "residual_theory",
    "train_linear",
    "train_residual",
]


@dataclass(frozen=True)
class ResidualScheme:
    """How a block x -> s·x + α·W2 φ(W1 x) is initialised (see the module docstring)."""

    key: str
    skip: bool
    scaled: bool = False      # α = 1/√L
    zero_last: bool = False   # W2 = 0
    v: float = 1.0            # n · Var(W2)

    def alpha(self, depth: int) -> float:
        return 1.0 / np.sqrt(depth) if self.scaled else 1.0

    def v_eff(self) -> float:
        return 0.0 if self.zero_last else self.v


RESIDUAL_SCHEMES = Registry("residual scheme", {
    "plain": ResidualScheme("plain", skip=False),
    "he": ResidualScheme("he", skip=True),
    "scaled": ResidualScheme("scaled", skip=True, scaled=True),
    "zero": ResidualScheme("zero", skip=True, zero_last=True),
}, kind_of=ResidualScheme)


@dataclass(frozen=True)
class ResidualProfile:
    """Per block l = 0..L: q[l] = E|x_l|²/n and grad[l] = E|δ_l|² / E|δ_L|²."""

    q: np.ndarray
    grad: np.ndarray


def branch_gain2(act) -> float:
    """g² = n·Var(W1): 2 for ReLU (He), 2/(1+α²) for leaky ReLU, 1 otherwise (LeCun)."""
    a = get_activation(act)
    if a.key == "relu":
        return 2.0
    if a.alpha is not None:
        return 2.0 / (1.0 + a.alpha ** 2)
    return 1.0


def forward_factor(scheme, act, depth: int) -> float:
    """q_{l+1}/q_l = s² + α² v g² E φ(h)²/(g² q): exact for positively homogeneous φ
    (ReLU, leaky ReLU, the identity), where E φ(h)² is proportional to q."""
    sc = RESIDUAL_SCHEMES.get(scheme)
    a = get_activation(act)
    g2 = branch_gain2(a)
    m2 = float(a.second_moment(g2)) / g2           # E φ(h)²/Var h at Var h = g²
    return float(sc.skip) + sc.alpha(depth) ** 2 * sc.v_eff() * g2 * m2


def residual_theory(scheme, act, depth: int, q0: float = 1.0) -> ResidualProfile:
    """The recursions of the module docstring (forward exact for ReLU/identity, mean field
    for tanh; backward under the Glorot/He independence approximation)."""
    sc = RESIDUAL_SCHEMES.get(scheme)
    a = get_activation(act)
    g2, al2, v = branch_gain2(a), sc.alpha(depth) ** 2, sc.v_eff()
    s2 = float(sc.skip)
    q = np.empty(depth + 1)
    q[0] = q0
    back = np.empty(depth)                       # E|δ_l|²/E|δ_{l+1}|² for block l
    for l in range(depth):
        _, m2, dm2 = a.moments(g2 * q[l])
        q[l + 1] = s2 * q[l] + al2 * v * float(m2)
        back[l] = s2 + al2 * v * g2 * float(dm2)
    grad = np.ones(depth + 1)
    for l in range(depth - 1, -1, -1):
        grad[l] = grad[l + 1] * back[l]
    return ResidualProfile(q, grad)


def _weights(sc: ResidualScheme, act, width: int, depth: int, rng) -> list:
    g = np.sqrt(branch_gain2(act) / width)
    out = []
    for _ in range(depth):
        w1 = rng.standard_normal((width, width)) * g
        w2 = (np.zeros((width, width)) if sc.zero_last
              else rng.standard_normal((width, width)) * np.sqrt(sc.v / width))
        out.append((w1, w2))
    return out


def residual_simulate(scheme, act, depth: int, width: int = 256, batch: int = 64,
                      seed: int = 0, q0: float = 1.0) -> ResidualProfile:
    """One random network: rows x ~ N(0, q0 I) pass forward; δ_L ~ N(0, I) passes back.

    Returns q[l] = mean of x_l² over the batch and units, grad[l] = mean |δ_l|²/ mean|δ_L|²
    (the weights of the backward pass are the same as forward: no approximation here).
    Row convention: x (batch, n), block x -> s x + α φ(x W1ᵀ) W2ᵀ.
    """
    sc = RESIDUAL_SCHEMES.get(scheme)
    a = get_activation(act)
    rng = np.random.default_rng(seed)
    al = sc.alpha(depth)
    s = 1.0 if sc.skip else 0.0
    ws = _weights(sc, a, width, depth, rng)
    x = rng.standard_normal((batch, width)) * np.sqrt(q0)
    q = np.empty(depth + 1)
    q[0] = np.mean(x * x)
    hs = []
    for w1, w2 in ws:
        h = x @ w1.T
        hs.append(h)
        x = s * x + al * (a.f(h) @ w2.T)
        q[len(hs)] = np.mean(x * x)
    d = rng.standard_normal((batch, width))
    g = np.empty(depth + 1)
    g[depth] = np.mean(d * d)
    for l in range(depth - 1, -1, -1):
        w1, w2 = ws[l]
        d = s * d + al * (((d @ w2) * a.df(hs[l])) @ w1)
        g[l] = np.mean(d * d)
    return ResidualProfile(q, g / g[depth])


def residual_simulate_seeds(scheme, act, depth: int, width: int = 256, batch: int = 64,
                            seeds=range(5), q0: float = 1.0):
    """Several independent networks: arithmetic means over the networks of q and grad (the
    estimates of the expectations the recursion computes) and their standard errors.

    The geometric mean would be a *typical* value, below E by about exp(σ²_ln/2) where σ²_ln
    is the variance of the logarithm (a product of random per-block factors); it is what
    ``residual_log_spread`` returns for comparison.

    Returns (q, grad, se_q, se_grad), arrays of shape (depth+1,).
    """
    runs = [residual_simulate(scheme, act, depth, width, batch, s, q0) for s in seeds]
    qs = np.array([r.q for r in runs])
    gs = np.array([r.grad for r in runs])
    k = len(runs)
    se = lambda m: m.std(axis=0, ddof=1) / np.sqrt(k) if k > 1 else np.zeros(m.shape[1])
    return qs.mean(0), gs.mean(0), se(qs), se(gs)


def residual_log_spread(scheme, act, depth: int, width: int = 256, batch: int = 64,
                        seeds=range(5), q0: float = 1.0):
    """(geometric mean of q_L, variance of ln q_L) over independent networks."""
    runs = [residual_simulate(scheme, act, depth, width, batch, s, q0) for s in seeds]
    lq = np.log([r.q[-1] for r in runs])
    return float(np.exp(lq.mean())), float(lq.var(ddof=1))


# --- batch normalisation at initialisation ------------------------------------------------

def _bn(h, eps=1e-5):
    mu = h.mean(axis=0)
    sd = np.sqrt(h.var(axis=0) + eps)
    return (h - mu) / sd, sd


def bn_relu_gradients(depth: int = 30, width: int = 256, batch: int = 64, seed: int = 0,
                      bn: bool = True):
    """A plain network x_{l+1} = ReLU(BN(x_l W_l)) with W ~ N(0, 2/n) (He), γ = 1, β = 0,
    the statistics of the batch (training mode). Inputs x_0 ~ N(0, I); δ_L ~ N(0, I).

    Returns (q, grad): q[l] = mean of x_l², grad[l] = mean |δ_l|² / mean |δ_L|², l = 0..L.
    ``bn=False`` is the same network without the normalisation (He keeps q constant).
    The backward pass through BN is exact: with y = (h − μ)/σ,
    ∂ℓ/∂h = (g − mean(g) − y·mean(g·y))/σ, means over the batch.
    """
    rng = np.random.default_rng(seed)
    ws = [rng.standard_normal((width, width)) * np.sqrt(2.0 / width) for _ in range(depth)]
    x = rng.standard_normal((batch, width))
    q = np.empty(depth + 1)
    q[0] = np.mean(x * x)
    cache = []
    for l, w in enumerate(ws):
        h = x @ w
        if bn:
            y, sd = _bn(h)
        else:
            y, sd = h, None
        cache.append((y, sd))
        x = np.maximum(y, 0.0)
        q[l + 1] = np.mean(x * x)
    d = rng.standard_normal((batch, width))
    g = np.empty(depth + 1)
    g[depth] = np.mean(d * d)
    for l in range(depth - 1, -1, -1):
        y, sd = cache[l]
        d = d * (y > 0)
        if bn:
            d = (d - d.mean(axis=0) - y * np.mean(d * y, axis=0)) / sd
        d = d @ ws[l].T
        g[l] = np.mean(d * d)
    return q, g / g[depth]


def residual_bn_forward(depth: int = 30, width: int = 256, batch: int = 64, seed: int = 0):
    """A residual stack whose branch ends in batch normalisation,
    x_{l+1} = x_l + BN(W2 ReLU(W1 x_l)) (He W1, LeCun W2, γ = 1, β = 0, batch statistics).

    Each unit of the branch has batch variance 1 (up to BN's eps), and the cross term has
    zero mean (W2 -> −W2 flips the branch's sign and leaves the law unchanged), so
    E q_{l+1} = q_l + 1: linear growth q_L = q_0 + L, and the branch's share of the signal
    falls as 1/(q_0 + l) — the network drifts towards the identity with depth (De & Smith,
    2020). Returns q[l] = mean of x_l², l = 0..L.
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, width))
    q = np.empty(depth + 1)
    q[0] = np.mean(x * x)
    for l in range(depth):
        w1 = rng.standard_normal((width, width)) * np.sqrt(2.0 / width)
        w2 = rng.standard_normal((width, width)) / np.sqrt(width)
        y, _ = _bn(np.maximum(x @ w1, 0.0) @ w2)
        x = x + y
        q[l + 1] = np.mean(x * x)
    return q


# --- a deep residual MLP on load_digits --------------------------------------------------

TRAIN_DEFAULTS = {"depth": 16, "width": 48, "epochs": 10, "lr": 0.01, "batch": 64,
                  "momentum": 0.9}


def load_digits_split(seed: int = 0, test_size: float = 0.3):
    """The 8×8 digits (1797 images, 10 classes), pixels standardised with the statistics of
    the training part; a stratified split (70/30) fixed by ``seed``."""
    from sklearn.datasets import load_digits
    d = load_digits()
    X, y = d.data.astype(np.float64), d.target.astype(np.int64)
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), bool)
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        test[idx[: round(test_size * len(idx))]] = True
    Xtr, Xte = X[~test], X[test]
    mu, sd = Xtr.mean(0), Xtr.std(0) + 1e-8
    return (Xtr - mu) / sd, y[~test], (Xte - mu) / sd, y[test]


def majority_accuracy(ytr, yte) -> float:
    """Accuracy on the test part of predicting the most frequent training class."""
    return float(np.mean(yte == np.bincount(ytr).argmax()))


def _softmax_xent(logits, y):
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(len(y)), y] + 1e-300))
    p[np.arange(len(y)), y] -= 1.0
    return loss, p / len(y)


def _init_net(sc: ResidualScheme, n_in, width, depth, n_out, rng, zero_head):
    emb = rng.standard_normal((n_in, width)) / np.sqrt(n_in)
    blocks = []
    for w1, w2 in _weights(sc, "relu", width, depth, rng):
        blocks.append([w1.T.copy(), w2.T.copy()])      # row convention: x @ W
    head = (np.zeros((width, n_out)) if zero_head
            else rng.standard_normal((width, n_out)) / np.sqrt(width))
    return {"emb": emb, "blocks": blocks, "head": head, "b": np.zeros(n_out)}


def _forward(net, X, sc, al):
    s = 1.0 if sc.skip else 0.0
    x = X @ net["emb"]
    cache = []
    for w1, w2 in net["blocks"]:
        h = x @ w1
        r = np.maximum(h, 0.0)
        cache.append((x, h, r))
        x = s * x + al * (r @ w2)
    return x @ net["head"] + net["b"], x, cache


def _grads(net, X, y, sc, al):
    logits, xl, cache = _forward(net, X, sc, al)
    loss, dlog = _softmax_xent(logits, y)
    s = 1.0 if sc.skip else 0.0
    gr = {"head": xl.T @ dlog, "b": dlog.sum(0), "blocks": [None] * len(cache)}
    d = dlog @ net["head"].T
    for l in range(len(cache) - 1, -1, -1):
        x, h, r = cache[l]
        w1, w2 = net["blocks"][l]
        dr = al * (d @ w2.T)
        gw2 = al * (r.T @ d)
        dh = dr * (h > 0)
        gw1 = x.T @ dh
        d = s * d + dh @ w1.T
        gr["blocks"][l] = [gw1, gw2]
    gr["emb"] = X.T @ d
    return loss, gr


def _accuracy(net, X, y, sc, al) -> float:
    logits = _forward(net, X, sc, al)[0]
    if not np.all(np.isfinite(logits)):
        return float("nan")
    return float(np.mean(logits.argmax(1) == y))


def train_residual(scheme, Xtr, ytr, Xte, yte, depth: int = 16, width: int = 48,
                   epochs: int = 10, lr: float = 0.01, batch: int = 64,
                   momentum: float = 0.9, seed: int = 0, progress=None,
                   zero_head: bool | None = None) -> dict:
    """SGD with momentum on the softmax cross-entropy; ReLU blocks as in the module
    docstring (the scheme decides the skip, α and W2), a linear embedding 64 -> width
    (LeCun) and a linear head (LeCun; zero for the ``zero`` scheme, as in Fixup).

    Returns {"loss": mean training loss per epoch (NaN once it diverged), "test_acc":
    final test accuracy (NaN if diverged), "diverged": bool, "init_loss": loss at init}.
    ``progress(k)`` is called after each epoch with the epoch number. ``zero_head``
    overrides the scheme's choice of a zero head (e.g. W2 = 0 with a LeCun head).
    """
    sc = RESIDUAL_SCHEMES.get(scheme)
    al = sc.alpha(depth)
    rng = np.random.default_rng(seed)
    n_out = int(max(ytr.max(), yte.max())) + 1
    net = _init_net(sc, Xtr.shape[1], width, depth, n_out, rng,
                    zero_head=sc.zero_last if zero_head is None else zero_head)
    init_loss = _softmax_xent(_forward(net, Xtr, sc, al)[0], ytr)[0]
    vel = _zeros_like(net)
    losses = []
    diverged = False
    with np.errstate(all="ignore"):
        for ep in range(epochs):
            order = rng.permutation(len(ytr))
            tot = 0.0
            for i in range(0, len(order), batch):
                idx = order[i:i + batch]
                loss, gr = _grads(net, Xtr[idx], ytr[idx], sc, al)
                if not np.isfinite(loss):
                    diverged = True
                    break
                tot += loss * len(idx)
                _momentum_step(net, vel, gr, lr, momentum)
            losses.append(np.nan if diverged else tot / len(ytr))
            if progress is not None:
                progress(ep + 1)
            if diverged:
                losses += [np.nan] * (epochs - ep - 1)
                break
        acc = np.nan if diverged else _accuracy(net, Xte, yte, sc, al)
    return {"loss": np.array(losses), "test_acc": acc, "diverged": diverged,
            "init_loss": float(init_loss)}


def _zeros_like(net):
    return {"emb": np.zeros_like(net["emb"]), "head": np.zeros_like(net["head"]),
            "b": np.zeros_like(net["b"]),
            "blocks": [[np.zeros_like(w) for w in blk] for blk in net["blocks"]]}


def _momentum_step(net, vel, gr, lr, mom):
    for k in ("emb", "head", "b"):
        vel[k] *= mom
        vel[k] -= lr * gr[k]
        net[k] += vel[k]
    for blk, vblk, gblk in zip(net["blocks"], vel["blocks"], gr["blocks"]):
        for w, v, g in zip(blk, vblk, gblk):
            v *= mom
            v -= lr * g
            w += v


def train_linear(Xtr, ytr, Xte, yte, epochs: int = 10, lr: float = 0.01, batch: int = 64,
                 momentum: float = 0.9, seed: int = 0) -> dict:
    """The baseline: softmax regression (a linear model) trained by the same SGD."""
    rng = np.random.default_rng(seed)
    n_out = int(max(ytr.max(), yte.max())) + 1
    W = np.zeros((Xtr.shape[1], n_out))
    b = np.zeros(n_out)
    vW, vb = np.zeros_like(W), np.zeros_like(b)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(ytr))
        tot = 0.0
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            loss, dl = _softmax_xent(Xtr[idx] @ W + b, ytr[idx])
            tot += loss * len(idx)
            vW = momentum * vW - lr * (Xtr[idx].T @ dl)
            vb = momentum * vb - lr * dl.sum(0)
            W += vW
            b += vb
        losses.append(tot / len(ytr))
    acc = float(np.mean((Xte @ W + b).argmax(1) == yte))
    return {"loss": np.array(losses), "test_acc": acc}


def logreg_accuracy(Xtr, ytr, Xte, yte) -> float:
    """The converged linear baseline: scikit-learn's multinomial logistic regression
    (L2, C = 1, L-BFGS to convergence); test accuracy."""
    from sklearn.linear_model import LogisticRegression
    model = LogisticRegression(max_iter=5000).fit(Xtr, ytr)
    return float(model.score(Xte, yte))
