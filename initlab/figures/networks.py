"""Figures of small networks: logic, XOR, approximation, symmetry, gradients, clipping,
activations (matplotlib without pyplot, Russian labels).

Every ``plot_*`` function returns a ``matplotlib.figure.Figure``; the numerics come from
``initlab.numerics``. The figures of the explorers are classes created
once and updated in place (``XorFigure``, ``StaircaseFigure``, ``GradientNormsFigure``,
``CliffFigure``); the ``plot_*`` function of the same figure draws it once, so the static
figure of a notebook and its explorer look the same.

API (stable):
    png(fig) -> bytes                              one Agg draw, fast PNG encoding
    XorFigure / StaircaseFigure / GradientNormsFigure / CliffFigure
        .update(...) -> Figure ; .png() -> bytes ; .fig
        An explorer's figure (a ``LiveFigure``): the static part (axes, ticks, labels) is
        rendered once per set of axis limits and cached; an update redraws only the changing
        artists (matplotlib's public blitting; see ``figures.fastdraw``). Axis limits are
        rounded outwards (1, 2, 5 ×
        10ⁿ on log axes) so that few distinct static parts occur.
    plot_logic()                                   AND, OR, NAND, XOR and NOT with separating lines
    plot_xor(params, act, hist, title=None)        decision surface + loss curve
    plot_xor_grid(results)                         small multiples [(title, params, act), …]
    plot_staircase(f, n, a, b, tau, lstsq=False, ns=…, lip=None, label="")
    plot_swap_path(alphas, losses, curves=None)    loss along the continuous permutation
    plot_gradient_norms(results, title=None)       {label: layer_gradient_norms(...)} per layer
    plot_cliff(start, lr, steps, c, T=50)          loss surface of the one-unit RNN + trajectories
    plot_gradient_gain(demo)                       gradient ratios: predicted by the gain vs measured
    plot_clipping_starts(demo)                     clipping rules over random starts
    plot_gallery(x, beta=0.25, noise_seed=0)       activations and their derivatives
    plot_relations(x)                              step = ReLU', σ = softplus', tanh = 2σ(2x) − 1
"""
from __future__ import annotations

import numpy as np

from ..numerics import activations, clipping, logic
from ..numerics import approximation as approx
from ..numerics import mlp as nn
from ..text import ACT_LABELS, hidden_neurons
from .fastdraw import LiveFigure
from .fastdraw import lin_limits as _lin_limits
from .fastdraw import log_limits as _log_limits
from .style import (
    BLUE,
    FONT,
    GREEN,
    GREY,
    ORANGE,
    PURPLE,
    RED,
    log_axis,
    new_figure,
    png,  # noqa: F401 — re-exported: this module's API lists png(fig)
)


def _fig(w, h, ncols=1, nrows=1, dpi=80, adjust=None, **kw):
    """``new_figure`` with the margins and dpi of these figures."""
    pad = {"left": 0.8 / w, "right": 1 - 0.25 / w, "bottom": 0.55 / h, "top": 1 - 0.4 / h,
           "wspace": 0.3, "hspace": 0.35}
    return new_figure(w, h, ncols, nrows, dpi=dpi, adjust={**pad, **(adjust or {})}, **kw)


def _log(ax, which="y"):
    """Log axis of the style, without minor ticks."""
    from matplotlib.ticker import NullLocator
    log_axis(ax, which)
    for name in which:
        (ax.yaxis if name == "y" else ax.xaxis).set_minor_locator(NullLocator())


