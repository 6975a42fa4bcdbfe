"""Figures of training, regularisation, transfer and pruning (matplotlib without pyplot, Russian labels).

Every function returns a ``matplotlib.figure.Figure``; the numerics come from
``initlab.numerics``.

API (stable):
    plot_symmetry(const, rand)            first-layer weights after training + loss curves
    plot_naive(profiles)                  {label: naive_profile(...)}: Var z, saturation, Var δ
    plot_he(results, k=25)                {(depth, scheme): he_experiment(...)}: the Fig. 2–3 analogue
    plot_dropout(head, x, p, n=4000)      outputs over random masks at p + std of the output vs p
    plot_dropout_static(head, x, ps)      the histogram panel at a few p side by side
    plot_dropout_training(runs, baselines)  {p: train_dropout_net(p)}: test and training losses
    plot_seed_table(table, arms, labels, colors)  one dot per seed and arm, the mean as a bar
    plot_dropout_seeds(table) / plot_transfer_seeds(table, lrs) / plot_resnet_seeds(table)
    plot_activations(depth, width, act, scale)   per-layer activation bands without / with BN
    plot_transfer(pre, tr, sc)            training curves and test losses of the transfer demo
    plot_blocks(norms, small, large)      block output RMS; loss after dropping k blocks
    plot_pruning(prob, curves, fraction)  loss vs share pruned for |a|, OBD, OBS + kept weights
    png(fig) -> bytes
"""
from __future__ import annotations

import numpy as np

from ..numerics import mlp as nn
from ..numerics import propagate, pruning
from ..numerics import regularization as reg
from ..text import METHOD_LABELS
from ..text import count as count_ru
from ..text import layers as layers_ru
from .style import BLUE, GREEN, GREY, ORANGE, RED, log_axis, new_figure, png  # noqa: F401

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
        a.set_title(title, fontsize=10)
        a.set_xlabel("нейрон первого скрытого слоя")
        a.set_ylabel("вход")
    a = ax[0, 2]
    a.plot(nn.smooth(const["loss"]), color=RED, label="все веса равны")
    a.plot(nn.smooth(rand["loss"]), color=BLUE, label="случайные веса")
    a.set_xlabel("шаг обучения")
    a.set_ylabel("функция потерь (сглажено)")
    a.set_title("обучение", fontsize=10)
    a.legend(fontsize=9, frameon=False)
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
    ax[0, 0].set_title("дисперсия сигнала Var $z_l$", fontsize=10)
    ax[0, 1].set_title("доля насыщенных нейронов, |tanh z| > 0,99", fontsize=10)
    ax[0, 2].set_title("дисперсия градиента Var ∂L/∂$z_l$", fontsize=10)
    ax[0, 1].set_ylabel("%")
    for a in ax[0]:
        a.set_xlabel("слой l")
    ax[0, 1].legend(fontsize=8, frameon=False)
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
               transform=a.get_yaxis_transform(), fontsize=8, color=GREY)
        a.set_title(f"{layers_ru(d)} ReLU", fontsize=10)
        a.set_xlabel("шаг SGD")
        a.legend(fontsize=9, frameon=False, loc="lower left")
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
    ax.hist(raw, bins=bins, color=RED, alpha=0.45, label="без деления на 1 − p")
    ax.hist(inv, bins=bins, color=BLUE, alpha=0.45, label="инвертированный дропаут, ÷(1 − p)")
    ax.axvline(full, color="k", lw=2, label="выход без дропаута")
    ax.axvline(inv.mean(), color=BLUE, ls="--", lw=1.5)
    ax.axvline(raw.mean(), color=RED, ls="--", lw=1.5)
    ax.set_title(f"p = {p:.2f}: выход сети по {n} маскам", fontsize=10)
    ax.set_xlabel("выход сети")
    ax.set_yticks([])


def plot_dropout(head, x, p, n=4000, seed=0):
    """Left: the output over random masks at drop probability p (dashed: the means).
    Right: the output's spread over masks as a function of p, theory and Monte Carlo."""
    fig, ax = _fig(12, 3.8, ncols=2)
    _dropout_hist(ax[0, 0], head, x, p, n, seed)
    ax[0, 0].legend(fontsize=8, frameon=False, loc="upper left")
    ps = np.linspace(0.0, 0.9, 91)
    a = ax[0, 1]
    a.plot(ps, [np.sqrt(reg.head_moments(head, x, q)[1]) for q in ps], color=BLUE,
           label="σ выхода, инвертированный дропаут (теория)")
    a.plot(ps, [np.sqrt(reg.head_moments(head, x, q, inverted=False)[1]) for q in ps], color=RED,
           label="σ выхода без деления (теория)")
    pm = np.linspace(0.1, 0.9, 9)
    a.plot(pm, [reg.head_outputs(head, x, q, n=n, seed=seed).std() for q in pm], "o", color=BLUE,
           ms=4, label="моделирование")
    a.plot(pm, [reg.head_outputs(head, x, q, n=n, seed=seed, inverted=False).std() for q in pm], "o",
           color=RED, ms=4)
    a.axvline(p, color=GREY, ls=":")
    a.set_xlabel("вероятность отключения p")
    a.set_ylabel("стандартное отклонение выхода")
    a.legend(fontsize=8, frameon=False, loc="upper left")
    return fig


