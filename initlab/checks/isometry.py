"""Checks of the exercises «10. Динамическая изометрия» (``exercises/10_isometry.ipynb``).

=====================================  ==============================================  =======
check                                  the answer                                        value
=====================================  ==============================================  =======
``haar_orthogonal(fn)``                sampler ``fn(rng, n)`` of Haar-orthogonal n×n     sim.
``linear_gaussian_variance(v)``        var(s²), linear net, N(0, 1/N), L = 20, N → ∞       20
``relu_gaussian_variance(v)``          var(s²), ReLU, N(0, 2/N), L = 20, N → ∞             40
=====================================  ==============================================  =======

``haar_orthogonal`` is a :class:`~initlab.checks.core.Check`: the probe calls the student's
function with generators ``numpy.random.default_rng(seed)`` and returns plain statistics;
the judge decides. What it tests (each statistical test at level 1e-7, so a correct
sampler is rejected with probability below 1e-6 in total):

* shape (n, n), real finite floats, the same matrix for equally seeded generators and
  different matrices for different seeds (it must draw from ``rng`` only);
* orthogonality: max |QᵀQ − I| ≤ 1e-5 (float32 passes; a Gaussian matrix scaled by 1/√n fails);
* the signs of the diagonal entries: for Haar Q, DQ is Haar for every D = diag(±1), so the
  m·n signs of m draws are iid fair coins (a two-sided binomial test); Q from
  ``np.linalg.qr`` without the sign correction has Q_11 < 0 always and fails;
* the sign of det Q: a fair coin under Haar measure on O(n) (a sampler of SO(n) fails);
* the law of Q_11: Q_11² ~ Beta(1/2, (n − 1)/2) (a Kolmogorov–Smirnov test).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .core import Check, CheckFailed, call_answer, check_number

__all__ = [
    "ALPHA",
    "DEPTH",
    "haar_orthogonal",
    "linear_gaussian_variance",
    "relu_gaussian_variance",
]

DEPTH = 20
ALPHA = 1e-7            # level of each statistical test of the sampler
_CASES = {False: {"seed": 2031, "n_small": 6, "m": 400, "n_big": 40},
          True: {"seed": 97, "n_small": 3, "m": 1500, "n_big": 64}}


def _call(fn, rng, n):
    """The student's result as a plain float array, or CheckFailed explaining why not."""
    out = call_answer(fn, "haar_orthogonal", rng, n)
    call = f"haar_orthogonal(rng, {n})"
    try:
        arr = np.asarray(out)
    except Exception:  # noqa: BLE001 - any failure to convert is the student's answer
        arr = None
    if arr is None or arr.dtype.kind not in "biufc":
        raise CheckFailed(f"`{call}` должна вернуть массив numpy с числами, а вернула объект "
                          f"типа {type(out).__name__}.")
    if arr.shape != (n, n):
        raise CheckFailed(f"`{call}` вернула массив формы {arr.shape}, а нужна квадратная "
                          f"матрица формы {(n, n)}.")
    if arr.dtype.kind == "c":
        raise CheckFailed(f"`{call}` вернула комплексные числа, а нужна вещественная "
                          "ортогональная матрица.")
    if arr.dtype.kind in "biu":
        raise CheckFailed(f"`{call}` вернула целые числа ({arr.dtype}); нужна матрица из "
                          "вещественных чисел.")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise CheckFailed(f"`{call}` вернула NaN или бесконечные значения.")
    return arr


def _probe_haar_orthogonal(fn, *, thorough: bool = False) -> dict:
    c = _CASES[bool(thorough)]
    n, m = c["n_small"], c["m"]
    rng = np.random.default_rng(c["seed"])
    mats = np.stack([_call(fn, rng, n) for _ in range(m)])
    first = _call(fn, np.random.default_rng(c["seed"]), n)
    big = _call(fn, np.random.default_rng(c["seed"] + 1), c["n_big"])
    big_again = _call(fn, np.random.default_rng(c["seed"] + 1), c["n_big"])
    big_other = _call(fn, np.random.default_rng(c["seed"] + 2), c["n_big"])
    eye_s, eye_b = np.eye(n), np.eye(c["n_big"])
    ortho_small = np.abs(np.einsum("kij,kil->kjl", mats, mats) - eye_s).max()
    ortho_big = np.abs(big.T @ big - eye_b).max()
    diag = np.diagonal(mats, axis1=1, axis2=2)
    return {
        "n": n, "m": m, "n_big": c["n_big"],
        "same_seed_equal": bool(np.array_equal(first, mats[0]) and np.array_equal(big, big_again)),
        "other_seed_differs": bool(not np.array_equal(big, big_other)),
        "ortho_error": float(max(ortho_small, ortho_big)),
        "ortho_error_big": float(ortho_big),
        "col_norm_dev": float(np.abs(np.sum(big * big, axis=0) - 1).max()),
        "diag_negative": int(np.sum(diag < 0)),
        "diag_zero": int(np.sum(diag == 0)),
        "det_negative": int(np.sum(np.linalg.det(mats) < 0)),
        "q11": mats[:, 0, 0].tolist(),
    }


