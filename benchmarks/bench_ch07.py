"""Redraw latency of the explorer of problem 7 (``initlab.explorers.normal``).

    python benchmarks/bench_ch07.py [--repeats 40]

One redraw is ``explorers.normal.render``: sample h (numpy), moments, KS test, verdicts, update
of the figure in place, PNG encoding, HTML text — everything except the transport of the
PNG to the browser. Measured at the default settings and at a few heavier ones, each
after one warm-up call, alternating the seed so no result is reused. The budget
(chapter 6's) is p95 ≤ 150 ms at the default settings; figures are printed, not asserted.
Besides the wall clock the CPU time of the process is printed: on a shared machine the
wall clock also counts the time the scheduler gives to others.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("MPLBACKEND", "Agg")

from initlab.explorers.normal import DEFAULTS, render
from initlab.figures.normal import ExplorerFigure
from initlab.figures.style import png


class Explorer:
    """One redraw of the explorer at a state: the figure updated in place, PNG, HTML."""

    def __init__(self):
        self.figure = ExplorerFigure()

    def render(self, state):
        fig, text = render(**dict(DEFAULTS, **state), figure=self.figure)
        return (None if fig is None else png(fig)), text

SETTINGS = [
    ("по умолчанию", {}),
    ("χ₃, k = 10, n = 20000", {"key": "chi3_scaled", "k": 10, "n": 20000}),
    ("частное из исходника, σ² = 10, k = 4", {"key": "seed_quotient", "sigma2": 10.0}),
    ("Бернулли, σ² = 1, k = 10, фиксированные веса",
     {"key": "seed_bernoulli", "sigma2": 1.0, "k": 10, "mode": "fixed"}),
    ("максимум: k = 40, n = 50000", {"key": "pm_scaled", "k": 40, "n": 50000}),
    ("недопустимая комбинация (текст)", {"key": "pm1", "sigma2": 1.0, "k": 10}),
]


def measure(ex: Explorer, state: dict, repeats: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of ``repeats`` redraws (the CPU time of this process
    shows the cost of a redraw on a machine whose other users slow the wall clock)."""
    ex.render(dict(state, seed=10_000))       # warm-up
    wall, cpu = [], []
    for i in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        ex.render(dict(state, seed=i))
        wall.append(1000 * (time.perf_counter() - t0))
        cpu.append(1000 * (time.process_time() - c0))
    return wall, cpu


def p95(values: list[float]) -> float:
    t = sorted(values)
    return t[min(len(t) - 1, round(0.95 * (len(t) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=40)
    args = ap.parse_args()
    ex = Explorer()
    print(f"Explorer of problem 7, {args.repeats} redraws per setting; defaults {DEFAULTS}")
    print(f"{'setting':48s} {'median ms':>10s} {'p95 ms':>8s} {'max ms':>8s} "
          f"{'CPU median':>11s} {'CPU p95':>8s}")
    for name, over in SETTINGS:
        wall, cpu = measure(ex, dict(DEFAULTS, **over), args.repeats)
        print(f"{name:48s} {statistics.median(wall):10.1f} {p95(wall):8.1f} {max(wall):8.1f} "
              f"{statistics.median(cpu):11.1f} {p95(cpu):8.1f}")


if __name__ == "__main__":
    main()
