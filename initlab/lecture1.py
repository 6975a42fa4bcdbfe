"""Numerics of lecture part I: from XOR to deep networks and their gradients.

Everything is vectorised numpy; random draws go through ``numpy.random.default_rng``.

API (stable):

Separating power (lecture 01)
    BOOL_X, LOGIC                     the four inputs of two variables; AND/OR/XOR/NAND/XNOR
    NOT_X, NOT_Y                      the one-variable NOT
    linearly_separable(y, grid)       grid search of sign(w·x + b) (kept for compatibility)
    separable_lp(X, y) -> (ok, w, b)  exact test by linear programming (margin ≥ 1)
    boolean_inputs(k)                 all 2^k inputs of k variables, shape (2^k, k)
    all_truth_tables(k)               all 2^(2^k) truth tables, shape (2^(2^k), 2^k)
    step(z)                           the threshold 1[z > 0]
    xor_threshold_net()               XOR = AND(OR, NAND) as a 2-layer threshold network
    dnf_net(y, X) / cnf_net(y, X)     a 2-layer threshold network from the DNF / CNF
    threshold_forward(net, X)         its output (0/1)
    largest_implicant_dim(y, k)       the largest sub-cube on which y ≡ 1 (its free variables)
    parity_chain(X) -> (out, neurons) parity by a deep chain of XOR blocks, 3(k − 1) neurons
    dnf_neurons(y) / mlp_param_count(sizes)
    train_xor(width, act, seed, steps=600, lr=0.05, progress=None) -> (params, history)
    xor_success(width, act, seeds=range(10)) -> number of seeds that solve XOR
    decision_surface(params, act, lo=-0.5, hi=1.5, n=121) -> (xx, yy, p)  P(y = 1) on a grid

Depth (lecture 02)
    staircase_net(f, n, a, b, tau=10.0)       Cybenko-style 1-hidden-layer sigmoid network
    staircase_error_bound(lip, a, b, n, tau)  its sup-error bound for a Lipschitz f
    lstsq_output(params, x, y)                refit the output layer by least squares
    permute_hidden(params, layer, perm)       the same function, permuted parameters
    flip_hidden(params, layer, unit)          the same function for odd f (tanh)
    swap_path(params, layer, i, j, alpha)     θ(α) = α·θ + (1 − α)·θ_swapped (the notes' path)
    loss_along_swap(params, X, Y, act, layer, i, j, alphas) -> losses
    train_regression(width, act, seed, steps, lr, progress) -> (params, X, Y, history)
    sigmoid_grad_bound(d, weight_norms=None)  4^(−d)·∏‖W_l‖
    layer_gradient_norms(depth, width, act, scale, residual, batch, seed) -> dict
    clip_global(g, c) / clip_local(g, c)
    cliff_loss(w, b, T=50, x0=0.5, target=0.7) -> (loss, dL/dw, dL/db)   one-unit RNN
    descend(start, lr, steps, clip=None, c=1.0, T=50) -> trajectory (steps + 1, 2)
    descend_all(start, lr, steps, c, T) -> {None | "global" | "local": trajectory}
    cliff_surface(n=121, T=50) -> (W, B, loss) on a grid (cached)
    cliff_gradients(points) / step_lengths(traj)
    angle_deg(u, v)

Activations (lecture 03)
    GALLERY                                   key -> (label, f, df)
    prelu(x, beta) / dprelu(x, beta) / leaky_relu / step …
    noisy_relu(x, rng, var=None)              max(0, x + ε), ε ~ N(0, var), var = σ(x) by default
    noisy_relu_mean(x, var)                   E max(0, x + ε) in closed form
"""
from __future__ import annotations

import functools
import itertools

import numpy as np

from .numerics import mlp as nn

# ----------------------------------------------------------------- logic functions

BOOL_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
LOGIC = {"AND": np.array([0, 0, 0, 1]), "OR": np.array([0, 1, 1, 1]),
         "XOR": np.array([0, 1, 1, 0]), "NAND": np.array([1, 1, 1, 0]),
         "XNOR": np.array([1, 0, 0, 1])}
NOT_X = np.array([[0.0], [1.0]])
NOT_Y = np.array([1, 0])


