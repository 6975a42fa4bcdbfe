"""Checks of the exercise «11. Инициализация остаточных сетей и LSUV»
(``exercises/11_residual_init.ipynb``).

Each check is a :class:`initlab.checks.core.Check`: ``probe`` reads the student's answer and
returns plain data, ``judge`` decides from that data alone (Russian message or
``CheckFailed``).

======================================  ==========================================  ==========
check                                   the answer                                    value
======================================  ==========================================  ==========
``residual_variance(ratio)``            Var x_L / Var x_0, L = 10 He blocks             2¹⁰
``scaled_variance(ratio_scaled)``       the same with the branch scaled by 1/√L         1.1¹⁰
``leaky_gain(gain)``                    gain of leaky ReLU, α = 0.2                   √(2/1.04)
``lsuv(fn)``                            LSUV for the course's MLP                     simulation
======================================  ==========================================  ==========
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from ..numerics.spectra import haar_orthogonal
from .core import Check, CheckFailed, _close, _fmt, as_number, call_answer

__all__ = [
    "DEPTH",
    "LEAKY_ALPHA",
    "leaky_gain",
    "lsuv",
    "residual_variance",
    "scaled_variance",
]

DEPTH = 10
LEAKY_ALPHA = 0.2


def _comma(x: float, digits: int) -> str:
    return f"{x:.{digits}f}".replace(".", ",")


def _probe_number(name):
    def probe(value):
        return {"x": as_number(value, name)}
    probe.__name__ = f"_probe_{name}"
    return probe


def _judge_number(x, expected, name, success, hint, wrong=(), near=0.02, rtol=1e-6):
    if _close(x, expected, rtol, 0.0):
        return success
    for bad, bad_hint in wrong:
        if _close(x, bad, 1e-6, 0.0):
            raise CheckFailed(f"Неверно: `{name}` = {_fmt(x)}. {bad_hint}")
    if _close(x, expected, near, 0.0):
        raise CheckFailed(
            f"Почти верно, но неточно: `{name}` = {_fmt(x)} — видимо, это округлённое "
            "значение. Запишите ответ точной формулой (через ** или math.sqrt), а не "
            "десятичной дробью.")
    raise CheckFailed(f"Неверно: `{name}` = {_fmt(x)}. {hint}")


def _judge_residual(data) -> str:
    """Var x_L/Var x_0 = 2^L for L = 10 variance-preserving branches."""
    L = DEPTH
    return _judge_number(
        data["x"], 2.0 ** L, "ratio",
        success=f"Каждый блок удваивает дисперсию: Var x_(l+1) = Var x_l + Var F(x_l), "
                f"и через {L} блоков она растёт в 2¹⁰ = {2 ** L} раза.",
        hint="Слагаемые x_l и F(x_l) некоррелированы (у W2 нулевое среднее), поэтому их "
             "дисперсии складываются.",
        wrong=[(2.0 * L, ("Дисперсия умножается на 2 на каждом блоке, а не прибавляет 2: "
                         "множители перемножаются.")),
               (L + 1.0, ("Var F(x_l) равна Var x_l, а не Var x_0: ветвь видит уже выросший "
                         "сигнал, поэтому рост геометрический, а не линейный.")),
               (3.0 ** L, ("Множитель 3 получится, если и W2 инициализировать по Хе "
                          "(n·Var W2 = 2). В задаче ветвь сохраняет дисперсию: множитель 2.")),
               (1.0, ("Это сеть без обходной связи (или с нулевой ветвью). С обходной связью "
                     "дисперсии x_l и F(x_l) складываются.")),
               (2.0 ** (L - 1), (f"Это 2^(L − 1): блоков L = {L}, и удвоение происходит в "
                                "каждом из них, включая первый.")),
               (2.0 ** (L + 1), (f"Это 2^(L + 1): блоков L = {L}, лишнее удвоение — "
                                "x_0 это вход сети, а не выход блока."))])


def _judge_scaled(data) -> str:
    """(1 + 1/L)^L for L = 10."""
    L = DEPTH
    return _judge_number(
        data["x"], (1.0 + 1.0 / L) ** L, "ratio_scaled",
        success=f"(1 + 1/L)^L = 1,1¹⁰ ≈ {_comma((1.1) ** 10, 4)}: при любой глубине меньше "
                "e ≈ 2,718 — дисперсия ограничена.",
        hint="С множителем α = 1/√L дисперсия ветви умножается на α² = 1/L: "
             "Var x_(l+1) = (1 + 1/L) Var x_l.",
        near=0.005,
        wrong=[(math.e, "Это предел (1 + 1/L)^L при L → ∞, а в задаче L = 10."),
               (2.0, ("1/√L умножает стандартное отклонение ветви; её дисперсия делится "
                     "на L, и множитель каждого блока — (1 + 1/L).")),
               ((1 + 1 / math.sqrt(L)) ** L, ("Дисперсия ветви умножается на α² = 1/L, "
                                             "а не на α = 1/√L.")),
               (2.0 ** L, "Это рост без масштабирования ветви."),
               ((1.0 + 1.0 / L) ** (L - 1), (f"Это (1 + 1/L)^(L − 1): множитель (1 + 1/L) "
                                            f"даёт каждый из L = {L} блоков, включая первый.")),
               ((1.0 + 1.0 / L) ** (L + 1), (f"Это (1 + 1/L)^(L + 1): блоков L = {L}, "
                                            "множителей столько же, а не на один больше."))])


def _judge_gain(data) -> str:
    a = LEAKY_ALPHA
    g = math.sqrt(2.0 / (1.0 + a * a))
    return _judge_number(
        data["x"], g, "gain",
        success=f"E f(z)² = (1 + α²)/2 · Var z, поэтому Var w = 2/((1 + α²)·n_in) и "
                f"усиление √(2/(1 + α²)) ≈ {_comma(g, 4)}.",
        hint="Найдите E f(z)² для z ~ N(0, σ²): половина массы даёт z², другая — α²z².",
        wrong=[(2.0 / (1 + a * a), ("Это квадрат усиления (множитель дисперсии); "
                                   "усиление умножает стандартное отклонение.")),
               (-g, "Модуль верный, но усиление берут положительным: g > 0."),
               (math.sqrt(2.0), ("Это усиление для ReLU (α = 0). Отрицательная полуось "
                                "ReLU с утечкой тоже вносит вклад α²z².")),
               (math.sqrt(2.0 / (1.0 + 0.01 ** 2)), (
                   f"Это усиление при α = 0,01 (значение по умолчанию в PyTorch), а в "
                   f"задаче α = {_comma(a, 1)}, а не 0,01.")),
               (math.sqrt(2.0 / (1 + a)), "В E f(z)² входит квадрат наклона: α², а не α."),
               (math.sqrt((1 + a * a) / 2.0), (
                   "Дробь перевёрнута: условие n_in·Var w·E f(z)² = Var z даёт "
                   "g² = 2/(1 + α²), а не (1 + α²)/2.")),
               (math.sqrt(1 + a * a), (
                   "Это √(1 + α²): потерян множитель 1/2 (каждая полуось — половина массы "
                   "z) и дробь перевёрнута. Условие n_in·Var w·E f(z)² = Var z даёт "
                   "g² = 2/(1 + α²)."))])


residual_variance = Check(_probe_number("ratio"), _judge_residual, name="residual_variance")
scaled_variance = Check(_probe_number("ratio_scaled"), _judge_scaled, name="scaled_variance")
leaky_gain = Check(_probe_number("gain"), _judge_gain, name="leaky_gain")


# --- LSUV ---------------------------------------------------------------------------------

_CASES = [("tanh", (32, 64, 64, 64, 10), 1), ("relu", (32, 64, 64, 64, 10), 2)]
_THOROUGH = [("tanh", (16, 128, 32, 96, 5), 3), ("relu", (48, 48, 48, 48, 48, 3), 4)]


def _case(act, sizes, seed):
    rng = np.random.default_rng(seed)
    params = [{"A": haar_orthogonal(rng, max(m, n))[:m, :n], "b": np.zeros(n)}
              for m, n in itertools.pairwise(sizes)]
    X = rng.standard_normal((256, sizes[0])) * 3.0
    return params, X


def _preacts(params, X, act):
    f = np.tanh if act == "tanh" else (lambda z: np.maximum(z, 0.0))
    x, out = X, []
    for i, p in enumerate(params):
        z = x @ p["A"] + p["b"]
        out.append(z)
        x = f(z) if i < len(params) - 1 else z
    return out


def _call_lsuv(fn, params, X, act):
    """``call_answer`` with the arguments summarised (shapes, act) in its error message
    instead of the reprs of the arrays."""
    try:
        return call_answer(fn, "lsuv_init", params, X, act)
    except CheckFailed as e:
        msg, head, tail = str(e), "При вызове `", "` возникла ошибка"
        if not (msg.startswith(head) and tail in msg):
            raise
        shapes = ", ".join("×".join(map(str, np.shape(p["A"]))) for p in params)
        short = (f"lsuv_init(params, X, act) — слоёв {len(params)}, матрицы A {shapes}, "
                 f"X {'×'.join(map(str, X.shape))}, act = '{act}'")
        raise CheckFailed(head + short + msg[msg.index(tail):]) from None


def _probe_lsuv(fn, thorough: bool = False):
    runs = []
    for act, sizes, seed in _CASES + (_THOROUGH if thorough else []):
        params, X = _case(act, sizes, seed)
        orig = [p["A"].copy() for p in params]
        res = _call_lsuv(fn, [dict(p) for p in params], X, act)
        try:
            new = [np.asarray(p["A"], dtype=float) for p in res]
            bias = [np.asarray(p["b"], dtype=float) for p in res]
        except Exception:  # noqa: BLE001 — any malformed answer gets the message
            raise CheckFailed("`lsuv_init` должна вернуть список словарей {'A': …, 'b': …} "
                              "— параметры сети той же структуры, что и на входе.") from None
        if len(new) != len(orig) or any(a.shape != o.shape for a, o in zip(new, orig)):
            raise CheckFailed("`lsuv_init` вернула параметры другой формы: число слоёв и "
                              "формы матриц A должны остаться прежними.")
        if not all(np.all(np.isfinite(a)) for a in new):
            raise CheckFailed("`lsuv_init` вернула NaN или бесконечные веса.")
        cos = [float(np.sum(a * o) / (np.linalg.norm(a) * np.linalg.norm(o) + 1e-300))
               for a, o in zip(new, orig)]
        zs = _preacts([{"A": a, "b": b} for a, b in zip(new, bias)], X, act)
        runs.append({"act": act, "sizes": list(sizes), "cos": cos,
                     "vars": [float(np.var(z)) for z in zs],
                     "unit_vars": [float(np.var(z, axis=0).mean()) for z in zs],
                     "m2": [float(np.mean(z * z)) for z in zs]})
    return {"runs": runs}


def _unit(vs) -> bool:
    return all(abs(v - 1.0) <= 0.02 for v in vs)


def _judge_lsuv(data) -> str:
    """Every layer's output variance 1 (±2 %) on the batch, weights only rescaled. The
    variance over all entries (``np.var(z)``) or the mean of the per-neuron variances
    (``np.var(z, axis=0).mean()``) — either definition, used consistently, is accepted."""
    runs = data["runs"]
    if all(_unit(r["unit_vars"]) for r in runs) and all(
            c >= 0.9999 for r in runs for c in r["cos"]):
        return ("Каждый слой выдаёт выход со средней дисперсией нейронов 1 на этом пакете, "
                "а направления матриц весов не изменились.")
    if all(_unit(r["m2"]) for r in runs) and not all(_unit(r["vars"]) for r in runs):
        raise CheckFailed(
            "Неверно: у вас равен 1 второй момент E z², а не дисперсия: у выходов ReLU-слоёв "
            "ненулевое среднее. Нормируйте на np.var(z) — дисперсию с вычтенным средним.")
    for run in runs:
        for l, c in enumerate(run["cos"]):
            if c < 0.9999:
                raise CheckFailed(
                    f"Неверно: у слоя {l + 1} ({run['act']}) изменилось направление матрицы "
                    "весов. LSUV не рисует веса заново, а только делит ортогональную "
                    "матрицу слоя на число √Var(z).")
        bad = [l for l, v in enumerate(run["vars"]) if abs(v - 1.0) > 0.02]
        if bad == [len(run["vars"]) - 1]:
            raise CheckFailed(
                f"Неверно: скрытые слои в порядке, но дисперсия выхода последнего слоя "
                f"(сеть с {run['act']}) равна {_fmt(run['vars'][-1])}. По условию "
                "дисперсия 1 нужна и у последнего (линейного) слоя.")
        for l, v in enumerate(run["vars"]):
            if abs(v - 1.0) > 0.02:
                tail = (" Считайте дисперсию выхода слоя на выходах уже исправленных "
                        "предыдущих слоёв: слои масштабируются последовательно, от входа."
                        if l > 0 and abs(run["vars"][0] - 1.0) <= 0.02 else
                        " Делите матрицу слоя на √Var(z), где z = xA + b — выход слоя до "
                        "функции активации (не вход слоя), причём на корень из дисперсии.")
                raise CheckFailed(
                    f"Неверно: после вашей инициализации дисперсия выхода слоя {l + 1} "
                    f"(сеть с {run['act']}) равна {_fmt(v)}, а должна быть 1.{tail}")
    return ("Каждый слой выдаёт выход с дисперсией 1 на этом пакете, а направления матриц "
            "весов не изменились.")


lsuv = Check(_probe_lsuv, _judge_lsuv, name="lsuv")
