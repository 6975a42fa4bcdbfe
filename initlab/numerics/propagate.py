"""Forward and backward variance through a deep stack of layers: theory and Monte Carlo.

The network
-----------
``depth`` layers; layer l = 1..depth maps x_{l-1} (width n_{l-1}) to

    z_l = x_{l-1} W_l          (pre-activations; W_l of shape (n_{l-1}, n_l), bias 0)
    x_l = f(z_l)               (activations; f is applied at every layer, the top too)

The widths go geometrically from n_in to n_out (``layer_widths``): n_l = round(n_in ·
(n_out/n_in)^(l/depth)), so n_0 = n_in, n_depth = n_out; with n_in = n_out every layer
has that width. With n_in ≠ n_out every layer has fan_in ≠ fan_out, and the explorer
shows the forward/backward compromise: 1/fan_in keeps the forward signal, 1/fan_out
the backward one, Xavier's 2/(fan_in + fan_out) keeps both approximately.

The input x_0 has iid N(0, 1) entries (``batch`` rows). The backward pass starts from
δ_depth = r with iid N(0, 1) entries independent of everything else — the gradient of
the random linear loss L = Σ r ⊙ z_depth — and goes down as

    δ_l = (δ_{l+1} W_{l+1}ᵀ) ⊙ f'(z_l),        δ_l = ∂L/∂z_l.

What is reported per layer l = 1..depth (arrays of length ``depth``, index l − 1):

    pre_var[l-1]   Var z_l        forward signal — THE forward curve of the plots
    pre_mean[l-1]  E z_l
    act_var[l-1]   Var x_l        variance of the activations f(z_l)
    act_mean[l-1]  E x_l
    grad_var[l-1]  Var δ_l        backward signal, Var ∂L/∂z_l — THE backward curve

(pooled over the batch and the units of the layer in the simulation; over the inputs,
the weights and r in the theory).

Theory (``theory``)
-------------------
Random schemes (iid zero-mean weights, Var w_l = σ_l²): the mean-field recursion

    q_1 = n_0 σ_1²,   q_l = n_{l-1} σ_l² · E f(z)²|_{z~N(0,q_{l-1})}     (q_l = Var z_l)
    Var δ_depth = 1,  Var δ_l = n_{l+1} σ_{l+1}² · Var δ_{l+1} · E f'(z)²|_{z~N(0,q_l)}

It uses second moments E f(z)² (not variances: the sigmoid's outputs have non-zero
mean). It is exact for the linear activation (in expectation) and becomes exact for
nonlinear ones as the width grows: at finite width z_l given the previous layer has
the random variance σ²‖x_{l-1}‖², and the Jensen gap gives an O(1/width) bias per layer;
the backward recursion also assumes f'(z_l) independent of δ_{l+1} W_{l+1}ᵀ.

Constant schemes (every weight of layer l equals c_l; "zeros" is c = 0): there is no
randomness in the weights and no mean field — every unit of a layer holds the same
number. Exactly: z_1 = c_1 Σ_i x_0i ~ N(0, c_1² n_0) =: g, z_l = c_l n_{l-1} f(z_{l-1}),
a deterministic map of the scalar g; backward δ_{depth-1} = c_depth S f'(z_{depth-1})
with S = Σ_j r_j ~ N(0, n_depth) and δ_l = c_{l+1} n_{l+1} δ_{l+1} f'(z_l) below. The
moments are computed by quadrature over g (``initlab.act.gauss_nodes``). In the
simulation all units of a row are equal, so its effective sample is the batch.

Breakdowns
----------
Each pass stops being meaningful at some layer when (in this order)

    "overflow"   a value is inf/NaN (simulation) or √(E z²) > float32 max (theory)
    "zero"       the signal is exactly 0 (zero weights)
    "underflow"  √(E z²) < float32's smallest normal number 1.18e-38
    "precision"  (forward only) std(z) < 1e-5·|E z|: the spread between inputs is lost
                 in float32 rounding (constant weights with the sigmoid)

The first such layer is recorded in ``Profile.forward_break`` / ``backward_break``
(a ``Breakdown`` with ``.direction``, ``.layer`` and ``.kind``; its Russian sentence is
``initlab.text.breakdown_message``); the arrays hold
NaN from that layer on. An overflow/underflow/zero in the forward pass leaves the
backward pass uncomputed (``grad_var`` all NaN). Theory and simulation use the same
criteria, except that the simulation overflows as soon as ONE value exceeds float32
(a few times √(E z²)): near the threshold it may report the layer one earlier.
No floating-point warning ever leaks to the caller.

API (stable):

    layer_widths(n_in, n_out, depth) -> ndarray (depth + 1,) of int
    default_hist_layers(depth, k=5) -> tuple of layers for histograms
    theory(act, scheme, n_in, n_out, depth) -> Profile
    simulate(act, scheme, n_in, n_out, depth, batch=512, seed=0, hist_layers=None,
             dtype=np.float32, max_work=None) -> Profile
    batch_for(n_in, n_out, depth, batch, max_work) -> the batch under a work budget
    Profile   dataclass: source, act, scheme, widths, pre_var, pre_mean, act_var,
              act_mean, grad_var, forward_break, backward_break, note,
              act_samples, grad_samples; properties depth, layers
    Breakdown dataclass: direction, layer, kind

``act`` and ``scheme`` are keys of ``initlab.act.ACTIVATIONS`` / ``initlab.init.SCHEMES``
or the objects themselves. Seeds: the input x_0 comes from
``default_rng(SeedSequence(seed, spawn_key=(0,)))``, r from spawn_key (1,), and layer l's
weights from spawn_key (2, l) (and (3, l), see below), so the weights of a layer do not
depend on the depth; drawn matrices are sampled once and cached (changing the activation,
or the depth at n_in = n_out, reuses them; a Gaussian layer sampled without its matrix
depends on its input, so a new activation gives another network of the same law).

Bounded cost at every setting (the explorer's budget, ``max_work``): the batch shrinks for
big networks, and what remains is the weights themselves, up to 10⁸ of them. So

    uniform laws   are drawn on the 2¹⁶ midpoints of equal cells of [−a, a] (uint16 from
                   raw generator output, 2 bytes a weight; variance a²/3 · (1 − 2⁻³²) before the
                   float32 rounding of the expanded weights, which is larger) and
                   expanded block by block inside the matrix products
    sign law (±c)  one random bit a weight, likewise
    normal law     when the batch B is small against the layer (B ≤ n_in n_out /
                   (4 (n_in + n_out))) the matrix is not drawn at all: z = x W and δ Wᵀ are
                   sampled from their exact joint law in O(B² n) (``_GaussianLayer``);
                   otherwise W = σ · standard normal (``scheme.sample``)
    other laws     ``scheme.sample``

The weights of a network larger than the cache are drawn again in the backward pass.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from .activations import Activation, gauss_nodes, get_activation
from .schemes import Scheme, get_scheme

__all__ = [
    "F32_MAX",
    "F32_TINY",
    "PRECISION_RTOL",
    "Breakdown",
    "Profile",
    "default_hist_layers",
    "layer_widths",
    "simulate",
    "theory",
]

F32_MAX = float(np.finfo(np.float32).max)     # 3.40e38
F32_TINY = float(np.finfo(np.float32).tiny)   # 1.18e-38, smallest normal float32
PRECISION_RTOL = 1e-5                         # std < 1e-5 |mean|: lost in rounding



@dataclass(frozen=True)
class Breakdown:
    """Where and how a pass stopped being meaningful."""

    direction: str   # "forward" | "backward"
    layer: int       # 1-based layer index l (z_l forward, δ_l backward)
    kind: str        # "overflow" | "zero" | "underflow" | "precision"



@dataclass
class Profile:
    """Per-layer statistics of one network; arrays have length ``depth``."""

    source: str                 # "theory" | "simulation"
    act: str                    # activation key
    scheme: str                 # scheme key
    widths: np.ndarray          # (depth + 1,) n_0 .. n_depth
    pre_var: np.ndarray         # Var z_l
    pre_mean: np.ndarray        # E z_l
    act_var: np.ndarray         # Var x_l
    act_mean: np.ndarray        # E x_l
    grad_var: np.ndarray        # Var δ_l = Var ∂L/∂z_l
    forward_break: Breakdown | None = None
    backward_break: Breakdown | None = None
    note: str | None = None     # a remark code for the plot: "constant" (or None)
    act_samples: dict = field(default_factory=dict)    # layer -> 1-D float32 x_l
    grad_samples: dict = field(default_factory=dict)   # layer -> 1-D float32 δ_l
    batch: int | None = None
    seed: int | None = None

    @property
    def depth(self) -> int:
        return len(self.pre_var)

    @property
    def layers(self) -> np.ndarray:
        """1, 2, …, depth."""
        return np.arange(1, self.depth + 1)



def layer_widths(n_in: int, n_out: int, depth: int) -> np.ndarray:
    """Widths n_0..n_depth going geometrically from n_in to n_out (int array).

    n_l = round(n_in · (n_out / n_in)^(l / depth)); with n_in = n_out all are equal.
    """
    n_in, n_out, depth = int(n_in), int(n_out), int(depth)
    if n_in < 1 or n_out < 1 or depth < 1:
        raise ValueError("n_in, n_out and depth must be positive")
    ratio = (n_out / n_in) ** (np.arange(depth + 1) / depth)
    w = np.rint(n_in * ratio).astype(int)
    w[0], w[-1] = n_in, n_out
    return np.maximum(w, 1)


def default_hist_layers(depth: int, k: int = 5) -> tuple[int, ...]:
    """About ``k`` layers spread from 1 to ``depth`` (as in Glorot & Bengio's figures)."""
    return tuple(int(v) for v in np.unique(np.rint(np.linspace(1, depth, min(k, depth)))))


def _classify(var: float, mean: float, forward: bool) -> str | None:
    """The breakdown kind of a layer with variance ``var`` and mean ``mean``, or None."""
    m2 = var + mean * mean
    if not np.isfinite(m2) or m2 > F32_MAX ** 2:
        return "overflow"
    if m2 == 0.0:
        return "zero"
    if m2 < F32_TINY ** 2:
        return "underflow"
    if forward and var < (PRECISION_RTOL * mean) ** 2:
        return "precision"
    return None


def _nan(depth):
    return np.full(depth, np.nan)


def _resolve(act, scheme):
    return get_activation(act), get_scheme(scheme)


# ----------------------------------------------------------------------------- theory

def theory(act, scheme, n_in: int, n_out: int, depth: int) -> Profile:
    """Theoretical per-layer Var z_l, Var x_l, Var δ_l (see the module docstring)."""
    act, scheme = _resolve(act, scheme)
    widths = layer_widths(n_in, n_out, depth)
    with np.errstate(all="ignore"):
        if scheme.random:
            return _theory_random(act, scheme, widths)
        return _theory_constant(act, scheme, widths)


def _theory_random(act: Activation, scheme: Scheme, n: np.ndarray) -> Profile:
    depth = len(n) - 1
    s2 = np.array([scheme.variance(n[l - 1], n[l]) for l in range(1, depth + 1)])
    pre_var, act_var, act_mean, dm2 = _nan(depth), _nan(depth), _nan(depth), _nan(depth)
    fwd = None
    m2_prev = 1.0                                   # E x_0² = 1
    for i in range(depth):
        q = n[i] * s2[i] * m2_prev
        kind = _classify(q, 0.0, True)
        if kind:
            fwd = Breakdown("forward", i + 1, kind)
            break
        mean, m2, d2 = (float(v) for v in act.moments(q))
        pre_var[i], act_mean[i], act_var[i], dm2[i] = q, mean, max(m2 - mean * mean, 0.0), d2
        m2_prev = m2
    grad_var, bwd = _nan(depth), None
    if fwd is None:
        g = 1.0                                     # Var δ_depth = Var r = 1
        for i in range(depth - 1, -1, -1):
            if i < depth - 1:
                g = n[i + 2] * s2[i + 1] * g * dm2[i]
            kind = _classify(g, 0.0, False)
            if kind:
                bwd = Breakdown("backward", i + 1, kind)
                break
            grad_var[i] = g
    return Profile("theory", act.key, scheme.key, n, pre_var, np.zeros(depth) * pre_var,
                   act_var, act_mean, grad_var, fwd, bwd)


def _weighted_stats(v, w):
    mean = float(np.sum(w * v))
    var = float(np.sum(w * (v - mean) ** 2))
    return var, mean


def _theory_constant(act: Activation, scheme: Scheme, n: np.ndarray) -> Profile:
    depth = len(n) - 1
    c = np.array([scheme.constant(n[l - 1], n[l]) for l in range(1, depth + 1)])
    pre_var, pre_mean = _nan(depth), _nan(depth)
    act_var, act_mean = _nan(depth), _nan(depth)
    q1 = c[0] ** 2 * n[0]                           # z_1 = g ~ N(0, c_1² n_0)
    if q1 > 0 and np.isfinite(q1):
        z, w = gauss_nodes(q1)
    else:
        z, w = np.zeros(1) + np.sqrt(q1), np.ones(1)
    zs, fwd = [], None
    for i in range(depth):
        if i > 0:
            z = c[i] * n[i] * act.f(zs[-1])
        var, mean = _weighted_stats(z, w)
        kind = _classify(var, mean, True)
        if kind and (fwd is None or kind != "precision"):
            # the FIRST breakdown is recorded; a later overflow/zero/underflow replaces
            # a loss of precision (it is the more severe one and stops both passes)
            fwd = Breakdown("forward", i + 1, kind)
        if kind and kind != "precision":
            break
        zs.append(z)
        if fwd is None:
            pre_var[i], pre_mean[i] = var, mean
            act_var[i], act_mean[i] = _weighted_stats(act.f(z), w)
    grad_var, bwd = _nan(depth), None
    if fwd is None or fwd.kind == "precision":
        # δ_l = S · A_l(g) with S ~ N(0, n_depth) independent of g: Var δ_l = n_depth E A_l²
        a = None
        for i in range(depth - 1, -1, -1):
            if i == depth - 1:
                g = 1.0
            else:
                if a is None:
                    a = c[-1] * act.df(zs[i])
                else:
                    a = c[i + 1] * n[i + 2] * a * act.df(zs[i])
                g = n[-1] * float(np.sum(w * a * a))
            kind = _classify(g, 0.0, False)
            if kind:
                bwd = Breakdown("backward", i + 1, kind)
                break
            grad_var[i] = g
    note = "constant" if scheme.constant(n[0], n[1]) else None
    return Profile("theory", act.key, scheme.key, n, pre_var, pre_mean, act_var, act_mean,
                   grad_var, fwd, bwd, note)


# ------------------------------------------------------------------------- simulation

_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 200       # arrays (weights ≈ 0.25 MB, inputs ≈ 0.5 MB at width 256)
_CACHE_BYTES = 256 * 2**20   # and at most this many bytes: bounded memory at any setting
_cache_bytes = [0]


def _cached(key, make, keep=True):
    """The cached array ``key`` (made by ``make`` on a miss; stored only when ``keep``)."""
    a = _CACHE.get(key)
    if a is None:
        a = make()
        a.flags.writeable = False
        if not keep:
            return a
        _CACHE[key] = a
        _cache_bytes[0] += a.nbytes
        while len(_CACHE) > 1 and (len(_CACHE) > _CACHE_SIZE or
                                   _cache_bytes[0] > _CACHE_BYTES):
            _cache_bytes[0] -= _CACHE.popitem(last=False)[1].nbytes
    else:
        _CACHE.move_to_end(key)
    return a


def _rng(seed, *key):
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


#: uniform weights of the simulation take 2¹⁶ equally spaced values, the midpoints of 2¹⁶
#: equal cells of [−a, a]: U[−a, a] to 16 bits (variance a²/3 · (1 − 2⁻³²), up to the
#: float32 rounding of the expanded weights, relative ~1e-7); they are kept
#: as uint16 (2 bytes a weight) and drawn from raw generator output (no float conversion)
_GRID = 2 ** 16
#: Gaussian layers whose batch is at most n_in·n_out / (_CONDITIONAL · (n_in + n_out)) are
#: sampled without the weight matrix (``_GaussianLayer``): there that is cheaper than
#: drawing W (the dense path is cheaper only while W is cached: a new network — another
#: seed, width or depth — is what the budget is for)
_CONDITIONAL = 4
#: weights expanded from the compact form per block of about this many entries (256 KB)
_BLOCK = 2 ** 16


def _compact_weights(scheme: Scheme, fan_in: int, fan_out: int, seed: int, layer: int,
                     dtype) -> np.ndarray:
    """W_l in its stored form: uint16 grid indices (uniform law), packed sign bits (sign
    law), else the matrix itself (``scheme.sample``)."""
    rng = _rng(seed, 2, layer)
    size = int(fan_in) * int(fan_out)
    if scheme.law == "uniform":
        raw = rng.bit_generator.random_raw(-(-size // 4))
        return raw.view(np.uint16)[:size].reshape(fan_in, fan_out)
    if scheme.law == "sign":
        raw = rng.bit_generator.random_raw(-(-size // 64))
        return raw.view(np.uint8)[:-(-size // 8)].copy()
    return scheme.sample(rng, fan_in, fan_out, dtype=dtype)


class _DenseLayer:
    """A layer whose weight matrix is drawn (cached in compact form, expanded on use)."""

    def __init__(self, scheme, fan_in, fan_out, seed, layer, dtype, keep, work):
        self.key = ("w", scheme, fan_in, fan_out, seed, layer, np.dtype(dtype).str)
        self.args = scheme, fan_in, fan_out, seed, layer, dtype
        self.keep, self.work = keep, work
        self.law = scheme.law
        self.scale = None                # compact laws: W = scale · (what _blocks yields)
        if self.law == "uniform":
            a = scheme.bound(fan_in, fan_out)
            # w = scale · (k + offset) = a((2k + 1)/N − 1); the scale goes on the product
            self.scale, self.offset = dtype.type(2.0 * a / _GRID), dtype.type(-(_GRID - 1) / 2)
        elif self.law == "sign":
            c = np.sqrt(scheme.variance(fan_in, fan_out))
            self.scale, self.offset = dtype.type(2.0 * c), dtype.type(-0.5)    # c(2b − 1)

    def _stored(self):
        return _cached(self.key, lambda: _compact_weights(*self.args), self.keep)

    def _blocks(self):
        """(rows, W[rows] / scale) in blocks of rows: the weights expanded from the compact
        form a block at a time into a scratch buffer that stays in the CPU cache (the full
        float32 matrix is never written: at width 1024 that is several times faster); the
        scale is applied to the (small) products instead."""
        stored = self._stored()
        _, fan_in, fan_out, *_ = self.args
        if self.law not in ("uniform", "sign"):
            yield slice(0, fan_in), stored
            return
        step = max(8, _BLOCK // fan_out // 8 * 8)        # a multiple of 8 rows: whole bytes
        buf = self.work.weights(min(step, fan_in), fan_out)
        for r0 in range(0, fan_in, step):
            r1 = min(fan_in, r0 + step)
            w = buf[:r1 - r0]
            if self.law == "sign":
                bits = np.unpackbits(stored[r0 * fan_out // 8:-(-r1 * fan_out // 8)],
                                     count=(r1 - r0) * fan_out)
                np.copyto(w, bits.reshape(r1 - r0, fan_out), casting="unsafe")
            else:
                np.copyto(w, stored[r0:r1], casting="unsafe")      # exact: k < 2²⁴
            w += self.offset
            yield slice(r0, r1), w

    def forward(self, x, out):
        for k, (rows, w) in enumerate(self._blocks()):
            if k == 0:
                np.matmul(x[:, rows], w, out=out)
            else:
                out += x[:, rows] @ w
        if self.scale is not None:
            out *= self.scale
        return out

    def backward(self, delta, out):
        for rows, w in self._blocks():
            out[:, rows] = (w @ delta.T).T
        if self.scale is not None:
            out *= self.scale
        return out


class _GaussianLayer:
    """A layer with iid N(0, s²) weights, sampled without drawing W (exact in law).

    Forward: with xᵀ = Q R (QR, Q of shape n_in × B orthonormal), z = x W = Rᵀ (Qᵀ W) and
    G = Qᵀ W is B × n_out iid N(0, s²) for any Q fixed by x (x is independent of W):
    z = Rᵀ G. Backward: given G, W = Q G + (I − Q Qᵀ) E with E iid N(0, s²) independent
    of G and of everything else, so δ Wᵀ = (δ Gᵀ) Qᵀ + (δ Eᵀ)(I − Q Qᵀ); with δᵀ = P T,
    δ Eᵀ = Tᵀ (E P)ᵀ and E P is n_in × B iid N(0, s²). The joint law of every z_l and δ_l
    is that of the network with the matrices drawn; the cost is O(B² n) instead of
    O(n_in n_out). G comes from stream (2, l), E P from stream (3, l)."""

    def __init__(self, scheme, fan_in, fan_out, seed, layer):
        self.s = float(np.sqrt(scheme.variance(fan_in, fan_out)))
        self.fan_in, self.fan_out, self.seed, self.layer = fan_in, fan_out, seed, layer

    def forward(self, x, out):
        q, r = np.linalg.qr(x.T.astype(np.float64))
        g = _rng(self.seed, 2, self.layer).standard_normal((r.shape[0], self.fan_out))
        g *= self.s
        self.q, self.g = q, g
        out[...] = r.T @ g
        return out

    def backward(self, delta, out):
        d = delta.astype(np.float64)
        p, t = np.linalg.qr(d.T)
        e = _rng(self.seed, 3, self.layer).standard_normal((self.fan_in, p.shape[1]))
        e *= self.s
        de = t.T @ e.T                               # δ Eᵀ in law
        de -= (de @ self.q) @ self.q.T               # … times (I − Q Qᵀ)
        de += (d @ self.g.T) @ self.q.T              # + δ Gᵀ Qᵀ
        out[...] = de
        return out


def _layers(scheme: Scheme, n, batch, seed, dtype, work) -> list:
    """The simulation's layers 1..depth (see ``_DenseLayer``, ``_GaussianLayer``); the
    compact weights of the first layers that fit into 3/4 of the cache are kept, those of
    a network too large for it are drawn again in the backward pass (bounded memory)."""
    depth = len(n) - 1
    gaussian = [scheme.law == "normal" and
                _CONDITIONAL * batch * (int(n[i]) + int(n[i + 1])) <= int(n[i]) * int(n[i + 1])
                for i in range(depth)]
    item = {"uniform": 2, "sign": 1 / 8}.get(scheme.law, dtype.itemsize)
    stored = np.where(gaussian, 0.0, n[:-1].astype(float) * n[1:] * item)
    kept = int(np.searchsorted(np.cumsum(stored), 0.75 * _CACHE_BYTES, side="right"))
    return [_GaussianLayer(scheme, int(n[i]), int(n[i + 1]), seed, i + 1) if gaussian[i] else
            _DenseLayer(scheme, int(n[i]), int(n[i + 1]), seed, i + 1, dtype, i < kept, work)
            for i in range(depth)]


def _normal(seed: int, key: int, shape, dtype) -> np.ndarray:
    """x_0 (key 0) or r (key 1): iid N(0, 1), cached read-only."""
    return _cached(("n", seed, key, shape, np.dtype(dtype).str),
                   lambda: _rng(seed, key).standard_normal(shape, dtype=dtype))


class _Workspace:
    """Preallocated buffers of one network shape (reused between calls: no page faults).

    ``store[l - 1]`` (batch × n_l) holds x_l — or z_l for an activation whose derivative
    cannot be computed from its output (no ``mul_dfy``) — for every layer: the backward
    pass needs f'(z_l). ``flat`` are ``n_flat`` scratch buffers of the largest layer size
    (viewed by ``buf``): 2 when f' comes from x_l (z, then δ, ping-pong), 3 otherwise.
    """

    def __init__(self, batch, widths, dtype, n_flat):
        self.key = (batch, tuple(int(v) for v in widths), dtype.str, n_flat)
        big = batch * int(max(widths))
        self.store = [np.empty((batch, int(v)), dtype) for v in widths[1:]]
        self.flat = [np.empty(big, dtype) for _ in range(n_flat)]
        self.ones = np.ones(big, dtype)
        self.dtype = dtype
        self._weights = None

    def weights(self, fan_in, fan_out):
        """A scratch matrix for one layer's expanded weights (made on first use)."""
        if self._weights is None or self._weights.size < fan_in * fan_out:
            self._weights = np.empty(fan_in * fan_out, self.dtype)
        return self._weights[:fan_in * fan_out].reshape(fan_in, fan_out)

    def buf(self, k, rows, cols):
        return self.flat[k][:rows * cols].reshape(rows, cols)


_WORKSPACE: list = []


def _workspace(batch, widths, dtype, n_flat) -> _Workspace:
    key = (batch, tuple(int(v) for v in widths), dtype.str, n_flat)
    if not _WORKSPACE or _WORKSPACE[0].key != key:
        _WORKSPACE[:] = []          # free the old buffers before making the new ones
        _WORKSPACE.append(_Workspace(batch, widths, dtype, n_flat))
    return _WORKSPACE[0]


def _stats(a: np.ndarray, ones: np.ndarray) -> tuple[float, float, bool]:
    """(var, mean, finite) of a float array, pooled over all entries.

    Fast path: two BLAS dot products in the array's dtype; falls back to a two-pass
    float64 computation when the sums overflow or could lose precision.
    """
    flat = a.reshape(-1)
    size = flat.size
    s = float(np.dot(flat, ones[:size]))
    ss = float(np.dot(flat, flat))
    mean, m2 = s / size, ss / size
    if np.isfinite(m2) and 1e-30 < m2 < 1e30 and m2 - mean * mean > 0.05 * m2:
        return m2 - mean * mean, mean, True
    if not np.isfinite(flat).all():
        return np.nan, np.nan, False
    d = flat.astype(np.float64)
    mean = float(d.mean())
    d -= mean
    return float(np.dot(d, d)) / size, mean, True


def batch_for(n_in: int, n_out: int, depth: int, batch: int, max_work: float | None,
              least: int = 8) -> int:
    """The batch a simulation uses under a work budget: ``batch``, or fewer rows so that
    batch · Σ n_{l−1} n_l (multiply-adds of one pass) stays ≤ ``max_work`` (never < ``least``).
    Each layer's variance still averages batch × n_l values."""
    if max_work is None:
        return int(batch)
    n = layer_widths(n_in, n_out, depth).astype(float)
    per_row = float(np.sum(n[:-1] * n[1:]))
    return int(max(least, min(int(batch), max_work // per_row)))


def simulate(act, scheme, n_in: int, n_out: int, depth: int, batch: int = 512,
             seed: int = 0, hist_layers=None, dtype=np.float32,
             max_work: float | None = None) -> Profile:
    """Monte Carlo of the same statistics as ``theory`` (see the module docstring).

    ``hist_layers``: layers whose x_l and δ_l are kept (flattened copies) in
    ``act_samples`` / ``grad_samples``; default ``default_hist_layers(depth)``.
    ``max_work``: bound the cost (``batch_for``): wide and deep networks get fewer rows;
    ``Profile.batch`` is the batch used. Weights are fetched layer by layer from a cache
    bounded in bytes, so memory stays bounded at any size.
    """
    act, scheme = _resolve(act, scheme)
    batch = batch_for(n_in, n_out, depth, batch, max_work)
    widths = layer_widths(n_in, n_out, depth)
    if hist_layers is None:
        hist_layers = default_hist_layers(depth)
    hist_layers = {int(h) for h in hist_layers if 1 <= int(h) <= depth}
    dtype = np.dtype(dtype)
    with np.errstate(all="ignore"):
        return _simulate(act, scheme, widths, int(batch), int(seed), hist_layers, dtype)


def _simulate(act, scheme, n, batch, seed, hist_layers, dtype):
    depth = len(n) - 1
    from_y = act.mul_dfy is not None     # f'(z_l) from x_l: keep x_l only, in place
    work = _workspace(batch, n, dtype, 2 if from_y else 3)
    layers = _layers(scheme, n, batch, seed, dtype, work)
    x = _normal(seed, 0, (batch, int(n[0])), dtype)
    pre_var, pre_mean, act_var, act_mean = _nan(depth), _nan(depth), _nan(depth), _nan(depth)
    act_samples, fwd = {}, None
    for i in range(depth):
        m = int(n[i + 1])
        if from_y:      # z_l in scratch 0, x_l = f(z_l) into the store (scratch 1: tmp)
            z = layers[i].forward(x, work.buf(0, batch, m))
        else:           # z_l in the store, x_l ping-pong in scratch 1 and 2 (0: tmp)
            z = layers[i].forward(x, work.store[i])
        var, mean, finite = _stats(z, work.ones)
        kind = "overflow" if not finite else _classify(var, mean, True)
        if kind and (fwd is None or kind != "precision"):   # the first one (see theory)
            fwd = Breakdown("forward", i + 1, kind)
        if kind and kind != "precision":
            break
        if from_y:
            x = act.f_into(z, work.store[i], work.buf(1, batch, m))
            if x is not work.store[i]:           # the identity returns z itself
                np.copyto(work.store[i], x)
                x = work.store[i]
        else:
            x = act.f_into(z, work.buf(1 + i % 2, batch, m), work.buf(0, batch, m))
        if fwd is None:
            pre_var[i], pre_mean[i] = var, mean
            act_var[i], act_mean[i], _ = _stats(x, work.ones)
            if i + 1 in hist_layers:
                act_samples[i + 1] = x.reshape(-1).copy()
    grad_var, grad_samples, bwd = _nan(depth), {}, None
    if fwd is None or fwd.kind == "precision":
        delta = _normal(seed, 1, (batch, int(n[-1])), dtype)
        for i in range(depth - 1, -1, -1):
            if i < depth - 1:
                m = int(n[i + 1])
                k = i % 2 + (0 if from_y else 1)     # ping-pong: never the matmul's input
                delta = layers[i + 1].backward(delta, work.buf(k, batch, m))
                if from_y:
                    act.mul_dfy(delta, work.store[i])     # x_{i+1} is used up here
                else:
                    act.mul_df(delta, work.store[i], work.buf(0, batch, m))
            var, _, finite = _stats(delta, work.ones)
            kind = "overflow" if not finite else _classify(var, 0.0, False)
            if kind:
                bwd = Breakdown("backward", i + 1, kind)
                break
            grad_var[i] = var
            if i + 1 in hist_layers:
                grad_samples[i + 1] = delta.reshape(-1).copy()
    note = ("constant" if not scheme.random and
            scheme.constant(n[0], n[1]) else None)
    return Profile("simulation", act.key, scheme.key, n, pre_var, pre_mean, act_var,
                   act_mean, grad_var, fwd, bwd, note, act_samples, grad_samples,
                   batch=batch, seed=seed)


# ------------------------------------------------------- the float64 reference stack
#
# ``simulate`` above is the fast float32 path with cached per-layer weights (the explorer).
# ``stack`` below is the plain float64 deep stack with the options the lectures need:
# saturation counts, batch normalisation, kept activations and a backward pass; the lecture
# helpers (``naive_profile``, ``deep_activations``) are settings of it, and
# ``layer_gradient_norms`` adds residual shortcuts and per-parameter gradients.


def stack(act, sample, width: int, depth: int, batch: int = 512, seed: int = 0,
          norm: str | None = None, keep: bool = False, backward: bool = False,
          saturation: float | None = None, eps: float = 1e-5) -> dict:
    """A random deep stack of ``depth`` square layers z_l = x_{l−1} W_l, x_l = f(z_l).

    One generator ``default_rng(seed)`` draws, in this order: the input x_0 ~ N(0, I)
    (batch × width), then W_l = ``sample(rng, width, width)`` layer by layer, then (with
    ``backward``) the top gradient r ~ N(0, I). Options:

        norm="batch"   batch-normalise z_l (γ = 1, β = 0) before the activation
        keep           return the activations x_l, shape (depth, batch·width)
        backward       Var δ_l of δ_depth = r·f'(z_depth), δ_l = (δ_{l+1} W_{l+1}ᵀ)·f'(z_l)
        saturation     the share of |z_l| > saturation per layer

    Returns a dict with "pre_var" and the requested "acts", "grad_var", "saturated".
    """
    from .mlp import single_blas_thread
    from .regularization import batchnorm

    rng = np.random.default_rng(seed)
    a = get_activation(act)
    f, df = a.f, a.df
    x = rng.standard_normal((batch, width))
    pre_var = np.empty(depth)
    sat = np.empty(depth) if saturation is not None else None
    acts = np.empty((depth, batch * width)) if keep else None
    Ws, Zs = [], []
    with single_blas_thread(), np.errstate(all="ignore"):
        for i in range(depth):
            W = sample(rng, width, width)
            z = x @ W
            if norm == "batch":
                z = batchnorm(z, eps=eps)[0]
            pre_var[i] = z.var()
            if sat is not None:
                sat[i] = np.mean(np.abs(z) > saturation)
            x = f(z)
            if keep:
                acts[i] = x.ravel()
            if backward:
                Ws.append(W)
                Zs.append(z)
        out = {"pre_var": pre_var}
        if backward:
            d = rng.standard_normal((batch, width)) * df(Zs[-1])
            grad_var = np.empty(depth)
            grad_var[-1] = d.var()
            for i in range(depth - 2, -1, -1):
                d = (d @ Ws[i + 1].T) * df(Zs[i])
                grad_var[i] = d.var()
            out["grad_var"] = grad_var
    if keep:
        out["acts"] = acts
    if sat is not None:
        out["saturated"] = sat
    return out


def naive_profile(scheme="u11", act="tanh", width=256, depth=10, batch=512, seed=0):
    """``stack`` with weights from ``scheme``: Var z_l, the share of saturated tanh units
    (|tanh z| > 0.99, i.e. |z| > 2.65) and Var δ_l per layer."""
    from .schemes import sampler
    out = stack(act, sampler(scheme), width, depth, batch, seed, backward=True,
                saturation=np.arctanh(0.99))
    return {"pre_var": out["pre_var"], "saturated": out["saturated"],
            "grad_var": out["grad_var"]}


def deep_activations(depth=20, width=128, act="tanh", scale=1.0, bn=False, batch=256,
                     seed=0, eps=1e-5):
    """Activations f(z_l) per layer, shape (depth, batch·width): ``stack`` with weights
    N(0, scale²/width) (1 is LeCun, √2 is He), batch-normalised pre-activations with ``bn``."""
    def sample(rng, fi, fo):
        return rng.standard_normal((fi, fo)) * (scale / np.sqrt(fi))
    return stack(act, sample, width, depth, batch, seed, norm="batch" if bn else None,
                 keep=True, eps=eps)["acts"]


#: sup |f'| of the activations (the factor of the Jacobian bound per layer)
DERIV_MAX = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "leaky_relu": 1.0, "softplus": 1.0,
             "linear": 1.0, "elu": 1.0}


def sigmoid_grad_bound(d, weight_norms=None):
    """Bound on ‖∂y_d/∂x‖ through d sigmoid layers: 4^(−d) · ∏‖W_l‖ (norms default 1)."""
    prod = 1.0 if weight_norms is None else float(np.prod(weight_norms))
    return 4.0 ** (-d) * prod


def layer_gradient_norms(depth, width=64, act="sigmoid", scale=1.0, residual=False, batch=64,
                         seed=0):
    """Gradients in a random deep stack (no training), layer by layer.

    ``depth`` layers of width ``width`` (all with activation ``act``; with ``residual`` the
    hidden layers 2…depth−1 get identity shortcuts), weights N(0, scale²/width), a random
    Gaussian batch and the loss L = Σ out·R / batch with a fixed Gaussian R.

    Returns dict with, per layer l = 1…depth (arrays of length depth):
        "param"   ‖∂L/∂A_l‖_F
        "delta"   ‖∂L/∂Y_l‖_F, the gradient arriving at the output of layer l
        "bound"   ‖∂L/∂Y_depth‖_F · ∏_{k>l} (sup|f'|·‖A_k‖₂)  (plain stack only; the
                  Jacobian bound, 4^(−m)·∏‖A_k‖₂ for the sigmoid)
    """
    from . import mlp as nn

    rng = np.random.default_rng(seed)
    params = nn.init_mlp([width] * (depth + 1), rng, scale=scale)
    X = rng.standard_normal((batch, width))
    R = rng.standard_normal((batch, width))
    _, cache = nn.forward(params, X, act, out_act=act, residual=residual)
    dout = R / batch
    grads = [None] * depth
    deltas = np.empty(depth)
    d = dout
    for i in range(depth - 1, -1, -1):
        deltas[i] = np.linalg.norm(d)
        c, a, skip = cache["layers"][i]
        dX, dA, db = nn.layer_backward(d, params[i]["A"], c, a)
        grads[i] = {"A": dA, "b": db}
        d = dX + d if skip else dX
    factors = np.array([DERIV_MAX[act] * np.linalg.norm(p["A"], 2) for p in params])
    # bound for layer l: delta_top · ∏_{k=l+1}^{depth} factors[k] (0-based: factors[l+1:])
    suffix = np.append(np.cumprod(factors[::-1])[::-1][1:], 1.0)
    return {"param": nn.grad_norms(grads), "delta": deltas, "bound": deltas[-1] * suffix}
