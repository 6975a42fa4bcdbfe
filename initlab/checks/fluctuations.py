"""Checks of the exercises «08. Одна сеть против средней» (``exercises/08_fluctuations.ipynb``).

Every check is a ``core.Check(probe, judge)``: the probe reads the student's answer and
returns plain data (or raises ``CheckFailed`` for a missing or malformed answer), the judge
decides from that data alone. Numbers of the tasks (stated in the notebook):

=====================================  ========================================  ============
check                                  the answer                                 value
=====================================  ========================================  ============
``linear_drift(drift)``                E log ρ, one linear layer of width n = 64  ψ(32) − log 32
``linear_spread(var_log)``             Var log R_L, linear, L = 16, n = 64         16 ψ'(32)
``relu_spread(widths_fn)``             function widths → Var log R_L (ReLU, He),  5·Σ 1/n_l
                                       large-width approximation                   (rtol 1e-6)
``relu_spread_hidden(widths_fn)``      the same on other widths (hidden test)      5·Σ 1/n_l
``simulated_spread(fn)``               function (rng, n, L, networks) → samples    statistical
                                       of log(‖x_L‖²/‖x_0‖²), ReLU + He
=====================================  ========================================  ============

Tasks 1 and 2 accept the exact formula in float64 (rel 1e-12) and in float32 (absolute
5e-7 × the size of the cancelling terms); the asymptotic expansions (one, two, three terms)
are rejected with «В задаче нужно точное значение» even where they agree with the exact
value better than float32 rounding, because they are tested first at rel 1e-9. Numbers in
the messages use the decimal comma and the true minus (``_num``).

The statistical check compares the sample variance of the student's samples with the exact
variance at the level ≤ 1e-6 (z = 5.5 standard errors) and the sample mean with the exact
mean; it also requires the samples to come from ``rng`` only.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special

from ..numerics import fluctuations as F
from .core import Check, CheckFailed, as_array, as_number, call_answer

__all__ = [
    "DEPTH",
    "N",
    "linear_drift",
    "linear_spread",
    "relu_spread",
    "relu_spread_hidden",
    "simulated_spread",
]

N = 64
DEPTH = 16


def _num(x: float, digits: int = 6) -> str:
    """A number in the course's style: decimal comma and a true minus sign."""
    text = f"{float(x):.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{mant}·10^{int(exp)}"
    return text.replace("-", "−").replace(".", ",")


def _number(name):
    def probe(value):
        return {"value": as_number(value, name)}
    probe.__name__ = f"_probe_{name}"
    return probe


_EXACT = 1e-12     # a float64 evaluation of the exact formula
_FLOAT32 = 5e-7    # relative, to |expected| + the scale of the cancelling terms (see below)


def _judge_exact(name, expected, success, hint, wrong, asymptotics, scale):
    """Accept the exact value (float64: rel 1e-12); reject the named asymptotic expansions
    (they agree with the exact value to ~1e-8 at n = 64, closer than float32 rounding);
    then accept float32-level errors of the exact formula: |x − expected| ≤ 5e-7·scale,
    ``scale`` the size of the terms that cancel (ψ(n/2) and log(n/2) ≈ 3,5 for task 1).
    Typical mistakes ``wrong`` get their hints; a value within 2 % «Почти верно»."""
    def judge(data):
        x = data["value"]
        if abs(x - expected) <= _EXACT * abs(expected):
            return success
        for bad, text in asymptotics:
            if abs(x - bad) <= 1e-9 * abs(bad):
                raise CheckFailed(f"Неверно: `{name}` = {_num(x)}. {text}")
        if abs(x - expected) <= _FLOAT32 * scale:
            return success
        for bad, text in wrong:
            if abs(x - bad) <= 1e-6 * abs(bad):
                raise CheckFailed(f"Неверно: `{name}` = {_num(x)}. {text}")
        if abs(x - expected) <= 0.02 * abs(expected):
            raise CheckFailed(
                f"Почти верно, но неточно: `{name}` = {_num(x)} — видимо, это округлённое "
                "значение. Запишите ответ точной формулой (через special.digamma, "
                "special.polygamma, math.log), а не десятичной дробью.")
        raise CheckFailed(f"Неверно: `{name}` = {_num(x)}. {hint}")
    return judge


