"""Figures of training, regularisation, transfer and pruning (matplotlib without pyplot, Russian labels).

Every function returns a ``matplotlib.figure.Figure``; the numerics come from
``initlab.numerics``. The figures of the explorers are classes created once and updated in
place (``DropoutFigure``, ``ActivationsFigure``, ``PruningFigure``: ``LiveFigure`` of
``figures.fastdraw``: the static part is cached per set of axis limits, the changing artists
are redrawn); the ``plot_*`` function of the same figure draws it once.

API (stable):
    plot_symmetry(const, rand)            first-layer weights after training + loss curves
    plot_naive(profiles)                  {label: naive_profile(...)}: Var z, saturation, Var δ
    plot_he(results, k=25)                {(depth, scheme): he_experiment(...)}: the Fig. 2–3 analogue
    plot_dropout(head, x, p, n=4000)      outputs over random masks at p + std of the output vs p
    DropoutFigure(head, x, n=4000, seed=0, live=True).update(p) -> Figure ; .png() ; .fig
    plot_dropout_static(head, x, ps)      the histogram panel at a few p side by side
    plot_dropout_training(runs, baselines)  {p: train_dropout_net(p)}: test and training losses
    plot_seed_table(table, arms, labels, colors)  one dot per seed and arm, the mean as a bar
    plot_dropout_seeds(table) / plot_transfer_seeds(table, lrs) / plot_resnet_seeds(table)
    plot_activations(depth, width, act, scale)   per-layer activation bands without / with BN
    ActivationsFigure(live=True).update(depth, width, act, scale, batch=256, seed=0) -> Figure
    plot_transfer(pre, tr, sc)            training curves and test losses of the transfer demo
    plot_blocks(norms, small, large)      block output RMS; loss after dropping k blocks
    plot_pruning(prob, curves, fraction)  loss vs share pruned for |a|, OBD, OBS + kept weights
    PruningFigure(prob, curves, live=True).update(fraction) -> Figure
    png(fig) -> bytes
"""
from __future__ import annotations

import numpy as np

from ..numerics import mlp as nn
from ..numerics import propagate, pruning
from ..numerics import regularization as reg
from ..text import ACT_LABELS, METHOD_LABELS, METHOD_SHORT, fmt
from ..text import count as count_ru
from ..text import layers as layers_ru
from .fastdraw import LiveFigure, lin_limits, log_limits, nice_up
from .style import (
    BLUE,
    FONT,
    GREEN,
    GREY,
    ORANGE,
    RED,
    log_axis,
    new_figure,
    png,  # noqa: F401 (re-exported for the notebooks)
)

PURPLE = "#7d3c98"   # this module's own shade (kept: the figures stay pixel-identical)


def _fig(w, h, ncols=1, nrows=1, dpi=90, adjust=None, **kw):
    return new_figure(w, h, ncols, nrows, dpi=dpi, adjust=adjust, **kw)


_log = log_axis


# ----------------------------------------------------------------- initialisation

def plot_symmetry(const, rand):
    """Incoming weights of the first hidden layer after training (columns = units)."""
    fig, ax = _fig(12, 3.6, ncols=3)
    for a, run, title in [(ax[0, 0], const, "все веса равны: столбцы одинаковы"),
                          (ax[0, 1], rand, "случайные веса: столбцы разные")]:
        A = run["params"][0]["A"]
        m = np.abs(A).max()
        a.imshow(A, cmap="RdBu_r", vmin=-m, vmax=m, aspect="auto")
        a.set_title(title, fontsize=FONT.base)
        a.set_xlabel("нейрон первого скрытого слоя")
        a.set_ylabel("вход")
    a = ax[0, 2]
    a.plot(nn.smooth(const["loss"]), color=RED, label="все веса равны")
    a.plot(nn.smooth(rand["loss"]), color=BLUE, label="случайные веса")
    a.set_xlabel("шаг обучения")
    a.set_ylabel("функция потерь (сглажено)")
    a.set_title("обучение", fontsize=FONT.base)
    a.legend(fontsize=FONT.medium, frameon=False)
    return fig


