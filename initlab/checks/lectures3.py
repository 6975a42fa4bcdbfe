"""Checks of the exercises «03. Функции активации, перенос и прореживание»
(``exercises/03_lectures.ipynb``).

Import as ``from initlab.checks import lectures3``. Every check takes the student's answer,
prints «Верно! …» or raises :class:`initlab.checks.core.CheckFailed` with a Russian message
(see ``core``'s docstring for missing and malformed answers).

=====================================  ============================================  ============
check                                  the answer                                     value
=====================================  ============================================  ============
``sigmoid_prime_max(m)``               max σ′                                         1/4
``tanh_prime_max(m)``                  max tanh′                                      1
``leaky_relu(fn)``                     fn(z, alpha) -> (f, f′)                        reference
``relu_prime_moment(m)``               E ReLU′(z)², z ~ N(0, 1)                       1/2
``he_variance(var_w)``                 Var w for ReLU, n_in = 300, n_out = 100        2/300
``gain_relu(g)``                       gain of ReLU                                   √2
``gain_leaky(g)``                      gain of leaky ReLU, α = 0.1                    √(2/(1+α²))
``drop_block(k)``                      block with the smallest output norm (from 1)   5
``obd_saliency(s)``                    s_i = h_ii a_i²/2 for the task's H, a          exact
``obs(fn)``                            fn(H, a, i) -> (δ, rise of the loss)           reference
``batchnorm_backward(fn)``             fn(dY, X, gamma, eps) -> dX, training mode     finite diff.
=====================================  ============================================  ============

The function checks take ``thorough=True`` in the hidden tests of the master (more cases,
another seed). In-place changes of the arrays passed to a student's function are allowed:
every expected value is computed from copies taken before the call. Float32 results are
accepted with a float32 tolerance.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .core import (
    CheckFailed,
    as_array,
    call_answer,
    central_differences,
    judge_number,
    replay_check,
)

__all__ = [
    "ALPHA",
    "BLOCK_NORMS",
    "N_IN",
    "N_OUT",
    "OBD_A",
    "OBD_H",
    "batchnorm_backward",
    "drop_block",
    "gain_leaky",
    "gain_relu",
    "he_variance",
    "leaky_relu",
    "obd_saliency",
    "obs",
    "relu_prime_moment",
    "sigmoid_prime_max",
    "tanh_prime_max",
]

ALPHA = 0.1
N_IN, N_OUT = 300, 100
OBD_H = np.array([[1.0, 0.3, 0.0], [0.3, 2.0, 0.5], [0.0, 0.5, 6.0]])
OBD_A = np.array([0.5, -2.0, 0.4])
BLOCK_NORMS = (3.0, 0.8, 1.2, 2.5, 0.6)


def _tolerance(arr) -> tuple[float, float]:
    """(rtol, atol scale) for a result: float32 arithmetic gets a float32 tolerance."""
    dtype = getattr(arr, "dtype", None)
    if dtype is not None and dtype.kind == "f" and dtype.itemsize <= 4:
        return 1e-3, 1e-4
    return 1e-6, 1e-9


def _array(res, call, shape, what="массив"):
    try:
        arr = np.asarray(res)
    except Exception:  # noqa: BLE001
        arr = None
    if arr is None or arr.dtype.kind not in "biuf":
        raise CheckFailed(f"`{call}` должна вернуть {what} чисел, а вернула объект типа "
                          f"{type(res).__name__}.")
    if arr.shape != shape:
        extra = (" Похоже, строки и столбцы перепутаны (транспонированный результат)."
                 if arr.shape == shape[::-1] and len(shape) == 2 and shape[0] != shape[1] else "")
        raise CheckFailed(f"`{call}` вернула {what} формы {arr.shape}, а нужна форма "
                          f"{shape}.{extra}")
    if not np.isfinite(arr).all():
        raise CheckFailed(f"`{call}` вернула NaN или бесконечные значения.")
    return arr


def _close(arr, want, scale=None) -> bool:
    rtol, atol = _tolerance(arr)
    scale = float(np.max(np.abs(want))) if scale is None else scale
    return bool(np.allclose(np.asarray(arr, dtype=float), want, rtol=rtol,
                            atol=atol * max(scale, 1.0)))


# --------------------------------------------------------------- activations

@replay_check
def sigmoid_prime_max(m) -> str:
    """max σ′ = σ′(0) = 1/4."""
    return judge_number(m, 0.25, name="max_sigmoid_prime", rounded=[0.3],
                        success="σ′(x) = σ(x)(1 − σ(x)) достигает максимума 1/4 при x = 0 "
                                "(σ(0) = 1/2).",
                        hint="σ′(x) = σ(x)(1 − σ(x)) — произведение p(1 − p) при p = σ(x) ∈ (0, 1); "
                             "найдите максимум p(1 − p).",
                        wrong=[(0.5, "Это σ(0) = 1/2, а не σ′(0) = σ(0)(1 − σ(0))."),
                               (1.0, "Это максимум tanh′; у сигмоиды σ′ = σ(1 − σ) ≤ 1/4."),
                               (0.125, "Лишний множитель 1/2: σ′(0) = 1/2 · 1/2 = 1/4.")])


@replay_check
def tanh_prime_max(m) -> str:
    """max tanh′ = tanh′(0) = 1."""
    return judge_number(m, 1.0, name="max_tanh_prime",
                        success="tanh′(x) = 1 − tanh²(x) ≤ 1, максимум при x = 0. Поскольку "
                                "tanh(x) = 2σ(2x) − 1, tanh′(x) = 4σ′(2x): в 4 раза больше максимума σ′.",
                        hint="tanh′(x) = 1 − tanh²(x); где tanh² наименьший?",
                        wrong=[(0.25, "Это максимум σ′; tanh′(x) = 1 − tanh²(x), и при x = 0 он равен 1."),
                               (0.5, "tanh′(x) = 1 − tanh²(x), tanh(0) = 0, поэтому tanh′(0) = 1."),
                               (2.0, "Лишний множитель 2: tanh′(0) = 1 − 0² = 1.")])


def _leaky(z, alpha):
    return np.where(z > 0, z, alpha * z), np.where(z > 0, 1.0, alpha)


_LEAKY_MISTAKES = [
    (lambda z, a: (np.where(z > 0, z, a * z), (z > 0).astype(float)),
     "Производная на отрицательной полуоси равна α, а не 0: f(z) = αz при z < 0."),
    (lambda z, a: (np.maximum(z, 0.0), np.where(z > 0, 1.0, a)),
     "Это ReLU: при z < 0 функция равна αz, а не 0."),
    (lambda z, a: (np.where(z > 0, z, a * z), np.where(z > 0, 1.0, a * z)),
     "Производная αz равна константе α, а не αz."),
    (lambda z, a: (np.where(z > 0, 1.0, a), np.where(z > 0, z, a * z)),
     "Значения перепутаны: верните пару (f, df) — сначала функцию, потом производную."),
    (lambda z, a: (np.where(z > 0, z, a * z), np.ones_like(z)),
     "Производная равна 1 только при z > 0; при z < 0 она равна α."),
    (lambda z, a: (np.where(z > 0, a * z, z), np.where(z > 0, a, 1.0)),
     "Полуоси перепутаны: при z > 0 f(z) = z, при z < 0 f(z) = αz."),
]


@replay_check
def leaky_relu(fn, *, thorough: bool = False) -> str:
    """The student's ``fn(z, alpha) -> (f, df)``: leaky ReLU and its derivative (z ≠ 0)."""
    rng = np.random.default_rng(11 if thorough else 2026)
    cases = [(np.array([-2.0, -0.5, 0.3, 3.0]), ALPHA), (rng.normal(size=50), 0.2)]
    if thorough:
        cases += [(rng.normal(size=(4, 6)) * 5, 0.01), (np.array([-1e3, 1e3]), 0.3)]
    for z, alpha in cases:
        z = np.where(z == 0, 0.1, z)
        z0 = z.copy()
        shown = np.array2string(z0, precision=2, separator=", ") if z0.size <= 4 else \
            f"z формы {z0.shape}"
        call = f"leaky_relu({shown}, {alpha:g})"
        res = call_answer(fn, "leaky_relu", z, alpha)
        if not isinstance(res, (tuple, list)) or len(res) != 2:
            raise CheckFailed(f"`{call}` должна вернуть два массива — (f, df), значения функции "
                              "и её производной, например `return f, df`.")
        f = _array(res[0], call, z0.shape, "массив f")
        df = _array(res[1], call, z0.shape, "массив df")
        want_f, want_df = _leaky(z0, alpha)
        if _close(f, want_f) and _close(df, want_df):
            continue
        detail = "f(z) = z при z > 0 и αz при z < 0; f′(z) = 1 при z > 0 и α при z < 0."
        for make, text in _LEAKY_MISTAKES:
            mf, mdf = make(z0, alpha)
            if _close(f, mf) and _close(df, mdf):
                detail = text
                break
        part = "f" if not _close(f, want_f) else "df"
        raise CheckFailed(f"Неверно: `{call}` вернула неверный {part}. {detail}")
    return "leaky ReLU пропускает долю α отрицательных значений, а её производная не обнуляется."