_EXACT_ASKED = "В задаче нужно точное значение"
_DRIFT = float(special.digamma(N / 2) - math.log(N / 2))
linear_drift = Check(
    _number("drift"),
    _judge_exact(
        "drift", _DRIFT,
        "E log ρ = ψ(n/2) − log(n/2) ≈ −1/n − 1/(3n²): типичная сеть теряет около 1/n "
        "логарифма сигнала на слой.",
        "ρ = χ²_n/n; E log χ²_k = ψ(k/2) + log 2 (scipy.special.digamma).",
        [(0.0, "E ρ = 1, но E log ρ < 0 по неравенству Йенсена."),
         (float(special.digamma(N / 2) + math.log(2)),
          "Это E log χ²_n; не забудьте разделить на n: вычтите log n."),
         (float(special.digamma(N) - math.log(N)),
          "Аргумент дигамма-функции — n/2, а не n."),
         (-2 / N, "Это асимптотика для дисперсии со знаком минус; дрейф ≈ −1/n."),
         (_DRIFT / math.log(10), ("Похоже, это десятичный логарифм; нужен натуральный "
                                  "(math.log, np.log)."))],
        [(-1 / N, f"Это асимптотика −1/n. {_EXACT_ASKED} через дигамма-функцию."),
         (-1 / N - 1 / (3 * N ** 2),
          (f"Это асимптотика −1/n − 1/(3n²). {_EXACT_ASKED} ψ(n/2) − log(n/2) через "
           "дигамма-функцию (special.digamma)."))],
        scale=math.log(N / 2)),
    name="linear_drift")

_TRI = float(special.polygamma(1, N / 2))
_VAR = DEPTH * _TRI
linear_spread = Check(
    _number("var_log"),
    _judge_exact(
        "var_log", _VAR,
        "Var log R_L = L·ψ'(n/2) ≈ 2L/n = 0,5: шаги независимы, дисперсии складываются.",
        "Шаги log ρ_l независимы; Var log χ²_k = ψ'(k/2) (scipy.special.polygamma(1, k/2)).",
        [(_TRI, "Это дисперсия одного слоя; слоёв L = 16."),
         (DEPTH ** 2 * _TRI, "Независимые дисперсии складываются: множитель L, а не L²."),
         (DEPTH * float(special.polygamma(1, N)), "Аргумент тригамма-функции — n/2, а не n."),
         (math.sqrt(_VAR), "Это стандартное отклонение; нужна дисперсия."),
         ((DEPTH - 1) * _TRI, ("Это L − 1 слоёв; шагов блуждания столько же, сколько слоёв: "
                               "L = 16.")),
         (_VAR / math.log(10) ** 2, ("Похоже, это дисперсия десятичного логарифма; нужен "
                                     "натуральный (множитель (ln 10)² лишний)."))],
        [(2 * DEPTH / N, f"Это асимптотика 2L/n. {_EXACT_ASKED} L·ψ'(n/2)."),
         (2 * DEPTH / N + 2 * DEPTH / N ** 2,
          (f"Это асимптотика 2L/n + 2L/n². {_EXACT_ASKED} L·ψ'(n/2) через тригамма-функцию "
           "(special.polygamma(1, n/2)).")),
         (2 * DEPTH / N + 2 * DEPTH / N ** 2 + 4 * DEPTH / (3 * N ** 3),
          (f"Это асимптотика 2L/n + 2L/n² + 4L/(3n³). {_EXACT_ASKED} L·ψ'(n/2) через "
           "тригамма-функцию (special.polygamma(1, n/2))."))],
        scale=_VAR),
    name="linear_spread")

_CASES = [[64] * 17, [32, 64, 128, 256, 512], [10, 10], [100] * 51, [7, 300, 3, 40]]
_HIDDEN_CASES = [[10, 20, 40], [3, 5, 7, 9, 11], [1000, 1]]


def _make_probe_relu_spread(cases):
    def probe(fn):
        out = []
        for w in cases:
            res = call_answer(fn, "relu_spread", list(w))
            out.append(as_number(res, "relu_spread(widths)"))
        return {"cases": [list(w) for w in cases], "values": out}
    probe.__name__ = "_probe_relu_spread"
    return probe


