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
    ExplorerFigure(figsize=(9.5, 3.6), dpi=80)      created once, updated in place:
        .update(result) -> Figure ; .png() -> bytes ; .fig

Numerics come from ``initlab.exact_normal``; nothing is computed here except histograms.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from scipy import stats

from . import exact_normal as en

__all__ = ["Case", "run_case", "plot_hist", "plot_qq", "plot_cases", "plot_density",
           "moments_table", "ExplorerFigure"]

SAMPLE, TARGET, BAD = "#1f5fa8", "#c0392b", "#7f8c8d"
HIST_RANGE = 5.0   # the histogram shows [−5σ, 5σ]


@dataclass(frozen=True)
class Case:
    """One setting: construction ``key`` with σ², k, a, randomness ``mode``, n samples."""

    key: str
    sigma2: float
    k: int
    a: float = 1.0
    mode: str = "joint"
    n: int = 20000
    seed: int = 0
    title: str | None = None


def run_case(case: Case) -> dict:
    """Sample h for ``case`` (seeded) and compute everything the figures and tables show.

    For an invalid combination returns ``{"case", "error"}`` with the Russian reason.
    """
    err = en.validate(case.key, case.sigma2, case.k, case.a, n=case.n)
    if err:
        return dict(case=case, error=err)
    rng = np.random.default_rng(case.seed)
    h = en.sample_h(case.key, rng, case.n, case.sigma2, case.k, case.a, mode=case.mode)
    d, pv = en.ks_test(h, case.sigma2)
    ok, text = en.verdict(h, case.sigma2, ks=(d, pv))
    tok, ttext = en.theory_verdict(case.key, case.sigma2, case.k, case.a, case.mode)
    exact = en.exact_moments(case.key, case.sigma2, case.k, case.a) \
        if case.mode == "joint" else None
    return dict(case=case, error=None, h=h, moments=en.sample_moments(h), ks=d, pvalue=pv,
                normal=ok, verdict=text, theory_normal=tok, theory=ttext, exact=exact)


def _label(case: Case) -> str:
    if case.title:
        return case.title
    return en.get_construction(case.key).label


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
        ax.text(0.02, 0.97, f"вне окна: {en.fmt(100 * out, 2)} %", transform=ax.transAxes,
                va="top", fontsize=8)
    ax.set_xlabel("h", fontsize=9)
    ax.set_ylabel("плотность", fontsize=9)
    ax.tick_params(labelsize=8)


def plot_qq(h, sigma2: float, ax, m: int = 200):
    """Sample quantiles of h against those of N(0, σ²), with the line y = x."""
    tq, sq = en.qq_data(h, sigma2, m)
    ax.plot(tq, sq, ".", ms=3, color=SAMPLE)
    lim = max(np.max(np.abs(tq)), 1e-12) * 1.15
    ax.plot([-lim, lim], [-lim, lim], color=TARGET, lw=1.2)
    ax.set_xlim(-lim, lim)
    ax.set_xlabel("квантили N(0, σ²)", fontsize=9)
    ax.set_ylabel("квантили выборки", fontsize=9)
    ax.tick_params(labelsize=8)


def _short_verdict(res) -> str:
    return "нормальное" if res["normal"] else "не N(0, σ²)"


def plot_cases(cases, ncols: int = 2, bins: int = 60) -> Figure:
    """Small multiples for the static figures of the chapter: per case a histogram and a QQ
    plot; ``ncols`` cases per row. Invalid cases show their Russian reason."""
    results = [c if isinstance(c, dict) else run_case(c) for c in cases]
    nrows = math.ceil(len(results) / ncols)
    fig = Figure(figsize=(5.2 * ncols, 2.9 * nrows), dpi=100, layout="constrained")
    axes = fig.subplots(nrows, 2 * ncols, squeeze=False)
    for i, res in enumerate(results):
        r, c0 = divmod(i, ncols)
        axh, axq = axes[r, 2 * c0], axes[r, 2 * c0 + 1]
        case = res["case"]
        if res["error"]:
            for ax in (axh, axq):
                ax.axis("off")
            axh.text(0, 0.5, res["error"], fontsize=8, wrap=True, va="center")
            continue
        plot_hist(res["h"], case.sigma2, axh, bins)
        plot_qq(res["h"], case.sigma2, axq)
        mo = res["moments"]
        axh.set_title(_label(case), fontsize=9, loc="left")
        axq.set_title(f"D = {en.fmt(res['ks'], 2)}, эксцесс {en.fmt(mo['excess_kurtosis'], 2)}: "
                      f"{_short_verdict(res)}", fontsize=9,
                      color="#1e7b34" if res["normal"] else TARGET)
    for j in range(len(results), nrows * ncols):
        r, c0 = divmod(j, ncols)
        axes[r, 2 * c0].axis("off")
        axes[r, 2 * c0 + 1].axis("off")
    axes[0, 0].legend(fontsize=7, loc="upper right")
    return fig


def plot_density(x, curves, title=None, xlabel: str = "", ylim=None) -> Figure:
    """Several densities on one axes; ``curves`` = [(y, label, style dict), …]."""
    fig = Figure(figsize=(6.4, 3.2), dpi=100, layout="constrained")
    ax = fig.subplots()
    for y, label, style in curves:
        ax.plot(x, y, label=label, **(style or {}))
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_ylabel("плотность", fontsize=9)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    ax.tick_params(labelsize=8)
    return fig


