"""Redraw latency of the explorers of lectures 01–02 and the duration of the training demos.

    python benchmarks/bench_lectures1.py [--repeats 10]

One redraw is ``FigureExplorer.render_png``: the numerics (training for the XOR explorer),
the figure and its PNG encoding — everything except the transport to the browser. Each is
measured at the default settings after one warm-up call. Budgets: the XOR explorer retrains
a network on every change and must stay under 1 s; the other explorers aim at chapter 6's
p95 ≤ 150 ms, which this 2-core machine reaches only when idle. The training demos that
show a progress bar must finish in under 20 s. Figures are printed, not asserted.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("MPLBACKEND", "Agg")

from initlab import lecture1
from initlab import widgets_lecture1 as wl

EXPLORERS = [
    ("XOR: обучение + рисунок", wl.xor_explorer),
    ("Цыбенко: n = 8", wl.approx_explorer),
    ("норма градиента, d = 20", wl.gradient_explorer),
    ("подрезка градиента", wl.clipping_explorer),
    ("ResNet, d = 30", wl.resnet_explorer),
]


def _p95(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=10)
    args = ap.parse_args(argv)
    print(f"{'explorer':32s} {'median, ms':>10s} {'p95, ms':>8s}")
    for name, make in EXPLORERS:
        ex = make()
        ex.render_png()
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            ex.render_png()
            times.append(1000 * (time.perf_counter() - t0))
        print(f"{name:32s} {statistics.median(times):10.0f} {_p95(times):8.0f}")
    print()
    demos = [
        ("01: 8 сетей на XOR (сетка рисунков)",
         lambda: [lecture1.train_xor(w, a, 0) for a in ("tanh", "relu") for w in (1, 2, 3, 8)]),
        ("02: регрессия 1→6→1, 3000 шагов", lambda: lecture1.train_regression()),
        ("01: одна сеть на XOR, 600 шагов", lambda: lecture1.train_xor(4, "tanh", 0)),
    ]
    for name, fn in demos:
        t0 = time.perf_counter()
        fn()
        print(f"{name:40s} {time.perf_counter() - t0:6.2f} s")


if __name__ == "__main__":
    main()
