"""Timings of the chapter «Остаточные и нормализованные сети; инициализация по данным».

    python benchmarks/bench_residual.py [--no-chapter]

Printed (not asserted): the explorer's redraw at the default settings (p50/p95 over 20
redraws, cycling the three activations at depth 30) and at the maximum depth (100, every
scheme and activation, the maximum); the demos of the chapter (wall and CPU time); the
execution of the whole notebook through nbclient (skipped with ``--no-chapter``).
Budget: explorer p95 ≤ 150 ms at the defaults, training demo < 30 s, chapter < 60 s.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _t(fn):
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def bench_explorer():
    from initlab.explorers.residual import MAX_DEPTH, residual_explorer
    e = residual_explorer()
    ts, cs = [], []
    for i in range(20):
        c = time.process_time()
        e.controls["act"].value = ("relu", "tanh", "linear")[i % 3]
        cs.append(time.process_time() - c)
        ts.append(e.last_seconds)
    print(f"explorer, defaults (depth 30): wall p50 {1e3 * np.median(ts):.0f} ms, "
          f"p95 {1e3 * np.percentile(ts, 95):.0f} ms; CPU p50 {1e3 * np.median(cs):.0f} ms, "
          f"p95 {1e3 * np.percentile(cs, 95):.0f} ms")
    worst = 0.0
    e.controls["depth"].value = MAX_DEPTH
    for scheme in ("plain", "he", "scaled", "zero"):
        for act in ("relu", "tanh", "linear"):
            e.controls["scheme"].value, e.controls["act"].value = scheme, act
            worst = max(worst, e.last_seconds)
    print(f"explorer, depth {MAX_DEPTH}: max {1e3 * worst:.0f} ms over 12 settings")


def bench_demos():
    from initlab import demos_residual as D
    for name, fn in [("profiles_demo", D.profiles_demo),
                     ("training_demo (3 seeds × 4 schemes + linear)",
                      lambda: D.training_demo(progress=False)),
                     ("bn_demo", D.bn_demo), ("lsuv_demo", D.lsuv_demo)]:
        w, c = _t(fn)
        print(f"{name}: {w:.1f} s wall, {c:.1f} s CPU")


def bench_chapter():
    import nbformat
    from nbclient import NotebookClient
    path = ROOT / "book" / "theory" / "04_residual_init.ipynb"
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    w, _ = _t(client.execute)
    print(f"chapter 04_residual_init executed in {w:.1f} s (incl. kernel start)")


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-chapter", action="store_true")
    args = ap.parse_args(argv)
    print(f"load average: {os.getloadavg()[0]:.2f}")
    bench_explorer()
    bench_demos()
    if not args.no_chapter:
        bench_chapter()


if __name__ == "__main__":
    main()
