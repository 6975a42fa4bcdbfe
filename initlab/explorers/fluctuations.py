"""Explorer of the chapter «Одна сеть против средней»: width, depth, activation, init and the
number of networks → the histogram of log₁₀(‖x_L‖²/‖x_0‖²) over random networks, its
quantiles, the exact law (linear, ReLU) and the mean-field value.

    fluctuation_explorer(width=64, depth=32, act="relu", init="he", networks=1000, seed=0)
        -> initlab.explorers.base.Explorer
    static_panels(settings=KEY_SETTINGS, seed=0) -> Figure    the key settings side by side

No numerics here: ``initlab.demos_fluctuations.histogram_panel`` computes a panel (and bounds
its cost), ``initlab.figures.fluctuations`` draws it.
"""
from __future__ import annotations

import ipywidgets as W

from ..demos_fluctuations import INITS, histogram_panel
from ..figures.fluctuations import HistogramFigure, plot_panels
from .base import STYLE, Explorer

__all__ = ["KEY_SETTINGS", "fluctuation_explorer", "static_panels"]

ACT_OPTIONS = [("линейная", "linear"), ("ReLU", "relu"), ("tanh", "tanh")]
KEY_SETTINGS = [
    {"width": 100, "depth": 10, "act": "relu", "init": "he"},
    {"width": 20, "depth": 10, "act": "relu", "init": "he"},
    {"width": 100, "depth": 50, "act": "relu", "init": "he"},
    {"width": 100, "depth": 10, "act": "relu", "init": "lecun"},
]


def fluctuation_explorer(width: int = 64, depth: int = 32, act: str = "relu",
                         init: str = "he", networks: int = 1000, seed: int = 0) -> Explorer:
    controls = {
        "width": W.IntSlider(value=width, min=4, max=256, step=4, description="ширина n",
                             continuous_update=False, style=STYLE),
        "depth": W.IntSlider(value=depth, min=1, max=200, description="глубина L",
                             continuous_update=False, style=STYLE),
        "act": W.Dropdown(options=ACT_OPTIONS, value=act, description="функция активации",
                          style=STYLE),
        "init": W.Dropdown(options=[(v[1], k) for k, v in INITS.items()], value=init,
                           description="инициализация", style=STYLE),
        "networks": W.IntSlider(value=networks, min=100, max=4000, step=100,
                                description="число сетей", continuous_update=False,
                                style=STYLE),
    }

    figure = HistogramFigure()

    def render(width, depth, act, init, networks):
        panel = histogram_panel(width, depth, act, init, networks, seed=seed)
        return figure.update(panel), panel["text"]

    return Explorer(controls, render, rows=[["width", "depth", "networks"], ["act", "init"]],
                    static_grid={"width": [16, 64, 256], "act": ["relu", "linear"]},
                    header_html="Синие пунктиры — квантили 5 %, 50 %, 95 % моделирования, "
                                "красные треугольники — те же квантили точного закона.")


def static_panels(settings=KEY_SETTINGS, seed: int = 0, networks: int = 2000):
    """The key settings side by side (the static companion of the explorer)."""
    return plot_panels([histogram_panel(networks=networks, seed=seed, max_cost=10**9, **s)
                        for s in settings])
