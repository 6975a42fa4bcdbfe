"""Explorers (ipywidgets) of lecture part II. No numerics here: ``initlab.lecture2``
computes, ``initlab.plots_lecture2`` draws.

API (stable):
    dropout_explorer(p=0.5)                          drop probability p
    bn_explorer(depth=20, act="tanh", scale=3.0)     activations per layer, without / with BN
    pruning_explorer(fraction=0.5)                   fraction of weights pruned, three saliencies
    variance_explorer(**kwargs)                      ``initlab.widgets.variance_explorer`` laid
                                                     out for the book's ~700 px text column
    FigureExplorer(controls, render)                 controls + PNG; ``.update()``,
                                                     ``.last_seconds``

Each explorer is an ``ipywidgets.VBox``; a front end without widgets falls back to the PNG
(the mime bundle carries image/png) and a Russian text line.
"""
from __future__ import annotations

import time

import ipywidgets as W

from . import lecture2 as L
from . import plots_lecture2 as P
from .widgets import PngFallback

__all__ = ["FigureExplorer", "bn_explorer", "dropout_explorer", "pruning_explorer",
           "variance_explorer"]

_STYLE = {"description_width": "initial"}
#: full width of the row minus the widget's own 2 px margins (a plain "100%" sticks out
#: by 2 px and the right border is clipped on a narrow page)
_FULL = "calc(100% - 4px)"


class FigureExplorer(PngFallback, W.VBox):
    """Controls + the figure as a PNG. ``render(**values) -> Figure`` on every change."""

    def __init__(self, controls: dict, render, **kwargs):
        self.controls = controls
        self.render = render
        self.image = W.Image(format="png", layout=W.Layout(width="100%", max_width="1100px"))
        self.status = W.HTML()
        self.last_seconds = 0.0
        super().__init__([W.HBox(list(controls.values()), layout=W.Layout(flex_flow="row wrap")),
                          self.image, self.status], **kwargs)
        for w in controls.values():
            w.observe(lambda _change: self.update(), names="value")
        self.update()

    def values(self) -> dict:
        return {k: w.value for k, w in self.controls.items()}

    def update(self):
        t0 = time.perf_counter()
        self.image.value = P.png(self.render(**self.values()))
        self.last_seconds = time.perf_counter() - t0
        self.status.value = (f'<span style="color:#666;font-size:85%">пересчёт занял '
                             f'{1000 * self.last_seconds:.0f} мс</span>')



def _slider(value, lo, hi, step, desc, fmt=".2f"):
    return W.FloatSlider(value=value, min=lo, max=hi, step=step, description=desc,
                         readout_format=fmt, continuous_update=False, style=_STYLE,
                         layout=W.Layout(width="340px"))


def dropout_explorer(p: float = 0.5, seed: int = 0) -> FigureExplorer:
    head = L.dropout_head(seed)
    x = L.DROPOUT_X
    return FigureExplorer({"p": _slider(p, 0.0, 0.9, 0.05, "вероятность отключения p:")},
                          lambda p: P.plot_dropout(head, x, p))


def bn_explorer(depth: int = 20, act: str = "tanh", scale: float = 3.0) -> FigureExplorer:
    controls = {
        "act": W.Dropdown(options=[("tanh", "tanh"), ("ReLU", "relu"), ("сигмоида", "sigmoid")],
                          value=act, description="Функция активации:", style=_STYLE,
                          layout=W.Layout(width=_FULL, max_width="300px")),
        "scale": _slider(scale, 0.25, 4.0, 0.25, "масштаб весов c в N(0, c²/n):"),
        "depth": W.IntSlider(value=depth, min=2, max=50, description="Число слоёв:",
                             continuous_update=False, style=_STYLE),
    }
    return FigureExplorer(controls, lambda act, scale, depth: P.plot_activations(depth, 128, act, scale))


def pruning_explorer(fraction: float = 0.5) -> FigureExplorer:
    prob = L.pruning_problem()
    curves = L.pruning_curves(prob)
    return FigureExplorer({"fraction": _slider(fraction, 0.0, 0.95, 0.05, "доля удалённых весов:")},
                          lambda fraction: P.plot_pruning(prob, curves, fraction))


def variance_explorer(**kwargs):
    """The variance explorer of ``initlab.widgets`` for the book's text column (~700 px).

    The drop-downs «Функция активации» and «Инициализация» (long option labels) each get a
    row of their own, the full width of the column (less the 2 px margins) capped by
    ``max_width``, instead of sharing one row.
    """
    from . import widgets
    e = widgets.variance_explorer(**kwargs)
    c = e.controls
    c["act"].layout = W.Layout(width=_FULL, max_width="380px")
    c["scheme"].layout = W.Layout(width=_FULL, max_width="640px")
    rows = list(e.children)
    rows[0] = W.VBox([c["act"], c["scheme"]], layout=W.Layout(width="100%"))
    e.children = tuple(rows)
    return e
