"""Explorer of residual stacks at initialisation: depth, the branch's initialisation and
the activation -> E x_l² and the gradient per block, the recursion (lines) against one
simulated network (points) of width 64.

    residual_explorer(depth=30, scheme="he", act="relu") -> Explorer
    render(depth, scheme, act) -> (PNG bytes, html)  (the benchmark calls it)
"""
from __future__ import annotations

import functools

import ipywidgets as W

from ..fastdraw import Canvas, encode_png
from ..figures.residual import SCHEME_COLORS, SCHEME_LABELS, profile_figure
from ..numerics import residual as R
from .base import STYLE, Explorer

WIDTH, BATCH = 64, 32
MAX_DEPTH = 100
ACTS = (("ReLU", "relu"), ("tanh", "tanh"), ("линейная", "linear"))


def _num(x: float) -> str:
    return f"{x:.3g}".replace(".", ",")


@functools.lru_cache(maxsize=256)
def _theory(scheme: str, act: str, depth: int):
    return R.residual_theory(scheme, act, depth)


def render(depth: int, scheme: str, act: str):
    curves = []
    for s in ("plain", "he", "scaled", "zero"):
        th = _theory(s, act, depth)
        sim = R.residual_simulate(s, act, depth, WIDTH, BATCH, seed=0) if s == scheme else None
        curves.append({"label": SCHEME_LABELS[s], "color": SCHEME_COLORS[s],
                       "theory": th, "sim": sim})
    fig = profile_figure(curves, depth, dpi=80)
    canvas = Canvas(fig)          # the shared text cache of the explorers and a fast PNG
    canvas.draw()
    th = _theory(scheme, act, depth)
    sim = curves[[c["sim"] is not None for c in curves].index(True)]["sim"]
    text = (f"{SCHEME_LABELS[scheme]}: E x_L² = {_num(th.q[-1])} по формуле, "
            f"{_num(sim.q[-1])} в одной сети ширины {WIDTH}; ‖δ₀‖²/‖δ_L‖² = "
            f"{_num(th.grad[0])} по формуле, {_num(sim.grad[0])} в сети. "
            "Линии — формулы, точки — моделирование выбранной схемы.")
    return encode_png(canvas), text


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
