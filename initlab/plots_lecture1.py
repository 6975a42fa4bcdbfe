"""Figures of lecture part I (matplotlib without pyplot, Russian labels).

Every function returns a ``matplotlib.figure.Figure``; the numerics come from
``initlab.lecture1`` and ``initlab.nn``.

API (stable):
    png(fig) -> bytes
    plot_logic()                                   AND, OR, NAND, XOR and NOT with separating lines
    plot_xor(params, act, hist, title=None)        decision surface + loss curve
    plot_xor_grid(results)                         small multiples [(title, params, act), …]
    plot_staircase(f, n, a, b, tau, lstsq=False, ns=…, lip=None, label="")
    plot_swap_path(alphas, losses, curves=None)    loss along the continuous permutation
    plot_gradient_norms(results, title=None)       {label: layer_gradient_norms(...)} per layer
    plot_cliff(start, lr, steps, c, T=50)          loss surface of the one-unit RNN + trajectories
    plot_gallery(x, beta=0.25, noise_seed=0)       activations and their derivatives
    plot_relations(x)                              step = ReLU', σ = softplus', tanh = 2σ(2x) − 1
"""
from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure

from . import lecture1 as L
from .plots import _pow10

BLUE, RED, GREEN, GREY, ORANGE = "#1f5fa8", "#c0392b", "#1e7b34", "#7f8c8d", "#d68910"
ACT_LABELS = {"tanh": "tanh", "sigmoid": "сигмоида", "relu": "ReLU", "leaky_relu": "ReLU с утечкой",
              "softplus": "softplus", "identity": "линейная"}


def png(fig, dpi=None) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi or fig.dpi)
    return buf.getvalue()


def _fig(w, h, ncols=1, nrows=1, dpi=80, adjust=None, **kw):
    """A figure with a fixed layout (the constrained layout costs ~0.2 s per redraw)."""
    fig = Figure(figsize=(w, h), dpi=dpi)
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    pad = dict(left=0.8 / w, right=1 - 0.25 / w, bottom=0.55 / h, top=1 - 0.4 / h,
               wspace=0.3, hspace=0.35)
    fig.subplots_adjust(**{**pad, **(adjust or {})})
    return fig, axes


