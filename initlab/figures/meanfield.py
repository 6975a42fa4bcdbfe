"""Figures of the chapter «Порядок и хаос: теория среднего поля» (mean-field theory).

All built with ``initlab.figures.style``; the numbers come from
``initlab.numerics.meanfield`` (the figures compute nothing but what they draw).

    MapsFigure(phase_data, live=True).update(sw2, sb2, act) -> Figure   q-map, c-map, phase
        point; a ``LiveFigure`` (``figures.fastdraw``): .png() redraws the curves in place
    maps_figure(sw2, sb2, act="tanh") -> Figure                the same, once
    phase_data(act) -> (grid, line_sb2, line_sw2)              cached phase panel data
    draw_qmap(ax, …), draw_cmap(ax, …)
    phase_figure(grid, line_sb2, line_sw2, points=()) -> Figure  ξ_c in (σ_b², σ_w²)
    draw_phase(ax, grid, line_sb2, line_sw2, points=(), colorbar=None)
    correlation_figure(depth, theory, sims, labels, title=None) -> Figure
    xavier_relu_figure(l, q, q_asym, l_relu, one_minus_c, asym) -> Figure
    backprop_figure(rows) -> Figure           measured per-layer ratios vs χ₁
    trainability_figure(grid, k=None) -> Figure
"""
from __future__ import annotations

from functools import lru_cache

import matplotlib
import numpy as np
from matplotlib.colors import LogNorm

from ..numerics import meanfield as mf
from .fastdraw import LiveFigure, nice_up
from .style import BLUE, FONT, GREEN, GREY, ORANGE, PURPLE, RED, log_axis, new_figure

XI_MIN, XI_MAX = 1.0, 100.0   # colour range of ξ_c (log scale; larger values are clipped)
SW2_RANGE = (0.5, 4.5)        # the explorer's phase panel
SB2_RANGE = (0.0, 2.0)


def _fmt(x, digits=3) -> str:
    if not np.isfinite(x):
        return "∞"
    return f"{x:.{digits}f}".replace(".", ",")


def draw_qmap(ax, sw2, sb2, act="tanh", q_max=None):
    """The length map q ↦ σ_w² E φ(√q z)² + σ_b² with the diagonal and q*."""
    qs = mf.fixed_point_q(sw2, sb2, act)
    top = q_max or max(2.0, 1.6 * qs if np.isfinite(qs) else 2.0)
    q = np.linspace(0, top, 121)
    ax.plot(q, mf.length_map(q, sw2, sb2, act), color=BLUE, lw=2, label="$q^{l}(q^{l-1})$")
    ax.plot(q, q, color=GREY, lw=1, ls="--", label="$q^l = q^{l-1}$")
    if np.isfinite(qs):
        ax.plot([qs], [qs], "o", color=RED, ms=6, label="$q^*$")
    ax.set_xlim(0, top)
    ax.set_ylim(0, max(top, float(mf.length_map(top, sw2, sb2, act))) * 1.02)
    ax.set_xlabel("$q^{l-1}$")
    ax.set_ylabel("$q^{l}$")
    ax.set_title("Отображение длины", fontsize=FONT.base)
    ax.legend(fontsize=FONT.small, loc="upper left")


def draw_cmap(ax, sw2, sb2, act="tanh", q=None):
    """The correlation map at the fixed length q* (or ``q``) with the diagonal and c*."""
    qs = mf.fixed_point_q(sw2, sb2, act) if q is None else q
    if not np.isfinite(qs) or qs <= 0:
        qs = 1.0
    c = np.linspace(-1, 1, 81)
    cm = mf.correlation_map(c, qs, sw2, sb2, act, q_next=mf.length_map(qs, sw2, sb2, act),
                            n=41)
    ax.plot(c, cm, color=BLUE, lw=2, label="$c^{l}(c^{l-1})$")
    ax.plot(c, c, color=GREY, lw=1, ls="--")
    cs = mf.fixed_point_c(sw2, sb2, act) if q is None else np.nan
    if np.isfinite(cs):
        ax.plot([cs], [cs], "o", color=RED, ms=6, label="$c^*$")
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1.02)
    ax.set_xlabel("$c^{l-1}$")
    ax.set_ylabel("$c^{l}$")
    ax.set_title("Отображение корреляции", fontsize=FONT.base)
    ax.legend(fontsize=FONT.small, loc="upper left")


