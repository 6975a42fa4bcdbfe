"""Redraw latency of the explorers of lectures 01–02 and the duration of the training demos.

    python benchmarks/bench_lectures1.py [--repeats 4]

One redraw is what a reader waits for after moving a control: the widget's ``update`` —
the numerics (training for the XOR explorer), the in-place update of the figure, one Agg
draw and the PNG encoding; everything except the transport to the browser. Each explorer
is built at its default settings, then one control is moved through a cycle of values
(``CYCLES``), ``--repeats`` times; the first pass meets every setting for the first time
(a new axis range renders the static part of the figure anew), the later passes revisit
them. Printed: median and p95 of the wall time over all redraws, and of the CPU time of
the process (``time.process_time``: less sensitive to other users of the machine), and the
old measure, ``render_png`` repeated at the default settings. Budget: p95 ≤ 150 ms per
redraw on an idle machine (2 cores); the load average is printed with the figures. The
training demos that show a progress bar must finish in under 20 s. Figures are printed,
not asserted.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("MPLBACKEND", "Agg")

from initlab.explorers import networks as wl
from initlab.numerics import logic, symmetry

#: (name, factory, control moved, cycle of its values; the first one is the default)
CYCLES = [
    ("XOR: обучение + рисунок", wl.xor_explorer, "width", [4, 5, 3, 8, "relu", "tanh"]),
    ("Цыбенко: n = 8", wl.approx_explorer, "n", [8, 9, 12, 5, 40, 100]),
    ("норма градиента, d = 20", wl.gradient_explorer, "scale", [1.0, 1.25, 0.75, 2.0, 0.5]),
    ("подрезка градиента", wl.clipping_explorer, "c", [2.0, 2.1, 1.5, 0.5, 3.0]),
    ("ResNet, d = 30", wl.resnet_explorer, "depth", [30, 31, 24, 45, 12]),
]


def _p95(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


def _setter(ex, control, value):
    """Set ``control`` (or the activation drop-down for a string value) to ``value``."""
    if isinstance(value, str):
        return lambda: setattr(ex.controls["act"], "value", value)
    return lambda: setattr(ex.controls[control], "value", value)


def _time(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return 1000 * (time.perf_counter() - w0), 1000 * (time.process_time() - c0)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=4)
    args = ap.parse_args(argv)
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"{'explorer':26s} {'redraws':>7s} {'median':>7s} {'p95':>6s} {'CPU med':>8s} "
          f"{'CPU p95':>8s} {'same, med':>10s} {'CPU':>5s}   (ms)")
    for name, make, control, values in CYCLES:
        ex = make()
        ex.render_png()
        same = [_time(ex.render_png) for _ in range(5)]
        wall, cpu = [], []
        for _ in range(args.repeats):
            for v in values[1:] + values[:1]:
                w, c = _time(_setter(ex, control, v))
                wall.append(w)
                cpu.append(c)
        print(f"{name:26s} {len(wall):7d} {statistics.median(wall):7.0f} {_p95(wall):6.0f} "
              f"{statistics.median(cpu):8.0f} {_p95(cpu):8.0f} "
              f"{statistics.median(s[0] for s in same):10.0f} "
              f"{statistics.median(s[1] for s in same):5.0f}")
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print()
    demos = [
        ("01: 8 сетей на XOR (сетка рисунков)",
         lambda: [logic.train_xor(w, a, 0) for a in ("tanh", "relu") for w in (1, 2, 3, 8)]),
        ("02: регрессия 1→6→1, 3000 шагов", lambda: symmetry.train_regression()),
        ("01: одна сеть на XOR, 600 шагов", lambda: logic.train_xor(4, "tanh", 0)),
    ]
    for name, fn in demos:
        t0 = time.perf_counter()
        fn()
        print(f"{name:40s} {time.perf_counter() - t0:6.2f} s")


if __name__ == "__main__":
    main()
