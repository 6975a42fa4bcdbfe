"""Cost of the explorers' precomputed views for the HTML book, and of retina figures.

Prints, for a grid of the chapter-6 variance explorer (its key settings: activation ×
initialisation × depth) and for a small ``Explorer`` with a ``static_grid``: the number of
views, the seconds to render them (what the book build adds) and the bytes they add to
the page (budget: ≤ 3 MB per page, ≤ 30 s per clean build). Then the cost of a static
figure at 1× and at 2× (the retina formatter of initlab/display.py).
"""
from __future__ import annotations

import time

import ipywidgets as W
import numpy as np

from initlab import display
from initlab.explorers.base import Explorer
from initlab.explorers.static import static_views
from initlab.figures.style import new_figure


def _render(kind, freq):
    fig, ax = new_figure(6.5, 2.6)
    x = np.linspace(0, 6, 400)
    ax[0, 0].plot(x, np.sin(freq * x) if kind == "sin" else np.cos(freq * x))
    return fig, f"частота {freq}"


def report(name, explorer, grid):
    t0, c0 = time.perf_counter(), time.process_time()
    sv = static_views(explorer, grid)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"{name}: {sv.n_views} views ({sv.n_images} distinct images), "
          f"{dt:.1f} s = {dt / sv.n_views * 1000:.0f} ms/view "
          f"(CPU {cpu:.1f} s = {cpu / sv.n_views * 1000:.0f} ms/view: the time on an idle core), "
          f"{sv.nbytes / 1e6:.2f} MB = {sv.nbytes / sv.n_views / 1e3:.0f} kB/view")


def main():
    controls = {"kind": W.Dropdown(options=[("синус", "sin"), ("косинус", "cos")],
                                   description="Функция:"),
                "freq": W.IntSlider(value=2, min=1, max=5, description="Частота:")}
    report("Explorer (2x, one axes)", Explorer(controls, _render),
           {"kind": ["sin", "cos"], "freq": [1, 2, 3, 4, 5]})
    try:  # the chapter-6 explorer, before or after the reshape
        from initlab.explorers.variance import variance_explorer
    except ImportError:
        from initlab.explorers.variance import variance_explorer
    v = variance_explorer()
    report("variance_explorer (1x, defaults n=256)", v,
           {"act": ["tanh", "relu"], "scheme": ["xavier_normal", "he_normal"],
            "depth": [10, 30, 60]})
    fig, ax = new_figure(6.5, 3.0)
    ax[0, 0].plot(np.random.default_rng(0).normal(size=(200, 3)))
    for scale in (1, 2):
        t0 = time.perf_counter()
        for _ in range(5):
            data = display.figure_png(fig, scale=scale)
        print(f"static figure at {scale}x: {(time.perf_counter() - t0) / 5 * 1000:.0f} ms, "
              f"{len(data) / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
