"""Numerics of lecture part II: initialisation, dropout, batch normalisation, transfer, pruning.

Everything is vectorised numpy on top of ``initlab.nn`` (only imported, never changed);
random draws go through ``numpy.random.default_rng``.

API (stable):

Shared
    single_blas_thread()                 context manager: OpenBLAS on one thread (tiny
                                         matrices on a shared 2-core machine run ~10x faster)
    ellipsoid_task(n, d, seed)           binary task «inside / outside an ellipsoid» -> X, y
    init_params(sizes, scheme, rng)      weights from a named scheme (initlab.init or NAIVE)
    NAIVE                                "pm1" (±1), "u11" (U[−1, 1]), "small" (N(0, 0.01²)):
                                         initialisations that ignore the width
    train_sgd(params, X, y, act, steps, lr, momentum, batch, seed, progress, callback)
                                         minibatch SGD with momentum on the BCE loss

Initialisation (lecture 05)
    symmetry_run(scheme, steps, seed)    train a tanh net; spread between hidden units per step
    zero_init_run(steps, seed)           all-zero weights: which parameters ever move
    naive_profile(scheme, act, width, depth, batch, seed)
                                         per-layer Var z, share of saturated tanh units, Var δ
    layer_gain_samples(scheme, act, n, batch, reps, seed) -> (m1, m2)
                                         E z1², E z2² per independent network (unbiased test of
                                         the per-layer ratio n·σ²·E f(z)²/E z²)
    gain_theory(scheme, act, n)          that ratio in theory: 1/2 Xavier+ReLU, 1 He+ReLU
    he_experiment(depth, scheme, ...)    the He et al. (2015) Fig. 2–3 experiment, small scale
    HE_SETUP                             its fixed sizes and seed
    smooth(x, k)                         moving average for the curves

Dropout and batch normalisation (lecture 06)
    dropout(x, p, rng, inverted=True) -> (y, mask)   mask ~ Bernoulli(1 − p) keeps a unit
    all_masks(n) -> (2^n, n)             every sub-network of n droppable units
    dropout_moments_exact(x, p, inverted=True) -> (mean, var)   by enumerating all masks
    DROPOUT_X                            the input of the dropout figures
    dropout_head(seed)                   a fixed net x -> ReLU hidden (16) -> linear output
    head_outputs(head, x, p, n, seed, inverted=True) -> outputs over n random masks
    subnetwork_outputs(head, x, masks, p) -> output of each sub-network (row of masks)
    head_moments(head, x, p, inverted=True) -> (mean, var)   exact, closed form
    DROPOUT_SETUP / dropout_task(seed)   small noisy regression: 60 points, 10 inputs
    train_dropout_net(p, progress=None) -> dict   10 → 256 → 256 → 1 ReLU net, Adam, inverted
                                         dropout (probability p) after each hidden layer
    batchnorm(X, gamma=1, beta=0, eps=1e-5) -> (Y, mean, var)     batch statistics
    BatchNorm1d(n, momentum=0.1, eps=1e-5)   .train(X) / .eval(X): running averages
    instancenorm(X, eps=1e-5)             statistics of each row (object) instead
    deep_activations(depth, width, act, scale, bn, batch, seed) -> (depth, batch·width)
                                          activations per layer of a deep net, ± BN

Transfer learning and pruning (lecture 07)
    train_adam(params, X, Y, act, steps, lr, loss="mse", trainable=None, residual=False,
               weight_decay=0.0, progress=None) -> losses      full batch; frozen layers
    transfer_task(seed) -> dict          a source task with much data and a target task with
                                         little, both read out from the same hidden features
    TRANSFER_SETUP                       sizes and steps
    transfer_pretrain(progress) -> (params, task, losses)      the source network
    transfer_finetune(src, task, progress) -> dict   new head (body frozen), then fine-tune
    transfer_scratch(task, progress) -> dict         the same network, target data only
    resnet_task(seed) / train_resnet(progress=None) -> (params, data)
    block_outputs(params, X) -> RMS of each residual block's output on X
    RESNET_SETUP                         sizes, steps, the group penalty
    drop_blocks(params, blocks) -> params without those blocks
    block_pruning_curve(params, X, Y, order) -> validation loss after dropping the first k
    obs_step(prob, w, alive, q)          one OBS deletion with the optimal update of the rest
    pruning_problem(seed) -> dict        least squares with correlated, badly scaled features
    saliency(prob, w, method)            "magnitude" |w_i|, "obd" h_ii w_i²/2,
                                         "obs" w_i²/(2 [H⁻¹]_ii)
    prune(prob, k, method) -> (w, removed)       magnitude and OBD: zero k weights; OBS:
                                         k greedy deletions, each with the optimal update
    pruning_curves(prob) -> {method: losses for k = 0..n}

Demonstrations of the notebooks (orchestration only: they call the functions above, show a
tqdm.auto bar when ``progress`` and return a ``Demo`` whose repr is the Russian summary)
    Demo                                 results as attributes; ``summary()`` / repr
    lecture 04: transfer_demo(progress), resnet_demo(progress), saliency_demo(prob),
                pruning_demo(prob)       (PRUNING_KS)
    lecture 05: dropout_moments_demo(), subnetworks_demo(), dropout_demo(progress),
                batchnorm_demo(), running_average_demo(), instancenorm_demo(),
                bn_depth_demo()          (DROPOUT_MOMENTS_X/_P, DROPOUT_MC, DROPOUT_PS,
                                          BN_DEPTH_CASES, BN_OTHER_SCALE)
    lecture 06: zero_init_demo(), symmetry_demo(), naive_demo() (NAIVE_CASES), gain_demo()
                (GAIN_CASES), HeExperiments().run(depth, scheme=None, progress)
                                         (HE_SCHEMES)
"""
from __future__ import annotations

import contextlib
import ctypes
import glob
import itertools
import os

import numpy as np

from .numerics import mlp as nn
from .numerics.schemes import get_scheme

__all__ = [
    "BN_DEPTH_CASES",
    "BN_OTHER_SCALE",
    "DROPOUT_MC",
    "DROPOUT_MOMENTS_P",
    "DROPOUT_MOMENTS_X",
    "DROPOUT_PS",
    "DROPOUT_SETUP",
    "DROPOUT_X",
    "GAIN_CASES",
    "HE_SCHEMES",
    "HE_SETUP",
    "NAIVE",
    "NAIVE_CASES",
    "PRUNING_KS",
    "RESNET_SETUP",
    "TRANSFER_SETUP",
    "BatchNorm1d",
    "Demo",
    "HeExperiments",
    "all_masks",
    "batchnorm",
    "batchnorm_demo",
    "block_outputs",
    "block_pruning_curve",
    "bn_depth_demo",
    "deep_activations",
    "drop_blocks",
    "dropout",
    "dropout_demo",
    "dropout_head",
    "dropout_moments_demo",
    "dropout_moments_exact",
    "dropout_task",
    "ellipsoid_task",
    "gain_demo",
    "gain_theory",
    "he_experiment",
    "head_moments",
    "head_outputs",
    "init_params",
    "instancenorm",
    "instancenorm_demo",
    "layer_gain_samples",
    "naive_demo",
    "naive_profile",
    "obs_step",
    "prune",
    "pruning_curves",
    "pruning_demo",
    "pruning_problem",
    "quad_loss",
    "resnet_demo",
    "resnet_task",
    "running_average_demo",
    "saliency",
    "saliency_demo",
    "single_blas_thread",
    "smooth",
    "subnetwork_outputs",
    "subnetworks_demo",
    "symmetry_demo",
    "symmetry_run",
    "train_adam",
    "train_dropout_net",
    "train_resnet",
    "train_sgd",
    "transfer_demo",
    "transfer_finetune",
    "transfer_pretrain",
    "transfer_scratch",
    "transfer_task",
    "zero_init_demo",
    "zero_init_run",
]


