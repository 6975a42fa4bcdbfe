"""Every explorer of the book: one update at the defaults and at the maximum settings, and
the peak memory of a kernel that shows it at the maximum settings.

    python benchmarks/bench_explorers.py [--repeats 6] [NAME ...]

Each explorer runs in its own process (its peak resident memory, ``ru_maxrss``, is the
kernel's cost of that explorer alone). An update is ``Explorer.update``: numerics, the
in-place redraw, PNG encoding. «theory» is the variance explorer's quick picture while a
slider is dragged. Wall and CPU milliseconds (the machine is shared: the CPU time of the
process is the steadier figure). Budgets (issue #15): theory-only ≤ 30 ms, p95 ≤ 150 ms
at the defaults and ≤ 300 ms at the maximum settings, peak memory ≤ 500 MB. Figures are
printed, not asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("MPLBACKEND", "Agg")

#: name -> (module, factory, defaults, (control, values to alternate) at the defaults,
#:          maximum settings (kwargs of the factory), (control, values) at the maximum)
CASES = {
    "variance": ("variance", "variance_explorer", {}, ("seed", [1, 2]),
                 {"n_in": 1024, "n_out": 1024, "depth": 100, "batch": 1024}, ("seed", [1, 2])),
    "xor": ("networks", "xor_explorer", {}, ("seed", [1, 2]),
            {"width": 16}, ("seed", [1, 2])),
    "approx": ("networks", "approx_explorer", {}, ("n", [9, 8]),
               {"n": 128, "lstsq": True}, ("n", [127, 128])),
    "gradient": ("networks", "gradient_explorer", {}, ("scale", [1.25, 1.0]),
                 {"depth": 60}, ("scale", [1.25, 1.0])),
    "clipping": ("networks", "clipping_explorer", {}, ("c", [2.1, 2.0]),
                 {"lr": 0.3}, ("c", [0.2, 0.1])),
    "resnet": ("networks", "resnet_explorer", {}, ("depth", [31, 30]),
               {"depth": 80}, ("depth", [79, 80])),
    "dropout": ("training", "dropout_explorer", {}, ("p", [0.55, 0.5]),
                {"p": 0.9}, ("p", [0.85, 0.9])),
    "bn": ("training", "bn_explorer", {}, ("scale", [3.25, 3.0]),
           {"depth": 50}, ("scale", [3.25, 3.0])),
    "pruning": ("training", "pruning_explorer", {}, ("fraction", [0.55, 0.5]),
                {"fraction": 0.95}, ("fraction", [0.9, 0.95])),
    "normal": ("normal", "explorer", {}, ("seed", [1, 2]),
               {"k": 40, "n": 50000, "key": "pm_scaled"}, ("seed", [1, 2])),
}


def _time(explorer, control, values, repeats):
    wall, cpu = [], []
    w = explorer.controls[control]
    for i in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        w.value = values[i % len(values)]        # the observer updates
        wall.append(1000 * (time.perf_counter() - w0))
        cpu.append(1000 * (time.process_time() - c0))
    return wall, cpu


def _p95(v):
    return sorted(v)[max(0, round(0.95 * len(v)) - 1)]


def one(name: str, repeats: int) -> dict:
    import importlib
    import resource

    from initlab.figures.style import png_scaled

    mod, factory, defaults, (c0, v0), maximum, (c1, v1) = CASES[name]
    make = getattr(importlib.import_module(f"initlab.explorers.{mod}"), factory)
    out = {}
    e = make(**defaults)
    out["default"] = _time(e, c0, v0, repeats)
    if name == "variance":                       # the quick picture alone
        w, c = [], []
        for _ in range(repeats):
            w0, t0 = time.perf_counter(), time.process_time()
            png_scaled(e.quick(**e.values())[0], e.scale, e.figure)
            w.append(1000 * (time.perf_counter() - w0))
            c.append(1000 * (time.process_time() - t0))
        out["theory"] = (w, c)
    e = make(**maximum)
    out["maximum"] = _time(e, c1, v1, max(3, repeats // 2))
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="*")
    ap.add_argument("--repeats", type=int, default=6)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one, args.repeats)))
        return 0
    names = args.names or list(CASES)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'explorer':10s} {'setting':8s} {'med ms':>7s} {'p95 ms':>7s} {'CPU med':>8s} "
          f"{'CPU p95':>8s}   peak RSS MB")
    for name in names:
        res = subprocess.run([sys.executable, __file__, "--one", name, "--repeats",
                              str(args.repeats)], capture_output=True, text=True, check=False,
                             env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
        if res.returncode:
            print(f"{name:10s} FAILED: {res.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(res.stdout.strip().splitlines()[-1])
        for key in ("theory", "default", "maximum"):
            if key not in r:
                continue
            wall, cpu = r[key]
            rss = f"   {r['rss_mb']:.0f}" if key == "maximum" else ""
            print(f"{name:10s} {key:8s} {statistics.median(wall):7.0f} {_p95(wall):7.0f} "
                  f"{statistics.median(cpu):8.0f} {_p95(cpu):8.0f}{rss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
