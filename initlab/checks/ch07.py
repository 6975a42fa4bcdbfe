"""Checks of the exercises «07. Жёсткая и бесполезная задача про инициализацию»
(``exercises/07_hard.ipynb``).

Every check takes the student's answer, prints «Верно! …» or raises
:class:`initlab.checks.core.CheckFailed` with a Russian message (see ``core``'s
docstring for the messages about missing and malformed answers). The numbers of a
task are fixed here and stated in the notebook.

=====================================  ==========================================  ==========
check                                  the answer                                    value
=====================================  ==========================================  ==========
``pm1_bias_variance(var_b)``           Var b for ±1 weights, σ² = 20, k = 16          4
``bernoulli_variance(var_h)``          true Var h for the seed's Bernoulli weights    7/4
                                       (σ² = 1, k = 3, so p = 1/2, b ~ N(0, 1/4))
``scaled_weight(c)``                   c of the weights ±c with Var b = σ²/(k+1),     2/√17
                                       σ² = 4, k = 16
``maxwell_variance(var_w)``            Var w for w = ±R/a, R ~ χ₃, a = 2              3/4
``maxwell_weights(fn)``                sampler ±R/a, a = 2, such that x·w ~ N(0, 1)   simulation
                                       for x ~ U[0, a]
``ks_statistic(fn)``                   D_n = sup |F_n − Φ_σ| of a sample              vs scipy
=====================================  ==========================================  ==========

The sampler and KS checks take ``thorough=True`` in the hidden tests of the master
notebook: more shapes, other seeds, other samples.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from .core import (
    CheckFailed,
    _call_text,
    _fmt,
    call_answer,
    judge_number,
    judge_sampler,
    replay_check,
)

__all__ = [
    "K_BERN",
    "K_PM",
    "K_SMALL",
    "SIGMA2_BERN",
    "SIGMA2_PM",
    "SIGMA2_SMALL",
    "A",
    "bernoulli_variance",
    "ks_statistic",
    "maxwell_variance",
    "maxwell_weights",
    "pm1_bias_variance",
    "scaled_weight",
]

SIGMA2_PM, K_PM = 20.0, 16        # task 1: ±1 weights
SIGMA2_BERN, K_BERN = 1.0, 3      # task 2: the seed's Bernoulli weights
SIGMA2_SMALL, K_SMALL = 4.0, 16   # task 3: σ² < k, the weights must shrink
A = 2.0                           # tasks 4–5: data x ~ U[0, A]

_PM_HINT = ("Каждое слагаемое x_j·w_j при w_j = ±1 в точности равно ±x_j ~ N(0, 1), "
            "поэтому Var h = k · 1 + Var b.")


@replay_check
def pm1_bias_variance(var_b) -> str:
    """Var b with weights ±1 and x ~ N(0, 1), σ² = 20, k = 16: σ² − k = 4."""
    s2, k = SIGMA2_PM, K_PM
    return judge_number(
        var_b, s2 - k, name="var_b",
        success="Var b = σ² − k · Var w = 20 − 16 · 1 = 4: дисперсия весов ±1 равна 1, "
                "а не 1/4 (1/4 — дисперсия величины со значениями 0 и 1).",
        hint=_PM_HINT,
        wrong=[
            (s2 - k / 4, "Это ответ наивной конструкции: в ней Var w = 0,25. Но w² = 1 при "
                         "любом знаке и E w = 0, значит Var w = 1. " + _PM_HINT),
            (s2 / (k + 1), "Это s = σ²/(k + 1) — дисперсия каждого слагаемого, если делить "
                           "σ² поровну. Но веса ±1 уже дают Var(x_j w_j) = 1. " + _PM_HINT),
            (k - s2, "Знак перепутан: σ² = k · Var w + Var b."),
            (s2, "Веса тоже вносят дисперсию: k · Var w = 16."),
            (math.sqrt(s2 - k), "Это стандартное отклонение смещения, а нужна дисперсия."),
        ],
    )


@replay_check
def bernoulli_variance(var_h) -> str:
    """True Var h for w ~ Bern(1/2) (σ² = 1, k = 3: p(1 − p) = 1/4) and b ~ N(0, 1/4):
    Var(x w) = E x² E w² = p, so Var h = k p + 1/4 = 7/4."""
    s2, k = SIGMA2_BERN, K_BERN
    p = 0.5
    s = s2 / (k + 1)
    return judge_number(
        var_h, k * p + s, name="var_h",
        success="Var h = k · E w² + Var b = 3 · 1/2 + 1/4 = 7/4, а не σ² = 1: у весов "
                "Бернулли E w = p ≠ 0, и Var(x·w) = E x² · E w² = p, а не p(1 − p).",
        hint="Для независимых x и w: Var(x·w) = E x² · E w² − (E x · E w)². Здесь E x = 0, "
             "а E w² = p.",
        wrong=[
            (s2, ("На это рассчитана конструкция из условия: k · p(1 − p) + s = σ². Здесь использовано "
                  "Var(x·w) = Var x · Var w — это неверно при E w = p ≠ 0. Посчитайте "
                  "E(x·w)² = E x² · E w² = p.")),
            (k * p, "Не забудьте дисперсию смещения b: Var b = σ²/(k + 1) = 1/4."),
        ],
    )


@replay_check
def scaled_weight(c) -> str:
    """c of w = ±c with b ~ N(0, σ²/(k+1)), σ² = 4 < k = 16: k c² + σ²/(k+1) = σ²,
    c = σ/√(k + 1) = 2/√17."""
    s2, k = SIGMA2_SMALL, K_SMALL
    return judge_number(
        c, math.sqrt(s2 / (k + 1)), name="c",
        success="c = σ/√(k + 1) = 2/√17: каждое из k + 1 слагаемых получает дисперсию "
                "σ²/(k + 1), и h ~ N(0, σ²) точно — даже когда σ² < k.",
        hint="Каждое слагаемое x_j·(±c) ~ N(0, c²), поэтому Var h = k c² + Var b; приравняйте "
             "к σ² при Var b = σ²/(k + 1).",
        wrong=[
            (s2 / (k + 1), "Это c², дисперсия веса; а нужно само значение c (корень)."),
            (math.sqrt(s2 / k), ("Это c при b = 0 (тогда k c² = σ²). Здесь смещение забирает "
                                 "свою долю σ²/(k + 1).")),
            (1.0, ("С весами ±1 дисперсия выхода не меньше k = 16 > σ² = 4: веса нужно "
                   "уменьшить.")),
            (math.sqrt(s2) / (k + 1), "Корень извлекается из k + 1 тоже: c = σ/√(k + 1)."),
        ],
    )


@replay_check
def maxwell_variance(var_w) -> str:
    """Var w for w = s·R/a, R ~ χ₃, a = 2: E R² = 3, so 3/a² = 3/4."""
    a = A
    return judge_number(
        var_w, 3 / a**2, name="var_w",
        success="Var w = E R²/a² = 3/a² = 3/4: R² ~ χ²₃, E R² = 3, и дисперсия весов "
                "конечна (в отличие от весов Z/Y).",
        hint="E w = 0 из-за случайного знака, поэтому Var w = E w² = E R²/a², а R² — сумма "
             "квадратов трёх независимых N(0, 1).",
        wrong=[
            (3 / a, "Делить на a нужно в квадрате: Var(R/a) = E R²/a²."),
            (3.0, "Не забудьте множитель 1/a: w = ±R/a."),
            (1 / a**2, "E R² — это не 1: R² ~ χ²₃, у него среднее 3."),
            (math.sqrt(3) / a, "Это стандартное отклонение, а нужна дисперсия."),
        ],
    )


# ------------------------------------------------------------------ the sampler

_SAMPLER_CASES = [(64, 128), (500, 3)]
_THOROUGH_CASES = [(1, 5000), (3000, 2), (100, 100)]


def _product_check(fn, name: str, n_in: int, n_out: int, seed: int, z: float) -> None:
    """x·w for x ~ U[0, A] independent of the weights must be N(0, 1): the excess kurtosis
    through the Anscombe–Glynn transform (``scipy.stats.kurtosistest``, |z| > z) and a
    Kolmogorov–Smirnov test (level 10⁻⁷) on all n_in·n_out products, so that a correct
    sampler fails with probability below 10⁻⁶ per case. The raw ratio kurt/√(24/n) is not
    used: the sample kurtosis is right-skewed, and at n = 1500 the bound 5,5 was crossed
    about once in 2·10⁵ normal samples."""
    w = np.asarray(call_answer(fn, name, np.random.default_rng(seed), n_in, n_out),
                   dtype=float).ravel()
    x = A * np.random.default_rng(seed + 10_000).random(w.size)
    t = x * w
    n = t.size
    kurt = float(stats.kurtosis(t))
    kurt_z = float(stats.kurtosistest(t).statistic)
    ks = stats.kstest(t, "norm")
    if abs(kurt_z) > z or ks.pvalue < 1e-7:
        extra = ""
        if abs(kurt - 2.4) < z * math.sqrt(24.0 / n) + 0.3:
            extra = (" Похоже, веса нормальные: у них правильная дисперсия, но произведение "
                     "равномерного x на нормальный w не нормально (эксцесс 2,4).")
        raise CheckFailed(
            f"Неверно: произведения x·w при x ~ U[0, {_fmt(A)}] не похожи на N(0, 1) "
            f"(эксцесс {kurt:.2f} вместо 0, статистика Колмогорова–Смирнова "
            f"{ks.statistic:.3f}).{extra} Модуль веса должен иметь распределение χ₃ "
            "(длина стандартного нормального вектора из R³), делённое на a."
        )


@replay_check
def maxwell_weights(fn, *, thorough: bool = False) -> str:
    """The sampler ``fn(rng, n_in, n_out)`` of w = s·R/a, s = ±1, R ~ χ₃, a = A = 2.

    Simulation: shape, floats, drawn from ``rng`` only, mean 0, variance 3/a²
    (``core.judge_sampler``), then x·w ~ N(0, 1) for x ~ U[0, a] drawn by the check.
    """
    cases = _THOROUGH_CASES if thorough else _SAMPLER_CASES
    seed = 17 if thorough else 2028
    a = A
    _moments_check(fn, cases, seed, a)  # (its success message is not shown)
    for n_in, n_out in cases:
        _product_check(fn, "maxwell_weights", n_in, n_out, seed, z=6.0)
    return ("maxwell_weights выдаёт ±R/a с R ~ χ₃: U·R ~ |N(0, 1)|, поэтому "
           "x·w ~ N(0, 1) при x ~ U[0, a], и дисперсия весов конечна.")


def _moments_check(fn, cases, seed, a) -> None:
    return judge_sampler(
        fn, name="maxwell_weights", cases=cases, seed=seed,
        variance=lambda n_in, n_out: 3 / a**2, kind=None, success="",
        hint="Дисперсия ±R/a равна E R²/a² = 3/a².",
        wrong=[
            (lambda n_in, n_out: 3.0, "Не забудьте поделить на a: w = ±R/a."),
            (lambda n_in, n_out: 15 / a**2,
             ("Похоже, вместо R ~ χ₃ взят R² ~ χ²₃: извлеките корень, "
              "R = np.sqrt(rng.chisquare(3, size)).")),
            (lambda n_in, n_out: 3 / a,
             "Делить нужно на a, а не на √a: Var(R/a) = E R²/a²."),
            (lambda n_in, n_out: 1 / a**2,
             ("Похоже, R ~ N(0, 1) или |N(0, 1)|: а нужна длина вектора из трёх "
              "независимых N(0, 1), R ~ χ₃, E R² = 3.")),
        ],
    )


# -------------------------------------------------------------- the KS statistic

def _samples(thorough: bool):
    rng = np.random.default_rng(31 if thorough else 2029)
    out = [(rng.normal(0.0, 2.0, 500), 4.0), (rng.standard_t(3, 200), 1.0),
           (rng.uniform(-3, 3, 50), 3.0)]
    if thorough:
        out += [(rng.normal(0.5, 1.0, 7), 1.0), (np.array([0.3]), 2.0),
                (rng.exponential(1.0, 1000) - 1.0, 1.0)]
    return out


def _ks_close(d: float, truth: float) -> bool:
    return math.isclose(d, truth, rel_tol=1e-6, abs_tol=1e-6)


def _one_sided(h, sigma2):
    x = np.sort(h)
    n = x.size
    F = stats.norm.cdf(x, scale=math.sqrt(sigma2))
    i = np.arange(1, n + 1)
    return float(np.max(i / n - F)), float(np.max(np.abs(i / n - F)))


def _own_scale(h):
    """D against N(0, s²) and N(mean, s²) with the sample's own s (ddof 0 and 1)."""
    if h.size < 2:
        return []
    out = []
    for ddof in (0, 1):
        sd = float(np.std(h, ddof=ddof))
        if sd > 0:
            for loc in (0.0, float(np.mean(h))):
                out.append(float(stats.kstest(h, stats.norm(loc=loc, scale=sd).cdf).statistic))
    return out