def step(z):
    """The threshold function 1[z > 0] (float)."""
    return (np.asarray(z) > 0).astype(float)


def sigmoid(z):
    return nn.ACTS["sigmoid"][0](np.asarray(z, float))


_GRID = np.linspace(-2, 2, 41)


def linearly_separable(y, grid=_GRID):
    """Exhaustive search of w1, w2, b on a grid: is there sign(w·x + b) matching y?"""
    for w1, w2, b in itertools.product(grid, grid, grid):
        if np.array_equal((BOOL_X @ np.array([w1, w2]) + b > 0).astype(int), y):
            return True
    return False


def separable_lp(X, y):
    """Exact test: is there (w, b) with s_i·(w·x_i + b) ≥ 1, s_i = 2y_i − 1?

    Linear programming feasibility (scipy's HiGHS). Returns (ok, w, b); w, b are None
    when the points are not linearly separable.
    """
    from scipy.optimize import linprog  # imported here: it takes a second to import

    X = np.asarray(X, float)
    s = 2.0 * np.asarray(y, float) - 1.0
    n, k = X.shape
    # variables (w_1..w_k, b); constraint −s_i (x_i·w + b) ≤ −1
    A_ub = -s[:, None] * np.hstack([X, np.ones((n, 1))])
    res = linprog(np.zeros(k + 1), A_ub=A_ub, b_ub=-np.ones(n), bounds=[(None, None)] * (k + 1),
                  method="highs")
    if res.status != 0:
        return False, None, None
    return True, res.x[:k], float(res.x[k])


def boolean_inputs(k):
    """All 2^k binary inputs of k variables, rows in lexicographic order."""
    return np.array(list(itertools.product([0, 1], repeat=k)), float).reshape(-1, k)


def all_truth_tables(k):
    """All 2^(2^k) boolean functions of k variables as rows of 0/1 values on boolean_inputs(k)."""
    return np.array(list(itertools.product([0, 1], repeat=2 ** k)), int)


def xor_threshold_net():
    """XOR(x1, x2) = AND(OR(x1, x2), NAND(x1, x2)) with threshold units (a 2-layer network)."""
    A1 = np.array([[1.0, -1.0], [1.0, -1.0]])    # hidden: OR, NAND
    b1 = np.array([-0.5, 1.5])
    A2 = np.array([[1.0], [1.0]])                # output: AND
    b2 = np.array([-1.5])
    return [(A1, b1), (A2, b2)]


def threshold_forward(net, X):
    """Output of a threshold network [(A, b), …]: every layer is step(HA + b)."""
    H = np.asarray(X, float)
    for A, b in net:
        H = step(H @ A + b)
    return H[:, 0]


def _minterm_layer(rows):
    """Hidden units that fire exactly on the given binary rows: z = Σ(2r−1)x − (|r| − 1/2)."""
    rows = np.asarray(rows, float)
    A = (2 * rows - 1).T
    b = -(rows.sum(axis=1) - 0.5)
    return A, b


def dnf_net(y, X):
    """Two-layer threshold network from the DNF: one hidden unit per true row, output OR."""
    X = np.asarray(X, float)
    rows = X[np.asarray(y) == 1]
    if len(rows) == 0:
        return [(np.zeros((X.shape[1], 0)), np.zeros(0)), (np.zeros((0, 1)), np.array([-0.5]))]
    A1, b1 = _minterm_layer(rows)
    return [(A1, b1), (np.ones((len(rows), 1)), np.array([-0.5]))]


def cnf_net(y, X):
    """Two-layer threshold network from the CNF: one hidden unit per false row (a clause that
    is false only there), output AND."""
    X = np.asarray(X, float)
    rows = X[np.asarray(y) == 0]
    m = len(rows)
    if m == 0:
        return [(np.zeros((X.shape[1], 0)), np.zeros(0)), (np.zeros((0, 1)), np.array([0.5]))]
    A1, b1 = _minterm_layer(rows)
    return [(-A1, -b1), (np.ones((m, 1)), np.array([-(m - 0.5)]))]


