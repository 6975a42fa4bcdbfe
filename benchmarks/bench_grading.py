"""Grading throughput: `initlab grade` against `nbgrader autograde` on the same 40 files.

    python benchmarks/bench_grading.py [--n 40] [--master solutions/06_init.ipynb]

One nbgrader course is made in a temporary folder: the master (solutions/06_init.ipynb
when it exists, else the test fixture ``99_fix``) goes through ``nbgrader
generate_assignment``; the 40 submissions are nbgrader's release version filled in — a
quarter each correct, half correct, untouched, correct again. Then the same
``submitted/`` folder is graded by ``nbgrader autograde`` and by ``initlab grade``
(with --jobs = number of cores, and with --jobs 1), and the scores are compared.

Why `initlab grade` can be faster, at equal results:
- it runs several kernels at once (--jobs): a notebook's time is mostly a kernel's
  start-up and the imports of numpy and the checks, which are CPU-bound per process,
  so two cores grade about two notebooks at a time; nbgrader autograde runs one
  notebook after another;
- it has no database and no per-submission file shuffling (nbgrader copies each
  submission to autograded/, runs a chain of preprocessors — clear output, overwrite
  cells, check metadata, execute, limit output, save grades in SQLite, late penalties —
  and writes the executed notebook back);
- one kernel per notebook and nothing else: the grader builds the notebook to run in
  memory and reads the scores from the kernel's replies.
The figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from gradefix import (
    ASSIGNMENT,
    _env,
    make_master,
    nbgrader,
    nbgrader_course,
    nbgrader_scores,
    solutions_of,
)


def _answers(master, n: int) -> dict[str, dict | None]:
    correct = solutions_of(master)
    half = dict(list(correct.items())[: max(1, len(correct) // 2)])
    kinds = [correct, half, None, correct]
    return {f"student{i:02d}": kinds[i % 4] for i in range(n)}


def _initlab(base: Path, submitted: Path, masters: Path, jobs: int) -> tuple[float, dict]:
    out = base / f"initlab-{jobs}"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "initlab.grading", str(submitted), "--out", str(out),
           "--masters", str(masters), "--jobs", str(jobs), "--no-progress"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, check=False, env=_env(base), capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    with open(out / "grades.csv", newline="", encoding="utf-8-sig") as f:
        totals = {r["student"]: float(r["total"]) for r in csv.DictReader(f)}
    return seconds, totals


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=40, help="number of submissions (40)")
    p.add_argument("--master", type=Path, default=ROOT / "solutions" / "06_init.ipynb")
    args = p.parse_args()

    if args.master.exists():
        master = nbformat.read(str(args.master), as_version=4)
        assignment = master.metadata.get("initlab", {}).get("assignment") or args.master.stem
    else:
        master, assignment = make_master(), ASSIGNMENT
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        base = Path(tmp)
        submitted = nbgrader_course(base, _answers(master, args.n), master, assignment)
        masters = base / "course" / "source" / assignment

        t0 = time.perf_counter()
        nbgrader(base, "autograde", assignment, "--force")
        t_nbgrader = time.perf_counter() - t0
        theirs = {s: sum(v for v in g.values() if v is not None)
                  for s, g in nbgrader_scores(base, assignment).items()}

        t_ours, ours = _initlab(base, submitted, masters, cores)
        t_one, ours_one = _initlab(base, submitted, masters, 1)

    same = ours == theirs == ours_one
    print(f"Проверка {args.n} работ задания «{assignment}» на {cores} ядрах")
    print(f"  nbgrader autograde           {t_nbgrader:7.1f} с")
    print(f"  initlab grade --jobs {cores:<2}       {t_ours:7.1f} с   "
          f"(в {t_nbgrader / t_ours:.1f} раза быстрее)")
    print(f"  initlab grade --jobs 1        {t_one:7.1f} с   "
          f"(в {t_nbgrader / t_one:.1f} раза быстрее)")
    print(f"  баллы совпадают: {'да' if same else 'НЕТ'}")
    if not same:
        for s in sorted(theirs):
            if ours.get(s) != theirs[s]:
                print(f"    {s}: nbgrader {theirs[s]}, initlab {ours.get(s)}")


if __name__ == "__main__":
    main()