def draw_phase(ax, grid, line_sb2, line_sw2, points=(), colorbar=None,
               labels=("порядок", "хаос")):
    """ξ_c as colour over (σ_b², σ_w²) (σ_b² horizontal), the critical line, marked points
    ``(label, sw2, sb2, colour)``."""
    xi = np.clip(np.where(np.isposinf(grid["xi_c"]), XI_MAX, grid["xi_c"]), XI_MIN, XI_MAX)
    xi = np.ma.masked_invalid(xi)      # NaN: no fixed length (ReLU above σ_w² = 2), grey
    sb2, sw2 = grid["sb2"][:, 0], grid["sw2"][0]
    cmap = matplotlib.colormaps["magma"].with_extremes(bad="#bbbbbb")
    mesh = ax.pcolormesh(sb2, sw2, xi.T, shading="auto", cmap=cmap,
                         norm=LogNorm(XI_MIN, XI_MAX), rasterized=True)
    ax.plot(line_sb2, line_sw2, color="white", lw=2.2)
    ax.plot(line_sb2, line_sw2, color=BLUE, lw=1.2, ls="--", label="$\\chi_1 = 1$")
    for label, pw, pb, col in points:
        ax.plot([pb], [pw], "o", color=col, ms=7, mec="white", mew=1.2, label=label)
    ax.set_xlim(sb2[0], sb2[-1])
    ax.set_ylim(sw2[0], sw2[-1])
    ax.set_xlabel("$\\sigma_b^2$")
    ax.set_ylabel("$\\sigma_w^2$")
    if labels:
        ax.text(0.95, 0.06, labels[0], color="white", ha="right", transform=ax.transAxes,
                fontsize=FONT.medium)
        ax.text(0.05, 0.92, labels[1], color="white", ha="left", transform=ax.transAxes,
                fontsize=FONT.medium)
    ax.legend(fontsize=FONT.small, loc="upper right")
    if colorbar is not None:
        cb = colorbar.colorbar(mesh, ax=ax, pad=0.02)
        cb.set_label("$\\xi_c$ (слоёв)")
    return mesh


def phase_figure(grid, line_sb2, line_sw2, points=()):
    """The phase diagram alone (the static figure of the chapter)."""
    fig, ax = new_figure(6.4, 4.4, adjust={"right": 0.86})
    draw_phase(ax[0, 0], grid, line_sb2, line_sw2, points, colorbar=fig)
    ax[0, 0].set_title("Фазовая диаграмма tanh-сети: цвет — глубина $\\xi_c$", fontsize=FONT.base)
    return fig


def correlation_figure(depth, theory, sims, labels, title=None):
    """Correlation c^l of two inputs vs layer l: theory lines and simulated points
    (``sims``: arrays (reps, depth + 1), mean ± spread over networks)."""
    fig, ax = new_figure(6.4, 3.6)
    a = ax[0, 0]
    layers = np.arange(depth + 1)
    for k, (th, sim, lab) in enumerate(zip(theory, sims, labels)):
        col = (BLUE, RED, GREEN, ORANGE, PURPLE)[k % 5]
        a.plot(layers, th, color=col, lw=2, label=f"{lab}: теория")
        if sim is not None:
            m = sim.mean(axis=0)
            a.plot(layers, m, "o", color=col, ms=3.5, label=f"{lab}: сеть")
            if sim.shape[0] > 1:
                a.fill_between(layers, sim.min(axis=0), sim.max(axis=0), color=col, alpha=0.15,
                               lw=0)
    a.set_xlabel("слой $l$")
    a.set_ylabel("корреляция $c^l$")
    a.set_ylim(min(-0.05, a.get_ylim()[0]), 1.02)
    a.legend(fontsize=FONT.small, ncol=2, loc="lower left")
    if title:
        a.set_title(title, fontsize=FONT.base)
    return fig


