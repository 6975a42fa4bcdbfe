"""Checks of the exercises «01. Лекции: от XOR к глубоким сетям» (``exercises/01_lectures.ipynb``).

Import as ``from initlab.checks import lectures1``. Every check takes the student's answer,
prints «Верно! …» or raises :class:`initlab.checks.core.CheckFailed` with a Russian message
(see ``core``'s docstring for missing and malformed answers).

=====================================  ============================================  ===========
check                                  the answer                                     value
=====================================  ============================================  ===========
``layer_backward(fn)``                 fn(dY, X, A, b) -> (dX, dA, db), f = tanh       finite diff.
``clip_global(fn)``                    fn(g, c): ‖g‖ > c ⇒ c·g/‖g‖                     cases
``clip_local(fn)``                     fn(g, c): each |g_i| > c ⇒ c·sign(g_i)          cases
``sigmoid_bound(bound)``               bound on ‖∂y_d/∂x‖, d = 10, ‖A_l‖₂ = 2          (2/4)¹⁰
``clip_direction(which)``              which clipping keeps the direction of g        'global'
=====================================  ============================================  ===========

``layer_backward`` is a gradient check: the student's (dX, dA, db) are compared with central
finite differences of L = Σ dY ⊙ tanh(XA + b) on random layers with n ≠ m (so transposed
results have a wrong shape). Typical mistakes get targeted hints. The function checks take
``thorough=True`` in the hidden tests: more shapes and another seed.
"""

from __future__ import annotations

import numpy as np

from .core import CheckFailed, call_answer, central_differences, judge_number, replay_check, require

__all__ = [
    "DEPTH",
    "WEIGHT_NORM",
    "clip_direction",
    "clip_global",
    "clip_local",
    "layer_backward",
    "sigmoid_bound",
]

DEPTH = 10
WEIGHT_NORM = 2.0

_CASES = [(5, 3, 4), (2, 6, 1)]
_THOROUGH = [(1, 4, 3), (7, 2, 5), (3, 5, 5), (8, 1, 2)]


def _forward(X, A, b):
    return np.tanh(X @ A + b)


def _numeric(dY, X, A, b, h=1e-6):
    return central_differences(lambda: np.sum(dY * _forward(X, A, b)), (X, A, b), h)


_FPRIME_MISTAKES = [
    (lambda Y: np.ones_like(Y), ("Вы забыли производную функции активации: сначала "
                                 "∂L/∂Z = ∂L/∂Y ⊙ f′(Z), f′(Z) = 1 − tanh²(Z).")),
    (lambda Y: 1 - np.tanh(Y) ** 2, ("f′ вычислена от выхода Y, а не от Z: tanh′(Z) = "
                                     "1 − tanh²(Z) = 1 − Y², а не 1 − tanh²(Y).")),
    (lambda Y: 1 + Y**2, "Знак в производной: tanh′(Z) = 1 − tanh²(Z) = 1 − Y², а не 1 + Y²."),
]


def _fprime_hint(name, g, dY, X, A, b) -> str:
    """The hint for a typical mistake in f′ that produces ``g`` (dX, dA or db), or ''."""
    Y = np.tanh(X @ A + b)
    for fprime, hint in _FPRIME_MISTAKES:
        dZ = dY * fprime(Y)
        made = {"dX": dZ @ A.T, "dA": X.T @ dZ, "db": dZ.sum(axis=0)}[name]
        if np.allclose(g, made, rtol=1e-6):
            return hint
    return ""