def largest_implicant_dim(y, k):
    """The largest d such that y ≡ 1 on some d-dimensional sub-cube of {0,1}^k (−1 if y ≡ 0).

    A term of a DNF with k − d literals covers a sub-cube of dimension d; if the answer is 0,
    every term covers one point and a DNF needs as many terms as y has ones.
    """
    X = boolean_inputs(k)
    y = np.asarray(y)
    best = -1
    for pattern in itertools.product([0, 1, None], repeat=k):
        mask = np.ones(len(X), bool)
        for i, v in enumerate(pattern):
            if v is not None:
                mask &= X[:, i] == v
        if np.all(y[mask] == 1):
            best = max(best, sum(v is None for v in pattern))
    return best


def parity_chain(X):
    """Parity of the columns of X by a deep chain of XOR blocks (xor_threshold_net):
    acc ← XOR(acc, x_j). Returns (output, number of threshold neurons = 3(k − 1))."""
    X = np.asarray(X, float)
    net = xor_threshold_net()
    acc = X[:, 0]
    for j in range(1, X.shape[1]):
        acc = threshold_forward(net, np.column_stack([acc, X[:, j]]))
    return acc, 3 * (X.shape[1] - 1)


def dnf_neurons(y):
    """Neurons of dnf_net(y): one per true row plus the output."""
    return int(np.sum(np.asarray(y) == 1)) + 1


def mlp_param_count(sizes):
    """Number of parameters (weights and biases) of an MLP with layer widths ``sizes``."""
    return int(sum(m * n + n for m, n in itertools.pairwise(sizes)))


def train_xor(width, act="tanh", seed=0, steps=600, lr=0.05, progress=None):
    """Train a 2-width-1 MLP on XOR (full batch, Adam, cross-entropy on logits)."""
    Y = LOGIC["XOR"][:, None].astype(float)
    params = nn.init_mlp([2, int(width), 1], np.random.default_rng(seed))
    hist = nn.train(params, BOOL_X, Y, act=act, steps=steps, lr=lr, progress=progress)
    out, _ = nn.forward(params, BOOL_X, act)
    hist["correct"] = int(np.sum((out[:, 0] > 0) == (Y[:, 0] > 0)))
    return params, hist


def xor_success(width, act="tanh", seeds=range(10), steps=600):
    """How many of the seeds give a network (train_xor) that classifies all four points."""
    return sum(train_xor(width, act, s, steps)[1]["correct"] == 4 for s in seeds)


def decision_surface(params, act, lo=-0.5, hi=1.5, n=121):
    """P(y = 1) = σ(network output) on an n×n grid of [lo, hi]²."""
    g = np.linspace(lo, hi, n)
    xx, yy = np.meshgrid(g, g)
    out, _ = nn.forward(params, np.column_stack([xx.ravel(), yy.ravel()]), act)
    return xx, yy, sigmoid(out[:, 0]).reshape(xx.shape)


# ------------------------------------------------------------ universal approximation

def staircase_net(f, n, a=0.0, b=1.0, tau=10.0):
    """A one-hidden-layer sigmoid network g ≈ f on [a, b] (the idea behind Cybenko's theorem).

    Knots x_k = a + k·h, h = (b − a)/n; unit k is a smooth step σ(τ(x − c_k)/h) at the
    midpoint c_k of [x_{k−1}, x_k] with height f(x_k) − f(x_{k−1}); the output bias is f(a).
    Returns nn-style params [{"A", "b"}, {"A", "b"}] for act="sigmoid".
    """
    n = int(n)
    h = (b - a) / n
    xk = a + h * np.arange(n + 1)
    fk = np.asarray(f(xk), float)
    c = xk[:-1] + h / 2
    s = tau / h
    return [{"A": np.full((1, n), s), "b": -s * c},
            {"A": np.diff(fk)[:, None], "b": np.array([fk[0]])}]


def staircase_error_bound(lip, a, b, n, tau=10.0):
    """sup |f − g| ≤ L·h·(1 + 2e^(−τ/2)/(1 − e^(−τ))) for an L-Lipschitz f (h = (b − a)/n).

    The ideal staircase is within L·h/2 of f; smoothing adds at most L·h/2 from the nearest
    step and L·h·Σ_{m≥1} 2e^(−τ(m − 1/2)) from the others (σ(−t) ≤ e^(−t)).
    """
    h = (b - a) / n
    return lip * h * (1.0 + 2.0 * np.exp(-tau / 2) / (1.0 - np.exp(-tau)))