def xavier_relu_figure(l, q, q_asym, l_relu, one_minus_c, asym, sim_l=None, sim_c=None):
    """Left: q^l for Xavier + tanh with 1/(2l + 1); right: 1 − c^l for He + ReLU with
    9π²/(2l²) (log–log)."""
    fig, ax = new_figure(9.0, 3.6, ncols=2)
    a, b = ax[0]
    a.plot(l, q, color=BLUE, lw=2, label="$q^l$ (среднее поле)")
    a.plot(l, q_asym, color=RED, lw=1.2, ls="--", label="$1/(2l + 1/q^0)$")
    log_axis(a, "xy")
    a.set_xlabel("слой $l$")
    a.set_ylabel("$q^l$")
    a.set_title("Ксавье + tanh, $\\sigma_b = 0$: длина гаснет как $1/(2l)$", fontsize=FONT.base)
    a.legend(fontsize=FONT.small)
    b.plot(l_relu, one_minus_c, color=BLUE, lw=2, label="$1 - c^l$ (среднее поле)")
    b.plot(l_relu, asym, color=RED, lw=1.2, ls="--", label="$9\\pi^2/(2l^2)$")
    if sim_l is not None:
        b.plot(sim_l, 1 - sim_c, "o", color=GREEN, ms=3.5, label="сеть ширины 1000")
    log_axis(b, "xy")
    b.set_xlabel("слой $l$")
    b.set_ylabel("$1 - c^l$")
    b.set_title("Хе + ReLU: $1 - c^l$ убывает степенным образом", fontsize=FONT.base)
    b.legend(fontsize=FONT.small)
    return fig


def backprop_figure(sw2s, chi, measured, se):
    """Measured mean per-layer ratio ‖δ^{l-1}‖²/‖δ^l‖² (± 2 se) against χ₁(σ_w²)."""
    fig, ax = new_figure(6.0, 3.6)
    a = ax[0, 0]
    a.plot(sw2s, chi, color=BLUE, lw=2, label="$\\chi_1$ (среднее поле)")
    a.errorbar(sw2s, measured, yerr=2 * np.asarray(se), fmt="o", color=RED, ms=4,
               label="сеть: $\\|\\delta^{l-1}\\|^2/\\|\\delta^l\\|^2$")
    a.axhline(1.0, color=GREY, lw=1, ls="--")
    a.set_xlabel("$\\sigma_w^2$")
    a.set_ylabel("множитель за слой")
    a.legend(fontsize=FONT.small)
    return fig


def trainability_figure(grid, k=None, chi1=None):
    """Training accuracy over (σ_w², L) with the curves 6ξ_c (the paper's fit) and
    (optionally) k·ξ_c, the latter only on the chaotic side χ₁ > 1 when ``chi1`` is given."""
    fig, ax = new_figure(6.8, 4.4, adjust={"right": 0.86, "bottom": 0.2})
    a = ax[0, 0]
    sw = grid.sw2s
    mesh = a.pcolormesh(np.arange(len(sw)), np.arange(len(grid.depths)), grid.acc.T,
                        shading="nearest", cmap="viridis", vmin=0.0, vmax=1.0)
    cb = fig.colorbar(mesh, ax=a, pad=0.02)
    cb.set_label("точность на обучающей выборке")
    a.set_xticks(np.arange(len(sw)), [_fmt(s, 2) for s in sw], fontsize=FONT.small, rotation=45)
    a.set_yticks(np.arange(len(grid.depths)), [str(d) for d in grid.depths], fontsize=FONT.small)
    # curves k ξ_c in the index coordinates of the heat map (depth interpolated linearly)
    fine = np.linspace(0, len(sw) - 1, 200)
    xi = np.exp(np.interp(fine, np.arange(len(sw)), np.log(np.minimum(grid.xi_c, 1e4))))
    start = 0.0
    if chi1 is not None and np.any(np.asarray(chi1) > 1):
        start = float(np.flatnonzero(np.asarray(chi1) > 1)[0])
    for mult, col, ls, lab, x0 in ((6.0, "white", "--", " (по статье)", 0.0),
                                   (k, ORANGE, "-", " (хаос)" if start else "", start)):
        if mult is None:
            continue
        y = np.interp(mult * xi, grid.depths, np.arange(len(grid.depths)),
                      left=-1, right=len(grid.depths) + 1)
        m = fine >= x0
        a.plot(fine[m], y[m], color=col, lw=1.8, ls=ls,
               label=f"$L = {_fmt(mult, 1)}\\,\\xi_c${lab}")
    a.set_ylim(-0.5, len(grid.depths) - 0.5)
    a.set_xlabel("$\\sigma_w^2$")
    a.set_ylabel("глубина $L$")
    a.legend(fontsize=FONT.small, loc="upper left", framealpha=0.8)
    return fig


