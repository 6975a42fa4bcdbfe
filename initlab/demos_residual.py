"""Demonstrations of the chapter «Остаточные и нормализованные сети; инициализация по данным»
(book/theory/04_residual_init.ipynb): orchestration of ``numerics.residual``, ``numerics.lsuv``
and ``numerics.frameworks`` with Russian summaries and progress bars. Every number printed
here is tested in tests/test_residual.py.

    SCHEMES                                 the order of the schemes in the figures
    profiles_demo(depth=30, act="relu", seeds=range(5), width=256) -> Demo
        .theory / .sim / .se: scheme -> ResidualProfile (sim: arithmetic mean over
        seeds, se: its standard error)
    training_demo(seeds=(0, 1, 2), progress=True) -> Demo
        .results: scheme -> list of runs, .baselines: {"linear", "majority", "linear_loss"}
    training_variants_demo(seeds=(0, 1, 2), progress=True) -> Demo
        .other: {(scheme, lr): runs, "zero_lecun_head": runs} — smaller steps, W₂ = 0
        with a LeCun classifier
    bn_demo(depth=30, seeds=range(3)) -> Demo   .q, .g (seed 0), .q0, .g0, .rates
    lsuv_demo(depth=20, width=256, seed=0) -> Demo   .s2 {act: σ_w² per layer}, .fixed
    gains_demo() -> Demo                    the gain table against the integrals
    frameworks_demo(fan_in=256, fan_out=128, seed=0) -> Demo   defaults, formula vs sample
"""
from __future__ import annotations

import numpy as np

from .demos import Demo, _bar
from .numerics import frameworks as F
from .numerics import lsuv as LS
from .numerics import residual as R

SCHEMES = ("plain", "he", "scaled", "zero")
NAMES = {"plain": "без обходной связи", "he": "обходная связь, ветвь Хе",
         "scaled": "обходная связь, ветвь · 1/√L", "zero": "обходная связь, W₂ = 0"}


def _g(x, d=3):
    return f"{x:.{d}g}".replace(".", ",")


def profiles_demo(depth: int = 30, act: str = "relu", seeds=range(5), width: int = 256):
    theory, sim, lines = {}, {}, [
        (f"L = {depth}, ширина {width}, независимых сетей: {len(list(seeds))}; "
        "E x_L² и ‖δ_0‖²/‖δ_L‖²: формула | моделирование (среднее ± стандартная ошибка)")]
    se = {}
    for s in SCHEMES:
        th = R.residual_theory(s, act, depth)
        q, g, sq, sg = R.residual_simulate_seeds(s, act, depth, width=width, seeds=seeds)
        theory[s], sim[s], se[s] = th, R.ResidualProfile(q, g), R.ResidualProfile(sq, sg)
        lines.append(f"  {NAMES[s]:<30} E x_L²: {_g(th.q[-1])} | {_g(q[-1])} ± {_g(sq[-1], 2)};"
                     f"   градиент у входа: {_g(th.grad[0])} | {_g(g[0])} ± {_g(sg[0], 2)}")
    return Demo(lines, theory=theory, sim=sim, se=se, depth=depth)


def training_demo(seeds=(0, 1, 2), progress: bool = True, **kw):
    cfg = {k: v for k, v in R.TRAIN_DEFAULTS.items()}
    cfg.update(kw)
    data = R.load_digits_split(0)
    results = {}
    with _bar(progress, len(SCHEMES) * len(seeds) * cfg["epochs"], "обучение") as tick:
        for s in SCHEMES:
            results[s] = [R.train_residual(s, *data, seed=k, progress=tick, **cfg)
                          for k in seeds]
    lin = R.train_linear(*data, epochs=cfg["epochs"], lr=cfg["lr"], batch=cfg["batch"],
                         momentum=cfg["momentum"])
    lin30 = R.train_linear(*data, epochs=3 * cfg["epochs"], lr=cfg["lr"], batch=cfg["batch"],
                           momentum=cfg["momentum"])
    base = {"linear": lin["test_acc"], "majority": R.majority_accuracy(data[1], data[3]),
            "linear_loss": lin["loss"], "linear_long": lin30["test_acc"],
            "logreg": R.logreg_accuracy(*data)}
    lines = [(f"Блоков: {cfg['depth']}, ширина {cfg['width']}, эпох: {cfg['epochs']}, SGD с "
             f"моментом, шаг {_g(cfg['lr'])}; зёрна генератора {', '.join(map(str, seeds))}."),
             (f"  самый частый класс: {_g(base['majority'], 2)};   линейная модель "
             f"(тот же SGD): {_g(base['linear'], 3)}; она же за {3 * cfg['epochs']} эпох: "
             f"{_g(base['linear_long'], 3)}; логистическая регрессия scikit-learn до "
             f"сходимости: {_g(base['logreg'], 3)}")]
    for s, runs in results.items():
        lines.append(f"  {NAMES[s]:<42} {_train_summary(runs)}")
    return Demo(lines, results=results, baselines=base, epochs=cfg["epochs"])