def _as_result(res, call, shapes):
    if not isinstance(res, (tuple, list)) or len(res) != 3:
        what = (f"кортеж из {len(res)} элементов" if isinstance(res, (tuple, list))
                else f"объект типа {type(res).__name__}")
        raise CheckFailed(f"`{call}` должна вернуть три массива (dX, dA, db), а вернула {what}. "
                          "Верните их так: `return dX, dA, db`.")
    arrays = []
    for name, value, shape in zip(("dX", "dA", "db"), res, shapes):
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise CheckFailed(f"{name} в ответе `{call}` — не массив чисел.") from None
        if arr.shape != shape:
            hint = ""
            if arr.shape == shape[::-1] and len(shape) == 2:
                hint = (" Похоже, матрица транспонирована: " + (
                    "∂L/∂A = Xᵀ · ∂L/∂Z имеет форму (n, m), как и A." if name == "dA" else
                    "∂L/∂X = ∂L/∂Z · Aᵀ имеет форму (N, n), как и X."))
            elif name == "db" and arr.shape == (1, *shape):
                hint = (" Сумма по батчу взята верно, но с keepdims=True: уберите его "
                        "(форма ∂L/∂b — (m,), как у b).")
            elif name == "db" and len(arr.shape) == 2:
                hint = " Смещение b прибавляется к каждой строке, поэтому ∂L/∂b — сумма ∂L/∂Z по батчу (axis=0)."
            raise CheckFailed(f"{name} из `{call}` имеет форму {arr.shape}, а нужна форма {shape} "
                              f"— та же, что у {name[1:]}.{hint}")
        if not np.isfinite(arr).all():
            raise CheckFailed(f"{name} из `{call}` содержит NaN или бесконечные значения.")
        arrays.append(arr)
    return arrays


@replay_check
def layer_backward(fn, *, thorough: bool = False) -> str:
    """The student's ``fn(dY, X, A, b)`` for Y = tanh(XA + b) against finite differences."""
    rng = np.random.default_rng(11 if thorough else 2026)
    for N, n, m in (_THOROUGH if thorough else _CASES):
        X, A = rng.standard_normal((N, n)), rng.standard_normal((n, m))
        b, dY = rng.standard_normal(m), rng.standard_normal((N, m))
        call = f"layer_backward(dY, X, A, b) при N = {N}, n = {n}, m = {m}"
        args = [v.copy() for v in (dY, X, A, b)]
        res = call_answer(fn, "layer_backward", *args)
        # (dY may be changed in place: the task does not forbid it and nothing reads it after)
        if not all(np.array_equal(u, v) for u, v in zip(args[1:], (X, A, b))):
            raise CheckFailed("Функция `layer_backward` изменила свои аргументы X, A или b. "
                              "Не изменяйте входные массивы: создавайте новые.")
        got = _as_result(res, call, [(N, n), (n, m), (m,)])
        want = _numeric(dY, X, A, b)
        bad = [not np.allclose(g, w, rtol=1e-5, atol=1e-7) for g, w in zip(got, want)]
        if all(bad):  # all three wrong: the mistake is in ∂L/∂Z = ∂L/∂Y ⊙ f′(Z), shared by them
            hint = _fprime_hint("db", got[2], dY, X, A, b) or (
                "Неверны все три производные: ошибка, видимо, в общем множителе "
                "∂L/∂Z = ∂L/∂Y ⊙ f′(Z), f′(Z) = 1 − tanh²(Z) = 1 − Y².")
            err = float(max(np.abs(g - w).max() for g, w in zip(got, want)))
            raise CheckFailed(f"Неверно: dX, dA и db не совпадают с конечными разностями при "
                              f"N = {N}, n = {n}, m = {m} (наибольшее расхождение {err:.3g}). "
                              f"{hint}")
        for name, g, w, wrong in zip(("dX", "dA", "db"), got, want, bad):
            if not wrong:
                continue
            hint = _fprime_hint(name, g, dY, X, A, b) or {
                "dX": "∂L/∂X = ∂L/∂Z · Aᵀ.", "dA": "∂L/∂A = Xᵀ · ∂L/∂Z.",
                "db": "∂L/∂b = сумма ∂L/∂Z по строкам (по батчу)."}[name]
            err = float(np.abs(g - w).max())
            raise CheckFailed(f"Неверно: {name} не совпадает с конечными разностями при N = {N}, "
                              f"n = {n}, m = {m} (наибольшее расхождение {err:.3g}). {hint}")
    return ("Все три производные совпадают с конечными разностями: ∂L/∂Z = ∂L/∂Y ⊙ (1 − Y²), "
           "∂L/∂A = Xᵀ∂L/∂Z, ∂L/∂b = Σ ∂L/∂Z, ∂L/∂X = ∂L/∂Z · Aᵀ.")