def _judge_haar_orthogonal(d: dict) -> str:
    """Decide from the probe's statistics (see the module's docstring)."""
    n, m = d["n"], d["m"]
    if not d["same_seed_equal"]:
        raise CheckFailed(
            "Результат `haar_orthogonal` зависит не только от переданного генератора rng: два "
            "вызова с одинаково инициализированным rng дали разные матрицы. Берите случайные "
            "числа только из rng (rng.standard_normal), а не из np.random.")
    if not d["other_seed_differs"]:
        raise CheckFailed(
            "Неверно: при разных генераторах rng функция возвращает одну и ту же матрицу. "
            "Матрица должна быть случайной: начните с rng.standard_normal((n, n)).")
    if d["ortho_error"] > 1e-5:      # float32 QR: ~1e-7; a scaled Gaussian: ~1
        extra = (" Похоже, это просто нормальная матрица с дисперсией 1/n: её столбцы имеют "
                 "длину около 1, но не ортогональны друг другу. Ортогонализуйте её "
                 "(np.linalg.qr)." if d["col_norm_dev"] < 0.8 else
                 " Ортогонализуйте случайную нормальную матрицу (np.linalg.qr).")
        raise CheckFailed(
            f"Неверно: матрица не ортогональна — элементы QᵀQ отличаются от единичной матрицы "
            f"на {d['ortho_error']:.2g}, а должны совпадать с точностью до ошибок округления."
            + extra)
    k = m * n
    neg = d["diag_negative"] + d["diag_zero"] / 2
    p_sign = float(stats.binomtest(round(neg), k, 0.5).pvalue)
    if p_sign < ALPHA:
        raise CheckFailed(
            "Неверно: матрица ортогональна, но распределена не по мере Хаара. Диагональные "
            f"элементы отрицательны в {100 * neg / k:.0f} % случаев (из {k}), а у равномерно "
            "распределённой ортогональной матрицы знаки диагонали — честные монетки (50 %). "
            "Так бывает, если взять Q из np.linalg.qr без поправки знаков: умножьте j-й "
            "столбец Q на знак R_jj (Q * np.sign(np.diag(R))).")
    p_det = float(stats.binomtest(d["det_negative"], m, 0.5).pvalue)
    if p_det < ALPHA:
        share = 100 * d["det_negative"] / m
        raise CheckFailed(
            f"Неверно: определитель отрицателен в {share:.0f} % случаев, а по мере Хаара на "
            "группе всех ортогональных матриц O(n) знак определителя — честная монетка. Не "
            "исправляйте знак определителя: ±1 равновероятны.")
    q11 = np.asarray(d["q11"], float)
    p_ks = float(stats.kstest(q11**2, stats.beta(0.5, (n - 1) / 2).cdf).pvalue)
    if p_ks < ALPHA:
        raise CheckFailed(
            "Неверно: матрица ортогональна, но распределение элемента Q₁₁ не такое, как у "
            "матрицы Хаара (у неё Q₁₁² имеет распределение Beta(1/2, (n − 1)/2), как квадрат "
            "координаты случайной точки единичной сферы). Возьмите QR-разложение нормальной "
            "матрицы и поправьте знаки столбцов.")
    return ("haar_orthogonal выдаёт ортогональные матрицы, распределённые по мере Хаара: знаки "
            "диагонали и определителя — честные монетки, а Q₁₁² ~ Beta(1/2, (n − 1)/2).")


haar_orthogonal = Check(_probe_haar_orthogonal, _judge_haar_orthogonal, name="haar_orthogonal",
                        doc="Check a Haar-orthogonal sampler ``fn(rng, n)`` by simulation.")


def linear_gaussian_variance(var_s2) -> None:
    """var(s²) of the Jacobian of a linear net with N(0, 1/N) weights, L = 20, N → ∞: L."""
    check_number(
        var_s2, DEPTH, name="var_s2",
        success="var(s²) = L = 20: у линейной сети с нормальными весами разброс квадратов "
                "сингулярных чисел растёт линейно с глубиной, хотя их среднее равно 1.",
        hint="Подставьте в L(μ₂/μ₁² − 1 − s₁) значения для линейной функции активации "
             "(φ' = 1) и нормальных весов (s₁ = −1).",
        wrong=[
            (0.0, "Ноль даёт ортогональная инициализация (s₁ = 0). У нормальных весов s₁ = −1."),
            (DEPTH + 1, "Это второй момент E s⁴ = L + 1; дисперсия равна E s⁴ − (E s²)² = L."),
            (1.0, "Среднее s² действительно равно 1 (критичность), а спрашивается дисперсия."),
            (2 * DEPTH, "2L — ответ для ReLU. У линейной сети μ₂/μ₁² = 1."),
        ],
    )


def relu_gaussian_variance(var_s2) -> None:
    """var(s²) for ReLU, N(0, 2/N) weights, L = 20, N → ∞: L(2 − 1 + 1) = 2L = 40."""
    check_number(
        var_s2, 2 * DEPTH, name="var_s2_relu",
        success="var(s²) = L(μ₂/μ₁² − 1 − s₁) = 20 · (2 − 1 + 1) = 40: у ReLU φ'² — "
                "бернуллиевская величина, μ₁ = μ₂ = 1/2.",
        hint="У ReLU φ'(z) ∈ {0, 1}, поэтому μ₁ = E φ'² и μ₂ = E φ'⁴ равны вероятности "
             "z > 0. Подставьте их в L(μ₂/μ₁² − 1 − s₁) с s₁ = −1.",
        wrong=[
            (float(DEPTH), ("Это ответ для ортогональных весов (s₁ = 0) у ReLU или для "
                            "линейной сети. Для нормальных весов s₁ = −1.")),
            (0.0, "У ReLU изометрия невозможна ни при каких случайных весах: μ₂/μ₁² = 2."),
            (3 * DEPTH, "Проверьте μ₂/μ₁²: при μ₁ = μ₂ = 1/2 это 2, а не 3."),
        ],
    )
