"""The self-checks of exercises/01_lectures.ipynb (initlab.checks.lectures1): right answers
pass, typical mistakes get their targeted Russian hints, missing answers are recognised."""

from __future__ import annotations

import numpy as np
import pytest

from initlab.checks import lectures1 as L1
from initlab.checks.core import MISSING, CheckFailed


def failure(fn, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        fn(*args, **kwargs)
    return str(info.value)


# ------------------------------------------------------------------ layer_backward

def right_backward(dY, X, A, b):
    Y = np.tanh(X @ A + b)
    dZ = dY * (1 - Y ** 2)
    return dZ @ A.T, X.T @ dZ, dZ.sum(axis=0)


def right_backward_from_z(dY, X, A, b):
    Z = X @ A + b
    dZ = dY / np.cosh(Z) ** 2
    return [dZ @ A.T, X.T @ dZ, np.sum(dZ, axis=0)]


@pytest.mark.parametrize("fn", [right_backward, right_backward_from_z])
@pytest.mark.parametrize("thorough", [False, True])
def test_right_layer_backward_passes(fn, thorough, capsys):
    assert L1.layer_backward(fn, thorough=thorough) is None
    assert capsys.readouterr().out.startswith("Верно! ")


def test_layer_backward_stub_and_missing():
    assert failure(L1.layer_backward, ...).startswith(MISSING)
    assert failure(L1.layer_backward, lambda dY, X, A, b: None).startswith("Ответ ещё не введён")


def from_dz(grads, tanh_prime_at_y=False):
    """A backward pass that computes ∂L/∂Z = ∂L/∂Y · tanh′ (at Z, or wrongly at Y = tanh Z) and
    hands it to ``grads(dZ, X, A)``, which may get the rest wrong."""
    def backward(dY, X, A, b):
        Z = X @ A + b
        return grads(dY * (1 - np.tanh(np.tanh(Z) if tanh_prime_at_y else Z) ** 2), X, A)
    return backward


@pytest.mark.parametrize("fn,fragment", [
    (lambda dY, X, A, b: (dY @ A.T, X.T @ dY, dY.sum(axis=0)), "забыли производную"),
    (from_dz(lambda dZ, X, A: (dZ @ A.T, X.T @ dZ, dZ.sum(axis=0)), tanh_prime_at_y=True),
     "от выхода Y"),
    (from_dz(lambda dZ, X, A: (dZ @ A.T, dZ.T @ X, dZ.sum(axis=0))), "транспонирована"),
    (from_dz(lambda dZ, X, A: (dZ @ A.T, X.T @ dZ, dZ)), "сумма ∂L/∂Z по батчу"),
    (from_dz(lambda dZ, X, A: (dZ @ A.T, X.T @ dZ, dZ.mean(axis=0))), "∂L/∂b = сумма"),
    (from_dz(lambda dZ, X, A: (dZ @ A.T, X.T @ dZ)), "три массива"),
    (lambda dY, X, A, b: "dX, dA, db", "три массива"),
])
def test_layer_backward_mistakes_get_hints(fn, fragment):
    msg = failure(L1.layer_backward, fn)
    assert fragment in msg, msg


def test_layer_backward_must_not_modify_its_arguments():
    def inplace(dY, X, A, b):  # (dY may change: see test_checks_selfcheck)
        out = right_backward(dY, X, A, b)
        X *= 2
        return out
    assert "изменила свои аргументы" in failure(L1.layer_backward, inplace)


def test_layer_backward_exception_is_reported():
    def broken(dY, X, A, b):
        return X @ dY  # shapes do not match
    msg = failure(L1.layer_backward, broken)
    assert "возникла ошибка ValueError" in msg


# ------------------------------------------------------------------ clipping

def right_global(g, c):
    n = np.linalg.norm(g)
    return g * (c / n) if n > c else np.array(g, float)


def right_local(g, c):
    return np.clip(g, -c, c)


@pytest.mark.parametrize("thorough", [False, True])
def test_right_clipping_passes(thorough, capsys):
    L1.clip_global(right_global, thorough=thorough)
    L1.clip_local(right_local, thorough=thorough)
    L1.clip_local(lambda g, c: np.where(np.abs(g) > c, c * np.sign(g), g), thorough=thorough)
    assert capsys.readouterr().out.count("Верно! ") == 3


@pytest.mark.parametrize("fn,fragment", [
    (right_local, "Это локальная"),
    (lambda g, c: g * (c / np.linalg.norm(g)), "Короткий градиент"),
    (lambda g, c: g / np.linalg.norm(g) if np.linalg.norm(g) > c else g, "равна c, а не 1"),
    (lambda g, c: c * g / np.abs(g).sum() if np.abs(g).sum() > c else g, "евклидова норма"),
    (lambda g, c: g, "Неверно"),
    (lambda g, c: np.linalg.norm(g), "форма"),
])
def test_clip_global_mistakes(fn, fragment):
    msg = failure(L1.clip_global, fn)
    assert fragment in msg, msg


@pytest.mark.parametrize("fn,fragment", [
    (right_global, "Это глобальная"),
    (lambda g, c: np.where(np.abs(g) > c, c, g), "знак теряется"),
    (lambda g, c: np.where(np.abs(g) > c, np.sign(g), g), "±c, а не ±1"),
    (lambda g, c: g[:1], "форма"),
])
def test_clip_local_mistakes(fn, fragment):
    msg = failure(L1.clip_local, fn)
    assert fragment in msg, msg


def test_clipping_in_place_is_rejected():
    def inplace(g, c):
        np.clip(g, -c, c, out=g)
        return g
    assert "«на месте»" in failure(L1.clip_local, inplace)


def test_clipping_stubs():
    assert failure(L1.clip_global, ...).startswith(MISSING)
    assert failure(L1.clip_local, lambda g, c: None).startswith("Ответ ещё не введён")


# ------------------------------------------------------------------ the bound

def test_sigmoid_bound(capsys):
    L1.sigmoid_bound((2 / 4) ** 10)
    L1.sigmoid_bound(1 / 1024)
    assert capsys.readouterr().out.count("Верно! ") == 2
    assert (2 / 4) ** L1.DEPTH == 2.0 ** -10


@pytest.mark.parametrize("value,fragment", [
    (4.0 ** -10, "не учли веса"),
    (5.0 ** 10, "0,25, а не 2,5"),
    (1.0, "1/4, а не 1/2"),
    (5.0, "перемножаются"),
    (0.5 ** 9, "степень 10"),
    (1024.0, "max σ′ = 1/4"),
    (0.00098, "Почти верно"),
    (0.3, "максимум σ′"),
    (..., MISSING),
    ("1/1024", "строка"),
])
def test_sigmoid_bound_mistakes(value, fragment):
    msg = failure(L1.sigmoid_bound, value)
    assert fragment in msg, msg


def test_the_bound_holds_for_a_real_sigmoid_stack():
    """The answer of task 4 is a true bound: random 10-layer sigmoid stacks with ‖A‖₂ = 2."""
    rng = np.random.default_rng(0)
    for _ in range(20):
        J = np.eye(6)
        y = rng.standard_normal(6)
        for _ in range(L1.DEPTH):
            A = rng.standard_normal((6, 6))
            A *= L1.WEIGHT_NORM / np.linalg.norm(A, 2)
            z = y @ A
            s = 1 / (1 + np.exp(-z))
            J = J @ (A * (s * (1 - s)))
            y = s
        assert np.linalg.norm(J, 2) <= (L1.WEIGHT_NORM / 4) ** L1.DEPTH


# ------------------------------------------------------------------ clip_direction

@pytest.mark.parametrize("answer", ["global", "Global", " global ", "clip_global", "глобальная",
                                    "'global'"])
def test_clip_direction_right(answer, capsys):
    assert L1.clip_direction(answer) is None
    assert capsys.readouterr().out.startswith("Верно! ")


def test_clip_direction_fact():
    """The premise: global clipping of g = (30, −4, 0.5) at c = 1 is parallel to g, local is not."""
    g = np.array([30.0, -4.0, 0.5])
    glob = g / np.linalg.norm(g)
    loc = np.clip(g, -1, 1)
    assert np.allclose(np.cross(glob, g), 0)
    assert np.linalg.norm(np.cross(loc, g)) > 1


@pytest.mark.parametrize("answer,fragment", [
    ("local", "отношения координат"), ("локальная", "отношения координат"),
    ("clip_local", "отношения координат"), ("обе", "Не удалось понять"), (1, "Ожидалась строка"),
    (..., MISSING), (None, MISSING), (L1.clip_global, "Ожидалась строка"),
])
def test_clip_direction_wrong(answer, fragment):
    msg = failure(L1.clip_direction, answer)
    assert fragment in msg, msg
    from initlab.checks.core import decode, encode

    with pytest.raises(CheckFailed) as info:
        L1.clip_direction.judge(decode(encode(L1.clip_direction.probe(answer))))
    assert str(info.value) == msg
