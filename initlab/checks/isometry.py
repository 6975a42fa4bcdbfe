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
the judge decides. What it tests (each statistical test at level 1e-7):

* shape (n, n), real finite floats, the same matrix for equally seeded generators and
  different matrices for different seeds (it must draw from ``rng`` only);
* orthogonality: max |QᵀQ − I| ≤ 1e-5 (float32 passes; a Gaussian matrix scaled by 1/√n fails);
* the signs of the diagonal entries: for Haar Q, DQ is Haar for every D = diag(±1), so the
  n diagonal signs of one draw are iid fair coins. Tested separately: each position's sign
  over the m draws (n binomial tests at level ALPHA/n; Q from ``np.linalg.qr`` without the
  sign correction has Q_11 < 0 always and fails), and the agreement of the signs of each
  pair of positions (n(n − 1)/2 binomial tests at level ALPHA/#pairs; ``q * rng.choice([-1, 1])``,
  one random sign for the whole matrix, has fair marginal signs but correlated pairs and fails);
* the sign of det Q: a fair coin under Haar measure on O(n) (a sampler of SO(n) fails; the
  uncorrected Householder QR gives det Q = (−1)^(n−1) always, a product of n − 1 reflections);
* the law of the entries: S = Σ_ij Q_ij⁴ of an n_big × n_big draw has the exact Haar mean
  n·E(Q_11⁴)·n = 3n/(n + 2) (Q_11² ~ Beta(1/2, (n − 1)/2)); the m4 draws are independent, so a
  two-sided z-test of their mean (CLT; S is a sum of n² bounded terms). QR of a matrix with
  uniform entries, even sign-corrected, has lighter-tailed entries (S ≈ 1.8 instead of ≈ 3)
  and fails;
* the law of Q_11: Q_11² ~ Beta(1/2, (n − 1)/2) (a Kolmogorov–Smirnov test).

Five tests at level ALPHA each: a correct sampler is rejected with probability < 5e-7.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..numerics.spectra import linear_gaussian_moments_exact
from .core import Check, CheckFailed, call_answer, judge_number, replay_check

__all__ = [
    "ALPHA",
    "DEPTH",
    "haar_orthogonal",
    "linear_gaussian_variance",
    "relu_gaussian_variance",
]

DEPTH = 20
# exact E var(s²) of a linear Gaussian net at the chapter's finite N = 200, L = 20 (≈ 21.14)
_LIN_EXACT_200 = linear_gaussian_moments_exact(200, DEPTH)[1]
_FINITE_N = ("Это значение для конечного N = 200 (точная формула для матриц Уишарта). "
             "Спрашивается предел N → ∞.")
ALPHA = 1e-7            # level of each statistical test of the sampler
_CASES = {False: {"seed": 2031, "n_small": 6, "m": 400, "n_big": 40, "m4": 200},
          True: {"seed": 97, "n_small": 3, "m": 1500, "n_big": 64, "m4": 200}}


