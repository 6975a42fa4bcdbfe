"""Russian wording shared by demos, figures and explorers (no numerics here).

    plural(n, one, few, many) -> str     «1 нейрон», «2 нейрона», «5 нейронов»
    count(n, one, few, many) -> str      the number with its word: count(3, "слой", "слоя", "слоёв")
    layers(n) -> str                     «21 слой», «22 слоя», «30 слоёв»
    neurons(n) -> str                    «1 нейрон», «2 нейрона», «5 нейронов»
    hidden_neurons(n) -> str             «1 скрытый нейрон», «2 скрытых нейрона», «5 скрытых нейронов»
    yes_no(flag) -> str                  «да» / «нет»
    fmt_list(a, digits) -> str           «[1.00, 2.50]»
    ACT_LABELS, SCHEME_LABELS, SCHEME_SHORT, METHOD_LABELS   labels of the figures and demos
    unknown_name(err) -> str             the Russian message for a registry's UnknownName
"""
from __future__ import annotations

import math

import numpy as np


def plural(n: int, one: str, few: str, many: str) -> str:
    """The Russian plural form of a word for the integer ``n`` (1 нейрон, 2 нейрона, 5 нейронов)."""
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return few
    return many


def count(n: int, one: str, few: str, many: str) -> str:
    """``n`` followed by the right plural form."""
    return f"{n} {plural(n, one, few, many)}"


def layers(n: int) -> str:
    """«21 слой», «22 слоя», «30 слоёв»."""
    return count(n, "слой", "слоя", "слоёв")


def neurons(n: int) -> str:
    """«1 нейрон», «2 нейрона», «5 нейронов»."""
    return count(n, "нейрон", "нейрона", "нейронов")


def hidden_neurons(n: int) -> str:
    """«1 скрытый нейрон», «2 скрытых нейрона», «5 скрытых нейронов»."""
    return count(n, "скрытый нейрон", "скрытых нейрона", "скрытых нейронов")


def yes_no(flag) -> str:
    return "да" if flag else "нет"


def fmt_list(a, digits: int) -> str:
    return "[" + ", ".join(f"{v:.{digits}f}" for v in np.asarray(a, dtype=float).ravel()) + "]"


#: short Russian names of activations for titles and legends
ACT_LABELS = {"tanh": "tanh", "sigmoid": "сигмоида", "relu": "ReLU", "leaky_relu": "ReLU с утечкой",
              "softplus": "softplus", "linear": "линейная",
              "elu": "ELU", "gelu": "GELU", "silu": "SiLU"}

#: labels of initialisation schemes in the training figures
SCHEME_LABELS = {"xavier_normal": "Ксавье, N(0, 2/(n_in + n_out))", "he_normal": "Хе, N(0, 2/n_in)",
                 "constant": "все веса равны", "zeros": "нули", "lecun_normal": "N(0, 1/n_in)"}
SCHEME_SHORT = {"xavier_normal": "Ксавье", "he_normal": "Хе"}

#: the three pruning saliencies
METHOD_LABELS = {"magnitude": "|aᵢ| (по модулю)", "obd": "OBD: hᵢᵢ aᵢ²/2",
                 "obs": "OBS: aᵢ²/(2[H⁻¹]ᵢᵢ) с поправкой"}
METHOD_SHORT = {"magnitude": "по модулю |aᵢ|", "obd": "OBD", "obs": "OBS"}

_KINDS = {"activation": "функция активации", "scheme": "инициализация",
          "construction": "конструкция"}


def unknown_name(err) -> str:
    """Russian message for ``initlab.numerics.registry.UnknownName``."""
    kind = _KINDS.get(err.kind, err.kind)
    return f"Неизвестное имя {err.name!r} ({kind}); известны: {', '.join(err.known)}."


# ------------------------------------------------------- names of registered objects
#
# The numerics name their activations, schemes and constructions in English; what a reader
# sees is here: (label, short title) by key. ``label(x)`` / ``title(x)`` take the object.

