"""Latency of one update of chapter 6's variance explorer, and the simulation's GFLOP/s.

    python benchmarks/bench_explorer.py [--repeats 20] [--blas-threads N] [--no-compare]

One update is ``Explorer.update``: ``propagate.simulate`` (forward and backward Monte
Carlo), ``propagate.theory``, the in-place redraw of the figure and its PNG encoding —
everything a slider move costs except the transport of the PNG to the browser. The
updates are timed

  warm  the weights are cached and so is the figure's static background (what moving a
        slider back to a setting seen before costs: axes, ticks and labels are reused);
  full  the weights cached, the background not (the first visit of a setting: one full
        draw of the figure); for the defaults only;
  cold  a new seed every time, so the weights are sampled too (the seed box, or the
        first visit of a width); for the defaults only.

Wall time and the CPU time of this process (``time.process_time``; on a shared machine
the wall time also holds the waits for the other processes) are printed.

The budget of the issue is p95 ≤ 150 ms at the defaults (width 256, depth 30, batch 512,
tanh + U[±1/√n_in]). Then the simulation alone is compared with plain numpy matmuls of
the same shapes (forward x_{l−1} W_l and backward δ_{l+1} W_{l+1}ᵀ, float32, into
preallocated outputs): FLOPs = 2·batch·Σ n_{l−1} n_l forward + the same without the first
layer backward; the ratio says how much of the simulation is the BLAS work itself.

The machine is shared, so the load average is printed next to the figures. OpenBLAS
uses every core by default; on a loaded machine its threads wait for each other, so the
script also reruns the defaults in a child process with OPENBLAS_NUM_THREADS=1 (skip
with --no-compare). ``--blas-threads N`` sets the thread count of this process (it must
be set before numpy is imported, which is why it is read here from sys.argv).
Figures are printed, not asserted.
"""
from __future__ import annotations

import os
import sys

if "--blas-threads" in sys.argv:               # before numpy is imported
    _n = sys.argv[sys.argv.index("--blas-threads") + 1]
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _n
os.environ.setdefault("MPLBACKEND", "Agg")

import argparse
import itertools
import statistics
import subprocess
import time

import numpy as np

from initlab.explorers.variance import variance_explorer
from initlab.numerics import propagate

DEFAULTS = {"n_in": 256, "n_out": 256, "depth": 30, "act": "tanh", "scheme": "seed_uniform",
            "batch": 512}
SETTINGS = [   # (name, overrides of DEFAULTS, also time the full and cold updates)
    ("defaults: tanh, U[±1/√n_in]", {}, True),
    ("ReLU, He normal", {"act": "relu", "scheme": "he_normal"}, False),
    ("sigmoid, Xavier normal", {"act": "sigmoid", "scheme": "xavier_normal"}, False),
    ("linear, Xavier, 256 → 32", {"act": "linear", "scheme": "xavier_normal", "n_out": 32}, False),
    ("sigmoid, constant, depth 100", {"act": "sigmoid", "scheme": "constant", "depth": 100},
     False),
    ("tanh, width 1024, depth 30", {"n_in": 1024, "n_out": 1024}, False),
]


def _p95(values) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, round(0.95 * (len(v) - 1)))]


def _blas_threads() -> str:
    return os.environ.get("OPENBLAS_NUM_THREADS", f"default ({os.cpu_count()} cores)")


def time_updates(setting: dict, repeats: int, mode: str
                 ) -> tuple[list[float], list[float], dict]:
    """Wall and CPU (process_time: this process only, the machine is shared) milliseconds
    of ``repeats`` updates (after one warm-up) and the median split of the wall time."""
    ex = variance_explorer(**setting)
    seed = ex.controls["seed"]
    base = 1000 if mode == "cold" else 0
    out, cpu, parts = [], [], {"simulate": [], "theory": [], "draw": []}
    for i in range(repeats):
        if mode == "cold":
            seed.value = base + i + 1   # the observer runs an (untimed) update ...
            propagate._CACHE.clear()    # ... so drop its weights: the timed one samples
        elif mode == "full":
            getattr(ex.figure, "_bg", {}).clear()   # no cached background: a full draw
        t0, c0 = time.perf_counter(), time.process_time()
        ex.update()
        out.append(1000 * (time.perf_counter() - t0))
        cpu.append(1000 * (time.process_time() - c0))
        for k, times in parts.items():
            times.append(1000 * ex.last_timing[k])
    return out, cpu, {k: statistics.median(v) for k, v in parts.items()}


def _shapes(setting):
    s = dict(DEFAULTS, **setting)
    return s, propagate.layer_widths(s["n_in"], s["n_out"], s["depth"])