def lstsq_output(params, x, y, act="sigmoid"):
    """Refit the output layer (A, b of the last layer) by least squares on (x, y)."""
    H, _ = nn.forward(params[:-1], np.asarray(x, float).reshape(-1, 1), act, out_act=act)
    D = np.hstack([H, np.ones((len(H), 1))])
    coef, *_ = np.linalg.lstsq(D, np.asarray(y, float).ravel(), rcond=None)
    return params[:-1] + [{"A": coef[:-1, None], "b": coef[-1:]}]


def predict_1d(params, x, act="sigmoid"):
    out, _ = nn.forward(params, np.asarray(x, float).reshape(-1, 1), act)
    return out[:, 0]


#: 1-D targets of the approximation explorer: key -> (label, f, Lipschitz constant on [0, 1])
TARGETS = {
    "sin": ("sin(2πx)", lambda x: np.sin(2 * np.pi * x), 2 * np.pi),
    "abs": ("|x − 0,4|", lambda x: np.abs(x - 0.4), 1.0),
    "bump": ("4x(1 − x) + 0,3·sin(9x)", lambda x: 4 * x * (1 - x) + 0.3 * np.sin(9 * x), 6.7),
}


def staircase_units(params, x):
    """The contributions of the hidden units: column k is A2_k·σ(A1_k·x + b1_k)."""
    x = np.asarray(x, float)[:, None]
    return sigmoid(x * params[0]["A"] + params[0]["b"]) * params[1]["A"][:, 0]


def staircase_errors(f, ns, a=0.0, b=1.0, tau=10.0, lstsq=False, m=801, norm="sup"):
    """max |f − g| (norm="sup") or the root mean square (norm="rms") on m points of [a, b]
    for each number of hidden units in ``ns``."""
    x = np.linspace(a, b, m)
    out = []
    for n in ns:
        params = staircase_net(f, n, a, b, tau)
        if lstsq:
            params = lstsq_output(params, x, f(x))
        e = predict_1d(params, x) - f(x)
        out.append(np.max(np.abs(e)) if norm == "sup" else np.sqrt(np.mean(e * e)))
    return np.array(out)


def num_deriv(f, x, h=1e-5):
    """Central finite difference (f(x + h) − f(x − h))/(2h)."""
    x = np.asarray(x, float)
    return (f(x + h) - f(x - h)) / (2 * h)


# --------------------------------------------------------------------- symmetry

def _copy(params):
    return [{k: v.copy() for k, v in p.items()} for p in params]


def permute_hidden(params, layer, perm):
    """Permute the units of hidden layer ``layer``: columns of A_layer, entries of b_layer and
    rows of A_{layer+1}. The network computes the same function."""
    q = _copy(params)
    perm = np.asarray(perm)
    q[layer]["A"] = q[layer]["A"][:, perm]
    q[layer]["b"] = q[layer]["b"][perm]
    q[layer + 1]["A"] = q[layer + 1]["A"][perm, :]
    return q


def flip_hidden(params, layer, unit):
    """Change the signs of the incoming weights, the bias and the outgoing weights of one unit.
    For an odd activation (tanh) the network computes the same function."""
    q = _copy(params)
    q[layer]["A"][:, unit] *= -1
    q[layer]["b"][unit] *= -1
    q[layer + 1]["A"][unit, :] *= -1
    return q


def swap_path(params, layer, i, j, alpha):
    """θ(α) = α·θ + (1 − α)·θ_swapped, θ_swapped = θ with units i and j of ``layer`` exchanged.

    α = 1 gives the original network, α = 0 the permuted one (the same function), α = 1/2 a
    network whose units i and j coincide.
    """
    n = params[layer]["A"].shape[1]
    perm = np.arange(n)
    perm[[i, j]] = perm[[j, i]]
    sw = permute_hidden(params, layer, perm)
    return [{k: alpha * p[k] + (1 - alpha) * s[k] for k in p} for p, s in zip(params, sw)]


