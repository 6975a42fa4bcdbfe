"""Redraw latency of the explorer of problem 7 (``initlab.widgets_ch07``).

    python benchmarks/bench_ch07.py [--repeats 40]

One redraw is ``Explorer.render``: sample h (numpy), moments, KS test, verdicts, update
of the figure in place, PNG encoding, HTML text — everything except the transport of the
PNG to the browser. Measured at the default settings and at a few heavier ones, each
after one warm-up call, alternating the seed so no result is reused. The budget
(chapter 6's) is p95 ≤ 150 ms at the default settings; figures are printed, not asserted.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("MPLBACKEND", "Agg")

from initlab.widgets_ch07 import DEFAULTS, Explorer  # noqa: E402

SETTINGS = [
    ("по умолчанию", {}),
    ("χ₃, k = 10, n = 20000", dict(key="chi3_scaled", k=10, n=20000)),
    ("частное из исходника, σ² = 10, k = 4", dict(key="seed_quotient", sigma2=10.0)),
    ("Бернулли, σ² = 1, k = 10, фиксированные веса",
     dict(key="seed_bernoulli", sigma2=1.0, k=10, mode="fixed")),
    ("максимум: k = 40, n = 50000", dict(key="pm_scaled", k=40, n=50000)),
    ("недопустимая комбинация (текст)", dict(key="pm1", sigma2=1.0, k=10)),
]


def measure(ex: Explorer, state: dict, repeats: int) -> list[float]:
    ex.render(dict(state, seed=10_000))       # warm-up
    out = []
    for i in range(repeats):
        t0 = time.perf_counter()
        ex.render(dict(state, seed=i))
        out.append(1000 * (time.perf_counter() - t0))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=40)
    args = ap.parse_args()
    ex = Explorer()
    print(f"Explorer of problem 7, {args.repeats} redraws per setting; defaults {DEFAULTS}")
    print(f"{'setting':48s} {'median ms':>10s} {'p95 ms':>8s} {'max ms':>8s}")
    for name, over in SETTINGS:
        t = sorted(measure(ex, dict(DEFAULTS, **over), args.repeats))
        p95 = t[min(len(t) - 1, int(round(0.95 * (len(t) - 1))))]
        print(f"{name:48s} {statistics.median(t):10.1f} {p95:8.1f} {t[-1]:8.1f}")


if __name__ == "__main__":
    main()