def _cell(theory, sample) -> str:
    return f"{en.fmt(theory)} / {en.fmt(sample)}" if theory is not None else en.fmt(sample)


def moments_table(items) -> str:
    """Markdown table: per case mean, variance, excess kurtosis (theory / sample), σ², the
    KS statistic with its p-value, and the verdict of the test."""
    rows = ["| конструкция | σ², k, a | среднее | дисперсия | эксцесс | KS: D (p) | вердикт |",
            "|---|---|---|---|---|---|---|"]
    for it in items:
        res = it if isinstance(it, dict) else run_case(it)
        case = res["case"]
        par = f"{en.fmt(case.sigma2)}, {case.k}, {en.fmt(case.a)}"
        if res["error"]:
            rows.append(f"| {_label(case)} | {par} | — | — | — | — | {res['error']} |")
            continue
        ex, mo = res["exact"], res["moments"]
        ex = ex or dict(mean=None, var=None, excess_kurtosis=None)
        rows.append(
            f"| {_label(case)} | {par} | {_cell(ex['mean'], mo['mean'])} "
            f"| {_cell(ex['var'], mo['var'])} "
            f"| {_cell(ex['excess_kurtosis'], mo['excess_kurtosis'])} "
            f"| {en.fmt(res['ks'], 2)} ({en.fmt(res['pvalue'], 2)}) "
            f"| {'да' if res['normal'] else 'нет'} |")
    rows.append("")
    rows.append("В клетках «теория / выборка»; вердикт — тест Колмогорова–Смирнова "
                "против N(0, σ²) на уровне 0,01.")
    return "\n".join(rows)


class ExplorerFigure:
    """The explorer's figure (histogram | QQ plot), created once and updated in place."""

    def __init__(self, figsize=(9.5, 3.6), dpi: int = 80, bins: int = 60):
        # a fixed layout: the constrained layout engine would double the redraw time
        self.fig = Figure(figsize=figsize, dpi=dpi)
        self.fig.subplots_adjust(left=0.07, right=0.985, bottom=0.15, top=0.96, wspace=0.22)
        self.ax_hist, self.ax_qq = self.fig.subplots(1, 2)
        self.bins = bins
        e = np.linspace(-HIST_RANGE, HIST_RANGE, bins + 1)
        self.stairs = self.ax_hist.stairs(np.zeros(bins), e, fill=True, color=SAMPLE,
                                          alpha=0.45, label="выборка h")
        (self.target,) = self.ax_hist.plot([], [], color=TARGET, lw=1.8,
                                           label="плотность N(0, σ²)")
        self.out_text = self.ax_hist.text(0.02, 0.97, "", transform=self.ax_hist.transAxes,
                                          va="top", fontsize=8)
        self.ax_hist.legend(fontsize=8, loc="upper right")
        self.ax_hist.set_xlabel("h", fontsize=9)
        self.ax_hist.set_ylabel("плотность", fontsize=9)
        (self.qq,) = self.ax_qq.plot([], [], ".", ms=3, color=SAMPLE)
        (self.diag,) = self.ax_qq.plot([], [], color=TARGET, lw=1.2)
        self.ax_qq.set_xlabel("квантили N(0, σ²)", fontsize=9)
        self.ax_qq.set_ylabel("квантили выборки", fontsize=9)
        for ax in (self.ax_hist, self.ax_qq):
            ax.tick_params(labelsize=8)
            # few ticks: drawing tick labels is most of a redraw
            ax.xaxis.set_major_locator(MaxNLocator(5))
            ax.yaxis.set_major_locator(MaxNLocator(4))

    def update(self, result: dict) -> Figure:
        """Show ``run_case`` output (a valid case)."""
        case, h = result["case"], result["h"]
        sd = math.sqrt(case.sigma2)
        edges = np.linspace(-HIST_RANGE * sd, HIST_RANGE * sd, self.bins + 1)
        cnt, _ = np.histogram(h, edges)
        dens = cnt / (len(h) * np.diff(edges))
        self.stairs.set_data(dens, edges)
        x = np.linspace(edges[0], edges[-1], 201)
        y = stats.norm.pdf(x, scale=sd)
        self.target.set_data(x, y)
        self.ax_hist.set_xlim(edges[0], edges[-1])
        self.ax_hist.set_ylim(0, 1.1 * max(dens.max(), y.max()))
        out = np.mean(np.abs(h) > HIST_RANGE * sd)
        self.out_text.set_text(f"вне окна: {en.fmt(100 * out, 2)} %" if out > 0 else "")
        tq, sq = en.qq_data(h, case.sigma2)
        self.qq.set_data(tq, sq)
        lim = np.max(np.abs(tq)) * 1.15
        self.diag.set_data([-lim, lim], [-lim, lim])
        self.ax_qq.set_xlim(-lim, lim)
        lo, hi = min(sq.min(), -lim), max(sq.max(), lim)
        pad = 0.05 * (hi - lo)
        self.ax_qq.set_ylim(lo - pad, hi + pad)
        return self.fig

    def png(self) -> bytes:
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})
        return buf.getvalue()
