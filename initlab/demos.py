"""Demonstrations of the lecture notebooks: orchestration, progress bars, Russian summaries.

Each lecture cell that trains or tabulates calls one of these: the loops over settings, the
``tqdm.auto`` progress bar (``progress=True``) and the printed summary live here, the numbers
come from ``initlab.numerics``. A demo returns a ``Demo``: its results as attributes, its
``repr`` the Russian summary of the numbers the text quotes.

    Demo                                 results as attributes; ``summary()`` / repr
    transfer_demo, resnet_demo, saliency_demo, pruning_demo (PRUNING_KS)
    dropout_moments_demo, subnetworks_demo, dropout_demo, batchnorm_demo,
    running_average_demo, instancenorm_demo, bn_depth_demo
    zero_init_demo, symmetry_demo, naive_demo (NAIVE_CASES), gain_demo (GAIN_CASES),
    HeExperiments().run(depth, scheme=None, progress)   (HE_SCHEMES)
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np

from . import text
from .numerics import exact_normal as en
from .numerics.clipping import clipping_from_starts
from .numerics.gradient_gain import (
    GAIN_ACTIVATIONS,
    backward_preserving_gain,
    forward_preserving_gain,
    gain_fixed_point,
    layer_gains,
    predicted_delta_ratios,
)
from .numerics.initialization import (
    HE_SETUP,
    gain_theory,
    he_experiment,
    layer_gain_samples,
    symmetry_run,
    zero_init_run,
)
from .numerics.mlp import train_adam
from .numerics.propagate import deep_activations, layer_gradient_norms, naive_profile
from .numerics.pruning import (
    RESNET_SETUP,
    block_outputs,
    block_pruning_curve,
    drop_blocks,
    obs_step,
    pruning_curves,
    pruning_problem,
    quad_loss,
    saliency,
    train_resnet,
)
from .numerics.regularization import (
    DROPOUT_SETUP,
    DROPOUT_X,
    BatchNorm1d,
    all_masks,
    batchnorm,
    dropout,
    dropout_head,
    dropout_moments_exact,
    dropout_task,
    head_moments,
    instancenorm,
    regression_baselines,
    subnetwork_outputs,
    train_dropout_net,
)
from .numerics.transfer import (
    TRANSFER_SETUP,
    body_drift,
    linear_baselines,
    retarget,
    transfer_finetune,
    transfer_pretrain,
    transfer_scratch,
    transfer_unfrozen,
)


class Demo:
    """Results of a lecture demonstration (attributes) with a Russian text summary."""

    def __init__(self, lines=(), **results):
        self.__dict__.update(results)
        self._lines = list(lines)

    def summary(self) -> str:
        return "\n".join(self._lines)

    def __repr__(self):
        return self.summary()

    __str__ = __repr__

    def _repr_pretty_(self, p, cycle):
        p.text(self.summary())


@contextlib.contextmanager
def _bar(progress, total, desc):
    """A tqdm.auto progress bar (``progress=True``) -> per-step callback, else None."""
    if not progress:
        yield None
        return
    from tqdm.auto import tqdm
    with tqdm(total=total, desc=desc) as bar:
        yield lambda i: bar.update()


def transfer_demo(progress=True, **overrides) -> Demo:
    """Pre-train, new head + fine-tune, and scratch (``TRANSFER_SETUP``) in one call.

    Attributes: pretrain (losses), finetune (dict of ``transfer_finetune``), scratch (dict of
    ``transfer_scratch``), task, src, linear (``linear_baselines`` of the target task).
    """
    s = TRANSFER_SETUP | overrides
    total = s["pre_steps"] + s["head_steps"] + s["fine_steps"] + s["scratch_steps"]
    with _bar(progress, total, "перенос знаний") as cb:
        src, task, pre = transfer_pretrain(progress=cb, **overrides)
        tr = transfer_finetune(src, task, progress=cb, **overrides)
        sc = transfer_scratch(task, progress=cb, **overrides)
    n = len(task["Yt"])
    lin = linear_baselines(task)
    lines = [
        (f"тестовые потери: новая голова до обучения {tr['test_new_head']:.3f}; после обучения "
        f"головы {tr['test_head']:.3f}; после дообучения {tr['test_fine']:.3f}"),
        (f"с нуля на тех же {n} объектах: {sc['test']:.3f} (на обучении {sc['loss'][-1]:.1e}); "
        f"ответ «всегда 0»: {sc['test_zero']:.3f}"),
        (f"линейная модель на тех же {n} объектах: МНК {lin['least_squares']:.3f}, гребневая "
         f"регрессия {lin['ridge']:.3f} (λ = {lin['ridge_lambda']:.2g} выбрано скользящим "
         f"контролем с исключением по одному на обучающих объектах)"),
        f"тело сети при обучении головы не изменилось: {text.yes_no(tr['body_unchanged'])}",
    ]
    return Demo(lines, pretrain=pre, finetune=tr, scratch=sc, task=task, src=src, linear=lin)


#: the seeds of the transfer comparison (0: the lecture's target task) and the steps of the
#: arm that trains every layer from the start
TRANSFER_SEEDS = (0, 1, 2, 3, 4)


TRANSFER_UNFROZEN_LRS = (1e-2, 1e-3)


def transfer_seeds_demo(transfer, seeds=TRANSFER_SEEDS, lrs=TRANSFER_UNFROZEN_LRS,
                        progress=True, **overrides) -> Demo:
    """Why the body is frozen first: on the pre-trained body of ``transfer`` (a
    ``transfer_demo``), for each seed a target task (seed 0: the lecture's, others
    ``retarget``) and a new head: head first then fine-tuning, versus every layer trained
    from the start (``transfer_unfrozen``) at each step of ``lrs``, versus scratch.

    Attributes: table {arm: array over seeds}, arms "zero", "least_squares", "ridge"
    (``linear_baselines``), "scratch", ("unfrozen", lr),
    "head", "fine", and the body drifts ("drift", lr), "drift_fine"; seeds, lrs.
    """
    s = TRANSFER_SETUP | overrides
    per_seed = s["head_steps"] + s["fine_steps"]
    total = len(seeds) * (per_seed * (1 + len(lrs)) + s["scratch_steps"])
    rows = []
    with _bar(progress, total, "перенос: заморозка или нет") as cb:
        for seed in seeds:
            t = transfer.task if seed == 0 else retarget(transfer.task, seed)
            o = overrides | {"seed": seed}
            tr = transfer_finetune(transfer.src, t, progress=cb, **o)
            sc = transfer_scratch(t, progress=cb, **o)
            lin = linear_baselines(t)
            row = {"zero": sc["test_zero"], "least_squares": lin["least_squares"],
                   "ridge": lin["ridge"], "scratch": sc["test"], "head": tr["test_head"],
                   "fine": tr["test_fine"], "drift_fine": body_drift(tr["params"], transfer.src)}
            for lr in lrs:
                un = transfer_unfrozen(transfer.src, t, lr, progress=cb, **o)
                row["unfrozen", lr], row["drift", lr] = un["test"], un["drift"]
            rows.append(row)
    table = {k: np.array([r[k] for r in rows]) for k in rows[0]}
    k = len(seeds)
    lines = [(f"потери на тесте, среднее ± стандартное отклонение по {k} целевым задачам "
              "(одно и то же предобученное тело):"),
             _row("ответ «всегда 0»:", table["zero"]),
             _row("МНК (линейная модель):", table["least_squares"]),
             _row("гребневая, λ по скользящему контролю:", table["ridge"]),
             _row("с нуля:", table["scratch"])]
    lines += [_row(f"все слои сразу, без заморозки, шаг {lr:g}:", table["unfrozen", lr])
              for lr in lrs]
    lines += [_row("сначала голова, тело заморожено:", table["head"]),
              _row("затем дообучение всей сети:", table["fine"])]
    lines.append("относительное изменение весов тела ‖ΔA‖/‖A‖:")
    lines += [_row(f"все слои сразу, шаг {lr:g}:", table["drift", lr]) for lr in lrs]
    lines.append(_row("голова, затем дообучение:", table["drift_fine"]))
    worst_frozen = table["head"].max()
    best_unfrozen = min(table["unfrozen", lr].min() for lr in lrs)
    lines.append(f"заморозка лучше обучения всех слоёв сразу в "
                 f"{sum(int(np.all([table['head'][i] < table['unfrozen', lr][i] for lr in lrs])) for i in range(k))}"
                 f" из {k} задач (худший результат с заморозкой {worst_frozen:.3f}, лучший без "
                 f"неё {best_unfrozen:.3f})")
    return Demo(lines, table=table, seeds=tuple(seeds), lrs=tuple(lrs))


def resnet_demo(progress=True, **overrides) -> Demo:
    """Train the residual net (``RESNET_SETUP``), rank its blocks by output on the validation
    set, drop blocks in both orders, then drop the ``prune`` weakest and fine-tune; the
    original net is fine-tuned just as long, for a fair comparison. Both fine-tunings use
    the group penalty ``tune_penalty`` (0: the penalty of training is dropped).

    Attributes: params, data, norms, order (blocks 1..K, weakest first), small, large
    (validation loss after dropping the first k of each order), pruned, tuned (the pruned
    net after fine-tuning), tuned_full (the original after the same fine-tuning), k.
    """
    s = RESNET_SETUP | overrides
    with _bar(progress, s["steps"] + 2 * s["tune_steps"], "ResNet и дообучение") as cb:
        params, data = train_resnet(progress=cb, **overrides)
        norms = block_outputs(params, data["Xv"])
        order = np.argsort(norms) + 1                       # blocks are numbered 1..K
        small = block_pruning_curve(params, data["Xv"], data["Yv"], order)
        large = block_pruning_curve(params, data["Xv"], data["Yv"], order[::-1])
        # copies: drop_blocks shares the layers' arrays, and fine-tuning works in place
        pruned = [{k: v.copy() for k, v in q.items()} for q in drop_blocks(params, order[:s["prune"]])]
        full = [{k: v.copy() for k, v in q.items()} for q in params]
        for net in (pruned, full):
            train_adam(net, data["X"], data["Y"], "relu", steps=s["tune_steps"], lr=s["tune_lr"],
                       residual=True, group_penalty=s["tune_penalty"], progress=cb)
    tuned = block_pruning_curve(pruned, data["Xv"], data["Yv"], [])[0]
    tuned_full = block_pruning_curve(full, data["Xv"], data["Yv"], [])[0]
    k = s["prune"]
    penalty = ("без группового штрафа" if s["tune_penalty"] == 0
               else f"с групповым штрафом μ = {s['tune_penalty']:g}")
    lines = [
        "средние нормы выходов блоков 1–10: " + text.fmt_list(norms, 2),
        "потери на проверке после удаления k = 0, 1, 2, 3 блоков:",
        "   сначала блоки с малым выходом:  " + text.fmt_list(small[:4], 4),
        "   сначала блоки с большим выходом: " + text.fmt_list(large[:4], 4),
        (f"без {k} блоков с наименьшим выходом: {small[k]:.4f}; после {s['tune_steps']} шагов "
        f"дообучения {tuned:.4f} (исходная сеть {small[0]:.4f})"),
        (f"исходная сеть после тех же {s['tune_steps']} шагов дообучения: {tuned_full:.4f} "
         f"(дообучение {penalty})"),
    ]
    return Demo(lines, params=params, data=data, norms=norms, order=order, small=small,
                large=large, pruned=pruned, tuned=tuned, tuned_full=tuned_full, k=k)


#: the further seeds of the ResNet pruning comparison (seed 0 is the lecture's net)
RESNET_SEEDS = (1, 2)


def resnet_seeds_demo(resnets=(), seeds=RESNET_SEEDS, progress=True, **overrides) -> Demo:
    """``resnet_demo`` for each seed of ``seeds``, pooled with the given ``resnets`` (e.g. the
    lecture's seed-0 run): validation losses of the original, the pruned net, and both after
    the same fine-tuning, over all runs.

    Attributes: runs (the Demo objects), table {arm: array over runs} with arms "original",
    "pruned", "pruned_tuned", "original_tuned".
    """
    runs = list(resnets) + [resnet_demo(progress=progress, **(overrides | {"seed": sd}))
                            for sd in seeds]
    k = runs[0].k
    table = {"original": np.array([r.small[0] for r in runs]),
             "pruned": np.array([r.small[r.k] for r in runs]),
             "pruned_tuned": np.array([r.tuned for r in runs]),
             "original_tuned": np.array([r.tuned_full for r in runs])}
    m, blocks = len(runs), len(runs[0].norms)
    fmt = lambda v: f"{v.mean():.4f} ± {v.std(ddof=1):.4f}"
    lines = [f"потери на проверке, среднее ± стандартное отклонение по {m} сетям (зёрнам):",
             (f"   {'исходная сеть, ' + text.count(blocks, 'блок', 'блока', 'блоков') + ':':38s} "
              f"{fmt(table['original'])}"),
             f"   {f'без {k} блоков:':38s} {fmt(table['pruned'])}",
             f"   {f'без {k} блоков, после дообучения:':38s} {fmt(table['pruned_tuned'])}",
             f"   {'все блоки, после того же дообучения:':38s} {fmt(table['original_tuned'])}",
             (f"прореженная сеть после дообучения лучше исходной без дообучения в "
              f"{(table['pruned_tuned'] < table['original']).sum()} из {m}, лучше исходной "
              f"после того же дообучения в {(table['pruned_tuned'] < table['original_tuned']).sum()}"
              f" из {m}")]
    return Demo(lines, runs=runs, table=table)


def saliency_demo(prob=None) -> Demo:
    """OBD and OBS saliencies against the exact loss increase, for the weight OBS ranks
    lowest and the weight with the largest |a|; and the three rankings."""
    prob = pruning_problem() if prob is None else prob
    w, L0 = prob["w"], prob["L0"]
    obd, obs = saliency(prob, w, "obd"), saliency(prob, w, "obs")
    alive = np.ones(len(w), bool)
    lines, rows = [], []
    for i in (int(np.argmin(obs)), int(np.argmax(np.abs(w)))):
        w0 = w.copy()
        w0[i] = 0.0
        w_obs, _ = obs_step(prob, w, alive, i)
        row = {"i": i, "abs": abs(w[i]), "zero": quad_loss(prob, w0) - L0, "obd": obd[i],
               "obs_update": quad_loss(prob, w_obs) - L0, "obs": obs[i]}
        rows.append(row)
        lines.append(f"вес {i}: |a| = {row['abs']:.3f}; обнулить: рост {row['zero']:.4g}, "
                     f"OBD {row['obd']:.4g}; обнулить с поправкой OBS: рост "
                     f"{row['obs_update']:.4g}, формула {row['obs']:.4g}")
    orders = {"magnitude": np.argsort(np.abs(w)), "obd": np.argsort(obd), "obs": np.argsort(obs)}
    lines += ["порядок весов по возрастанию полезности:",
              "   по |a|: " + " ".join(map(str, orders["magnitude"])),
              "   OBD:    " + " ".join(map(str, orders["obd"])),
              "   OBS:    " + " ".join(map(str, orders["obs"]))]
    return Demo(lines, prob=prob, rows=rows, orders=orders)


#: the shares of the pruning summary: k of the 12 weights
PRUNING_KS = (4, 6, 8)




def pruning_demo(prob=None) -> Demo:
    """``pruning_curves`` of the least-squares problem, with the losses at ``PRUNING_KS``."""
    prob = pruning_problem() if prob is None else prob
    curves = pruning_curves(prob)
    p = len(prob["w"])
    ks = ", ".join(map(str, PRUNING_KS))
    lines = [f"потери после удаления {ks} весов из {p}:"]
    lines += [f"   {text.METHOD_SHORT[m]:16s} " + ", ".join(f"{c[k]:.3f}" for k in PRUNING_KS)
              for m, c in curves.items()]
    return Demo(lines, prob=prob, curves=curves)


#: the vector and the probability of the exact dropout check
DROPOUT_MOMENTS_X = np.array([1.0, -2.0, 0.5, 3.0, 0.0, -1.0, 2.5, 0.2, -0.7, 1.5])


DROPOUT_MOMENTS_P = 0.3


DROPOUT_MC = 20_000


def dropout_moments_demo(x=DROPOUT_MOMENTS_X, p=DROPOUT_MOMENTS_P, n=DROPOUT_MC, seed=0) -> Demo:
    """Exact moments of inverted dropout over all 2^len(x) masks, the mean without the
    division, and a Monte Carlo check of the mean with ``n`` masks (in standard errors)."""
    x = np.asarray(x, dtype=float)
    nz = x != 0
    mean, var = dropout_moments_exact(x, p)
    var_ratio = var[nz] / (x[nz] ** 2 * p / (1 - p))
    raw_mean, _ = dropout_moments_exact(x, p, inverted=False)
    raw_ratio = raw_mean[nz] / x[nz]
    rng = np.random.default_rng(seed)
    ys = np.stack([dropout(x, p, rng)[0] for _ in range(n)])
    se = ys.std(axis=0, ddof=1) / np.sqrt(n)
    z_max = float(np.max(np.abs(ys.mean(axis=0) - x)[se > 0] / se[se > 0]))
    lines = [
        f"{len(x)} входов, p = {p}, перебор всех {2 ** len(x)} масок:",
        f"   E y − x: наибольшее отклонение {np.abs(mean - x).max():.1e}",
        (f"   Var y / (x² p/(1 − p)) = 1 при всех x ≠ 0 (наибольшее отклонение "
        f"{np.abs(var_ratio - 1).max():.1e})"),
        (f"   без деления на 1 − p: E y / x = {1 - p} при всех x ≠ 0 (наибольшее отклонение "
        f"{np.abs(raw_ratio - (1 - p)).max():.1e})"),
        f"Монте-Карло, {n:_} масок: наибольшее |среднее − x| / se = "
        f"{z_max:.2f}".replace("_", "\u00a0"),
    ]
    return Demo(lines, x=x, p=p, mean=mean, var=var, var_ratio=var_ratio, raw_ratio=raw_ratio,
                z_max=z_max)


def subnetworks_demo(seed=0, p=0.5) -> Demo:
    """Average output of all 2^16 sub-networks of ``dropout_head`` vs the full network."""
    head = dropout_head(seed)
    M = all_masks(head["A1"].shape[1])
    outs = subnetwork_outputs(head, DROPOUT_X, M, p=p)
    full = head_moments(head, DROPOUT_X, 0.0)[0]
    lines = [(f"подсетей: {len(M)}; среднее их выходов {outs.mean():.6f}; "
             f"выход полной сети {full:.6f}")]
    return Demo(lines, head=head, n=len(M), mean=float(outs.mean()), full=float(full))


#: the drop probabilities of the overfitting demonstration
DROPOUT_PS = (0.0, 0.5)


def _mean_sd(values) -> str:
    """«m ± s»: the mean and the sample standard deviation (over seeds) of a list."""
    v = np.asarray(values, dtype=float)
    return f"{v.mean():.3f} ± {v.std(ddof=1):.3f}"


def _row(label: str, values, width: int = 42) -> str:
    """One indented line of a summary table: the label padded to ``width``, «m ± s»."""
    return f"   {label:{width}s} {_mean_sd(values)}"


def dropout_demo(progress=True, ps=DROPOUT_PS, seeds=None, **overrides) -> Demo:
    """``train_dropout_net`` for each p and each seed of ``seeds`` (default
    ``DROPOUT_SETUP["seeds"]``), beside the baselines of ``regression_baselines`` and the
    untrained network; the p > 0 nets also with MC dropout at inference.

    Attributes: runs {p: result of the first seed} (the figure), all_runs {(p, seed): …},
    baselines {seed: …}, table {arm: array over seeds} with the arms "zero", "mean",
    "least_squares", "untrained", ("net", p), ("best", p) (the lowest test loss along the
    path: early stopping with an oracle) and ("mc", p) for p > 0; seeds.
    """
    s = DROPOUT_SETUP | overrides
    seeds = tuple(s["seeds"] if seeds is None else seeds)
    all_runs, baselines = {}, {}
    with _bar(progress, s["steps"] * len(ps) * len(seeds), "сеть с дропаутом и без") as cb:
        for seed in seeds:
            o = overrides | {"seed": seed}
            baselines[seed] = regression_baselines(
                *dropout_task(seed, s["n"], s["n_test"], s["d"], s["noise"]))
            for p in ps:
                all_runs[p, seed] = train_dropout_net(p, progress=cb, **o)
    table = {k: np.array([baselines[sd][k] for sd in seeds])
             for k in ("zero", "mean", "least_squares")}
    table["untrained"] = np.array([all_runs[ps[0], sd]["test_init"] for sd in seeds])
    for p in ps:
        table["net", p] = np.array([all_runs[p, sd]["test"][-1] for sd in seeds])
        table["best", p] = np.array([all_runs[p, sd]["test"].min() for sd in seeds])
        if p > 0:
            table["mc", p] = np.array([all_runs[p, sd]["test_mc"] for sd in seeds])
    k = len(seeds)
    lines = [(f"потери на тесте, среднее ± стандартное отклонение по {k} зёрнам "
              "(данные и начальные веса):"),
             _row("ответ «всегда 0»:", table["zero"], 31),
             _row("среднее обучающих y:", table["mean"], 31),
             _row("метод наименьших квадратов:", table["least_squares"], 31),
             _row("необученная сеть:", table["untrained"], 31)]
    for p in ps:
        if p == 0:
            train = max(all_runs[p, sd]["train_full"] for sd in seeds)
            lines.append(f"   сеть без дропаута:              {_mean_sd(table['net', p])} "
                         f"(на обучении не больше {train:.0e})")
            lines.append(f"   она же в лучший момент на тесте: {_mean_sd(table['best', p])} "
                         "(ранняя остановка, подсмотревшая тест, — оценка снизу)")
            continue
        lines.append(_row(f"сеть с дропаутом, p = {p:g}:", table["net", p], 31))
        lines.append(f"   она же, среднее {s['mc_passes']} проходов с дропаутом (MC-дропаут): "
                     f"{_mean_sd(table['mc', p])}")
    for p in ps:
        if p > 0 and 0.0 in ps:
            lines.append(f"дропаут p = {p:g} лучше сети без него в {(table['net', p] < table['net', 0.0]).sum()} "
                         f"из {k} зёрен, лучше метода наименьших квадратов в "
                         f"{(table['net', p] < table['least_squares']).sum()} из {k}; среднее "
                         f"проходов с дропаутом лучше одного прохода без него в "
                         f"{(table['mc', p] < table['net', p]).sum()} из {k}")
    return Demo(lines, runs={p: all_runs[p, seeds[0]] for p in ps}, all_runs=all_runs,
                baselines=baselines, table=table, seeds=seeds)


def batchnorm_demo(seed=0) -> Demo:
    """Output moments of ``batchnorm`` on three badly scaled coordinates vs the formulas."""
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=[5.0, -2.0, 0.0], scale=[3.0, 0.1, 1e-3], size=(64, 3))
    gamma, beta, eps = np.array([2.0, 1.0, 1.0]), np.array([1.0, 0.0, -1.0]), 1e-5
    Y, mu, var = batchnorm(X, gamma, beta, eps=eps)
    back, _, _ = batchnorm(X, np.sqrt(var + eps), mu, eps=eps)
    identity = bool(np.allclose(back, X, rtol=0, atol=1e-12))
    lines = [
        "средние выхода:      " + text.fmt_list(np.round(Y.mean(axis=0), 6) + 0.0, 6) + " = β = " + text.fmt_list(beta, 1),
        "дисперсии выхода:    " + text.fmt_list(Y.var(axis=0), 6),
        "γ² σ² / (σ² + ε):    " + text.fmt_list(gamma ** 2 * var / (var + eps), 6),
        f"при γ = √(σ² + ε), β = μ выход равен входу: {text.yes_no(identity)}",
    ]
    return Demo(lines, X=X, Y=Y, gamma=gamma, beta=beta, var=var, eps=eps, identity=identity)


def running_average_demo(batches=300, seed=1) -> Demo:
    """``BatchNorm1d`` on N((5, −2), diag(9, 0.25)) batches of 64: running averages, and one
    object in three different batches in training and in inference mode."""
    bn, rng = BatchNorm1d(2), np.random.default_rng(seed)
    loc, scale = [5.0, -2.0], [3.0, 0.5]
    for _ in range(batches):
        bn.train(rng.normal(loc, scale, size=(64, 2)))
    obj = np.array([[8.0, -1.5]])
    others = [rng.normal(loc, scale, size=(63, 2)) for _ in range(3)]
    mean, var = bn.running_mean.copy(), bn.running_var.copy()
    train_out = np.array([bn.train(np.vstack([obj, o]))[0] for o in others])
    eval_out = np.array([bn.eval(np.vstack([obj, o]))[0] for o in others])
    lines = [
        (f"после {batches} батчей: скользящее среднее {text.fmt_list(mean, 3)} (истинное [5, −2]), "
        f"скользящая дисперсия {text.fmt_list(var, 3)} (истинная [9, 0.25])"),
        "один объект в трёх разных батчах, режим обучения:   "
        + "; ".join(text.fmt_list(r, 3) for r in train_out),
        "тот же объект, режим применения:                    "
        + "; ".join(text.fmt_list(r, 3) for r in eval_out),
    ]
    return Demo(lines, running_mean=mean, running_var=var, train_out=train_out, eval_out=eval_out)


def instancenorm_demo(seed=2) -> Demo:
    """An object x and 3x + 1 among 30 others: layer normalisation (``instancenorm``, the
    statistics over the coordinates of each object) vs batch normalisation."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(8)
    X2 = np.vstack([a, 3 * a + 1, rng.standard_normal((30, 8))])
    inst = instancenorm(X2)
    batch = batchnorm(X2)[0]
    d_inst = float(np.abs(inst[0] - inst[1]).max())
    d_batch = float(np.abs(batch[0] - batch[1]).max())
    row_mean = float(np.abs(inst.mean(axis=1)).max())
    lines = [f"нормализация слоя: |x̂(x) − x̂(3x + 1)| не больше {d_inst:.1e}",
             f"батч-нормализация: |x̂(x) − x̂(3x + 1)| до {d_batch:.2f}",
             f"средние строк после нормализации слоя: до {row_mean:.1e}"]
    return Demo(lines, X=X2, d_inst=d_inst, d_batch=d_batch, row_mean=row_mean)


#: (activation, weight scale c) of the deep-activation figures; the other c of the BN check
BN_DEPTH_CASES = (("tanh", 3.0), ("relu", 1.0))


BN_OTHER_SCALE = 0.5


def bn_depth_demo(depth=20, width=128) -> Demo:
    """``deep_activations`` without and with BN for ``BN_DEPTH_CASES``; with BN, the
    largest difference from the net whose weights are scaled by ``BN_OTHER_SCALE``."""
    lines, stats = [], {}
    for act, c in BN_DEPTH_CASES:
        plain = deep_activations(depth, width, act, c, bn=False)
        normed = deep_activations(depth, width, act, c, bn=True)
        other = deep_activations(depth, width, act, BN_OTHER_SCALE, bn=True)
        st = {"plain": (plain[0].std(), plain[-1].std()), "bn": (normed[0].std(), normed[-1].std()),
              "other_diff": float(np.abs(other - normed).max())}
        lines.append(f"{act}, c = {c}: σ активаций на слоях 1 и {depth}: без BN "
                     f"{st['plain'][0]:.4f} и {st['plain'][1]:.4f}, с BN {st['bn'][0]:.4f} и "
                     f"{st['bn'][1]:.4f}")
        if act == "tanh":
            st["saturated"] = (float(np.mean(np.abs(plain[-1]) > 0.99)),
                               float(np.mean(np.abs(normed[-1]) > 0.99)))
            lines.append(f"   доля |tanh z| > 0.99 на слое {depth}: без BN {st['saturated'][0]:.2f}, "
                         f"с BN {st['saturated'][1]:.2f}")
        lines.append(f"   с BN при c = {BN_OTHER_SCALE} вместо {c}: активации отличаются не больше "
                     f"чем на {st['other_diff']:.1e}")
        stats[act, c] = st
    return Demo(lines, stats=stats)


def zero_init_demo(steps=200) -> Demo:
    """``zero_init_run``: the largest |A| and |b| per layer after training, and the losses."""
    run = zero_init_run(steps=steps)
    lines = [f"слой {i}: max|A| = {np.abs(p['A']).max():.3g}, max|b| = {np.abs(p['b']).max():.3g}"
             for i, p in enumerate(run["final"], 1)]
    lines.append(f"потери: в начале {run['loss'][0]:.4f}, в конце {run['loss'][-1]:.4f} "
                 f"(ln 2 = {np.log(2):.4f})")
    return Demo(lines, **run)


def symmetry_demo(steps=300) -> Demo:
    """``symmetry_run`` with equal and with random (Xavier) initial weights."""
    const = symmetry_run("constant", steps=steps)
    rand = symmetry_run("xavier_normal", steps=steps)
    lines = [f"{name}: наибольшее относительное отличие нейронов слоёв 1 и 2 после обучения: "
             f"{run['spread'][-1, 0]:.2g} и {run['spread'][-1, 1]:.2g}"
             for name, run in (("все веса равны", const), ("случайные веса", rand))]
    return Demo(lines, const=const, rand=rand)


#: (label, scheme) of the naive-initialisation comparison
NAIVE_CASES = (("±1", "pm1"), ("U[−1, 1]", "u11"), ("N(0, 0,01²)", "small"),
               ("Ксавье", "xavier_normal"))


def naive_demo(width=256, depth=10) -> Demo:
    """``naive_profile`` (tanh) for each of ``NAIVE_CASES``. Attribute profiles: {label: …}."""
    profiles = {lab: naive_profile(key, "tanh", width=width, depth=depth)
                for lab, key in NAIVE_CASES}
    lines = [f"{lab:12s} Var z_1 = {p['pre_var'][0]:9.3g}, насыщено на слое {depth}: "
             f"{100 * p['saturated'][-1]:4.0f} %, Var δ_1 / Var δ_{depth} = "
             f"{p['grad_var'][0] / p['grad_var'][-1]:.3g}" for lab, p in profiles.items()]
    return Demo(lines, profiles=profiles)


#: (label, scheme) of the per-layer ratio check
GAIN_CASES = (("Ксавье", "xavier_normal"), ("Хе", "he_normal"))


def gain_demo(n=128, reps=200) -> Demo:
    """E z₂²/E z₁² of ReLU layers: theory and ``reps`` random two-layer nets of width n."""
    lines, ratios = [], {}
    for lab, scheme in GAIN_CASES:
        m1, m2 = layer_gain_samples(scheme, "relu", n=n, batch=n, reps=reps)
        ratios[scheme] = (gain_theory(scheme, "relu", n), float(m2.mean() / m1.mean()))
        lines.append(f"{lab:7s} E z₂² / E z₁²: теория {ratios[scheme][0]:.2f}, моделирование "
                     f"{ratios[scheme][1]:.3f}")
    return Demo(lines, ratios=ratios)


#: (activation, weight scale s) of the gradient-gain comparison of lecture 02
GRADIENT_GAIN_SETTINGS = (("sigmoid", 1.0), ("tanh", 0.5), ("tanh", 1.0), ("tanh", 3.0),
                          ("relu", 1.0), ("relu", float(np.sqrt(2.0))))


def gradient_gain_demo(settings=GRADIENT_GAIN_SETTINGS, depth=20, width=64, seeds=range(8)) -> Demo:
    """‖∂L/∂Y₁‖ / ‖∂L/∂Y_depth‖ of ``layer_gradient_norms`` over ``seeds`` random stacks
    against the prediction of the second-moment gains (``predicted_delta_ratios``) and the
    norm bound ∏ sup|f′|·‖A‖₂.

    Attributes: rows {(act, s): {"predicted" (depth,), "measured" (seeds, depth),
    "bound" (seeds,), "gain" (per-layer √χ at the last layer)}}, depth, width.
    """
    rows, lines = {}, [(f"‖∂L/∂Y₁‖ / ‖∂L/∂Y_{depth}‖, сеть ширины {width}, "
                        f"{text.count(len(seeds), 'случайная сеть', 'случайные сети', 'случайных сетей')} на случай:")]
    for act, sc in settings:
        runs = [layer_gradient_norms(depth, width=width, act=act, scale=sc, seed=sd) for sd in seeds]
        measured = np.array([r["delta"] / r["delta"][-1] for r in runs])
        bound = np.array([r["bound"][0] / r["delta"][-1] for r in runs])
        pred = predicted_delta_ratios(act, sc, depth)
        gain = float(np.sqrt(layer_gains(act, sc, depth)[-1]))
        rows[act, sc] = {"predicted": pred, "measured": measured, "bound": bound, "gain": gain}
        lg = np.log10(measured[:, 0])
        lines.append(f"   {text.ACT_LABELS.get(act, act):8s} s = {sc:.3g}: множитель на слой "
                     f"√(s² E f′²) = {gain:.3f}; прогноз {pred[0]:.2g}, измерено "
                     f"{10 ** lg.mean():.2g} (lg: {lg.mean():.2f} ± {lg.std(ddof=1):.2f}); "
                     f"оценка через нормы ≤ {np.median(bound):.2g}")
    return Demo(lines, rows=rows, depth=depth, width=width)


#: the random starts of the clipping comparison of lecture 02; two final losses are «equal»
#: when they differ by at most atol + rtol·(the larger one)
CLIP_STARTS = {"n": 30, "seed": 0, "lr": 0.05, "steps": 80, "c": 2.0, "rtol": 1e-6, "atol": 1e-9}


def clipping_starts_demo(**overrides) -> Demo:
    """``clipping_from_starts`` from ``n`` random starts on the cliff surface: how often each
    rule ends lower (beyond the tolerance of ``CLIP_STARTS``), and the longest steps."""
    s = CLIP_STARTS | overrides
    r = clipping_from_starts(s["n"], s["seed"], s["lr"], s["steps"], s["c"])
    L, step, n = r["loss"], r["max_step"], s["n"]

    def lower(a, b):
        return (a < b) & ~(np.abs(a - b) <= s["atol"] + s["rtol"] * np.maximum(a, b))

    g_wins = int(np.sum(lower(L["global"], L["local"])))
    l_wins = int(np.sum(lower(L["local"], L["global"])))
    none_worse = int(np.sum(lower(L["global"], L[None])))
    long_none = int(np.sum(step[None] > 1.0))
    lines = [
        (f"{n} случайных стартов, c = {s['c']:g}, шаг обучения {s['lr']:g}, {s['steps']} шагов; "
         f"«одинаково» — отличие не больше {s['rtol']:g} от большего значения:"),
        (f"   глобальная обрезка заканчивает ниже локальной: {g_wins}, локальная ниже глобальной: "
         f"{l_wins}, одинаково: {n - g_wins - l_wins}"),
        (f"   без обрезки заканчивает выше глобальной: {none_worse} из {n}; делает шаги длиннее 1: "
         f"в {long_none} (самый длинный {step[None].max():.1f})"),
        (f"   самый длинный шаг: глобальная {step['global'].max():.3f} (предел lr·c = "
         f"{s['lr'] * s['c']:.3f}), локальная {step['local'].max():.3f} (предел lr·c·√2 = "
         f"{s['lr'] * s['c'] * np.sqrt(2):.3f})"),
    ]
    return Demo(lines, starts=r["starts"], loss=L, max_step=step, g_wins=g_wins, l_wins=l_wins,
                none_worse=none_worse, long_none=long_none, **{k: s[k] for k in s})


#: (key, label) of the gain table of lecture 06
GAIN_TABLE = (("linear", "линейная"), ("relu", "ReLU"), ("leaky_relu_0.01", "ReLU с утечкой 0,01"),
              ("leaky_relu_0.2", "ReLU с утечкой 0,2"), ("tanh", "tanh"), ("sigmoid", "сигмоида"),
              ("selu", "SELU"))


def gain_table_demo(qs=(0.01, 1.0, 4.0), layers=100) -> Demo:
    """PyTorch's gains (``calculate_gain``) beside the gains that keep the second moment of
    the pre-activations (forward) and of the gradient (backward) at several input variances
    q, and what PyTorch's gain does over ``layers`` layers (q and the gradient gain there).

    Attributes: rows {key: {"pytorch", "forward" (per q), "backward" (per q), "q_deep",
    "chi_deep"}}, qs, layers.
    """
    rows = {}
    for key, _ in GAIN_TABLE:
        q_deep, chi = gain_fixed_point(key, layers=layers)
        rows[key] = {"pytorch": GAIN_ACTIVATIONS[key][2],
                     "forward": np.array([forward_preserving_gain(key, q) for q in qs]),
                     "backward": np.array([backward_preserving_gain(key, q) for q in qs]),
                     "q_deep": q_deep, "chi_deep": chi}
    qtxt = ", ".join(f"{q:g}" for q in qs)
    lines = [f"множитель g (Var w = g²/n_in); сохраняющие — при дисперсии предактиваций q = {qtxt}:",
             (f"{'':20s} {'PyTorch':>8s}  {'сохраняет E z²':>22s}  {'сохраняет E δ²':>22s}  "
              f"после {layers} слоёв с g PyTorch: q, s²E f′²")]
    for key, label in GAIN_TABLE:
        r = rows[key]
        fw = "/".join(f"{v:.3f}" for v in r["forward"])
        bw = "/".join(f"{v:.3f}" for v in r["backward"])
        lines.append(f"{label:20s} {r['pytorch']:8.4f}  {fw:>22s}  {bw:>22s}  "
                     f"{r['q_deep']:.3g}, {r['chi_deep']:.3f}")
    return Demo(lines, rows=rows, qs=tuple(qs), layers=layers)


def batch_of_one_demo(batches=300, seed=1) -> Demo:
    """Batch normalisation applied to a batch of one object (or two) with the batch's own
    statistics (training mode) versus the running averages (inference mode), on the
    ``BatchNorm1d`` of ``running_average_demo`` (N((5, −2), diag(9, 0.25)) batches of 64).

    A batch of one: μ = x, σ² = 0, so x̂ = 0 and the output is β whatever x is. A batch of
    two: x̂ = ±(a − b)/√((a − b)² + 4ε) ≈ ±1 per coordinate, whatever the scale.
    """
    bn, rng = BatchNorm1d(2), np.random.default_rng(seed)
    loc, scale = [5.0, -2.0], [3.0, 0.5]
    for _ in range(batches):
        bn.train(rng.normal(loc, scale, size=(64, 2)))
    objs = np.array([[8.0, -1.5], [5.0, -2.0], [-1.0, -3.0]])
    alone = np.array([batchnorm(o[None], bn.gamma, bn.beta, bn.eps)[0][0] for o in objs])
    infer = bn.eval(objs)
    pair = batchnorm(objs[[0, 2]], bn.gamma, bn.beta, bn.eps)[0]
    lines = [
        "три объекта: " + "; ".join(text.fmt_list(o, 1) for o in objs),
        "   каждый в батче из одного, статистики батча: " + "; ".join(text.fmt_list(r, 3) for r in alone),
        "   скользящие средние (режим применения):      " + "; ".join(text.fmt_list(r, 3) for r in infer),
        "первый и третий вместе в батче из двух:        " + "; ".join(text.fmt_list(r, 3) for r in pair),
    ]
    return Demo(lines, objs=objs, alone=alone, infer=infer, pair=pair, running_mean=bn.running_mean,
                running_var=bn.running_var, eps=bn.eps, beta=bn.beta)


#: the two initialisations of the He et al. (2015) experiment
HE_SCHEMES = ("xavier_normal", "he_normal")


class HeExperiments(Demo):
    """The runs of ``he_experiment``, collected one call at a time (each in its own notebook
    cell, so that no cell runs long). ``run(depth, scheme)`` trains one net, ``run(depth)``
    one per scheme of ``HE_SCHEMES``; ``runs`` {(depth, scheme): …}; the summary lists all
    runs so far."""

    def __init__(self):
        super().__init__()
        self.runs = {}

    def run(self, depth, scheme=None, progress=True, **overrides):
        s = HE_SETUP | overrides
        schemes = HE_SCHEMES if scheme is None else (scheme,)
        desc = text.layers(depth)
        if scheme is not None:
            desc += f", {text.SCHEME_SHORT.get(scheme, scheme)}"
        with _bar(progress, s["steps"] * len(schemes), desc) as cb:
            for name in schemes:
                self.runs[depth, name] = he_experiment(depth, name, progress=cb, **overrides)

    def summary(self):
        return "\n".join(
            f"{text.layers(d)}, {text.SCHEME_SHORT.get(s, s):6s} σ выхода в начале {r['out_std']:8.2g}, "
            f"потери в конце {r['final_loss']:.3f}, точность {100 * r['accuracy']:.1f} %"
            for (d, s), r in self.runs.items())


# ------------------------------------------------- exact normality of a layer output

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
    err = text.normal_reason(case.key, case.sigma2, case.k, case.a, n=case.n)
    if err:
        return {"case": case, "error": err}
    rng = np.random.default_rng(case.seed)
    h = en.sample_h(case.key, rng, case.n, case.sigma2, case.k, case.a, mode=case.mode)
    d, pv = en.ks_test(h, case.sigma2)
    ok, verdict = text.normal_verdict(h, case.sigma2, ks=(d, pv))
    tok, ttext = text.normal_theory(case.key, case.sigma2, case.k, case.a, case.mode)
    exact = en.exact_moments(case.key, case.sigma2, case.k, case.a) \
        if case.mode == "joint" else None
    return {"case": case, "error": None, "h": h, "moments": en.sample_moments(h), "ks": d,
            "pvalue": pv, "normal": ok, "verdict": verdict, "theory_normal": tok, "theory": ttext,
            "exact": exact}