def training_variants_demo(seeds=(0, 1, 2), progress: bool = True, **kw):
    """The same training with smaller steps (plain ÷10, He ÷10 and ÷100) and the W₂ = 0
    arm with a LeCun (non-zero) classifier."""
    cfg = {k: v for k, v in R.TRAIN_DEFAULTS.items()}
    cfg.update(kw)
    data = R.load_digits_split(0)
    runs = [("plain", cfg["lr"] / 10, None), ("he", cfg["lr"] / 10, None),
            ("he", cfg["lr"] / 100, None), ("zero", cfg["lr"], False)]
    other, lines = {}, [f"Те же сети, эпох: {cfg['epochs']}; зёрна {', '.join(map(str, seeds))}."]
    with _bar(progress, len(runs) * len(seeds) * cfg["epochs"], "обучение") as tick:
        for s, lr, head in runs:
            kw2 = dict(cfg, lr=lr)
            key = (s, lr) if head is None else "zero_lecun_head"
            other[key] = [R.train_residual(s, *data, seed=k, progress=tick, zero_head=head,
                                           **kw2) for k in seeds]
            name = (f"{NAMES[s]}, шаг {_g(lr)}" if head is None
                    else f"{NAMES[s]}, классификатор Лекуна")
            lines.append(f"  {name:<42} {_train_summary(other[key])}")
    return Demo(lines, other=other)


def _train_summary(runs) -> str:
    init = np.mean([r["init_loss"] for r in runs])
    if all(r["diverged"] for r in runs):
        txt = "обучение расходится (NaN) при каждом зерне"
    else:
        txt = "доля верных ответов: " + "; ".join(
            "NaN" if np.isnan(r["test_acc"]) else _g(r["test_acc"], 3) for r in runs)
    return f"потери при инициализации {_g(init)};  {txt}"


def bn_demo(depth: int = 30, width: int = 256, batch: int = 64, seeds=range(3)):
    rates, out = [], {}
    for k in seeds:
        q, g = R.bn_relu_gradients(depth, width, batch, k)
        q0, g0 = R.bn_relu_gradients(depth, width, batch, k, bn=False)
        rates.append(g[0] ** (1 / depth))
        if not out:
            out = {"q": q, "g": g, "q0": q0, "g0": g0}
    rates = np.array(rates)
    res_q = np.mean([R.residual_bn_forward(depth, width, batch, k) for k in seeds], axis=0)
    lines = [(f"Сеть ReLU: слоёв {depth}, ширина {width}, пакет {batch}, веса Хе; "
             f"независимых сетей: {len(rates)}."),
             (f"  с батч-нормализацией: E x² на слоях от {_g(out['q'][1:].min())} до "
             f"{_g(out['q'][1:].max())}; ‖δ_0‖²/‖δ_L‖² = {_g(out['g'][0])}; "
             f"множитель на слой {', '.join(_g(r) for r in rates)}"),
             f"  без неё: ‖δ_0‖²/‖δ_L‖² = {_g(out['g0'][0])}",
             (f"  остаточная сеть с батч-нормализацией в конце ветви: E x_L² = "
             f"{_g(res_q[-1])} (среднее по сетям; q_0 + L = {_g(res_q[0] + depth)})")]
    return Demo(lines, rates=rates, depth=depth, res_q=res_q, **out)