def plot_dropout_static(head, x, ps=(0.2, 0.5, 0.8), n=4000, seed=0):
    fig, ax = _fig(4.2 * len(ps), 3.5, ncols=len(ps), sharex=True)
    ends = [reg.head_outputs(head, x, p, n=n, seed=seed) for p in ps]
    lo = min(e.min() for e in ends) - 0.1
    hi = max(e.max() for e in ends) + 0.1
    for a, p in zip(ax[0], ps):
        _dropout_hist(a, head, x, p, n, seed, bins=np.linspace(lo, hi, 61))
    ax[0, 0].legend(fontsize=8, frameon=False, loc="upper left")
    return fig


def plot_dropout_training(runs, baselines=None):
    """Test and training losses of ``{p: train_dropout_net(p)}``; ``baselines`` (a dict of
    ``regression_baselines``) as horizontal lines on the test panel."""
    fig, ax = _fig(11, 3.7, ncols=2)
    colors = [RED, BLUE, GREEN, ORANGE]
    for (p, r), c in zip(runs.items(), colors, strict=False):
        steps = np.arange(1, len(r["test"]) + 1) * r["every"]
        lab = "без дропаута" if p == 0 else f"дропаут, p = {p:g}"
        ax[0, 0].plot(steps, r["test"], "o-", ms=3, color=c, label=lab)
        ax[0, 1].plot(np.arange(1, len(r["train"]) + 1), nn.smooth(r["train"], 10), color=c, label=lab)
    ax[0, 0].set_title("потери на тестовой выборке (сеть целиком)", fontsize=10)
    ax[0, 1].set_title("потери на обучающей выборке (сглажено)", fontsize=10)
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
        a.legend(fontsize=8, frameon=False)
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
    a.set_xticks(range(len(arms)), labels, fontsize=8)
    a.set_ylabel(ylabel)
    if log:
        _log(a)
    else:
        a.set_ylim(0, None)
    seeds = count_ru(k, "зерно", "зерна", "зёрен")
    a.set_title(title or f"точки — {seeds} (одно зерно — одна линия), столбцы — среднее",
                fontsize=9)
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


def _density(ax, acts, lo, lim, title):
    bins = np.linspace(lo, lim, 61)
    H = np.stack([np.histogram(np.clip(a, lo, lim), bins=bins)[0] for a in acts]).astype(float)
    H /= H.sum(axis=1, keepdims=True)
    ax.imshow(np.log10(H.T + 1e-4), origin="lower", aspect="auto", cmap="viridis",
              extent=(0.5, len(acts) + 0.5, lo, lim), vmin=-4, vmax=0)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("слой l")
    ax.set_ylabel("активация $f(z_l)$")


def plot_activations(depth=20, width=128, act="tanh", scale=3.0, batch=256, seed=0):
    """Per-layer histograms of the activations (colour: log10 of the share of values in a
    bin) and their standard deviation, without and with batch normalisation."""
    fig, ax = _fig(12.5, 3.8, ncols=3, adjust={"top": 1 - 0.7 / 3.8})
    plain = propagate.deep_activations(depth, width, act, scale, False, batch, seed)
    normed = propagate.deep_activations(depth, width, act, scale, True, batch, seed)
    lim = max(np.percentile(np.abs(plain), 99.5), np.percentile(np.abs(normed), 99.5), 1e-6)
    lo = -lim if min(plain.min(), normed.min()) < -0.01 * lim else -0.02 * lim
    _density(ax[0, 0], plain, lo, lim, "без нормализации")
    _density(ax[0, 1], normed, lo, lim, "с батч-нормализацией")
    a = ax[0, 2]
    layers = np.arange(1, depth + 1)
    a.plot(layers, plain.std(axis=1), "o-", ms=3, color=RED, label="без нормализации")
    a.plot(layers, normed.std(axis=1), "o-", ms=3, color=BLUE, label="с батч-нормализацией")
    both = np.concatenate([plain.std(axis=1), normed.std(axis=1)])
    if both.min() > 0 and both.max() / both.min() > 20:
        _log(a)
    else:
        a.set_ylim(0, 1.1 * both.max())
    a.set_xlabel("слой l")
    a.set_title("стандартное отклонение активаций", fontsize=10)
    a.legend(fontsize=8, frameon=False)
    fig.suptitle(f"{act}, веса N(0, c²/n) при c = {scale:.2g}, ширина {width}; цвет — lg доли "
                 f"значений в интервале", fontsize=10)
    return fig


