"""Latency of the explorers of the chapter «Порядок и хаос» and the cost of its heavy cells.

    python benchmarks/bench_meanfield.py [--repeats 20] [--skip-train]

Explorers: one update is ``Explorer.update`` (numerics, figure update, PNG encoding) — what a
slider move costs except the transport of the PNG. The maps explorer keeps one figure and
moves its curves; the correlation explorer rebuilds its two panels and simulates one network
(weights cached per width, generated on demand per layer). Each setting is timed after one
warm-up with the slider alternating between two values, so no render is a no-op. Wall and
CPU time of this process are printed (on a shared machine the wall time also holds the
waits for other processes). Budget (chapter 6's): p95 ≤ 150 ms at the defaults.

Then the chapter's heavy calls: the phase grid, the wide-network demos and the
trainability grid (``demos_meanfield.TRAIN_SETUP``). Figures are printed, not asserted.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("MPLBACKEND", "Agg")

from initlab import demos_meanfield as D
from initlab.explorers import meanfield as E


def _p95(v):
    v = sorted(v)
    return v[min(len(v) - 1, round(0.95 * (len(v) - 1)))]


def measure(ex, name, a, b, repeats):
    ex.controls[name].value = b
    ex.controls[name].value = a          # warm-up of both values
    wall, cpu = [], []
    for i in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        ex.controls[name].value = b if i % 2 == 0 else a
        wall.append(1e3 * (time.perf_counter() - t0))
        cpu.append(1e3 * (time.process_time() - c0))
    return wall, cpu


def row(label, wall, cpu):
    print(f"{label:48s} {statistics.median(wall):8.1f} {_p95(wall):7.1f} "
          f"{statistics.median(cpu):8.1f} {_p95(cpu):7.1f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--skip-train", action="store_true")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'explorer / setting':48s} {'med ms':>8s} {'p95 ms':>7s} {'CPU med':>8s} {'CPU p95':>7s}")
    ex = E.maps_explorer()
    row("maps, defaults (σ_w² 2.5 ↔ 2.55, tanh)", *measure(ex, "sw2", 2.5, 2.55, args.repeats))
    row("maps, σ_b² 0.05 ↔ 1.5", *measure(ex, "sb2", 0.05, 1.5, args.repeats))
    ex.controls["act"].value = "relu"
    row("maps, ReLU, σ_w² 1.5 ↔ 2.5", *measure(ex, "sw2", 1.5, 2.5, args.repeats))
    t0 = time.process_time()
    ex.controls["act"].value = "tanh"
    print(f"maps: switch of activation (phase panel redrawn): CPU "
          f"{1e3 * (time.process_time() - t0):.0f} ms")
    cx = E.correlation_explorer()
    row("correlation, defaults (width 200, depth 30 ↔ 31)",
        *measure(cx, "depth", 30, 31, args.repeats))
    row("correlation, σ_w² 1.75 ↔ 3.0", *measure(cx, "sw2", 1.75, 3.0, args.repeats))
    cx.controls["width"].value = 400
    cx.controls["depth"].value = 60
    row("correlation, max: width 400, depth 60 ↔ 59", *measure(cx, "depth", 60, 59, args.repeats))
    t0 = time.process_time()
    cx.controls["width"].value = 100
    cx.controls["width"].value = 400
    print(f"correlation: new width 400 (weights regenerated): CPU "
          f"{1e3 * (time.process_time() - t0):.0f} ms")

    print("\nchapter calls (CPU s / wall s):")
    calls = [("phase_demo", D.phase_demo),
             ("backprop_demo", lambda: D.backprop_demo(width=500, depth=12, reps=2)),
             ("xavier_relu_demo", D.xavier_relu_demo),
             ("correlation_runs", D.correlation_runs)]
    if not args.skip_train:
        calls.append(("trainability_demo (the whole grid)",
                      lambda: D.trainability_demo(progress=False)))
    for label, fn in calls:
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        print(f"  {label:40s} {time.process_time() - c0:6.1f} {time.perf_counter() - t0:6.1f}",
              flush=True)


if __name__ == "__main__":
    main()