def lsuv_demo(depth: int = 20, width: int = 256, batch: int = 512, seed: int = 0):
    s2, fixed, chi, corr = {}, {}, {}, {}
    for act in ("tanh", "relu"):
        rng = np.random.default_rng(seed)
        ws = LS.orthogonal_net(rng, width, depth)
        X = rng.standard_normal((batch, width))
        ws, s2[act], _ = LS.lsuv_init(ws, X, act)
        fixed[act], chi[act] = LS.lsuv_fixed_point(act)
        corr[act] = LS.last_input_correlation(ws, X, act)
    lines = [f"LSUV: ортогональных слоёв {depth}, ширина {width}, пакет {batch}."]
    for act in s2:
        v = s2[act][1:]
        lines.append(f"  {act}: σ_w² на слоях 2–{depth}: {_g(v.mean(), 4)} ± "
                     f"{_g(v.std(ddof=1), 2)};  теория 1/E φ(z)² = {_g(fixed[act], 4)}, "
                     f"χ₁ = {_g(chi[act], 4)}; средний косинус между примерами пакета на "
                     f"входе последнего слоя: {_g(corr[act], 2)}")
    return Demo(lines, s2=s2, fixed=fixed, chi=chi, corr=corr)


def _f(x: float, d: int = 4) -> str:
    return f"{x:.{d}f}".replace(".", ",")


def _mean_se(x) -> tuple[float, float]:
    x = np.ravel(x)
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size))


def gains_demo():
    lines = [f"{'функция':<12}{'gain':>8}{'gain²':>8}{'1/E φ²':>10}{'1/E φ′²':>10}  ",
             (f"(leaky_relu — с наклоном α = {_f(F.LEAKY_SLOPE, 2)}, "
              "как по умолчанию в PyTorch)")]
    rows = {}
    for name in ("linear", "relu", "leaky_relu", "tanh", "selu"):
        g = F.gain(name)
        fwd, bwd = F.gain_integrals(name)
        rows[name] = (g, fwd, bwd)
        mark = "точно" if F.GAINS[name].exact else "соглашение"
        lines.append(f"{name:<12}{_f(g):>8}{_f(g * g):>8}{_f(fwd):>10}{_f(bwd):>10}  {mark}")
    q, chi = F.fixed_point("tanh", F.gain("tanh") ** 2)
    lines.append(f"tanh с σ_w² = (5/3)², без смещений: q* = {_g(q)}, χ₁ = {_g(chi)}")
    return Demo(lines, rows=rows, tanh_fixed=(q, chi))


def frameworks_demo(fan_in: int = 256, fan_out: int = 128, seed: int = 0):
    """n_in·Var by the formula against the sample (mean ± standard error of n_in·w²); the
    biases are pooled over 100 layers (a single layer has only fan_out of them)."""
    rng = np.random.default_rng(seed)
    lines = [(f"fan_in = {fan_in}, fan_out = {fan_out}: n_in·Var(w) по формуле | по выборке "
              "(среднее ± стандартная ошибка; смещения — по 100 слоям)")]
    est = {}
    for key, d in F.DEFAULTS.items():
        W, _ = d.sample(rng, fan_in, fan_out)
        b = np.concatenate([d.sample(rng, fan_in, fan_out)[1] for _ in range(100)])
        w_m, w_se = _mean_se(fan_in * W ** 2)
        b_m, b_se = _mean_se(fan_in * b ** 2)
        est[key] = (w_m, w_se, b_m, b_se)
        lines.append(f"  {d.layer:<20} веса: {_f(fan_in * d.weight_var(fan_in, fan_out))} | "
                     f"{_f(w_m)} ± {_f(w_se)};  смещения: "
                     f"{_f(fan_in * d.bias_var(fan_in, fan_out))} | {_f(b_m)} ± {_f(b_se)}")
    return Demo(lines, est=est)


__all__ = [
    "NAMES",
    "SCHEMES",
    "bn_demo",
    "frameworks_demo",
    "gains_demo",
    "lsuv_demo",
    "profiles_demo",
    "training_demo",
    "training_variants_demo",
]
