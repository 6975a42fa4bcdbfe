"""Explorers of dropout, batch normalisation and pruning. No numerics here:
``initlab.numerics`` computes, ``initlab.figures.training`` draws.

API (stable):
    dropout_explorer(p=0.5)                          drop probability p
    bn_explorer(depth=20, act="tanh", scale=3.0)     activations per layer, without / with BN
    pruning_explorer(fraction=0.5)                   fraction of weights pruned, three saliencies

Each explorer is an ``initlab.explorers.base.Explorer``; it owns one figure of
``initlab.figures.training`` (``.figure``), created once and updated in place on every change.
"""
from __future__ import annotations

import ipywidgets as W

from ..figures import training as P
from ..numerics import pruning
from ..numerics import regularization as reg
from .base import STYLE as _STYLE
from .base import Explorer

__all__ = ["bn_explorer", "dropout_explorer", "pruning_explorer"]

#: full width of the row minus the widget's own 2 px margins
_FULL = "calc(100% - 4px)"


def _slider(value, lo, hi, step, desc, fmt=".2f"):
    return W.FloatSlider(value=value, min=lo, max=hi, step=step, description=desc,
                         readout_format=fmt, continuous_update=False, style=_STYLE,
                         layout=W.Layout(width="340px"))


def dropout_explorer(p: float = 0.5, seed: int = 0) -> Explorer:
    figure = P.DropoutFigure(reg.dropout_head(seed), reg.DROPOUT_X)

    def render(p):
        figure.update(p)
        return figure, ""

    return Explorer({"p": _slider(p, 0.0, 0.9, 0.05, "вероятность отключения p:")}, render,
                    static_grid={"p": [0.0, 0.5, 0.8]}, figure=figure)


def bn_explorer(depth: int = 20, act: str = "tanh", scale: float = 3.0) -> Explorer:
    controls = {
        "act": W.Dropdown(options=[("tanh", "tanh"), ("ReLU", "relu"), ("сигмоида", "sigmoid")],
                          value=act, description="Функция активации:", style=_STYLE,
                          layout=W.Layout(width=_FULL, max_width="300px")),
        "scale": _slider(scale, 0.25, 4.0, 0.25, "масштаб весов c в N(0, c²/n):"),
        "depth": W.IntSlider(value=depth, min=2, max=50, description="Число слоёв:",
                             continuous_update=False, style=_STYLE),
    }
    figure = P.ActivationsFigure()

    def render(act, scale, depth):
        figure.update(depth, 128, act, scale)
        return figure, ""

    return Explorer(controls, render, static_grid={"act": ["tanh", "relu"], "scale": [1.0, 3.0]},
                    figure=figure)


def pruning_explorer(fraction: float = 0.5) -> Explorer:
    prob = pruning.pruning_problem()
    figure = P.PruningFigure(prob, pruning.pruning_curves(prob))

    def render(fraction):
        figure.update(fraction)
        return figure, ""

    return Explorer({"fraction": _slider(fraction, 0.0, 0.95, 0.05, "доля удалённых весов:")},
                    render, static_grid={"fraction": [0.25, 0.5, 0.75]}, figure=figure)
