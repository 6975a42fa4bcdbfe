"""The self-checks of exercises/02_lectures.ipynb (initlab.checks.lectures2) and the fixes
of the review: float32 answers, a decimal comma, off-by-one hints, capitalised successes."""

from __future__ import annotations

import numpy as np
import pytest

from initlab.checks import lectures1 as L1
from initlab.checks import lectures2 as L2
from initlab.checks.core import CheckFailed, as_number


def failure(fn, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        fn(*args, **kwargs)
    return str(info.value)


def dropout64(x, p, rng):
    return x * (rng.random(x.shape) >= p) / (1 - p)


def dropout32(x, p, rng):
    """A correct answer computed in float32 (as in a float32 framework)."""
    x32 = np.asarray(x, np.float32)
    mask = (rng.random(x.shape) >= p).astype(np.float32)
    return x32 * mask / np.float32(1 - p)


@pytest.mark.parametrize("fn", [dropout64, dropout32])
@pytest.mark.parametrize("thorough", [False, True])
def test_right_dropout_passes_in_float64_and_float32(fn, thorough, capsys):
    L2.dropout(fn, thorough=thorough)
    out = capsys.readouterr().out
    assert out.startswith("Верно! Инвертированный дропаут")


def test_dropout_without_division_is_still_caught():
    msg = failure(L2.dropout, lambda x, p, rng: x * (rng.random(x.shape) >= p))
    assert "не поделены на 1 − p" in msg
    msg = failure(L2.dropout, lambda x, p, rng: x * (rng.random(x.shape) >= p) * (1 - p))
    assert "инвертированный дропаут" in msg and "обратный" not in msg


def test_decimal_comma_is_explained():
    mean = 2,4  # the student's decimal comma: a tuple
    msg = failure(L2.dropout_mean, mean)
    assert "2,4 в Python — не дробь, а пара (2, 4)" in msg and "`mean = 2.4`" in msg
    assert "массив из 2 элементов" in failure(as_number, (2.0, 4.0), "x")
    assert "массив из 2 элементов" in failure(as_number, [2, 4], "x")


def test_dropout_mean_right_and_capitalised(capsys):
    L2.dropout_mean(2.4)
    assert capsys.readouterr().out.startswith("Верно! Без деления")


@pytest.mark.parametrize("var_w, expect", [(2 / 255, "не 255"), (2 / 257, "не 257")])
def test_off_by_one_variance_gets_its_hint(var_w, expect):
    msg = failure(L2.relu_init_variance, var_w)
    assert "Ошибка на единицу" in msg and expect in msg and "округлённое" not in msg


def test_init_messages_use_russian_names(capsys):
    L2.relu_init_variance(2 / 256)
    L2.xavier_ratio_30(0.5 ** 30)
    out = capsys.readouterr().out
    assert "Инициализация Хе" in out and "Ксавье" in out
    assert "Xavier" not in out and " He" not in out
    assert "Ксавье" in failure(L2.relu_init_variance, 1 / 256)


def test_sigmoid_bound_messages(capsys):
    msg = failure(L1.sigmoid_bound, 5.0 ** 10)
    assert "0,25, а не 2,5" in msg and "конспект" not in msg
    L1.sigmoid_bound(1 / 1024)
    out = capsys.readouterr().out
    assert out.startswith("Верно! Каждый слой") and "≈ 0,001" in out


def test_batchnorm_by_rows_is_named_layer_normalisation():
    def by_rows(X, gamma, beta, eps):
        return gamma * (X - X.mean(axis=1, keepdims=True)) / np.sqrt(
            X.var(axis=1, keepdims=True) + eps) + beta
    msg = failure(L2.batchnorm, by_rows)
    assert "нормализация слоя" in msg and "axis=0" in msg
