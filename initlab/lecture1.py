"""Numerics of lecture part I: logic functions, gradient clipping, gradient bounds."""
from __future__ import annotations

import itertools

import numpy as np

BOOL_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
LOGIC = {"AND": np.array([0, 0, 0, 1]), "OR": np.array([0, 1, 1, 1]),
         "XOR": np.array([0, 1, 1, 0])}


def clip_global(g, c):
    """‖g‖ > c ⇒ g ← c·g/‖g‖ (keeps the direction)."""
    g = np.asarray(g, float)
    n = np.linalg.norm(g)
    return g * (c / n) if n > c else g.copy()


def clip_local(g, c):
    """Per-coordinate clipping to [−c, c] (changes the direction in general)."""
    return np.clip(np.asarray(g, float), -c, c)


def sigmoid_grad_bound(d, weight_norms=None):
    """Bound on ‖∂y_d/∂x‖ through d sigmoid layers: 4^(−d) · ∏‖W_l‖ (norms default 1)."""
    prod = 1.0 if weight_norms is None else float(np.prod(weight_norms))
    return 4.0 ** (-d) * prod


_GRID = np.linspace(-2, 2, 41)


def linearly_separable(y, grid=_GRID):
    """Exhaustive search of w1, w2, b on a grid: is there sign(w·x + b) matching y?"""
    for w1, w2, b in itertools.product(grid, grid, grid):
        if np.array_equal((BOOL_X @ np.array([w1, w2]) + b > 0).astype(int), y):
            return True
    return False
