"""Gradient clipping on a cliff: a one-unit recurrent network (Pascanu, Mikolov, Bengio 2013).

    clip_global(g, c) / clip_local(g, c) / angle_deg(u, v)
    cliff_loss(w, b, T, x0, target) -> (L, dL/dw, dL/db)
    descend(start, lr, steps, clip, c, T) / descend_all(start, lr, steps, c, T)
    cliff_surface(n, T) (cached) / cliff_gradients(points) / step_lengths(traj)
    clipping_from_starts(n, seed, lr, steps, c) -> final losses and longest steps per rule
"""
from __future__ import annotations

import functools

import numpy as np

from .activations import sigmoid


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


def clipping_from_starts(n=30, seed=0, lr=0.05, steps=80, c=2.0, T=50,
                         w=(-1.0, 9.0), b=(-6.0, 3.0)):
    """``descend_all`` from n starts uniform on the rectangle w × b (``default_rng(seed)``).

    Returns {"starts" (n, 2), "loss" {rule: (n,) final loss}, "max_step" {rule: (n,) the
    longest step}} for the rules of ``CLIPS``.
    """
    rng = np.random.default_rng(seed)
    starts = np.column_stack([rng.uniform(*w, n), rng.uniform(*b, n)])
    loss = {k: np.empty(n) for k in CLIPS}
    step = {k: np.empty(n) for k in CLIPS}
    for i, st in enumerate(starts):
        trajs = descend_all(st, lr, steps, c, T)
        for k, tr in trajs.items():
            loss[k][i] = cliff_loss(*tr[-1], T)[0]
            step[k][i] = step_lengths(tr).max()
    return {"starts": starts, "loss": loss, "max_step": step}