def plot_naive(profiles):
    """Three panels per layer: Var z_l, share of saturated tanh units, Var δ_l."""
    fig, ax = _fig(12.5, 3.6, ncols=3)
    colors = [RED, ORANGE, PURPLE, BLUE, GREEN]
    for (label, p), c in zip(profiles.items(), colors):
        layers = np.arange(1, len(p["pre_var"]) + 1)
        ax[0, 0].plot(layers, p["pre_var"], "o-", ms=3, color=c, label=label)
        ax[0, 1].plot(layers, 100 * p["saturated"], "o-", ms=3, color=c, label=label)
        ax[0, 2].plot(layers, p["grad_var"], "o-", ms=3, color=c, label=label)
    _log(ax[0, 0])
    _log(ax[0, 2])
    ax[0, 0].set_title("дисперсия сигнала Var $z_l$", fontsize=FONT.base)
    ax[0, 1].set_title("доля насыщенных нейронов, |tanh z| > 0,99", fontsize=FONT.base)
    ax[0, 2].set_title("дисперсия градиента Var ∂L/∂$z_l$", fontsize=FONT.base)
    ax[0, 1].set_ylabel("%")
    for a in ax[0]:
        a.set_xlabel("слой l")
    ax[0, 1].legend(fontsize=FONT.small, frameon=False)
    return fig


def plot_he(results, k=25):
    """Training curves of the small-scale Xavier-vs-He experiment, one panel per depth."""
    depths = sorted({d for d, _ in results})
    fig, ax = _fig(5.2 * len(depths), 3.7, ncols=len(depths), sharey=True)
    colors = {"xavier_normal": RED, "he_normal": BLUE}
    names = {"xavier_normal": "Ксавье", "he_normal": "Хе"}
    for a, d in zip(ax[0], depths):
        for (dd, s), r in results.items():
            if dd != d:
                continue
            a.plot(np.arange(1, len(r["loss"]) + 1), nn.smooth(r["loss"], k), color=colors.get(s, GREY),
                   label=f"{names.get(s, s)}: итог {r['final_loss']:.3f}")
        a.axhline(np.log(2), color=GREY, ls=":", lw=1)
        a.text(0.98, np.log(2) + 0.01, "ln 2 — угадывание", ha="right", va="bottom",
               transform=a.get_yaxis_transform(), fontsize=FONT.small, color=GREY)
        a.set_title(f"{layers_ru(d)} ReLU", fontsize=FONT.base)
        a.set_xlabel("шаг SGD")
        a.legend(fontsize=FONT.medium, frameon=False, loc="lower left")
    ax[0, 0].set_ylabel("перекрёстная энтропия (сглажено)")
    ax[0, 0].set_ylim(0, 0.8)
    return fig


# ----------------------------------------------------------------- dropout and normalisation

def _dropout_hist(ax, head, x, p, n=4000, seed=0, bins=None):
    inv = reg.head_outputs(head, x, p, n=n, seed=seed, inverted=True)
    raw = reg.head_outputs(head, x, p, n=n, seed=seed, inverted=False)
    full = reg.head_moments(head, x, 0.0)[0]
    if bins is None:
        lo, hi = min(inv.min(), raw.min(), full) - 0.1, max(inv.max(), raw.max(), full) + 0.1
        bins = np.linspace(lo, hi, 41)
    ax.hist(raw, bins=bins, color=RED, alpha=0.45, label=_RAW_LABEL)
    ax.hist(inv, bins=bins, color=BLUE, alpha=0.45, label=_INV_LABEL)
    ax.axvline(full, color="k", lw=2, label=_FULL_LABEL)
    ax.axvline(inv.mean(), color=BLUE, ls="--", lw=1.5)
    ax.axvline(raw.mean(), color=RED, ls="--", lw=1.5)
    ax.set_title(_dropout_title(p, n), fontsize=FONT.base)
    ax.set_xlabel("выход сети")
    ax.set_yticks([])


