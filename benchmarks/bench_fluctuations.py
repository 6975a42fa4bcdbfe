"""Latency of the fluctuation explorer and execution time of its chapter.

    python benchmarks/bench_fluctuations.py [--repeats 20] [--no-chapter]

One update = ``Explorer.render_png`` (simulation of the networks, exact law, figure, PNG),
timed at the defaults (width 64, depth 32, ReLU, He, 1000 networks) and at the maximum
settings (width 256, depth 200, 4000 networks asked; the panel caps the cost at
``demos_fluctuations.MAX_COST`` draws). Budget of the issue: p95 ≤ 150 ms at the defaults.
Then the chapter book/theory/01_fluctuations.ipynb is executed once with nbclient.
Figures are printed, not asserted; the load average is printed next to them.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parent.parent


def _time(explorer, repeats):
    out, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        explorer.render_png()
        out.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    out.sort()
    cpu.sort()
    k = min(len(out) - 1, int(0.95 * len(out)))
    return statistics.median(out), out[k], statistics.median(cpu), cpu[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--no-chapter", action="store_true")
    args = ap.parse_args()
    from initlab.explorers.fluctuations import fluctuation_explorer
    print(f"load average: {os.getloadavg()}")
    e = fluctuation_explorer()
    med, p95, cmed, cp95 = _time(e, args.repeats)
    print(f"explorer, defaults:      wall median {1000 * med:.0f} ms, p95 {1000 * p95:.0f} ms;"
          f" CPU median {1000 * cmed:.0f} ms, p95 {1000 * cp95:.0f} ms")
    for name, value in (("width", 256), ("depth", 200), ("networks", 4000)):
        e.controls[name].value = value
    med, p95, cmed, cp95 = _time(e, max(5, args.repeats // 2))
    print(f"explorer, max settings:  wall median {1000 * med:.0f} ms, p95 {1000 * p95:.0f} ms;"
          f" CPU median {1000 * cmed:.0f} ms, p95 {1000 * cp95:.0f} ms")
    if not args.no_chapter:
        import nbformat
        from nbclient import NotebookClient
        nb = nbformat.read(ROOT / "book/theory/01_fluctuations.ipynb", as_version=4)
        t0 = time.perf_counter()
        cpu0 = os.times()
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(ROOT)}}).execute()
        cpu1 = os.times()
        print(f"chapter execution: {time.perf_counter() - t0:.1f} s wall, "
              f"{cpu1.children_user - cpu0.children_user:.1f} s CPU of children")


if __name__ == "__main__":
    main()
