"""Checks of the exercises «06. Инициализация весов» (``exercises/06_init.ipynb``).

Every check takes the student's answer, prints «Верно! …» or raises
:class:`initlab.checks.core.CheckFailed` with a Russian message (see ``core``'s
docstring for the messages about missing and malformed answers). The numbers of a
task are fixed here and stated in the notebook: ``N_IN = 256``, ``N_OUT = 128``,
``N_FEATURES = 10``.

=====================================  =======================================  ==========
check                                  the answer                                 value
=====================================  =======================================  ==========
``uniform_variance(var_w)``            Var U[−1/√n_in, 1/√n_in], n_in = 256        1/768
``layer_ratio(ratio)``                 Var(h)/Var(x) with those weights            1/3
``uniform_bound(a)``                   a of U[−a, a] that keeps the variance       √3/16
``normal_variance(var_normal)``        σ² of N(0, σ²) that keeps the variance      1/256
``xavier_variance(var_xavier)``        Xavier/Glorot, n_in = 256, n_out = 128      2/384
``xavier_uniform(fn)``                 sampler U[±√(6/(n_in+n_out))]              simulation
``he_normal(fn)``                      sampler N(0, 2/n_in)                        simulation
``relu_zero_probability(p_zero)``      P(ReLU neuron outputs 0)                    1/2
``relu_dead_probability(p_dead)``      P(0 for every input x ≥ 0), 10 inputs       2⁻¹⁰
=====================================  =======================================  ==========

The sampler checks take ``thorough=True`` in the hidden tests of the master notebook:
more shapes (a single row, a single column, a square) and another seed.
"""

from __future__ import annotations

import math

from .core import judge_number, judge_sampler, replay_check

__all__ = [
    "N_FEATURES",
    "N_IN",
    "N_OUT",
    "he_normal",
    "layer_ratio",
    "normal_variance",
    "relu_dead_probability",
    "relu_zero_probability",
    "uniform_bound",
    "uniform_variance",
    "xavier_uniform",
    "xavier_variance",
]

N_IN = 256
N_OUT = 128
N_FEATURES = 10

_UNIFORM_HINT = "Вспомните, что дисперсия U[a, b] равна (b − a)²/12."
_SAMPLER_CASES = [(N_IN, N_OUT), (100, 300)]
_THOROUGH_CASES = [(1, 4000), (3000, 2), (64, 64), (512, 16)]


@replay_check
def uniform_variance(var_w) -> str:
    """Var(w) for w ~ U[−1/√n_in, 1/√n_in], n_in = 256: 1/(3·256) = 1/768."""
    n = N_IN
    return judge_number(
        var_w, 1 / (3 * n), name="var_w",
        success="Var(w) = (2/√n_in)²/12 = 1/(3·n_in) = 1/768.",
        hint=_UNIFORM_HINT,
        wrong=[
            (1 / n, "Это 1/n_in — дисперсия, которая сохранила бы сигнал, а не дисперсия "
                    "U[−1/√n_in, 1/√n_in]. " + _UNIFORM_HINT),
            (1 / (12 * n), "Длина отрезка [−1/√n_in, 1/√n_in] равна 2/√n_in, а не 1/√n_in. "
                           + _UNIFORM_HINT),
            (1 / math.sqrt(3 * n), ("Это стандартное отклонение, а нужна дисперсия — "
                                    "его квадрат.")),
            (2 / (12 * math.sqrt(n)), "Не забудьте возвести длину отрезка в квадрат. "
                                      + _UNIFORM_HINT),
            (4 / (12 * math.sqrt(n)), ("Не забудьте возвести в квадрат и √n_in: "
                                       "(2/√n_in)² = 4/n_in.")),
            (1 / (3 * N_OUT), ("Это 1/384 = 1/(3·128) = 2/768 — вдвое больше ответа. Либо "
                               "взято n_out = 128: в границе отрезка стоит число входов "
                               "нейрона n_in = 256, а не выходов. Либо лишний множитель 2: "
                               "длина отрезка 2/√n_in, её квадрат 4/n_in, "
                               "и Var(w) = (4/n_in)/12 = 1/(3·n_in).")),
        ],
    )


@replay_check
def layer_ratio(ratio) -> str:
    """Var(h)/Var(x) for one layer with the weights of ``uniform_variance``: 1/3."""
    return judge_number(
        ratio, 1 / 3, name="ratio",
        success="Var(h) = n_in · Var(w) · Var(x) = Var(x)/3: на каждом слое дисперсия "
                "падает втрое, через 10 слоёв — в 3¹⁰ ≈ 59 000 раз.",
        hint="При нулевых средних Var(h) = n_in · Var(w) · Var(x).",
        wrong=[
            (3.0, "Дисперсия убывает, а не растёт: отношение Var(h)/Var(x) меньше единицы."),
            (1 / (3 * N_IN), ("Это дисперсия одного веса. Выход нейрона — сумма n_in "
                              "слагаемых: Var(h) = n_in · Var(w) · Var(x).")),
            (1.0, ("С такими весами дисперсия не сохраняется. Посчитайте "
                   "n_in · Var(w) при Var(w) = 1/(3·n_in).")),
        ],
    )


