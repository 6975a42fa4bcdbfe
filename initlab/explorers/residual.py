"""Explorer of residual stacks at initialisation: depth, the branch's initialisation and
the activation -> E x_l² and the gradient per block, the recursion (lines) against one
simulated network (points) of width 64.

    residual_explorer(depth=30, scheme="he", act="relu") -> Explorer
    render(depth, scheme, act) -> (Figure, html)     (the benchmark calls it)
"""
from __future__ import annotations

import ipywidgets as W

from ..figures.residual import SCHEME_COLORS, SCHEME_LABELS, profile_figure
from ..numerics import residual as R
from .base import STYLE, Explorer

WIDTH, BATCH = 64, 32
MAX_DEPTH = 100
ACTS = (("ReLU", "relu"), ("tanh", "tanh"), ("линейная", "linear"))


def render(depth: int, scheme: str, act: str):
    curves = []
    for s in ("plain", "he", "scaled", "zero"):
        th = R.residual_theory(s, act, depth)
        sim = R.residual_simulate(s, act, depth, WIDTH, BATCH, seed=0) if s == scheme else None
        curves.append({"label": SCHEME_LABELS[s], "color": SCHEME_COLORS[s],
                       "theory": th, "sim": sim})
    fig = profile_figure(curves, depth, dpi=80)
    th = R.residual_theory(scheme, act, depth)
    sim = curves[[c["sim"] is not None for c in curves].index(True)]["sim"]
    text = (f"{SCHEME_LABELS[scheme]}: E x_L² = {th.q[-1]:.3g} по формуле, "
            f"{sim.q[-1]:.3g} в одной сети ширины {WIDTH}; градиент у входа "
            f"в {th.grad[0]:.3g} раза больше, чем у выхода (моделирование: {sim.grad[0]:.3g}). "
            "Линии — формулы, точки — моделирование выбранной схемы.")
    return fig, text


def residual_explorer(depth: int = 30, scheme: str = "he", act: str = "relu") -> Explorer:
    controls = {
        "depth": W.IntSlider(value=depth, min=1, max=MAX_DEPTH, description="блоков L",
                             style=STYLE, continuous_update=False),
        "scheme": W.Dropdown(options=[(SCHEME_LABELS[s], s) for s in SCHEME_LABELS],
                             value=scheme, description="инициализация ветви", style=STYLE),
        "act": W.Dropdown(options=ACTS, value=act, description="функция активации",
                          style=STYLE),
    }
    return Explorer(controls, render)
