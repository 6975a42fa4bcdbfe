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
``simulated_spread(fn)``               function (rng, n, L, networks) → samples    statistical
                                       of log(‖x_L‖²/‖x_0‖²), ReLU + He
=====================================  ========================================  ============

The statistical check compares the sample variance of the student's samples with the exact
variance at the level ≤ 1e-6 (z = 5.5 standard errors) and the sample mean with the exact
mean; it also requires the samples to come from ``rng`` only.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special

from ..numerics import fluctuations as F
from .core import Check, CheckFailed, as_array, as_number, call_answer, check_number

__all__ = ["N", "DEPTH", "linear_drift", "linear_spread", "relu_spread", "simulated_spread"]

N = 64
DEPTH = 16


def _number(name):
    def probe(value):
        return {"value": as_number(value, name)}
    probe.__name__ = f"_probe_{name}"
    return probe


def _judge_number(name, expected, success, hint, wrong):
    def judge(data):
        check_number(data["value"], expected, name=name, success="", hint=hint,
                     wrong=wrong, rtol=1e-6)
        return success
    return judge


def _judge_silently(fn):
    def judge(data):
        import contextlib
        import io
        with contextlib.redirect_stdout(io.StringIO()):
            return fn(data)
    judge.__doc__ = fn.__doc__
    return judge


_DRIFT = float(special.digamma(N / 2) - math.log(N / 2))
linear_drift = Check(
    _number("drift"),
    _judge_silently(_judge_number(
        "drift", _DRIFT,
        "E log ρ = ψ(n/2) − log(n/2) ≈ −1/n − 1/(3n²): типичная сеть теряет около 1/n "
        "логарифма сигнала на слой.",
        "ρ = χ²_n/n; E log χ²_k = ψ(k/2) + log 2 (scipy.special.digamma).",
        [(-1 / N, "Это асимптотика −1/n; нужно точное значение через дигамма-функцию."),
         (0.0, "E ρ = 1, но E log ρ < 0 по неравенству Йенсена."),
         (float(special.digamma(N / 2) + math.log(2)),
          "Это E log χ²_n; не забудьте разделить на n: вычтите log n."),
         (float(special.digamma(N) - math.log(N)),
          "Аргумент дигамма-функции — n/2, а не n."),
         (-2 / N, "Это асимптотика для дисперсии со знаком минус; смещение ≈ −1/n.")])),
    name="linear_drift")

_VAR = DEPTH * float(special.polygamma(1, N / 2))
linear_spread = Check(
    _number("var_log"),
    _judge_silently(_judge_number(
        "var_log", _VAR,
        "Var log R_L = L·ψ'(n/2) ≈ 2L/n = 0,5: шаги независимы, дисперсии складываются.",
        "Шаги log ρ_l независимы; Var log χ²_k = ψ'(k/2) (scipy.special.polygamma(1, k/2)).",
        [(2 * DEPTH / N, "Это асимптотика 2L/n; нужно точное значение L·ψ'(n/2)."),
         (float(special.polygamma(1, N / 2)), "Это дисперсия одного слоя; слоёв L = 16."),
         (DEPTH ** 2 * float(special.polygamma(1, N / 2)),
          "Независимые дисперсии складываются: множитель L, а не L²."),
         (DEPTH * float(special.polygamma(1, N)), "Аргумент тригамма-функции — n/2, а не n."),
         (math.sqrt(_VAR), "Это стандартное отклонение; нужна дисперсия.")])),
    name="linear_spread")

_CASES = [[64] * 17, [32, 64, 128, 256, 512], [10, 10], [100] * 51, [7, 300, 3, 40]]


def _probe_relu_spread(fn):
    out = []
    for w in _CASES:
        res = call_answer(fn, "relu_spread", list(w))
        out.append(as_number(res, "relu_spread(widths)"))
    return {"values": out}


def _judge_relu_spread(data):
    vals = data["values"]
    for w, v in zip(_CASES, vals):
        beta = float(np.sum(1.0 / np.asarray(w[1:], float)))
        target = 5 * beta
        if math.isclose(v, target, rel_tol=1e-6):
            continue
        call = f"relu_spread({w})"
        if math.isclose(v, 5 * float(np.sum(1.0 / np.asarray(w, float))), rel_tol=1e-6):
            raise CheckFailed(f"Неверно: {call} = {v:.6g}. Ширина входа n_0 в сумму не "
                              "входит: β = Σ 1/n_l по выходам слоёв l = 1…L.")
        if math.isclose(v, 2 * beta, rel_tol=1e-6):
            raise CheckFailed(f"Неверно: {call} = {v:.6g}. Это константа линейной сети (2); "
                              "у ReLU с Хе дисперсия шага ≈ 5/n.")
        if math.isclose(v, 5 * (len(w) - 1) / w[-1], rel_tol=1e-6) or \
                math.isclose(v, 5 * (len(w) - 1) / w[0], rel_tol=1e-6):
            raise CheckFailed(f"Неверно: {call} = {v:.6g}. Ширины разные: нужна сумма "
                              "обратных ширин, а не L/n одного слоя.")
        if math.isclose(v, math.sqrt(target), rel_tol=1e-6):
            raise CheckFailed(f"Неверно: {call} = {v:.6g}. Это стандартное отклонение; "
                              "нужна дисперсия 5β.")
        raise CheckFailed(f"Неверно: {call} = {v:.6g}, а должно быть {target:.6g}. "
                          "При большой ширине Var log R_L ≈ 5·Σ_{l=1}^{L} 1/n_l.")
    return ("relu_spread(widths) = 5·Σ 1/n_l: разброс задаёт сумма обратных ширин, а не "
            "глубина.")