@replay_check
def relu_prime_moment(m) -> str:
    """E ReLU′(z)² for z ~ N(0, 1): P(z > 0) = 1/2."""
    return judge_number(m, 0.5, name="moment",
                        success="ReLU′(z)² = 1 при z > 0 и 0 при z < 0, поэтому "
                                "E ReLU′(z)² = P(z > 0) = 1/2. Отсюда множитель 2 в инициализации Хе.",
                        hint="ReLU′(z) принимает только значения 0 и 1; с какой вероятностью 1?",
                        wrong=[(1.0, "ReLU′(z) = 0 при z < 0, а это половина значений z."),
                               (0.25, ("ReLU′ принимает значения 0 и 1, поэтому ReLU′² = ReLU′, и "
                                       "E ReLU′² = P(z > 0) = 1/2, а не (1/2)².")),
                               (1 / (2 * math.pi), "Это не плотность: нужна вероятность P(z > 0)."),
                               (2.0, "Это обратная величина, множитель Хе; E ReLU′(z)² = 1/2.")])


@replay_check
def he_variance(var_w) -> str:
    """Var w of He's init, n_in = 300, n_out = 100: 2/300."""
    return judge_number(var_w, 2 / N_IN, name="var_w",
                        success="инициализация Хе: Var w = 2/n_in = 2/300 — множитель 2 "
                                "компенсирует половину, которую теряет ReLU.",
                        hint="Прямой проход сохраняет второй момент, если n_in · Var w · 1/2 = 1.",
                        wrong=[(2 / N_OUT, ("Это 2/n_out (вариант Хе для обратного прохода); здесь "
                                            "нужен прямой проход: делите на n_in = 300.")),
                               (1 / N_IN, ("Забыт множитель 2: ReLU оставляет половину второго "
                                           "момента, и Var w = 1/n_in даёт множитель 1/2 на слой.")),
                               (2 / (N_IN + N_OUT), "Это Ксавье 2/(n_in + n_out), он не учитывает ReLU."),
                               (1 / (N_IN + N_OUT), "Это не учитывает ни ReLU, ни то, что нужен n_in."),
                               (math.sqrt(2 / N_IN), ("Это стандартное отклонение √(2/n_in), а нужна "
                                                      "дисперсия."))])


