"""Figures of the course (matplotlib, Russian labels), one function per figure kind.

All figures are ``matplotlib.figure.Figure`` objects made without pyplot: nothing is
shown twice in a notebook, and a returned figure is displayed once by Jupyter's inline
backend (make it the last expression of a cell, or call ``IPython.display.display``).

API (stable):

    plot_variance(theory=None, sim=None, ax=None, title=None, legend=True) -> Figure
        Var z_l (forward, blue) and Var ∂L/∂z_l (backward, red) per layer on one log-scale
        axes: theory as lines, simulation as markers. A breakdown (overflow, underflow,
        exact zero, loss of float32 precision) is written on the axes in Russian, e.g.
        «Сигнал переполнил диапазон float32 на слое 17», with a dotted vertical line.
    plot_histograms(sim, ax=None, layers=None, kind="act", bins=61, title=None) -> Figure
        Histograms (share of values per bin, drawn as lines) of the activations x_l
        (kind="act") or of the gradients ∂L/∂z_l (kind="grad") at a few layers, as in
        Glorot & Bengio (2010), figs. 3, 6, 7.
    plot_profile(theory, sim, title=None) -> Figure
        Both panels side by side (what the explorer shows).
    plot_grid(settings=KEY_SETTINGS, n_in=256, n_out=256, depth=30, batch=512, seed=0,
              ncols=3) -> Figure
        Small multiples of ``plot_variance`` for several settings: the static figure of the
        key settings for a reader of the book without a kernel. A setting is a tuple
        (act, scheme) or a dict with keys act, scheme and optionally n_in, n_out, depth.
    ExplorerFigure(figsize=(11, 4.3), dpi=100, legend=True, live=True)
        The explorer's figure, created once and updated in place (legend=False leaves the
        variance legend out: the widget shows LEGEND_HTML above the figure instead):
        .update(theory, sim, title=None) -> Figure ; .png() -> bytes ; .fig
        A ``fastdraw.LiveFigure``: the axes, ticks and labels are rendered once per set of
        axis limits and cached, an update redraws only the title, curves, markers,
        histograms and messages (public blitting, ``figures.fastdraw``). Its axis limits
        are rounded outwards (variance 1, 2, 5 × 10ⁿ; layers to a «nice» depth) so that
        few distinct backgrounds occur. live=False draws everything every time with the
        limits of the static figures.
    KEY_SETTINGS  the default list of plot_grid
    LEGEND_HTML   the variance legend as a line of HTML (Russian)

The numerics come from ``initlab.propagate``; nothing is computed here except histograms.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .. import text
from ..numerics import propagate
from ..numerics.activations import get_activation
from ..numerics.schemes import get_scheme
from . import fastdraw
from .style import BWD, FONT, FWD, constrained_figure, log_axis
from .style import pow10 as _pow10

__all__ = ["KEY_SETTINGS", "LEGEND_HTML", "ExplorerFigure", "plot_grid", "plot_histograms", "plot_profile",
           "plot_variance"]

LEGEND_HTML = (
    f'<span style="color:{FWD}"><b>синим</b> — прямой проход, Var z<sub>l</sub></span>; '
    f'<span style="color:{BWD}"><b>красным</b> — обратный проход, '
    'Var ∂L/∂z<sub>l</sub></span>; линия — теория, кружки и квадраты — симуляция.'
)

def _mantissa_label(y, pos=None) -> str:
    """Minor tick label (2 and 5 of each decade) for narrow log ranges: 0,2 / 5 / 2·10⁻⁴."""
    if not np.isfinite(y) or y <= 0:
        return ""
    e = int(np.floor(np.log10(y) + 1e-9))
    m = y / 10.0 ** e
    if not (abs(m - 2) < 1e-6 or abs(m - 5) < 1e-6):
        return ""
    if -3 <= e <= 3:
        return f"{y:.{max(-e, 0)}f}".replace(".", ",")
    return f"{round(m)}·{_pow10(10.0 ** e)}"


def _log_axis(ax):
    log_axis(ax, "y")

KEY_SETTINGS = (
    ("linear", "seed_uniform"),
    ("linear", "uniform_fixed"),
    ("tanh", "xavier_normal"),
    {"act": "linear", "scheme": "lecun_normal", "n_in": 256, "n_out": 32},
    {"act": "linear", "scheme": "xavier_normal", "n_in": 256, "n_out": 32},
    ("sigmoid", "xavier_normal"),
    ("relu", "xavier_normal"),
    ("relu", "he_normal"),
    ("tanh", "constant"),
)


def setting_title(act, scheme, n=None) -> str:
    """«tanh, U[±1/√n_in]; ширина 256 → 32»: the title of one setting."""
    t = f"{text.title(get_activation(act))}, {text.title(get_scheme(scheme))}"
    if n is not None and n[0] != n[-1]:
        t += f"; ширина {n[0]} → {n[-1]}"
    return t


# ------------------------------------------------------------------ variance panel

class _VarianceArtists:
    """The artists of one variance panel, created once, updated by ``set``."""

    def __init__(self, ax, legend=True, small=False, nice=False):
        self.ax, self.nice = ax, nice       # nice: limits rounded outwards (the explorer)
        ms = 3.5 if small else 4.5
        kw = {"lw": 1.8 if not small else 1.4}
        self.th_f, = ax.plot([], [], color=FWD, label="Var zₗ, теория", **kw)
        self.th_b, = ax.plot([], [], color=BWD, label="Var ∂L/∂zₗ, теория", **kw)
        self.sm_f, = ax.plot([], [], "o", color=FWD, mfc="white", ms=ms,
                             label="Var zₗ, симуляция")
        self.sm_b, = ax.plot([], [], "s", color=BWD, mfc="white", ms=ms,
                             label="Var ∂L/∂zₗ, симуляция")
        ax.axhline(1.0, color="0.6", lw=0.8, ls=":", zorder=0)
        self.vlines = [ax.axvline(np.nan, color=c, lw=1.0, ls="--", alpha=0.7)
                       for c in (FWD, BWD)]
        _log_axis(ax)
        ax.set_xlabel("номер слоя l")
        ax.set_ylabel("дисперсия")
        ax.grid(True, which="major", alpha=0.3)
        self.msg = ax.text(0.02, 0.03, "", transform=ax.transAxes, va="bottom", ha="left",
                           fontsize=FONT.small if small else FONT.medium, wrap=True,
                           bbox={"boxstyle": "round,pad=0.35", "fc": "#fff6d5", "ec": "#c9a227",
                                 "alpha": 0.95})
        self.msg.set_visible(False)
        self.legend = ax.legend(loc="upper right", fontsize=FONT.small, framealpha=0.85) if legend \
            else None

    def set(self, theory=None, sim=None, title=None, keep=False):
        """Show the profiles. ``keep`` (a slider being dragged): keep the current axis limits
        while the curves fit them well, else widen them with a margin — the cached static
        part is reused for most frames (the limits a setting gets without ``keep`` depend
        on that setting only)."""
        ax = self.ax
        values = [np.array([1.0])]
        depth = None
        for prof, lf, lb in ((theory, self.th_f, self.th_b), (sim, self.sm_f, self.sm_b)):
            if prof is None:
                lf.set_data([], [])
                lb.set_data([], [])
                continue
            depth = prof.depth
            lay = prof.layers
            lf.set_data(lay, _positive(prof.pre_var))
            lb.set_data(lay, _positive(prof.grad_var))
            values += [prof.pre_var, prof.grad_var]
        ref = sim if sim is not None else theory
        msgs = []
        for prof in (sim, theory):
            if prof is not None:
                msgs = text.profile_messages(prof)
                break
        # a breakdown seen by one source only is still worth telling
        if sim is not None and theory is not None:
            for b in (theory.forward_break, theory.backward_break):
                if b and text.breakdown_message(b) not in msgs and not _same(b, sim):
                    msgs.append(text.breakdown_message(b) + " (по теории)")
        for v, b in zip(self.vlines, (ref.forward_break if ref else None,
                                      ref.backward_break if ref else None), strict=True):
            v.set_xdata([b.layer, b.layer] if b else [np.nan, np.nan])
        if self.nice and msgs:   # wrap inside the axes (wrap=True wraps at the figure's edge)
            msgs = _wrap(msgs, ax, self.msg.get_fontsize())
        self.msg.set_text("\n".join(msgs))
        self.msg.set_visible(bool(msgs))
        allv = np.concatenate([np.ravel(v) for v in values])
        allv = allv[np.isfinite(allv) & (allv > 0)]
        lo, hi = float(allv.min()), float(allv.max())
        pad = 1.5 if self.nice else 3.0
        lo, hi = lo / pad, hi * pad
        if hi / lo < 100:
            mid = np.sqrt(lo * hi)
            lo, hi = mid / 10.0, mid * 10.0
        if msgs:   # leave room for the message box at the bottom
            lo = lo / (hi / lo) ** (0.12 * len(msgs))
        if self.nice:
            lo, hi = fastdraw.nice_down(lo), fastdraw.nice_up(hi)
            if keep:
                lo, hi = self._kept_limits(lo, hi)
        ax.set_ylim(lo, hi)
        from matplotlib.ticker import FuncFormatter, NullFormatter
        ax.yaxis.set_minor_formatter(FuncFormatter(_mantissa_label) if hi / lo < 300
                                     else NullFormatter())
        if self.nice:    # the next «nice» depth: a few distinct backgrounds for the slider
            depth = next((d for d in _NICE_DEPTHS if d >= (depth or 1)), depth)
            if keep:
                depth = self._kept_depth(depth)
        ax.set_xlim(0.5, (depth or 1) + 0.5)
        if title is not None:
            ax.set_title(title, fontsize=FONT.base)


    def _kept_limits(self, lo, hi):
        """y limits while dragging: the current ones if [lo, hi] fits and fills at least
        a third of their decades, else [lo, hi] widened by half its decades each way."""
        cur_lo, cur_hi = self.ax.get_ylim()
        need = np.log10(hi / lo)
        if cur_lo <= lo and hi <= cur_hi and np.log10(cur_hi / cur_lo) <= 3 * need:
            return cur_lo, cur_hi
        pad = 10.0 ** (need / 2)
        return fastdraw.nice_down(lo / pad), fastdraw.nice_up(hi * pad)

    def _kept_depth(self, depth):
        """The layer axis while dragging: kept while depth ∈ [shown/2, shown], else the
        next nice depth ≥ 1.5 depth."""
        shown = round(self.ax.get_xlim()[1] - 0.5)
        if shown / 2 <= depth <= shown:
            return shown
        return next((d for d in _NICE_DEPTHS if d >= 1.5 * depth), _NICE_DEPTHS[-1])


_NICE_DEPTHS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 20, 25, 30, 35, 40, 45, 50,
                60, 70, 80, 90, 100)


def _wrap(lines, ax, fontsize) -> list[str]:
    """``lines`` broken at spaces to fit the width of ``ax`` (about 0.6 em a character)."""
    import textwrap
    chars = max(20, int(0.92 * ax.bbox.width / (0.6 * fontsize * ax.figure.dpi / 72)))
    return [w for line in lines for w in textwrap.wrap(line, chars)]


def _same(b, prof) -> bool:
    other = prof.forward_break if b.direction == "forward" else prof.backward_break
    return other is not None and other.kind == b.kind and abs(other.layer - b.layer) <= 1


def _positive(v):
    v = np.asarray(v, dtype=float)
    return np.where(v > 0, v, np.nan)


def _new_axes(figsize):
    fig = constrained_figure(*figsize)
    return fig, fig.add_subplot()


def plot_variance(theory=None, sim=None, ax=None, title=None, legend=True) -> Figure:
    """Var z_l and Var ∂L/∂z_l per layer: theory (lines) and simulation (markers)."""
    if ax is None:
        _, ax = _new_axes((7.0, 4.3))
    prof = sim if sim is not None else theory
    if title is None and prof is not None:
        title = setting_title(prof.act, prof.scheme, prof.widths)
    _VarianceArtists(ax, legend=legend).set(theory, sim, title)
    return ax.figure


# ----------------------------------------------------------------- histogram panel

class _HistArtists:
    """Up to ``k`` histogram lines of one panel, created once, updated by ``set``."""

    def __init__(self, ax, k=6, kind="act", nice=False):
        import matplotlib as mpl
        self.ax, self.kind, self.nice = ax, kind, nice
        self.cmap = mpl.colormaps["viridis"]
        self.lines = [ax.plot([], [], lw=1.6, drawstyle="steps-mid")[0] for _ in range(k)]
        ax.set_xlabel("значение активации xₗ" if kind == "act"
                      else "значение градиента ∂L/∂zₗ")
        ax.set_ylabel("доля значений в интервале")
        ax.grid(True, alpha=0.3)
        self.msg = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center",
                           fontsize=FONT.medium, wrap=True)
        self.legend, self._entries = None, None

    def _set_legend(self, entries):
        """(Re)make the legend of ``entries`` ((label, colour) of the lines); an unchanged
        legend is kept (making one costs as much as drawing the rest of the panel)."""
        if self.legend is not None and entries == self._entries:
            return
        if self.legend is not None:
            self.legend.remove()
            self.legend = None
        self._entries = entries
        if entries:
            self.legend = self.ax.legend(loc="upper right", fontsize=FONT.small, framealpha=0.85)

    def set(self, sim, layers=None, bins=61, title=None):
        ax = self.ax
        samples = {} if sim is None else (sim.act_samples if self.kind == "act"
                                          else sim.grad_samples)
        if layers is not None:
            samples = {k: v for k, v in samples.items() if k in layers}
        keys = sorted(samples)[:len(self.lines)]
        for line in self.lines:
            line.set_data([], [])
            line.set_label("_")
        if not keys:
            self._set_legend(None)
            self.msg.set_text("Нет данных для гистограмм:\nсигнал потерян"
                              if sim is not None else "")
            if sim is not None or not self.nice:
                ax.set_xlim(-1, 1)
                ax.set_ylim(0, 1)
            # else (the explorer's quick picture, no simulation yet): the axes are kept,
            # so the cached static part of the last full picture serves
            return
        self.msg.set_text("")
        lo, hi = _hist_range([samples[k] for k in keys])
        if self.nice:
            lo, hi = fastdraw.nice_range(lo, hi)
        edges = np.linspace(lo, hi, bins + 1)
        centers = 0.5 * (edges[1:] + edges[:-1])
        top = 0.0
        depth = sim.depth
        for line, k in zip(self.lines, keys, strict=False):
            v = samples[k]
            counts, _ = np.histogram(v, bins=edges)
            label = f"слой {k}"
            zeros = _zero_share(v)
            if zeros > 0.01:       # ReLU: the atom at 0 is reported, not drawn as a spike
                counts[np.searchsorted(edges, 0.0, side="right") - 1] -= round(zeros * v.size)
                label += f" (нулей {100 * zeros:.0f} %)"
            frac = counts / max(v.size, 1)
            top = max(top, float(frac.max()))
            line.set_data(centers, frac)
            line.set_color(self.cmap(0.9 * (k - 1) / max(depth - 1, 1)))
            line.set_label(label)
        ax.set_xlim(lo, hi)
        if self.nice:
            ax.set_ylim(0, fastdraw.nice_up(top * 1.05, _FINE_STEPS) if top > 0 else 1)
        else:
            ax.set_ylim(0, top * 1.08 if top > 0 else 1)
        self._set_legend(tuple((line.get_label(), line.get_color())
                               for line in self.lines[:len(keys)]))
        if title is not None:
            ax.set_title(title, fontsize=FONT.base)


_FINE_STEPS = np.array([1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0])


def _zero_share(v) -> float:
    """Share of exact zeros."""
    return float(np.count_nonzero(v == 0)) / max(v.size, 1)


def _hist_range(arrays):
    """A common range: mean ± 4 sd of each layer, clipped to the data."""
    lo, hi = np.inf, -np.inf
    for v in arrays:
        v = v[:: max(1, v.size // 20000)]          # a subsample is enough for the range
        v = v[np.isfinite(v)].astype(np.float64)   # float64: the square in std() must not overflow
        if v.size == 0:
            continue
        m, s = float(v.mean()), float(v.std())
        lo = min(lo, max(float(v.min()), m - 4 * s))
        hi = max(hi, min(float(v.max()), m + 4 * s))
    if not np.isfinite(lo) or not np.isfinite(hi):
        return -1.0, 1.0
    if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1e-30):
        pad = max(abs(lo), 1e-30) * 1e-3
        return lo - pad, hi + pad
    pad = 0.03 * (hi - lo)
    return lo - pad, hi + pad


def plot_histograms(sim, ax=None, layers=None, kind="act", bins=61, title=None) -> Figure:
    """Histograms of x_l (kind="act") or ∂L/∂z_l (kind="grad") at a few layers."""
    if ax is None:
        _, ax = _new_axes((6.0, 4.0))
    if title is None:
        title = ("Распределение активаций по слоям" if kind == "act"
                 else "Распределение градиентов по слоям")
    _HistArtists(ax, kind=kind).set(sim, layers=layers, bins=bins, title=title)
    return ax.figure


# --------------------------------------------------------------------- explorer

class ExplorerFigure(fastdraw.LiveFigure):
    """The explorer's two-panel figure, created once and redrawn in place.

    Lines are updated with ``set_data``; the layout is fixed (no tight_layout per frame).
    With ``live=True`` the static part (axes, ticks, labels, the title) is cached per set
    of axis limits and only the changing artists are drawn over it (``fastdraw``).
    """

    def __init__(self, figsize=(11.0, 4.3), dpi=100, legend=True, live=True):
        super().__init__(Figure(figsize=figsize, dpi=dpi), live)
        self.fig.subplots_adjust(left=0.065, right=0.985, bottom=0.12, top=0.86, wspace=0.22)
        gs = self.fig.add_gridspec(1, 2, width_ratios=(1.35, 1.0))
        self.ax_var = self.fig.add_subplot(gs[0])
        self.ax_hist = self.fig.add_subplot(gs[1])
        self.var = v = _VarianceArtists(self.ax_var, legend=legend, nice=live)
        self.hist = h = _HistArtists(self.ax_hist, nice=live)
        if live:    # the title as a child of the axes (figure-level artists cannot be
            # dynamic: savefig would skip them), placed where fig.suptitle puts it
            self.suptitle = self.ax_var.text(0.5, 0.98, "", transform=self.fig.transFigure,
                                             ha="center", va="top", fontsize=FONT.large)
        else:
            self.suptitle = self.fig.suptitle("", fontsize=FONT.large)
        # the spines (and legends) are drawn over the curves in a full draw: dynamic too
        self._dynamic(self.suptitle, v.th_f, v.th_b, v.sm_f, v.sm_b, *v.vlines, v.msg,
                      *self.ax_var.spines.values(), *([v.legend] if v.legend else []),
                      *h.lines, h.msg, *self.ax_hist.spines.values())

    def update(self, theory=None, sim=None, title=None, keep=False) -> Figure:
        """Redraw with new profiles; returns the (same) Figure. ``keep``: see
        ``_VarianceArtists.set`` (the quick picture while a slider is dragged)."""
        prof = sim if sim is not None else theory
        if title is None and prof is not None:
            title = setting_title(prof.act, prof.scheme, prof.widths)
        self.suptitle.set_text(title or "")
        self.var.set(theory, sim, keep=keep)
        old = self.hist.legend
        self.hist.set(sim)                     # may replace the histogram legend
        if self.hist.legend is not old:
            if old is not None and old in self._dyn:
                self._dyn.remove(old)
            if self.hist.legend is not None:
                self._dynamic(self.hist.legend)
        return self.fig

    def png(self, draw=True) -> bytes:
        """The current figure as PNG bytes (one Agg draw and a fast PNG encoding)."""
        if draw:
            self.draw()
        return fastdraw.encode_png(self.canvas)


def plot_profile(theory, sim, title=None) -> Figure:
    """The explorer's two panels for one setting, as a static figure."""
    return ExplorerFigure(live=False).update(theory, sim, title)