# ----------------------------------------------------------------------------- shared

def _openblas():
    try:
        base = os.path.dirname(np.__file__) + ".libs"
        for path in glob.glob(os.path.join(base, "libscipy_openblas*")):
            lib = ctypes.CDLL(path)
            for suffix in ("64_", "_64_", ""):
                get = getattr(lib, f"scipy_openblas_get_num_threads{suffix}", None)
                put = getattr(lib, f"scipy_openblas_set_num_threads{suffix}", None)
                if get is not None and put is not None:
                    return get, put
    except OSError:
        pass
    return None


@contextlib.contextmanager
def single_blas_thread():
    """Run numpy's OpenBLAS on one thread inside the block (a no-op if not found).

    The networks of these lectures multiply matrices of size ~100; spreading such a product
    over threads costs more than it gains, badly so on a busy machine.
    """
    fns = _openblas()
    if fns is None:
        yield
        return
    get, put = fns
    old = get()
    put(1)
    try:
        yield
    finally:
        put(old)


def ellipsoid_task(n: int = 2048, d: int = 16, seed: int = 0):
    """X ~ N(0, I_d); y = 1 if ‖XT‖² exceeds its median (half the points in each class).

    T is a fixed random d×d matrix: the boundary is an ellipsoid, not a hyperplane.
    Returns X (n, d) and y (n, 1) in {0, 1}.
    """
    rng = np.random.default_rng(seed)
    T = rng.standard_normal((d, d)) / np.sqrt(d)
    X = rng.standard_normal((n, d))
    r = np.sum((X @ T) ** 2, axis=1)
    y = (r > np.median(r)).astype(float)[:, None]
    return X, y


def _pm1(rng, fan_in, fan_out, dtype=np.float64):
    return rng.choice(np.array([-1.0, 1.0], dtype=dtype), size=(fan_in, fan_out))


def _u11(rng, fan_in, fan_out, dtype=np.float64):
    return rng.uniform(-1.0, 1.0, size=(fan_in, fan_out)).astype(dtype)


def _small(rng, fan_in, fan_out, dtype=np.float64):
    return (0.01 * rng.standard_normal((fan_in, fan_out))).astype(dtype)


#: the «arbitrary» initialisations the Korean notes start from: key -> (label, Var w, sampler)
NAIVE = {
    "pm1": ("±1 равновероятно", 1.0, _pm1),
    "u11": ("U[−1, 1]", 1.0 / 3.0, _u11),
    "small": ("N(0, 0,01²)", 1e-4, _small),
}


def _sampler(scheme):
    if scheme in NAIVE:
        return NAIVE[scheme][2]
    s = get_scheme(scheme)
    return lambda rng, fi, fo, dtype=np.float64: s.sample(rng, fi, fo, dtype=dtype)


def init_params(sizes, scheme, rng, dtype=np.float64):
    """Parameters in ``initlab.nn``'s format; weights from ``scheme``, biases zero."""
    sample = _sampler(scheme)
    return [{"A": np.asarray(sample(rng, m, n, dtype=dtype), dtype=dtype),
             "b": np.zeros(n, dtype=dtype)}
            for m, n in itertools.pairwise(sizes)]


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
            out, cache = nn.forward(params, X[idx], act, residual=residual)
            losses[i], dout = nn.bce_logits_loss(out, y[idx])
            grads = nn.backward(params, cache, dout)
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


# ----------------------------------------------------------------- initialisation (05)

def symmetry_run(scheme="constant", steps=300, width=8, seed=0, act="tanh", lr=0.05):
    """Train a 16 → width → width → 1 net; record how different the hidden units are.

    Returns dict: "loss" (steps,), "spread" (steps + 1, 2) — for each hidden layer
    max_j ‖A[:, j] − A[:, 0]‖ / ‖A[:, 0]‖ (0 means every unit of the layer has the same
    incoming weights, hence computes the same function), "params" (final).
    """
    X, y = ellipsoid_task(512, 16, seed=1)
    rng = np.random.default_rng(seed)
    params = init_params([16, width, width, 1], scheme, rng)

    def spread(ps):
        out = []
        for p in ps[:2]:
            A = p["A"]
            ref = np.linalg.norm(A[:, 0]) + 1e-300
            out.append(np.max(np.linalg.norm(A - A[:, :1], axis=0)) / ref)
        return out

    rec = [spread(params)]
    losses = train_sgd(params, X, y, act, steps=steps, lr=lr, batch=64, seed=seed,
                       callback=lambda i, ps: rec.append(spread(ps)))
    return {"loss": losses, "spread": np.array(rec), "params": params}


def zero_init_run(steps=200, seed=0, act="tanh"):
    """All weights zero: returns the initial and final parameters and the losses.

    With f(0) = 0 (tanh, ReLU) every gradient except that of the output bias vanishes.
    """
    X, y = ellipsoid_task(512, 16, seed=1)
    params = init_params([16, 8, 8, 1], "zeros", np.random.default_rng(seed))
    start = [{k: v.copy() for k, v in p.items()} for p in params]
    losses = train_sgd(params, X, y, act, steps=steps, lr=0.05, batch=64, seed=seed)
    return {"start": start, "final": params, "loss": losses}


def naive_profile(scheme="u11", act="tanh", width=256, depth=10, batch=512, seed=0):
    """Forward and backward statistics per layer of a deep net with weights from ``scheme``.

    Returns dict of arrays of length ``depth``: "pre_var" Var z_l, "saturated" the share of
    units with |tanh z| > 0.99 (|z| > 2.65) , "grad_var" Var δ_l (δ from a N(0, 1) top
    gradient, as in ``initlab.propagate``).
    """
    rng = np.random.default_rng(seed)
    sample = _sampler(scheme)
    f, df = nn.ACTS[act]
    x = rng.standard_normal((batch, width))
    Ws, Zs = [], []
    pre_var, sat = np.empty(depth), np.empty(depth)
    with single_blas_thread(), np.errstate(all="ignore"):
        for i in range(depth):
            W = sample(rng, width, width)
            z = x @ W
            Ws.append(W)
            Zs.append(z)
            pre_var[i] = z.var()
            sat[i] = np.mean(np.abs(z) > np.arctanh(0.99))
            x = f(z)
        d = rng.standard_normal((batch, width)) * df(Zs[-1])
        grad_var = np.empty(depth)
        grad_var[-1] = d.var()
        for i in range(depth - 2, -1, -1):
            d = (d @ Ws[i + 1].T) * df(Zs[i])
            grad_var[i] = d.var()
    return {"pre_var": pre_var, "saturated": sat, "grad_var": grad_var}


def _var_w(scheme, n):
    if scheme in NAIVE:
        return NAIVE[scheme][1]
    return get_scheme(scheme).variance(n, n)


def gain_theory(scheme, act, n):
    """E z_{l+1}² / E z_l² for a layer of width n: n·Var(w)·E f(z)²/E z² (z symmetric).

    For ReLU E relu(z)² = E z²/2 exactly for any symmetric z, so the ratio is n·Var(w)/2:
    1/2 for Xavier (Var w = 2/(n + n) = 1/n), 1 for He (2/n). For the identity it is n·Var(w).
    """
    factor = {"relu": 0.5, "identity": 1.0, "linear": 1.0}[act]
    return n * _var_w(scheme, n) * factor


