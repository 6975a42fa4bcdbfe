"""The variance explorer: forward and backward variance per layer, theory and simulation.

No numerics here: ``initlab.numerics.propagate`` computes (``theory`` and ``simulate``),
``initlab.figures.variance.ExplorerFigure`` draws.

    variance_explorer(n_in=256, n_out=256, depth=30, act="tanh", scheme="seed_uniform",
                      batch=512, seed=0, acts=None, schemes=None) -> Explorer
        Drop-downs activation and initialisation (each on a row of its own: long labels),
        sliders n_in, n_out, depth; batch and seed. ``acts`` / ``schemes`` restrict the
        drop-downs (lists of keys). ``.figure`` is the ExplorerFigure; ``.last_timing``
        the seconds of the last update (simulate, theory, draw) for the benchmarks.
"""
from __future__ import annotations

import time

import ipywidgets as W

from .. import text
from ..figures import variance as plots
from ..numerics import propagate
from ..numerics.activations import ACTIVATIONS
from ..numerics.schemes import SCHEMES
from .base import STYLE, Explorer

__all__ = ["variance_explorer"]

#: full width of the row minus the widget's own 2 px margins
_FULL = "calc(100% - 4px)"
#: the work budget of one simulation: batch · Σ n_{l−1} n_l multiply-adds per pass. The
#: defaults (512 · 30 · 256²) fit; wider and deeper networks get fewer rows (each layer's
#: variance still averages batch × width values), so an update costs about the same.
MAX_WORK = 1.2e9
ROWS = [["act"], ["scheme"], ["n_in", "n_out", "depth"], ["batch", "seed"]]


def _options(registry, keys):
    keys = list(registry) if keys is None else list(keys)
    return [(text.label(registry[k]), k) for k in keys]


def variance_explorer(n_in: int = 256, n_out: int = 256, depth: int = 30,
                      act: str = "tanh", scheme: str = "seed_uniform", batch: int = 512,
                      seed: int = 0, acts=None, schemes=None) -> Explorer:
    """The explorer of forward/backward variance (see the module docstring)."""
    lay = W.Layout(width="330px")
    controls = {
        "act": W.Dropdown(options=_options(ACTIVATIONS, acts), value=act,
                          description="Функция активации:", style=STYLE,
                          layout=W.Layout(width=_FULL, max_width="380px")),
        "scheme": W.Dropdown(options=_options(SCHEMES, schemes), value=scheme,
                             description="Инициализация:", style=STYLE,
                             layout=W.Layout(width=_FULL, max_width="640px")),
        "n_in": W.IntSlider(value=n_in, min=8, max=1024, step=8, description="n_in (вход):",
                            continuous_update=True, style=STYLE, layout=lay),
        "n_out": W.IntSlider(value=n_out, min=8, max=1024, step=8,
                             description="n_out (выход):", continuous_update=True,
                             style=STYLE, layout=lay),
        "depth": W.IntSlider(value=depth, min=1, max=100, description="Число слоёв:",
                             continuous_update=True, style=STYLE, layout=lay),
        "batch": W.Dropdown(options=[64, 128, 256, 512, 1024], value=batch,
                            description="Размер батча:", style=STYLE,
                            layout=W.Layout(width="200px")),
        "seed": W.BoundedIntText(value=seed, min=0, max=10**6,
                                 description="Зерно генератора:", style=STYLE,
                                 layout=W.Layout(width="200px")),
    }
    figure = plots.ExplorerFigure(legend=False)
    timing: dict = {}

    def render(act, scheme, n_in, n_out, depth, batch, seed):
        t0 = time.perf_counter()
        sim = propagate.simulate(act, scheme, n_in, n_out, depth, batch=batch, seed=seed,
                                 max_work=MAX_WORK)
        t1 = time.perf_counter()
        th = propagate.theory(act, scheme, n_in, n_out, depth)
        t2 = time.perf_counter()
        w = sim.widths
        title = (f"{plots.setting_title(act, scheme, w)}; моделирование: "
                 f"{sim.batch} × ширина слоя значений")
        figure.update(th, sim, title=title)
        data = figure.png()
        timing.update(simulate=t1 - t0, theory=t2 - t1, draw=time.perf_counter() - t2)
        note = "" if sim.batch == batch else (
            f" (из {batch} выбранных: сеть большая, строк меньше, чтобы пересчёт оставался "
            "быстрым)")
        return data, (f'<span style="color:#666">Ширины слоёв: {w[0]} → {w[-1]}; '
                      f'батч {sim.batch}{note}</span>')

    def quick(act, scheme, n_in, n_out, depth, batch, seed):
        """While a slider is dragged: the theory alone (the simulation follows)."""
        th = propagate.theory(act, scheme, n_in, n_out, depth)
        figure.update(th, None, title=plots.setting_title(act, scheme, th.widths)
                      + "; моделирование — после остановки ползунка", keep=True)
        return figure, '<span style="color:#666">Теория; моделирование пересчитывается…</span>'

    e = Explorer(controls, render, rows=ROWS, header_html=plots.LEGEND_HTML,
                 fallback_text="Интерактивный график дисперсии: запустите ячейку в Jupyter, "
                               "чтобы двигать ползунки.", max_width="1100px", quick=quick,
                 static_grid={"act": ["tanh", "relu"], "depth": [10, 30],
                              "scheme": ["seed_uniform", "xavier_normal", "he_normal"]})
    e.figure = figure
    e.last_timing = timing        # seconds of the last update (benchmarks; never shown)
    return e
