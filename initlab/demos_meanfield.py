"""Demonstrations of the chapter «Порядок и хаос: теория среднего поля»: Russian tables and
summaries, progress bars. The numbers come from ``initlab.numerics.meanfield``.

Each function returns a ``Table`` (shown as a Markdown table in Jupyter and in the book, as
text in a terminal) or a ``Demo`` (results as attributes, the Russian summary as repr).

    points_table(sw2s=(1.0, 1.5, 2.5, 4.0), sb2=0.05) -> Table
    critical_table(sb2s=CRITICAL_TABLE_SB2) -> Table
    classic_inits() -> Table                  Xavier/He on the diagram
    correlation_runs(...) -> Demo             theory vs network, three σ_w²
    backprop_demo(...) -> Demo                χ₁ vs measured per-layer ratios
    xavier_relu_demo() -> Demo                q^l ≈ 1/(2l); ReLU 1 − c^l ≈ 9π²/(2l²)
    phase_demo() -> Demo                      the grid and the critical line of the diagram
    trainability_demo(progress=True, ...) -> Demo
"""
from __future__ import annotations

import numpy as np

from .demos import Demo, _bar  # the course's demo result (repr = Russian summary), tqdm bar
from .numerics import meanfield as mf
from .text import count as plural  # «1 зерно», «2 зерна», «5 зёрен»

TRAIN_SETUP = {"sw2s": (0.6, 0.9, 1.2, 1.5, 1.76, 2.2, 3.0, 4.5, 7.0),
               "depths": (5, 10, 20, 30, 45, 60), "sb2": 0.05, "width": 32, "steps": 300,
               "batch": 64, "lr": 1e-3, "seeds": (0, 1), "n_train": 1000}
THRESHOLD = 0.5     # «обучаема»: точность на обучающей выборке не ниже 50 % (угадывание — 10 %)

_PHASE = {"order": "порядок", "chaos": "хаос", "critical": "граница"}