def _judge_relu_spread(data):
    vals = data["values"]
    for w, v in zip(data["cases"], vals):
        beta = float(np.sum(1.0 / np.asarray(w[1:], float)))
        target = 5 * beta
        if math.isclose(v, target, rel_tol=1e-6):
            continue
        call = f"relu_spread({w})"
        if math.isclose(v, 5 * float(np.sum(1.0 / np.asarray(w, float))), rel_tol=1e-6):
            raise CheckFailed(f"Неверно: {call} = {_num(v)}. Ширина входа n_0 в сумму не "
                              "входит: β = Σ 1/n_l по выходам слоёв l = 1…L.")
        if math.isclose(v, 5 * float(np.sum(1.0 / np.asarray(w[:-1], float))), rel_tol=1e-6):
            raise CheckFailed(f"Неверно: {call} = {_num(v)}. Это сумма по входам слоёв "
                              "n_0…n_{L−1} (widths[:-1]); шаг слоя l задаёт его выход: "
                              "β = Σ 1/n_l по l = 1…L (widths[1:]).")
        if math.isclose(v, 2 * beta, rel_tol=1e-6):
            raise CheckFailed(f"Неверно: {call} = {_num(v)}. Это константа линейной сети (2); "
                              "у ReLU с Хе дисперсия шага ≈ 5/n.")
        if math.isclose(v, 5 * (len(w) - 1) / w[-1], rel_tol=1e-6) or \
                math.isclose(v, 5 * (len(w) - 1) / w[0], rel_tol=1e-6):
            raise CheckFailed(f"Неверно: {call} = {_num(v)}. Ширины разные: нужна сумма "
                              "обратных ширин, а не L/n одного слоя.")
        if math.isclose(v, math.sqrt(target), rel_tol=1e-6):
            raise CheckFailed(f"Неверно: {call} = {_num(v)}. Это стандартное отклонение; "
                              "нужна дисперсия 5β.")
        raise CheckFailed(f"Неверно: {call} = {_num(v)}, а должно быть {_num(target)}. "
                          "При большой ширине Var log R_L ≈ 5·Σ_{l=1}^{L} 1/n_l.")
    return ("relu_spread(widths) = 5·Σ 1/n_l: разброс задаёт сумма обратных ширин, а не "
            "глубина.")


relu_spread = Check(_make_probe_relu_spread(_CASES), _judge_relu_spread, name="relu_spread")
#: the hidden test of the master notebook: other widths, the same judge and messages
relu_spread_hidden = Check(_make_probe_relu_spread(_HIDDEN_CASES), _judge_relu_spread,
                           name="relu_spread_hidden")

_SIM = {"n": 32, "L": 8, "networks": 4000}
_Z = 5.5          # two-sided normal tail 3.8e-8 per statistic; two statistics: < 1e-6


_SMALL = 200      # networks of the two extra calls that test the use of ``rng``


def _probe_simulated(fn):
    n, L, m = _SIM["n"], _SIM["L"], _SIM["networks"]
    a = call_answer(fn, "simulate_log_norms", np.random.default_rng(2024), n, L, m)
    arr = as_array(a, "simulate_log_norms(rng, 32, 8, 4000)")
    if arr.shape != (m,):
        raise CheckFailed(f"`simulate_log_norms(rng, {n}, {L}, {m})` вернула массив формы "
                          f"{arr.shape}, а нужна форма ({m},): по одному числу на сеть.")
    k = _SMALL
    b = as_array(call_answer(fn, "simulate_log_norms", np.random.default_rng(2024), n, L, k),
                 f"simulate_log_norms(rng, 32, 8, {k})")
    c = as_array(call_answer(fn, "simulate_log_norms", np.random.default_rng(2025), n, L, k),
                 f"simulate_log_norms(rng, 32, 8, {k})")
    b2 = as_array(call_answer(fn, "simulate_log_norms", np.random.default_rng(2024), n, L, k),
                  f"simulate_log_norms(rng, 32, 8, {k})")
    return {"samples": arr.tolist(), "same": bool(np.array_equal(b, b2)),
            "differ": bool(b.shape != c.shape or not np.array_equal(b, c))}