@replay_check
def uniform_bound(a) -> str:
    """The bound a of U[−a, a] with Var = 1/n_in, n_in = 256: √3/√256 = √3/16."""
    n = N_IN
    return judge_number(
        a, math.sqrt(3 / n), name="a",
        success="a = √3/√n_in: тогда Var(w) = a²/3 = 1/n_in и Var(h) = Var(x).",
        hint="Дисперсия U[−a, a] равна a²/3; приравняйте её к 1/n_in.",
        wrong=[
            (1 / math.sqrt(n), ("Это граница Маши — с ней дисперсия падает втрое на каждом "
                                "слое.")),
            (3 / math.sqrt(n), ("Дисперсию нужно увеличить в 3 раза, значит границу — в √3 "
                                "раз: дисперсия U[−a, a] равна a²/3.")),
            (1 / n, "Это нужная дисперсия весов, а спрашивается граница a отрезка."),
            (math.sqrt(3) / n, "Под корнем должно стоять и n_in: a = √(3/n_in)."),
            (math.sqrt(12 / n), ("Дисперсия U[−a, a] равна (2a)²/12 = a²/3; приравняйте её "
                                 "к 1/n_in.")),
        ],
    )


@replay_check
def normal_variance(var_normal) -> str:
    """σ² of N(0, σ²) that keeps the variance, n_in = 256: 1/256."""
    n = N_IN
    return judge_number(
        var_normal, 1 / n, name="var_normal",
        success="σ² = 1/n_in: тогда n_in · σ² = 1 и дисперсия не затухает.",
        hint="Нужно, чтобы n_in · Var(w) = 1.",
        wrong=[
            (1 / math.sqrt(n), "Это стандартное отклонение σ = 1/√n_in, а нужна дисперсия σ²."),
            (1 / (3 * n), "Это дисперсия весов Маши — с ней сигнал затухает."),
            (2 / n, ("2/n_in — это инициализация Хе для ReLU. Для симметричной функции "
                     "активации достаточно n_in · σ² = 1.")),
        ],
    )


@replay_check
def xavier_variance(var_xavier) -> str:
    """Xavier/Glorot variance for n_in = 256, n_out = 128: 2/(256 + 128) = 1/192."""
    n_in, n_out = N_IN, N_OUT
    return judge_number(
        var_xavier, 2 / (n_in + n_out), name="var_xavier",
        success="σ² = 2/(n_in + n_out) = 1/192: это инициализация Ксавье (Глорота) — "
                "среднее гармоническое требований 1/n_in и 1/n_out.",
        hint="Прямой проход требует n_in · σ² = 1, обратный — n_out · σ² = 1. Потребуйте, "
             "чтобы выполнялось их среднее: σ² · (n_in + n_out)/2 = 1.",
        wrong=[
            (1 / n_in, ("Это условие только прямого прохода (n_in · σ² = 1). Нужен "
                        "компромисс с обратным: n_out · σ² = 1.")),
            (1 / n_out, ("Это условие только обратного прохода (n_out · σ² = 1). Нужен "
                         "компромисс с прямым: n_in · σ² = 1.")),
            (1 / (n_in + n_out), ("Проверьте множитель: среднее (n_in + n_out)/2 даёт "
                                  "σ² = 2/(n_in + n_out).")),
            ((1 / n_in + 1 / n_out) / 2, ("Это среднее арифметическое 1/n_in и 1/n_out. "
                                          "Ксавье усредняет сами условия: "
                                          "σ² · (n_in + n_out)/2 = 1.")),
            (2 / n_in, "2/n_in — это инициализация Хе для ReLU, а не Ксавье."),
        ],
    )