_RAW_LABEL = "без деления на 1 − p"
_INV_LABEL = "инвертированный дропаут, ÷(1 − p)"
_FULL_LABEL = "выход без дропаута"


def _dropout_title(p, n):
    return f"p = {p:.2f}: выход сети по {n} маскам".replace(".", ",")


def _set_bars(bars, edges, heights):
    """Move the rectangles of a bar container onto the bins ``edges`` with ``heights``."""
    for rect, left, w, h in zip(bars, edges[:-1], np.diff(edges), heights):
        rect.set_x(left)
        rect.set_width(w)
        rect.set_height(h)


class DropoutFigure(LiveFigure):
    """Left: the output of the head on x over ``n`` random masks at drop probability p,
    with and without the division by 1 − p (dashed: their means; black: the output without
    dropout); the bar heights are scaled to the tallest bar (the panel has no y scale).
    Right: the standard deviation of the output against p, theory (lines) and Monte Carlo
    over ``n`` masks at p = 0,1 … 0,9 (points), with p marked. The right panel does not
    depend on p: it is computed once, in the constructor."""

    bins = 40

    def __init__(self, head, x, n=4000, seed=0, live=True):
        fig, ax = _fig(12, 3.8, ncols=2)
        super().__init__(fig, live)
        self.head, self.x, self.n, self.seed = head, x, n, seed
        self.full = reg.head_moments(head, x, 0.0)[0]
        a = self.ax_hist = ax[0, 0]
        edges = np.linspace(0.0, 1.0, self.bins + 1)
        zeros = np.zeros(self.bins)
        self.bars_raw = a.bar(edges[:-1], zeros, np.diff(edges), align="edge", color=RED,
                              alpha=0.45, label=_RAW_LABEL)
        self.bars_inv = a.bar(edges[:-1], zeros, np.diff(edges), align="edge", color=BLUE,
                              alpha=0.45, label=_INV_LABEL)
        self.full_line = a.axvline(self.full, color="k", lw=2, label=_FULL_LABEL)
        self.mean_inv = a.axvline(self.full, color=BLUE, ls="--", lw=1.5)
        self.mean_raw = a.axvline(self.full, color=RED, ls="--", lw=1.5)
        a.set_xlabel("выход сети")
        a.set_yticks([])
        a.set_ylim(0, 1.45)                 # room above the tallest bar for the legend
        self.legend_hist = a.legend(handles=[self.bars_raw, self.bars_inv, self.full_line],
                                    fontsize=FONT.small, framealpha=0.9, loc="upper left")
        self._dynamic(*self.bars_raw, *self.bars_inv, self.full_line, self.mean_inv,
                      self.mean_raw, self.legend_hist, a.title, *a.spines.values())
        a = self.ax_sd = ax[0, 1]
        ps = np.linspace(0.0, 0.9, 91)
        a.plot(ps, [np.sqrt(reg.head_moments(head, x, q)[1]) for q in ps], color=BLUE,
               label="σ выхода, инвертированный дропаут (теория)")
        a.plot(ps, [np.sqrt(reg.head_moments(head, x, q, inverted=False)[1]) for q in ps],
               color=RED, label="σ выхода без деления (теория)")
        pm = np.linspace(0.1, 0.9, 9)
        a.plot(pm, [reg.head_outputs(head, x, q, n=n, seed=seed).std() for q in pm], "o",
               color=BLUE, ms=4, label="моделирование")
        a.plot(pm, [reg.head_outputs(head, x, q, n=n, seed=seed, inverted=False).std()
                    for q in pm], "o", color=RED, ms=4)
        self.p_line = a.axvline(0.0, color=GREY, ls=":")
        a.set_xlim(*a.get_xlim())           # the data's limits, fixed: one static part
        a.set_ylim(*a.get_ylim())
        a.set_xlabel("вероятность отключения p")
        a.set_ylabel("стандартное отклонение выхода")
        a.legend(fontsize=FONT.small, frameon=False, loc="upper left")
        self._dynamic(self.p_line)

    def update(self, p):
        head, x, n, seed, full = self.head, self.x, self.n, self.seed, self.full
        inv = reg.head_outputs(head, x, p, n=n, seed=seed, inverted=True)
        raw = reg.head_outputs(head, x, p, n=n, seed=seed, inverted=False)
        lo = min(inv.min(), raw.min(), full) - 0.1
        hi = max(inv.max(), raw.max(), full) + 0.1
        edges = np.linspace(lo, hi, self.bins + 1)
        c_raw = np.histogram(raw, edges)[0]
        c_inv = np.histogram(inv, edges)[0]
        top = max(c_raw.max(), c_inv.max())
        _set_bars(self.bars_raw, edges, c_raw / top)
        _set_bars(self.bars_inv, edges, c_inv / top)
        self.mean_inv.set_xdata([inv.mean()] * 2)
        self.mean_raw.set_xdata([raw.mean()] * 2)
        self.ax_hist.set_xlim(*lin_limits(lo, hi))
        self.ax_hist.set_title(_dropout_title(p, n), fontsize=FONT.base)
        self.p_line.set_xdata([p, p])
        return self.fig


