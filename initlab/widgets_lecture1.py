"""Explorers (ipywidgets) of lecture part I. No numerics here: ``initlab.lecture1`` computes,
``initlab.plots_lecture1`` draws.

API (stable):
    xor_explorer(width=4, act="tanh", seed=0)          hidden width, activation, seed
    approx_explorer(n=8, key="sin", tau=10.0)          Cybenko: n hidden sigmoid units
    gradient_explorer(depth=20, act="sigmoid", scale=1.0)   gradient norm per layer
    clipping_explorer(c=1.0, lr=0.05)                  global vs local clipping on a cliff
    resnet_explorer(depth=30, act="sigmoid")           plain stack vs identity shortcuts
    FigureExplorer(controls, render, figure=None)      the shared machinery; ``.render_png()``
                                                       and ``.last_seconds`` for benchmarks;
                                                       ``.figure`` the plots_lecture1 figure

Each explorer is an ``ipywidgets.VBox``: controls, the figure as a PNG image, a text line.
A front end without widgets falls back to the PNG (the mime bundle carries image/png).
Each explorer owns one figure of ``initlab.plots_lecture1`` (``.figure``), created once and
updated in place on every change; its static part is rendered once and reused.
"""
from __future__ import annotations

import time

import ipywidgets as W

from . import lecture1 as L
from . import plots_lecture1 as P
from .widgets import PngFallback

__all__ = [
    "FigureExplorer",
    "approx_explorer",
    "clipping_explorer",
    "gradient_explorer",
    "resnet_explorer",
    "xor_explorer",
]

_STYLE = {"description_width": "initial"}
_ACTS = [("tanh", "tanh"), ("сигмоида", "sigmoid"), ("ReLU", "relu")]


class FigureExplorer(PngFallback, W.VBox):
    """Controls + PNG. ``render(**values) -> (figure, html)`` is called on every change;
    the figure is a ``plots_lecture1.LiveFigure`` (updated in place) or a Figure."""

    fallback_text = "Интерактивный график: запустите ячейку в Jupyter, чтобы двигать ползунки."

    def __init__(self, controls: dict, render, figure=None, **kwargs):
        self.controls = controls
        self.render = render
        self.figure = figure
        self.image = W.Image(format="png", layout=W.Layout(width="100%", max_width="1000px"))
        self.status = W.HTML()
        self.last_seconds = 0.0
        super().__init__([W.HBox(list(controls.values()), layout=W.Layout(flex_flow="row wrap")),
                          self.image, self.status], **kwargs)
        for w in controls.values():
            w.observe(lambda _change: self.update(), names="value")
        self.update()

    def values(self) -> dict:
        return {k: w.value for k, w in self.controls.items()}

    def render_png(self):
        fig, text = self.render(**self.values())
        return P.png(fig), text

    def update(self):
        t0 = time.perf_counter()
        data, text = self.render_png()
        self.image.value = data
        self.last_seconds = time.perf_counter() - t0
        self.status.value = (f'<span style="font-size:90%">{text} '
                             f'<span style="color:#666">(пересчёт {1000 * self.last_seconds:.0f} мс)'
                             '</span></span>')



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
        params, hist = L.train_xor(width, act, seed, steps=steps)
        text = (f"Верно классифицировано {hist['correct']} из 4 точек; потери в конце "
                f"{hist['loss'][-1]:.3g}.")
        figure.update(params, act, hist)
        return figure, text

    controls = {"width": _int(width, 1, 16, "Скрытых нейронов:"), "act": _acts(act),
                "seed": W.BoundedIntText(value=seed, min=0, max=10**6,
                                         description="Зерно генератора:", style=_STYLE,
                                         layout=W.Layout(width="200px"))}
    return FigureExplorer(controls, render, figure)


def approx_explorer(n=8, key="sin", tau=10.0, lstsq=False):
    figure = P.StaircaseFigure()

    def render(n, key, tau, lstsq):
        figure.update(key, n, tau, lstsq)
        return figure, f"Оценка ошибки для построения «лесенкой»: " \
                       f"{L.staircase_error_bound(L.TARGETS[key][2], 0, 1, n, tau):.3g}."

    controls = {
        "n": _int(n, 1, 128, "Скрытых нейронов n:"),
        "key": W.Dropdown(options=[(v[0], k) for k, v in L.TARGETS.items()], value=key,
                          description="Функция:", style=_STYLE),
        "tau": _float(tau, 1.0, 30.0, 1.0, "Крутизна τ:"),
        "lstsq": W.Checkbox(value=lstsq, description="выходной слой по МНК"),
    }
    return FigureExplorer(controls, render, figure)


def gradient_explorer(depth=20, act="sigmoid", scale=1.0, width=64):
    figure = P.GradientNormsFigure(1, bound=True, key="delta")

    def render(depth, act, scale):
        r = L.layer_gradient_norms(depth, width, act, scale)
        figure.update({P.ACT_LABELS[act]: r}, title=f"{P.ACT_LABELS[act]}, масштаб весов {scale:g}")
        ratio = r["delta"][0] / r["delta"][-1]
        return figure, f"Градиент у первого слоя в {1 / ratio:.3g} раз меньше, чем у последнего." \
            if ratio < 1 else f"Градиент у первого слоя в {ratio:.3g} раз больше, чем у последнего."

    controls = {"depth": _int(depth, 2, 60, "Число слоёв d:"),
                "act": _acts(act),
                "scale": _float(scale, 0.25, 4.0, 0.25, "Масштаб весов s (A ~ N(0, s²/n)):")}
    return FigureExplorer(controls, render, figure)


def clipping_explorer(c=2.0, lr=0.05, start=(6.0, -3.5), steps=80):
    starts = [("(6; −3,5)", (6.0, -3.5)), ("(5; −2)", (5.0, -2.0)), ("(7; −4)", (7.0, -4.0))]
    figure = P.CliffFigure()

    def render(c, lr, start):
        _, trajs = figure.update(start, lr, steps, c)
        jump = {k: float(L.step_lengths(t).max()) for k, t in trajs.items()}
        return figure, (f"Самый длинный шаг: без подрезки {jump[None]:.3g}, глобальная "
                        f"{jump['global']:.3g}, локальная {jump['local']:.3g}.")

    controls = {"c": _float(c, 0.1, 5.0, 0.1, "Порог c:"),
                "lr": _float(lr, 0.01, 0.3, 0.01, "Шаг обучения:"),
                "start": W.Dropdown(options=starts, value=tuple(start),
                                    description="Старт (w; b):", style=_STYLE)}
    return FigureExplorer(controls, render, figure)


def resnet_explorer(depth=30, act="sigmoid", scale=1.0, width=64):
    figure = P.GradientNormsFigure(2, key="delta")

    def render(depth, act):
        plain = L.layer_gradient_norms(depth, width, act, scale)
        res = L.layer_gradient_norms(depth, width, act, scale, residual=True)
        figure.update({"обычный стек": plain, "с обходными связями": res},
                      title=f"{P.ACT_LABELS[act]}, {depth} слоёв")
        r1 = plain["delta"][0] / plain["delta"][-1]
        r2 = res["delta"][0] / res["delta"][-1]
        return figure, (f"‖∂L/∂Y₁‖ / ‖∂L/∂Y_d‖: обычный стек {r1:.2g}, "
                        f"с обходными связями {r2:.2g}.")

    controls = {"depth": _int(depth, 3, 80, "Число слоёв d:"), "act": _acts(act)}
    return FigureExplorer(controls, render, figure)