def trainable_depth_figure(xi_c, deepest, chi1, k=None, sw2s=None):
    """The largest trainable depth against ξ_c in log-log axes, the ordered (χ₁ < 1) and
    the chaotic (χ₁ > 1) side apart, with the line L = k·ξ_c; points with ξ_c > 1000
    (at the edge of chaos) and without a trainable depth are left out."""
    xi_c, deepest, chi1 = (np.asarray(v, dtype=float) for v in (xi_c, deepest, chi1))
    fig, ax = new_figure(5.6, 3.8)
    a = ax[0, 0]
    ok = np.isfinite(deepest) & (xi_c < 1e3)
    for side, col, lab in ((chi1 < 1, BLUE, "порядок ($\\chi_1 < 1$)"),
                           (chi1 > 1, RED, "хаос ($\\chi_1 > 1$)")):
        m = ok & side
        a.plot(xi_c[m], deepest[m], "o-", color=col, ms=6, label=lab)
        if sw2s is not None:
            for x, y, s in zip(xi_c[m], deepest[m], np.asarray(sw2s)[m]):
                a.annotate(_fmt(s, 2), (x, y), textcoords="offset points", xytext=(4, 4),
                           fontsize=FONT.small, color=col)
    if k is not None and np.isfinite(k):
        x = np.geomspace(xi_c[ok].min(), xi_c[ok].max(), 50)
        a.plot(x, k * x, color=GREY, ls="--", lw=1.2, label=f"$L = {_fmt(k, 1)}\\,\\xi_c$")
    log_axis(a, "xy")
    a.set_xlabel("$\\xi_c$ (слоёв)")
    a.set_ylabel("наибольшая обучаемая глубина")
    a.legend(fontsize=FONT.small, loc="upper left", framealpha=0.8)
    return fig


#: steps of the rounded limits of the q-map (finer than 1, 2, 5: the curve keeps its size)
_Q_STEPS = np.array([1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0])


