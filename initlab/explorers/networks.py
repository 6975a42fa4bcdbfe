"""Explorers of small networks: XOR, approximation, gradients through depth, clipping,
shortcuts. No numerics here: ``initlab.numerics`` computes, ``initlab.figures.networks`` draws.

API (stable):
    xor_explorer(width=4, act="tanh", seed=0)          hidden width, activation, seed
    approx_explorer(n=8, key="sin", tau=10.0)          Cybenko: n hidden sigmoid units
    gradient_explorer(depth=20, act="sigmoid", scale=1.0)   gradient norm per layer
    clipping_explorer(c=1.0, lr=0.05)                  global vs local clipping on a cliff
    resnet_explorer(depth=30, act="sigmoid")           plain stack vs identity shortcuts

Each explorer is an ``initlab.explorers.base.Explorer``; it owns one figure of
``initlab.figures.networks`` (``.figure``), created once and updated in place on every change.
"""
from __future__ import annotations

import ipywidgets as W

from ..figures import networks as P
from ..numerics import approximation as approx
from ..numerics import clipping, logic, propagate
from ..text import ACT_LABELS, layers
from .base import STYLE as _STYLE
from .base import Explorer

__all__ = ["approx_explorer", "clipping_explorer", "gradient_explorer", "resnet_explorer",
           "xor_explorer"]

_ACTS = [("tanh", "tanh"), ("сигмоида", "sigmoid"), ("ReLU", "relu")]


def _int(value, lo, hi, desc, step=1):
    return W.IntSlider(value=value, min=lo, max=hi, step=step, description=desc,
                       continuous_update=False, style=_STYLE)


def _float(value, lo, hi, step, desc):
    return W.FloatSlider(value=value, min=lo, max=hi, step=step, description=desc,
                         continuous_update=False, style=_STYLE)


def _acts(value, options=_ACTS):
    return W.Dropdown(options=options, value=value, description="Функция активации:",
                      style=_STYLE)


def xor_explorer(width=4, act="tanh", seed=0, steps=600):
    """Train a 2-width-1 network on XOR (600 Adam steps) and draw it."""
    figure = P.XorFigure()

    def render(width, act, seed):
        params, hist = logic.train_xor(width, act, seed, steps=steps)
        text = (f"Верно классифицировано {hist['correct']} из 4 точек; потери в конце "
                f"{hist['loss'][-1]:.3g}.")
        figure.update(params, act, hist)
        return figure, text

    controls = {"width": _int(width, 1, 16, "Скрытых нейронов:"), "act": _acts(act),
                "seed": W.BoundedIntText(value=seed, min=0, max=10**6,
                                         description="Зерно генератора:", style=_STYLE,
                                         layout=W.Layout(width="200px"))}
    return _explorer(controls, render, figure, {"width": [2, 4, 8], "act": ["tanh", "relu"]})


def approx_explorer(n=8, key="sin", tau=10.0, lstsq=False):
    figure = P.StaircaseFigure()

    def render(n, key, tau, lstsq):
        figure.update(key, n, tau, lstsq)
        bound = approx.staircase_error_bound(approx.TARGETS[key][2], 0, 1, n, tau)
        return figure, f"Оценка ошибки для построения «лесенкой»: {bound:.3g}."

    controls = {
        "n": _int(n, 1, 128, "Скрытых нейронов n:"),
        "key": W.Dropdown(options=[(v[0], k) for k, v in approx.TARGETS.items()], value=key,
                          description="Функция:", style=_STYLE),
        "tau": _float(tau, 1.0, 30.0, 1.0, "Крутизна τ:"),
        "lstsq": W.Checkbox(value=lstsq, description="выходной слой по МНК"),
    }
    return _explorer(controls, render, figure, {"n": [2, 8, 32], "key": ["sin", "abs"]})


def gradient_explorer(depth=20, act="sigmoid", scale=1.0, width=64):
    figure = P.GradientNormsFigure(1, bound=True, key="delta")

    def render(depth, act, scale):
        r = propagate.layer_gradient_norms(depth, width, act, scale)
        figure.update({ACT_LABELS[act]: r}, title=f"{ACT_LABELS[act]}, масштаб весов {scale:g}")
        ratio = r["delta"][0] / r["delta"][-1]
        return figure, f"Градиент у первого слоя в {1 / ratio:.3g} раз меньше, чем у последнего." \
            if ratio < 1 else f"Градиент у первого слоя в {ratio:.3g} раз больше, чем у последнего."

    controls = {"depth": _int(depth, 2, 60, "Число слоёв d:"),
                "act": _acts(act),
                "scale": _float(scale, 0.25, 4.0, 0.25, "Масштаб весов s (A ~ N(0, s²/n)):")}
    return _explorer(controls, render, figure,
                     {"act": ["tanh", "sigmoid", "relu"], "scale": [0.5, 1.0, 2.0]})


def clipping_explorer(c=2.0, lr=0.05, start=(6.0, -3.5), steps=80):
    starts = [("(6; −3,5)", (6.0, -3.5)), ("(5; −2)", (5.0, -2.0)), ("(7; −4)", (7.0, -4.0))]
    figure = P.CliffFigure()

    def render(c, lr, start):
        _, trajs = figure.update(start, lr, steps, c)
        jump = {k: float(clipping.step_lengths(t).max()) for k, t in trajs.items()}
        return figure, (f"Самый длинный шаг: без обрезки {jump[None]:.3g}, глобальная "
                        f"{jump['global']:.3g}, локальная {jump['local']:.3g}.")

    controls = {"c": _float(c, 0.1, 5.0, 0.1, "Порог c:"),
                "lr": _float(lr, 0.01, 0.3, 0.01, "Шаг обучения:"),
                "start": W.Dropdown(options=starts, value=tuple(start),
                                    description="Старт (w; b):", style=_STYLE)}
    return _explorer(controls, render, figure, {"c": [0.5, 2.0, 5.0]})


def resnet_explorer(depth=30, act="sigmoid", scale=1.0, width=64):
    figure = P.GradientNormsFigure(2, key="delta")

    def render(depth, act):
        plain = propagate.layer_gradient_norms(depth, width, act, scale)
        res = propagate.layer_gradient_norms(depth, width, act, scale, residual=True)
        figure.update({"обычный стек": plain, "с обходными связями": res},
                      title=f"{ACT_LABELS[act]}, {layers(depth)}")
        r1 = plain["delta"][0] / plain["delta"][-1]
        r2 = res["delta"][0] / res["delta"][-1]
        return figure, (f"‖∂L/∂Y₁‖ / ‖∂L/∂Y_d‖: обычный стек {r1:.2g}, "
                        f"с обходными связями {r2:.2g}.")

    controls = {"depth": _int(depth, 3, 80, "Число слоёв d:"), "act": _acts(act)}
    return _explorer(controls, render, figure,
                     {"act": ["tanh", "sigmoid", "relu"], "depth": [10, 30]})


def _explorer(controls, render, figure, grid=None):
    e = Explorer(controls, render, static_grid=grid)
    e.figure = figure
    return e
