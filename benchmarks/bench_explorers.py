"""Every explorer of the book: one update at the defaults and at the maximum settings, and
the peak memory of a kernel that shows it at the maximum settings.

    python benchmarks/bench_explorers.py [--repeats 6] [NAME ...]

Every explorer of the book: variance (chapter 6), the small networks (xor, approx,
gradient, clipping, resnet), dropout, bn, pruning, normal, fluct (fluctuations), mf-maps and
mf-corr (order and chaos), spectra, residual. Each explorer runs in its own process (its
peak resident memory, ``ru_maxrss``, is the kernel's cost of that explorer alone). An update
is ``Explorer.update``: numerics, the in-place redraw, PNG encoding. Rows: «theory» is the
variance explorer's quick picture while a slider is dragged; «default» alternates two values
of a control at the defaults (after the first two updates the figure's static parts are
cached); «sweep» moves a control to six new values (``SWEEPS``: new axis limits, the static
parts drawn afresh); «maximum» alternates two values at the factory's largest slider
settings (the costliest drop-down values). Wall and CPU milliseconds (the machine is shared:
the CPU time of the process is the steadier figure). Budgets (issue #15): theory-only
≤ 30 ms, p95 ≤ 150 ms at the defaults and ≤ 300 ms at the maximum settings, peak memory
≤ 500 MB. Figures are printed, not asserted.
"""
from __future__ import annotations

import argparse
import functools
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
    # the same at the maximum with Gaussian and with ±1 weights (other samplers, see
    # initlab.numerics.propagate: the default scheme above is uniform)
    "variance-he": ("variance", "variance_explorer", {"scheme": "he_normal"}, ("seed", [1, 2]),
                    {"n_in": 1024, "n_out": 1024, "depth": 100, "batch": 1024,
                     "scheme": "he_normal"}, ("seed", [1, 2])),
    "variance-pm1": ("variance", "variance_explorer", {"scheme": "pm1", "act": "linear"},
                     ("seed", [1, 2]), {"n_in": 1024, "n_out": 1024, "depth": 100,
                                        "batch": 1024, "scheme": "pm1"}, ("seed", [1, 2])),
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
    "fluct": ("fluctuations", "fluctuation_explorer", {}, ("depth", [33, 32]),
              {"width": 256, "depth": 200, "networks": 4000}, ("depth", [199, 200])),
    "mf-maps": ("meanfield", "maps_explorer", {}, ("sw2", [2.55, 2.5]),
                {"sw2": 4.5, "sb2": 2.0, "act": "relu"}, ("sw2", [4.45, 4.5])),
    "mf-corr": ("meanfield", "correlation_explorer", {}, ("depth", [31, 30]),
                {"width": 400, "depth": 60}, ("depth", [59, 60])),
    "spectra": ("spectra", "spectrum_explorer", {}, ("depth", [21, 20]),
                {"depth": 100, "weights": "gaussian"}, ("depth", [99, 100])),
    "residual": ("residual", "residual_explorer", {}, ("depth", [31, 30]),
                 {"depth": 100}, ("depth", [99, 100])),
}

#: name -> (control, values) at the defaults, each value visited once: a slider dragged to
#: new places, where the axis limits change and the cached static parts are missed («sweep»)
def _six(first, step=1):
    return [round(first + k * step, 2) for k in range(6)]


SWEEPS = {
    "xor": ("width", [3, 5, 6, 7, 8, 9]),
    "approx": ("n", _six(10)),
    "gradient": ("depth", _six(21)),
    "clipping": ("c", _six(2.1, 0.1)),
    "resnet": ("depth", _six(31)),
    "dropout": ("p", _six(0.55, 0.05)),
    "bn": ("depth", _six(21)),
    "pruning": ("fraction", _six(0.55, 0.05)),
    "fluct": ("depth", _six(33)),
    "mf-maps": ("sw2", _six(2.6, 0.2)),
    "mf-corr": ("depth", _six(31)),
    "spectra": ("depth", _six(21)),
    "residual": ("depth", _six(31)),
}


def _timed(actions):
    """(wall ms, CPU ms) of each zero-argument call of ``actions``."""
    wall, cpu = [], []
    for act in actions:
        w0, c0 = time.perf_counter(), time.process_time()
        act()
        wall.append(1000 * (time.perf_counter() - w0))
        cpu.append(1000 * (time.process_time() - c0))
    return wall, cpu


def _time(explorer, control, values, repeats):
    """Set ``control`` to ``values`` in turn ``repeats`` times (the observer updates)."""
    w = explorer.controls[control]
    return _timed(functools.partial(setattr, w, "value", values[i % len(values)])
                  for i in range(repeats))


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
        def quick(values):
            return lambda: png_scaled(e.quick(**values)[0], e.scale, e.figure)
        out["theory"] = _timed(quick(e.values()) for _ in range(repeats))
        # dragging the depth slider: 30 → 100
        out["drag"] = _timed(quick(e.values() | {"depth": d}) for d in range(31, 101))
    if name in SWEEPS:
        control, values = SWEEPS[name]
        out["sweep"] = _time(make(**defaults), control, values, len(values))
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
        for key in ("theory", "drag", "default", "sweep", "maximum"):
            if key not in r:
                continue
            wall, cpu = r[key]
            rss = f"   {r['rss_mb']:.0f}" if key == "maximum" else ""
            print(f"{name:10s} {key:8s} {statistics.median(wall):7.0f} {_p95(wall):7.0f} "
                  f"{statistics.median(cpu):8.0f} {_p95(cpu):8.0f}{rss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