class MapsFigure(LiveFigure):
    """The explorer's three panels (q-map, c-map, phase diagram) as one persistent figure:
    ``update`` only moves the curves and markers (and redraws the phase panel when the
    activation changes). A ``LiveFigure``: axes, ticks, labels and legends are rendered once
    per set of axis limits (and activation) and kept; the q-map's limits are rounded up
    (``_Q_STEPS``) so that few distinct static parts occur (``live=False``, the static figure
    of the chapter: the plain limits)."""

    def __init__(self, phase_data, dpi=90, live=True):
        self.phase_data = phase_data      # callable act -> (grid, line_sb2, line_sw2)
        fig, ax = new_figure(11.0, 3.6, ncols=3, dpi=dpi, adjust={"wspace": 0.34, "right": 0.97})
        super().__init__(fig, live)
        self.axq, self.axc, self.axp = ax[0]
        self.act = None
        g = GREY
        self.q_diag, = self.axq.plot([0, 1], [0, 1], color=g, lw=1, ls="--",
                                     label="$q^l = q^{l-1}$")
        self.q_line, = self.axq.plot([], [], color=BLUE, lw=2, label="$q^{l}(q^{l-1})$")
        self.q_star, = self.axq.plot([], [], "o", color=RED, ms=6, label="$q^*$",
                                     clip_on=False)
        self.axq.set_xlabel("$q^{l-1}$")
        self.axq.set_ylabel("$q^{l}$")
        self.axq.set_title("Отображение длины", fontsize=FONT.base)
        self.legend_q = self.axq.legend(fontsize=FONT.small, loc="upper left")
        self.axc.plot([-1, 1], [-1, 1], color=g, lw=1, ls="--")
        self.c_line, = self.axc.plot([], [], color=BLUE, lw=2, label="$c^{l}(c^{l-1})$")
        self.c_star, = self.axc.plot([], [], "o", color=RED, ms=6, label="$c^*$",
                                     clip_on=False)      # c* = 1 sits in the corner
        self.axc.set_xlim(-1, 1)
        self.axc.set_ylim(-1, 1.02)
        self.axc.set_xlabel("$c^{l-1}$")
        self.axc.set_ylabel("$c^{l}$")
        self.axc.set_title("Отображение корреляции", fontsize=FONT.base)
        self.legend_c = self.axc.legend(fontsize=FONT.small, loc="upper left")
        self.p_point = None
        # the legends and the frames are drawn over the curves, as in a full draw
        self._dynamic(self.q_diag, self.q_line, self.q_star, self.legend_q,
                      *self.axq.spines.values(), self.c_line, self.c_star, self.legend_c,
                      *self.axc.spines.values(), *self.axp.spines.values())

    def _extra_key(self):
        return (self.act,)

    def _round(self, x):
        """A limit of the q-map: rounded up when live (few static parts), else as is."""
        return nice_up(x, _Q_STEPS) if self.live else float(x)

    def _phase(self, act):
        if self.p_point is not None:
            self._drop(self.p_point, *self._phase_over)
        self.axp.clear()
        grid, lsb, lsw = self.phase_data(act)
        labels = ("порядок", "хаос") if act not in ("relu", "linear") else ("порядок", "")
        draw_phase(self.axp, grid, lsb, lsw, labels=labels)
        # the point is drawn whole at the edges and over the labels and the legend
        self.p_point, = self.axp.plot([], [], "o", color=GREEN, ms=8, mec="white", mew=1.4,
                                      clip_on=False, zorder=6)
        self._phase_over = [*self.axp.texts, self.axp.get_legend()]
        self._dynamic(self.p_point, *self._phase_over)
        self.axp.set_title("Фазовая диаграмма: цвет — $\\xi_c$", fontsize=FONT.base)
        self.act = act

    def update(self, sw2, sb2, act, q_for_cmap=None):
        """Redraw for (σ_w², σ_b², act); the c-map is drawn at q* (or at ``q_for_cmap``)."""
        if act != self.act:
            self._phase(act)
        qs = mf.fixed_point_q(sw2, sb2, act)
        rnd = self._round
        top = rnd(max(2.0, 1.6 * qs) if np.isfinite(qs) else 2.0)
        q = np.linspace(0, top, 121)
        qm = mf.length_map(q, sw2, sb2, act)
        self.q_line.set_data(q, qm)
        self.q_diag.set_data([0, top], [0, top])
        self.q_star.set_data([qs] if np.isfinite(qs) else [], [qs] if np.isfinite(qs) else [])
        self.axq.set_xlim(0, top)
        end = float(qm[-1])        # the map's value at the right edge
        self.axq.set_ylim(0, top if end <= top else rnd(end * 1.02))
        qc = qs if q_for_cmap is None else q_for_cmap
        c = np.linspace(-1, 1, 81)
        self.c_line.set_data(c, mf.correlation_map(c, qc, sw2, sb2, act,
                                                   q_next=mf.length_map(qc, sw2, sb2, act), n=41))
        cs = mf.fixed_point_c(sw2, sb2, act) if q_for_cmap is None else np.nan
        self.c_star.set_data([cs] if np.isfinite(cs) else [], [cs] if np.isfinite(cs) else [])
        self.p_point.set_data([sb2], [sw2])
        return self.fig


