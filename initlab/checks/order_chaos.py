"""Checks of the exercises «09. Порядок и хаос» (``exercises/09_order_chaos.ipynb``).

Each check is a :class:`initlab.checks.core.Check`: ``probe`` reads the student's answer
and returns plain data (a float, or a list of floats from calls of the student's
function), ``judge`` decides from that data alone and returns the success message or
raises :class:`CheckFailed` with a Russian explanation.

The numbers of the tasks (tanh network, σ_w² = 2.5, σ_b² = 0.05; critical σ_w² at
σ_b² = 0.3) are fixed here and stated in the notebook. The answers are computed by
quadrature, so a correct answer agrees with the package to a relative ``RTOL = 1e-5``;
the three-decimal values printed in the chapter (1,064; 1,134; 2,505) are near misses
and get «Почти верно: …» with the request to compute more digits.

=========================  ===========================================  ==========
check                      the answer                                    value
=========================  ===========================================  ==========
``q_star(q)``              fixed point of the length map                 1.06396
``chi1(chi)``              χ₁ = σ_w² E tanh'(√q* z)²                     1.13352
``critical_sw2(sw2)``      σ_w² with χ₁ = 1 at σ_b² = 0.3                2.50513
``length_map(fn)``         fn(q, sw2, sb2) = σ_w² E tanh(√q z)² + σ_b²   function
=========================  ===========================================  ==========

``length_map(fn, thorough=True)`` (the hidden test) tries four more (q, σ_w², σ_b²).
"""
from __future__ import annotations

from functools import cache

import numpy as np
from scipy.optimize import brentq

from ..numerics import meanfield as mf
from .core import Check, CheckFailed, as_number, call_answer

__all__ = ["RTOL", "SB2", "SB2_CRIT", "SW2", "chi1", "critical_sw2", "length_map", "q_star"]

SW2, SB2 = 2.5, 0.05
SB2_CRIT = 0.3
RTOL = 1e-5
NEAR = 0.02
# q <= 1.5: there 60 Gauss–Hermite nodes are accurate to 1e-7 (the tolerance is 1e-6)
MAP_CASES = [(1.0, 2.5, 0.05), (0.2, 1.0, 0.0), (1.5, 4.0, 1.0), (0.0, 1.5, 0.3),
             (1e-3, 1.0, 0.05)]
THOROUGH_CASES = [(0.5, 2.0, 0.5), (1e-6, 3.0, 0.0), (0.8, 0.7, 2.0), (1.2, 4.0, 0.05)]


def _fmt(x: float) -> str:
    """Six significant digits with a decimal comma (the course's Russian number format)."""
    return f"{x:.6g}".replace(".", ",")


def _q_fixed(sw2, sb2, scale=1.0, var=1.0):
    """Fixed point of q = σ_w² · scale · E tanh(√(var·q) z)² + σ_b² (scale, var ≠ 1: the
    physicists' Gauss–Hermite rule used without normalisation, Σ w = √π and z ~ N(0, ½))."""
    def gap(q):
        return sw2 * scale * float(mf.mean_sq("tanh", var * q)) + sb2 - q
    return brentq(gap, 1e-12, sw2 * scale + sb2 + 1.0)


def _hermgauss_variants():
    """(scale, var) of the three ways to misuse ``numpy.polynomial.hermite.hermgauss``:
    weights not divided by √π, nodes not multiplied by √2, or neither."""
    return ((np.sqrt(np.pi), 1.0), (1.0, 0.5), (np.sqrt(np.pi), 0.5))


HERMGAUSS_TEXT = ("Похоже, использованы узлы и веса `numpy.polynomial.hermite.hermgauss` "
                  "(«физическая» квадратура для веса e^{−x²}) без пересчёта: для "
                  "z ~ N(0, 1) узлы нужно умножить на √2, а веса разделить на √π "
                  "(или взять `hermite_e.hermegauss` и разделить веса на √(2π)).")


@cache
def _truth() -> dict:
    q = mf.fixed_point_q(SW2, SB2)
    return {"q_star": q, "chi1": mf.chi1(SW2, SB2), "critical": mf.critical_sigma_w2(SB2_CRIT)}


def _close(x, y, rtol):
    return abs(x - y) <= rtol * abs(y)