ACTIVATION_NAMES = {
    "linear": ("линейная (тождественная)", "линейная"),
    "tanh": ("гиперболический тангенс (tanh)", "tanh"),
    "sigmoid": ("сигмоида", "сигмоида"),
    "relu": ("ReLU", "ReLU"),
    "softplus": ("softplus", "softplus"),
    "elu": ("ELU (α = 1)", "ELU"),
    "gelu": ("GELU", "GELU"),
    "silu": ("SiLU (swish)", "SiLU"),
}

SCHEME_NAMES = {
    "seed_uniform": ("U[±1/√n_in] — как в задаче", "U[±1/√n_in]"),
    "uniform_fixed": ("U[±√3/√n_in] — исправленная", "U[±√3/√n_in]"),
    "lecun_normal": ("N(0, 1/n_in) — ЛеКун", "N(0, 1/n_in)"),
    "xavier_uniform": ("Ксавье (Глорот), равномерная: дисперсия 2/(n_in+n_out)",
                       "Ксавье, равномерная"),
    "xavier_normal": ("Ксавье (Глорот), нормальная: N(0, 2/(n_in+n_out))", "Ксавье, нормальная"),
    "he_normal": ("Хе, нормальная: N(0, 2/n_in)", "Хе, нормальная"),
    "he_uniform": ("Хе, равномерная: U[±√6/√n_in]", "Хе, равномерная"),
    "standard_normal": ("N(0, 1) — без учёта числа входов", "N(0, 1)"),
    "constant": ("Константа: все веса равны 1/n_in", "Константа 1/n_in"),
    "zeros": ("Нули: все веса равны 0", "Нули"),
    "pm1": ("±1 равновероятно", "±1"),
    "u11": ("U[−1, 1]", "U[−1, 1]"),
    "small": ("N(0, 0,01²)", "N(0, 0,01²)"),
}

CONSTRUCTION_NAMES = {
    "seed_bernoulli": "а) Бернулли, p(1−p) = σ²/(k+1) — наивная конструкция",
    "seed_pm1": "а) ±1, b ~ N(0, σ² − k/4) — наивная конструкция",
    "normal_weights": "а) нормальные веса N(0, σ²/(k+1)) — тоже не подходят",
    "pm1": "а) ±1, b ~ N(0, σ² − k) — исправлено",
    "pm_split": "а) ±σ/√(k+1), b ~ N(0, σ²/(k+1)) — исправлено",
    "pm_scaled": "а) ±σ/√k, b = 0 — исправлено",
    "seed_quotient": "б) плотность частного Z/Y — наивная конструкция",
    "chi3": "б) ±R/a, R ~ χ₃, b ~ N(0, σ² − k) — исправлено",
    "chi3_split": "б) ±(σ/√(k+1))·R/a, b ~ N(0, σ²/(k+1)) — исправлено",
    "chi3_scaled": "б) ±(σ/√k)·R/a, R ~ χ₃, b = 0 — исправлено",
}


def _names(obj):
    kind = type(obj).__name__
    key = obj.key
    if kind == "Activation":
        return ACTIVATION_NAMES.get(key, (obj.label, obj.title))
    if kind == "Scheme":
        if key.startswith("he_leaky"):      # He for leaky ReLU with its α
            return (obj.label.replace("He for", "Хе для"), obj.title.replace("He for", "Хе для"))
        return SCHEME_NAMES.get(key, (obj.label, obj.title))
    if kind == "Construction":
        name = CONSTRUCTION_NAMES.get(key, obj.label)
        return name, name
    return obj.label, getattr(obj, "title", obj.label)


def label(obj) -> str:
    """The Russian label of an activation, a scheme or a construction (drop-downs)."""
    return _names(obj)[0]


def title(obj) -> str:
    """Its short Russian title (small plot titles)."""
    return _names(obj)[1]


# ------------------------------------------------------- breakdowns of a deep stack