def plot_dropout(head, x, p, n=4000, seed=0):
    """Left: the output over random masks at drop probability p (dashed: the means).
    Right: the output's spread over masks as a function of p, theory and Monte Carlo."""
    return DropoutFigure(head, x, n, seed, live=False).update(p)


def plot_dropout_static(head, x, ps=(0.2, 0.5, 0.8), n=4000, seed=0):
    fig, ax = _fig(4.2 * len(ps), 3.5, ncols=len(ps), sharex=True)
    ends = [reg.head_outputs(head, x, p, n=n, seed=seed) for p in ps]
    lo = min(e.min() for e in ends) - 0.1
    hi = max(e.max() for e in ends) + 0.1
    for a, p in zip(ax[0], ps):
        _dropout_hist(a, head, x, p, n, seed, bins=np.linspace(lo, hi, 61))
    ax[0, 0].legend(fontsize=FONT.small, frameon=False, loc="upper left")
    return fig


def plot_dropout_training(runs, baselines=None):
    """Test and training losses of ``{p: train_dropout_net(p)}``; ``baselines`` (a dict of
    ``regression_baselines``) as horizontal lines on the test panel."""
    fig, ax = _fig(11, 3.7, ncols=2)
    colors = [RED, BLUE, GREEN, ORANGE]
    for (p, r), c in zip(runs.items(), colors, strict=False):
        steps = np.arange(1, len(r["test"]) + 1) * r["every"]
        lab = "без дропаута" if p == 0 else f"дропаут, p = {p:g}".replace(".", ",")
        ax[0, 0].plot(steps, r["test"], "o-", ms=3, color=c, label=lab)
        ax[0, 1].plot(np.arange(1, len(r["train"]) + 1), nn.smooth(r["train"], 10), color=c, label=lab)
    ax[0, 0].set_title("потери на тестовой выборке (сеть целиком)", fontsize=FONT.base)
    ax[0, 1].set_title("потери на обучающей выборке (сглажено)", fontsize=FONT.base)
    _log(ax[0, 1])
    ax[0, 1].set_ylim(1e-6, None)
    top = max(float(np.max(r["test"])) for r in runs.values())
    for name, ls in (("zero", ":"), ("least_squares", "--")):
        if baselines is not None:
            ax[0, 0].axhline(baselines[name], color=GREY, ls=ls, lw=1, label=BASELINE_LABELS[name])
            top = max(top, baselines[name])
    ax[0, 0].set_ylim(0, 1.1 * top)
    for a in ax[0]:
        a.set_xlabel("шаг Adam")
        a.legend(fontsize=FONT.small, frameon=False)
    return fig


