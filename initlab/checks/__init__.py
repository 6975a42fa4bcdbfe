"""Self-checks that students call from the exercises: ``checks.ch06.uniform_variance(x)``.

``core`` holds the machinery (``CheckFailed``, validators); each assignment has its own
module (``ch06``, ``ch07``, ``lectures1`` … and topic names such as ``order_chaos`` for the
later chapters), imported lazily on first attribute access, so a new assignment only adds
``initlab/checks/<name>.py``. The names of existing modules are stable: handed-out notebooks
call them.
"""

from __future__ import annotations

import importlib
import re

from .core import CheckFailed

__all__ = ["CheckFailed", "core"]

_MODULE = re.compile(r"(?!core$)[a-z][a-z0-9_]*")


def __getattr__(name: str):
    if _MODULE.fullmatch(name):
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    from pathlib import Path

    here = Path(__file__).parent
    mods = sorted(p.stem for p in here.glob("*.py") if _MODULE.fullmatch(p.stem))
    return sorted(set(globals()) | set(mods))
