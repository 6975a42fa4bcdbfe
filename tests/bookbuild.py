"""The book built once per test process (a helper, not a test module).

``build()`` runs ``jupyter-book build . -W -n --keep-going`` from scratch (``_build`` is
removed first, so every notebook is executed with the current package: the execution cache
is keyed by the notebook alone) unless ``INITLAB_BOOK_FRESH=1`` says ``_build`` is already
up to date. ``tests/test_browser.py`` opens its HTML; ``tests/test_golden.py`` hashes the
figures of its executed notebooks (``_build/jupyter_execute``), so each chapter runs once
for both. Under pytest-xdist both modules go to one worker (``tests/conftest.py``).

``INITLAB_BOOK_ROOT`` builds a copy of the book elsewhere (e.g. with a temporary
``_toc.yml``); it defaults to the repository root.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BOOK_ROOT = Path(os.environ.get("INITLAB_BOOK_ROOT", REPO)).resolve()
BUILD = BOOK_ROOT / "_build"
HTML_DIR = BUILD / "html"
EXECUTED = BUILD / "jupyter_execute"


def _jupyter_book() -> str:
    exe = Path(sys.executable).with_name("jupyter-book")
    return str(exe) if exe.exists() else "jupyter-book"


@functools.cache
def _build() -> str:
    """'' when built, else why not (a failure is remembered too: one build per process)."""
    if os.environ.get("INITLAB_BOOK_FRESH") != "1":
        shutil.rmtree(BUILD, ignore_errors=True)
        env = dict(os.environ, MPLBACKEND="Agg", PYDEVD_DISABLE_FILE_VALIDATION="1")
        proc = subprocess.run(
            [_jupyter_book(), "build", ".", "-W", "-n", "--keep-going"],
            cwd=BOOK_ROOT, env=env, capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0:
            return "jupyter-book build failed:\n" + (proc.stdout + proc.stderr)[-6000:]
    if not (HTML_DIR / "index.html").exists():
        return f"no built book in {HTML_DIR}"
    return ""


def build() -> Path:
    """``_build`` of the book (built here unless INITLAB_BOOK_FRESH=1); fails the test
    that asks for it when the build failed."""
    problem = _build()
    assert not problem, problem
    return BUILD