# ------------------------------------------------------------------------ grid

def _setting(s, n_in, n_out, depth):
    if isinstance(s, dict):
        d = {"n_in": n_in, "n_out": n_out, "depth": depth} | s
        return d["act"], d["scheme"], d["n_in"], d["n_out"], d["depth"]
    act, scheme = s
    return act, scheme, n_in, n_out, depth


def plot_grid(settings=KEY_SETTINGS, n_in=256, n_out=256, depth=30, batch=512, seed=0,
              ncols=3) -> Figure:
    """Small multiples of the variance panel, one per setting, with a common legend."""
    settings = list(settings)
    nrows = -(-len(settings) // ncols)
    fig = constrained_figure(3.9 * ncols, 3.0 * nrows + 0.6)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.ravel()[len(settings):]:
        ax.set_visible(False)
    art = None
    for ax, s in zip(axes.ravel(), settings, strict=False):
        act, scheme, ni, no, d = _setting(s, n_in, n_out, depth)
        th = propagate.theory(act, scheme, ni, no, d)
        sm = propagate.simulate(act, scheme, ni, no, d, batch=batch, seed=seed, hist_layers=())
        art = _VarianceArtists(ax, legend=False, small=True)
        art.set(th, sm, setting_title(act, scheme, th.widths))
        ax.set_ylabel("дисперсия", fontsize=FONT.medium)
        ax.set_xlabel("слой l", fontsize=FONT.medium)
    if art is not None:
        handles = [art.th_f, art.sm_f, art.th_b, art.sm_b]
        fig.legend(handles=handles, labels=[h.get_label() for h in handles], loc="outside lower center",
                   ncols=4, fontsize=FONT.medium, frameon=False)
    return fig
