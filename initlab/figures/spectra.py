"""Figures of dynamical isometry: Jacobian spectra, var(s²) against theory, Saxe's depth
experiment, Haar sampling with and without the sign correction, exactly normal outputs.

    ACT_LABEL, WEIGHT_LABEL                       Russian names of the settings
    spectrum_grid(spectra, depths)                rows: activations, columns: weights;
        spectra[(act, weights)] = list of Spectrum (one per depth) — histograms of log₁₀ s
    spectrum_panel(ax, spectrum, color, label)    one histogram (used by the explorer)
    variance_vs_depth(table, depths, theory, n, exact)  table[(act, w)] = (seeds, depths)
    saxe_figure(depths, iters, max_iter)          iters[init] = (seeds, depths), NaN = never
    haar_figure(fixed, unfixed, n)                diagnostics dicts of spectra.haar_diagnostics
    output_variance_figure(variances, sigma2)     variances[kind] = array of Var(h_j | W)
    SpectrumFigure().update(spectrum, color) -> PNG bytes   the explorer's figure: a
                                                  static background, only the steps redrawn
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from .style import BLUE, FONT, GREEN, GREY, ORANGE, PURPLE, RED, log_axis, new_figure

ACT_LABEL = {"linear": "линейная", "tanh": "tanh", "relu": "ReLU"}
WEIGHT_LABEL = {"gaussian": "нормальные веса", "orthogonal": "ортогональные веса"}
DEPTH_COLORS = (BLUE, ORANGE, RED, PURPLE, GREEN)
BINS = np.arange(-8.0625, 2.07, 0.125)   # width 1/8, bins centred on 0 (exact s = 1)


def spectrum_panel(ax, spectrum, color=BLUE, label=None, bins=BINS):
    """Histogram of log₁₀ s (share of all N singular values per bin; values below the
    first bin are collected in it, exact zeros are not drawn)."""
    ls = np.clip(spectrum.log10_s, bins[0] + 1e-9, bins[-1] - 1e-9)
    w = np.full(ls.shape, 1.0 / spectrum.n)
    ax.hist(ls, bins=bins, weights=w, histtype="step", color=color, lw=1.4, label=label)


def spectrum_grid(spectra: dict, depths, n: int):
    """3×2 grid: histograms of log₁₀ s at several depths."""
    acts = list(dict.fromkeys(a for a, _ in spectra))
    ws = list(dict.fromkeys(w for _, w in spectra))
    fig, axes = new_figure(9.0, 2.3 * len(acts), ncols=len(ws), nrows=len(acts),
                           adjust={"hspace": 0.6, "top": 1 - 0.75 / (2.3 * len(acts))})
    for i, act in enumerate(acts):
        for j, w in enumerate(ws):
            ax = axes[i, j]
            for k, spec in enumerate(spectra[(act, w)]):
                zero = f", нулей {spec.n_zero / spec.n:.0%}" if spec.n_zero else ""
                spectrum_panel(ax, spec, DEPTH_COLORS[k % len(DEPTH_COLORS)],
                               f"L = {spec.depth}{zero}")
            ax.axvline(0.0, color=GREY, lw=0.8, ls=":")
            ax.set_title(f"{ACT_LABEL[act]}, {WEIGHT_LABEL[w]}", fontsize=FONT.base)
            ax.legend(fontsize=FONT.small, loc="upper left", frameon=False)
            ax.set_xlim(-8.0, 2.0)
            if i == len(acts) - 1:
                ax.set_xlabel("log₁₀ s (левый столбик: всё, что меньше 10⁻⁸)")
            if j == 0:
                ax.set_ylabel("доля из N")
    fig.suptitle(f"Сингулярные числа якобиана ∂x_L/∂x_0, N = {n}, критическая инициализация",
                 fontsize=FONT.base)
    return fig


def variance_vs_depth(table: dict, depths, theory: dict, n: int, exact: dict | None = None):
    """var(s²) against depth on a log axis: median and interquartile range over the seeds
    (points, bars), the mean over the seeds (hollow markers), N → ∞ theory (lines) and, for
    the keys of ``exact``, a finite-N exact expectation (dashed). Configurations whose
    var(s²) is zero (linear, orthogonal) cannot be drawn on a log axis and are left out."""
    acts = list(dict.fromkeys(a for a, _ in table))
    fig, axes = new_figure(3.2 * len(acts), 3.0, ncols=len(acts))
    colors = {"gaussian": RED, "orthogonal": BLUE}
    d = np.asarray(depths, float)
    exact = exact or {}
    for j, act in enumerate(acts):
        ax = axes[0, j]
        for w in ("gaussian", "orthogonal"):
            if (act, w) not in table:
                continue
            v = np.asarray(table[(act, w)], float)
            if not np.any(theory[(act, w)]) or not np.all(v > 0):
                continue                     # exactly zero in theory: nothing to draw
            q1, med, q3 = np.percentile(v, [25, 50, 75], axis=0)
            first = not ax.get_legend_handles_labels()[1]
            ax.errorbar(d, med, yerr=[med - q1, q3 - med], fmt="o", color=colors[w], ms=4,
                        capsize=3, label=f"{WEIGHT_LABEL[w]}: медиана")
            ax.plot(d, v.mean(0), "o", mfc="none", color=colors[w], ms=7,
                    label="среднее" if first else None)
            ax.plot(d, theory[(act, w)], "-", color=colors[w], lw=1, alpha=0.8,
                    label="теория (N → ∞)" if first else None)
            if (act, w) in exact:
                ax.plot(d, exact[(act, w)], "--", color=GREY, lw=1,
                        label=f"точно при N = {n}")
        log_axis(ax, "y")
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo, hi * (hi / lo) ** 0.6)          # room for the legend above the data
        ax.set_title(ACT_LABEL[act], fontsize=FONT.base)
        ax.set_xlabel("глубина L")
        if j == 0:
            ax.set_ylabel("дисперсия s²")
        ax.legend(fontsize=FONT.tiny, frameon=False, loc="upper left")
    fig.suptitle(f"Разброс квадратов сингулярных чисел, N = {n}: медиана и межквартильный "
                 "размах по зёрнам", fontsize=FONT.base)
    return fig


def saxe_figure(depths, iters: dict, max_iter: int):
    """Iterations to tolerance against depth (log–log); NaN shown as '> max_iter'."""
    fig, axes = new_figure(5.5, 3.4)
    ax = axes[0, 0]
    d = np.asarray(depths, float)
    for init, color, label in (("orthogonal", BLUE, "ортогональная"),
                               ("gaussian", RED, "нормальная")):
        it = np.asarray(iters[init], float)
        for s in range(it.shape[0]):
            y = it[s]
            ok = np.isfinite(y)
            jitter = 1 + 0.03 * (s - it.shape[0] / 2)
            ax.plot(d[ok] * jitter, y[ok], "o", color=color, ms=4, alpha=0.7,
                    label=label if s == 0 else None)
            ax.plot(d[~ok] * jitter, np.full((~ok).sum(), max_iter * 1.5), "^", color=color,
                    ms=5, alpha=0.7)
    ax.axhline(max_iter, color=GREY, lw=0.8, ls="--")
    ax.text(d[0], max_iter * 1.15, f"не достигли за {max_iter} шагов (▲)", fontsize=FONT.small,
            color=GREY)
    log_axis(ax, "xy")
    ax.set_xticks(d)
    ax.set_xticklabels([str(int(x)) for x in d])
    ax.set_xlabel("глубина L")
    ax.set_ylabel("шагов до ошибки ≤ допуска")
    ax.legend(fontsize=FONT.small, frameon=False, loc="center right")
    ax.set_title("Глубокая линейная сеть, шаг ∝ 1/L", fontsize=FONT.base)
    return fig


def haar_figure(fixed: dict, unfixed: dict, n: int):
    """Q₁₁, the trace and the eigenvalue angles with and without the sign correction."""
    fig, axes = new_figure(11.0, 3.2, ncols=3)
    col = ((fixed, BLUE, "с поправкой знаков"), (unfixed, RED, "без поправки"))
    ax = axes[0, 0]
    bins = np.linspace(-1, 1, 41)
    for d, c, lab in col:
        ax.hist(d["q11"], bins=bins, density=True, histtype="step", color=c, lw=1.4, label=lab)
    t = np.linspace(-0.999, 0.999, 400)
    # Q11 of Haar: density of a coordinate of a uniform point on S^{n-1}
    dens = (1 - t**2) ** ((n - 3) / 2)
    dens = dens / np.trapezoid(dens, t)
    ax.plot(t, dens, color=GREY, lw=1, label="мера Хаара")
    ax.set_title("элемент Q₁₁", fontsize=FONT.base)
    ax.legend(fontsize=FONT.small, frameon=False)
    ax = axes[0, 1]
    bins = np.linspace(-6, 4, 41)
    for d, c, lab in col:
        ax.hist(d["trace"], bins=bins, density=True, histtype="step", color=c, lw=1.4, label=lab)
    z = np.linspace(-6, 4, 300)
    ax.plot(z, stats.norm.pdf(z), color=GREY, lw=1, label="N(0, 1)")
    ax.set_title("след tr Q", fontsize=FONT.base)
    ax.legend(fontsize=FONT.small, frameon=False)
    ax = axes[0, 2]
    bins = np.linspace(0, np.pi, 31)
    for d, c, lab in col:
        ax.hist(d["angles"], bins=bins, density=True, histtype="step", color=c, lw=1.4, label=lab)
    ax.set_title("углы θ собственных чисел e^(±iθ)", fontsize=FONT.base)
    ax.set_xlabel("θ")
    ax.set_xticks([0, np.pi / 2, np.pi])
    ax.set_xticklabels(["0", "π/2", "π"])
    ax.legend(fontsize=FONT.small, frameon=False)
    fig.suptitle(f"QR нормальной матрицы {n}×{n}: с поправкой знаков и без неё", fontsize=FONT.base)
    return fig


def output_variance_figure(variances: dict, sigma2: float, k: int):
    """Var(h_j | W) = ‖w_j‖² over the units of one layer, for fixed weights."""
    fig, axes = new_figure(5.5, 3.0)
    ax = axes[0, 0]
    labels = {"gaussian": ("нормальные веса N(0, σ²/k)", RED),
              "normalised": ("σ·g/‖g‖", BLUE), "orthogonal": ("σ × ортогональная", GREEN)}
    allv = np.concatenate([np.asarray(v) for v in variances.values()])
    bins = np.linspace(0, allv.max() * 1.05, 50)
    for kind, v in variances.items():
        lab, c = labels[kind]
        if np.ptp(v) < 1e-9:
            ax.axvline(float(np.mean(v)), color=c, lw=2, ls="--" if kind == "orthogonal" else "-",
                       label=f"{lab}: все ровно σ²")
        else:
            ax.hist(v, bins=bins, density=True, histtype="step", color=c, lw=1.4, label=lab)
    ax.set_xlabel("Var(h_j | W) = ‖w_j‖²")
    ax.set_title(f"Дисперсия выходов при фиксированных весах, k = {k}, σ² = {sigma2:g}",
                 fontsize=FONT.base)
    ax.legend(fontsize=FONT.small, frameon=False)
    return fig


class SpectrumFigure:
    """The explorer's histogram: one persistent figure with a log-scaled share axis (from
    1/1000 to 1, so both a spike at s = 1 and a spectrum spread over many decades show).
    The axes, ticks and labels are drawn once; ``update`` restores that background,
    draws only the step line (Axes.draw_artist) and encodes the canvas buffer as PNG."""

    def __init__(self, w: float = 6.0, h: float = 2.7, dpi: int = 90):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.fig, axes = new_figure(w, h, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = ax = axes[0, 0]
        self.steps = ax.stairs(np.full(BINS.size - 1, 1e-9), BINS, baseline=None, color=BLUE,
                               lw=1.4, animated=True)
        ax.axvline(0.0, color=GREY, lw=0.8, ls=":")
        ax.set_xlim(-8.0, 2.0)
        log_axis(ax, "y")
        ax.set_ylim(1e-3, 1.3)
        ax.set_xlabel("log₁₀ s (левый столбик: всё, что меньше 10⁻⁸)")
        ax.set_ylabel("доля из N")
        ax.set_title("Сингулярные числа якобиана ∂x_L/∂x_0", fontsize=FONT.base)
        self._background = None

    def update(self, spectrum, color: str) -> bytes:
        import io

        from PIL import Image

        if self._background is None:
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        else:
            self.canvas.restore_region(self._background)
        ls = np.clip(spectrum.log10_s, BINS[0] + 1e-9, BINS[-1] - 1e-9)
        counts = np.histogram(ls, bins=BINS)[0] / spectrum.n
        self.steps.set_data(np.where(counts > 0, counts, 1e-9))
        self.steps.set_edgecolor(color)
        self.ax.draw_artist(self.steps)
        w, h = self.canvas.get_width_height()
        img = Image.frombuffer("RGBA", (w, h), bytes(self.canvas.buffer_rgba()), "raw", "RGBA", 0, 1)
        out = io.BytesIO()
        img.save(out, format="PNG", compress_level=1)
        return out.getvalue()


def ru(x: float, spec: str = ".2f") -> str:
    """A number in the course's Russian format: decimal comma, true minus sign."""
    return format(x, spec).replace(".", ",").replace("-", "−")


