"""The static figures of every chapter are pixel-identical to the recorded golden hashes.

Regenerate after an intended change of the pictures (a new dpi, a reworded title):
``python -m tests.golden --update [book/…/NN_slug.ipynb …]`` (see tests/golden/__main__.py).
"""
import pytest

from tests.golden import NOTEBOOKS, check


@pytest.mark.slow
@pytest.mark.parametrize("nb", NOTEBOOKS)
def test_static_figures_match_the_golden_hashes(nb):
    assert check(nb) == []
