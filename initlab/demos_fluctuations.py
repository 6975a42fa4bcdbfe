"""Experiments of the chapter «Одна сеть против средней»: numerics + Russian wording.

Every experiment returns a small dataclass whose ``str`` is the Russian table the chapter
prints; the numbers come from ``initlab.numerics.fluctuations`` and every draw from
``numpy.random.default_rng(seed)``.

    fmt(x, digits=3) -> str                    decimal comma, true minus sign
    step_table(widths=(10, 50, 200)) -> StepTable
    linear_example(n=50, depth=20) -> Example  exact mean, sd, median, P(R < 1), P(off ×10)
    collapse_experiment(seed=0, ...) -> Collapse
    spread_experiment(seed=0, ...) -> Spread
    off_experiment(seed=0, ...) -> Off
    gradient_experiment(seed=0, ...) -> Gradients
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .numerics import fluctuations as F

__all__ = [
    "ACT_TITLE",
    "GAIN",
    "INITS",
    "Collapse",
    "Example",
    "Gradients",
    "MatrixCheck",
    "Off",
    "Orthogonal",
    "SeedSpread",
    "Spread",
    "StepTable",
    "collapse_experiment",
    "fmt",
    "fmt_p",
    "gradient_experiment",
    "gradient_predicted_var",
    "histogram_panel",
    "linear_example",
    "matrix_check",
    "networks_text",
    "off_experiment",
    "orthogonal_experiment",
    "seed_spread",
    "spread_experiment",
    "step_table",
]

ACT_TITLE = {"linear": "линейная сеть, ЛеКун", "relu": "ReLU, Хе", "tanh": "tanh"}
GAIN = {"linear": 1.0, "relu": 2.0}


def fmt(x, digits: int = 3) -> str:
    """A number with ``digits`` significant digits, decimal comma and a true minus."""
    x = float(x)
    if not np.isfinite(x):
        return "—"
    if x == 0.0:
        return "0"
    s = f"{x:.{digits}g}"
    if "e" in s:
        s = f"{x:.{max(digits - 1, 0)}e}"
        mant, exp = s.split("e")
        s = f"{mant}·10" + str(int(exp)).translate(_SUP)
    return s.replace("-", "−").replace(".", ",")


_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def networks_text(k: int) -> str:
    """«1 сеть», «3 сети», «976 сетей», «1001 сеть» (Russian plural)."""
    k = int(k)
    if k % 10 == 1 and k % 100 != 11:
        word = "сеть"
    elif 2 <= k % 10 <= 4 and not 12 <= k % 100 <= 14:
        word = "сети"
    else:
        word = "сетей"
    return f"{k} {word}"


def fmt_p(p) -> str:
    """A p-value; an underflow to 0 is shown as «< 10⁻³⁰⁰»."""
    return "< 10⁻³⁰⁰" if float(p) == 0.0 else fmt(p, 2)


def _se_sd(s: np.ndarray) -> float:
    """Standard error of the sample standard deviation (delta method, 4th moment)."""
    s = s[np.isfinite(s)]
    c = s - s.mean()
    m2, m4 = np.mean(c ** 2), np.mean(c ** 4)
    return float(np.sqrt(max(m4 - m2 * m2, 0.0) / s.size) / (2 * np.sqrt(m2)))


@dataclass
class StepTable:
    widths: tuple
    rows: dict       # act -> list of (mean, var)

    def __str__(self):
        lines = ["Один слой ширины n: среднее и дисперсия log ρ (точно), умноженные на n",
                 f"{'n':>5} | {'линейная: n·E':>14} {'n·Var':>7} | {'ReLU+Хе: n·E':>13} {'n·Var':>7}"]
        for i, n in enumerate(self.widths):
            ml, vl = self.rows["linear"][i]
            mr, vr = self.rows["relu"][i]
            lines.append(f"{n:>5} | {fmt(n * ml, 4):>14} {fmt(n * vl, 4):>7} | "
                         f"{fmt(n * mr, 4):>13} {fmt(n * vr, 4):>7}")
        lines.append(f"{'n → ∞':>5} | {'−1':>14} {'2':>7} | {'−2,5':>13} {'5':>7}")
        return "\n".join(lines)


def step_table(widths=(10, 50, 200)) -> StepTable:
    return StepTable(tuple(widths), {a: [F.step_moments(n, a) for n in widths]
                                     for a in ("linear", "relu")})


@dataclass
class Example:
    act: str
    n: int
    depth: int
    mean: float
    sd: float
    median_R: float
    p_below: float
    p_off: float
    dead: float

    def __str__(self):
        lines = [f"{ACT_TITLE[self.act]}, L = {self.depth}, n = {self.n} (точный закон):",
                 f"  E log R = {fmt(self.mean)}, стандартное отклонение log R = {fmt(self.sd)}",
                 f"  E R = 1, медиана R = {fmt(self.median_R)}",
                 f"  P(R < 1) = {fmt(self.p_below)}: у большинства сетей сигнал ниже среднего",
                 f"  P(R < 1/10 или R > 10) = {fmt(self.p_off)}"]
        if self.act == "relu":
            lines.append(f"  P(сеть мертва: x_L = 0) = {fmt(self.dead)}")
        return "\n".join(lines)


def linear_example(n: int = 50, depth: int = 20, act: str = "linear") -> Example:
    law = F.log_norm_law(F.widths_of(n, depth), act)
    return Example(act, n, depth, law.mean, float(np.sqrt(law.var)),
                   float(np.exp(law.median)), law.prob_below_mean(), law.prob_off(10.0),
                   law.dead)


@dataclass
class Collapse:
    act: str
    groups: list            # list of lists of (L, n)
    samples: dict           # (L, n) -> log R samples
    laws: dict              # (L, n) -> LogNormLaw
    ks: list = field(default_factory=list)   # (pair_a, pair_b, D, p)
    exact_d: list = field(default_factory=list)  # (pair_a, pair_b, sup|F_a − F_b|)

    def __str__(self):
        lines = [(f"{ACT_TITLE[self.act]}: сравнение законов log R "
                  "(двухвыборочный критерий Колмогорова — Смирнова; точное расстояние)")]
        for (a, b, d, p), (_, _, e) in zip(self.ks, self.exact_d):
            same = a[0] / a[1] == b[0] / b[1]
            tag = "одинаковое L/n" if same else "одинаковое L" if a[0] == b[0] else ""
            lines.append(f"  (L, n) = {a} и {b} [{tag}]: D = {fmt(d, 2)}, p = {fmt_p(p)}; "
                         f"точно sup|F₁ − F₂| = {fmt(e, 2)}")
        return "\n".join(lines)


def collapse_experiment(seed: int = 0, act: str = "relu", networks: int = 2000,
                        groups=(((5, 25), (10, 50), (20, 100)),
                                ((20, 20), (40, 40), (80, 80)),
                                ((20, 25), (20, 100), (20, 400)))) -> Collapse:
    """log R of ``networks`` random networks for each (L, n); KS tests within a group."""
    rng = np.random.default_rng(seed)
    samples, laws, ks, ed = {}, {}, [], []
    for group in groups:
        for L, n in group:
            w = F.widths_of(n, L)
            raw = F.simulate_log_norms(rng, w, act, GAIN[act], networks, method="vector")
            samples[(L, n)] = F.normalised_log_norms(raw, w, act, GAIN[act])
            laws[(L, n)] = F.log_norm_law(w, act)
        for i in range(len(group)):
            for j in range(i + 1, len(group)):
                a, b = group[i], group[j]
                ks.append((a, b) + F.ks_two_sample(samples[a], samples[b]))
                ed.append((a, b, F.law_distance(laws[a], laws[b])))
    return Collapse(act, [list(g) for g in groups], samples, laws, ks, ed)


@dataclass
class Spread:
    act: str
    widths: tuple
    ratios: np.ndarray
    sd: dict             # n -> array of MC sd (NaN where not simulated)
    se: dict
    exact: dict          # n -> exact sd of log R
    networks: int

    def __str__(self):
        c = F.step_constant(self.act)
        lines = [(f"{ACT_TITLE[self.act]}: стандартное отклонение log R "
                  f"({networks_text(self.networks)}; в скобках точное значение)"),
                 "  L/n    | " + " | ".join(f"n = {n:<13}" for n in self.widths)
                 + f" | √({fmt(c, 1)}·L/n)"]
        for i, r in enumerate(self.ratios):
            cells = []
            for n in self.widths:
                v = self.sd[n][i]
                cells.append(f"{fmt(v):>5} ({fmt(self.exact[n][i])})" if np.isfinite(v)
                             else f"{'—':>13}")
            lines.append(f"  {fmt(r):<6} | " + " | ".join(f"{x:<17}" for x in cells)
                         + f" | {fmt(np.sqrt(c * r))}")
        return "\n".join(lines)


def spread_experiment(seed: int = 0, act: str = "relu", widths=(16, 64, 256),
                      ratios=(1 / 16, 1 / 8, 1 / 4, 1 / 2, 1.0, 2.0), networks: int = 800,
                      budget: int = 20_000) -> Spread:
    """sd of log R against L/n; a (L, n) is simulated when n·L ≤ ``budget``."""
    rng = np.random.default_rng(seed)
    ratios = np.asarray(ratios, dtype=float)
    sd, se, ex = {}, {}, {}
    for n in widths:
        sd[n] = np.full(ratios.size, np.nan)
        se[n] = np.full(ratios.size, np.nan)
        ex[n] = np.full(ratios.size, np.nan)
        for i, r in enumerate(ratios):
            L = round(r * n)
            if L < 1:
                continue
            w = F.widths_of(n, L)
            ex[n][i] = np.sqrt(F.log_norm_moments(w, act)[1])
            if n * L > budget:
                continue
            s = F.simulate_log_norms(rng, w, act, GAIN[act], networks, method="vector")
            s = s[np.isfinite(s)]
            sd[n][i] = s.std(ddof=1)
            se[n][i] = _se_sd(s)
    return Spread(act, tuple(widths), ratios, sd, se, ex, networks)


@dataclass
class Off:
    act: str
    ratios_fine: dict      # n -> L/n of the exact curve (L = 1 … 3n)
    exact: dict            # n -> exact P(off) at ratios_fine[n]
    normal_ratios: np.ndarray
    normal: np.ndarray     # normal approximation on normal_ratios
    mc_ratios: np.ndarray
    mc: dict               # n -> MC P(off) on mc_ratios
    mc_se: dict
    networks: int
    table_ratios: tuple
    table: dict            # n -> exact P(off) on table_ratios

    def __str__(self):
        lines = [f"{ACT_TITLE[self.act]}: P(R < 1/10 или R > 10) — точно",
                 "  L/n    | " + " | ".join(f"n = {n:<5}" for n in self.table)
                 + " | нормальное приближение"]
        for i, r in enumerate(self.table_ratios):
            cells = [f"{fmt(self.table[n][i], 2):<9}" for n in self.table]
            lines.append(f"  {fmt(r):<6} | " + " | ".join(cells)
                         + f" | {fmt(F.prob_off_normal(r, self.act), 2)}")
        return "\n".join(lines)


def _exact_off(n: int, ratio: float, act: str) -> float:
    L = max(1, round(ratio * n))
    return F.prob_off(F.widths_of(n, L), act)


def off_experiment(seed: int = 0, act: str = "relu", widths=(16, 64, 256),
                   mc_ratios=(1 / 8, 1 / 4, 1 / 2, 1.0), networks: int = 1000,
                   table_ratios=(1 / 16, 1 / 8, 1 / 4, 1 / 2, 1.0, 2.0),
                   budget: int = 20_000) -> Off:
    """P(off by ×10) against L/n: exact for L = 1 … 3n, Monte Carlo at ``mc_ratios``."""
    rng = np.random.default_rng(seed)
    fine = {n: np.unique(np.geomspace(1, 3 * n, 24).round().astype(int)) / n for n in widths}
    exact = {n: np.array([_exact_off(n, r, act) for r in fine[n]]) for n in widths}
    normal_ratios = np.geomspace(1 / min(widths), 3.0, 60)
    mc_ratios = np.asarray(mc_ratios, dtype=float)
    mc, mc_se = {}, {}
    for n in widths:
        mc[n] = np.full(mc_ratios.size, np.nan)
        mc_se[n] = np.full(mc_ratios.size, np.nan)
        for i, r in enumerate(mc_ratios):
            L = max(1, round(r * n))
            if n * L > budget:
                continue
            w = F.widths_of(n, L)
            s = F.normalised_log_norms(
                F.simulate_log_norms(rng, w, act, GAIN[act], networks, method="vector"),
                w, act, GAIN[act])
            p = float(np.mean(~(np.abs(s) <= np.log(10.0))))   # −inf (dead) counts
            mc[n][i] = p
            mc_se[n][i] = np.sqrt(max(p * (1 - p), 1.0 / networks) / networks)
    table = {n: np.array([_exact_off(n, r, act) for r in table_ratios]) for n in widths}
    return Off(act, fine, exact, normal_ratios, F.prob_off_normal(normal_ratios, act),
               mc_ratios, mc, mc_se,
               networks, tuple(table_ratios), table)


@dataclass
class Gradients:
    act: str
    n: int
    depth: int
    networks: int
    g2: np.ndarray          # (networks, L)
    x2: np.ndarray
    d2: np.ndarray
    predicted_var: float    # variance of log g2 predicted (same for every layer)

    @property
    def mean_g2(self):
        return self.g2.mean(axis=0)

    @property
    def product(self):
        return self.x2.mean(axis=0) * self.d2.mean(axis=0)

    @property
    def sd_log(self):
        return np.log(self.g2).std(axis=0, ddof=1)

    def __str__(self):
        lines = [f"{ACT_TITLE[self.act]}, n = {self.n}, L = {self.depth}, {networks_text(self.networks)}",
                 "  слой l | E (∂ℒ/∂W)² | E x²·E δ² | ст. откл. log (∂ℒ/∂W)²"]
        for l in range(self.depth):
            lines.append(f"  {l + 1:>6} | {fmt(self.mean_g2[l]):>10} | "
                         f"{fmt(self.product[l]):>9} | {fmt(self.sd_log[l])}")
        lines.append(f"  предсказание: E x²·E δ² = 1 на каждом слое, "
                     f"ст. откл. log = {fmt(np.sqrt(self.predicted_var))}")
        return "\n".join(lines)


def gradient_predicted_var(n: int, depth: int, act: str) -> float:
    """Var log ‖∂L/∂W_l‖² for constant width: (L − 1) ReLU/linear steps + one χ²_n/n
    (from ‖r‖²); the same for every layer l."""
    from scipy import special
    return (depth - 1) * F.step_moments(n, act)[1] + float(special.polygamma(1, n / 2))


def gradient_experiment(seed: int = 0, act: str = "relu", n: int = 32, depth: int = 8,
                        networks: int = 2000) -> Gradients:
    rng = np.random.default_rng(seed)
    r = F.simulate_gradients(rng, F.widths_of(n, depth), act, GAIN[act], networks)
    return Gradients(act, n, depth, networks, r["g2"], r["x2"], r["d2"],
                     gradient_predicted_var(n, depth, act))


# --- the explorer's panel ---------------------------------------------------------------------

INITS = {"lecun": (1.0, "ЛеКун/Ксавье: N(0, 1/n)"), "he": (2.0, "Хе: N(0, 2/n)")}
MAX_COST = 2_500_000      # networks · width · depth drawn per update (bounds the latency)


def histogram_panel(width: int = 64, depth: int = 32, act: str = "relu", init: str = "he",
                    networks: int = 1000, seed: int = 0, max_cost: int = MAX_COST) -> dict:
    """Everything one explorer panel shows, and its Russian caption.

    Simulates min(networks, max_cost/(width·depth)) random networks of constant width
    (the exact rotation-invariance sampler), their log(‖x_L‖²/‖x_0‖²), the exact law for
    linear and ReLU layers, the mean-field value log E‖x_L‖²/‖x_0‖² and the quantiles.
    """
    gain, init_title = INITS[init]
    w = F.widths_of(width, depth)
    m = int(min(networks, max(100, max_cost // (width * depth))))
    rng = np.random.default_rng(seed)
    samples = F.simulate_log_norms(rng, w, act, gain, m, method="vector", dtype=np.float32)
    mean_log = F.mean_log_gain(w, act, gain)
    law = F.log_norm_law(w, act, points=4096) if act in F.EXACT_ACTIVATIONS else None
    alive = samples[np.isfinite(samples)]
    qs = (0.05, 0.5, 0.95)
    sim_q = np.quantile(alive, qs) / np.log(10) if alive.size else np.full(3, np.nan)
    title = f"{ACT_TITLE.get(act, act).split(',')[0]}, {init_title}; L = {depth}, n = {width}"
    parts = [(f"L/n = {fmt(depth / width)}. Квантили 5 %, 50 %, 95 % величины "
              f"log₁₀(‖x_L‖²/‖x_0‖²): моделирование {', '.join(fmt(v) for v in sim_q)}")]
    theory_q = None
    if law is not None:
        theory_q = law.quantile(qs) / np.log(10) + mean_log / np.log(10)
        parts.append(f"; точно {', '.join(fmt(v) for v in theory_q)}")
        parts.append(f". Среднее поле: {fmt(mean_log / np.log(10))}. "
                     f"P(отклонение от среднего больше чем в 10 раз) = {fmt(law.prob_off(), 2)}.")
    else:
        parts.append(f". Среднее поле (ширина → ∞): {fmt(mean_log / np.log(10))}; точного закона "
                     "для tanh нет: слои не независимы.")
    if m < networks:
        parts.append(f" Сетей взято {m} из {networks}, чтобы рисунок обновлялся быстро.")
    dead = np.count_nonzero(~np.isfinite(samples))
    if dead:
        parts.append(f" Мёртвых сетей (x_L = 0): {dead}.")
    return {"samples": samples, "law": law, "mean_log": mean_log, "title": title,
            "sim_quantiles": sim_q, "theory_quantiles": theory_q, "networks": m,
            "text": "".join(parts)}


# --- robustness: full matrices, other seeds -------------------------------------------------

@dataclass
class MatrixCheck:
    act: str
    depth: int
    n: int
    networks: int
    p_exact: float        # KS p-value of the full-matrix samples against the exact law
    p_vector: float       # two-sample KS p-value against the shortcut's samples

    def __str__(self):
        return (f"{ACT_TITLE[self.act]}, L = {self.depth}, n = {self.n}: {networks_text(self.networks)} "
                "с полными матрицами весов.\n"
                f"  Критерий Колмогорова — Смирнова против точного закона: p = {fmt_p(self.p_exact)}; "
                f"против моделирования по главному факту: p = {fmt_p(self.p_vector)}")


def matrix_check(seed: int = 0, act: str = "relu", depth: int = 10, n: int = 50,
                 networks: int = 1000) -> MatrixCheck:
    """Full weight matrices (batched matmul over networks) against the exact law and
    against the rotation-invariance shortcut."""
    from scipy import stats
    rng = np.random.default_rng(seed)
    w = F.widths_of(n, depth)
    full = F.normalised_log_norms(
        F.simulate_log_norms(rng, w, act, GAIN[act], networks, method="matrix"), w, act,
        GAIN[act])
    short = F.normalised_log_norms(
        F.simulate_log_norms(rng, w, act, GAIN[act], networks, method="vector"), w, act,
        GAIN[act])
    law = F.log_norm_law(w, act)
    p_exact = float(stats.kstest(full[np.isfinite(full)], law.cdf_at).pvalue)
    return MatrixCheck(act, depth, n, networks, p_exact, F.ks_two_sample(full, short)[1])


@dataclass
class SeedSpread:
    act: str
    n: int
    depth: int
    networks: int
    seeds: tuple
    p_off: np.ndarray     # Monte Carlo P(off by ×10) per seed
    sd: np.ndarray        # Monte Carlo sd of log R per seed
    exact_p: float
    exact_sd: float

    def __str__(self):
        return (f"{ACT_TITLE[self.act]}, L = {self.depth}, n = {self.n}, "
                f"{networks_text(self.networks)}, зёрна {', '.join(map(str, self.seeds))}:\n"
                f"  P(отклонение больше чем в 10 раз): "
                f"{' / '.join(fmt(p, 2) for p in self.p_off)} (точно {fmt(self.exact_p, 2)}, "
                f"стандартная ошибка ≈ {fmt(np.sqrt(self.exact_p * (1 - self.exact_p) / self.networks), 1)})\n"
                f"  ст. отклонение log R: {' / '.join(fmt(v) for v in self.sd)} "
                f"(точно {fmt(self.exact_sd)})")


def seed_spread(act: str = "relu", n: int = 64, depth: int = 32, networks: int = 1000,
                seeds=(10, 11, 12)) -> SeedSpread:
    """The headline numbers of the chapter re-estimated with several seeds."""
    w = F.widths_of(n, depth)
    ps, sds = [], []
    for seed in seeds:
        s = F.normalised_log_norms(F.simulate_log_norms(
            np.random.default_rng(seed), w, act, GAIN[act], networks, method="vector"),
            w, act, GAIN[act])
        ps.append(float(np.mean(~(np.abs(s) <= np.log(10.0)))))
        sds.append(float(np.std(s[np.isfinite(s)], ddof=1)))
    law = F.log_norm_law(w, act)
    return SeedSpread(act, n, depth, networks, tuple(seeds), np.array(ps), np.array(sds),
                      law.prob_off(), float(np.sqrt(law.var)))


@dataclass
class Orthogonal:
    n: int
    depth: int
    networks: int
    sd_gauss: float            # Monte Carlo sd of log R, Gaussian He (ReLU)
    sd_gauss_exact: float
    sd_orth: float             # Monte Carlo sd of log R, √2·Q (ReLU), rotation shortcut
    sd_orth_exact: float
    se_gauss: float
    se_orth: float
    matrix_networks: int
    sd_orth_matrix: float      # the same with full QR-sampled matrices (fewer networks)
    looks_linear_max: float    # max |log R_L| over the looks-linear nets
    orth_linear_max: float     # max |log R_L| over linear nets with W = Q

    def __str__(self):
        return (f"ReLU, L = {self.depth}, n = {self.n}, {networks_text(self.networks)}; "
                "стандартное отклонение log R_L:\n"
                f"  гауссовы веса N(0, 2/n): {fmt(self.sd_gauss)} ± {fmt(self.se_gauss, 1)}"
                f" (точно {fmt(self.sd_gauss_exact)})\n"
                f"  ортогональные √2·Q: {fmt(self.sd_orth)} ± {fmt(self.se_orth, 1)}"
                f" (точно {fmt(self.sd_orth_exact)}; полные матрицы, "
                f"{networks_text(self.matrix_networks)}: {fmt(self.sd_orth_matrix)})\n"
                f"  «почти линейные» [[Q, −Q], [−Q, Q]]: max |log R_L| = "
                f"{'0' if self.looks_linear_max < 1e-12 else fmt(self.looks_linear_max)} "
                "(с точностью до округления)\n"
                f"  линейная сеть с W = Q: max |log R_L| = "
                f"{'0' if self.orth_linear_max < 1e-12 else fmt(self.orth_linear_max)}")


def orthogonal_experiment(seed: int = 7, n: int = 32, depth: int = 32, networks: int = 1000,
                          matrix_networks: int = 200) -> Orthogonal:
    """Gaussian He against Haar-orthogonal √2·Q and looks-linear weights (ReLU)."""
    rng = np.random.default_rng(seed)
    w = F.widths_of(n, depth)
    g = F.normalised_log_norms(F.simulate_log_norms(rng, w, "relu", 2.0, networks,
                                                    method="vector"), w, "relu", 2.0)
    o = F.simulate_orthogonal(rng, n, depth, "orthogonal", networks, method="vector")
    om = F.simulate_orthogonal(rng, n, depth, "orthogonal", matrix_networks)
    ll = F.simulate_orthogonal(rng, n, depth, "looks_linear", matrix_networks)
    ol = F.simulate_orthogonal(rng, n, 8, "orthogonal_linear", matrix_networks)
    g, o = g[np.isfinite(g)], o[np.isfinite(o)]
    return Orthogonal(
        n, depth, networks, float(np.std(g, ddof=1)),
        float(np.sqrt(F.log_norm_moments(w, "relu")[1])), float(np.std(o, ddof=1)),
        float(np.sqrt(depth * F.orthogonal_step_moments(n)[1])), _se_sd(g), _se_sd(o),
        matrix_networks, float(np.std(om[np.isfinite(om)], ddof=1)),
        float(np.max(np.abs(ll))), float(np.max(np.abs(ol))))
