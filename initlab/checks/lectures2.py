"""Checks of the exercises «02. Лекции: дропаут, батч-нормализация, инициализация»
(``exercises/02_lectures.ipynb``).

Import as ``from initlab.checks import lectures2``. Every check takes the student's answer,
prints «Верно! …» or raises :class:`initlab.checks.core.CheckFailed` with a Russian message
(see ``core``'s docstring for missing and malformed answers).

=====================================  ============================================  ============
check                                  the answer                                     value
=====================================  ============================================  ============
``dropout(fn)``                        fn(x, p, rng): inverted dropout                Monte Carlo
``dropout_mean(mean)``                 E of dropout WITHOUT rescaling, x = 3, p = 0.2  2.4
``batchnorm(fn)``                      fn(X, gamma, beta, eps): batch-norm forward     reference
``xavier_ratio_30(ratio)``             E z₃₀² / E z₀² for ReLU + Xavier, n_in = n_out  2⁻³⁰
``relu_init_variance(var_w)``          Var w that keeps it for ReLU, width 256         2/256
=====================================  ============================================  ============

``dropout`` is checked statistically at a fixed seed: the output has the input's shape,
every entry is either 0 or x/(1 − p), the share of zeros is p and the mean is x, both
within 5.5 standard errors (level below 10⁻⁶ per case); it must draw from the ``rng`` it is
given (an equal seed gives the same output, another seed another one). The function checks take
``thorough=True`` in the hidden tests of the master: more cases and another seed.
"""

from __future__ import annotations

import numpy as np

from .core import CheckFailed, as_array, call_answer, judge_number, replay_check

__all__ = [
    "DEPTH",
    "WIDTH",
    "batchnorm",
    "dropout",
    "dropout_mean",
    "relu_init_variance",
    "xavier_ratio_30",
]

WIDTH = 256
DEPTH = 30
#: relative tolerance of dropout's values: float32 arithmetic (eps ≈ 1.2·10⁻⁷) must pass
_RTOL = 1e-5


# ------------------------------------------------------------------ dropout

def _result_array(res, call, shape):
    try:
        arr = np.asarray(res, dtype=float)
    except (TypeError, ValueError):
        raise CheckFailed(f"`{call}` должна вернуть массив чисел, а вернула объект типа "
                          f"{type(res).__name__}.") from None
    if arr.shape != shape:
        raise CheckFailed(f"`{call}` вернула массив формы {arr.shape}, а нужна форма {shape} — "
                          "та же, что у x.")
    if not np.isfinite(arr).all():
        raise CheckFailed(f"`{call}` вернула NaN или бесконечные значения.")
    return arr