@replay_check
def ks_statistic(fn, *, thorough: bool = False) -> str:
    """The function ``fn(h, sigma2)`` returns D_n = sup_t |F_n(t) − Φ(t/σ)| for a 1-D sample
    ``h``; compared with ``scipy.stats.kstest`` on fixed samples (normal and not)."""
    name = "ks_statistic"
    for h, sigma2 in _samples(thorough):
        call = _call_text(name, (f"<выборка из {h.size} чисел>", sigma2)).replace("'", "")
        value = call_answer(fn, name, h.copy(), sigma2)
        try:
            d = float(np.asarray(value, dtype=float).reshape(()))
        except (TypeError, ValueError):
            raise CheckFailed(
                f"`{call}` должна вернуть одно число, а вернула "
                f"{type(value).__name__}"
                + (f" формы {np.shape(value)}" if hasattr(value, "shape") else "") + "."
            ) from None
        if not math.isfinite(d):
            raise CheckFailed(f"`{call}` вернула {d}: проверьте, нет ли деления на ноль.")
        truth = float(stats.kstest(h, stats.norm(scale=math.sqrt(sigma2)).cdf).statistic)
        if _ks_close(d, truth):  # (a float32 implementation is within 1e-6)
            continue
        plus, only_upper = _one_sided(h, sigma2)
        wrong_scale = float(stats.kstest(h, stats.norm(scale=sigma2).cdf).statistic)
        if _ks_close(d, plus) or _ks_close(d, only_upper):
            detail = ("Эмпирическая функция распределения — ступенька: в точке x₍ᵢ₎ она "
                      "прыгает с (i − 1)/n на i/n. Сравните Φ с обоими значениями: "
                      "D = max(i/n − F(x₍ᵢ₎), F(x₍ᵢ₎) − (i − 1)/n).")
        elif any(_ks_close(d, v) for v in _own_scale(h)):
            detail = ("Похоже, σ взята из самой выборки: используйте sigma2, а не выборочное "
                      "стандартное отклонение. Тест сравнивает выборку с заданным "
                      "N(0, σ²), σ = √sigma2.")
        elif _ks_close(d, wrong_scale):
            detail = ("Похоже, в scale передана дисперсия σ², а нужно стандартное отклонение "
                      "σ = √σ².")
        else:
            detail = ("Отсортируйте выборку, посчитайте F(x₍ᵢ₎) = Φ(x₍ᵢ₎/σ) и возьмите "
                      "max(i/n − F(x₍ᵢ₎), F(x₍ᵢ₎) − (i − 1)/n) по i = 1, …, n.")
        raise CheckFailed(f"Неверно: `{call}` вернула {d:.9g}, а D = {truth:.9g}. "
                          f"{detail}")
    return ("ks_statistic совпадает со статистикой Колмогорова–Смирнова из scipy.stats.kstest.")