def _judge_number(x, expected, name, success, mistakes=(), hint=""):
    """Success text, or CheckFailed: a typical mistake's hint, a near miss, a wrong value."""
    if _close(x, expected, RTOL):
        return success
    for bad, text in mistakes:
        if np.isfinite(bad) and _close(x, bad, 1e-3):
            raise CheckFailed(f"Неверно: `{name}` = {_fmt(x)}. {text}")
    if _close(x, expected, NEAR):
        raise CheckFailed(
            f"Почти верно: `{name}` = {_fmt(x)} отличается от точного значения меньше чем на "
            "2 %, но больше допустимой погрешности (10⁻⁵ относительной). Видимо, это "
            "округлённое число или точности метода не хватает (метод Монте-Карло даже с "
            "миллионами точек, мало узлов квадратуры, поиск корня с грубым допуском): "
            "посчитайте математическое ожидание квадратурой Гаусса — Эрмита (60–100 "
            "узлов) и доведите итерации или поиск корня до сходимости (допуск 10⁻¹⁰)."
        )
    raise CheckFailed(f"Неверно: `{name}` = {_fmt(x)}. {hint}".rstrip())


def _probe_number(name):
    def probe(value):
        return {"value": as_number(value, name)}
    probe.__name__ = f"_probe_{name}"
    return probe


# --- task 1: q* ---------------------------------------------------------------------------

def _judge_q_star(data) -> str:
    """q* of the length map for tanh, σ_w² = 2.5, σ_b² = 0.05."""
    x = data["value"]
    t = _truth()
    no_square = SB2        # σ_w² E tanh(√q z) + σ_b² = σ_b² (E tanh = 0)
    no_bias = mf.fixed_point_q(SW2, 0.0)
    mistakes = [
        (no_square, ("Похоже, φ не возведена в квадрат: E tanh(√q z) = 0, и остаётся "
                     "только σ_b². В отображении длины стоит E φ(√q z)².")),
        (no_bias, ("Это неподвижная точка без смещения. Добавьте σ_b² = 0,05 к "
                   "σ_w² E tanh(√q z)².")),
        (float(mf.length_map(1.0, SW2, SB2)),
         ("Это один шаг отображения из q = 1, а нужна неподвижная точка: повторяйте "
          "q ← σ_w² E tanh(√q z)² + σ_b², пока q не перестанет меняться (или найдите "
          "корень q − f(q) = 0).")),
        (_q_fixed(SW2, np.sqrt(SB2)),
         "Похоже, к длине прибавлено σ_b = √0,05 вместо дисперсии смещения σ_b² = 0,05."),
        (_q_fixed(SW2, SB2 ** 2),
         ("Похоже, к длине прибавлено (σ_b²)² = 0,0025 вместо σ_b² = 0,05: в задаче дано "
          "уже σ_b² = 0,05.")),
        (_q_fixed(np.sqrt(SW2), SB2),
         "Похоже, вместо σ_w² = 2,5 взято σ_w = √2,5: в отображении длины стоит σ_w²."),
    ] + [(_q_fixed(SW2, SB2, a, v), HERMGAUSS_TEXT) for a, v in _hermgauss_variants()]
    return _judge_number(
        x, t["q_star"], "q", mistakes=mistakes,
        success=f"q* = {_fmt(t['q_star'])}: длина предактиваций, к которой сходится "
                "любая начальная длина за пару слоёв.",
        hint="Неподвижная точка решает q = σ_w² E tanh(√q z)² + σ_b², z ~ N(0, 1). "
             "Итерируйте отображение с q = 1 несколько десятков раз.")


q_star = Check(_probe_number("q"), _judge_q_star, name="q_star")


# --- task 2: χ₁ ---------------------------------------------------------------------------

def _judge_chi1(data) -> str:
    """χ₁ = σ_w² E tanh'(√q* z)² at the q* of task 1."""
    x = data["value"]
    t = _truth()
    qs = t["q_star"]
    d1 = float(mf._e1(lambda u: 1 - np.tanh(u) ** 2, qs))     # E tanh' without the square
    mistakes = [
        (SW2 * float(mf.mean_dsq("tanh", 1.0)),
         "Это χ₁ при q = 1, а производную нужно брать в неподвижной точке q* из задачи 1."),
        (SW2 * d1, "Производная не возведена в квадрат: χ₁ = σ_w² E tanh'(√q* z)²."),
        (float(mf.mean_dsq("tanh", qs)), "Не забудьте множитель σ_w² = 2,5."),
        (SW2, ("Это σ_w² · tanh'(0)² — значение при q* = 0. Здесь q* > 0, и среднее "
               "берётся по z ~ N(0, 1).")),
        (SW2 * float(mf.mean_dsq("tanh", _q_fixed(SW2, np.sqrt(SB2)))),
         "Похоже, q* найдена с σ_b = √0,05 вместо σ_b² = 0,05."),
        (np.sqrt(SW2) * float(mf.mean_dsq("tanh", _q_fixed(np.sqrt(SW2), SB2))),
         "Похоже, вместо σ_w² = 2,5 взято σ_w = √2,5: χ₁ = σ_w² E tanh'(√q* z)²."),
    ] + [(SW2 * a * float(mf.mean_dsq("tanh", v * _q_fixed(SW2, SB2, a, v))), HERMGAUSS_TEXT)
         for a, v in _hermgauss_variants()]
    return _judge_number(
        x, t["chi1"], "chi", mistakes=mistakes,
        success=f"χ₁ = {_fmt(t['chi1'])} > 1: сеть в фазе хаоса — близкие входы "
                "расходятся, а квадрат нормы градиента растёт примерно на 13 % за слой.",
        hint="χ₁ = σ_w² E tanh'(√q* z)², tanh'(u) = 1 − tanh²(u), q* — из задачи 1.")


