"""Initialisation schemes of a weight matrix, as data.

A layer maps ``x`` of width ``fan_in`` to ``z = x @ W`` of width ``fan_out``; its weight
matrix ``W`` has shape ``(fan_in, fan_out)`` and the bias is zero for every scheme.
(The seed problem writes ``n_in`` for the layer's ``fan_in``; the Russian labels keep that
notation.)

API (stable):

    Scheme                                  frozen dataclass, one initialisation scheme
        .key, .label, .title                identifier, English label and short title (the
                                            Russian ones: ``initlab.text.label/title``)
        .kind                               "uniform" | "normal" | "constant" | "custom"
        .law                                the law of one weight: "normal" | "uniform" |
                                            "sign" (±c) | "constant" | "" (unknown custom)
        .random                             False for "constant" (all weights equal)
        .variance(fan_in, fan_out) -> float         Var(w) (0.0 for constant schemes)
        .second_moment(fan_in, fan_out) -> float    E w² (c² for constant schemes)
        .constant(fan_in, fan_out) -> float | None  the common value c, or None
        .bound(fan_in, fan_out) -> float | None     a of U[-a, a] for uniform schemes
        .sample(rng, fan_in, fan_out, dtype=np.float32) -> ndarray (fan_in, fan_out)
    SCHEMES                                 dict key -> Scheme (the explorer's list)
    get_scheme(key_or_scheme) -> Scheme
    he_leaky(alpha=0.01) -> Scheme          He's gain for leaky ReLU: 2 / ((1 + α²) fan_in)
    uniform_variance(a) -> float            Var U[-a, a] = a² / 3

Registered keys and the variance Var(w) they give:

    seed_uniform    U[-1/√fan_in, 1/√fan_in]          1 / (3 fan_in)   (problem 6a)
    uniform_fixed   U[-√3/√fan_in, √3/√fan_in]        1 / fan_in       (problem 6b)
    lecun_normal    N(0, 1/fan_in)                    1 / fan_in       (problem 6c)
    xavier_uniform  U[-√(6/(fan_in+fan_out)), ...]    2 / (fan_in + fan_out)   (6d)
    xavier_normal   N(0, 2/(fan_in+fan_out))          2 / (fan_in + fan_out)
    he_normal       N(0, 2/fan_in)                    2 / fan_in       (ReLU)
    he_uniform      U[-√(6/fan_in), √(6/fan_in)]      2 / fan_in
    he_leaky        N(0, 2/((1+α²) fan_in)), α=0.01   2 / ((1 + α²) fan_in)
    constant        every weight equals c = 1/fan_in  0 (E w² = 1/fan_in²)
    zeros           every weight equals 0             0

The constant scheme: with every weight equal to ``c = 1/fan_in`` each neuron outputs
``f(mean of its inputs)``, so all neurons of a layer compute the same number for every
input — the symmetry is never broken (their gradients are equal too, so gradient descent
keeps them equal) and the layer carries one number instead of ``fan_out``. The value
``1/fan_in`` keeps every signal bounded (for linear, tanh, ReLU the map between layers
is ``z_l = f(z_{l-1})``), so the explorer shows the degeneracy, not an explosion; the
theory of ``initlab.propagate`` for it is exact (a one-dimensional map), not mean-field.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .registry import Registry

__all__ = ["NAIVE", "SCHEMES", "Scheme", "get_scheme", "he_leaky", "init_params", "sampler", "uniform_variance"]


def uniform_variance(a: float) -> float:
    """Var U[-a, a] = (2a)² / 12 = a² / 3."""
    return float(a) ** 2 / 3.0


@dataclass(frozen=True)
class Scheme:
    """One initialisation scheme of a weight matrix W of shape (fan_in, fan_out).

    ``rule(fan_in, fan_out)`` is the variance Var(w) for the random kinds
    ("uniform", "normal") and the common value c for the "constant" kind.
    """

    key: str
    label: str
    kind: str
    rule: Callable[[int, int], float]
    short: str = ""     # a short name for small plot titles (default: label)
    sampler: Callable | None = None   # kind "custom": sampler(rng, fan_in, fan_out, dtype)
    # kind "custom": the law its sampler draws from (see ``law``); the fast simulation of
    # ``initlab.numerics.propagate`` then samples that law itself, not through ``sampler``
    custom_law: str = ""

    @property
    def title(self) -> str:
        """Short name (``short`` or ``label``)."""
        return self.short or self.label

    def __post_init__(self):
        if self.kind not in ("uniform", "normal", "constant", "custom"):
            raise ValueError(f"unknown kind {self.kind!r}")

    @property
    def law(self) -> str:
        """The law of one weight: "normal" N(0, Var), "uniform" U[-a, a], "sign" ±√Var with
        equal probability, "constant", or "" for a custom sampler of unknown law."""
        return self.custom_law if self.kind == "custom" else self.kind

    @property
    def random(self) -> bool:
        """True when the weights are iid random (False for constant schemes)."""
        return self.kind != "constant"

    def variance(self, fan_in: int, fan_out: int) -> float:
        """Var(w) of one weight (0.0 for constant schemes)."""
        return float(self.rule(fan_in, fan_out)) if self.random else 0.0

    def second_moment(self, fan_in: int, fan_out: int) -> float:
        """E w² of one weight (equals Var(w): every random scheme has zero mean)."""
        if self.random:
            return self.variance(fan_in, fan_out)
        return float(self.rule(fan_in, fan_out)) ** 2

    def constant(self, fan_in: int, fan_out: int) -> float | None:
        """The value c of every weight for constant schemes, else None."""
        return None if self.random else float(self.rule(fan_in, fan_out))

    def bound(self, fan_in: int, fan_out: int) -> float | None:
        """a of U[-a, a] for uniform laws (a = √(3 Var)), else None."""
        if self.law != "uniform":
            return None
        return float(np.sqrt(3.0 * self.variance(fan_in, fan_out)))

    def sample(self, rng: np.random.Generator, fan_in: int, fan_out: int,
               dtype=np.float32) -> np.ndarray:
        """A weight matrix of shape (fan_in, fan_out) drawn with ``rng``."""
        shape = (int(fan_in), int(fan_out))
        dtype = np.dtype(dtype)
        if self.kind == "custom":
            return self.sampler(rng, shape[0], shape[1], dtype=dtype)
        if self.kind == "constant":
            return np.full(shape, self.constant(fan_in, fan_out), dtype=dtype)
        if self.kind == "normal":
            w = rng.standard_normal(shape, dtype=dtype)
            w *= dtype.type(np.sqrt(self.variance(fan_in, fan_out)))
            return w
        a = self.bound(fan_in, fan_out)
        w = rng.random(shape, dtype=dtype)  # U[0, 1)
        w *= dtype.type(2.0 * a)
        w -= dtype.type(a)
        return w


def he_leaky(alpha: float = 0.01) -> Scheme:
    """He initialisation for leaky ReLU with slope ``alpha``: N(0, 2 / ((1 + α²) fan_in))."""
    alpha = float(alpha)
    a_txt = f"{alpha:g}".replace(".", ",")
    return Scheme(
        key="he_leaky" if alpha == 0.01 else f"he_leaky_{alpha:g}",
        label=f"He for leaky ReLU (α = {a_txt}): N(0, 2/((1+α²)·n_in))",
        kind="normal",
        rule=lambda fi, fo: 2.0 / ((1.0 + alpha**2) * fi),
        short=f"He for leaky ReLU (α = {a_txt})",
    )


def _pm1(rng, fan_in, fan_out, dtype=np.float64):
    return rng.choice(np.array([-1.0, 1.0], dtype=dtype), size=(fan_in, fan_out))


def _u11(rng, fan_in, fan_out, dtype=np.float64):
    return rng.uniform(-1.0, 1.0, size=(fan_in, fan_out)).astype(dtype)


def _small(rng, fan_in, fan_out, dtype=np.float64):
    return (0.01 * rng.standard_normal((fan_in, fan_out))).astype(dtype)




_LIST = [
    Scheme("seed_uniform", "U[±1/√n_in] (as in the problem)", "uniform",
           lambda fi, fo: 1.0 / (3.0 * fi), "U[±1/√n_in]"),
    Scheme("uniform_fixed", "U[±√3/√n_in] (corrected)", "uniform",
           lambda fi, fo: 1.0 / fi, "U[±√3/√n_in]"),
    Scheme("lecun_normal", "N(0, 1/n_in) (LeCun)", "normal",
           lambda fi, fo: 1.0 / fi, "N(0, 1/n_in)"),
    Scheme("xavier_uniform", "Xavier (Glorot), uniform: variance 2/(n_in+n_out)",
           "uniform", lambda fi, fo: 2.0 / (fi + fo), "Xavier, uniform"),
    Scheme("xavier_normal", "Xavier (Glorot), normal: N(0, 2/(n_in+n_out))",
           "normal", lambda fi, fo: 2.0 / (fi + fo), "Xavier, normal"),
    Scheme("he_normal", "He, normal: N(0, 2/n_in)", "normal",
           lambda fi, fo: 2.0 / fi, "He, normal"),
    Scheme("he_uniform", "He, uniform: U[±√6/√n_in]", "uniform",
           lambda fi, fo: 2.0 / fi, "He, uniform"),
    he_leaky(0.01),
    Scheme("standard_normal", "N(0, 1) (ignores the width)", "normal",
           lambda fi, fo: 1.0, "N(0, 1)"),
    Scheme("constant", "constant: every weight 1/n_in", "constant",
           lambda fi, fo: 1.0 / fi, "constant 1/n_in"),
    Scheme("zeros", "zeros: every weight 0", "constant",
           lambda fi, fo: 0.0, "zeros"),
    # the «arbitrary» initialisations that ignore the width (lecture on the history of init)
    Scheme("pm1", "±1 with equal probability", "custom", lambda fi, fo: 1.0, "±1", _pm1,
           "sign"),
    Scheme("u11", "U[−1, 1]", "custom", lambda fi, fo: 1.0 / 3.0, "U[−1, 1]", _u11, "uniform"),
    Scheme("small", "N(0, 0,01²)", "custom", lambda fi, fo: 1e-4, "N(0, 0,01²)", _small,
           "normal"),
]

#: the keys of the schemes that ignore the width
NAIVE = ("pm1", "u11", "small")

SCHEMES = Registry("scheme", {s.key: s for s in _LIST}, kind_of=Scheme)


def get_scheme(key) -> Scheme:
    """The registered scheme ``key`` (a Scheme passes through unchanged)."""
    return SCHEMES.get(key)


def sampler(scheme):
    """``sample(rng, fan_in, fan_out, dtype=float64)`` of a scheme (a key or a Scheme)."""
    s = get_scheme(scheme)
    return lambda rng, fi, fo, dtype=np.float64: s.sample(rng, fi, fo, dtype=dtype)


def init_params(sizes, scheme, rng, dtype=np.float64):
    """MLP parameters (``initlab.numerics.mlp``'s format); weights from ``scheme``, biases zero."""
    sample = sampler(scheme)
    return [{"A": np.asarray(sample(rng, m, n, dtype=dtype), dtype=dtype),
             "b": np.zeros(n, dtype=dtype)}
            for m, n in itertools.pairwise(sizes)]
