"""Russian wording shared by demos, figures and explorers (no numerics here).

    plural(n, one, few, many) -> str     «1 нейрон», «2 нейрона», «5 нейронов»
    count(n, one, few, many) -> str      the number with its word: count(3, "слой", "слоя", "слоёв")
    layers(n) -> str                     «21 слой», «22 слоя», «30 слоёв»
    neurons(n) -> str                    «1 нейрон», «2 нейрона», «5 нейронов»
    yes_no(flag) -> str                  «да» / «нет»
    fmt_list(a, digits) -> str           «[1.00, 2.50]»
    ACT_LABELS, SCHEME_LABELS, SCHEME_SHORT, METHOD_LABELS   labels of the figures and demos
    unknown_name(err) -> str             the Russian message for a registry's UnknownName
"""
from __future__ import annotations

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


def yes_no(flag) -> str:
    return "да" if flag else "нет"


def fmt_list(a, digits: int) -> str:
    return "[" + ", ".join(f"{v:.{digits}f}" for v in np.asarray(a, dtype=float).ravel()) + "]"


#: short Russian names of activations for titles and legends
ACT_LABELS = {"tanh": "tanh", "sigmoid": "сигмоида", "relu": "ReLU", "leaky_relu": "ReLU с утечкой",
              "softplus": "softplus", "identity": "линейная", "linear": "линейная",
              "elu": "ELU", "gelu": "GELU", "silu": "SiLU"}

#: labels of initialisation schemes in the training figures
SCHEME_LABELS = {"xavier_normal": "Xavier, N(0, 2/(n_in + n_out))", "he_normal": "He, N(0, 2/n_in)",
                 "constant": "все веса равны", "zeros": "нули", "lecun_normal": "N(0, 1/n_in)"}
SCHEME_SHORT = {"xavier_normal": "Xavier", "he_normal": "He"}

#: the three pruning saliencies
METHOD_LABELS = {"magnitude": "|a_i| (по модулю)", "obd": "OBD: h_ii a_i²/2",
                 "obs": "OBS: a_i²/(2[H⁻¹]_ii) с поправкой"}
METHOD_SHORT = {"magnitude": "по модулю |a_i|", "obd": "OBD", "obs": "OBS"}

_KINDS = {"activation": "функция активации", "scheme": "инициализация",
          "construction": "конструкция"}


def unknown_name(err) -> str:
    """Russian message for ``initlab.numerics.registry.UnknownName``."""
    kind = _KINDS.get(err.kind, err.kind)
    return f"Неизвестное имя {err.name!r} ({kind}); известны: {', '.join(err.known)}."
