"""Figures of problem 7 (is h exactly N(0, σ²)?): histogram against the target density,
QQ plot, a table of moments. Matplotlib without pyplot, Russian labels.

API (stable):

    Case(key, sigma2, k, a=1.0, mode="joint", n=20000, seed=0, title=None)
        one setting of the chapter: a construction of ``initlab.exact_normal``
    run_case(case) -> dict      the sample h, its moments, KS test, verdicts, exact moments
    plot_hist(h, sigma2, ax, bins=60, extra=None)   histogram + N(0, σ²) density
    plot_qq(h, sigma2, ax, m=200)                   QQ plot against N(0, σ²)
    plot_cases(cases, ncols=2) -> Figure            small multiples: histogram | QQ per case
    plot_density(x, curves, title=None, xlabel="", ylim=None) -> Figure  densities on one axes
    moments_table(cases_or_results) -> str          Markdown table (theory vs sample, KS, verdict)
    moments_html(cases_or_results) -> str           the same table in HTML (for the book)
    ExplorerFigure(figsize=(9.5, 3.6), dpi=80)      created once, updated in place (h/σ
        against N(0, 1), blitted): .update(result) -> Figure ; .png() -> bytes ; .fig

Numerics come from ``initlab.exact_normal``; nothing is computed here except histograms.
"""
from __future__ import annotations

import io
import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from scipy import stats

from .. import text
from ..demos import Case, run_case
from ..numerics import exact_normal as en
from .style import FONT, constrained_figure

__all__ = [
    "Case",
    "ExplorerFigure",
    "moments_html",
    "moments_table",
    "plot_cases",
    "plot_density",
    "plot_hist",
    "plot_qq",
    "run_case",
]

SAMPLE, TARGET, BAD = "#1f5fa8", "#c0392b", "#7f8c8d"
HIST_RANGE = 5.0   # the histogram shows [−5σ, 5σ]


def _label(case: Case) -> str:
    if case.title:
        return case.title
    label = text.label(en.get_construction(case.key))
    return label + (", веса фиксированы" if case.mode == "fixed" else "")


def plot_hist(h, sigma2: float, ax, bins: int = 60, extra=None):
    """Histogram of h on [−5σ, 5σ] (density w.r.t. all n points, so mass outside the
    window is missing) with the N(0, σ²) density; ``extra`` = (x, y, label) another curve."""
    sd = math.sqrt(sigma2)
    edges = np.linspace(-HIST_RANGE * sd, HIST_RANGE * sd, bins + 1)
    cnt, _ = np.histogram(h, edges)
    dens = cnt / (len(h) * np.diff(edges))
    ax.stairs(dens, edges, fill=True, color=SAMPLE, alpha=0.45, label="выборка h")
    x = np.linspace(edges[0], edges[-1], 301)
    ax.plot(x, stats.norm.pdf(x, scale=sd), color=TARGET, lw=1.8, label="плотность N(0, σ²)")
    if extra is not None:
        ax.plot(extra[0], extra[1], color="k", lw=1.2, ls="--", label=extra[2])
    out = np.mean(np.abs(h) > HIST_RANGE * sd)
    if out > 0:
        ax.text(0.02, 0.97, f"вне окна: {text.fmt(100 * out, 2)} %", transform=ax.transAxes,
                va="top", fontsize=FONT.small)
    ax.set_xlabel("h", fontsize=FONT.medium)
    ax.set_ylabel("плотность", fontsize=FONT.medium)
    ax.tick_params(labelsize=FONT.small)


def plot_qq(h, sigma2: float, ax, m: int = 200):
    """Sample quantiles of h against those of N(0, σ²), with the line y = x."""
    tq, sq = en.qq_data(h, sigma2, m)
    ax.plot(tq, sq, ".", ms=3, color=SAMPLE)
    lim = max(np.max(np.abs(tq)), 1e-12) * 1.15
    ax.plot([-lim, lim], [-lim, lim], color=TARGET, lw=1.2)
    ax.set_xlim(-lim, lim)
    ax.set_xlabel("квантили N(0, σ²)", fontsize=FONT.medium)
    ax.set_ylabel("квантили выборки", fontsize=FONT.medium)
    ax.tick_params(labelsize=FONT.small)


def _short_verdict(res) -> str:
    return "нормальное" if res["normal"] else "не N(0, σ²)"