# ----------------------------------------------------------------- transfer and pruning

def plot_transfer(pre, tr, sc):
    fig, ax = _fig(12.5, 3.7, ncols=3)
    a = ax[0, 0]
    a.plot(pre, color=GREY)
    _log(a)
    a.set_title("1) обучение на исходной задаче", fontsize=10)
    a.set_xlabel("шаг Adam")
    a.set_ylabel("потери на обучении")
    a = ax[0, 1]
    n1 = len(tr["head"])
    a.plot(np.arange(n1), tr["head"], color=BLUE, label="новая голова, тело заморожено")
    a.plot(np.arange(n1, n1 + len(tr["fine"])), tr["fine"], color=GREEN, label="дообучение всей сети")
    a.plot(sc["loss"], color=RED, label="с нуля на тех же данных")
    _log(a)
    a.set_ylim(1e-6, None)
    a.set_title("2) целевая задача: потери на обучении", fontsize=10)
    a.set_xlabel("шаг Adam")
    a.legend(fontsize=8, frameon=False)
    a = ax[0, 2]
    names = ["новая\nголова", "голова\nобучена", "дообу-\nчение", "с нуля", "ответ 0"]
    vals = [tr["test_new_head"], tr["test_head"], tr["test_fine"], sc["test"], sc["test_zero"]]
    cols = [GREY, BLUE, GREEN, RED, GREY]
    a.bar(range(len(vals)), vals, color=cols)
    _log(a)
    a.set_xticks(range(len(vals)), names, fontsize=8)
    a.set_title("3) потери на тестовой выборке", fontsize=10)
    for i, v in enumerate(vals):
        a.text(i, v * 1.1, f"{v:.3f}", ha="center", fontsize=8)
    return fig


def plot_blocks(norms, small, large, tuned=None):
    fig, ax = _fig(11, 3.7, ncols=2)
    a = ax[0, 0]
    order = np.argsort(norms)
    a.bar(np.arange(1, len(norms) + 1), norms, color=[BLUE if i in order[:3] else GREY
                                                       for i in range(len(norms))])
    a.set_xlabel("номер блока")
    a.set_ylabel("средняя норма выхода блока")
    a.set_title("выходы блоков на проверочной выборке", fontsize=10)
    a = ax[0, 1]
    k = np.arange(len(small))
    a.plot(k, small, "o-", color=BLUE, ms=4, label="сначала блоки с малым выходом")
    a.plot(k, large, "o-", color=RED, ms=4, label="сначала блоки с большим выходом")
    if tuned is not None:
        a.plot(tuned[0], tuned[1], "*", color=GREEN, ms=12, label="после дообучения")
    a.set_xlabel("сколько блоков удалено")
    a.set_ylabel("потери на проверочной выборке")
    a.set_title("прореживание ResNet", fontsize=10)
    a.legend(fontsize=8, frameon=False)
    return fig


METHOD_COLORS = {"magnitude": RED, "obd": ORANGE, "obs": BLUE}


def plot_pruning(prob, curves, fraction):
    p = len(prob["w"])
    k = round(fraction * p)
    fig, ax = _fig(12, 3.8, ncols=2)
    a = ax[0, 0]
    share = np.arange(p + 1) / p
    for m, c in curves.items():
        a.plot(share, c, "o-", ms=3, color=METHOD_COLORS[m], label=METHOD_LABELS[m])
    a.axvline(k / p, color=GREY, ls=":")
    _log(a)
    a.set_xlabel("доля удалённых весов")
    a.set_ylabel("функция потерь")
    a.set_title(f"удалено {k} из {p}: " + ", ".join(f"{curves[m][k]:.3g}" for m in curves),
                fontsize=10)
    a.legend(fontsize=8, frameon=False, loc="upper left")
    a = ax[0, 1]
    width = 0.27
    idx = np.arange(p)
    for j, m in enumerate(curves):
        w = pruning.prune(prob, k, m)[0]
        a.bar(idx + (j - 1) * width, np.abs(w), width, color=METHOD_COLORS[m], label=METHOD_LABELS[m])
    a.plot(idx, np.abs(prob["w"]), "k_", ms=10, label="|a_i| до прореживания")
    _log(a)
    a.set_xlabel("номер веса i")
    a.set_ylabel("|a_i| после прореживания")
    a.set_title("какие веса остались", fontsize=10)
    a.legend(fontsize=7, frameon=False)
    return fig