BRIDGE_LABEL = {"gaussian": "x и нормальные w случайны вместе",
                "normalised": "x и w = g/‖g‖ случайны вместе",
                "fixed_input": "x фиксирован, w = g/‖g‖ случаен"}


def bridge_figure(samples: dict, k: int):
    """Histograms (log density) of the standardised outputs of ``spectra.bridge_output_samples``
    against the N(0, 1) density: heavier tails for the Gaussian mixture, bounded for a fixed
    input."""
    fig, axes = new_figure(9.6, 3.0, ncols=len(samples))
    grid = np.linspace(-5, 5, 401)
    bins = np.linspace(-5, 5, 61)
    for ax, (kind, h) in zip(axes[0], samples.items()):
        z = np.asarray(h, float) / np.std(h)
        ax.hist(z, bins=bins, density=True, color=BLUE, alpha=0.6, label="опыт")
        ax.plot(grid, stats.norm.pdf(grid), color=RED, lw=1, label="N(0, 1)")
        log_axis(ax, "y")
        ax.set_ylim(1e-5, 1)
        ax.set_title(BRIDGE_LABEL[kind], fontsize=FONT.medium)
        ax.set_xlabel("h / стандартное отклонение")
    axes[0, 0].set_ylabel("плотность")
    axes[0, 0].legend(fontsize=FONT.tiny, frameon=False)
    fig.suptitle(f"Выход одного нейрона, k = {k}", fontsize=FONT.base)
    return fig
