"""Golden hashes of the static figures of every chapter.

    python -m tests.golden --update [notebook ...]   record tests/golden/<name>.json
    python -m tests.golden [notebook ...]            compare, exit 1 on a difference

Each book notebook is executed (fixed seeds are in the notebooks) and the sha256 of every
``image/png`` output of a cell WITHOUT a widget is stored in order. Explorer cells are left
out: their image is a live view, not a static figure. Regenerate after an intended change of
the pictures (e.g. a new dpi) with ``--update``; ``tests/test_golden.py`` runs the comparison
(marked slow).
"""
from __future__ import annotations

import sys

from . import NOTEBOOKS, check, record


def main(argv: list[str]) -> int:
    update = "--update" in argv
    names = [a for a in argv if not a.startswith("--")] or NOTEBOOKS
    bad = 0
    for nb in names:
        if update:
            record(nb)
            print("recorded", nb)
        else:
            diff = check(nb)
            bad += bool(diff)
            print(nb, "OK" if not diff else f"DIFFERENT: {diff}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