@replay_check
def gain_relu(g) -> str:
    """The gain of ReLU: 1/√(E ReLU(z)²) = √2."""
    return judge_number(g, math.sqrt(2), name="gain_relu", rounded=[1.41, 1.414, 1.4142],
                        success="E ReLU(z)² = 1/2 при z ~ N(0, 1), поэтому усиление √2: "
                                "Var w = gain²/n_in = 2/n_in.",
                        hint="Усиление g выбирают так, чтобы g² · E f(z)² = 1 при z ~ N(0, 1).",
                        wrong=[(2.0, ("Это g², множитель перед 1/n_in в дисперсии; усиление "
                                      "(множитель стандартного отклонения) — его корень.")),
                               (1 / math.sqrt(2), "Это 1/g: нужно g² · E f(z)² = 1, а не g² = E f(z)²."),
                               (0.5, "Это E ReLU(z)²; усиление — 1/√(E ReLU(z)²).")])


@replay_check
def gain_leaky(g) -> str:
    """The gain of leaky ReLU with α = 0.1: √(2/(1 + α²))."""
    a = ALPHA
    want = math.sqrt(2 / (1 + a * a))
    return judge_number(g, want, name="gain_leaky", rounded=[1.41, 1.407, 1.4072],
                        success="E f(z)² = (1 + α²)/2, поэтому усиление √(2/(1 + α²)) ≈ 1,4072 при α = 0,1.",
                        hint="При z < 0 f(z)² = α²z², при z > 0 f(z)² = z²; каждая половина "
                             "даёт 1/2 · E z² = 1/2.",
                        wrong=[(math.sqrt(2 / (1 + a)), "В знаменателе α², а не α: f(z)² = α²z² при z < 0."),
                               (2 / (1 + a * a), "Это g²; усиление — корень из него."),
                               (math.sqrt(2), ("Это усиление ReLU (α = 0); у leaky ReLU "
                                               "отрицательная половина тоже вносит α²/2.")),
                               (math.sqrt(1 / (1 + a * a)), "Забыт множитель 2: E f(z)² = (1 + α²)/2."),
                               (math.sqrt((1 + a * a) / 2), "Это √(E f(z)²), а нужно 1/√(E f(z)²).")])