@lru_cache(maxsize=4)
def phase_data(act: str = "tanh"):
    """(grid, line_sb2, line_sw2) of the explorer's phase panel, computed once per
    activation: σ_w² ∈ [0.5, 4.5] × σ_b² ∈ [0, 2]."""
    sb2 = np.linspace(np.sqrt(SB2_RANGE[0]), np.sqrt(SB2_RANGE[1]), 41) ** 2  # dense near 0
    grid = mf.phase_grid(np.linspace(*SW2_RANGE, 46), sb2, act)
    line_sb2 = np.linspace(np.sqrt(SB2_RANGE[0]), np.sqrt(SB2_RANGE[1]), 25) ** 2
    return grid, line_sb2, mf.chi1_line(line_sb2, act)


def maps_figure(sw2, sb2, act="tanh"):
    """The explorer's three panels for one setting (the static figure beside it)."""
    qs = mf.fixed_point_q(sw2, sb2, act)
    finite = np.isfinite(qs) and qs > 0
    fig = MapsFigure(phase_data, dpi=100, live=False).update(
        sw2, sb2, act, q_for_cmap=None if finite else 1.0)
    return fig


class CorrelationFigure:
    """The correlation explorer's two panels (c^l and q^l of two inputs, theory lines and one
    simulated network) as one persistent figure; ``update`` moves the data only."""

    def __init__(self, dpi=90):
        self.fig, ax = new_figure(10.0, 3.6, ncols=2, dpi=dpi, adjust={"wspace": 0.28})
        self.axc, self.axq = ax[0]
        self.c_th, = self.axc.plot([], [], color=BLUE, lw=2, label="теория")
        self.c_net, = self.axc.plot([], [], "o", color=RED, ms=3.5, label="сеть")
        self.axc.set_xlabel("слой $l$")
        self.axc.set_ylabel("корреляция $c^l$")
        self.axc.set_title("Корреляция двух входов", fontsize=FONT.base)
        self.axc.legend(fontsize=FONT.small, loc="lower left")
        self.q_th, = self.axq.plot([], [], color=BLUE, lw=2, label="теория")
        self.q_a, = self.axq.plot([], [], "o", color=RED, ms=3.5, label="вход 1")
        self.q_b, = self.axq.plot([], [], "s", color=GREEN, ms=3, label="вход 2")
        self.axq.set_xlabel("слой $l$")
        self.axq.set_ylabel("длина $q^l$")
        self.axq.set_title("Длина сигнала", fontsize=FONT.base)
        self.axq.legend(fontsize=FONT.small)

    def update(self, c_th, q_th, c_net, qa, qb):
        layers = np.arange(len(c_th))
        self.c_th.set_data(layers, c_th)
        self.c_net.set_data(layers, c_net)
        self.axc.set_xlim(-0.5, layers[-1] + 0.5)
        self.axc.set_ylim(min(-0.05, float(np.nanmin(c_net)) - 0.05), 1.02)
        for line, y in ((self.q_th, q_th), (self.q_a, qa), (self.q_b, qb)):
            line.set_data(layers, y)
        self.axq.set_xlim(-0.5, layers[-1] + 0.5)
        lo = float(np.nanmin([np.nanmin(q_th), np.nanmin(qa), np.nanmin(qb)]))
        hi = float(np.nanmax([np.nanmax(q_th), np.nanmax(qa), np.nanmax(qb)]))
        if hi > 50 * max(lo, 1e-300):
            self.axq.set_yscale("log")
            self.axq.set_ylim(max(lo, 1e-300) / 1.5, hi * 1.5)
        else:
            self.axq.set_yscale("linear")
            pad = 0.05 * max(hi - lo, 1e-3)
            self.axq.set_ylim(lo - pad, hi + pad)
        return self.fig