def num(x, digits=3) -> str:
    """A number with a decimal comma («∞» for inf)."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "—"
    if not np.isfinite(x):
        return "∞"
    return f"{x:.{digits}f}".replace(".", ",")




class Table:
    """A small table: Markdown in Jupyter/the book, plain text elsewhere."""

    def __init__(self, header, rows, caption=""):
        self.header, self.rows, self.caption = list(header), [list(r) for r in rows], caption

    def _repr_markdown_(self) -> str:
        lines = ["| " + " | ".join(self.header) + " |",
                 "|" + "|".join(":---:" for _ in self.header) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in self.rows]
        return (self.caption + "\n\n" if self.caption else "") + "\n".join(lines)

    def __repr__(self) -> str:
        w = [max(len(str(x)) for x in col) for col in zip(self.header, *self.rows)]
        fmt = "  ".join(f"{{:>{k}}}" for k in w)
        out = [self.caption] if self.caption else []
        out += [fmt.format(*self.header)] + [fmt.format(*r) for r in self.rows]
        return "\n".join(out)


def points_table(sw2s=(1.0, 1.5, 2.5, 4.0), sb2=0.05, act="tanh") -> Table:
    """q*, χ₁, c*, ξ_q, ξ_c at a few σ_w² for one σ_b²."""
    rows = []
    for s in sw2s:
        p = mf.point(s, sb2, act)
        rows.append([num(s, 2), num(p.q_star), num(p.chi1), num(p.c_star), num(p.xi_q, 2),
                     num(p.xi_c, 1), _PHASE[p.phase]])
    return Table(["$\\sigma_w^2$", "$q^*$", "$\\chi_1$", "$c^*$", "$\\xi_q$", "$\\xi_c$", "фаза"],
                 rows)


def critical_table(sb2s=mf.CRITICAL_TABLE_SB2, act="tanh") -> Table:
    """The critical line σ_w²(σ_b²) (χ₁ = 1) with q* on it, three decimals."""
    rows = []
    for sb2 in sb2s:
        sw2 = mf.critical_sigma_w2(sb2, act)
        rows.append([num(sb2, 2), num(sw2), num(mf.fixed_point_q(sw2, sb2, act))])
    return Table(["$\\sigma_b^2$", "$\\sigma_w^2$ на границе ($\\chi_1 = 1$)", "$q^*$"], rows)


def classic_inits() -> Table:
    """Where LeCun/Xavier and He sit (square layers n_in = n_out = n, σ_b = 0)."""
    rows = []
    for name, act, sw2 in (("Ксавье (= ЛеКун при $n_{in} = n_{out}$)", "tanh", 1.0),
                           ("Хе", "tanh", 2.0), ("Ксавье", "relu", 1.0), ("Хе", "relu", 2.0)):
        p = mf.point(sw2, 0.0, act)
        phase = _PHASE[p.phase]
        if act == "relu" and p.chi1 < 1:    # q → 0, no q* > 0: the c-map is He's
            phase = "затухание длины и градиентов; корреляции — как у Хе"
        rows.append([name, "tanh" if act == "tanh" else "ReLU", num(sw2, 0), num(p.q_star),
                     num(p.chi1), phase])
    return Table(["инициализация", "активация", "$\\sigma_w^2 = n\\,\\mathrm{Var}(w)$", "$q^*$",
                  "$\\chi_1$", "фаза"], rows)


def phase_demo(n_sw=50, n_sb=50, sw_max=4.5, sb_max=2.0) -> Demo:
    """The grid of the phase diagram and its critical line."""
    sb2 = np.linspace(0.0, np.sqrt(sb_max), n_sb) ** 2       # dense near σ_b² = 0
    grid = mf.phase_grid(np.linspace(0.5, sw_max, n_sw), sb2)
    line_sb2 = np.linspace(0.0, np.sqrt(sb_max), 31) ** 2
    line_sw2 = mf.critical_line(line_sb2)
    return Demo([], grid=grid, line_sb2=line_sb2, line_sw2=line_sw2)


def correlation_runs(sw2s=None, sb2=0.05, c0=0.5, q0=None, depth=40, width=500, reps=3,
                     act="tanh", seed=0) -> Demo:
    """c^l of two inputs in theory and in ``reps`` random networks for each σ_w²
    (default: ordered 1.0, critical, chaotic 4.0); inputs start at q* (q0 = q* unless given)."""
    if sw2s is None:
        sw2s = (1.0, float(mf.critical_sigma_w2(sb2, act)), 4.0)
    theory, sims, lines = [], [], []
    for s in sw2s:
        q = mf.fixed_point_q(s, sb2, act) if q0 is None else q0
        _, c = mf.correlation_iterates(q, c0, s, sb2, depth, act)
        sim = mf.simulate_pair(act, s, sb2, width, depth, q, c0, reps=reps, seed=seed)["c"]
        theory.append(c)
        sims.append(sim)
        dev = np.abs(sim.mean(axis=0) - c).max()
        lines.append(f"σ_w² = {num(s, 3)}: c после {depth} слоёв — теория {num(c[-1])}, "
                     f"сети {num(sim[:, -1].min())}…{num(sim[:, -1].max())}; "
                     f"наибольшее отклонение среднего по сетям от теории {num(dev)}")
    return Demo(lines, sw2s=tuple(sw2s), theory=theory, sims=sims, depth=depth, width=width,
                reps=reps)


def backprop_demo(sw2s=(0.8, 1.2, 1.761, 2.5, 4.0), sb2=0.05, width=500, depth=12, reps=2,
                  seed=0) -> Demo:
    """χ₁ against the mean per-layer ratio ‖δ^{l-1}‖²/‖δ^l‖² measured in wide networks."""
    chi, meas, se, lines = [], [], [], []
    for s in sw2s:
        r = mf.simulate_backprop("tanh", s, sb2, width, depth, reps=reps, seed=seed)["ratio"]
        r = r.ravel()
        chi.append(mf.chi1(s, sb2))
        meas.append(r.mean())
        se.append(r.std(ddof=1) / np.sqrt(r.size))
        lines.append(f"σ_w² = {num(s, 3)}: χ₁ = {num(chi[-1])}, в сети {num(meas[-1])} ± "
                     f"{num(se[-1])} (среднее по {r.size} парам соседних слоёв ± ст. ошибка)")
    return Demo(lines, sw2s=np.array(sw2s), chi=np.array(chi), measured=np.array(meas),
                se=np.array(se))


def xavier_relu_demo(width=1000, reps=3) -> Demo:
    """Xavier + tanh (σ_w² = 1, σ_b = 0): q^l from q^0 = 1; He + ReLU: c^l from c^0 = 0."""
    l = np.arange(1, 1001)
    q = mf.length_iterates(1.0, 1.0, 0.0, 1000)[1:]
    c = mf.relu_cmap_iterates(0.0, 1000)[1:]
    sim = mf.simulate_pair("relu", 2.0, 0.0, width, 10, 1.0, 0.0, reps=reps, seed=2)["c"]
    lines = [
        "Ксавье + tanh: q^l = " + ", ".join(f"{num(q[k - 1], 5)} (l = {k})"
                                            for k in (10, 100, 1000))
        + "; 1/(2l) = " + ", ".join(num(1 / (2 * k), 5) for k in (10, 100, 1000)),
        (f"Хе + ReLU: c^10 = {num(c[9], 2)}, c^100 = {num(c[99])}; в сетях ширины {width}: "
         f"c^10 = {num(sim[:, 10].min())}…{num(sim[:, 10].max())}"),
        "Хе + ReLU, 1 − c^l и 9π²/(2l²): " + "; ".join(
            f"l = {k}: {1 - c[k - 1]:.3g} и {9 * np.pi ** 2 / (2 * k * k):.3g}".replace(".", ",")
            for k in (10, 100, 1000)),
    ]
    return Demo(lines, l=l, q=q, q_asym=mf.xavier_tanh_q(l, 1.0), c=c,
                asym=9 * np.pi ** 2 / (2 * l.astype(float) ** 2), sim_l=np.arange(1, 11),
                sim_c=sim[:, 1:].mean(axis=0))


def trainability_demo(progress=True, **overrides) -> Demo:
    """The trainability grid (``TRAIN_SETUP``, overridable) with a progress bar; for each
    σ_w² the ratio (largest depth trained to ≥ 50 %)/ξ_c; the median k of that ratio on the
    chaotic side (χ₁ > 1); the log-log slopes of the largest depth against ξ_c on each side;
    and two baselines: the same training without hidden layers (softmax regression, depth 0)
    and the majority class."""
    setup = {**TRAIN_SETUP, **overrides}
    total = len(setup["seeds"]) * len(setup["depths"])
    with _bar(progress, total, "обучение сетей") as cb:
        grid = mf.train_grid(progress=cb, **setup)
    base = mf.train_grid(**{**setup, "depths": (0,)})            # softmax regression
    _, y = mf.digits_data(setup["n_train"], seed=0)
    majority = float(np.bincount(y).max() / len(y))
    ratio = mf.trainable_ratio(grid, THRESHOLD)
    deepest = mf.trainable_depth(grid, THRESHOLD)
    chi = np.array([mf.chi1(s, grid.sb2) for s in grid.sw2s])
    usable = np.isfinite(ratio) & (grid.xi_c < 1e3)
    chaos, order = usable & (chi > 1), usable & (chi < 1)
    k = float(np.median(ratio[chaos])) if chaos.any() else float("nan")

    def slope(m):
        if m.sum() < 2:
            return float("nan")
        return float(np.polyfit(np.log(grid.xi_c[m]), np.log(deepest[m]), 1)[0])

    slopes = {"order": slope(order), "chaos": slope(chaos)}
    spread = np.abs(grid.acc_seeds[0] - grid.acc_seeds[-1]) if len(grid.seeds) > 1 else None
    lines = [
        (f"{plural(len(grid.sw2s), 'значение', 'значения', 'значений')} σ_w² × "
         f"{plural(len(grid.depths), 'глубина', 'глубины', 'глубин')} × "
         f"{plural(len(grid.seeds), 'зерно', 'зерна', 'зёрен')}; ширина {grid.width}, "
         f"σ_b² = {num(grid.sb2, 2)}, {plural(grid.steps, 'шаг', 'шага', 'шагов')} RMSProp "
         f"(шаг обучения {f'{grid.lr:g}'.replace('.', ',')}, мини-батч {grid.batch}), "
         f"{plural(grid.n_train, 'изображение', 'изображения', 'изображений')}"),
        "до обучения точность " + num(grid.acc0.min(), 2) + "…" + num(grid.acc0.max(), 2)
        + " (случайное угадывание — 0,10)",
        (f"ориентиры: самый частый класс — {num(majority, 3)}; та же тренировка без скрытых "
         f"слоёв (глубина 0, softmax-регрессия) — {num(base.acc.min(), 2)}…"
         f"{num(base.acc.max(), 2)}"),
        "σ_w²: наибольшая обучаемая глубина (ξ_c; их отношение): "
        + ", ".join(f"{num(s, 2)}: " + ("—" if not np.isfinite(d) else
                                        f"{int(d)} ({num(xi, 1)}; {num(r, 1)})" if xi < 1e3
                                        else f"{int(d)} (ξ_c > 1000)")
                    for s, r, xi, d in zip(grid.sw2s, ratio, grid.xi_c, deepest)),
        (f"наклон log(глубина) по log(ξ_c): порядок {num(slopes['order'], 2)}, "
         f"хаос {num(slopes['chaos'], 2)}; медиана отношения в хаосе k = {num(k, 1)}"),
    ]
    if spread is not None:
        lines.append(f"расхождение точности между первым и последним зерном: медиана "
                     f"{num(np.median(spread), 2)}, максимум {num(spread.max(), 2)}")
    return Demo(lines, grid=grid, ratio=ratio, k=k, spread=spread, deepest=deepest,
                chi1=chi, slopes=slopes, base=base, majority=majority)