#: the activations of the gallery: key -> (label, f, f′)
GALLERY = {
    "sigmoid": ("сигмоида σ(x)", activations.sigmoid, activations.dsigmoid),
    "tanh": ("tanh x", np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "relu": ("ReLU", activations.relu, activations.step),
    "softplus": ("softplus", activations.softplus, activations.sigmoid),
    "leaky_relu": ("ReLU с утечкой", lambda x: activations.prelu(x, 0.01),
                   lambda x: activations.dprelu(x, 0.01)),
    "prelu": ("PReLU, β = 0,25", activations.prelu, activations.dprelu),
}


def _points(ax, X, y):
    X = np.asarray(X)
    y = np.asarray(y)
    return (ax.scatter(X[y == 1, 0], X[y == 1, 1], s=90, c=BLUE, edgecolors="k", zorder=3,
                       label="класс 1"),
            ax.scatter(X[y == 0, 0], X[y == 0, 1], s=90, c="white", edgecolors="k", zorder=3,
                       label="класс 0"))


def plot_logic():
    """AND, OR, NAND, XOR (2 variables) and NOT (1 variable) with the separating line (LP)."""
    fig, axes = _fig(13, 3.1, ncols=5, adjust={"wspace": 0.45, "left": 0.05, "right": 0.99})
    xs = np.linspace(-0.5, 1.5, 2)
    for ax, name in zip(axes[0], ["AND", "OR", "NAND", "XOR"]):
        y = logic.LOGIC[name]
        _points(ax, logic.BOOL_X, y)
        ok, w, b = logic.separable_lp(logic.BOOL_X, y)
        if ok:
            ax.plot(xs, -(w[0] * xs + b) / w[1], color=GREEN, lw=2)
            ax.set_title(f"{name}: прямая есть")
        else:
            ax.set_title(f"{name}: прямой нет", color=RED)
        ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    ax = axes[0, 4]
    ok, w, b = logic.separable_lp(logic.NOT_X, logic.NOT_Y)
    ax.scatter([0], [0], s=90, c=BLUE, edgecolors="k", zorder=3, label="класс 1")
    ax.scatter([1], [0], s=90, c="white", edgecolors="k", zorder=3, label="класс 0")
    ax.axvline(-b / w[0], color=GREEN, lw=2)
    ax.set(xlim=(-0.5, 1.5), ylim=(-1, 1), yticks=[], xlabel="$x$", title="NOT: порог есть")
    ax.legend(loc="lower center", fontsize=FONT.small, ncols=2)
    return fig


_LEVELS = np.linspace(0, 1, 11)


def _contours(ax, xx, yy, p):
    return (ax.contourf(xx, yy, p, levels=_LEVELS, cmap="RdBu_r", alpha=0.75),
            ax.contour(xx, yy, p, levels=[0.5], colors="k", linewidths=2))


def _surface(ax, params, act, title):
    _contours(ax, *logic.decision_surface(params, act))
    _points(ax, logic.BOOL_X, logic.LOGIC["XOR"])
    ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), aspect="equal", title=title)


class XorFigure(LiveFigure):
    """Decision surface P(y = 1) with the boundary P = 1/2 (left) and the loss curve (right).

    ``n`` is the side of the grid of the decision surface (numerics.decision_surface)."""

    def __init__(self, n=121, live=True):
        fig, axes = _fig(9, 3.8, ncols=2)
        super().__init__(fig, live)
        self.n = n
        ax = self.ax_surface = axes[0, 0]
        points = _points(ax, logic.BOOL_X, logic.LOGIC["XOR"])
        ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), aspect="equal", xlabel="$x_1$",
               ylabel="$x_2$")
        # the filled contours cover the frame and the points: all of them are redrawn
        self._dynamic(*points, ax.title, *ax.spines.values())
        self.contours = ()
        ax = self.ax_loss = axes[0, 1]
        self.loss, = ax.plot([], [], color=BLUE)
        _log(ax)
        ax.set(xlabel="шаг обучения (Adam)", ylabel="функция потерь (перекрёстная энтропия)",
               title="Обучение")
        ax.grid(alpha=0.3)
        self._dynamic(self.loss)

    def update(self, params, act, hist, title=None):
        ax = self.ax_surface
        self._drop(*self.contours)
        self.contours = _contours(ax, *logic.decision_surface(params, act, n=self.n))
        self._dynamic(*self.contours)
        width = params[0]["A"].shape[1]
        ax.set_title(title or f"{ACT_LABELS.get(act, act)}, {hidden_neurons(width)}: верно "
                              f"{hist['correct']} из 4")
        loss = np.asarray(hist["loss"], float)
        self.loss.set_data(np.arange(len(loss)), loss)
        m = max(len(loss) - 1, 1)
        self.ax_loss.set_xlim(-0.05 * m, 1.05 * m)
        self.ax_loss.set_ylim(*_log_limits(loss))
        return self.fig