BASELINE_LABELS = {"zero": "ответ «всегда 0»", "mean": "среднее обучающих y",
                   "least_squares": "метод наименьших квадратов", "untrained": "необученная сеть"}


def plot_seed_table(table, arms, labels, colors, title="", log=False, width=6.5,
                    ylabel="потери на тесте"):
    """One column per arm of ``table`` ({arm: array over seeds}): a dot per seed (the same
    seed joined by a thin line across the arms) and the mean as a bar."""
    fig, ax = _fig(width, 3.4)
    a = ax[0, 0]
    k = len(table[arms[0]])
    jitter = np.linspace(-0.15, 0.15, k) if k > 1 else np.zeros(1)
    V = np.array([table[arm] for arm in arms])
    for j in range(k):
        a.plot(np.arange(len(arms)) + jitter[j], V[:, j], "-", color=GREY, lw=0.6, alpha=0.6)
    for i, c in enumerate(colors):
        a.bar(i, V[i].mean(), color=c, alpha=0.35, width=0.6)
        a.plot(i + jitter, V[i], "o", ms=4, color=c)
    a.set_xticks(range(len(arms)), labels, fontsize=FONT.small)
    a.set_ylabel(ylabel)
    if log:
        _log(a)
    else:
        a.set_ylim(0, None)
    seeds = count_ru(k, "зерно", "зерна", "зёрен")
    a.set_title(title or f"точки — {seeds} (одно зерно — одна линия), столбцы — среднее",
                fontsize=FONT.medium)
    return fig


def plot_dropout_seeds(table):
    """``dropout_demo``'s test losses: 0, least squares, the nets, one dot per seed."""
    arms = ["zero", "least_squares"] + [k for k in table if isinstance(k, tuple)]
    names = {"zero": "ответ 0", "least_squares": "МНК"}
    labels = [names.get(a) or ("без дропаута" if a[1] == 0 else
                               (f"дропаут {a[1]:g}" if a[0] == "net" else f"MC-дропаут {a[1]:g}"))
              for a in arms]
    colors = [GREY, GREY] + [RED if a[1] == 0 else (BLUE if a[0] == "net" else GREEN)
                             for a in arms[2:]]
    return plot_seed_table(table, arms, labels, colors)


def plot_transfer_seeds(table, lrs):
    """``transfer_seeds_demo``: test losses per target task, log scale."""
    arms = ["zero", "scratch"] + [("unfrozen", lr) for lr in lrs] + ["head", "fine"]
    labels = (["ответ 0", "с нуля"] + [f"всё сразу,\nшаг {lr:g}" for lr in lrs]
              + ["голова,\nтело заморожено", "затем\nдообучение"])
    colors = [GREY, RED] + [ORANGE] * len(lrs) + [BLUE, GREEN]
    return plot_seed_table(table, arms, labels, colors, log=True, width=8)


def plot_resnet_seeds(table):
    """``resnet_seeds_demo``: validation losses of the original and the pruned nets."""
    arms = ["original", "pruned", "pruned_tuned", "original_tuned"]
    labels = ["10 блоков", "7 блоков", "7 блоков,\nдообучена", "10 блоков,\nдообучена"]
    return plot_seed_table(table, arms, labels, [GREY, RED, BLUE, GREEN], log=True,
                           ylabel="потери на проверке")


#: steps of the rounded upper limit of the activation panels (finer than 1, 2, 5)
_LIM_STEPS = np.array([1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0])
_Q_STRIDE = 7