def loss_along_swap(params, X, Y, act, layer, i, j, alphas, loss="mse"):
    """The loss along swap_path for each α in ``alphas``."""
    fn = nn.mse_loss if loss == "mse" else nn.bce_logits_loss
    return np.array([fn(nn.forward(swap_path(params, layer, i, j, a), X, act)[0], Y)[0]
                     for a in np.asarray(alphas, float)])


def regression_data(n=64):
    """A 1-D regression task: y = sin(3x) + 0.3·x on n points of [−2, 2]."""
    x = np.linspace(-2, 2, n)[:, None]
    return x, np.sin(3 * x) + 0.3 * x


def train_regression(width=6, act="tanh", seed=0, steps=3000, lr=0.02, progress=None):
    """Train a 1-width-1 MLP on ``regression_data`` (Adam, MSE). Returns (params, X, Y, hist)."""
    X, Y = regression_data()
    params = nn.init_mlp([1, int(width), 1], np.random.default_rng(seed), scale=2.0)
    hist = nn.train(params, X, Y, act=act, loss="mse", steps=steps, lr=lr, progress=progress)
    return params, X, Y, hist


# ------------------------------------------------------- vanishing / exploding gradients

def clip_global(g, c):
    """‖g‖ > c ⇒ g ← c·g/‖g‖ (keeps the direction)."""
    g = np.asarray(g, float)
    n = np.linalg.norm(g)
    return g * (c / n) if n > c else g.copy()


def clip_local(g, c):
    """Per-coordinate clipping to [−c, c]: |g_i| > c ⇒ g_i ← c·sign(g_i)."""
    return np.clip(np.asarray(g, float), -c, c)


def angle_deg(u, v):
    """The angle between two vectors in degrees."""
    u, v = np.asarray(u, float).ravel(), np.asarray(v, float).ravel()
    cos = u @ v / (np.linalg.norm(u) * np.linalg.norm(v))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def sigmoid_grad_bound(d, weight_norms=None):
    """Bound on ‖∂y_d/∂x‖ through d sigmoid layers: 4^(−d) · ∏‖W_l‖ (norms default 1)."""
    prod = 1.0 if weight_norms is None else float(np.prod(weight_norms))
    return 4.0 ** (-d) * prod


#: sup |f'| of the activations (the factor of the Jacobian bound per layer)
DERIV_MAX = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "leaky_relu": 1.0, "softplus": 1.0,
             "identity": 1.0}


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


def cliff_loss(w, b, T=50, x0=0.5, target=0.7):
    """A one-unit recurrent network x_t = w·σ(x_{t−1}) + b (Pascanu, Mikolov, Bengio 2013).

    L = (x_T − target)²/2. Vectorised over arrays w, b; returns (L, ∂L/∂w, ∂L/∂b), the
    derivatives by forward-mode differentiation through the T steps.
    """
    w, b = np.broadcast_arrays(np.asarray(w, float), np.asarray(b, float))
    x = np.full(w.shape, float(x0))
    dw = np.zeros(w.shape)
    db = np.zeros(w.shape)
    for _ in range(T):
        s = sigmoid(x)
        ds = s * (1 - s)
        dw = s + w * ds * dw
        db = 1.0 + w * ds * db
        x = w * s + b
    r = x - target
    return 0.5 * r ** 2, r * dw, r * db


def descend(start, lr=0.05, steps=80, clip=None, c=1.0, T=50):
    """Gradient descent on cliff_loss from ``start`` = (w, b); clip None, "global" or "local".

    Returns the trajectory, an array (steps + 1, 2).
    """
    p = np.array(start, float)
    traj = [p.copy()]
    for _ in range(steps):
        _, gw, gb = cliff_loss(p[0], p[1], T)
        g = np.array([gw, gb], float)
        if clip == "global":
            g = clip_global(g, c)
        elif clip == "local":
            g = clip_local(g, c)
        p = p - lr * g
        traj.append(p.copy())
    return np.array(traj)


CLIPS = (None, "global", "local")