def plot_xor(params, act, hist, title=None):
    """Decision surface P(y = 1) with the boundary P = 1/2, and the loss curve."""
    return XorFigure(live=False).update(params, act, hist, title)


def plot_xor_grid(results, ncols=4):
    """Small multiples: results = [(title, params, act), …]."""
    nrows = -(-len(results) // ncols)
    fig, axes = _fig(3.0 * ncols, 3.0 * nrows, ncols=ncols, nrows=nrows, dpi=80)
    for ax in axes.ravel()[len(results):]:
        ax.set_visible(False)
    for ax, (title, params, act) in zip(axes.ravel(), results):
        _surface(ax, params, act, title)
        ax.set(xticks=[0, 1], yticks=[0, 1])
    return fig


class StaircaseFigure(LiveFigure):
    """Left: f, the network with n sigmoid units and the units' contributions (up to
    ``max_units`` of them). Right: sup error against n (log-log), with the bound L·h·(1 + …)."""

    max_units = 40

    def __init__(self, ns=(1, 2, 4, 8, 16, 32, 64, 128), a=0.0, b=1.0, live=True):
        fig, axes = _fig(11, 3.8, ncols=2)
        super().__init__(fig, live)
        self.ns, self.a, self.b = np.asarray(ns), a, b
        self.x = np.linspace(a, b, 801)
        ax = self.ax_fit = axes[0, 0]
        self.units = [ax.plot([], [], color=GREY, lw=0.6, alpha=0.6)[0]
                      for _ in range(self.max_units)]
        self.f_line, = ax.plot([], [], color="k", lw=2, label="f")
        self.g_line, = ax.plot([], [], color=RED, lw=1.8, label="сеть")
        ax.set_xlim(a - 0.05 * (b - a), b + 0.05 * (b - a))
        ax.set_xlabel("x")
        self.legend_fit = ax.legend(fontsize=FONT.small, loc="upper right")
        self._dynamic(*self.units, self.f_line, self.g_line, ax.title, self.legend_fit,
                      *ax.spines.values())
        ax = self.ax_err = axes[0, 1]
        self.err_line, = ax.plot([], [], "o-", color=RED, label="построение «лесенкой»")
        self.lsq_line, = ax.plot([], [], "s-", color=GREEN, label="выходной слой по МНК")
        self.bound_line, = ax.plot([], [], "--", color="k", label="оценка L·h·(1 + …)")
        _log(ax, "xy")
        self.n_line = ax.axvline(1, color=GREY, lw=0.8)
        ax.set(xlabel="число скрытых нейронов n", ylabel="max |f − g|",
               title="Ошибка убывает как 1/n")
        ax.grid(alpha=0.3, which="both")
        self._dynamic(self.err_line, self.lsq_line, self.bound_line, self.n_line,
                      *ax.spines.values())
        self.legend_err = None
        self._lstsq = None

    def update(self, key, n, tau=10.0, lstsq=False):
        label, f, lip = approx.TARGETS[key]
        a, b, x, ns = self.a, self.b, self.x, self.ns
        params = approx.staircase_net(f, n, a, b, tau)
        fx = f(x)
        if lstsq:
            params = approx.lstsq_output(params, x, fx)
        g = approx.predict_1d(params, x)
        ax = self.ax_fit
        shown = [fx, g]
        if n <= self.max_units:
            curves = params[1]["b"][0] + approx.staircase_units(params, x)
            shown.append(curves)
        for k, line in enumerate(self.units):
            line.set_visible(n <= self.max_units and k < n)
            if line.get_visible():
                line.set_data(x, curves[:, k])
        self.f_line.set_data(x, fx)
        self.g_line.set_data(x, g)
        texts = self.legend_fit.get_texts()
        texts[0].set_text(f"f(x) = {label}")
        texts[1].set_text(f"сеть, n = {n}")
        ax.set_ylim(*_lin_limits(*shown))
        err = float(np.max(np.abs(g - fx)))
        ax.set_title(f"n = {hidden_neurons(n)}: max |f − g| = {err:.3g}")

        ax = self.ax_err
        errs = approx.staircase_errors(f, ns, a, b, tau)
        bounds = [approx.staircase_error_bound(lip, a, b, m, tau) for m in ns]
        self.err_line.set_data(ns, errs)
        self.bound_line.set_data(ns, bounds)
        shown = [errs, bounds]
        self.lsq_line.set_visible(bool(lstsq))
        if lstsq:
            lsq = approx.staircase_errors(f, ns, a, b, tau, lstsq=True)
            self.lsq_line.set_data(ns, lsq)
            shown.append(lsq)
        self.n_line.set_xdata([n, n])
        span = np.log(ns.max() / ns.min()) if ns.max() > ns.min() else 1.0
        ax.set_xlim(ns.min() * np.exp(-0.05 * span), ns.max() * np.exp(0.05 * span))
        ax.set_ylim(*_log_limits(*shown))
        if self._lstsq is not bool(lstsq):      # the legend lists the visible curves
            if self.legend_err is not None:
                self._drop(self.legend_err)
            handles = [self.err_line] + ([self.lsq_line] if lstsq else []) + [self.bound_line]
            self.legend_err = ax.legend(handles=handles, fontsize=FONT.small)
            self._dynamic(self.legend_err)
            self._lstsq = bool(lstsq)
        return self.fig


def plot_staircase(key, n, tau=10.0, lstsq=False, ns=(1, 2, 4, 8, 16, 32, 64, 128), a=0.0, b=1.0):
    """Left: f, the network with n sigmoid units and the units' contributions.
    Right: sup error against n (log-log), with the bound L·h·(1 + …)."""
    return StaircaseFigure(ns, a, b, live=False).update(key, n, tau, lstsq)


def plot_swap_path(alphas, losses, X=None, Y=None, nets=None, act="tanh"):
    """Loss along θ(α); optionally the functions of the networks at a few α (``nets``)."""
    ncols = 1 if nets is None else 2
    fig, axes = _fig(5.2 * ncols, 3.6, ncols=ncols)
    ax = axes[0, 0]
    ax.plot(alphas, losses, color=RED, lw=2)
    _log(ax)
    ax.scatter([alphas[0], alphas[-1]], [losses[0], losses[-1]], color=GREEN, zorder=3,
               label="эквивалентные минимумы")
    ax.set(xlabel="α (1 — исходная сеть, 0 — нейроны переставлены)",
           ylabel="функция потерь (MSE)", title="Потери вдоль непрерывной перестановки")
    ax.legend(fontsize=FONT.small)
    ax.grid(alpha=0.3, which="both")
    if nets is not None:
        ax = axes[0, 1]
        ax.scatter(X[:, 0], Y[:, 0], s=10, color="k", label="данные")
        for (a, params), col in zip(nets, [GREEN, ORANGE, BLUE]):
            ax.plot(X[:, 0], nn.forward(params, X, act)[0][:, 0], color=col, label=f"α = {a:g}")
        ax.set(xlabel="x", ylabel="выход сети", title="Функция сети при разных α")
        ax.legend(fontsize=FONT.small)
    return fig


_COLORS = [BLUE, RED, GREEN, ORANGE, GREY, PURPLE]
#: depths the layer axis is widened to (few distinct limits: cached backgrounds)
_NICE_DEPTHS = (2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 70, 80, 100)


def _depth_limits(depth):
    """x limits for layers 1…depth: autoscale's 5 % margins for the next «nice» depth."""
    d = next((m for m in _NICE_DEPTHS if m >= depth), depth)
    pad = 0.05 * max(d - 1, 1)
    return 1 - pad, d + pad


class GradientNormsFigure(LiveFigure):
    """‖∂L/∂A_l‖ (key="param") or ‖∂L/∂Y_l‖ (key="delta") per layer on a log axis, one line
    per entry of ``results``; with ``bound`` also the Jacobian bound (dashed)."""

    def __init__(self, count=1, bound=False, key="param", live=True):
        from matplotlib.ticker import MaxNLocator
        fig, axes = _fig(7.5, 3.8)
        super().__init__(fig, live)
        self.bound, self.key = bound, key
        ax = self.ax = axes[0, 0]
        self.lines, self.bounds = [], []
        for i in range(count):
            col = _COLORS[i % len(_COLORS)]
            self.lines.append(ax.plot([], [], "o-", ms=3, color=col, label=str(i))[0])
            if bound:
                self.bounds.append(ax.plot([], [], "--", color=col, lw=1, label=str(i))[0])
        _log(ax)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set(xlabel="номер слоя l (1 — у входа)",
               ylabel="‖∂L/∂Aₗ‖" if key == "param" else "‖∂L/∂Yₗ‖")
        ax.grid(alpha=0.3, which="both")
        self.legend = ax.legend(fontsize=FONT.small)
        self._dynamic(*self.lines, *self.bounds, self.legend, ax.title, *ax.spines.values())

    def update(self, results, title=None):
        """results: {label: layer_gradient_norms(...)} (as many as lines)."""
        texts = iter(self.legend.get_texts())
        shown, depth = [], 1
        for i, (label, r) in enumerate(results.items()):
            v = np.asarray(r[self.key], float)
            layers = np.arange(1, len(v) + 1)
            depth = max(depth, len(v))
            self.lines[i].set_data(layers, np.where(v > 0, v, np.nan))
            next(texts).set_text(label)
            shown.append(v)
            if self.bound:
                self.bounds[i].set_data(layers, r["bound"])
                next(texts).set_text(f"оценка ({label})")
                shown.append(r["bound"])
        self.ax.set_xlim(*_depth_limits(depth))
        self.ax.set_ylim(*_log_limits(*shown))
        self.ax.set_title(title or "Норма градиента по слоям")
        return self.fig


def plot_gradient_norms(results, title=None, bound=False, key="param"):
    """results: {label: layer_gradient_norms(...)}; ‖∂L/∂A_l‖ per layer on a log axis."""
    return GradientNormsFigure(len(results), bound, key, live=False).update(results, title)


_CLIP_STYLE = [(None, RED, "без обрезки"), ("global", "white", "глобальная"),
               ("local", ORANGE, "локальная")]


class CliffFigure(LiveFigure):
    """Left: lg of the loss of the one-unit RNN over (w, b), the cliff (‖g‖ = 100) and three
    trajectories. Right: the update directions at the point of the unclipped trajectory where
    the gradient is largest: raw, globally and locally clipped (unit vectors)."""

    def __init__(self, T=50, n=121, live=True):
        fig, axes = _fig(11, 4.2, ncols=2, adjust={"wspace": 0.35})
        super().__init__(fig, live)
        self.T = T
        ax = self.ax_path = axes[0, 0]
        W, B, loss = clipping.cliff_surface(n, T)
        # an image, not contourf: it draws several times faster
        im = ax.imshow(np.log10(loss + 1e-12), origin="lower", aspect="auto", cmap="viridis",
                       extent=(W[0, 0], W[0, -1], B[0, 0], B[-1, 0]), vmin=-6, vmax=2.5,
                       interpolation="nearest")
        fig.colorbar(im, ax=ax, label="lg L")
        self.paths = {clip: ax.plot([], [], ".-", color=col, lw=1.2, ms=3, label=label)[0]
                      for clip, col, label in _CLIP_STYLE}
        self.star, = ax.plot([], [], "*", color="red", mec="k", ms=14, label="обрыв")
        self.start, = ax.plot([], [], "o", color="k", mec="white", ms=8)
        ax.set(xlim=(-1, 9), ylim=(-6, 3), xlabel="w", ylabel="b")
        self.legend_path = ax.legend(fontsize=FONT.small, loc="upper right", facecolor="#bbbbbb")
        self._dynamic(*self.paths.values(), self.star, self.start, self.legend_path, ax.title,
                      *ax.spines.values())
        ax = self.ax_dir = axes[0, 1]
        self.arrows, proxies = [], []
        for col, lw in [(RED, 5), (GREY, 2.5), (ORANGE, 2.5)]:
            self.arrows.append(ax.annotate("", xy=(1, 0), xytext=(0, 0),
                                           arrowprops={"arrowstyle": "->", "color": col, "lw": lw}))
            proxies.append(ax.plot([], [], color=col, lw=2.5, label="_")[0])
        ax.set(xlim=(-1.1, 1.1), ylim=(-1.1, 1.1), aspect="equal", xlabel="по w", ylabel="по b")
        ax.axhline(0, color=GREY, lw=0.5)
        ax.axvline(0, color=GREY, lw=0.5)
        self.legend_dir = ax.legend(handles=proxies, labels=["−g", "глобальная", "локальная"],
                                    fontsize=FONT.small, loc="lower left")
        self._dynamic(*self.arrows, self.legend_dir, ax.title)

    def update(self, start=(6.0, -3.5), lr=0.05, steps=80, c=2.0):
        """Returns (Figure, trajectories {None | "global" | "local": (steps + 1, 2)})."""
        T = self.T
        trajs = clipping.descend_all(start, lr, steps, c, T)
        for clip, line in self.paths.items():
            line.set_data(trajs[clip][:, 0], trajs[clip][:, 1])
        grads = clipping.cliff_gradients(trajs[None][:-1], T)
        k = int(np.argmax(np.linalg.norm(grads, axis=1)))
        self.star.set_data([trajs[None][k, 0]], [trajs[None][k, 1]])
        self.legend_path.get_texts()[3].set_text(f"обрыв: ‖g‖ = {np.linalg.norm(grads[k]):.3g}")
        self.start.set_data([start[0]], [start[1]])
        self.ax_path.set_title(f"Спуск: шаг {lr:g}, порог c = {c:g}, {steps} шагов")
        g = -grads[k]
        texts = self.legend_dir.get_texts()
        for arrow, text, vec, label in zip(
                self.arrows, texts, [g, clipping.clip_global(g, c), clipping.clip_local(g, c)],
                ["−g", "глобальная", "локальная"]):
            arrow.xy = tuple(vec / np.linalg.norm(vec))
            text.set_text(f"{label}: длина {np.linalg.norm(vec):.3g}, угол с −g "
                          f"{clipping.angle_deg(vec, g):.1f}°")
        self.ax_dir.set_title(f"Шаг {k + 1} без обрезки (‖g‖ максимальна)")
        return self.fig, trajs


def plot_cliff(start=(6.0, -3.5), lr=0.05, steps=80, c=2.0, T=50, n=121):
    """Left: lg of the loss of the one-unit RNN over (w, b), the cliff (‖g‖ = 100) and three
    trajectories. Right: the update directions at the point of the unclipped trajectory where
    the gradient is largest: raw, globally and locally clipped (unit vectors)."""
    return CliffFigure(T, n, live=False).update(start, lr, steps, c)


def plot_gallery(x=None, beta=0.25, noise_seed=0):
    """Each activation (top) and its derivative (bottom); noisy ReLU: samples and the mean."""
    x = np.linspace(-4, 4, 801) if x is None else x
    keys = ["sigmoid", "tanh", "relu", "softplus", "leaky_relu", "prelu"]
    fig, axes = _fig(15, 5.0, ncols=7, nrows=2, dpi=80, sharex=True)
    for j, key in enumerate(keys):
        label, f, df = GALLERY[key]
        if key == "prelu":
            label = f"PReLU, β = {beta:g}".replace(".", ",")
            fx, dfx = activations.prelu(x, beta), activations.dprelu(x, beta)
        else:
            fx, dfx = f(x), df(x)
        axes[0, j].plot(x, fx, color=BLUE, lw=2)
        axes[0, j].set_title(label, fontsize=FONT.medium)
        if key in ("relu", "leaky_relu", "prelu"):
            dfx = np.where(np.abs(x) < 1e-12, np.nan, dfx)
        axes[1, j].plot(x, dfx, color=RED, lw=2)
    rng = np.random.default_rng(noise_seed)
    xs = np.linspace(-4, 4, 161)
    axes[0, 6].scatter(xs, activations.noisy_relu(xs, rng), s=4, color=GREY, label="выборка")
    axes[0, 6].plot(x, activations.noisy_relu_mean(x), color=BLUE, lw=2, label="среднее")
    axes[0, 6].set_title("шумный ReLU", fontsize=FONT.medium)
    axes[0, 6].legend(fontsize=FONT.tiny)
    axes[1, 6].scatter(xs, activations.noisy_relu_grad(xs, np.random.default_rng(noise_seed)), s=4,
                       color=RED)
    axes[0, 0].set_ylabel("f(x)")
    axes[1, 0].set_ylabel("f′(x)")
    for ax in axes.ravel():
        ax.grid(alpha=0.3)
        ax.axhline(0, color="k", lw=0.5)
    for ax in axes[1]:
        ax.set_xlabel("x")
    return fig


def plot_relations(x=None):
    """The three relations, each as two curves that coincide."""
    x = np.linspace(-4, 4, 801) if x is None else x
    fig, axes = _fig(13, 3.4, ncols=3)
    h = 1e-5
    num = lambda f: activations.num_deriv(f, x, h)
    ax = axes[0, 0]
    ax.plot(x, activations.step(x), color=BLUE, lw=4, alpha=0.5, label="ступенька 1[x > 0]")
    d = num(activations.relu)
    ax.plot(x, np.where(np.abs(x) < 2 * h, np.nan, d), color=RED, lw=1.5, ls="--",
            label="(ReLU)′, численно")
    ax.set_title("ступенька = ReLU′")
    ax = axes[0, 1]
    ax.plot(x, activations.sigmoid(x), color=BLUE, lw=4, alpha=0.5, label="σ(x)")
    ax.plot(x, num(activations.softplus), color=RED, lw=1.5, ls="--", label="(softplus)′, численно")
    ax.set_title("σ = softplus′")
    ax = axes[0, 2]
    ax.plot(x, np.tanh(x), color=BLUE, lw=4, alpha=0.5, label="tanh x")
    ax.plot(x, 2 * activations.sigmoid(2 * x) - 1, color=RED, lw=1.5, ls="--", label="2σ(2x) − 1")
    ax.set_title("tanh x = 2σ(2x) − 1")
    for ax in axes[0]:
        ax.legend(fontsize=FONT.small)
        ax.grid(alpha=0.3)
        ax.set_xlabel("x")
    return fig


def plot_gradient_gain(demo):
    """``gradient_gain_demo``: left, ‖∂L/∂Y_l‖ / ‖∂L/∂Y_d‖ per layer, measured (dots: the mean
    of lg over the random nets) and predicted by the per-layer gain √(s² E f′²) (lines);
    right, the ratio at the first layer: measured (one dot per net) against the prediction,
    and the norm bound ∏ sup|f′|·‖A‖₂ (crosses)."""
    fig, ax = _fig(12, 4.2, ncols=2, adjust={"wspace": 0.3, "right": 0.98})
    a, b = ax[0, 0], ax[0, 1]
    layers = np.arange(1, demo.depth + 1)
    colors = [RED, BLUE, GREEN, ORANGE, PURPLE, GREY]
    lo, hi = 1.0, 1.0
    for (key, row), c in zip(demo.rows.items(), colors, strict=False):
        act, sc = key
        label = f"{ACT_LABELS.get(act, act)}, s = {sc:.3g}"
        mean = 10 ** np.log10(row["measured"]).mean(axis=0)
        a.plot(layers, row["predicted"], "-", color=c, lw=1.5, label=label)
        a.plot(layers, mean, "o", color=c, ms=3.5)
        pred, meas = row["predicted"][0], row["measured"][:, 0]
        b.plot(np.full(len(meas), pred), meas, "o", color=c, ms=4, alpha=0.7, label=label)
        b.plot(np.full(len(meas), pred), row["bound"], "x", color=c, ms=5)
        lo = min(lo, pred, meas.min())
        hi = max(hi, pred, meas.max(), row["bound"].max())
    _log(a)
    a.set_xlabel("слой l")
    a.set_ylabel("‖∂L/∂Y_l‖ / ‖∂L/∂Y_d‖")
    a.set_title("линии — прогноз ∏ √(s² E f′(z)²), точки — измерено", fontsize=FONT.medium)
    a.legend(fontsize=FONT.tiny, frameon=False, loc="lower right", ncol=2)
    _log(b, "xy")
    lim = (lo / 3, hi * 3)
    b.plot(lim, lim, "-", color=GREY, lw=0.8)
    b.set(xlim=lim, ylim=lim, xlabel="прогноз для первого слоя", ylabel="измерено")
    b.set_title("точки — сети, крестики — оценка через нормы (сверху)", fontsize=FONT.medium)
    return fig


def plot_clipping_starts(demo):
    """``clipping_starts_demo``: final losses of global against local clipping (one dot per
    start, the diagonal: equal) and the longest step of each rule per start."""
    fig, ax = _fig(11, 4.0, ncols=2, adjust={"wspace": 0.3})
    a, b = ax[0, 0], ax[0, 1]
    floor = 1e-6
    g = np.maximum(demo.loss["global"], floor)
    loc = np.maximum(demo.loss["local"], floor)
    a.plot(g, loc, "o", color=BLUE, ms=5, alpha=0.8)
    lim = (floor / 2, 2 * max(g.max(), loc.max()))
    a.plot(lim, lim, "-", color=GREY, lw=0.8)
    _log(a, "xy")
    a.set(xlim=lim, ylim=lim, xlabel="потери в конце: глобальная обрезка",
          ylabel="потери в конце: локальная обрезка")
    a.set_title(f"выше диагонали — глобальная лучше ({demo.g_wins}), ниже — локальная "
                f"({demo.l_wins});\nпотери меньше 10⁻⁶ — в углу", fontsize=FONT.medium)
    for i, (clip, col, label) in enumerate(_CLIP_STYLE):
        col = BLUE if col == "white" else col
        v = demo.max_step[clip]
        b.plot(np.full(len(v), i) + np.linspace(-0.2, 0.2, len(v)), v, "o", color=col, ms=4,
               alpha=0.8)
    b.axhline(demo.lr * demo.c, color=BLUE, ls=":", lw=1, label="предел глобальной: lr·c")
    b.axhline(demo.lr * demo.c * np.sqrt(2), color=ORANGE, ls=":", lw=1,
              label="предел локальной: lr·c·√2")
    b.set_xticks(range(3), [lab for _, _, lab in _CLIP_STYLE])
    _log(b)
    b.set_ylabel("самый длинный шаг")
    b.set_title(f"{demo.n} стартов, {demo.steps} шагов", fontsize=FONT.medium)
    b.legend(fontsize=FONT.tiny, frameon=False, loc="upper right")
    return fig