def _layer_histograms(acts, lo, lim, bins):
    """Share of ALL the values of each layer (row of ``acts``) that fall in each of
    ``bins`` equal bins of [lo, lim]; values outside are not counted in any bin (the end
    bins do not collect them). Shape (bins, layers)."""
    depth, per_layer = acts.shape
    inside = (acts >= lo) & (acts <= lim)
    idx = np.minimum(((acts - lo) * (bins / (lim - lo))).astype(np.intp), bins - 1)
    idx += (bins * np.arange(depth))[:, None]
    H = np.bincount(idx[inside], minlength=depth * bins).reshape(depth, bins).astype(float)
    H /= per_layer
    return H.T


def _density_image(ax, title):
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))      # layers: whole numbers
    im = ax.imshow(np.zeros((2, 2)), origin="lower", aspect="auto", cmap="viridis",
                   extent=(0.5, 1.5, -1, 1), vmin=-4, vmax=0)
    ax.set_title(title, fontsize=FONT.base, y=1.0)      # y given: no search of the tick labels
    ax.set_xlabel("слой l")
    ax.set_ylabel("активация $f(z_l)$")
    return im


class ActivationsFigure(LiveFigure):
    """Per-layer histograms of the activations (colour: lg of the share of the values of a
    layer in a bin; each panel's bins span its own [lo, lim], lim the 99,5 % quantile of
    |f(z)| over every 7th value, rounded up: an exploding plain network does not squash the
    normalised one) without and with batch normalisation, and the standard deviation per
    layer (log axis when it spans more than a factor 20)."""

    bins = 60

    def __init__(self, live=True):
        from matplotlib.ticker import MaxNLocator
        fig, ax = _fig(12.5, 3.8, ncols=3, adjust={"top": 1 - 0.7 / 3.8})
        super().__init__(fig, live)
        self.images = [_density_image(ax[0, 0], "без нормализации"),
                       _density_image(ax[0, 1], "с батч-нормализацией")]
        self._dynamic(*self.images, *ax[0, 0].spines.values(), *ax[0, 1].spines.values())
        a = self.ax_sd = ax[0, 2]
        self.sd_plain, = a.plot([], [], "o-", ms=3, color=RED, label="без нормализации")
        self.sd_normed, = a.plot([], [], "o-", ms=3, color=BLUE, label="с батч-нормализацией")
        a.set_xlabel("слой l")
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
        a.set_title("стандартное отклонение активаций", fontsize=FONT.base, y=1.0)
        self.legend = a.legend(fontsize=FONT.small, frameon=False)
        # the figure's title as a text of an axes: savefig (the book's 2× images) draws the
        # animated artists of axes, not those of the figure itself
        self.suptitle = ax[0, 1].text(0.5, 0.98, "", transform=fig.transFigure, ha="center",
                                      va="top", fontsize=FONT.base)
        self._dynamic(self.sd_plain, self.sd_normed, self.legend, self.suptitle)
        self._is_log = False

    def _extra_key(self):
        return (self._is_log,)

    def update(self, depth=20, width=128, act="tanh", scale=3.0, batch=256, seed=0):
        plain = propagate.deep_activations(depth, width, act, scale, False, batch, seed)
        normed = propagate.deep_activations(depth, width, act, scale, True, batch, seed)
        for im, acts in zip(self.images, (plain, normed)):
            # the panel's range: the 99,5 % quantile of |f(z)| over every 7th value (a
            # tenth of the cost of all of them; the limit is rounded up anyway)
            lim = nice_up(max(np.percentile(np.abs(acts[:, ::_Q_STRIDE]), 99.5), 1e-6),
                          _LIM_STEPS)
            lo = -lim if acts.min() < -0.01 * lim else -0.02 * lim
            im.set_data(np.log10(_layer_histograms(acts, lo, lim, self.bins) + 1e-4))
            im.set_extent((0.5, depth + 0.5, lo, lim))
            im.axes.set_xlim(0.5, depth + 0.5)
            im.axes.set_ylim(lo, lim)
        a = self.ax_sd
        layers = np.arange(1, depth + 1)
        sd_plain, sd_normed = plain.std(axis=1), normed.std(axis=1)
        self.sd_plain.set_data(layers, sd_plain)
        self.sd_normed.set_data(layers, sd_normed)
        pad = 0.05 * max(depth - 1, 1)
        a.set_xlim(1 - pad, depth + pad)
        both = np.concatenate([sd_plain, sd_normed])
        log = bool(both.min() > 0 and both.max() / both.min() > 20)
        if log != self._is_log:
            if log:
                _log(a)
            else:
                a.set_yscale("linear")
            self._is_log = log
        if log:
            a.set_ylim(*log_limits(both))
        else:
            a.set_ylim(0, nice_up(1.1 * both.max(), _LIM_STEPS) if both.max() > 0 else 1.0)
        self.suptitle.set_text(f"{ACT_LABELS.get(act, act)}, веса N(0, c²/n) при "
                               f"c = {fmt(scale, 3)}, ширина {width}; цвет — lg доли "
                               f"значений слоя в интервале")
        return self.fig


