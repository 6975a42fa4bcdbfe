"""``initlab bench``: run ``benchmarks/run_all.py`` of the repository (it prints the figures)."""

from __future__ import annotations

import argparse
import subprocess
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("args", nargs=argparse.REMAINDER, metavar="АРГУМЕНТЫ",
                   help="передаются в benchmarks/run_all.py")


def run(args: argparse.Namespace) -> int:
    from .authoring import find_root

    script = find_root() / "benchmarks" / "run_all.py"
    if not script.exists():
        print(f"initlab bench: нет {script}", file=sys.stderr)
        return 2
    return subprocess.call([sys.executable, str(script), *args.args], cwd=script.parent.parent)