def layer_gain_samples(scheme="xavier_normal", act="relu", n=256, batch=256, reps=200,
                       seed=0):
    """``reps`` independent two-layer nets: returns m1 = mean z_1², m2 = mean z_2² per net.

    z_1 = x W_1 with x ~ N(0, 1), z_2 = f(z_1) W_2. Since E[m2 | z_1] = n·Var(w)·mean f(z_1)²
    and f = ReLU halves E z_1² exactly, E[m2 − g·m1] = 0 with g = ``gain_theory``.
    """
    rng = np.random.default_rng(seed)
    sample = _sampler(scheme)
    f = nn.ACTS[act][0]
    m1, m2 = np.empty(reps), np.empty(reps)
    with single_blas_thread():
        for r in range(reps):
            x = rng.standard_normal((batch, n))
            z1 = x @ sample(rng, n, n)
            z2 = f(z1) @ sample(rng, n, n)
            m1[r], m2[r] = np.mean(z1 ** 2), np.mean(z2 ** 2)
    return m1, m2


#: the fixed setting of the small-scale He et al. (2015) experiment
HE_SETUP = {"n": 2048,  # float32 throughout
                "d": 16, "width": 64, "steps": 600, "lr": 0.02, "momentum": 0.9, "batch": 128,
                "data_seed": 0, "seed": 1}


def he_experiment(depth, scheme, progress=None, **overrides):
    """Train a ``depth``-layer ReLU MLP (depth weight layers) on ``ellipsoid_task``.

    Same data, the same minibatch sequence and the same seed for every scheme; only the
    weights' variance differs. Returns dict: "loss" (steps,) minibatch BCE, "final_loss"
    and "accuracy" on the whole training set, "out_std" the std of the initial output.
    """
    s = HE_SETUP | overrides
    X, y = ellipsoid_task(s["n"], s["d"], s["data_seed"])
    X, y = X.astype(np.float32), y.astype(np.float32)
    rng = np.random.default_rng(s["seed"])
    sizes = [s["d"]] + [s["width"]] * (depth - 1) + [1]
    params = init_params(sizes, scheme, rng, dtype=np.float32)
    with single_blas_thread():
        out0, _ = nn.forward(params, X, "relu")
    losses = train_sgd(params, X, y, "relu", steps=s["steps"], lr=s["lr"],
                       momentum=s["momentum"], batch=s["batch"], seed=s["seed"],
                       progress=progress)
    with single_blas_thread():
        out, _ = nn.forward(params, X, "relu")
    final, _ = nn.bce_logits_loss(out, y)
    return {"loss": losses, "final_loss": float(final),
            "accuracy": float(np.mean((out > 0) == (y > 0.5))), "out_std": float(out0.std())}


# ------------------------------------------------------------------- dropout (06)

def dropout(x, p, rng, inverted=True):
    """Zero each entry with probability p; inverted dropout divides the kept ones by 1 − p.

    Returns (y, mask) with mask ∈ {0, 1} of the shape of x. With ``inverted`` E y = x
    exactly; without it E y = (1 − p) x.
    """
    x = np.asarray(x, dtype=float)
    if not 0.0 <= p < 1.0:
        raise ValueError("p must be in [0, 1)")
    mask = (rng.random(x.shape) >= p).astype(float)
    y = x * mask
    return (y / (1.0 - p) if inverted else y), mask


def all_masks(n: int) -> np.ndarray:
    """All 2^n keep-masks of n units (rows), in binary order."""
    return ((np.arange(2 ** n)[:, None] >> np.arange(n)[::-1]) & 1).astype(float)


def dropout_moments_exact(x, p, inverted=True):
    """E y and Var y of ``dropout(x, p)`` per entry, by summing over all 2^n masks.

    Each mask m has probability ∏ (1 − p)^{m_i} p^{1 − m_i}.
    """
    x = np.asarray(x, dtype=float)
    M = all_masks(x.size)
    k = M.sum(axis=1)
    prob = (1.0 - p) ** k * p ** (x.size - k)
    Y = M * x.ravel() / ((1.0 - p) if inverted else 1.0)
    mean = prob @ Y
    var = prob @ (Y - mean) ** 2
    return mean.reshape(x.shape), var.reshape(x.shape)


#: the input on which the dropout figures evaluate ``dropout_head``
DROPOUT_X = np.array([1.0, -0.5, 0.3, 0.8])


def dropout_head(seed: int = 0, d: int = 4, hidden: int = 16):
    """A fixed small net: h = ReLU(x A1 + b1) (dropout acts on h), out = h A2 + b2."""
    rng = np.random.default_rng(seed)
    return {"A1": rng.standard_normal((d, hidden)) * np.sqrt(2.0 / d),
            "b1": 0.1 * rng.standard_normal(hidden),
            "A2": rng.standard_normal((hidden, 1)) / np.sqrt(hidden),
            "b2": np.zeros(1)}


def _hidden(head, x):
    return np.maximum(np.atleast_2d(x) @ head["A1"] + head["b1"], 0.0)


def head_outputs(head, x, p, n=2000, seed=0, inverted=True):
    """Outputs of the head on one input x for n random dropout masks; p = 0 is inference."""
    h = _hidden(head, x)[0]
    rng = np.random.default_rng(seed)
    mask = (rng.random((n, h.size)) >= p).astype(float)
    scale = 1.0 / (1.0 - p) if inverted else 1.0
    return (mask * h * scale) @ head["A2"][:, 0] + head["b2"][0]


def subnetwork_outputs(head, x, masks, p=0.5, inverted=True):
    """Output of the head on x for each given keep-mask (rows of ``masks``)."""
    h = _hidden(head, x)[0]
    scale = 1.0 / (1.0 - p) if inverted else 1.0
    return (masks * h * scale) @ head["A2"][:, 0] + head["b2"][0]


def head_moments(head, x, p, inverted=True):
    """Exact mean and variance of ``head_outputs`` over the masks.

    out = Σ_j m_j c_j s h_j a_j + b with independent m_j ~ Bernoulli(1 − p), s the scale:
    mean = s (1 − p) Σ h_j a_j + b, var = s² p (1 − p) Σ (h_j a_j)².
    """
    u = _hidden(head, x)[0] * head["A2"][:, 0]
    s = 1.0 / (1.0 - p) if inverted else 1.0
    return s * (1.0 - p) * u.sum() + head["b2"][0], s * s * p * (1.0 - p) * np.sum(u ** 2)


#: sizes of the overfitting demonstration
DROPOUT_SETUP = {"n": 60, "n_test": 2000, "d": 10, "noise": 0.5, "width": 256, "steps": 600,
                 "lr": 3e-3, "every": 25, "seed": 0}