_KIND_TEXT = {
    "overflow": "{what} переполнил диапазон float32 на слое {layer}",
    "zero": "{what} обратился в точный ноль на слое {layer}",
    "underflow": "{what} исчез: ушёл ниже диапазона float32 на слое {layer}",
    "precision": ("{what} потерял различия между входами на слое {layer}: разброс "
                  "меньше точности float32"),
}
_WHAT = {"forward": "Сигнал", "backward": "Градиент"}
NOTES = {"constant": ("Все веса равны: все нейроны слоя вычисляют одно и то же число, "
                      "симметрия не нарушается")}


def breakdown_message(b) -> str:
    """«Сигнал переполнил диапазон float32 на слое 17» for a ``propagate.Breakdown``."""
    return _KIND_TEXT[b.kind].format(what=_WHAT[b.direction], layer=b.layer)


def profile_messages(prof) -> list[str]:
    """The Russian messages of a ``propagate.Profile``: its breakdowns and its note."""
    out = [breakdown_message(b) for b in (prof.forward_break, prof.backward_break) if b]
    if prof.forward_break and prof.forward_break.kind != "precision" and \
            prof.backward_break is None:
        out.append("Обратный проход не считался: прямой сигнал потерян")
    if prof.note:
        out.append(NOTES.get(prof.note, prof.note))
    return out


# ------------------------------------------------- exact normality of a layer output

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def fmt(x: float, digits: int = 3) -> str:
    """A number the Russian way: decimal comma, ``digits`` significant digits."""
    if x is None:
        return "—"
    x = float(x)
    if math.isnan(x):
        return "не определено"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    s = f"{x:.{digits}g}"
    if "e" in s:
        m, e = s.split("e")
        s = f"{m}·10{str(int(e)).translate(_SUPERSCRIPT)}"
    return s.replace("-", "−").replace(".", ",")


_BIAS_WHAT = {"pm1": "веса ±1", "chi3": "веса ±R/a",
              "seed_quotient": "по замыслу наивной конструкции слагаемые x·w"}


def normal_problem_message(code: str, v: dict) -> str:
    """The Russian reason for ``exact_normal.problem``'s (code, values)."""
    if code == "not_numbers":
        return "σ² и a должны быть числами."
    if code == "sigma2":
        return f"Нужна дисперсия σ² > 0, а задано σ² = {fmt(v['sigma2'])}."
    if code == "a":
        return f"Нужна граница a > 0 равномерного распределения U[0, a], а задано a = {fmt(v['a'])}."
    if code == "k":
        return f"Число входов k должно быть натуральным, а задано k = {v['k']}."
    if code == "n":
        return f"Нужно хотя бы две выборочные точки, а задано n = {v['n']}."
    if code == "p":
        return (f"p = {fmt(v['p'])} лежит вне отрезка [0, 1]: это не вероятность, "
                "распределения Бернулли с таким параметром нет.")
    if code == "bernoulli_p":
        return (f"Такого p нет: уравнение p(1 − p) = σ²/(k + 1) = {fmt(v['s'])} "
                f"не имеет вещественных корней, потому что дисперсия распределения "
                f"Бернулли p(1 − p) не превосходит 1/4. Нужно σ² ≤ (k + 1)/4 = {fmt(v['lim'])}, "
                f"а сейчас σ² = {fmt(v['sigma2'])}.")
    if code == "bias_quarter":
        return (f"Дисперсия смещения σ² − k/4 = {fmt(v['bias_var'])} отрицательна: такого "
                f"нормального распределения нет. Нужно σ² ≥ k/4 = {fmt(v['k'] / 4)}.")
    if code == "bias":
        fix = "±σ/√k, b = 0" if v["data"] == "normal" else "±(σ/√k)·R/a, b = 0"
        return (f"Дисперсия смещения σ² − k = {fmt(v['bias_var'])} отрицательна: "
                f"{_BIAS_WHAT[v['key']]} уже дают дисперсию k = {v['k']} > σ² = "
                f"{fmt(v['sigma2'])}. Уменьшите веса, а не смещение: возьмите конструкцию "
                f"«{fix}».")
    raise KeyError(code)


