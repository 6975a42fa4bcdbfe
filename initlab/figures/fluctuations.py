"""Figures of the chapter «Одна сеть против средней»: histograms of log₁₀ R, spread and
P(off by ×10) against L/n, weight gradients per layer, the explorer's panel.

All axes show log₁₀ (a factor of 10 is one unit); the exact laws of
``initlab.numerics.fluctuations`` are drawn as lines, Monte Carlo as histograms or points.

    plot_collapse(collapse) -> Figure
    plot_spread(*spreads) -> Figure
    plot_off(*offs) -> Figure
    plot_gradients(gradients, examples=3) -> Figure
    draw_histogram(ax, panel)          one explorer panel on an axis
    plot_panel(panel, w=7.0, h=3.6) -> Figure
    plot_panels(panels, ncols=2) -> Figure   the static figure of key settings
    HistogramFigure()                  the explorer's figure, updated in place:
        .update(panel) -> self, .png() -> bytes
"""
from __future__ import annotations

import numpy as np

from ..demos_fluctuations import ACT_TITLE, networks_text
from ..numerics import fluctuations as F
from .style import BLUE, FONT, GREEN, GREY, ORANGE, PALETTE, RED, log_axis, new_figure

__all__ = [
    "HistogramFigure",
    "draw_histogram",
    "plot_collapse",
    "plot_gradients",
    "plot_off",
    "plot_panel",
    "plot_panels",
    "plot_spread",
]

LN10 = np.log(10.0)


def _comma(x) -> str:
    return f"{x:g}".replace(".", ",").replace("-", "−")


def plot_collapse(collapse):
    """One panel per group of (L, n): histograms of log₁₀ R and the exact densities."""
    k = len(collapse.groups)
    fig, axes = new_figure(4.0 * k, 3.4, ncols=k, sharey=True)
    for ax, group in zip(axes[0], collapse.groups):
        same_ratio = len({L / n for L, n in group}) == 1
        for color, (L, n) in zip(PALETTE, group):
            s = collapse.samples[(L, n)]
            s = s[np.isfinite(s)] / LN10
            law = collapse.laws[(L, n)]
            ax.hist(s, bins=40, range=(-3, 2), density=True, histtype="step", color=color,
                    lw=1.2, label=f"L = {L}, n = {n}")
            ax.plot(law.x / LN10, law.pdf * LN10, color=color, lw=0.9, ls="--")
        for v in (-1, 1):
            ax.axvline(v, color=GREY, lw=0.6, ls=":")
        ax.axvline(0, color="k", lw=0.6)
        L0, n0 = group[0]
        title = (f"одинаковое L/n = {_comma(L0 / n0)}" if same_ratio
                 else f"одинаковая глубина L = {L0}")
        ax.set_title(title, fontsize=FONT.base)
        ax.set_xlim(-3, 2)
        ax.set_xlabel("log₁₀ R  (R = ‖x_L‖² / E‖x_L‖²)")
        ax.legend(fontsize=FONT.small, loc="upper left", frameon=False)
    axes[0, 0].set_ylabel("плотность")
    size = len(next(iter(collapse.samples.values())))
    fig.suptitle(f"{ACT_TITLE[collapse.act]}: {networks_text(size)} на гистограмму; "
                 "штрихи — точный закон", fontsize=FONT.base)
    return fig


def plot_spread(*spreads):
    """Standard deviation of log₁₀ R against L/n: points (Monte Carlo ± 2 se), exact
    curves for each width, and the large-width line √(c·L/n)/ln 10."""
    k = len(spreads)
    fig, axes = new_figure(4.6 * k, 3.6, ncols=k)
    for ax, sp in zip(axes[0], spreads):
        c = F.step_constant(sp.act)
        for color, n in zip((ORANGE, BLUE, GREEN), sp.widths):
            Ls = np.arange(1, int(max(sp.ratios) * n) + 1)
            Ls = np.unique(np.geomspace(1, Ls[-1], 40).round().astype(int))
            ex = [np.sqrt(F.log_norm_moments(F.widths_of(n, L), sp.act)[1]) for L in Ls]
            ax.plot(Ls / n, np.array(ex) / LN10, color=color, lw=1, label=f"точно, n = {n}")
            ok = np.isfinite(sp.sd[n])
            ax.errorbar(sp.ratios[ok], sp.sd[n][ok] / LN10, yerr=2 * sp.se[n][ok] / LN10,
                        fmt="o", ms=3.5, color=color, lw=0.8)
        r = np.geomspace(min(sp.ratios) / 1.5, max(sp.ratios) * 1.5, 50)
        ax.plot(r, np.sqrt(c * r) / LN10, color="k", ls="--", lw=1,
                label=f"√({_comma(c)}·L/n) / ln 10")
        log_axis(ax, "xy")
        ax.set_xlabel("L / n")
        ax.set_ylabel("ст. отклонение log₁₀ R")
        ax.set_title(f"{ACT_TITLE[sp.act]}; точки — {networks_text(sp.networks)}",
                     fontsize=FONT.base)
        ax.legend(fontsize=FONT.small, frameon=False)
    return fig


