"""Figures of the chapter on residual and normalised networks (matplotlib via ``style``).

    profile_figure(curves, depth, title="") -> Figure
        two panels against the block l: E x_l² and E|δ_l|²/E|δ_L|² (log scale); ``curves``
        is a list of dicts {"label", "color", "theory": ResidualProfile or None,
        "sim": ResidualProfile or None, optional "se": ResidualProfile of the standard
        errors of "sim", drawn as ±2 SE bars}
    training_figure(results, baselines, epochs) -> Figure
        training loss per epoch (mean over seeds, the band min..max) and the final test
        accuracy per scheme with the seeds as points, the baselines as lines
    bn_figure(q, g, q0, g0) -> Figure   forward E x² and gradient per layer with / without BN
    lsuv_figure(s2_by_act, fixed) -> Figure   σ_w² per layer after LSUV and the mean field
    ProfilePlot(schemes, dpi=80)            the profile figure built once; ``.update(theory,
                                            sim_scheme, sim, depth) -> Figure`` (explorer)
"""
from __future__ import annotations

import numpy as np

from .style import BLUE, FONT, GREEN, GREY, ORANGE, PURPLE, RED, log_axis, new_figure

SCHEME_COLORS = {"plain": GREY, "he": RED, "scaled": BLUE, "zero": GREEN}
SCHEME_LABELS = {"plain": "без обходной связи", "he": "обходная связь, ветвь Хе",
                 "scaled": "обходная связь, ветвь · 1/√L", "zero": "обходная связь, W₂ = 0"}


def _title(ax, text):
    # a text above the axes instead of ax.set_title: the title's automatic placement
    # measures every tick label on each draw (a third of the explorer's redraw time)
    ax.text(0.5, 1.03, text, transform=ax.transAxes, ha="center", va="bottom", fontsize=FONT.base)


def profile_figure(curves, depth, title="", dpi=None):
    fig, axes = new_figure(9.0, 3.4, ncols=2, **({"dpi": dpi} if dpi else {}))
    ax1, ax2 = axes[0]
    l = np.arange(depth + 1)
    for c in curves:
        for ax, key in ((ax1, "q"), (ax2, "grad")):
            if c.get("theory") is not None:
                ax.plot(l, getattr(c["theory"], key), color=c["color"], lw=1.6,
                        label=c["label"])
            if c.get("sim") is not None:
                y = getattr(c["sim"], key)
                err = None if c.get("se") is None else 2 * getattr(c["se"], key)
                if err is not None:       # keep the lower end positive on the log axis
                    err = np.vstack([np.minimum(err, 0.9 * y), err])
                ax.errorbar(l, y, yerr=err, fmt="o", ms=3, color=c["color"], elinewidth=0.8,
                            label=None if c.get("theory") is not None else c["label"])
    _title(ax1, "прямой проход: E x_l²")
    _title(ax2, "обратный проход: ‖δ_l‖² / ‖δ_L‖²")
    for ax in (ax1, ax2):
        log_axis(ax, "y")
        ax.set_xlabel("номер блока l")
        ax.grid(alpha=0.3)
    ax1.legend(fontsize=FONT.small, loc="upper left")
    if title:
        fig.suptitle(title, fontsize=FONT.base)
    return fig


def training_figure(results, baselines, epochs):
    """``results``: scheme -> list of train_residual dicts; ``baselines``: {"linear": acc,
    "majority": acc, "linear_loss": per-epoch losses}."""
    fig, axes = new_figure(9.0, 3.4, ncols=2)
    ax1, ax2 = axes[0]
    ep = np.arange(1, epochs + 1)
    for k, (scheme, runs) in enumerate(results.items()):
        color = SCHEME_COLORS[scheme]
        L = np.array([r["loss"] for r in runs])
        if np.all(np.isnan(L)):
            ax1.plot([], [], color=color, label=SCHEME_LABELS[scheme] + " (расходится)")
        else:
            ax1.plot(ep, np.nanmean(L, 0), color=color, label=SCHEME_LABELS[scheme])
            ax1.fill_between(ep, np.nanmin(L, 0), np.nanmax(L, 0), color=color, alpha=0.2)
        acc = np.array([r["test_acc"] for r in runs], dtype=float)
        shown = np.where(np.isnan(acc), 0.0, acc)
        ax2.plot(np.full(len(acc), k), shown, "o", color=color, ms=5)
        ax2.text(k, 1.02, "NaN" if np.all(np.isnan(acc)) else f"{np.nanmean(acc):.2f}",
                 ha="center", fontsize=FONT.small)
    ax1.plot(ep, baselines["linear_loss"], "--", color=PURPLE,
             label=f"линейная модель, {epochs} эпох")
    ax1.axhline(np.log(10), color=ORANGE, ls=":", label="ln 10 (равные вероятности)")
    log_axis(ax1, "y")
    ax1.set_xlabel("эпоха")
    ax1.set_title("функция потерь на обучающей выборке", fontsize=FONT.base)
    ax1.legend(fontsize=FONT.tiny, loc="lower left")
    ax2.axhline(baselines["linear"], color=PURPLE, ls="--",
                label=f"линейная модель, {epochs} эпох")
    if "logreg" in baselines:
        ax2.axhline(baselines["logreg"], color=PURPLE, ls="-", lw=0.8,
                    label="линейная модель до сходимости")
    ax2.axhline(baselines["majority"], color=ORANGE, ls=":", label="самый частый класс")
    ax2.set_xticks(range(len(results)))
    ax2.set_xticklabels([SCHEME_LABELS[s].replace(", ", ",\n") for s in results],
                        fontsize=FONT.small)
    ax2.set_ylim(-0.03, 1.08)
    ax2.set_title("доля верных ответов на тесте", fontsize=FONT.base)
    ax2.legend(fontsize=FONT.small, loc="center right")
    return fig