def descend_all(start, lr=0.05, steps=80, c=1.0, T=50):
    """descend for the three rules (no clipping, global, local) at once, vectorised.

    Returns {None: traj, "global": traj, "local": traj}, each (steps + 1, 2); the same
    trajectories as ``descend``.
    """
    p = np.tile(np.asarray(start, float), (3, 1))
    out = np.empty((steps + 1, 3, 2))
    out[0] = p
    for k in range(steps):
        _, gw, gb = cliff_loss(p[:, 0], p[:, 1], T)
        g = np.column_stack([gw, gb])
        n = np.linalg.norm(g[1])
        if n > c:
            g[1] *= c / n
        g[2] = np.clip(g[2], -c, c)
        p = p - lr * g
        out[k + 1] = p
    return {clip: out[:, i] for i, clip in enumerate(CLIPS)}


@functools.lru_cache(maxsize=4)
def cliff_surface(n=121, T=50, w=(-1.0, 9.0), b=(-6.0, 3.0)):
    """The loss of cliff_loss on an n×n grid (cached: the explorer redraws it unchanged)."""
    W, B = np.meshgrid(np.linspace(*w, n), np.linspace(*b, n))
    loss, _, _ = cliff_loss(W, B, T)
    for a in (W, B, loss):
        a.setflags(write=False)
    return W, B, loss


def step_lengths(traj):
    """Euclidean lengths of the steps of a trajectory (n + 1, 2) -> (n,)."""
    return np.linalg.norm(np.diff(np.asarray(traj, float), axis=0), axis=1)


def cliff_gradients(points, T=50):
    """The gradients (∂L/∂w, ∂L/∂b) of cliff_loss at the points, an array (n, 2)."""
    pts = np.asarray(points, float)
    _, gw, gb = cliff_loss(pts[:, 0], pts[:, 1], T)
    return np.column_stack([gw, gb])


# --------------------------------------------------------------------- activations

def relu(x):
    return np.maximum(np.asarray(x, float), 0.0)


def prelu(x, beta=0.25):
    """Parametric ReLU: x for x > 0, β·x otherwise (leaky ReLU is β = 0.01)."""
    x = np.asarray(x, float)
    return np.where(x > 0, x, beta * x)


def dprelu(x, beta=0.25):
    x = np.asarray(x, float)
    return np.where(x > 0, 1.0, beta)


def softplus(x):
    return np.logaddexp(0.0, np.asarray(x, float))


def dsigmoid(x):
    s = sigmoid(x)
    return s * (1 - s)


def noisy_relu(x, rng, var=None):
    """max(0, x + ε), ε ~ N(0, var); by default var = σ(x) as in Nair & Hinton (2010)."""
    x = np.asarray(x, float)
    v = sigmoid(x) if var is None else np.broadcast_to(np.asarray(var, float), x.shape)
    return np.maximum(0.0, x + np.sqrt(v) * rng.standard_normal(x.shape))


def noisy_relu_grad(x, rng, var=None):
    """∂/∂x of max(0, x + ε) for the same draw of ε as noisy_relu with an equally seeded rng."""
    x = np.asarray(x, float)
    v = sigmoid(x) if var is None else np.broadcast_to(np.asarray(var, float), x.shape)
    return step(x + np.sqrt(v) * rng.standard_normal(x.shape))


def noisy_relu_mean(x, var=None):
    """E max(0, x + ε) = x·Φ(x/s) + s·φ(x/s), s² = var (σ(x) by default)."""
    from scipy.special import ndtr

    x = np.asarray(x, float)
    s = np.sqrt(sigmoid(x) if var is None else np.asarray(var, float))
    u = x / s
    return x * ndtr(u) + s * np.exp(-0.5 * u * u) / np.sqrt(2 * np.pi)


GALLERY = {
    "sigmoid": ("сигмоида σ(x)", sigmoid, dsigmoid),
    "tanh": ("tanh x", np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "relu": ("ReLU", relu, step),
    "softplus": ("softplus", softplus, sigmoid),
    "leaky_relu": ("ReLU с утечкой", lambda x: prelu(x, 0.01), lambda x: dprelu(x, 0.01)),
    "prelu": ("PReLU, β = 0,25", prelu, dprelu),
}
