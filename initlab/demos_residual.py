"""Demonstrations of the chapter «Остаточные и нормализованные сети; инициализация по данным»
(book/theory/04_residual_init.ipynb): orchestration of ``numerics.residual``, ``numerics.lsuv``
and ``numerics.frameworks`` with Russian summaries and progress bars. Every number printed
here is tested in tests/test_residual.py.

    SCHEMES                                 the order of the schemes in the figures
    profiles_demo(depth=30, act="relu", seeds=range(5), width=256) -> Demo
        .theory / .sim: scheme -> ResidualProfile (sim: geometric mean over seeds)
    training_demo(seeds=(0, 1, 2), progress=True) -> Demo
        .results: scheme -> list of runs, .baselines: {"linear", "majority", "linear_loss"}
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
NAMES = {"plain": "без пропуска", "he": "пропуск, ветвь Хе",
         "scaled": "пропуск, ветвь · 1/√L", "zero": "пропуск, W₂ = 0"}


def _g(x, d=3):
    return f"{x:.{d}g}".replace(".", ",")


def profiles_demo(depth: int = 30, act: str = "relu", seeds=range(5), width: int = 256):
    theory, sim, lines = {}, {}, [
        (f"L = {depth}, ширина {width}, независимых сетей: {len(list(seeds))}; "
        "E x_L² и ‖δ_0‖²/‖δ_L‖²: формула | моделирование (среднее геометрическое)")]
    for s in SCHEMES:
        th = R.residual_theory(s, act, depth)
        q, g, _, _ = R.residual_simulate_seeds(s, act, depth, width=width, seeds=seeds)
        theory[s], sim[s] = th, R.ResidualProfile(q, g)
        lines.append(f"  {NAMES[s]:<24} E x_L²: {_g(th.q[-1])} | {_g(q[-1])};   "
                     f"градиент у входа: {_g(th.grad[0])} | {_g(g[0])}")
    return Demo(lines, theory=theory, sim=sim, depth=depth)


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
    base = {"linear": lin["test_acc"], "majority": R.majority_accuracy(data[1], data[3]),
            "linear_loss": lin["loss"]}
    lines = [(f"Блоков: {cfg['depth']}, ширина {cfg['width']}, эпох: {cfg['epochs']}, SGD с "
             f"моментом, шаг {_g(cfg['lr'])}; зёрна генератора {', '.join(map(str, seeds))}."),
             (f"  самый частый класс: {_g(base['majority'], 2)};   линейная модель "
             f"(тот же SGD): {_g(base['linear'], 3)}")]
    for s, runs in results.items():
        accs = [r["test_acc"] for r in runs]
        init = np.mean([r["init_loss"] for r in runs])
        if all(r["diverged"] for r in runs):
            txt = "обучение расходится (NaN) при каждом зерне"
        else:
            txt = "доля верных ответов: " + ", ".join(
                "NaN" if np.isnan(a) else _g(a, 3) for a in accs)
        lines.append(f"  {NAMES[s]:<24} потери при инициализации {_g(init)};  {txt}")
    return Demo(lines, results=results, baselines=base, epochs=cfg["epochs"])


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
        ws = [LS.orthogonal(rng, width) for _ in range(depth)]
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


def gains_demo():
    lines = [f"{'функция':<12}{'gain':>8}{'gain²':>8}{'1/E φ²':>10}{'1/E φ′²':>10}  "]
    rows = {}
    for name in ("linear", "relu", "leaky_relu", "tanh", "selu"):
        g = F.gain(name)
        fwd, bwd = F.gain_integrals(name)
        rows[name] = (g, fwd, bwd)
        mark = "точно" if F.GAINS[name].exact else "соглашение"
        lines.append(f"{name:<12}{g:>8.4f}{g * g:>8.4f}{fwd:>10.4f}{bwd:>10.4f}  {mark}")
    q, chi = F.fixed_point("tanh", F.gain("tanh") ** 2)
    lines.append(f"tanh с σ_w² = (5/3)², без смещений: q* = {_g(q)}, χ₁ = {_g(chi)}")
    return Demo(lines, rows=rows, tanh_fixed=(q, chi))


def frameworks_demo(fan_in: int = 256, fan_out: int = 128, seed: int = 0):
    rng = np.random.default_rng(seed)
    lines = [f"fan_in = {fan_in}, fan_out = {fan_out}: n_in·Var(w) по формуле | по выборке"]
    for d in F.DEFAULTS.values():
        W, b = d.sample(rng, fan_in, fan_out)
        lines.append(f"  {d.layer:<20} веса: {fan_in * d.weight_var(fan_in, fan_out):.4f} | "
                     f"{fan_in * float(np.mean(W ** 2)):.4f};  смещения: "
                     f"{fan_in * d.bias_var(fan_in, fan_out):.4f} | "
                     f"{fan_in * float(np.mean(b ** 2)):.4f}")
    return Demo(lines)


__all__ = [
    "NAMES",
    "SCHEMES",
    "bn_demo",
    "frameworks_demo",
    "gains_demo",
    "lsuv_demo",
    "profiles_demo",
    "training_demo",
]