def simulation_flops(widths, batch) -> float:
    n = np.asarray(widths, dtype=float)
    fwd = 2.0 * batch * np.sum(n[:-1] * n[1:])
    bwd = 2.0 * batch * np.sum(n[1:-1] * n[2:])      # layers 2..depth, going down
    return fwd + bwd


def matmul_runner(widths, batch):
    """A function doing the simulation's matmuls in plain numpy (float32, preallocated)."""
    rng = np.random.default_rng(0)
    n = [int(v) for v in widths]
    ws = [rng.standard_normal((a, b), dtype=np.float32) * np.float32(1 / np.sqrt(a))
          for a, b in itertools.pairwise(n)]
    assert all(w.dtype == np.float32 for w in ws)
    x = rng.standard_normal((batch, n[0]), dtype=np.float32)
    zs = [np.empty((batch, b), np.float32) for b in n[1:]]
    ds = [np.empty((batch, a), np.float32) for a in n[1:-1]]
    d_top = rng.standard_normal((batch, n[-1]), dtype=np.float32)

    def run():
        h = x
        for w, z in zip(ws, zs):
            h = np.matmul(h, w, out=z)
        d = d_top
        for i in range(len(ws) - 1, 0, -1):
            d = np.matmul(d, ws[i].T, out=ds[i - 1])

    return run


def time_sim_and_matmul(setting, repeats) -> tuple[float, float]:
    """Median seconds of ``simulate`` and of the plain matmuls, measured interleaved
    (one of each per round), so that the load of a shared machine hits both alike."""
    s, widths = _shapes(setting)
    args = {k: s[k] for k in ("act", "scheme", "n_in", "n_out", "depth", "batch")}
    mm = matmul_runner(widths, s["batch"])
    propagate.simulate(**args)                      # warm: weights cached, buffers made
    mm()
    t_sim, t_mm = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        propagate.simulate(**args)
        t1 = time.perf_counter()
        mm()
        t_mm.append(time.perf_counter() - t1)
        t_sim.append(t1 - t0)
    return statistics.median(t_sim), statistics.median(t_mm)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--blas-threads", type=int, default=None,
                    help="OpenBLAS threads of this process (default: numpy's default)")
    ap.add_argument("--no-compare", action="store_true",
                    help="do not rerun the defaults with OPENBLAS_NUM_THREADS=1")
    ap.add_argument("--only-defaults", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()

    settings = SETTINGS[:1] if args.only_defaults else SETTINGS
    print(f"Variance explorer of chapter 6: {args.repeats} updates per setting, "
          f"BLAS threads: {_blas_threads()}, load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    print(f"defaults: {DEFAULTS}")
    print("warm: the same settings again; full: also without the cached background of the "
          "figure (a first visit); cold: a new seed, the weights sampled anew")
    print(f"{'setting':32s} {'':5s} {'median ms':>9s} {'p95 ms':>7s} {'CPU med':>7s} "
          f"{'CPU p95':>7s}   {'median split: simulate / theory / draw ms'}")
    for name, over, with_cold in settings:
        setting = dict(DEFAULTS, **over)
        for mode in ("warm", "full", "cold")[:1 + 2 * with_cold]:
            t, cpu, parts = time_updates(setting, args.repeats, mode)
            split = " / ".join(f"{parts[k]:.0f}" for k in ("simulate", "theory", "draw"))
            print(f"{name if mode == 'warm' else '':32s} {mode:5s} "
                  f"{statistics.median(t):9.1f} {_p95(t):7.1f} {statistics.median(cpu):7.1f} "
                  f"{_p95(cpu):7.1f}   {split}", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f}")

    print()
    print("Simulation vs plain numpy matmul of the same shapes (float32, median times, "
          "measured interleaved)")
    print(f"{'setting':32s} {'GFLOP':>6s} {'sim ms':>7s} {'sim GFLOP/s':>11s} "
          f"{'matmul ms':>9s} {'matmul GFLOP/s':>14s} {'ratio':>6s}")
    for name, over, _ in settings:
        s, widths = _shapes(over)
        flops = simulation_flops(widths, s["batch"])
        t_sim, t_mm = time_sim_and_matmul(over, args.repeats)
        print(f"{name:32s} {flops / 1e9:6.2f} {1000 * t_sim:7.1f} {flops / t_sim / 1e9:11.1f} "
              f"{1000 * t_mm:9.1f} {flops / t_mm / 1e9:14.1f} {100 * t_mm / t_sim:5.0f} %",
              flush=True)

    if args.blas_threads is None and not args.no_compare:
        print()
        print("The defaults again in a child process with OPENBLAS_NUM_THREADS=1:", flush=True)
        subprocess.run([sys.executable, __file__, "--blas-threads", "1", "--no-compare",
                        "--only-defaults", "--repeats", str(args.repeats)], check=False)


if __name__ == "__main__":
    main()