def _log(ax, which="y"):
    """Log scale with Unicode tick labels 10⁻³ (mathtext labels are slow to render)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator
    for name in which:
        axis = ax.yaxis if name == "y" else ax.xaxis
        (ax.set_yscale if name == "y" else ax.set_xscale)("log")
        axis.set_major_locator(LogLocator(base=10, numticks=8))
        axis.set_major_formatter(FuncFormatter(_pow10))
        axis.set_minor_locator(NullLocator())


def _points(ax, X, y):
    X = np.asarray(X)
    y = np.asarray(y)
    ax.scatter(X[y == 1, 0], X[y == 1, 1], s=90, c=BLUE, edgecolors="k", zorder=3, label="класс 1")
    ax.scatter(X[y == 0, 0], X[y == 0, 1], s=90, c="white", edgecolors="k", zorder=3,
               label="класс 0")


def plot_logic():
    """AND, OR, NAND, XOR (2 variables) and NOT (1 variable) with the separating line (LP)."""
    fig, axes = _fig(13, 3.1, ncols=5, adjust=dict(wspace=0.45, left=0.05, right=0.99))
    xs = np.linspace(-0.5, 1.5, 2)
    for ax, name in zip(axes[0], ["AND", "OR", "NAND", "XOR"]):
        y = L.LOGIC[name]
        _points(ax, L.BOOL_X, y)
        ok, w, b = L.separable_lp(L.BOOL_X, y)
        if ok:
            ax.plot(xs, -(w[0] * xs + b) / w[1], color=GREEN, lw=2)
            ax.set_title(f"{name}: прямая есть")
        else:
            ax.set_title(f"{name}: прямой нет", color=RED)
        ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    ax = axes[0, 4]
    ok, w, b = L.separable_lp(L.NOT_X, L.NOT_Y)
    ax.scatter([0], [0], s=90, c=BLUE, edgecolors="k", zorder=3, label="класс 1")
    ax.scatter([1], [0], s=90, c="white", edgecolors="k", zorder=3, label="класс 0")
    ax.axvline(-b / w[0], color=GREEN, lw=2)
    ax.set(xlim=(-0.5, 1.5), ylim=(-1, 1), yticks=[], xlabel="$x$", title="NOT: порог есть")
    ax.legend(loc="lower center", fontsize=8, ncols=2)
    return fig


def _surface(ax, params, act, title):
    xx, yy, p = L.decision_surface(params, act)
    ax.contourf(xx, yy, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.75)
    ax.contour(xx, yy, p, levels=[0.5], colors="k", linewidths=2)
    _points(ax, L.BOOL_X, L.LOGIC["XOR"])
    ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), aspect="equal", title=title)


def plot_xor(params, act, hist, title=None):
    """Decision surface P(y = 1) with the boundary P = 1/2, and the loss curve."""
    fig, axes = _fig(9, 3.8, ncols=2)
    width = params[0]["A"].shape[1]
    _surface(axes[0, 0], params, act, title or f"{ACT_LABELS.get(act, act)}, {width} скрытых "
                                              f"нейр.: верно {hist['correct']} из 4")
    axes[0, 0].set(xlabel="$x_1$", ylabel="$x_2$")
    ax = axes[0, 1]
    ax.plot(hist["loss"], color=BLUE)
    _log(ax)
    ax.set(xlabel="шаг обучения (Adam)", ylabel="функция потерь (перекрёстная энтропия)",
           title="Обучение")
    ax.grid(alpha=0.3)
    return fig


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


def plot_staircase(key, n, tau=10.0, lstsq=False, ns=(1, 2, 4, 8, 16, 32, 64, 128), a=0.0, b=1.0):
    """Left: f, the network with n sigmoid units and the units' contributions.
    Right: sup error against n (log-log), with the bound L·h·(1 + …)."""
    label, f, lip = L.TARGETS[key]
    fig, axes = _fig(11, 3.8, ncols=2)
    x = np.linspace(a, b, 801)
    params = L.staircase_net(f, n, a, b, tau)
    if lstsq:
        params = L.lstsq_output(params, x, f(x))
    g = L.predict_1d(params, x)
    ax = axes[0, 0]
    H = L.staircase_units(params, x)
    if n <= 40:
        for k in range(n):
            ax.plot(x, params[1]["b"][0] + H[:, k], color=GREY, lw=0.6, alpha=0.6)
    ax.plot(x, f(x), color="k", lw=2, label=f"f(x) = {label}")
    ax.plot(x, g, color=RED, lw=1.8, label=f"сеть, n = {n}")
    err = float(np.max(np.abs(g - f(x))))
    ax.set(xlabel="x", title=f"n = {n} скрытых нейронов: max |f − g| = {err:.3g}")
    ax.legend(fontsize=8, loc="upper right")
    ax = axes[0, 1]
    ax.plot(ns, L.staircase_errors(f, ns, a, b, tau), "o-", color=RED,
              label="построение «лесенкой»")
    if lstsq:
        ax.plot(ns, L.staircase_errors(f, ns, a, b, tau, lstsq=True), "s-", color=GREEN,
                  label="выходной слой по МНК")
    ax.plot(ns, [L.staircase_error_bound(lip, a, b, m, tau) for m in ns], "--", color="k",
              label="оценка L·h·(1 + …)")
    _log(ax, "xy")
    ax.axvline(n, color=GREY, lw=0.8)
    ax.set(xlabel="число скрытых нейронов n", ylabel="max |f − g|", title="Ошибка убывает как 1/n")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    return fig


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
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    if nets is not None:
        from . import nn
        ax = axes[0, 1]
        ax.scatter(X[:, 0], Y[:, 0], s=10, color="k", label="данные")
        for (a, params), col in zip(nets, [GREEN, ORANGE, BLUE]):
            ax.plot(X[:, 0], nn.forward(params, X, act)[0][:, 0], color=col, label=f"α = {a:g}")
        ax.set(xlabel="x", ylabel="выход сети", title="Функция сети при разных α")
        ax.legend(fontsize=8)
    return fig


def plot_gradient_norms(results, title=None, bound=False, key="param"):
    """results: {label: layer_gradient_norms(...)}; ‖∂L/∂A_l‖ per layer on a log axis."""
    fig, axes = _fig(7.5, 3.8)
    ax = axes[0, 0]
    colors = [BLUE, RED, GREEN, ORANGE, GREY, "#8e44ad"]
    for (label, r), col in zip(results.items(), colors):
        v = np.asarray(r[key], float)
        layers = np.arange(1, len(v) + 1)
        ax.plot(layers, np.where(v > 0, v, np.nan), "o-", ms=3, color=col, label=label)
        if bound:
            ax.plot(layers, r["bound"], "--", color=col, lw=1, label=f"оценка ({label})")
    _log(ax)
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel="номер слоя l (1 — у входа)",
           ylabel="‖∂L/∂Aₗ‖" if key == "param" else "‖∂L/∂Yₗ‖",
           title=title or "Норма градиента по слоям")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return fig


def plot_cliff(start=(6.0, -3.5), lr=0.05, steps=80, c=2.0, T=50, n=121):
    """Left: lg of the loss of the one-unit RNN over (w, b), the cliff (‖g‖ = 100) and three
    trajectories. Right: the update directions at the point of the unclipped trajectory where
    the gradient is largest: raw, globally and locally clipped (unit vectors)."""
    fig, axes = _fig(11, 4.2, ncols=2, adjust=dict(wspace=0.35))
    ax = axes[0, 0]
    W, B, loss = L.cliff_surface(n, T)
    # an image, not contourf: it draws several times faster on every redraw
    im = ax.imshow(np.log10(loss + 1e-12), origin="lower", aspect="auto", cmap="viridis",
                   extent=(W[0, 0], W[0, -1], B[0, 0], B[-1, 0]), vmin=-6, vmax=2.5,
                   interpolation="nearest")
    fig.colorbar(im, ax=ax, label="lg L")
    trajs = L.descend_all(start, lr, steps, c, T)
    for clip, col, label in [(None, RED, "без подрезки"), ("global", "white", "глобальная"),
                             ("local", ORANGE, "локальная")]:
        tr = trajs[clip]
        ax.plot(tr[:, 0], tr[:, 1], ".-", color=col, lw=1.2, ms=3, label=label)
    grads = L.cliff_gradients(trajs[None][:-1], T)
    k = int(np.argmax(np.linalg.norm(grads, axis=1)))
    ax.plot(*trajs[None][k], "*", color="red", mec="k", ms=14,
            label=f"обрыв: ‖g‖ = {np.linalg.norm(grads[k]):.3g}")
    ax.plot(*start, "o", color="k", mec="white", ms=8)
    ax.set(xlim=(-1, 9), ylim=(-6, 3), xlabel="w", ylabel="b",
           title=f"Спуск: шаг {lr:g}, порог c = {c:g}, {steps} шагов")
    ax.legend(fontsize=8, loc="upper right", facecolor="#bbbbbb")
    ax = axes[0, 1]
    g = -grads[k]
    for vec, col, label, lw in [(g, RED, "−g", 5), (L.clip_global(g, c), GREY, "глобальная", 2.5),
                                (L.clip_local(g, c), ORANGE, "локальная", 2.5)]:
        u = vec / np.linalg.norm(vec)
        ax.annotate("", xy=u, xytext=(0, 0), arrowprops=dict(arrowstyle="->", color=col, lw=lw))
        ax.plot([], [], color=col, lw=2.5,
                label=f"{label}: длина {np.linalg.norm(vec):.3g}, угол с −g "
                      f"{L.angle_deg(vec, g):.1f}°")
    ax.set(xlim=(-1.1, 1.1), ylim=(-1.1, 1.1), aspect="equal", xlabel="по w", ylabel="по b",
           title=f"Шаг {k + 1} без подрезки (‖g‖ максимальна)")
    ax.axhline(0, color=GREY, lw=0.5)
    ax.axvline(0, color=GREY, lw=0.5)
    ax.legend(fontsize=8, loc="lower left")
    return fig, trajs


def plot_gallery(x=None, beta=0.25, noise_seed=0):
    """Each activation (top) and its derivative (bottom); noisy ReLU: samples and the mean."""
    x = np.linspace(-4, 4, 801) if x is None else x
    keys = ["sigmoid", "tanh", "relu", "softplus", "leaky_relu", "prelu"]
    fig, axes = _fig(15, 5.0, ncols=7, nrows=2, dpi=80, sharex=True)
    for j, key in enumerate(keys):
        label, f, df = L.GALLERY[key]
        if key == "prelu":
            label = f"PReLU, β = {beta:g}".replace(".", ",")
            fx, dfx = L.prelu(x, beta), L.dprelu(x, beta)
        else:
            fx, dfx = f(x), df(x)
        axes[0, j].plot(x, fx, color=BLUE, lw=2)
        axes[0, j].set_title(label, fontsize=9)
        if key in ("relu", "leaky_relu", "prelu"):
            dfx = np.where(np.abs(x) < 1e-12, np.nan, dfx)
        axes[1, j].plot(x, dfx, color=RED, lw=2)
    rng = np.random.default_rng(noise_seed)
    xs = np.linspace(-4, 4, 161)
    axes[0, 6].scatter(xs, L.noisy_relu(xs, rng), s=4, color=GREY, label="выборка")
    axes[0, 6].plot(x, L.noisy_relu_mean(x), color=BLUE, lw=2, label="среднее")
    axes[0, 6].set_title("шумный ReLU", fontsize=9)
    axes[0, 6].legend(fontsize=7)
    axes[1, 6].scatter(xs, L.noisy_relu_grad(xs, np.random.default_rng(noise_seed)), s=4,
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
    num = lambda f: L.num_deriv(f, x, h)
    ax = axes[0, 0]
    ax.plot(x, L.step(x), color=BLUE, lw=4, alpha=0.5, label="ступенька 1[x > 0]")
    d = num(L.relu)
    ax.plot(x, np.where(np.abs(x) < 2 * h, np.nan, d), color=RED, lw=1.5, ls="--",
            label="(ReLU)′, численно")
    ax.set_title("ступенька = ReLU′")
    ax = axes[0, 1]
    ax.plot(x, L.sigmoid(x), color=BLUE, lw=4, alpha=0.5, label="σ(x)")
    ax.plot(x, num(L.softplus), color=RED, lw=1.5, ls="--", label="(softplus)′, численно")
    ax.set_title("σ = softplus′")
    ax = axes[0, 2]
    ax.plot(x, np.tanh(x), color=BLUE, lw=4, alpha=0.5, label="tanh x")
    ax.plot(x, 2 * L.sigmoid(2 * x) - 1, color=RED, lw=1.5, ls="--", label="2σ(2x) − 1")
    ax.set_title("tanh x = 2σ(2x) − 1")
    for ax in axes[0]:
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        ax.set_xlabel("x")
    return fig