# ------------------------------------------------------------------ pruning

@replay_check
def drop_block(k) -> str:
    """The residual block to drop first: the smallest output norm, numbered from 1."""
    norms = BLOCK_NORMS
    best = int(np.argmin(norms)) + 1
    largest = int(np.argmax(norms)) + 1
    if isinstance(k, float) and not float(k).is_integer():
        raise CheckFailed(f"Номер блока — целое число от 1 до {len(norms)}, а получено {k}.")
    return judge_number(k, best, name="drop_block",
                        success=f"первым удаляют блок с наименьшей нормой выхода: "
                                f"‖F_{best}‖ = 0,6 — без него сеть меняется меньше всего.",
                        hint="Блок добавляет к x свой выход F(x); чем меньше ‖F(x)‖, тем меньше "
                             "меняется сеть без него.",
                        wrong=[(best - 1, "Блоки нумеруются с 1, а не с 0, как индексы Python."),
                               (largest, ("Это блок с наибольшим выходом: без него сеть изменится "
                                          "сильнее всего."))])



@replay_check
def obd_saliency(s) -> str:
    """OBD saliencies s_i = h_ii a_i²/2 for OBD_H and OBD_A."""
    h = np.diag(OBD_H)
    want = h * OBD_A**2 / 2
    if isinstance(s, (list, tuple)):  # exact fractions in a list: their values
        s = [float(v) if isinstance(v, numbers.Real) and not isinstance(v, bool) else v
             for v in s]
    arr = as_array(s, "saliency", want.shape)
    if np.allclose(arr, want, rtol=1e-6, atol=1e-12):
        return ("s = (0,125; 4; 0,48): OBD первым удаляет первый вес, хотя по модулю меньше "
                "третий — у него больше кривизна h_ii.")
    hinv = np.diag(np.linalg.inv(OBD_H))
    mistakes = [
        (h * OBD_A**2, "Забыт множитель 1/2: L ≈ ½ δᵀHδ, поэтому s_i = ½ h_ii a_i²."),
        (h * np.abs(OBD_A) / 2, "Вес входит в квадрате: s_i = ½ h_ii a_i²."),
        (h * OBD_A / 2, "Вес входит в квадрате: s_i = ½ h_ii a_i²."),
        (OBD_A**2 / (2 * hinv), "Это значимость OBS (через [H⁻¹]_ii); в OBD — диагональ самого H."),
        (OBD_H.sum(axis=1) * OBD_A**2 / 2, "Нужна только диагональ h_ii, а не сумма строки H."),
        (OBD_A**2 / 2, "Забыт множитель h_ii: s_i = ½ h_ii a_i²."),
        (OBD_A**2 / (2 * h), "h_ii стоит в числителе: s_i = ½ h_ii a_i²."),
    ]
    detail = "s_i = ½ h_ii a_i² — рост потерь ½ δᵀHδ при δ = −a_i e_i."
    for bad, text in mistakes:
        if np.allclose(arr, bad, rtol=1e-6, atol=1e-12):
            detail = text
            break
    raise CheckFailed(f"Неверно: saliency = {np.array2string(arr, precision=4, separator=', ')}. "
                      f"{detail}")


def _spd(rng, n):
    m = rng.normal(size=(n, n))
    return m @ m.T / n + np.diag(rng.uniform(0.2, 2.0, n))