def plot_cases(cases, ncols: int = 2, bins: int = 60) -> Figure:
    """Small multiples for the static figures of the chapter: per case a panel titled by
    the case, with a histogram and a QQ plot; ``ncols`` cases per row, one legend for the
    figure. Invalid cases show their Russian reason."""
    results = [c if isinstance(c, dict) else run_case(c) for c in cases]
    nrows = math.ceil(len(results) / ncols)
    fig = constrained_figure(5.6 * ncols, 3.0 * nrows + 0.4)
    subs = fig.subfigures(nrows, ncols, squeeze=False)
    handles = None
    for i in range(nrows * ncols):
        sf = subs[divmod(i, ncols)]
        if i >= len(results):
            continue
        res = results[i]
        case = res["case"]
        sf.suptitle(_label(case), fontsize=FONT.grid_title)
        axh, axq = sf.subplots(1, 2)
        if res["error"]:
            for ax in (axh, axq):
                ax.axis("off")
            axh.text(0, 0.5, res["error"], fontsize=FONT.small, wrap=True, va="center")
            continue
        plot_hist(res["h"], case.sigma2, axh, bins)
        plot_qq(res["h"], case.sigma2, axq)
        mo = res["moments"]
        color = "#1e7b34" if res["normal"] else TARGET
        axh.set_title(f"эксцесс {text.fmt(mo['excess_kurtosis'], 2)}", fontsize=FONT.grid_small)
        axq.set_title(f"D = {text.fmt(res['ks'], 2)}: {_short_verdict(res)}", fontsize=FONT.grid_small,
                      color=color)
        if handles is None:
            handles = axh.get_legend_handles_labels()
    if handles is not None:
        fig.legend(*handles, loc="outside lower center", ncols=2, fontsize=FONT.grid_small,
                   frameon=False)
    return fig


def plot_density(x, curves, title=None, xlabel: str = "", ylim=None) -> Figure:
    """Several densities on one axes; ``curves`` = [(y, label, style dict), …]."""
    fig = constrained_figure(6.4, 3.2)
    ax = fig.subplots()
    for y, label, style in curves:
        ax.plot(x, y, label=label, **(style or {}))
    ax.set_xlabel(xlabel, fontsize=FONT.medium)
    ax.set_ylabel("плотность", fontsize=FONT.medium)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if title:
        ax.set_title(title, fontsize=FONT.base)
    ax.legend(fontsize=FONT.small)
    ax.tick_params(labelsize=FONT.small)
    return fig


def _cell(theory, sample) -> str:
    return f"{text.fmt(theory)} / {text.fmt(sample)}" if theory is not None else text.fmt(sample)


_TABLE_HEAD = ("конструкция", "σ², k, a", "среднее", "дисперсия", "эксцесс", "KS: D (p)",
               "вердикт")
_TABLE_NOTE = ("В клетках «теория / выборка»; вердикт — тест Колмогорова–Смирнова "
               "против N(0, σ²) на уровне 0,01.")


def _table_rows(items) -> list[tuple[str, ...]]:
    rows = []
    for it in items:
        res = it if isinstance(it, dict) else run_case(it)
        case = res["case"]
        par = f"{text.fmt(case.sigma2)}, {case.k}, {text.fmt(case.a)}"
        if res["error"]:
            rows.append((_label(case), par, "—", "—", "—", "—", res["error"]))
            continue
        ex, mo = res["exact"], res["moments"]
        ex = ex or {"mean": None, "var": None, "excess_kurtosis": None}
        rows.append((_label(case), par, _cell(ex["mean"], mo["mean"]),
                     _cell(ex["var"], mo["var"]),
                     _cell(ex["excess_kurtosis"], mo["excess_kurtosis"]),
                     f"{text.fmt(res['ks'], 2)} ({text.fmt(res['pvalue'], 2)})",
                     "да" if res["normal"] else "нет"))
    return rows


def moments_table(items) -> str:
    """Markdown table: per case mean, variance, excess kurtosis (theory / sample), σ², the
    KS statistic with its p-value, and the verdict of the test."""
    lines = ["| " + " | ".join(_TABLE_HEAD) + " |", "|" + "---|" * len(_TABLE_HEAD)]
    lines += ["| " + " | ".join(r) + " |" for r in _table_rows(items)]
    return "\n".join([*lines, "", _TABLE_NOTE])


def moments_html(items) -> str:
    """The same table as ``moments_table`` in HTML (the book renders HTML outputs, not
    Markdown tables)."""
    import html

    def tr(cells, tag):
        return "<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>"

    body = "".join(tr(r, "td") for r in _table_rows(items))
    return (f"<table><thead>{tr(_TABLE_HEAD, 'th')}</thead><tbody>{body}</tbody></table>"
            f"<p><small>{html.escape(_TABLE_NOTE)}</small></p>")


