"""Run every ``benchmarks/bench_*.py`` in turn and let each print its figures.

    python benchmarks/run_all.py [NAME ...] [--skip NAME ...]

NAME selects the scripts whose file name contains it (e.g. ``explorer`` or ``book``);
without NAME all of them run, in alphabetical order, each in its own process (so one
script's imports, caches or BLAS settings do not affect the next). The output of each
script goes straight to this one's stdout/stderr. The exit status is 1 if any script
failed; the others still run.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def scripts(names=(), skip=()) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    if names:
        found = [p for p in found if any(n in p.name for n in names)]
    return [p for p in found if not any(s in p.name for s in skip)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="run only scripts whose name contains one")
    ap.add_argument("--skip", nargs="*", default=[], help="skip scripts whose name contains one")
    args = ap.parse_args(argv)
    todo = scripts(args.names, args.skip)
    if not todo:
        print("run_all: no benchmark matches", file=sys.stderr)
        return 2
    env = dict(os.environ, MPLBACKEND=os.environ.get("MPLBACKEND", "Agg"))
    failed = []
    for path in todo:
        print(f"\n=== {path.relative_to(ROOT)} ===", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, str(path)], cwd=ROOT, env=env)
        dt = time.perf_counter() - t0
        status = "ok" if rc == 0 else f"FAILED (exit {rc})"
        print(f"=== {path.name}: {status}, {dt:.1f} s ===", flush=True)
        if rc != 0:
            failed.append(path.name)
    if failed:
        print(f"\nrun_all: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