def plot_off(*offs):
    """P(R < 1/10 or R > 10) against L/n: exact curves per width, the normal
    approximation, Monte Carlo points ± 2 se."""
    k = len(offs)
    fig, axes = new_figure(4.6 * k, 3.6, ncols=k, sharey=True)
    for ax, off in zip(axes[0], offs):
        for color, n in zip((ORANGE, BLUE, GREEN), off.exact):
            ax.plot(off.ratios_fine[n], off.exact[n], color=color, lw=1,
                    label=f"точно, n = {n}")
            ok = np.isfinite(off.mc[n])
            ax.errorbar(off.mc_ratios[ok], off.mc[n][ok],
                        yerr=2 * off.mc_se[n][ok], fmt="o", ms=3.5, color=color, lw=0.8)
        ax.plot(off.normal_ratios, off.normal, color="k", ls="--", lw=1,
                label="нормальное приближение")
        log_axis(ax, "x")
        ax.set_ylim(0, 1)
        ax.set_xlabel("L / n")
        ax.set_title(ACT_TITLE[off.act], fontsize=FONT.base)
        ax.legend(fontsize=FONT.small, frameon=False, loc="upper left")
    axes[0, 0].set_ylabel("P(отклонение больше чем в 10 раз)")
    return fig


def plot_gradients(gr, examples: int = 3):
    """Mean square weight gradient per layer: the average over networks, the product
    E x²·E δ², the 5–95 % band of single networks and a few single networks."""
    fig, axes = new_figure(6.4, 3.6)
    ax = axes[0, 0]
    layers = np.arange(1, gr.depth + 1)
    lo, hi = np.quantile(gr.g2, [0.05, 0.95], axis=0)
    ax.fill_between(layers, lo, hi, color=BLUE, alpha=0.15, lw=0,
                    label="5–95 % отдельных сетей")
    for i in range(examples):
        ax.plot(layers, gr.g2[i], color=GREY, lw=0.8, marker=".",
                label="отдельные сети" if i == 0 else None)
    ax.plot(layers, gr.mean_g2, "o", color=BLUE, ms=5, label="среднее по сетям")
    ax.plot(layers, gr.product, "x", color=RED, ms=6, label="E x² · E δ²")
    ax.axhline(1.0, color="k", lw=0.8, ls="--", label="среднее поле: 1")
    log_axis(ax, "y")
    ax.set_ylim(lo.min() / 100, hi.max() * 3)      # room for the legend below the band
    ax.set_xlabel("слой l")
    ax.set_ylabel("средний квадрат ∂ℒ/∂W_l")
    ax.set_title(f"{ACT_TITLE[gr.act]}, n = {gr.n}, L = {gr.depth}, {networks_text(gr.networks)}",
                 fontsize=FONT.base)
    ax.legend(fontsize=FONT.small, frameon=False, ncols=2, loc="lower center")
    return fig


def draw_histogram(ax, panel) -> None:
    """One explorer panel: histogram of log₁₀(‖x_L‖²/‖x_0‖²), the exact density (linear,
    ReLU), the mean-field value, and the 5/50/95 % quantiles (simulation vs exact)."""
    alive, shift, rng = _panel_geometry(panel)
    law = panel["law"]
    counts, edges = np.histogram(alive, bins=40, range=rng, density=True)
    ax.stairs(counts, edges, fill=True, color=BLUE, alpha=0.35,
              label=f"моделирование: {networks_text(alive.size)}")   # one artist: fast redraws
    if law is not None:
        ax.plot(law.x / LN10 + shift, law.pdf * LN10, color=RED, lw=1.3, label="точный закон")
    ax.axvline(shift, color="k", lw=1.2, ls="--", label="среднее поле: log₁₀ E‖x_L‖²")
    qs = (0.05, 0.5, 0.95)
    sim_q = np.quantile(alive, qs) if alive.size else [np.nan] * 3
    for q, v in zip(qs, sim_q):
        ax.axvline(v, color=BLUE, lw=0.8, ls=":")
    if law is not None:
        for v in law.quantile(qs) / LN10 + shift:
            ax.plot([v], [0], marker="^", color=RED, ms=7, clip_on=False)
    ax.set_xlim(*rng)
    ax.set_xlabel("log₁₀ (‖x_L‖² / ‖x_0‖²)")
    ax.set_ylabel("плотность")
    ax.set_title(panel["title"], fontsize=FONT.base)
    ax.legend(fontsize=FONT.small, frameon=False, loc="upper left")