def normal_reason(key, sigma2: float, k: int, a: float = 1.0, n: int | None = None,
                  p: float | None = None) -> str | None:
    """Why construction ``key`` cannot be built for (σ², k, a) — a Russian sentence — or None."""
    from .numerics.exact_normal import problem
    why = problem(key, sigma2, k, a, n, p)
    return normal_problem_message(*why) if why else None


def normal_verdict(h, sigma2: float, alpha: float = 0.01, ks=None) -> tuple[bool, str]:
    """Is the sample h consistent with N(0, σ²)? (KS test of level ``alpha``), in Russian."""
    from .numerics.exact_normal import verdict_facts
    f = verdict_facts(h, sigma2, alpha, ks)
    mo = f["moments"]
    stat = f"D = {fmt(f['ks'])}, p = {fmt(f['pvalue'], 2)}"
    if f["normal"]:
        return True, (f"распределение нормальное: выборка согласуется с N(0, {fmt(sigma2)}) "
                      f"(тест Колмогорова–Смирнова, {stat})")
    words = {"mean": f"среднее {fmt(mo['mean'])} вместо 0",
             "var": f"дисперсия {fmt(mo['var'])} вместо σ² = {fmt(sigma2)}",
             "excess_kurtosis": f"коэффициент эксцесса {fmt(mo['excess_kurtosis'])} вместо 0"}
    reasons = [words[o] for o in f["off"]] or ["форма распределения отличается от нормальной"]
    return False, f"нет: {'; '.join(reasons)} (тест Колмогорова–Смирнова, {stat})"


def normal_theory(key, sigma2: float, k: int, a: float = 1.0,
                  mode: str = "joint") -> tuple[bool, str]:
    """What the theory says about h for construction ``key`` (Russian, exact)."""
    from .numerics.exact_normal import theory_facts
    ok, code, v = theory_facts(key, sigma2, k, a, mode)
    if code == "invalid":
        return False, "конструкция не существует: " + normal_problem_message(*v["problem"])
    if code == "fixed_bounded":
        return False, ("нет: при фиксированных весах h — сумма ограниченных величин, "
                       "т. е. ограничена и не может быть нормальной")
    if code == "fixed_random_variance":
        return False, ("нормальное, но N(b, Σw²): дисперсия случайна (зависит от "
                       "выпавших весов), среднее b ≠ 0")
    if code == "fixed_shifted":
        extra = (f"; дисперсия Σw² = {fmt(v['sum_w2'])}" if v["sum_w2"] is not None
                 else "; дисперсия Σw² зависит от выпавших весов")
        return False, f"нормальное, но N(b, Σw²): среднее b ≠ 0{extra}"
    if code == "fixed_normal":
        return True, f"распределение нормальное: N(0, Σw²) = N(0, {fmt(v['sum_w2'])})"
    if code == "bernoulli_mixture":
        return False, (f"нет: смесь нормальных N(0, K + s), K ~ Bin(k, p); дисперсия "
                       f"{fmt(v['var'])}, эксцесс {fmt(v['excess_kurtosis'])}")
    if code == "pm1_variance":
        return False, (f"нормальное, но N(0, σ² + 3k/4) = N(0, {fmt(v['var'])}): "
                       "дисперсия весов ±1 равна 1, а не 1/4")
    if code == "product":
        return False, (f"нет: произведение нормальных не нормально; дисперсия σ², "
                       f"эксцесс 6k/(k+1)² = {fmt(v['excess_kurtosis'])}")
    if code == "infinite_variance":
        return False, "нет: дисперсия весов бесконечна, у h нет ни среднего, ни дисперсии"
    return ok, f"распределение нормальное: N(0, {fmt(v['sigma2'])}) точно"