@replay_check
def dropout(fn, *, thorough: bool = False) -> str:
    """The student's inverted dropout ``fn(x, p, rng)``."""
    seed = 7 if thorough else 2026
    cases = [(0.5, 2000), (0.2, 2000)] + ([(0.8, 3000), (0.05, 3000)] if thorough else [])
    for p, n in cases:
        x = np.linspace(-2.0, 3.0, n)
        x[x == 0] = 0.5
        x0 = x.copy()
        call = f"dropout(x, {p}, rng) при x из {n} чисел"
        y = _result_array(call_answer(fn, "dropout", x, p, np.random.default_rng(seed)), call,
                          x.shape)
        if not np.array_equal(x, x0):
            raise CheckFailed("`dropout` изменила входной массив x «на месте». Верните новый "
                              "массив (например, x * mask / (1 - p)).")
        y2 = _result_array(call_answer(fn, "dropout", x, p, np.random.default_rng(seed)), call,
                           x.shape)
        if not np.array_equal(y, y2):
            raise CheckFailed("При одном и том же генераторе `dropout` вернула разные маски. "
                              "Берите случайные числа только из переданного rng "
                              "(rng.random(x.shape)), а не из np.random.")
        kept = y != 0
        if kept.all() or not kept.any():
            raise CheckFailed(f"Неверно: при p = {p} `dropout` {'сохранила' if kept.all() else 'обнулила'}"
                              " весь массив сразу. Маска одна на весь массив? Каждый элемент "
                              "отключается независимо: mask = rng.random(x.shape) >= p.")
        y3 = _result_array(call_answer(fn, "dropout", x, p, np.random.default_rng(seed + 1)),
                           call, x.shape)
        if np.array_equal(y, y3):
            raise CheckFailed("`dropout` вернула ту же маску и с другим генератором: берите "
                              "случайные числа из переданного rng (rng.random(x.shape)), а не из "
                              "своего генератора вроде np.random.default_rng(0).")
        if np.allclose(y[kept], x[kept], rtol=_RTOL) and kept.mean() < 1:
            raise CheckFailed("Неверно: сохранённые значения не поделены на 1 − p. Тогда среднее "
                              "выхода равно (1 − p)·x, а не x: разделите на (1 − p).")
        if np.allclose(y[kept], x[kept] * (1 - p), rtol=_RTOL) and kept.mean() < 1:
            raise CheckFailed("Неверно: сохранённые значения умножены на 1 − p, а их нужно "
                              "разделить на 1 − p (инвертированный дропаут).")
        if not np.allclose(y[kept], x[kept] / (1 - p), rtol=_RTOL):
            raise CheckFailed("Неверно: каждый элемент выхода должен быть либо 0, либо x / (1 − p).")
        share = 1 - kept.mean()
        se = np.sqrt(p * (1 - p) / n)
        if abs(share - p) > 5.5 * se:
            hint = (" Похоже, p — это вероятность сохранить нейрон, а не отключить."
                    if abs(share - (1 - p)) <= 5.5 * se else "")
            raise CheckFailed(f"Неверно: при p = {p} обнулено {100 * share:.1f} % элементов, а "
                              f"должно быть около {100 * p:.0f} %.{hint}")
    # the expectation: many masks on a short vector
    x = np.array([1.0, -2.0, 0.5, 3.0])
    p = 0.3
    rng = np.random.default_rng(seed + 1)
    ys = np.stack([_result_array(call_answer(fn, "dropout", x, p, rng), "dropout(x, 0.3, rng)",
                                 x.shape) for _ in range(4000)])
    se = x * np.sqrt(p / (1 - p)) / np.sqrt(len(ys))
    if np.any(np.abs(ys.mean(axis=0) - x) > 5.5 * np.abs(se)):
        raise CheckFailed("Неверно: среднее выхода по 4000 маскам отличается от x больше, чем на "
                          "5,5 стандартной ошибки. Проверьте, что маски независимы между вызовами.")
    return ("Инвертированный дропаут: обнуляется доля p, остальное делится на 1 − p, и среднее выхода "
           "равно x.")


@replay_check
def dropout_mean(mean) -> str:
    """E of dropout without rescaling for x = 3, p = 0.2: (1 − p)·x = 2.4."""
    return judge_number(mean, 0.8 * 3.0, name="mean",
                 success="Без деления на 1 − p среднее равно (1 − p)·x = 2,4: при применении сети "
                         "(без отключений) следующий слой увидел бы значения в 1/(1 − p) раз больше.",
                 hint="Элемент сохраняется с вероятностью 1 − p и тогда равен x, иначе равен 0.",
                 wrong=[(3.0, "Это было бы с делением на 1 − p; здесь деления нет."),
                        (0.2 * 3.0, ("p — вероятность обнулить, а сохраняется элемент с "
                                     "вероятностью 1 − p."))])


# --------------------------------------------------------------- batch norm

def _bn(X, gamma, beta, eps):
    return gamma * (X - X.mean(axis=0)) / np.sqrt(X.var(axis=0) + eps) + beta


_BN_MISTAKES = [
    (lambda X, g, b, e: g * (X - X.mean(axis=1, keepdims=True))
     / np.sqrt(X.var(axis=1, keepdims=True) + e) + b,
     ("Статистики посчитаны по строкам, по координатам каждого объекта (так устроена "
      "нормализация слоя). Батч-нормализация считает среднее и дисперсию каждой координаты "
      "по батчу: axis=0.")),
    (lambda X, g, b, e: g * (X - X.mean(axis=0)) / np.sqrt(X.var(axis=0, ddof=1) + e) + b,
     ("Использована несмещённая дисперсия (ddof=1); в батч-нормализации делят на B: "
     "X.var(axis=0).")),
    (lambda X, g, b, e: g * (X - X.mean(axis=0)) / (X.std(axis=0) + e) + b,
     "ε прибавляется к дисперсии под корнем: √(σ² + ε), а не к σ."),
    (lambda X, g, b, e: (X - X.mean(axis=0)) / np.sqrt(X.var(axis=0) + e),
     "Не забудьте γ и β: y = γ·x̂ + β."),
    (lambda X, g, b, e: b * (X - X.mean(axis=0)) / np.sqrt(X.var(axis=0) + e) + g,
     "γ и β перепутаны: y = γ·x̂ + β."),
]