class ExplorerFigure:
    """The explorer's figure (histogram | QQ plot), created once and updated in place.

    It shows h/σ, so the target is always N(0, 1): the x-axes, the target density, the
    diagonal of the QQ plot and the legend never change. The y-limits are rounded up to
    a few fixed levels. Everything static is drawn once per pair of y-levels and cached
    as a bitmap; an update restores the bitmap and draws only the histogram bars, the QQ
    points and a note (blitting), which keeps a redraw in a few tens of milliseconds.
    ``png()`` encodes the current bitmap.
    """

    HIST_LEVELS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
    QQ_LEVELS = (3.5, 7.0, 14.0, 28.0, 56.0, 112.0, 224.0, 448.0)

    def __init__(self, figsize=(9.5, 3.6), dpi: int = 80, bins: int = 60):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        # a fixed layout: the constrained layout engine would double the redraw time
        self.fig = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        self.fig.subplots_adjust(left=0.07, right=0.985, bottom=0.15, top=0.96, wspace=0.22)
        self.ax_hist, self.ax_qq = self.fig.subplots(1, 2)
        self.bins = bins
        self.edges = np.linspace(-HIST_RANGE, HIST_RANGE, bins + 1)
        self.stairs = self.ax_hist.stairs(np.zeros(bins), self.edges, fill=True, color=SAMPLE,
                                          alpha=0.45, label="выборка h/σ", animated=True)
        x = np.linspace(-HIST_RANGE, HIST_RANGE, 201)
        (self.target,) = self.ax_hist.plot(x, stats.norm.pdf(x), color=TARGET, lw=1.8,
                                           label="плотность N(0, 1)", animated=True)
        self.out_text = self.ax_hist.text(0.02, 0.97, "", transform=self.ax_hist.transAxes,
                                          va="top", fontsize=FONT.small, animated=True)
        # (the note «вне окна…» is upper left)
        self.ax_hist.legend(fontsize=FONT.small, loc="center right")
        self.ax_hist.set_xlim(-HIST_RANGE, HIST_RANGE)
        self.ax_hist.set_xlabel("h/σ", fontsize=FONT.medium)
        self.ax_hist.set_ylabel("плотность", fontsize=FONT.medium)
        tq = stats.norm.ppf((np.arange(200) + 0.5) / 200)
        lim = float(np.max(np.abs(tq)) * 1.15)
        (self.qq,) = self.ax_qq.plot(tq, tq, ".", ms=3, color=SAMPLE, animated=True)
        self.ax_qq.plot([-lim, lim], [-lim, lim], color=TARGET, lw=1.2)
        self.ax_qq.set_xlim(-lim, lim)
        self.ax_qq.set_xlabel("квантили N(0, 1)", fontsize=FONT.medium)
        self.ax_qq.set_ylabel("квантили h/σ", fontsize=FONT.medium)
        for ax in (self.ax_hist, self.ax_qq):
            ax.tick_params(labelsize=FONT.small)
            ax.xaxis.set_major_locator(MaxNLocator(5))
            ax.yaxis.set_major_locator(MaxNLocator(4))
        self._backgrounds: dict = {}

    @staticmethod
    def _level(value: float, levels) -> float:
        for lv in levels:
            if value <= lv:
                return lv
        return levels[-1]

    def update(self, result: dict) -> Figure:
        """Show ``run_case`` output (a valid case)."""
        case = result["case"]
        sd = math.sqrt(case.sigma2)
        z = np.asarray(result["h"], dtype=float) / sd
        cnt, _ = np.histogram(z, self.edges)
        dens = cnt / (z.size * np.diff(self.edges))
        _, sq = en.qq_data(z, 1.0)
        hy = self._level(1.1 * max(float(dens.max()), 0.4), self.HIST_LEVELS)
        qy = self._level(1.05 * float(np.max(np.abs(sq))), self.QQ_LEVELS)
        self.ax_hist.set_ylim(0, hy)
        self.ax_qq.set_ylim(-qy, qy)
        key = (hy, qy)
        if key not in self._backgrounds:
            self.canvas.draw()          # the animated artists are left out
            self._backgrounds[key] = self.canvas.copy_from_bbox(self.fig.bbox)
        self.canvas.restore_region(self._backgrounds[key])
        self.stairs.set_data(np.minimum(dens, hy), self.edges)
        self.qq.set_ydata(np.clip(sq, -qy, qy))
        out = np.mean(np.abs(z) > HIST_RANGE)
        clipped = np.any(np.abs(sq) > qy)
        note = f"вне окна: {text.fmt(100 * out, 2)} %" if out > 0 else ""
        if clipped:
            note += ("; " if note else "") + "крайние квантили обрезаны"
        self.out_text.set_text(note)
        self.ax_hist.draw_artist(self.stairs)
        self.ax_hist.draw_artist(self.target)   # on top of the bars
        self.ax_hist.draw_artist(self.out_text)
        self.ax_qq.draw_artist(self.qq)
        return self.fig

    def png(self) -> bytes:
        """The current picture as PNG bytes (from the bitmap; nothing is redrawn)."""
        from PIL import Image

        buf = io.BytesIO()
        img = Image.frombuffer("RGBA", self.canvas.get_width_height(),
                               self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        img.save(buf, format="png", compress_level=1)
        return buf.getvalue()
