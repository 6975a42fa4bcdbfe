"""Seconds of a full book build from clean, with the execution of every notebook.

    python benchmarks/bench_book.py [--twice] [--keep]

The repository's files — what git tracks plus untracked files that are not ignored, i.e.
a fresh clone with the working tree's current contents — are copied into a temporary
folder without ``_build/`` (so no execution cache), ``.venv/`` or ``.git/``. The
installed dependencies are reused, not reinstalled: the build runs this repository's
``.venv`` (``jupyter-book`` next to the running Python), and ``node_modules/`` (the
offline browser assets, when installed) is linked into the copy. ``PYTHONPATH`` points
at the copy, so the notebooks' kernels import the copy's ``initlab``.

The command is the Makefile's ``make book``: ``jupyter-book build . -W -n --keep-going``
(warnings are errors, every notebook executed). ``--twice`` builds a second time in the
same copy to show the cached rebuild; ``--keep`` keeps the copy and prints its path.
The figures are printed, not asserted; the exit status is the build's.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".git", ".venv", "_build", "node_modules", "__pycache__", ".pytest_cache",
             ".ruff_cache", ".ipynb_checkpoints", "test-artifacts", ".notes"}


def repo_files() -> list[Path]:
    """Tracked and untracked-but-not-ignored files (relative paths)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT, check=True, capture_output=True).stdout
        files = [Path(p.decode()) for p in out.split(b"\0") if p]
        return [p for p in files if (ROOT / p).is_file()]   # deleted but still tracked
    except (OSError, subprocess.CalledProcessError):
        files = []
        for dirpath, dirnames, filenames in os.walk(ROOT):
            dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS
                           and not d.endswith(".egg-info")]
            files += [Path(dirpath, f).relative_to(ROOT) for f in filenames]
        return files


def copy_repo(dest: Path) -> int:
    files = repo_files()
    for rel in files:
        if rel.parts and rel.parts[0] in SKIP_DIRS:
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    if (ROOT / "node_modules").is_dir():
        (dest / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    return len(files)


def jupyter_book() -> str:
    for cand in (Path(sys.executable).parent / "jupyter-book",
                 ROOT / ".venv" / "bin" / "jupyter-book"):
        if cand.exists():
            return str(cand)
    found = shutil.which("jupyter-book")
    if not found:
        raise SystemExit("bench_book: jupyter-book not found (run `make book` once)")
    return found


def build(copy: Path, env: dict) -> tuple[float, subprocess.CompletedProcess]:
    cmd = [jupyter_book(), "build", ".", "-W", "-n", "--keep-going"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, check=False, cwd=copy, env=env, capture_output=True,
                          text=True)
    return time.perf_counter() - t0, proc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--twice", action="store_true", help="also time a cached rebuild")
    ap.add_argument("--keep", action="store_true", help="keep the temporary copy")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-book-"))
    copy = tmp / "repo"
    copy.mkdir()
    try:
        n_files = copy_repo(copy)
        env = dict(os.environ, MPLBACKEND="Agg", PYDEVD_DISABLE_FILE_VALIDATION="1",
                   PYTHONPATH=os.pathsep.join(
                       [str(copy), *filter(None, [os.environ.get("PYTHONPATH")])]))
        notebooks = sorted(p.relative_to(copy) for p in copy.glob("book/**/*.ipynb"))
        print(f"Book build from clean: {n_files} files copied to {copy}; "
              f"{len(notebooks)} notebooks to execute; load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
        seconds, proc = build(copy, env)
        ok = proc.returncode == 0 and (copy / "_build" / "html" / "index.html").exists()
        print(f"  jupyter-book build -W -n (clean, with execution): {seconds:7.1f} s  "
              f"{'ok' if ok else f'FAILED (exit {proc.returncode})'}")
        if not ok:
            print((proc.stdout + proc.stderr)[-4000:], file=sys.stderr)
            return proc.returncode or 1
        if args.twice:
            seconds2, proc2 = build(copy, env)
            print(f"  rebuild with the execution cache:                 {seconds2:7.1f} s  "
                  f"{'ok' if proc2.returncode == 0 else 'FAILED'}")
        return 0
    finally:
        if args.keep:
            print(f"  the copy is kept in {copy}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
