"""Explorers of the chapter «Порядок и хаос: теория среднего поля».

    maps_explorer(sw2=2.5, sb2=0.05, act="tanh") -> Explorer
        (σ_w², σ_b², activation) → the length map and the correlation map with their fixed
        points, χ₁, ξ_c, and the point on the phase diagram (ξ_c as colour).
    correlation_explorer(sw2=1.76, sb2=0.05, act="tanh", depth=30, width=200, c0=0.5)
        -> Explorer
        depth, width, c⁰ → the correlation and the length of two inputs layer by layer, in
        the mean-field theory and in one simulated random network of that width.

    make_render_maps(), make_render_correlation() -> render functions (**values) ->
        (figure, html) over one persistent figure each (benchmarks); the maps' figure is a
        ``MapsFigure`` redrawn in place (``make_render_maps().figure``)

Widgets hold no numerics: everything comes from ``initlab.numerics.meanfield``; the phase
grids are computed once per activation and cached.
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from ..figures import meanfield as F
from ..figures.style import FONT
from ..numerics import meanfield as mf
from .base import STYLE, Explorer

ACTS = [("tanh", "tanh"), ("ReLU", "relu"), ("линейная", "linear")]
SW2_RANGE, SB2_RANGE = F.SW2_RANGE, F.SB2_RANGE
WIDTHS = (50, 100, 200, 400)
MAX_DEPTH = 60
_PHASE = {"order": "порядок", "chaos": "хаос", "critical": "граница порядка и хаоса"}


def _point_controls(sw2, sb2, act) -> dict:
    """The σ_w², σ_b² sliders and the activation menu shared by both explorers."""
    return {
        "sw2": W.FloatSlider(value=sw2, min=SW2_RANGE[0], max=SW2_RANGE[1], step=0.05,
                             description="σ_w²", style=STYLE, continuous_update=False,
                             readout_format=".2f"),
        "sb2": W.FloatSlider(value=sb2, min=SB2_RANGE[0], max=SB2_RANGE[1], step=0.01,
                             description="σ_b²", style=STYLE, continuous_update=False,
                             readout_format=".2f"),
        "act": W.Dropdown(options=ACTS, value=act, description="активация", style=STYLE),
    }


def _summary(sw2, sb2, act) -> tuple[str, float]:
    p = mf.point(sw2, sb2, act)
    if act != "tanh" and not np.isfinite(p.q_star):
        return (f"χ₁ = {F._fmt(p.chi1)}. Длина сигнала q<sup>l</sup> "
                + ("не имеет неподвижной точки: при σ<sub>w</sub>² = 2 и σ<sub>b</sub> = 0 "
                   "любая длина сохраняется (Хе)" if np.isnan(p.q_star) else
                   "растёт от слоя к слою без предела")
                + ". Карта корреляций нарисована при q = 1."), p.q_star
    text = (f"q* = {F._fmt(p.q_star)}, χ₁ = {F._fmt(p.chi1)}, c* = {F._fmt(p.c_star)}, "
            f"ξ<sub>c</sub> = {F._fmt(p.xi_c, 1)}: <b>{_PHASE[p.phase]}</b>")
    if p.q_star == 0:
        text += ". При q* = 0 карта корреляций нарисована при q = 1."
    return text, p.q_star


def make_render_maps():
    """A render function (σ_w², σ_b², act) -> (MapsFigure, html) over one persistent figure
    (redrawn in place; the figure is also the function's ``.figure``)."""
    view = F.MapsFigure(F.phase_data)

    def render_maps(sw2, sb2, act):
        text, qs = _summary(sw2, sb2, act)
        finite = np.isfinite(qs) and qs > 0
        view.update(sw2, sb2, act, q_for_cmap=None if finite else 1.0)
        return view, text

    render_maps.figure = view
    return render_maps


def maps_explorer(sw2: float = 2.5, sb2: float = 0.05, act: str = "tanh") -> Explorer:
    controls = _point_controls(sw2, sb2, act)
    header = ("Серая область на диаграмме ReLU: длина сигнала растёт без предела. "
              "Синяя пунктирная линия — χ₁ = 1.")
    render = make_render_maps()
    return Explorer(controls, render, header_html=header, figure=render.figure,
                    static_grid={"sw2": [1.0, 1.76, 2.5, 4.0], "act": ["tanh", "relu"]})


def make_render_correlation():
    """A render function of the correlation explorer over one persistent figure."""
    view = F.CorrelationFigure()

    def render_correlation(sw2, sb2, act, depth, width, c0):
        qs = mf.fixed_point_q(sw2, sb2, act)
        q0 = qs if np.isfinite(qs) and qs > 0 else 1.0
        q_th, c_th = mf.correlation_iterates(q0, c0, sw2, sb2, depth, act)
        sim = mf.simulate_pair(act, sw2, sb2, width, depth, q0, c0, reps=1, seed=0)
        view.c_net.set_label(f"сеть ширины {width}")
        view.axc.legend(fontsize=FONT.small, loc="lower left")
        fig = view.update(c_th, q_th, sim["c"][0], sim["qa"][0], sim["qb"][0])
        text = (f"После {depth} слоёв: c = {F._fmt(c_th[-1])} по теории, "
                f"{F._fmt(sim['c'][0, -1])} в сети. Начальная длина q⁰ = {F._fmt(q0)}"
                + (" (неподвижная точка q*)." if q0 == qs else "."))
        return fig, text

    return render_correlation


def correlation_explorer(sw2: float = 1.76, sb2: float = 0.05, act: str = "tanh",
                         depth: int = 30, width: int = 200, c0: float = 0.5) -> Explorer:
    controls = _point_controls(sw2, sb2, act)
    controls.update({
        "depth": W.IntSlider(value=depth, min=1, max=MAX_DEPTH, description="глубина",
                             style=STYLE, continuous_update=False),
        "width": W.Dropdown(options=list(WIDTHS), value=width, description="ширина",
                            style=STYLE),
        "c0": W.FloatSlider(value=c0, min=0.0, max=0.99, step=0.01, description="c⁰",
                            style=STYLE, continuous_update=False, readout_format=".2f"),
    })
    rows = [["sw2", "sb2", "act"], ["depth", "width", "c0"]]
    return Explorer(controls, make_render_correlation(), rows=rows,
                    static_grid={"sw2": [1.0, 1.76, 4.0]})