def _clip_cases(thorough):
    cases = [(np.array([30.0, -4.0, 0.5]), 1.0), (np.array([0.3, -0.4]), 1.0),
             (np.array([3.0, 4.0]), 5.0), (np.array([-6.0, 8.0, 0.0, 1e-3]), 2.5)]
    if thorough:
        rng = np.random.default_rng(5)
        cases += [(rng.standard_normal(50) * 10, 3.0), (np.zeros(4), 1.0),
                  (np.array([2.0, -2.0, 1.0]), 2.0), (np.array([1e6]), 0.5)]
    return cases


def _check_clip(fn, name, rule, thorough, success, hint, others):
    for g, c in _clip_cases(thorough):
        g0 = g.copy()
        call = f"{name}({np.array2string(g0, precision=3, separator=', ')}, {c:g})" \
            if g.size <= 4 else f"{name}(g, {c:g}) для g формы {g.shape}"
        res = call_answer(fn, name, g, c)
        if not np.array_equal(g, g0):
            raise CheckFailed(f"`{name}` изменила переданный градиент g «на месте». Верните новый "
                              "массив и не изменяйте входной (например, g * k или np.clip(g, …)).")
        try:
            arr = np.asarray(res, dtype=float)
        except (TypeError, ValueError):
            raise CheckFailed(f"`{call}` должна вернуть массив чисел, а вернула объект типа "
                              f"{type(res).__name__}.") from None
        if arr.shape != g.shape:
            raise CheckFailed(f"`{call}` вернула массив формы {arr.shape}, а нужна форма {g.shape} "
                              "— та же, что у g.")
        want = rule(g0, c)
        if np.allclose(arr, want, rtol=_RTOL, atol=_ATOL):
            continue
        detail = hint
        for other, other_hint in others:
            if np.allclose(arr, other(g0, c), rtol=_RTOL, atol=_ATOL):
                detail = other_hint
                break
        got_text, want_text = _distinct(arr.ravel()[:4], want.ravel()[:4])
        raise CheckFailed(f"Неверно: `{call}` вернула {got_text}{'…' if arr.size > 4 else ''}, "
                          f"а должна {want_text}{'…' if want.size > 4 else ''}. {detail}")
    return success


# float32 arithmetic and a guard such as c·g/(‖g‖ + 1e-6) stay within these
_RTOL, _ATOL = 1e-5, 1e-8


def _distinct(got, want) -> tuple[str, str]:
    """The two arrays printed with as many digits as it takes to tell them apart."""
    for precision in range(4, 17):
        a = np.array2string(got, precision=precision)
        b = np.array2string(want, precision=precision)
        if a != b:
            return a, b
    return a, b


def _global(g, c):
    n = np.linalg.norm(g)
    return g * (c / n) if n > c else g.copy()


def _local(g, c):
    return np.clip(g, -c, c)


@replay_check
def clip_global(fn, *, thorough: bool = False) -> str:
    """The student's ``fn(g, c)``: ‖g‖ > c ⇒ c·g/‖g‖, otherwise g unchanged."""
    return _check_clip(
        fn, "clip_global", _global, thorough,
        success="Глобальная обрезка сохраняет направление градиента и ограничивает его длину "
                "числом c.",
        hint="Если ‖g‖ > c, верните c · g / ‖g‖ (np.linalg.norm(g)); иначе — g без изменений.",
        others=[(_local, ("Это локальная (покоординатная) обрезка. Глобальная смотрит на длину "
                          "всего вектора ‖g‖ и делит его целиком.")),
                (lambda g, c: g * (c / np.linalg.norm(g)) if np.linalg.norm(g) else g,
                 "Короткий градиент (‖g‖ ≤ c) обрезать не нужно: верните его без изменений."),
                (lambda g, c: g / np.linalg.norm(g) if np.linalg.norm(g) > c else g,
                 "Длина обрезанного градиента должна быть равна c, а не 1: умножьте на c."),
                (lambda g, c: c * g / np.abs(g).sum() if np.abs(g).sum() > c else g,
                 "Нужна евклидова норма ‖g‖ = √(Σ gᵢ²), а не сумма модулей.")],
    )