@replay_check
def batchnorm(fn, *, thorough: bool = False) -> str:
    """The student's batch-norm forward ``fn(X, gamma, beta, eps)`` (per column, biased var)."""
    rng = np.random.default_rng(3 if thorough else 2026)
    shapes = [(32, 4), (5, 3)] + ([(2, 6), (200, 1), (16, 16)] if thorough else [])
    for B, d in shapes:
        X = rng.normal(rng.uniform(-3, 3, d), rng.uniform(0.1, 4, d), size=(B, d))
        X[:, 0] = 1.5 if B <= 5 else X[:, 0]          # a constant column: eps matters
        gamma, beta = rng.uniform(0.5, 2, d), rng.uniform(-1, 1, d)
        eps = 1e-3
        args = [X.copy(), gamma.copy(), beta.copy(), eps]
        call = f"batchnorm(X, gamma, beta, {eps}) при X формы {X.shape}"
        res = call_answer(fn, "batchnorm", *args)
        Y = as_array(res, "результат batchnorm")
        if Y.shape != X.shape:
            raise CheckFailed(f"`{call}` вернула массив формы {Y.shape}, а нужна форма {X.shape}.")
        want = _bn(X, gamma, beta, eps)
        if np.allclose(Y, want, rtol=1e-6, atol=1e-9):
            continue
        hint = "x̂ = (x − μ)/√(σ² + ε) по каждому столбцу, затем y = γ·x̂ + β."
        with np.errstate(all="ignore"):
            for make, text in _BN_MISTAKES:
                g = make(X, gamma, beta, eps)
                if np.all(np.isfinite(g)) and np.allclose(Y, g, rtol=1e-6, atol=1e-9):
                    hint = text
                    break
        raise CheckFailed(f"Неверно: `{call}` не совпадает с батч-нормализацией. {hint}")
    return ("Среднее каждого столбца выхода равно β, дисперсия — γ²σ²/(σ² + ε).")


# ------------------------------------------------------------ initialisation

@replay_check
def xavier_ratio_30(ratio) -> str:
    """E z_30² / E z_0² for 30 ReLU layers with Xavier (n_in = n_out): (1/2)^30."""
    return judge_number(ratio, 0.5 ** DEPTH, name="ratio", rounded=[1e-9, 9.3e-10, 9.31e-10],
                 success="Каждый слой с ReLU и инициализацией Ксавье делит второй момент пополам: 2⁻³⁰ ≈ 9,3·10⁻¹⁰.",
                 hint="При n_in = n_out инициализация Ксавье даёт Var w = 1/n, а ReLU оставляет половину "
                      "второго момента: множитель на слой n·Var(w)·1/2.",
                 wrong=[(1.0, ("Без ReLU так и было бы. ReLU зануляет половину значений: "
                               "E ReLU(z)² = E z²/2.")),
                        (0.5, "Это множитель одного слоя; слоёв 30."),
                        (0.5 ** 29, "Слоёв 30, множителей тоже 30."),
                        (0.25 ** DEPTH, "Множитель одного слоя — 1/2, а не 1/4.")])


@replay_check
def relu_init_variance(var_w) -> str:
    """Var w of He's init for width 256: 2/256."""
    n = WIDTH
    return judge_number(var_w, 2 / n, name="var_w",
                 success="Инициализация Хе: Var w = 2/n_in = 2/256 сохраняет второй момент на "
                         "каждом слое с ReLU.",
                 hint="Нужно n·Var(w)·1/2 = 1.",
                 wrong=[(1 / n, ("Это инициализация Ксавье (Xavier) или ЛеКуна: с ReLU она даёт "
                                 "множитель 1/2 на слой.")),
                        (2 / (n + n), ("Это инициализация Ксавье 2/(n_in + n_out) = 1/n: с ReLU он даёт "
                                       "множитель 1/2 на слой.")),
                        (np.sqrt(2 / n), "Это стандартное отклонение, а нужна дисперсия."),
                        (4 / n, "Слишком много: множитель на слой будет 2."),
                        (2 / (n - 1), "Ошибка на единицу: ширина слоя n_in = 256, а не 255."),
                        (2 / (n + 1), "Ошибка на единицу: ширина слоя n_in = 256, а не 257.")])