def plot_activations(depth=20, width=128, act="tanh", scale=3.0, batch=256, seed=0):
    """Per-layer histograms of the activations (colour: log10 of the share of values in a
    bin) and their standard deviation, without and with batch normalisation."""
    return ActivationsFigure(live=False).update(depth, width, act, scale, batch, seed)


# ----------------------------------------------------------------- transfer and pruning

def plot_transfer(pre, tr, sc):
    fig, ax = _fig(12.5, 3.7, ncols=3)
    a = ax[0, 0]
    a.plot(pre, color=GREY)
    _log(a)
    a.set_title("1) обучение на исходной задаче", fontsize=FONT.base)
    a.set_xlabel("шаг Adam")
    a.set_ylabel("потери на обучении")
    a = ax[0, 1]
    n1 = len(tr["head"])
    a.plot(np.arange(n1), tr["head"], color=BLUE, label="новая голова, тело заморожено")
    a.plot(np.arange(n1, n1 + len(tr["fine"])), tr["fine"], color=GREEN, label="дообучение всей сети")
    a.plot(sc["loss"], color=RED, label="с нуля на тех же данных")
    _log(a)
    a.set_ylim(1e-6, None)
    a.set_title("2) целевая задача: потери на обучении", fontsize=FONT.base)
    a.set_xlabel("шаг Adam")
    a.legend(fontsize=FONT.small, frameon=False)
    a = ax[0, 2]
    names = ["новая\nголова", "голова\nобучена", "дообу-\nчение", "с нуля", "ответ 0"]
    vals = [tr["test_new_head"], tr["test_head"], tr["test_fine"], sc["test"], sc["test_zero"]]
    cols = [GREY, BLUE, GREEN, RED, GREY]
    a.bar(range(len(vals)), vals, color=cols)
    _log(a)
    a.set_xticks(range(len(vals)), names, fontsize=FONT.small)
    a.set_title("3) потери на тестовой выборке", fontsize=FONT.base)
    for i, v in enumerate(vals):
        a.text(i, v * 1.1, f"{v:.3f}", ha="center", fontsize=FONT.small)
    return fig


def plot_blocks(norms, small, large, tuned=None):
    fig, ax = _fig(11, 3.7, ncols=2)
    a = ax[0, 0]
    order = np.argsort(norms)
    a.bar(np.arange(1, len(norms) + 1), norms, color=[BLUE if i in order[:3] else GREY
                                                       for i in range(len(norms))])
    a.set_xlabel("номер блока")
    a.set_ylabel("средняя норма выхода блока")
    a.set_title("выходы блоков на проверочной выборке", fontsize=FONT.base)
    a = ax[0, 1]
    k = np.arange(len(small))
    a.plot(k, small, "o-", color=BLUE, ms=4, label="сначала блоки с малым выходом")
    a.plot(k, large, "o-", color=RED, ms=4, label="сначала блоки с большим выходом")
    if tuned is not None:
        a.plot(tuned[0], tuned[1], "*", color=GREEN, ms=12, label="после дообучения")
    a.set_xlabel("сколько блоков удалено")
    a.set_ylabel("потери на проверочной выборке")
    a.set_title("прореживание ResNet", fontsize=FONT.base)
    a.legend(fontsize=FONT.small, frameon=False)
    return fig