@replay_check
def clip_local(fn, *, thorough: bool = False) -> str:
    """The student's ``fn(g, c)``: each |g_i| > c ⇒ c·sign(g_i)."""
    return _check_clip(
        fn, "clip_local", _local, thorough,
        success="Локальная обрезка ограничивает каждую координату отрезком [−c, c]; направление "
                "при этом может измениться.",
        hint="Для каждой координаты: если |gᵢ| > c, замените её на c · sign(gᵢ); остальные "
             "оставьте (np.clip(g, -c, c)).",
        others=[(_global, ("Это глобальная обрезка по длине вектора. Локальная обрезает каждую "
                           "координату отдельно.")),
                (lambda g, c: np.where(np.abs(g) > c, c, g),
                 "У отрицательных координат знак теряется: заменяйте на c · sign(gᵢ), а не на c."),
                (lambda g, c: np.where(np.abs(g) > c, np.sign(g), g),
                 "Обрезанная координата должна стать ±c, а не ±1.")],
    )


@replay_check
def sigmoid_bound(bound) -> str:
    """The bound 4^(−d)·∏‖A_l‖₂ for d = 10 sigmoid layers with ‖A_l‖₂ = 2: (1/2)^10 = 1/1024."""
    d, s = DEPTH, WEIGHT_NORM
    return judge_number(
        bound, (s / 4) ** d, name="bound", rounded=[0.001, 0.00098],
        success="Каждый слой умножает норму градиента не больше чем на max σ′ · ‖A‖₂ = 2/4 = 1/2, "
                "и через 10 слоёв оценка равна 2⁻¹⁰ = 1/1024 ≈ 0,001.",
        hint="Якобиан слоя — diag σ′(z) · Aᵀ; его норма не больше max σ′ · ‖A‖₂. Чему равен "
             "максимум σ′(x) = σ(x)(1 − σ(x))?",
        wrong=[
            (4.0 ** -d, "Вы не учли веса: каждый слой умножает ещё и на ‖A_l‖₂ = 2."),
            ((2.5 * s) ** d, ("Максимум производной сигмоиды равен 0,25, а не 2,5: "
                              "σ′(0) = σ(0)(1 − σ(0)) = 1/4.")),
            ((0.5 * s) ** d, "Максимум σ′ равен σ(0)(1 − σ(0)) = 1/4, а не 1/2."),
            (s / 4 * d, "Множители слоёв перемножаются, а не складываются: (2/4)¹⁰."),
            ((s / 4) ** (d - 1), "Слоёв 10, и каждый даёт свой множитель: степень 10."),
            (s ** d, "Не забудьте множитель max σ′ = 1/4 у каждого слоя."),
        ],
    )


_GLOBAL_WORDS = {"global", "clip_global", "глобальная", "глобальной", "глобальный"}
_LOCAL_WORDS = {"local", "clip_local", "локальная", "локальной", "локальный"}


@replay_check
def clip_direction(which) -> str:
    """Which clipping keeps the direction of g = (30, −4, 0.5) at c = 1: 'global'."""
    require(which, "same_direction")
    if not isinstance(which, str):
        raise CheckFailed("Ожидалась строка: запишите в `same_direction` 'global' или 'local' "
                          "(в кавычках).")
    word = which.strip().strip("'\"").lower()
    if word in _GLOBAL_WORDS:
        return ("глобальная обрезка умножает весь вектор на одно число c/‖g‖ и сохраняет его "
                "направление; локальная даёт (1, −1, 0,5) — этот вектор не параллелен g.")
    if word in _LOCAL_WORDS:
        raise CheckFailed("Неверно: локальная обрезка даёт (1, −1, 0,5), а g = (30, −4, 0,5); "
                          "отношения координат изменились, значит, изменилось и направление. "
                          "Какая обрезка умножает все координаты на одно и то же число?")
    raise CheckFailed(f"Не удалось понять ответ {which[:40]!r}: запишите в `same_direction` "
                      "строку 'global' (глобальная обрезка) или 'local' (локальная).")
