"""The static figures of every chapter are pixel-identical to the recorded golden hashes.

The figures are those of the book build (``tests/bookbuild.py``, shared with
``tests/test_browser.py``: each chapter is executed once for both, from scratch, in
``_build/jupyter_execute``); a notebook the build did not execute (not in ``_toc.yml``, or
a book built from another root) is executed here.

Regenerate after an intended change of the pictures (a new dpi, a reworded title):
``python -m tests.golden --update [book/…/NN_slug.ipynb …]`` (see tests/golden/__main__.py).
"""
import nbformat
import pytest
from bookbuild import BOOK_ROOT, EXECUTED, REPO, build

from tests.golden import NOTEBOOKS, check


@pytest.fixture(scope="module")
def executed_dir():
    if BOOK_ROOT != REPO:
        return None
    build()
    return EXECUTED


@pytest.mark.slow
@pytest.mark.parametrize("nb", NOTEBOOKS)
def test_static_figures_match_the_golden_hashes(nb, executed_dir):
    path = executed_dir / nb if executed_dir is not None else None
    executed = nbformat.read(path, as_version=4) if path is not None and path.is_file() else None
    assert check(nb, executed) == []