def bn_figure(q, g, q0, g0):
    fig, axes = new_figure(9.0, 3.2, ncols=2)
    ax1, ax2 = axes[0]
    l = np.arange(len(q))
    ax1.plot(l, q, "o-", ms=3, color=BLUE, label="с батч-нормализацией")
    ax1.plot(l, q0, "s-", ms=3, color=GREY, label="без неё (Хе)")
    ax2.plot(l, g, "o-", ms=3, color=BLUE)
    ax2.plot(l, g0, "s-", ms=3, color=GREY)
    ax1.set_title("прямой проход: $\\mathbb{E}\\,x_l^2$", fontsize=FONT.base)
    ax2.set_title("обратный проход: $\\|\\delta_l\\|^2 / \\|\\delta_L\\|^2$", fontsize=FONT.base)
    for ax in (ax1, ax2):
        log_axis(ax, "y")
        ax.set_xlabel("номер слоя $l$")
        ax.grid(alpha=0.3)
    ax1.set_ylim(0.1, 10)
    ax1.legend(fontsize=FONT.small)
    return fig


def lsuv_figure(s2_by_act, fixed):
    fig, axes = new_figure(6.0, 3.2)
    ax = axes[0, 0]
    colors = {"tanh": RED, "relu": BLUE, "linear": GREY}
    for act, s2 in s2_by_act.items():
        l = np.arange(1, len(s2) + 1)
        ax.plot(l, s2, "o", ms=4, color=colors.get(act, GREEN), label=f"{act}: LSUV")
        ax.axhline(fixed[act], color=colors.get(act, GREEN), lw=1, ls="--")
    ax.set_xlabel("номер слоя")
    ax.set_ylabel("$\\sigma_w^2 = n\\,\\mathrm{Var}\\,w$")
    ax.set_title("куда приходит LSUV (пунктир — $1/\\mathbb{E}\\,\\varphi(z)^2$)",
                 fontsize=FONT.base)
    ax.legend(fontsize=FONT.small)
    ax.grid(alpha=0.3)
    return fig


class ProfilePlot:
    """``profile_figure`` built once and updated in place (the explorer's redraw): the
    theory lines of every scheme and the points of one simulated network are new data on
    the same artists, so no axes, ticks or legend are rebuilt."""

    def __init__(self, schemes, dpi=80, labels=None):
        self.schemes = tuple(schemes)
        labels = SCHEME_LABELS if labels is None else labels
        self.fig, axes = new_figure(9.0, 3.4, ncols=2, dpi=dpi)
        self.axes = axes[0]
        self.lines, self.points = {}, {}
        for ax in self.axes:
            for s in self.schemes:
                (ln,) = ax.plot([0, 1], [1, 1], color=SCHEME_COLORS[s], lw=1.6,
                                label=labels[s])
                self.lines[ax, s] = ln
            (pt,) = ax.plot([0], [1], "o", ms=3, color=GREY)
            self.points[ax] = pt
            log_axis(ax, "y")
            ax.set_xlabel("номер блока l")
            ax.grid(alpha=0.3)
        _title(self.axes[0], "прямой проход: E x_l²")
        _title(self.axes[1], "обратный проход: ‖δ_l‖² / ‖δ_L‖²")
        self.axes[0].legend(fontsize=FONT.small, loc="upper left")

    def update(self, theory, sim_scheme, sim, depth):
        """``theory``: scheme -> ResidualProfile; ``sim``: the profile of ``sim_scheme``."""
        from .fastdraw import log_limits
        l = np.arange(depth + 1)
        for ax, key in zip(self.axes, ("q", "grad")):
            vals = []
            for s in self.schemes:
                y = getattr(theory[s], key)
                self.lines[ax, s].set_data(l, y)
                vals.append(y)
            y = getattr(sim, key)
            self.points[ax].set_data(l, y)
            self.points[ax].set_color(SCHEME_COLORS[sim_scheme])
            vals.append(y)
            ax.set_ylim(*log_limits(*vals))
            ax.set_xlim(-0.02 * depth - 0.5, 1.02 * depth + 0.5)
        return self.fig