METHOD_COLORS = {"magnitude": RED, "obd": ORANGE, "obs": BLUE}


class PruningFigure(LiveFigure):
    """Left: the loss against the share of weights pruned for each saliency of ``curves``
    ({method: losses for k = 0 … p}), the chosen share marked. Right: |a_i| of the weights
    that remain after pruning k of them by each method, and before pruning. The weights
    after pruning are computed for every k once, in the constructor."""

    def __init__(self, prob, curves, live=True):
        fig, ax = _fig(12, 3.8, ncols=2)
        super().__init__(fig, live)
        self.prob, self.curves = prob, curves
        p = self.p = len(prob["w"])
        a = self.ax_loss = ax[0, 0]
        share = np.arange(p + 1) / p
        for m, c in curves.items():
            a.plot(share, c, "o-", ms=3, color=METHOD_COLORS[m], label=METHOD_LABELS[m])
        self.k_line = a.axvline(0.0, color=GREY, ls=":")
        _log(a)
        a.set_xlim(*a.get_xlim())           # the curves' limits, fixed: one static part
        a.set_ylim(*a.get_ylim())
        a.set_xlabel("доля удалённых весов")
        a.set_ylabel("функция потерь")
        self.legend_loss = a.legend(fontsize=FONT.small, frameon=False, loc="upper left")
        self._dynamic(self.k_line, self.legend_loss, a.title)
        a = self.ax_w = ax[0, 1]
        #: |weights| after pruning k by method m: self.kept[m][k]
        self.kept = {m: np.abs([pruning.prune(prob, k, m)[0] for k in range(p + 1)])
                     for m in curves}
        width, idx = 0.27, np.arange(p)
        self.bars = {m: a.bar(idx + (j - 1) * width, np.zeros(p), width,
                              color=METHOD_COLORS[m], label=METHOD_LABELS[m])
                     for j, m in enumerate(curves)}
        self.before, = a.plot(idx, np.abs(prob["w"]), "k_", ms=10, label="|aᵢ| до прореживания")
        _log(a)
        a.set_xlim(*a.get_xlim())
        a.set_xlabel("номер веса i")
        a.set_ylabel("|aᵢ| после прореживания")
        a.set_title("какие веса остались", fontsize=FONT.base)
        self.legend_w = a.legend(fontsize=FONT.tiny, frameon=False, loc="upper right")
        self._dynamic(*(r for b in self.bars.values() for r in b), self.before, self.legend_w,
                      *a.spines.values())

    def update(self, fraction):
        p, curves = self.p, self.curves
        k = round(fraction * p)
        self.k_line.set_xdata([k / p, k / p])
        self.ax_loss.set_title(f"удалено {k} из {p}; потери: "
                               + "; ".join(f"{METHOD_SHORT[m]} {fmt(curves[m][k], 3)}"
                                           for m in curves), fontsize=FONT.base)
        heights = [self.kept[m][k] for m in curves]
        for m, h in zip(curves, heights):
            for rect, v in zip(self.bars[m], h):
                rect.set_height(v)
        lo, hi = log_limits(np.abs(self.prob["w"]), *heights)
        self.ax_w.set_ylim(lo, 10 * hi)     # a decade of room above the bars for the legend
        return self.fig


def plot_pruning(prob, curves, fraction):
    """Loss against the share pruned for each saliency, and the weights that remain."""
    return PruningFigure(prob, curves, live=False).update(fraction)