relu_spread = Check(_probe_relu_spread, _judge_relu_spread, name="relu_spread")

_SIM = dict(n=32, L=8, networks=4000)
_Z = 5.5          # two-sided normal tail 3.8e-8 per statistic; two statistics: < 1e-6


def _probe_simulated(fn):
    n, L, m = _SIM["n"], _SIM["L"], _SIM["networks"]
    a = call_answer(fn, "simulate_log_norms", np.random.default_rng(2024), n, L, m)
    arr = as_array(a, "simulate_log_norms(rng, 32, 8, 4000)")
    if arr.shape != (m,):
        raise CheckFailed(f"`simulate_log_norms(rng, {n}, {L}, {m})` вернула массив формы "
                          f"{arr.shape}, а нужна форма ({m},): по одному числу на сеть.")
    b = as_array(call_answer(fn, "simulate_log_norms", np.random.default_rng(2024), n, L, m),
                 "simulate_log_norms(rng, 32, 8, 4000)")
    return {"samples": arr.tolist(), "same": bool(np.array_equal(arr, b))}


def _judge_simulated(data):
    s = np.asarray(data["samples"], dtype=float)
    if not data["same"]:
        raise CheckFailed("Результат зависит не только от переданного генератора rng: два "
                          "вызова с одинаково инициализированным rng дали разные сети. Берите "
                          "случайные числа только из rng.")
    n, L = _SIM["n"], _SIM["L"]
    w = F.widths_of(n, L)
    mean = F.log_norm_moments(w, "relu")[0] + F.mean_log_gain(w, "relu", 2.0)
    var = F.log_norm_moments(w, "relu")[1]
    c = s - s.mean()
    m2 = float(np.mean(c * c))
    if m2 == 0.0:
        raise CheckFailed("Неверно: все сети дали одно и то же число. Веса каждой сети "
                          "должны быть своими случайными.")
    m4 = float(np.mean(c ** 4))
    se_var = math.sqrt(max(m4 - m2 * m2, 0.0) / s.size)
    se_mean = math.sqrt(m2 / s.size)
    if abs(s.mean() - mean) > _Z * se_mean:
        hint = ""
        no_top_relu = (F.log_norm_moments(F.widths_of(n, L - 1), "relu")[0]
                       + float(special.digamma(n / 2)) + math.log(2) + math.log(2 / n))
        if abs(s.mean() - (mean - L * math.log(2))) < _Z * se_mean:   # LeCun: ×1/2 per layer
            hint = " Похоже, дисперсия весов 1/n, а у Хе — 2/n."
        elif abs(s.mean() - (mean + math.log(n))) < _Z * se_mean:
            hint = " Похоже, вы не разделили ‖x_L‖² на ‖x_0‖² = n."
        elif abs(s.mean() - no_top_relu) < _Z * se_mean:
            hint = " Похоже, на последнем слое нет ReLU; она применяется на каждом слое."
        elif abs(s.mean() * math.log(10) - mean) < _Z * se_mean * math.log(10):
            hint = " Похоже, вы вернули десятичный логарифм; нужен натуральный (np.log)."
        raise CheckFailed(f"Неверно: среднее log(‖x_L‖²/‖x_0‖²) по сетям равно {s.mean():.4g}, "
                          f"а должно быть {mean:.4g} ± {_Z * se_mean:.2g}.{hint}")
    if abs(m2 - var) > _Z * se_var:
        raise CheckFailed(f"Неверно: дисперсия log(‖x_L‖²/‖x_0‖²) по сетям равна {m2:.4g}, а "
                          f"должна быть {var:.4g} ± {_Z * se_var:.2g}. Проверьте, что у каждой "
                          "сети свои веса на каждом слое и что ReLU применяется на каждом слое.")
    return (f"дисперсия {m2:.3f} при точной {var:.3f} (5·L/n = {5 * L / n:.3f}): "
            "моделирование подтверждает теорию.")


simulated_spread = Check(_probe_simulated, _judge_simulated, name="simulated_spread")
