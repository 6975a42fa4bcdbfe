"""Self-check fixes of issue #11 with the student answers reported there: a check after a
failed answer cell, tolerances that follow the arithmetic, rounded answers the book
prints, statistical checks that cannot fail a correct sampler forever, wrong hints."""

from __future__ import annotations

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell

from initlab import checks
from initlab.checks import core, lectures1, lectures2
from initlab.checks.core import CheckFailed

ch06, ch07 = checks.ch06, checks.ch07


def failure(fn, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        fn(*args, **kwargs)
    return str(info.value)


# ------------------------------------------------------- a failed answer cell

@pytest.fixture
def shell():
    ip = InteractiveShell.instance()
    core.watch_cells()
    core._WATCH.failed.clear()
    yield ip
    core._WATCH.failed.clear()


def _run(ip, source):
    result = ip.run_cell(source, silent=False)
    return result.error_before_exec or result.error_in_exec


@pytest.mark.parametrize("broken, error", [
    ("var_w = 1 / (3 * nin)", "NameError"),
    ("var_w = 0,0013", "SyntaxError"),
])
def test_check_after_a_failed_answer_cell_says_so(shell, broken, error):
    assert _run(shell, "from initlab import checks\nvar_w = 1 / 768") is None
    assert isinstance(_run(shell, broken), Exception)
    err = _run(shell, "checks.ch06.uniform_variance(var_w)")  # var_w is still 1/768
    assert isinstance(err, CheckFailed)
    assert str(err).startswith("Ячейка, в которой задаётся `var_w`, завершилась ошибкой")
    assert error in str(err) and "Верно" not in str(err)
    if "," in broken:
        assert "0.0013, а не 0,0013" in str(err)
    assert _run(shell, "var_w = 1 / 768") is None  # fixed: the check judges again
    assert _run(shell, "checks.ch06.uniform_variance(var_w)") is None


def test_a_failed_unrelated_cell_does_not_block_the_check(shell):
    _run(shell, "from initlab import checks\nvar_w = 1 / 768")
    assert isinstance(_run(shell, "other = 1 / 0"), ZeroDivisionError)
    assert _run(shell, "checks.ch06.uniform_variance(var_w)") is None


def test_a_failed_function_cell_is_noticed(shell):
    _run(shell, "from initlab import checks\nimport numpy as np\n"
                "def he_normal(rng, n_in, n_out):\n"
                "    return rng.normal(0, np.sqrt(2 / n_in), size=(n_in, n_out))")
    assert isinstance(_run(shell, "def he_normal(rng, n_in, n_out):\n    return rng.normal(0, "),
                      SyntaxError)
    err = _run(shell, "checks.ch06.he_normal(he_normal)")
    assert isinstance(err, CheckFailed) and "`he_normal`" in str(err)
