"""Interactive explorers (ipywidgets) built on ``initlab.propagate`` and ``initlab.plots``.

No numerics here: a widget only reads its controls, calls ``propagate.theory`` and
``propagate.simulate`` and redraws a ``plots.ExplorerFigure``.

API (stable):

    variance_explorer(n_in=256, n_out=256, depth=30, act="tanh", scheme="seed_uniform",
                      batch=512, seed=0, acts=None, schemes=None) -> Explorer
        Sliders n_in, n_out, depth; drop-downs activation and initialisation; batch and
        seed. Shows, per layer, Var z_l (forward) and Var ∂L/∂z_l (backward), theory and
        simulation on one log-scale axes, and histograms of x_l at a few layers.
        ``acts`` / ``schemes`` restrict the drop-downs (lists of keys).

    Explorer (an ipywidgets.VBox) with
        .controls        dict name -> widget ("n_in", "n_out", "depth", "act", "scheme",
                         "batch", "seed")
        .figure          the plots.ExplorerFigure
        .image           the ipywidgets.Image holding the current PNG
        .update()        recompute and redraw (called on every change)
        .last_timing     dict of the last update's seconds: simulate, theory, draw

Use it as the last expression of a cell: ``variance_explorer()``. In a live kernel the
controls work. A notebook executed headless (the book build, nbval) saves the widget and
its current PNG; a front end that cannot show widgets falls back to that PNG (the
widget's mime bundle also carries ``image/png``) and a Russian text line.
"""
from __future__ import annotations

import base64
import time

import ipywidgets as W

from . import plots
from .numerics import propagate
from .numerics.activations import ACTIVATIONS
from .numerics.schemes import SCHEMES

__all__ = ["Explorer", "variance_explorer"]

_STYLE = {"description_width": "initial"}


class PngFallback:
    """Mixin for a widget box holding ``self.image`` (an ipywidgets.Image): its mime bundle
    also carries the current PNG and a Russian ``fallback_text``, so a front end that
    cannot render widgets (a static page, GitHub) still shows the figure."""

    fallback_text = "Интерактивный рисунок: запустите ячейку в Jupyter, чтобы двигать ползунки."

    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs)
        if isinstance(data, tuple):       # (data, metadata)
            data = data[0]
        data = dict(data or {})
        data["text/plain"] = self.fallback_text
        data["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        return data


class Explorer(PngFallback, W.VBox):
    """The variance explorer: controls, a legend line, the figure (as a PNG image)."""

    fallback_text = "Исследователь дисперсии: запустите ячейку в Jupyter, чтобы двигать ползунки."

    def __init__(self, controls: dict, figure: plots.ExplorerFigure, **kwargs):
        self.controls = controls
        self.figure = figure
        self.image = W.Image(format="png", layout=W.Layout(width="100%", max_width="1100px"))
        self.status = W.HTML()
        self.last_timing: dict = {}
        c = controls
        wrap = W.Layout(flex_flow="row wrap")   # the book's text column is ~700 px wide
        rows = [
            W.HBox([c["act"], c["scheme"]], layout=wrap),
            W.HBox([c["n_in"], c["n_out"], c["depth"]], layout=wrap),
            W.HBox([c["batch"], c["seed"]], layout=wrap),
            W.HTML(f'<div style="font-size:90%">{plots.LEGEND_HTML}</div>'),
            self.image,
            self.status,
        ]
        super().__init__(rows, **kwargs)
        for w in controls.values():
            w.observe(self._on_change, names="value")
        self.update()

    def _on_change(self, change):
        self.update()

    def values(self) -> dict:
        """Current settings as keyword arguments of ``propagate.simulate``."""
        c = self.controls
        return dict(act=c["act"].value, scheme=c["scheme"].value, n_in=c["n_in"].value,
                    n_out=c["n_out"].value, depth=c["depth"].value)

    def update(self):
        """Recompute theory and simulation for the current settings and redraw."""
        v = self.values()
        c = self.controls
        t0 = time.perf_counter()
        sim = propagate.simulate(**v, batch=c["batch"].value, seed=c["seed"].value)
        t1 = time.perf_counter()
        th = propagate.theory(**v)
        t2 = time.perf_counter()
        self.figure.update(th, sim)
        png = self.figure.png()
        t3 = time.perf_counter()
        self.image.value = png
        self.last_timing = {"simulate": t1 - t0, "theory": t2 - t1, "draw": t3 - t2}
        widths = sim.widths
        self.status.value = (
            f'<span style="color:#666;font-size:85%">Ширины слоёв: {widths[0]} → '
            f'{widths[-1]}; батч {sim.batch}</span>'
        )



def _options(registry, keys):
    keys = list(registry) if keys is None else list(keys)
    return [(registry[k].label, k) for k in keys]


def variance_explorer(n_in: int = 256, n_out: int = 256, depth: int = 30,
                      act: str = "tanh", scheme: str = "seed_uniform", batch: int = 512,
                      seed: int = 0, acts=None, schemes=None) -> Explorer:
    """The explorer of forward/backward variance (see the module docstring)."""
    lay = W.Layout(width="330px")
    controls = {
        "act": W.Dropdown(options=_options(ACTIVATIONS, acts), value=act,
                          description="Функция активации:", style=_STYLE,
                          layout=W.Layout(width="380px")),
        "scheme": W.Dropdown(options=_options(SCHEMES, schemes), value=scheme,
                             description="Инициализация:", style=_STYLE,
                             layout=W.Layout(width="calc(100% - 4px)", max_width="560px")),
        "n_in": W.IntSlider(value=n_in, min=8, max=1024, step=8, description="n_in (вход):",
                            continuous_update=False, style=_STYLE, layout=lay),
        "n_out": W.IntSlider(value=n_out, min=8, max=1024, step=8,
                             description="n_out (выход):", continuous_update=False,
                             style=_STYLE, layout=lay),
        "depth": W.IntSlider(value=depth, min=1, max=100, description="Число слоёв:",
                             continuous_update=False, style=_STYLE, layout=lay),
        "batch": W.Dropdown(options=[64, 128, 256, 512, 1024], value=batch,
                            description="Размер батча:", style=_STYLE,
                            layout=W.Layout(width="200px")),
        "seed": W.BoundedIntText(value=seed, min=0, max=10**6,
                                 description="Зерно генератора:", style=_STYLE,
                                 layout=W.Layout(width="200px")),
    }
    return Explorer(controls, plots.ExplorerFigure(legend=False))
