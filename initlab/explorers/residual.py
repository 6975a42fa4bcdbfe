"""Explorer of residual stacks at initialisation: depth, the branch's initialisation and
the activation -> E x_l² and the gradient per block, the recursion (lines) against one
simulated network (points) of width 64.

    residual_explorer(depth=30, scheme="he", act="relu") -> Explorer
    render(depth, scheme, act) -> (PNG bytes, html)  (the benchmark calls it)
"""
from __future__ import annotations

import functools

import ipywidgets as W
from matplotlib.backends.backend_agg import FigureCanvasAgg as Canvas

from ..figures.fastdraw import encode_png
from ..figures.residual import SCHEME_LABELS, ProfilePlot
from ..numerics import residual as R
from .base import STYLE, Explorer

WIDTH, BATCH = 64, 32
MAX_DEPTH = 100
ACTS = (("ReLU", "relu"), ("tanh", "tanh"), ("линейная", "linear"))
SCHEMES = ("plain", "he", "scaled", "zero")


def _num(x: float) -> str:
    return f"{x:.3g}".replace(".", ",")


@functools.lru_cache(maxsize=256)
def _theory(scheme: str, act: str, depth: int):
    return R.residual_theory(scheme, act, depth)


# for tanh and the linear function the inner layer of the «he» branch is LeCun (g² = 1)
LABELS = dict(SCHEME_LABELS, he="обходная связь, ветвь Хе (ReLU) или Лекуна")


def _label(scheme: str, act: str) -> str:
    if scheme == "he":
        return SCHEME_LABELS["he"] if act == "relu" else "обходная связь, ветвь Лекуна"
    return SCHEME_LABELS[scheme]


class _Renderer:
    """One ProfilePlot and its canvas, redrawn in place on every change."""

    def __init__(self):
        self.plot = ProfilePlot(SCHEMES, labels=LABELS)
        self.canvas = Canvas(self.plot.fig)   # Agg canvas; a fast PNG

    def __call__(self, depth: int, scheme: str, act: str):
        theory = {s: _theory(s, act, depth) for s in SCHEMES}
        sim = R.residual_simulate(scheme, act, depth, WIDTH, BATCH, seed=0)
        self.plot.update(theory, scheme, sim, depth)
        self.canvas.draw()
        th = theory[scheme]
        text = (f"{_label(scheme, act)}: E x_L² = {_num(th.q[-1])} по формуле, "
                f"{_num(sim.q[-1])} в одной сети ширины {WIDTH}; ‖δ₀‖²/‖δ_L‖² = "
                f"{_num(th.grad[0])} по формуле, {_num(sim.grad[0])} в сети. "
                "Линии — формулы, точки — моделирование выбранной схемы.")
        return encode_png(self.canvas), text


_DEFAULT = None


def render(depth: int, scheme: str, act: str):
    """(PNG bytes, Russian text) of the given settings (one shared renderer)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = _Renderer()
    return _DEFAULT(depth, scheme, act)


def residual_explorer(depth: int = 30, scheme: str = "he", act: str = "relu") -> Explorer:
    controls = {
        "depth": W.IntSlider(value=depth, min=1, max=MAX_DEPTH, description="блоков L",
                             style=STYLE, continuous_update=False),
        "scheme": W.Dropdown(options=[(LABELS[s], s) for s in LABELS],
                             value=scheme, description="инициализация ветви", style=STYLE),
        "act": W.Dropdown(options=ACTS, value=act, description="функция активации",
                          style=STYLE),
    }
    renderer = _Renderer()
    return Explorer(controls, renderer, figure=renderer.plot.fig,
                    static_grid={"scheme": ["plain", "he", "scaled", "zero"], "act": ["relu", "tanh"]})