@replay_check
def obs(fn, *, thorough: bool = False) -> str:
    """The student's ``fn(H, a, i) -> (delta, rise)``: the OBS update and the loss increase."""
    rng = np.random.default_rng(13 if thorough else 2026)
    cases = [(OBD_H, OBD_A, 2), (_spd(rng, 5), rng.normal(size=5), 0)]
    if thorough:
        cases += [(_spd(rng, 6), rng.normal(size=6), 5), (_spd(rng, 2), rng.normal(size=2), 1),
                  (np.diag([1.0, 4.0, 9.0]), np.array([1.0, 1.0, -1.0]), 1)]
    for H, a, i in cases:
        H0, a0 = H.copy(), a.copy()
        n = a0.size
        call = f"obs(H, a, {i}) при n = {n}"
        res = call_answer(fn, "obs", H.copy(), a.copy(), i)
        if not isinstance(res, (tuple, list)) or len(res) != 2:
            raise CheckFailed(f"`{call}` должна вернуть два значения: (delta, rise) — поправку "
                              "весов и рост потерь, например `return delta, rise`.")
        delta = _array(res[0], call, (n,), "массив delta")
        try:
            rise = float(np.asarray(res[1], dtype=float).reshape(()))
        except (TypeError, ValueError):
            raise CheckFailed(f"`{call}`: второе значение (рост потерь) должно быть одним "
                              "числом.") from None
        if not math.isfinite(rise):
            raise CheckFailed(f"`{call}`: рост потерь — NaN или бесконечность.")
        hinv = np.linalg.inv(H0)
        col = hinv[:, i]
        want_d = -a0[i] / hinv[i, i] * col
        want_r = a0[i] ** 2 / (2 * hinv[i, i])
        if not _close(delta, want_d):
            bad = [(-a0[i] / H0[i, i] * col, "Делить нужно на [H⁻¹]_ii, а не на h_ii."),
                   (a0[i] / hinv[i, i] * col, ("Знак: после поправки вес a_i должен стать нулём, "
                                               "δ_i = −a_i.")),
                   (-a0[i] / hinv[i, i] * H0[:, i], ("Направление поправки — столбец H⁻¹e_i, "
                                                     "а не He_i.")),
                   (-a0[i] * np.eye(n)[i], ("Это поправка OBD (обнулить только a_i); OBS сдвигает "
                                            "и остальные веса: δ = −a_i/[H⁻¹]_ii · H⁻¹e_i."))]
            detail = "δ = −a_i/[H⁻¹]_ii · H⁻¹e_i; после поправки a_i + δ_i = 0."
            for b, text in bad:
                if _close(delta, b):
                    detail = text
                    break
            raise CheckFailed(f"Неверно: `{call}` вернула неверную поправку delta. {detail}")
        if not math.isclose(rise, want_r, rel_tol=_tolerance(delta)[0] + 1e-9):
            bad = [(2 * want_r, "Забыт множитель 1/2: рост потерь ½ δᵀHδ = a_i²/(2[H⁻¹]_ii)."),
                   (H0[i, i] * a0[i] ** 2 / 2, ("Это значимость OBD (½ h_ii a_i²); для OBS "
                                                "рост потерь a_i²/(2[H⁻¹]_ii).")),
                   (want_r / 2, "Лишний множитель 1/2: рост потерь a_i²/(2[H⁻¹]_ii)."),
                   (abs(a0[i]) / (2 * hinv[i, i]), "Вес входит в квадрате: a_i²/(2[H⁻¹]_ii).")]
            detail = "Рост потерь ½ δᵀHδ = a_i²/(2[H⁻¹]_ii)."
            for b, text in bad:
                if math.isclose(rise, b, rel_tol=1e-6):
                    detail = text
                    break
            raise CheckFailed(f"Неверно: `{call}` вернула рост потерь {rise:.6g} вместо "
                              f"{want_r:.6g}. {detail}")
    return ("OBS обнуляет a_i и сдвигает остальные веса по H⁻¹e_i; потери растут на "
            "a_i²/(2[H⁻¹]_ii) ≤ ½ h_ii a_i² — не больше, чем в OBD.")


# ---------------------------------------------------------- batch norm backward

def _bn_forward(X, gamma, eps):
    return gamma * (X - X.mean(axis=0)) / np.sqrt(X.var(axis=0) + eps)


def _bn_numeric(dY, X, gamma, eps, h=1e-5):
    """Central finite differences of L = Σ dY ⊙ BN(X) with respect to X (float64)."""
    Xh = X.copy()
    return central_differences(lambda: np.sum(dY * _bn_forward(Xh, gamma, eps)), (Xh,), h)[0]