def plot_panel(panel, w: float = 7.0, h: float = 3.6):
    fig, axes = new_figure(w, h)
    draw_histogram(axes[0, 0], panel)
    return fig


def plot_panels(panels, ncols: int = 2):
    nrows = int(np.ceil(len(panels) / ncols))
    fig, axes = new_figure(5.2 * ncols, 3.4 * nrows, ncols=ncols, nrows=nrows)
    for ax, panel in zip(axes.ravel(), panels):
        draw_histogram(ax, panel)
    for ax in axes.ravel()[len(panels):]:
        ax.set_visible(False)
    return fig



def _panel_geometry(panel):
    """(alive samples in log₁₀, law shift, x-range) of a panel."""
    s = panel["samples"] / LN10
    alive = s[np.isfinite(s)]
    law = panel["law"]
    shift = panel["mean_log"] / LN10
    lo, hi = np.quantile(alive, [0.001, 0.999]) if alive.size else (-1.0, 1.0)
    if law is not None:
        lo = min(lo, law.quantile(0.001) / LN10 + shift)
        hi = max(hi, law.quantile(0.999) / LN10 + shift)
    pad = 0.1 * (hi - lo) + 0.05
    return alive, shift, (lo - pad, hi + pad)


class HistogramFigure:
    """The explorer's panel as one figure whose artists are updated in place (no new axes,
    legend or ticks per update: the redraw is what a slider move costs)."""

    def __init__(self, w: float = 7.0, h: float = 3.6):
        self.fig, axes = new_figure(w, h)
        ax = self.ax = axes[0, 0]
        self.hist = ax.stairs(np.zeros(40), np.linspace(0, 1, 41), fill=True, color=BLUE,
                              alpha=0.35, label="моделирование")
        (self.law,) = ax.plot([], [], color=RED, lw=1.3, label="точный закон")
        self.mean = ax.axvline(0, color="k", lw=1.2, ls="--",
                               label="среднее поле: log₁₀ E‖x_L‖²")
        self.sim_q = [ax.axvline(0, color=BLUE, lw=0.8, ls=":") for _ in range(3)]
        (self.law_q,) = ax.plot([], [], ls="none", marker="^", color=RED, ms=7, clip_on=False)
        ax.set_xlabel("log₁₀ (‖x_L‖² / ‖x_0‖²)")
        ax.set_ylabel("плотность")
        self.title = ax.set_title("", fontsize=FONT.base)
        self.legend = ax.legend(fontsize=FONT.small, frameon=False, loc="upper left")

    def update(self, panel):
        alive, shift, rng = _panel_geometry(panel)
        counts, edges = np.histogram(alive, bins=40, range=rng, density=True)
        self.hist.set_data(counts, edges)
        law = panel["law"]
        top = counts.max() if counts.size else 1.0
        texts = self.legend.get_texts()
        texts[0].set_text(f"моделирование: {networks_text(alive.size)}")
        if law is not None:
            pdf = law.pdf * LN10
            self.law.set_data(law.x / LN10 + shift, pdf)
            self.law_q.set_data(law.quantile((0.05, 0.5, 0.95)) / LN10 + shift, [0, 0, 0])
            texts[1].set_text("точный закон")
            top = max(top, pdf.max())
        else:
            self.law.set_data([], [])
            self.law_q.set_data([], [])
            texts[1].set_text("точного закона нет")
        self.mean.set_xdata([shift, shift])
        qs = np.quantile(alive, (0.05, 0.5, 0.95)) if alive.size else [np.nan] * 3
        for line, v in zip(self.sim_q, qs):
            line.set_xdata([v, v])
        self.ax.set_xlim(*rng)
        self.ax.set_ylim(0, 1.25 * top)
        self.title.set_text(panel["title"])
        return self

    def png(self) -> bytes:
        from .style import png
        return png(self.fig)