def _judge_simulated(data):
    """Mean and variance of the student's 4000 samples against the exact values (z = 5,5).

    Limitation (stated, not hidden): only the first two moments of log R_L are compared, so
    weights of another law with the variance 2/n (e.g. uniform) pass: at n = 32, L = 8 their
    effect on these moments is far below the standard errors of 4000 networks.
    Each hint needs both the mean and the variance of its hypothesis (z = 5,5), so that,
    e.g., the same W on every layer is not taken for a ×½ or ×1/ln 10 error.
    Hints, tested in this order: rng ignored or not reproducible; log‖x_L‖ instead of
    log‖x_L‖² (×½); LeCun variance 1/n; the variance written as the sd, rng.normal(0, 2/n);
    no division by ‖x_0‖²; no ReLU on the top layer; a decimal logarithm (×1/ln 10).
    """
    s = np.asarray(data["samples"], dtype=float)
    if not data["same"]:
        raise CheckFailed("Результат зависит не только от переданного генератора rng: два "
                          "вызова с одинаково инициализированным rng дали разные сети. Берите "
                          "случайные числа только из rng.")
    if not data.get("differ", True):
        raise CheckFailed("Результат не зависит от переданного генератора rng: с разными rng "
                          "получились одни и те же сети. Берите случайные числа из rng, "
                          "а не из своего генератора (np.random.default_rng(…) внутри "
                          "функции).")
    n, L = _SIM["n"], _SIM["L"]
    w = F.widths_of(n, L)
    mean = F.log_norm_moments(w, "relu")[0] + F.mean_log_gain(w, "relu", 2.0)
    var = F.log_norm_moments(w, "relu")[1]
    if not np.all(np.isfinite(s)):
        raise CheckFailed("Среди чисел есть NaN или бесконечности: у сети с нулевым сигналом "
                          "log 0 = −inf. При n = 32 такого быть не должно — проверьте веса.")
    c = s - s.mean()
    m2 = float(np.mean(c * c))
    if m2 == 0.0:
        raise CheckFailed("Неверно: все сети дали одно и то же число. Веса каждой сети "
                          "должны быть своими случайными.")
    m4 = float(np.mean(c ** 4))
    se_var = math.sqrt(max(m4 - m2 * m2, 0.0) / s.size)
    se_mean = math.sqrt(m2 / s.size)
    got = float(s.mean())

    def near(target, target_var=None):
        """The mean matches ``target`` (and the variance ``target_var``, when given)."""
        return abs(got - target) < _Z * se_mean and (
            target_var is None or abs(m2 - target_var) < _Z * se_var)

    if not near(mean):
        no_top_relu = (F.log_norm_moments(F.widths_of(n, L - 1), "relu")[0]
                       + float(special.digamma(n / 2)) + math.log(2) + math.log(2 / n))
        if near(mean / 2, var / 4):
            hint = (" Похоже, вы вернули log(‖x_L‖/‖x_0‖) — логарифм длины, а нужен логарифм "
                    "её квадрата: в два раза больше.")
        elif near(mean - L * math.log(2), var):            # LeCun: ×1/2 per layer
            hint = " Похоже, дисперсия весов 1/n, а у Хе — 2/n."
        elif near(mean + L * math.log(2 / n), var):        # sd = 2/n: variance 4/n² = (2/n)·(2/n)
            hint = (" Похоже, дисперсия записана вместо стандартного отклонения: "
                    "rng.normal(0, 2/n) задаёт ст. отклонение 2/n, а нужно "
                    "rng.normal(0, np.sqrt(2/n)).")
        elif near(mean + math.log(n), var):
            hint = " Похоже, вы не разделили ‖x_L‖² на ‖x_0‖² = n."
        elif near(no_top_relu):
            hint = " Похоже, на последнем слое нет ReLU; она применяется на каждом слое."
        elif near(mean / math.log(10), var / math.log(10) ** 2):
            hint = " Похоже, вы вернули десятичный логарифм; нужен натуральный (np.log)."
        else:
            hint = (" Проверьте дисперсию весов 2/n, ReLU на каждом слое и то, что у каждой "
                    "сети свои веса на каждом слое.")
        raise CheckFailed(f"Неверно: среднее log(‖x_L‖²/‖x_0‖²) по сетям равно {_num(got, 4)}, "
                          f"а должно быть {_num(mean, 4)} ± {_num(_Z * se_mean, 2)}.{hint}")
    if abs(m2 - var) > _Z * se_var:
        raise CheckFailed(f"Неверно: дисперсия log(‖x_L‖²/‖x_0‖²) по сетям равна {_num(m2, 4)}, "
                          f"а должна быть {_num(var, 4)} ± {_num(_Z * se_var, 2)}. Проверьте, "
                          "что у каждой сети свои веса на каждом слое и что ReLU применяется "
                          "на каждом слое.")
    return (f"дисперсия {_num(m2, 3)} при точной {_num(var, 3)} "
            f"(5·L/n = {_num(5 * L / n, 3)}): моделирование подтверждает теорию.")


simulated_spread = Check(_probe_simulated, _judge_simulated, name="simulated_spread")