def _bn_backward(dY, X, gamma, eps, ddof=0, keep_mean=True, keep_xhat=True):
    s = np.sqrt(X.var(axis=0, ddof=ddof) + eps)
    xhat = (X - X.mean(axis=0)) / s
    out = dY.copy()
    if keep_mean:
        out = out - dY.mean(axis=0)
    if keep_xhat:
        out = out - xhat * (dY * xhat).mean(axis=0)
    return gamma / s * out


_BN_BACK_MISTAKES = [
    (lambda dY, X, g, e: _bn_backward(dY, X, g, e, keep_mean=False, keep_xhat=False),
     ("Получено γ/σ · ∂L/∂Y — так было бы, если бы μ и σ² не зависели от X. В режиме обучения "
      "они зависят: вычтите среднее ∂L/∂Y и x̂ · среднее(∂L/∂Y ⊙ x̂) по батчу.")),
    (lambda dY, X, g, e: _bn_backward(dY, X, g, e, keep_xhat=False),
     "Не учтена зависимость σ² от X: не хватает слагаемого −x̂ · среднее(∂L/∂Y ⊙ x̂)."),
    (lambda dY, X, g, e: _bn_backward(dY, X, g, e, keep_mean=False),
     "Не учтена зависимость μ от X: не хватает слагаемого −среднее(∂L/∂Y) по батчу."),
    (lambda dY, X, g, e: _bn_backward(dY, X, g, e, ddof=1),
     "Использована несмещённая дисперсия (ddof=1); в батч-нормализации делят на B."),
    (lambda dY, X, g, e: _bn_backward(dY, X, np.ones_like(g), e),
     "Забыт множитель γ: y = γ·x̂ + β, поэтому ∂L/∂x̂ = γ ⊙ ∂L/∂Y."),
    (lambda dY, X, g, e: _bn_backward(dY, X, g, e) / X.shape[0],
     "Лишнее деление на B: средние по батчу уже содержат 1/B."),
    (lambda dY, X, g, e: _bn_backward(dY, X, g, e) * X.shape[0],
     "Результат в B раз больше: вместо сумм по батчу нужны средние (или поделите на B)."),
]


@replay_check
def batchnorm_backward(fn, *, thorough: bool = False) -> str:
    """The student's ``fn(dY, X, gamma, eps) -> dX`` for training-mode batch norm, compared
    with central finite differences (float64; float32 results with a float32 tolerance)."""
    rng = np.random.default_rng(17 if thorough else 2026)
    shapes = [(6, 3), (4, 5)] + ([(2, 3), (16, 2), (9, 7)] if thorough else [])
    for B, d in shapes:
        X = rng.normal(rng.uniform(-2, 2, d), rng.uniform(0.3, 3, d), size=(B, d))
        dY = rng.normal(size=(B, d))
        gamma = rng.uniform(0.5, 2.0, d)
        eps = 1e-3
        call = f"batchnorm_backward(dY, X, gamma, {eps}) при X формы {X.shape}"
        res = call_answer(fn, "batchnorm_backward", dY.copy(), X.copy(), gamma.copy(), eps)
        dX = _array(res, call, X.shape, "массив dX")
        want = _bn_numeric(dY, X, gamma, eps)
        rtol, atol = _tolerance(dX)
        # finite differences are accurate to ~1e-8 here; float32 to ~1e-5 relative
        rtol, atol = max(rtol, 1e-5), max(atol, 1e-6)
        scale = float(np.max(np.abs(want)))
        if np.allclose(np.asarray(dX, dtype=float), want, rtol=rtol, atol=atol * scale):
            continue
        detail = ("dX = γ/√(σ² + ε) · (∂L/∂Y − среднее(∂L/∂Y) − x̂ · среднее(∂L/∂Y ⊙ x̂)), "
                  "средние — по батчу (axis=0).")
        for make, text in _BN_BACK_MISTAKES:
            if np.allclose(np.asarray(dX, dtype=float), make(dY, X, gamma, eps), rtol=rtol,
                           atol=atol * scale):
                detail = text
                break
        raise CheckFailed(f"Неверно: `{call}` не совпадает с конечными разностями. {detail}")
    return ("градиент батч-нормализации в режиме обучения: сумма dX по батчу равна нулю, и dX "
            "ортогонален x̂ в каждом столбце.")
