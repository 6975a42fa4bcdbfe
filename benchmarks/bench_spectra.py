"""Latency of the Jacobian-spectrum explorer and the execution time of its chapter.

    python benchmarks/bench_spectra.py [--repeats 20] [--no-chapter]

One update = ``Explorer.update``: ``spectra.jacobian_spectrum`` (N = 200; the weights are
cached per layer after the first visit), the histogram and its PNG encoding. Printed:
median and p95 wall time at the defaults (tanh, orthogonal, L = 20, q* = 1/64; budget
p95 ≤ 150 ms), the first (cold) update, and warm updates for every activation × weights
at the maximal depth 100 (the bounded worst case: 100 products and one SVD of 200×200). Then the chapter book/theory/03_isometry.ipynb
is executed once with nbconvert and its wall time printed. The machine is shared: the
load average is printed too. Figures are printed, not asserted.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _p95(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--no-chapter", action="store_true")
    args = ap.parse_args(argv)
    from initlab.explorers.spectra import spectrum_explorer

    print(f"load average: {os.getloadavg()}")
    t0 = time.perf_counter()
    ex = spectrum_explorer()
    print(f"cold first update (weights sampled): {1e3 * (time.perf_counter() - t0):.0f} ms")
    times = []
    for _ in range(args.repeats):
        ex.update()
        times.append(ex.last_seconds)
    print(f"defaults (tanh, orthogonal, L = 20): median {1e3 * statistics.median(times):.0f} ms, "
          f"p95 {1e3 * _p95(times):.0f} ms (budget 150 ms)")
    ex.controls["depth"].value = 100
    for act in ("linear", "tanh", "relu"):
        for w in ("gaussian", "orthogonal"):
            ex.controls["act"].value = act
            ex.controls["weights"].value = w
            ex.update()
            warm = []
            for _ in range(3):
                ex.update()
                warm.append(ex.last_seconds)
            print(f"L = 100, {act:>6}, {w:<10}: warm median {1e3 * statistics.median(warm):.0f} ms")
    if not args.no_chapter:
        nb = ROOT / "book" / "theory" / "03_isometry.ipynb"
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            rc = subprocess.call([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
                                  "--execute", str(nb), "--output-dir", tmp],
                                 cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 env=dict(os.environ, PYTHONPATH=str(ROOT)))
            print(f"chapter 03_isometry executed in {time.perf_counter() - t0:.1f} s (exit {rc})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