chi1 = Check(_probe_number("chi"), _judge_chi1, name="chi1")


# --- task 3: the critical σ_w² --------------------------------------------------------------

def _judge_critical(data) -> str:
    """σ_w² on the edge of chaos for σ_b² = 0.3."""
    x = data["value"]
    t = _truth()
    q1 = 1.0 / float(mf.mean_dsq("tanh", 1.0))            # χ₁ = 1 with q frozen at 1
    q0 = 1.0                                             # the σ_b = 0 answer
    mistakes = [
        (q1, ("Так получается, если держать q = 1. Но q* зависит от σ_w²: при каждом "
              "пробном σ_w² сначала найдите q*(σ_w², σ_b²), потом χ₁.")),
        (q0, "σ_w² = 1 — граница при σ_b = 0. Со смещением σ_b² = 0,3 граница выше."),
        (float(mf.critical_sigma_w2(SB2)),
         ("Это граница при σ_b² = 0,05 (задачи 1 и 2), а здесь σ_b² = 0,3. Проверьте, что "
          "функция берёт σ_b² из своего аргумента, а не из глобальной переменной.")),
    ]
    return _judge_number(
        x, t["critical"], "sw2_crit", mistakes=mistakes,
        success=f"σ_w² = {_fmt(t['critical'])}: при σ_b² = 0,3 граница хаоса лежит заметно "
                "выше Ксавье (σ_w² = 1).",
        hint="Решите χ₁(σ_w²) = 1, например scipy.optimize.brentq на отрезке [1, 5]; "
             "внутри функции для каждого σ_w² заново найдите q*.")


critical_sw2 = Check(_probe_number("sw2_crit"), _judge_critical, name="critical_sw2")


# --- task 4: the length map as a function ------------------------------------------------

def _probe_length_map(fn, *, thorough: bool = False) -> dict:
    values = []
    cases = MAP_CASES + (THOROUGH_CASES if thorough else [])
    for q, sw2, sb2 in cases:
        out = call_answer(fn, "length_map", q, sw2, sb2)
        values.append(as_number(out, f"length_map({q}, {sw2}, {sb2})"))
    return {"cases": [list(c) for c in cases], "values": values}


def _judge_length_map(data) -> str:
    """fn(q, sw2, sb2) = σ_w² E tanh(√q z)² + σ_b² on ``MAP_CASES``."""
    for (q, sw2, sb2), got in zip(data["cases"], data["values"]):
        want = float(mf.length_map(q, sw2, sb2))
        if _close(got, want, 1e-6):
            continue
        call = f"length_map({q}, {sw2}, {sb2})"
        if _close(got, sw2 * float(mf.mean_sq("tanh", q)), 1e-6) and sb2 > 0:
            raise CheckFailed(f"Неверно: {call} = {_fmt(got)}. Не хватает смещения: "
                              "прибавьте σ_b².")
        if q > 0 and _close(got, sw2 * float(mf._e1(lambda u: np.tanh(u) ** 2, q * q)) + sb2,
                            1e-6):
            raise CheckFailed(f"Неверно: {call} = {_fmt(got)}. Под tanh должно стоять "
                              "√q · z (q — дисперсия), а не q · z.")
        if (sw2, sb2) != (SW2, SB2) and _close(got, float(mf.length_map(q, SW2, SB2)), 1e-6):
            raise CheckFailed(f"Неверно: {call} = {_fmt(got)}. Функция, похоже, берёт "
                              "σ_w² = 2,5 и σ_b² = 0,05 из глобальных переменных, а не из "
                              "своих аргументов sw2 и sb2.")
        if _close(got, want, NEAR):
            raise CheckFailed(f"Почти верно: {call} = {_fmt(got)}, а должно быть "
                              f"{_fmt(want)}. Возьмите больше узлов квадратуры (или "
                              "квадратуру вместо метода Монте-Карло).")
        raise CheckFailed(f"Неверно: {call} = {_fmt(got)}, а должно быть {_fmt(want)}. "
                          "Отображение длины: σ_w² E tanh(√q z)² + σ_b², z ~ N(0, 1).")
    return ("Функция считает отображение длины, в том числе при q = 0 и при больших "
            "σ_w² и σ_b².")


length_map = Check(_probe_length_map, _judge_length_map, name="length_map")
