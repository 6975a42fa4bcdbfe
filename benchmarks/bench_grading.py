"""Grading throughput: `initlab grade` (sandboxed) against `nbgrader autograde` on the same
40 files, and the sandbox's own cost.

    python benchmarks/bench_grading.py [--n 40] [--jobs 2]

One nbgrader course is made in a temporary folder from solutions/06_init.ipynb (``nbgrader
generate_assignment``); the submissions are nbgrader's release version filled in — a
quarter each correct, half correct, untouched, correct with a helper cell. The same
``submitted/`` folder is graded by ``nbgrader autograde`` (one notebook after another), by
``initlab grade --jobs N`` in its bubblewrap sandbox, and by ``initlab grade --jobs N
--no-sandbox``; the scores are compared. The sandbox's overhead per notebook is
(sandboxed − unsandboxed wall time) × jobs / n: the extra kernel-seconds one notebook costs.

Why `initlab grade` is faster at equal results: several kernels at once (a notebook's time
is mostly a kernel's start-up and the imports of numpy and the checks); no database and no
per-submission file shuffling; the judge runs in the grader's process on the probes' data.
The figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from gradefix import (
    ASSIGNMENT,
    _env,
    helper_cells,
    nbgrader,
    nbgrader_course,
    nbgrader_scores,
)


def _students(n: int) -> dict[str, tuple]:
    half = {"t1-answer": "var_w = 1 / 256", "t6-answer": "xavier_uniform = None",
            "t9-answer": "he_normal = None"}
    kinds = [(None, [], False), (half, [], False), (None, [], True), (None, [helper_cells], False)]
    return {f"student{i:02d}": kinds[i % 4] for i in range(n)}


def _initlab(base: Path, submitted: Path, masters: Path, jobs: int, *extra: str):
    out = base / f"initlab-{jobs}-{len(extra)}"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "initlab.grading", str(submitted), "--out", str(out),
           "--masters", str(masters), "--jobs", str(jobs), "--no-progress", *extra]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, check=False, env=_env(), capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    with open(out / "grades.csv", newline="", encoding="utf-8-sig") as f:
        totals = {r["student"]: float(r["total"]) for r in csv.DictReader(f)}
    return seconds, totals


def _overhead(pairs: int) -> tuple[float, float]:
    """Median seconds of a one-cell run without and with the sandbox (interleaved)."""
    import asyncio
    import statistics

    from initlab.grading.assemble import RunCell
    from initlab.grading.execute import execute
    from initlab.grading.sandbox import Limits, copy_package

    times: dict[bool, list[float]] = {False: [], True: []}
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        lib = copy_package(Path(tmp) / "lib")
        for i in range(2 * pairs):
            sandbox = bool(i % 2)
            base = Path(tmp) / f"run{i}"
            (base / "src").mkdir(parents=True)
            cells = [RunCell("code", "from initlab import checks\nx = 1")]
            t0 = time.perf_counter()
            status, _ = asyncio.run(execute(cells, base, base / "src", lib, Limits(), sandbox))
            times[sandbox].append(time.perf_counter() - t0)
            assert status == "ok" and cells[0].state == "ok", (status, cells[0].outputs)
    return statistics.median(times[False]), statistics.median(times[True])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=40, help="number of submissions (40)")
    p.add_argument("--jobs", type=int, default=2, help="initlab grade --jobs (2)")
    p.add_argument("--pairs", type=int, default=6, help="pairs for the sandbox overhead (6)")
    args = p.parse_args()
    t_plain, t_boxed = _overhead(args.pairs)
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        base = Path(tmp)
        submitted = nbgrader_course(base, _students(args.n))
        masters = base / "course" / "source" / ASSIGNMENT
        t0 = time.perf_counter()
        nbgrader(base, "autograde", ASSIGNMENT, "--force")
        t_nbgrader = time.perf_counter() - t0
        theirs = {s: sum(v for v in g.values() if v is not None)
                  for s, g in nbgrader_scores(base).items()}
        t_box, ours = _initlab(base, submitted, masters, args.jobs)
        t_open, ours_open = _initlab(base, submitted, masters, args.jobs, "--no-sandbox")

    same = ours == theirs == ours_open
    print(f"Проверка {args.n} работ задания «{ASSIGNMENT}», --jobs {args.jobs}")
    print(f"  nbgrader autograde                   {t_nbgrader:7.1f} с")
    print(f"  initlab grade (песочница)            {t_box:7.1f} с   "
          f"(в {t_nbgrader / t_box:.1f} раза быстрее nbgrader)")
    print(f"  initlab grade --no-sandbox           {t_open:7.1f} с")
    print(f"  одна ячейка в ядре: без песочницы {t_plain:.2f} с, в песочнице {t_boxed:.2f} с "
          f"(медианы {args.pairs} пар)")
    print(f"  цена песочницы на один ноутбук       {t_boxed - t_plain:7.2f} с")
    print(f"  баллы совпадают: {'да' if same else 'НЕТ'}")
    if not same:
        for s in sorted(theirs):
            if ours.get(s) != theirs[s] or ours_open.get(s) != theirs[s]:
                print(f"    {s}: nbgrader {theirs[s]}, initlab {ours.get(s)} / {ours_open.get(s)}")


if __name__ == "__main__":
    main()