def _ru(x: float) -> str:
    """Two decimals with a decimal comma (the course's Russian number format)."""
    return f"{x:.2f}".replace(".", ",")


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
    signs = np.where(diag < 0, -1, np.where(diag > 0, 1, 0))
    rng4 = np.random.default_rng(c["seed"] + 3)
    fourth = [float(np.sum(_call(fn, rng4, c["n_big"]) ** 4)) for _ in range(c["m4"])]
    iu = np.triu_indices(n, 1)
    agree = (signs[:, :, None] * signs[:, None, :])[:, iu[0], iu[1]]     # (m, pairs)
    return {
        "n": n, "m": m, "n_big": c["n_big"],
        "same_seed_equal": bool(np.array_equal(first, mats[0]) and np.array_equal(big, big_again)),
        "other_seed_differs": bool(not np.array_equal(big, big_other)),
        "ortho_error": float(max(ortho_small, ortho_big)),
        "ortho_error_big": float(ortho_big),
        "col_norm_dev": float(np.abs(np.sum(big * big, axis=0) - 1).max()),
        "diag_negative": int(np.sum(diag < 0)),
        "diag_zero": int(np.sum(diag == 0)),
        "diag_negative_by_position": np.sum(diag < 0, axis=0).tolist(),
        "pair_agree": np.sum(agree > 0, axis=0).tolist(),
        "fourth": fourth,
        "det_always": int(np.sign(np.linalg.det(mats[0]))) if np.all(
            np.sign(np.linalg.det(mats)) == np.sign(np.linalg.det(mats[0]))) else 0,
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
    by_pos = np.asarray(d["diag_negative_by_position"], int)
    p_pos = [float(stats.binomtest(int(c), m, 0.5).pvalue) for c in by_pos]
    if min(p_pos) < ALPHA / n:
        j = int(np.argmin(p_pos))
        raise CheckFailed(
            "Неверно: матрица ортогональна, но распределена не по мере Хаара. Диагональный "
            f"элемент Q[{j}, {j}] отрицателен в {100 * by_pos[j] / m:.0f} % случаев (из {m}), а у "
            "равномерно распределённой ортогональной матрицы знак каждого диагонального "
            "элемента — честная монетка (50 %). Так бывает, если взять Q из np.linalg.qr без "
            "поправки знаков: умножьте j-й столбец Q на знак R_jj (Q * np.sign(np.diag(R))).")
    agree = np.asarray(d["pair_agree"], int)
    p_pair = [float(stats.binomtest(int(c), m, 0.5).pvalue) for c in agree]
    if agree.size and min(p_pair) < ALPHA / agree.size:
        j = int(np.argmin(p_pair))
        raise CheckFailed(
            "Неверно: матрица ортогональна, но распределена не по мере Хаара. Знаки "
            "диагональных элементов не независимы: у одной из пар позиций они совпадают в "
            f"{100 * agree[j] / m:.0f} % случаев, а у матрицы Хаара — в 50 %. Так бывает, если "
            "умножить всю матрицу на один случайный знак. Поправка своя для каждого столбца: "
            "умножьте j-й столбец Q на знак R_jj (Q * np.sign(np.diag(R))).")
    p_det = float(stats.binomtest(d["det_negative"], m, 0.5).pvalue)
    if p_det < ALPHA:
        share = 100 * d["det_negative"] / m
        if d.get("det_always", 0) == (-1) ** (n - 1):
            raise CheckFailed(
                f"Неверно: определитель равен (−1)^(n−1) = {(-1) ** (n - 1):+d} во всех {m} "
                "случаях, а по мере Хаара на группе O(n) знак определителя — честная монетка. "
                "Так ведёт себя Q из np.linalg.qr без поправки знаков: метод Хаусхолдера "
                "строит Q как произведение n − 1 отражений. Умножьте j-й столбец Q на знак "
                "R_jj (Q * np.sign(np.diag(R))).")
        raise CheckFailed(
            f"Неверно: определитель отрицателен в {share:.0f} % случаев, а по мере Хаара на "
            "группе всех ортогональных матриц O(n) знак определителя — честная монетка. Не "
            "исправляйте знак определителя: ±1 равновероятны.")
    nb = d["n_big"]
    f4 = np.asarray(d["fourth"], float)
    mean4 = 3 * nb / (nb + 2)
    se4 = f4.std(ddof=1) / np.sqrt(f4.size)
    z4 = abs(f4.mean() - mean4) / se4 if se4 > 0 else (np.inf if f4.mean() != mean4 else 0.0)
    if 2 * stats.norm.sf(z4) < ALPHA:
        raise CheckFailed(
            "Неверно: матрица ортогональна, но её элементы распределены не так, как у матрицы "
            f"Хаара. При n = {nb} у матрицы Хаара √n·Q_ij почти нормальны: сумма четвёртых "
            f"степеней элементов в среднем равна 3n/(n + 2) ≈ {_ru(mean4)}, а у вашей — "
            f"{_ru(f4.mean())}. Так бывает, если ортогонализовать матрицу с ненормальными "
            "элементами (например, rng.uniform): мера Хаара получается только из матрицы с "
            "независимыми нормальными элементами (rng.standard_normal).")
    q11 = np.asarray(d["q11"], float)
    p_ks = float(stats.kstest(q11**2, stats.beta(0.5, (n - 1) / 2).cdf).pvalue)
    if p_ks < ALPHA:
        raise CheckFailed(
            "Неверно: матрица ортогональна, но распределение элемента Q₁₁ не такое, как у "
            "матрицы Хаара (у неё Q₁₁² имеет распределение Beta(1/2, (n − 1)/2), как квадрат "
            "координаты случайной точки единичной сферы). Возьмите QR-разложение нормальной "
            "матрицы и поправьте знаки столбцов.")
    return ("haar_orthogonal выдаёт ортогональные матрицы, распределённые по мере Хаара: знаки "
            "диагонали — независимые честные монетки, знак определителя — тоже, а элементы "
            "распределены как координаты случайной точки сферы (Q₁₁² ~ Beta(1/2, (n − 1)/2)).")


haar_orthogonal = Check(_probe_haar_orthogonal, _judge_haar_orthogonal, name="haar_orthogonal",
                        doc="Check a Haar-orthogonal sampler ``fn(rng, n)`` by simulation.")


@replay_check
def linear_gaussian_variance(var_s2) -> str:
    """var(s²) of the Jacobian of a linear net with N(0, 1/N) weights, L = 20, N → ∞: L."""
    return judge_number(
        var_s2, DEPTH, name="var_s2",
        success="var(s²) = L = 20: у линейной сети с нормальными весами разброс квадратов "
                "сингулярных чисел растёт линейно с глубиной, хотя их среднее равно 1.",
        hint="Подставьте в L(μ₂/μ₁² − 1 − κ₁) значения для линейной функции активации "
             "(φ' = 1) и нормальных весов (κ₁ = −1).",
        wrong=[
            (0.0, "Ноль даёт ортогональная инициализация (κ₁ = 0). У нормальных весов κ₁ = −1."),
            (DEPTH + 1, "Это второй момент E s⁴ = L + 1; дисперсия равна E s⁴ − (E s²)² = L."),
            (1.0, "Среднее s² действительно равно 1 (критичность), а спрашивается дисперсия."),
            (2 * DEPTH, "2L — ответ для ReLU. У линейной сети μ₂/μ₁² = 1."),
            (DEPTH / 2, ("На каждый слой дисперсия растёт на −κ₁ = 1, а не на 1/2: у нормальной "
                         "матрицы WᵀW (закон Марченко–Пастура с равными размерами) дисперсия "
                         "собственных чисел равна 1.")),
            (DEPTH - 1, ("L − 1 — это не дисперсия: при φ' = 1 слагаемые μ₂/μ₁² − 1 сокращаются, "
                         "и каждый из L слоёв добавляет ровно −κ₁ = 1.")),
            (-DEPTH, ("Дисперсия не бывает отрицательной. κ₁ = −1 входит в формулу со знаком "
                      "минус: L(μ₂/μ₁² − 1 − κ₁) = L(1 − 1 + 1).")),
            (DEPTH**2, ("L² — дисперсии слоёв складываются (в пределе N → ∞), а не "
                        "перемножаются: рост линейный по глубине.")),
            (round(_LIN_EXACT_200, 2), _FINITE_N),
            (round(_LIN_EXACT_200, 1), _FINITE_N),
            (_LIN_EXACT_200, _FINITE_N),
        ],
    )


@replay_check
def relu_gaussian_variance(var_s2) -> str:
    """var(s²) for ReLU, N(0, 2/N) weights, L = 20, N → ∞: L(2 − 1 + 1) = 2L = 40."""
    return judge_number(
        var_s2, 2 * DEPTH, name="var_s2_relu",
        success="var(s²) = L(μ₂/μ₁² − 1 − κ₁) = 20 · (2 − 1 + 1) = 40: у ReLU φ'² — "
                "бернуллиевская величина, μ₁ = μ₂ = 1/2.",
        hint="У ReLU φ'(z) ∈ {0, 1}, поэтому μ₁ = E φ'² и μ₂ = E φ'⁴ равны вероятности "
             "z > 0. Подставьте их в L(μ₂/μ₁² − 1 − κ₁) с κ₁ = −1.",
        wrong=[
            (float(DEPTH), ("Так получается, если взять μ₂ = μ₁² = 1/4, но E φ'⁴ ≠ (E φ'²)²: "
                            "у ReLU φ'⁴ = φ'², поэтому μ₂ = μ₁ = 1/2 и μ₂/μ₁² = 2. (Тот же ответ "
                            "20 дают ортогональные веса, κ₁ = 0; здесь веса нормальные, κ₁ = −1.)")),
            (0.0, ("У ReLU с независимыми случайными весами μ₂/μ₁² = 2, и разброс растёт с "
                   "глубиной; ноль недостижим.")),
            (3 * DEPTH, "Проверьте μ₂/μ₁²: при μ₁ = μ₂ = 1/2 это 2, а не 3."),
        ],
    )
