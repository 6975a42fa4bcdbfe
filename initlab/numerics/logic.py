"""Boolean functions and threshold networks: what one neuron separates and what depth adds.

    BOOL_X, LOGIC, NOT_X, NOT_Y        the four inputs of two variables; AND/OR/XOR/NAND/XNOR; NOT
    linearly_separable(y, grid)        grid search of sign(w·x + b)
    separable_lp(X, y) -> (ok, w, b)   exact test by linear programming (margin ≥ 1)
    boolean_inputs(k) / all_truth_tables(k)
    xor_threshold_net() / dnf_net(y, X) / cnf_net(y, X) / threshold_forward(net, X)
    largest_implicant_dim(y, k) / parity_chain(X) / dnf_neurons(y)
    train_xor(width, act, seed, steps=600, lr=0.05, progress=None) -> (params, history)
    xor_success(width, act, seeds) / decision_surface(params, act, lo, hi, n) -> (xx, yy, p)
"""
from __future__ import annotations

import itertools

import numpy as np

from . import mlp as nn
from .activations import sigmoid, step

BOOL_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)


LOGIC = {"AND": np.array([0, 0, 0, 1]), "OR": np.array([0, 1, 1, 1]),
         "XOR": np.array([0, 1, 1, 0]), "NAND": np.array([1, 1, 1, 0]),
         "XNOR": np.array([1, 0, 0, 1])}


NOT_X = np.array([[0.0], [1.0]])


NOT_Y = np.array([1, 0])


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