def dropout_task(seed=0, n=60, n_test=2000, d=10, noise=0.5):
    """y = sin(2 x·w) + N(0, noise²) on n points; the test targets are noiseless."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((d, 1)) / np.sqrt(d)
    X, Xe = rng.standard_normal((n, d)), rng.standard_normal((n_test, d))
    return X, np.sin(2 * X @ w) + noise * rng.standard_normal((n, 1)), Xe, np.sin(2 * Xe @ w)


def train_dropout_net(p, progress=None, **overrides):
    """Train 10 → 256 → 256 → 1 (ReLU, He init) with inverted dropout of probability p on
    both hidden layers (p = 0: no dropout). The same data, init and seed for every p.

    Returns dict: "train" (steps,) training MSE/2 with the masks of that step, "test"
    (steps // every,) test loss of the full network (no dropout) every ``every`` steps.
    """
    s = DROPOUT_SETUP | overrides
    X, Y, Xe, Ye = dropout_task(s["seed"], s["n"], s["n_test"], s["d"], s["noise"])
    rng = np.random.default_rng(s["seed"] + 1)
    params = nn.init_mlp([s["d"], s["width"], s["width"], 1], rng, np.sqrt(2.0))
    opt = nn.Adam(s["lr"])
    train, test = np.empty(s["steps"]), []
    last = len(params) - 1
    with single_blas_thread():
        for i in range(s["steps"]):
            H, caches, masks = X, [], []
            for j, q in enumerate(params):
                act = "relu" if j < last else "identity"
                H, c = nn.layer_forward(H, q["A"], q["b"], act)
                caches.append((c, act))
                m = None
                if j < last and p > 0:
                    m = (rng.random(H.shape) >= p) / (1.0 - p)
                    H = H * m
                masks.append(m)
            train[i], d = nn.mse_loss(H, Y)
            grads = [None] * len(params)
            for j in range(last, -1, -1):
                if masks[j] is not None:
                    d = d * masks[j]
                c, act = caches[j]
                d, dA, db = nn.layer_backward(d, params[j]["A"], c, act)
                grads[j] = {"A": dA, "b": db}
            opt.step(params, grads)
            if (i + 1) % s["every"] == 0:
                test.append(float(nn.mse_loss(nn.forward(params, Xe, "relu")[0], Ye)[0]))
            if progress is not None:
                progress(i)
    return {"train": train, "test": np.array(test), "every": s["every"],
            "train_full": float(nn.mse_loss(nn.forward(params, X, "relu")[0], Y)[0])}


# --------------------------------------------------------- batch normalisation (06)

def batchnorm(X, gamma=1.0, beta=0.0, eps=1e-5):
    """Normalise each column (coordinate) by the batch mean and variance, then γ·x̂ + β.

    Var is the biased batch variance (divide by the batch size). Returns (Y, mean, var).
    Each column of Y has mean β and variance γ²·var/(var + ε) exactly.
    """
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0)
    var = X.var(axis=0)
    Y = gamma * (X - mean) / np.sqrt(var + eps) + beta
    return Y, mean, var


def instancenorm(X, eps=1e-5):
    """Normalise each row (one object) by its own mean and variance over the coordinates."""
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=1, keepdims=True)
    var = X.var(axis=1, keepdims=True)
    return (X - mean) / np.sqrt(var + eps)


class BatchNorm1d:
    """Batch normalisation with running averages for inference (PyTorch's convention).

    ``train(X)`` normalises by the batch statistics and updates
    running ← (1 − momentum)·running + momentum·batch statistic (the running variance uses
    the unbiased batch variance); ``eval(X)`` normalises by the running averages, so an
    object's output does not depend on the other objects of its batch.
    """

    def __init__(self, n, momentum=0.1, eps=1e-5):
        self.gamma, self.beta = np.ones(n), np.zeros(n)
        self.running_mean, self.running_var = np.zeros(n), np.ones(n)
        self.momentum, self.eps = momentum, eps

    def train(self, X):
        Y, mean, var = batchnorm(X, self.gamma, self.beta, self.eps)
        m, b = self.momentum, len(X)
        self.running_mean = (1 - m) * self.running_mean + m * mean
        self.running_var = (1 - m) * self.running_var + m * var * b / (b - 1)
        return Y

    def eval(self, X):
        return (self.gamma * (np.asarray(X, dtype=float) - self.running_mean)
                / np.sqrt(self.running_var + self.eps) + self.beta)


def deep_activations(depth=20, width=128, act="tanh", scale=1.0, bn=False, batch=256,
                     seed=0, eps=1e-5):
    """Activations f(z_l) of each layer of a deep net on N(0, I) inputs, shape (depth, batch·width).

    Weights A_l ~ N(0, scale²/width) (scale 1 is LeCun, √2 is He); with ``bn`` every
    pre-activation z_l is batch-normalised (γ = 1, β = 0) before the activation.
    """
    rng = np.random.default_rng(seed)
    f = nn.ACTS[act][0]
    x = rng.standard_normal((batch, width))
    out = np.empty((depth, batch * width))
    with single_blas_thread(), np.errstate(all="ignore"):
        for i in range(depth):
            z = x @ (rng.standard_normal((width, width)) * (scale / np.sqrt(width)))
            if bn:
                z = batchnorm(z, eps=eps)[0]
            x = f(z)
            out[i] = x.ravel()
    return out


# ------------------------------------------------------------------ transfer (07)

def train_adam(params, X, Y, act="tanh", steps=500, lr=1e-2, loss="mse", trainable=None,
               residual=False, weight_decay=0.0, group_penalty=0.0, progress=None):
    """Full-batch Adam; only the layers listed in ``trainable`` (all if None) change.

    ``weight_decay`` adds λ·A to the gradient of every trainable weight matrix (L2);
    ``group_penalty`` μ adds the gradient of μ·Σ‖A_l‖_F over the hidden layers (not the first
    and the last): a group penalty that drives whole layers (residual blocks) to zero.
    Returns the training losses (without the decay term).
    """
    loss_fn = nn.bce_logits_loss if loss == "bce" else nn.mse_loss
    train_set = set(range(len(params))) if trainable is None else set(trainable)
    opt = nn.Adam(lr)
    losses = np.empty(steps)
    with single_blas_thread():
        for i in range(steps):
            out, cache = nn.forward(params, X, act, residual=residual)
            losses[i], dout = loss_fn(out, Y)
            grads = nn.backward(params, cache, dout)
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


def transfer_task(seed: int = 0, d: int = 20, k: int = 8, n_source: int = 2000,
                  n_target: int = 30, n_test: int = 2000, noise: float = 0.1):
    """Both tasks read out the same hidden features g(x) = tanh(x T) (k of them).

    Source: y = g(x) U (4 outputs) from ``n_source`` points; target: y = g(x) u + noise, a
    different readout, from only ``n_target`` points. Returns a dict of arrays.
    """
    rng = np.random.default_rng(seed)
    T = rng.standard_normal((d, k)) * (1.5 / np.sqrt(d))
    U = rng.standard_normal((k, 4))
    u = rng.standard_normal((k, 1))
    g = lambda X: np.tanh(X @ T)
    Xs = rng.standard_normal((n_source, d))
    Xt = rng.standard_normal((n_target, d))
    Xe = rng.standard_normal((n_test, d))
    return {"Xs": Xs, "Ys": g(Xs) @ U + noise * rng.standard_normal((n_source, 4)),
            "Xt": Xt, "Yt": g(Xt) @ u + noise * rng.standard_normal((n_target, 1)),
            "Xe": Xe, "Ye": g(Xe) @ u, "noise": noise}


#: sizes and steps of the transfer demonstration
TRANSFER_SETUP = {"hidden": (64, 16), "n_source": 1000, "pre_steps": 400, "head_steps": 300, "fine_steps": 300,
                      "scratch_steps": 600, "lr": 1e-2, "fine_lr": 1e-3, "seed": 0}


def _test_loss(params, X, Y, act="tanh"):
    with single_blas_thread():
        out, _ = nn.forward(params, X, act)
    return float(nn.mse_loss(out, Y)[0])


def transfer_pretrain(progress=None, **overrides):
    """Stage 1: train d → 64 → 16 → 4 on the source task. Returns (params, task, losses)."""
    s = TRANSFER_SETUP | overrides
    t = transfer_task(s["seed"], n_source=s["n_source"])
    h1, h2 = s["hidden"]
    src = init_params([t["Xs"].shape[1], h1, h2, 4], "xavier_normal",
                      np.random.default_rng(s["seed"] + 1))
    pre = train_adam(src, t["Xs"], t["Ys"], steps=s["pre_steps"], lr=s["lr"], progress=progress)
    return src, t, pre


def transfer_finetune(src, t, progress=None, **overrides):
    """Stage 2: cut the head, put a new 16 → 1 head, train it with the body frozen, then
    fine-tune all layers with a small step. Returns test losses after each phase."""
    s = TRANSFER_SETUP | overrides
    h2 = s["hidden"][1]
    new_head = init_params([h2, 1], "xavier_normal", np.random.default_rng(s["seed"] + 3))[0]
    net = [{k: v.copy() for k, v in p.items()} for p in src[:-1]] + [new_head]
    before = _test_loss(net, t["Xe"], t["Ye"])
    head = train_adam(net, t["Xt"], t["Yt"], steps=s["head_steps"], lr=s["lr"],
                      trainable=[len(net) - 1], progress=progress)
    frozen_same = all(np.array_equal(a["A"], b["A"]) for a, b in zip(net[:-1], src[:-1]))
    after_head = _test_loss(net, t["Xe"], t["Ye"])
    fine = train_adam(net, t["Xt"], t["Yt"], steps=s["fine_steps"], lr=s["fine_lr"],
                      progress=progress)
    return {"head": head, "fine": fine, "test_new_head": before, "test_head": after_head,
            "test_fine": _test_loss(net, t["Xe"], t["Ye"]), "body_unchanged": frozen_same,
            "params": net}


def transfer_scratch(t, progress=None, **overrides):
    """The same architecture d → 64 → 16 → 1 trained on the target data only."""
    s = TRANSFER_SETUP | overrides
    h1, h2 = s["hidden"]
    net = init_params([t["Xt"].shape[1], h1, h2, 1], "xavier_normal",
                      np.random.default_rng(s["seed"] + 2))
    losses = train_adam(net, t["Xt"], t["Yt"], steps=s["scratch_steps"], lr=s["lr"],
                        progress=progress)
    return {"loss": losses, "test": _test_loss(net, t["Xe"], t["Ye"]),
            "test_zero": float(0.5 * np.mean(t["Ye"] ** 2))}


# ------------------------------------------------------------- ResNet pruning (07)

RESNET_SETUP = {"n": 512, "n_val": 1000, "d": 8, "width": 32, "blocks": 10, "steps": 600, "lr": 3e-3,
                "weight_decay": 0.0, "group_penalty": 0.01, "seed": 0,
                # after training: drop the ``prune`` weakest blocks, fine-tune (Adam)
                "prune": 3, "tune_steps": 200, "tune_lr": 1e-3}


def resnet_task(seed=0, n=512, n_val=1000, d=8):
    rng = np.random.default_rng(seed)
    T = rng.standard_normal((d, 2)) / np.sqrt(d)
    f = lambda X: np.sin(X @ T[:, :1]) + 0.3 * (X @ T[:, 1:2])
    X, Xv = rng.standard_normal((n, d)), rng.standard_normal((n_val, d))
    return {"X": X, "Y": f(X), "Xv": Xv, "Yv": f(Xv)}


def train_resnet(progress=None, **overrides):
    """A residual ReLU MLP d → w, then ``blocks`` blocks h ← h + ReLU(h A + b), then w → 1,
    trained with Adam and the group penalty μ·Σ‖A_k‖_F (pushes unneeded blocks to zero)."""
    s = RESNET_SETUP | overrides
    data = resnet_task(s["seed"], s["n"], s["n_val"], s["d"])
    rng = np.random.default_rng(s["seed"] + 1)
    params = nn.init_mlp([s["d"]] + [s["width"]] * (s["blocks"] + 1) + [1], rng, 1.0)
    for p in params[1:-1]:
        p["A"] *= 0.5
    data["loss"] = train_adam(params, data["X"], data["Y"], "relu", steps=s["steps"], lr=s["lr"],
                              residual=True, weight_decay=s["weight_decay"],
                              group_penalty=s["group_penalty"], progress=progress)
    return params, data


def block_outputs(params, X):
    """RMS over X of ‖ReLU(h A_k + b_k)‖ for each residual block k = 1..len(params) − 2."""
    with single_blas_thread():
        _, cache = nn.forward(params, X, "relu", residual=True)
    out = []
    for (x_z, a, skip) in cache["layers"]:
        if skip:
            Y = nn.ACTS[a][0](x_z[1])
            out.append(np.sqrt(np.mean(np.sum(Y ** 2, axis=1))))
    return np.array(out)


def drop_blocks(params, blocks):
    """The network without the given residual blocks (numbered 1..K); they become identity."""
    drop = {int(b) for b in blocks}
    return [p for i, p in enumerate(params) if i not in drop]


def block_pruning_curve(params, X, Y, order):
    """Validation loss after dropping the first k blocks of ``order``, k = 0..len(order)."""
    with single_blas_thread():
        return np.array([float(nn.mse_loss(nn.forward(drop_blocks(params, order[:k]), X, "relu",
                                                        residual=True)[0], Y)[0])
                         for k in range(len(order) + 1)])


# -------------------------------------------------------------- weight saliency (07)

def pruning_problem(seed=0, n=200, p=12, noise=0.5):
    """Least squares L(w) = ‖Xw − y‖²/(2n) with correlated features of very different scales.

    The loss is exactly quadratic: H = XᵀX/n, and at the minimum w*
    L(w* + δ) = L(w*) + δᵀHδ/2. Returns dict X, y, H, w (= w*), L0.
    """
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, p))
    mix = np.eye(p) + 0.6 * rng.standard_normal((p, p)) / np.sqrt(p)
    scales = np.exp(rng.uniform(-1.5, 1.5, p))
    X = (Z @ mix) * scales
    w_true = rng.standard_normal(p) / scales * rng.choice([0.2, 1.0, 3.0], p)
    y = X @ w_true + noise * rng.standard_normal(n)
    H = X.T @ X / n
    w = np.linalg.solve(H, X.T @ y / n)
    prob = {"X": X, "y": y, "H": H, "w": w}
    prob["L0"] = quad_loss(prob, w)
    return prob


def quad_loss(prob, w):
    r = prob["X"] @ w - prob["y"]
    return float(r @ r / (2 * len(r)))


def saliency(prob, w, method, alive=None):
    """Saliency of each alive weight (inf for removed ones).

    magnitude: |w_i|;  OBD (LeCun et al., 1990): h_ii w_i² / 2 — the loss increase when
    w_i alone is set to 0 and the others stay;  OBS (Hassibi & Stork, 1993):
    w_i² / (2 [H⁻¹]_ii) — the increase when w_i is set to 0 and the others are moved
    optimally (H restricted to the alive weights).
    """
    p = len(w)
    alive = np.ones(p, bool) if alive is None else alive
    out = np.full(p, np.inf)
    idx = np.flatnonzero(alive)
    if method == "magnitude":
        out[idx] = np.abs(w[idx])
    elif method == "obd":
        out[idx] = np.diag(prob["H"])[idx] * w[idx] ** 2 / 2
    elif method == "obs":
        Hinv = np.linalg.inv(prob["H"][np.ix_(idx, idx)])
        out[idx] = w[idx] ** 2 / (2 * np.diag(Hinv))
    else:
        raise ValueError(method)
    return out


def obs_step(prob, w, alive, q):
    """Delete weight q with the OBS update δw = −(w_q/[H⁻¹]_qq) H⁻¹ e_q (on the alive set)."""
    idx = np.flatnonzero(alive)
    Hinv = np.linalg.inv(prob["H"][np.ix_(idx, idx)])
    j = int(np.flatnonzero(idx == q)[0])
    w = w.copy()
    w[idx] -= w[q] / Hinv[j, j] * Hinv[:, j]
    w[q] = 0.0
    alive = alive.copy()
    alive[q] = False
    return w, alive


def prune(prob, k, method):
    """Remove k weights. magnitude / OBD rank once and set the k smallest to zero (the rest
    unchanged); OBS deletes greedily, one weight at a time, each with its optimal update."""
    w = prob["w"].copy()
    alive = np.ones(len(w), bool)
    if method in ("magnitude", "obd"):
        order = np.argsort(saliency(prob, w, method))[:k]
        w[order] = 0.0
        alive[order] = False
        return w, alive
    for _ in range(k):
        q = int(np.argmin(saliency(prob, w, "obs", alive)))
        w, alive = obs_step(prob, w, alive, q)
    return w, alive


def pruning_curves(prob):
    """Loss after removing k = 0..p weights by each method."""
    p = len(prob["w"])
    return {m: np.array([quad_loss(prob, prune(prob, k, m)[0]) for k in range(p + 1)])
            for m in ("magnitude", "obd", "obs")}


# ------------------------------------------------------- demonstrations of the notebooks
#
# Each lecture cell that trains or tabulates calls one of these: the orchestration (loops
# over settings, progress bars, the printed summary) lives here, the notebook holds a call
# and a figure. A demo returns a ``Demo``: its results as attributes, its ``repr`` the
# Russian summary of the numbers the text quotes.

class Demo:
    """Results of a lecture demonstration (attributes) with a Russian text summary."""

    def __init__(self, lines=(), **results):
        self.__dict__.update(results)
        self._lines = list(lines)

    def summary(self) -> str:
        return "\n".join(self._lines)

    def __repr__(self):
        return self.summary()

    __str__ = __repr__

    def _repr_pretty_(self, p, cycle):
        p.text(self.summary())


@contextlib.contextmanager
def _bar(progress, total, desc):
    """A tqdm.auto progress bar (``progress=True``) -> per-step callback, else None."""
    if not progress:
        yield None
        return
    from tqdm.auto import tqdm
    with tqdm(total=total, desc=desc) as bar:
        yield lambda i: bar.update()


def _yes(flag):
    return "да" if flag else "нет"


def _fmt(a, digits):
    return "[" + ", ".join(f"{v:.{digits}f}" for v in np.asarray(a, dtype=float).ravel()) + "]"


# lecture 04: transfer and pruning

def transfer_demo(progress=True, **overrides) -> Demo:
    """Pre-train, new head + fine-tune, and scratch (``TRANSFER_SETUP``) in one call.

    Attributes: pretrain (losses), finetune (dict of ``transfer_finetune``), scratch (dict of
    ``transfer_scratch``), task, src.
    """
    s = TRANSFER_SETUP | overrides
    total = s["pre_steps"] + s["head_steps"] + s["fine_steps"] + s["scratch_steps"]
    with _bar(progress, total, "перенос знаний") as cb:
        src, task, pre = transfer_pretrain(progress=cb, **overrides)
        tr = transfer_finetune(src, task, progress=cb, **overrides)
        sc = transfer_scratch(task, progress=cb, **overrides)
    n = len(task["Yt"])
    lines = [
        (f"тестовые потери: новая голова до обучения {tr['test_new_head']:.3f}; после обучения "
        f"головы {tr['test_head']:.3f}; после дообучения {tr['test_fine']:.3f}"),
        (f"с нуля на тех же {n} объектах: {sc['test']:.3f} (на обучении {sc['loss'][-1]:.1e}); "
        f"ответ «всегда 0»: {sc['test_zero']:.3f}"),
        f"тело сети при обучении головы не изменилось: {_yes(tr['body_unchanged'])}",
    ]
    return Demo(lines, pretrain=pre, finetune=tr, scratch=sc, task=task, src=src)


def resnet_demo(progress=True, **overrides) -> Demo:
    """Train the residual net (``RESNET_SETUP``), rank its blocks by output on the validation
    set, drop blocks in both orders, then drop the ``prune`` weakest and fine-tune.

    Attributes: params, data, norms, order (blocks 1..K, weakest first), small, large
    (validation loss after dropping the first k of each order), pruned, tuned.
    """
    s = RESNET_SETUP | overrides
    with _bar(progress, s["steps"] + s["tune_steps"], "ResNet и дообучение") as cb:
        params, data = train_resnet(progress=cb, **overrides)
        norms = block_outputs(params, data["Xv"])
        order = np.argsort(norms) + 1                       # blocks are numbered 1..K
        small = block_pruning_curve(params, data["Xv"], data["Yv"], order)
        large = block_pruning_curve(params, data["Xv"], data["Yv"], order[::-1])
        # a copy: drop_blocks shares the layers' arrays, and fine-tuning works in place
        pruned = [{k: v.copy() for k, v in q.items()} for q in drop_blocks(params, order[:s["prune"]])]
        train_adam(pruned, data["X"], data["Y"], "relu", steps=s["tune_steps"], lr=s["tune_lr"],
                   residual=True, progress=cb)
    tuned = block_pruning_curve(pruned, data["Xv"], data["Yv"], [])[0]
    k = s["prune"]
    lines = [
        "средние нормы выходов блоков 1–10: " + _fmt(norms, 2),
        "потери на проверке после удаления k = 0, 1, 2, 3 блоков:",
        "   сначала блоки с малым выходом:  " + _fmt(small[:4], 4),
        "   сначала блоки с большим выходом: " + _fmt(large[:4], 4),
        (f"без {k} блоков с наименьшим выходом: {small[k]:.4f}; после {s['tune_steps']} шагов "
        f"дообучения {tuned:.4f} (исходная сеть {small[0]:.4f})"),
    ]
    return Demo(lines, params=params, data=data, norms=norms, order=order, small=small,
                large=large, pruned=pruned, tuned=tuned, k=k)


def saliency_demo(prob=None) -> Demo:
    """OBD and OBS saliencies against the exact loss increase, for the weight OBS ranks
    lowest and the weight with the largest |a|; and the three rankings."""
    prob = pruning_problem() if prob is None else prob
    w, L0 = prob["w"], prob["L0"]
    obd, obs = saliency(prob, w, "obd"), saliency(prob, w, "obs")
    alive = np.ones(len(w), bool)
    lines, rows = [], []
    for i in (int(np.argmin(obs)), int(np.argmax(np.abs(w)))):
        w0 = w.copy()
        w0[i] = 0.0
        w_obs, _ = obs_step(prob, w, alive, i)
        row = {"i": i, "abs": abs(w[i]), "zero": quad_loss(prob, w0) - L0, "obd": obd[i],
               "obs_update": quad_loss(prob, w_obs) - L0, "obs": obs[i]}
        rows.append(row)
        lines.append(f"вес {i}: |a| = {row['abs']:.3f}; обнулить: рост {row['zero']:.4g}, "
                     f"OBD {row['obd']:.4g}; обнулить с поправкой OBS: рост "
                     f"{row['obs_update']:.4g}, формула {row['obs']:.4g}")
    orders = {"magnitude": np.argsort(np.abs(w)), "obd": np.argsort(obd), "obs": np.argsort(obs)}
    lines += ["порядок весов по возрастанию полезности:",
              "   по |a|: " + " ".join(map(str, orders["magnitude"])),
              "   OBD:    " + " ".join(map(str, orders["obd"])),
              "   OBS:    " + " ".join(map(str, orders["obs"]))]
    return Demo(lines, prob=prob, rows=rows, orders=orders)


#: the shares of the pruning summary: k of the 12 weights
PRUNING_KS = (4, 6, 8)
_METHOD_RU = {"magnitude": "по модулю |a_i|", "obd": "OBD", "obs": "OBS"}


def pruning_demo(prob=None) -> Demo:
    """``pruning_curves`` of the least-squares problem, with the losses at ``PRUNING_KS``."""
    prob = pruning_problem() if prob is None else prob
    curves = pruning_curves(prob)
    p = len(prob["w"])
    ks = ", ".join(map(str, PRUNING_KS))
    lines = [f"потери после удаления {ks} весов из {p}:"]
    lines += [f"   {_METHOD_RU[m]:16s} " + ", ".join(f"{c[k]:.3f}" for k in PRUNING_KS)
              for m, c in curves.items()]
    return Demo(lines, prob=prob, curves=curves)


# lecture 05: dropout and batch normalisation

#: the vector and the probability of the exact dropout check
DROPOUT_MOMENTS_X = np.array([1.0, -2.0, 0.5, 3.0, 0.0, -1.0, 2.5, 0.2, -0.7, 1.5])
DROPOUT_MOMENTS_P = 0.3
DROPOUT_MC = 20_000


def dropout_moments_demo(x=DROPOUT_MOMENTS_X, p=DROPOUT_MOMENTS_P, n=DROPOUT_MC, seed=0) -> Demo:
    """Exact moments of inverted dropout over all 2^len(x) masks, the mean without the
    division, and a Monte Carlo check of the mean with ``n`` masks (in standard errors)."""
    x = np.asarray(x, dtype=float)
    nz = x != 0
    mean, var = dropout_moments_exact(x, p)
    var_ratio = var[nz] / (x[nz] ** 2 * p / (1 - p))
    raw_mean, _ = dropout_moments_exact(x, p, inverted=False)
    raw_ratio = raw_mean[nz] / x[nz]
    rng = np.random.default_rng(seed)
    ys = np.stack([dropout(x, p, rng)[0] for _ in range(n)])
    se = ys.std(axis=0, ddof=1) / np.sqrt(n)
    z_max = float(np.max(np.abs(ys.mean(axis=0) - x)[se > 0] / se[se > 0]))
    lines = [
        f"{len(x)} входов, p = {p}, перебор всех {2 ** len(x)} масок:",
        f"   E y − x: наибольшее отклонение {np.abs(mean - x).max():.1e}",
        (f"   Var y / (x² p/(1 − p)) = 1 при всех x ≠ 0 (наибольшее отклонение "
        f"{np.abs(var_ratio - 1).max():.1e})"),
        (f"   без деления на 1 − p: E y / x = {1 - p} при всех x ≠ 0 (наибольшее отклонение "
        f"{np.abs(raw_ratio - (1 - p)).max():.1e})"),
        f"Монте-Карло, {n:_} масок: наибольшее |среднее − x| / se = "
        f"{z_max:.2f}".replace("_", "\u00a0"),
    ]
    return Demo(lines, x=x, p=p, mean=mean, var=var, var_ratio=var_ratio, raw_ratio=raw_ratio,
                z_max=z_max)


def subnetworks_demo(seed=0, p=0.5) -> Demo:
    """Average output of all 2^16 sub-networks of ``dropout_head`` vs the full network."""
    head = dropout_head(seed)
    M = all_masks(head["A1"].shape[1])
    outs = subnetwork_outputs(head, DROPOUT_X, M, p=p)
    full = head_moments(head, DROPOUT_X, 0.0)[0]
    lines = [(f"подсетей: {len(M)}; среднее их выходов {outs.mean():.6f}; "
             f"выход полной сети {full:.6f}")]
    return Demo(lines, head=head, n=len(M), mean=float(outs.mean()), full=float(full))


#: the drop probabilities of the overfitting demonstration
DROPOUT_PS = (0.0, 0.5)


def dropout_demo(progress=True, ps=DROPOUT_PS, **overrides) -> Demo:
    """``train_dropout_net`` for each p. Attribute runs: {p: result}."""
    s = DROPOUT_SETUP | overrides
    runs = {}
    with _bar(progress, s["steps"] * len(ps), "сеть с дропаутом и без") as cb:
        for p in ps:
            runs[p] = train_dropout_net(p, progress=cb, **overrides)
    lines = [f"p = {p}: потери на обучении {r['train_full']:.3g}, на тесте {r['test'][-1]:.3f}"
             for p, r in runs.items()]
    return Demo(lines, runs=runs)


def batchnorm_demo(seed=0) -> Demo:
    """Output moments of ``batchnorm`` on three badly scaled coordinates vs the formulas."""
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=[5.0, -2.0, 0.0], scale=[3.0, 0.1, 1e-3], size=(64, 3))
    gamma, beta, eps = np.array([2.0, 1.0, 1.0]), np.array([1.0, 0.0, -1.0]), 1e-5
    Y, mu, var = batchnorm(X, gamma, beta, eps=eps)
    back, _, _ = batchnorm(X, np.sqrt(var + eps), mu, eps=eps)
    identity = bool(np.allclose(back, X, rtol=0, atol=1e-12))
    lines = [
        "средние выхода:      " + _fmt(np.round(Y.mean(axis=0), 6) + 0.0, 6) + " = β = " + _fmt(beta, 1),
        "дисперсии выхода:    " + _fmt(Y.var(axis=0), 6),
        "γ² σ² / (σ² + ε):    " + _fmt(gamma ** 2 * var / (var + eps), 6),
        f"при γ = √(σ² + ε), β = μ выход равен входу: {_yes(identity)}",
    ]
    return Demo(lines, X=X, Y=Y, gamma=gamma, beta=beta, var=var, eps=eps, identity=identity)


def running_average_demo(batches=300, seed=1) -> Demo:
    """``BatchNorm1d`` on N((5, −2), diag(9, 0.25)) batches of 64: running averages, and one
    object in three different batches in training and in inference mode."""
    bn, rng = BatchNorm1d(2), np.random.default_rng(seed)
    loc, scale = [5.0, -2.0], [3.0, 0.5]
    for _ in range(batches):
        bn.train(rng.normal(loc, scale, size=(64, 2)))
    obj = np.array([[8.0, -1.5]])
    others = [rng.normal(loc, scale, size=(63, 2)) for _ in range(3)]
    mean, var = bn.running_mean.copy(), bn.running_var.copy()
    train_out = np.array([bn.train(np.vstack([obj, o]))[0] for o in others])
    eval_out = np.array([bn.eval(np.vstack([obj, o]))[0] for o in others])
    lines = [
        (f"после {batches} батчей: скользящее среднее {_fmt(mean, 3)} (истинное [5, −2]), "
        f"скользящая дисперсия {_fmt(var, 3)} (истинная [9, 0.25])"),
        "один объект в трёх разных батчах, режим обучения:   "
        + "; ".join(_fmt(r, 3) for r in train_out),
        "тот же объект, режим применения:                    "
        + "; ".join(_fmt(r, 3) for r in eval_out),
    ]
    return Demo(lines, running_mean=mean, running_var=var, train_out=train_out, eval_out=eval_out)


def instancenorm_demo(seed=2) -> Demo:
    """An object x and 3x + 1 among 30 others: normalisation per object vs per batch."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(8)
    X2 = np.vstack([a, 3 * a + 1, rng.standard_normal((30, 8))])
    inst = instancenorm(X2)
    batch = batchnorm(X2)[0]
    d_inst = float(np.abs(inst[0] - inst[1]).max())
    d_batch = float(np.abs(batch[0] - batch[1]).max())
    row_mean = float(np.abs(inst.mean(axis=1)).max())
    lines = [f"по объекту:  |x̂(x) − x̂(3x + 1)| не больше {d_inst:.1e}",
             f"по батчу:    |x̂(x) − x̂(3x + 1)| до {d_batch:.2f}",
             f"средние строк после нормализации по объекту: до {row_mean:.1e}"]
    return Demo(lines, X=X2, d_inst=d_inst, d_batch=d_batch, row_mean=row_mean)


#: (activation, weight scale c) of the deep-activation figures; the other c of the BN check
BN_DEPTH_CASES = (("tanh", 3.0), ("relu", 1.0))
BN_OTHER_SCALE = 0.5


def bn_depth_demo(depth=20, width=128) -> Demo:
    """``deep_activations`` without and with BN for ``BN_DEPTH_CASES``; with BN, the
    largest difference from the net whose weights are scaled by ``BN_OTHER_SCALE``."""
    lines, stats = [], {}
    for act, c in BN_DEPTH_CASES:
        plain = deep_activations(depth, width, act, c, bn=False)
        normed = deep_activations(depth, width, act, c, bn=True)
        other = deep_activations(depth, width, act, BN_OTHER_SCALE, bn=True)
        st = {"plain": (plain[0].std(), plain[-1].std()), "bn": (normed[0].std(), normed[-1].std()),
              "other_diff": float(np.abs(other - normed).max())}
        lines.append(f"{act}, c = {c}: σ активаций на слоях 1 и {depth}: без BN "
                     f"{st['plain'][0]:.4f} и {st['plain'][1]:.4f}, с BN {st['bn'][0]:.4f} и "
                     f"{st['bn'][1]:.4f}")
        if act == "tanh":
            st["saturated"] = (float(np.mean(np.abs(plain[-1]) > 0.99)),
                               float(np.mean(np.abs(normed[-1]) > 0.99)))
            lines.append(f"   доля |tanh z| > 0.99 на слое {depth}: без BN {st['saturated'][0]:.2f}, "
                         f"с BN {st['saturated'][1]:.2f}")
        lines.append(f"   с BN при c = {BN_OTHER_SCALE} вместо {c}: активации отличаются не больше "
                     f"чем на {st['other_diff']:.1e}")
        stats[act, c] = st
    return Demo(lines, stats=stats)


# lecture 06: initialisation

def zero_init_demo(steps=200) -> Demo:
    """``zero_init_run``: the largest |A| and |b| per layer after training, and the losses."""
    run = zero_init_run(steps=steps)
    lines = [f"слой {i}: max|A| = {np.abs(p['A']).max():.3g}, max|b| = {np.abs(p['b']).max():.3g}"
             for i, p in enumerate(run["final"], 1)]
    lines.append(f"потери: в начале {run['loss'][0]:.4f}, в конце {run['loss'][-1]:.4f} "
                 f"(ln 2 = {np.log(2):.4f})")
    return Demo(lines, **run)


def symmetry_demo(steps=300) -> Demo:
    """``symmetry_run`` with equal and with random (Xavier) initial weights."""
    const = symmetry_run("constant", steps=steps)
    rand = symmetry_run("xavier_normal", steps=steps)
    lines = [f"{name}: наибольшее относительное отличие нейронов слоёв 1 и 2 после обучения: "
             f"{run['spread'][-1, 0]:.2g} и {run['spread'][-1, 1]:.2g}"
             for name, run in (("все веса равны", const), ("случайные веса", rand))]
    return Demo(lines, const=const, rand=rand)


#: (label, scheme) of the naive-initialisation comparison
NAIVE_CASES = (("±1", "pm1"), ("U[−1, 1]", "u11"), ("N(0, 0,01²)", "small"),
               ("Xavier", "xavier_normal"))


def naive_demo(width=256, depth=10) -> Demo:
    """``naive_profile`` (tanh) for each of ``NAIVE_CASES``. Attribute profiles: {label: …}."""
    profiles = {lab: naive_profile(key, "tanh", width=width, depth=depth)
                for lab, key in NAIVE_CASES}
    lines = [f"{lab:12s} Var z_1 = {p['pre_var'][0]:9.3g}, насыщено на слое {depth}: "
             f"{100 * p['saturated'][-1]:4.0f} %, Var δ_1 / Var δ_{depth} = "
             f"{p['grad_var'][0] / p['grad_var'][-1]:.3g}" for lab, p in profiles.items()]
    return Demo(lines, profiles=profiles)


#: (label, scheme) of the per-layer ratio check
GAIN_CASES = (("Xavier", "xavier_normal"), ("He", "he_normal"))


def gain_demo(n=128, reps=200) -> Demo:
    """E z₂²/E z₁² of ReLU layers: theory and ``reps`` random two-layer nets of width n."""
    lines, ratios = [], {}
    for lab, scheme in GAIN_CASES:
        m1, m2 = layer_gain_samples(scheme, "relu", n=n, batch=n, reps=reps)
        ratios[scheme] = (gain_theory(scheme, "relu", n), float(m2.mean() / m1.mean()))
        lines.append(f"{lab:7s} E z₂² / E z₁²: теория {ratios[scheme][0]:.2f}, моделирование "
                     f"{ratios[scheme][1]:.3f}")
    return Demo(lines, ratios=ratios)


_SCHEME_SHORT = {"xavier_normal": "Xavier", "he_normal": "He"}


def _layers_ru(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} слой"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return f"{n} слоя"
    return f"{n} слоёв"


#: the two initialisations of the He et al. (2015) experiment
HE_SCHEMES = ("xavier_normal", "he_normal")


class HeExperiments(Demo):
    """The runs of ``he_experiment``, collected one call at a time (each in its own notebook
    cell, so that no cell runs long). ``run(depth, scheme)`` trains one net, ``run(depth)``
    one per scheme of ``HE_SCHEMES``; ``runs`` {(depth, scheme): …}; the summary lists all
    runs so far."""

    def __init__(self):
        super().__init__()
        self.runs = {}

    def run(self, depth, scheme=None, progress=True, **overrides):
        s = HE_SETUP | overrides
        schemes = HE_SCHEMES if scheme is None else (scheme,)
        desc = _layers_ru(depth)
        if scheme is not None:
            desc += f", {_SCHEME_SHORT.get(scheme, scheme)}"
        with _bar(progress, s["steps"] * len(schemes), desc) as cb:
            for name in schemes:
                self.runs[depth, name] = he_experiment(depth, name, progress=cb, **overrides)

    def summary(self):
        return "\n".join(
            f"{_layers_ru(d)}, {_SCHEME_SHORT.get(s, s):6s} σ выхода в начале {r['out_std']:8.2g}, "
            f"потери в конце {r['final_loss']:.3f}, точность {100 * r['accuracy']:.1f} %"
            for (d, s), r in self.runs.items())