@replay_check
def xavier_uniform(fn, *, thorough: bool = False) -> str:
    """The sampler ``fn(rng, n_in, n_out)`` of U[−a, a], a = √(6/(n_in + n_out)).

    Simulation: shape (n_in, n_out), floats, drawn from ``rng`` only, mean 0, variance
    2/(n_in + n_out), values inside [−a, a], uniform shape (see ``core.judge_sampler``).
    """
    return judge_sampler(
        fn, name="xavier_uniform",
        cases=_THOROUGH_CASES if thorough else _SAMPLER_CASES,
        seed=7 if thorough else 2026,
        variance=lambda n_in, n_out: 2 / (n_in + n_out),
        kind="uniform",
        success="xavier_uniform выдаёт U[−a, a] с a = √(6/(n_in + n_out)): дисперсия "
                "2/(n_in + n_out), как у Ксавье.",
        hint="Дисперсия U[−a, a] равна a²/3; чтобы она была 2/(n_in + n_out), возьмите "
             "a = √(6/(n_in + n_out)).",
        wrong=[
            (lambda n_in, n_out: 2 / (3 * (n_in + n_out)),
             "Граница a равна √(3σ²) = √(6/(n_in + n_out)), а не σ = √(2/(n_in + n_out))."),
            (lambda n_in, n_out: 12 / (n_in + n_out) ** 2,
             "Не забудьте извлечь корень: a = √(6/(n_in + n_out))."),
            (lambda n_in, n_out: 1 / n_in,
             "Ксавье учитывает и n_out: дисперсия 2/(n_in + n_out), а не 1/n_in."),
        ],
    )


@replay_check
def he_normal(fn, *, thorough: bool = False) -> str:
    """The sampler ``fn(rng, n_in, n_out)`` of N(0, 2/n_in) (He), checked by simulation."""
    return judge_sampler(
        fn, name="he_normal",
        cases=_THOROUGH_CASES if thorough else _SAMPLER_CASES,
        seed=11 if thorough else 2027,
        variance=lambda n_in, n_out: 2 / n_in,
        kind="normal",
        success="he_normal выдаёт N(0, 2/n_in): ReLU обнуляет половину входов, и удвоенная "
                "дисперсия весов это компенсирует.",
        hint="Инициализация Хе: w ~ N(0, 2/n_in); rng.normal принимает стандартное "
             "отклонение scale = √(2/n_in).",
        wrong=[
            (lambda n_in, n_out: (2 / n_in) ** 2,
             ("rng.normal(loc, scale) принимает стандартное отклонение scale = √(2/n_in), "
              "а не дисперсию.")),
            (lambda n_in, n_out: 2 / n_out,
             "В формуле Хе стоит число входов n_in, а не выходов: Var w = 2/n_in."),
            (lambda n_in, n_out: 2 / (n_in + n_out),
             "Это дисперсия Ксавье. Для ReLU Хе берёт 2/n_in."),
            (lambda n_in, n_out: 1 / n_in,
             ("ReLU обнуляет половину входов и уменьшает второй момент вдвое; чтобы это "
              "компенсировать, нужна удвоенная дисперсия 2/n_in.")),
        ],
    )


@replay_check
def relu_zero_probability(p_zero) -> str:
    """P(ReLU(w·x) = 0) for 10 iid N(0, 1) weights and a continuous x independent of w: 1/2."""
    return judge_number(
        p_zero, 0.5, name="p_zero", probability=True,
        success="z = Σ wᵢxᵢ симметрична относительно нуля и P(z = 0) = 0, поэтому "
                "ReLU(z) = 0 с вероятностью 1/2.",
        hint="Выход ReLU равен нулю, когда z = Σ wᵢxᵢ ≤ 0. Чем симметрично распределение z?",
        wrong=[
            (2.0 ** -N_FEATURES, ("Это вероятность того, что все 10 весов отрицательны. "
                                  "Здесь вход один, случайный: нужна P(z ≤ 0).")),
            (0.0, "Нулевой выход даёт любое отрицательное z, а не только z = 0."),
            (1.0, ("Положительные z проходят через ReLU без изменений, так что выход "
                   "нулевой не всегда.")),
        ],
    )


@replay_check
def relu_dead_probability(p_dead) -> str:
    """P(ReLU(w·x) = 0 for every x ≥ 0) for 10 iid N(0, 1) weights: all wᵢ ≤ 0, 2⁻¹⁰."""
    k = N_FEATURES
    return judge_number(
        p_dead, 2.0 ** -k, name="p_dead", probability=True, rounded=[0.001, 0.00098],
        success="Нейрон молчит при всех x ≥ 0 ровно тогда, когда все 10 весов отрицательны: "
                "(1/2)¹⁰ = 1/1024 ≈ 0.001.",
        hint="При x ≥ 0 выход равен нулю для всех входов, только если все wᵢ ≤ 0 (иначе "
             "возьмите x с единицей на месте положительного веса). Веса независимы, "
             "P(wᵢ < 0) = 1/2.",
        wrong=[
            (0.5, ("Это вероятность нулевого выхода при одном случайном входе. Здесь нейрон "
                   "должен молчать при всех неотрицательных входах сразу.")),
            (1 - 2.0 ** -k, ("Это вероятность противоположного события: хотя бы один вес "
                             "положителен.")),
            (0.5 / k, ("Веса независимы: вероятности того, что каждый из них отрицателен, "
                       "перемножаются.")),
            (2.0 ** -(k - 1), "Проверьте показатель степени: весов ровно 10."),
        ],
    )
