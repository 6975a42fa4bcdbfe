"""The self-checks: right answers pass; wrong, missing and malformed ones get the
documented Russian messages; in a real kernel only the message is shown."""

from __future__ import annotations

import decimal
import fractions
import math

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from initlab import checks
from initlab.checks import core
from initlab.checks.core import CheckFailed

ch06 = checks.ch06


def failure(fn, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        fn(*args, **kwargs)
    return str(info.value)


# ----------------------------------------------------------------- CheckFailed

def test_checkfailed_is_an_assertion_error_with_only_its_message():
    exc = CheckFailed("Неверно: первая строка.\nВторая строка.")
    assert isinstance(exc, AssertionError)
    assert str(exc) == "Неверно: первая строка.\nВторая строка."
    assert exc._render_traceback_() == ["Неверно: первая строка.", "Вторая строка."]


def test_lazy_chapter_modules():
    assert checks.ch06 is ch06
    assert checks.CheckFailed is CheckFailed
    with pytest.raises(AttributeError):
        checks.ch99  # noqa: B018
    with pytest.raises(AttributeError):
        checks.nothing  # noqa: B018
    assert "ch06" in dir(checks)


# --------------------------------------------------------------------- numbers

RIGHT_NUMBERS = [
    (ch06.uniform_variance, 1 / (3 * 256)),
    (ch06.uniform_variance, (2 / math.sqrt(256)) ** 2 / 12),
    (ch06.layer_ratio, 1 / 3),
    (ch06.uniform_bound, math.sqrt(3) / 16),
    (ch06.normal_variance, 1 / 256),
    (ch06.xavier_variance, 2 / (256 + 128)),
    (ch06.relu_zero_probability, 0.5),
    (ch06.relu_dead_probability, 2**-10),
]


@pytest.mark.parametrize("check,value", RIGHT_NUMBERS)
def test_right_numbers_pass(check, value, capsys):
    assert check(value) is None  # a check returns None (never partial credit by accident)
    assert capsys.readouterr().out.startswith("Верно! ")


@pytest.mark.parametrize("value", [
    fractions.Fraction(1, 768), np.float32(1 / 768), np.float64(1 / 768),
    np.array(1 / 768), np.array([1 / 768]), [1 / 768], decimal.Decimal(1) / decimal.Decimal(768),
])
def test_numbers_of_other_types_are_accepted(value, capsys):
    ch06.uniform_variance(value)
    assert capsys.readouterr().out.startswith("Верно! ")


def test_integers_are_numbers(capsys):
    ch06.relu_zero_probability(fractions.Fraction(1, 2))
    ch06.relu_dead_probability(np.int64(0) + 2.0**-10)
    core.check_number(3, 3.0, name="x", success="три.")
    assert capsys.readouterr().out.count("Верно!") == 3


@pytest.mark.parametrize("value", [..., None])
def test_missing_answer(value):
    assert failure(ch06.uniform_variance, value) == (
        "Ответ ещё не введён: замените … своим ответом в переменной `var_w`.")


@pytest.mark.parametrize("value,start", [
    ("1/768", "Ожидалось число, а получена строка '1/768'."),
    (True, "Ожидалось число, а получено логическое значение True."),
    (np.bool_(False), "Ожидалось число, а получено логическое значение False."),
    ([1, 2, 3], "Ожидалось одно число, а получен массив из 3 элементов."),
    (np.ones((2, 2)), "Ожидалось одно число, а получен массив из 4 элементов (форма (2, 2))."),
    ([], "Ожидалось одно число, а получен массив из 0 элементов."),
    ([[1], [2, 3]], "Ожидалось одно число, а получен массив из 2 элементов."),
    (float("nan"), "Ответ — NaN (не число)"),
    (np.nan, "Ответ — NaN (не число)"),
    (float("inf"), "Ответ бесконечен (inf)"),
    (-np.inf, "Ответ бесконечен (inf)"),
    (1j, "Ожидалось вещественное число, а получено комплексное"),
    (object(), "Ожидалось число, а получен объект типа object."),
    ({"a": 1}, "Ожидалось число, а получен объект типа dict."),
])
def test_malformed_numbers_are_explained(value, start):
    message = failure(ch06.uniform_variance, value)
    assert message.startswith(start)
    assert "Traceback" not in message


def test_wrong_number_gets_the_general_hint():
    assert failure(ch06.uniform_variance, 0.5) == (
        "Неверно: `var_w` = 0.5. Вспомните, что дисперсия U[a, b] равна (b − a)²/12.")


@pytest.mark.parametrize("check,value,hint", [
    (ch06.uniform_variance, 1 / 256, "Это 1/n_in"),
    (ch06.uniform_variance, 1 / (12 * 256), "Длина отрезка [−1/√n_in, 1/√n_in] равна 2/√n_in"),
    (ch06.uniform_variance, 1 / math.sqrt(768), "Это стандартное отклонение"),
    (ch06.layer_ratio, 3, "Дисперсия убывает, а не растёт"),
    (ch06.uniform_bound, 1 / 16, "Это граница Маши"),
    (ch06.uniform_bound, 3 / 16, "Дисперсию нужно увеличить в 3 раза"),
    (ch06.normal_variance, 1 / 16, "Это стандартное отклонение σ = 1/√n_in"),
    (ch06.normal_variance, 2 / 256, "2/n_in — это инициализация Хе"),
    (ch06.xavier_variance, 1 / 256, "Это условие только прямого прохода"),
    (ch06.xavier_variance, 1 / 128, "Это условие только обратного прохода"),
    (ch06.relu_zero_probability, 2**-10, "Это вероятность того, что все 10 весов отрицательны"),
    (ch06.relu_dead_probability, 0.5, "Это вероятность нулевого выхода при одном"),
    (ch06.relu_dead_probability, 1 - 2**-10, "Это вероятность противоположного события"),
])
def test_typical_mistakes_get_targeted_hints(check, value, hint):
    message = failure(check, value)
    assert message.startswith("Неверно: ")
    assert hint in message


def test_rounded_answer_is_almost_right():
    assert failure(ch06.uniform_variance, 0.0013).startswith(
        "Почти верно, но неточно: `var_w` = 0.0013 — видимо, это округлённое значение.")


def test_probability_outside_unit_interval():
    assert failure(ch06.relu_zero_probability, 2) == (
        "Вероятность должна лежать между 0 и 1, а получено `p_zero` = 2.")
    assert failure(ch06.relu_dead_probability, -0.1).startswith(
        "Вероятность должна лежать между 0 и 1")


# ---------------------------------------------------------------------- arrays

def test_check_array(capsys):
    core.check_array([1.0, 2.0], np.array([1.0, 2.0]), name="v", success="да.")
    assert capsys.readouterr().out == "Верно! да.\n"
    assert failure(core.check_array, [1.0, 2.0, 3.0], [1.0, 2.0], name="v", success="") == (
        "Ожидался массив формы (2,), а получен массив формы (3,).")
    assert failure(core.check_array, [1.0, np.nan], [1.0, 2.0], name="v", success="") == (
        "В массиве `v` есть NaN или бесконечные значения (первое — в позиции 1).")
    assert failure(core.check_array, ["a", "b"], [1.0, 2.0], name="v", success="").startswith(
        "`v` должен быть массивом чисел")
    assert failure(core.check_array, [True, False], [1.0, 2.0], name="v", success="").startswith(
        "`v` — массив логических значений")
    assert failure(core.check_array, [1.0, 5.0], [1.0, 2.0], name="v", success="",
                   hint="Подсказка.") == (
        "Неверно: в `v` не совпадает 1 из 2 элементов (например, в позиции 1: 5 вместо 2). "
        "Подсказка.")
    assert failure(core.check_array, ..., [1.0], name="v", success="").startswith(
        "Ответ ещё не введён")


# -------------------------------------------------------------------- samplers

def xavier_ok(rng, n_in, n_out):
    a = math.sqrt(6 / (n_in + n_out))
    return rng.uniform(-a, a, size=(n_in, n_out))


def he_ok(rng, n_in, n_out):
    return rng.normal(0.0, math.sqrt(2 / n_in), size=(n_in, n_out))


def he_float32(rng, n_in, n_out):
    return (rng.standard_normal((n_in, n_out), dtype=np.float32)
            * np.float32(math.sqrt(2 / n_in)))


def test_right_samplers_pass(capsys):
    ch06.xavier_uniform(xavier_ok)
    ch06.xavier_uniform(xavier_ok, thorough=True)
    ch06.he_normal(he_ok)
    ch06.he_normal(he_ok, thorough=True)
    ch06.he_normal(he_float32)
    ch06.he_normal(lambda rng, n_in, n_out: he_ok(rng, n_in, n_out).tolist())  # a list is fine
    out = capsys.readouterr().out
    assert out.count("Верно! ") == 6


def test_sampler_stub_is_missing():
    def stub(rng, n_in, n_out):
        ...  # ваше решение

    def not_implemented(rng, n_in, n_out):
        raise NotImplementedError()

    expected = ("Ответ ещё не введён: функция `he_normal` возвращает None — замените … в её "
                "теле своим решением (и не забудьте return).")
    assert failure(ch06.he_normal, stub) == expected
    assert failure(ch06.he_normal, not_implemented) == expected
    assert failure(ch06.he_normal, ...) == (
        "Ответ ещё не введён: замените … своим ответом в переменной `he_normal`.")


def test_sampler_that_raises_is_explained_without_traceback():
    def broken(rng, n_in, n_out):
        return rng.normal(0, math.sqrt(2 / n_in), size=(n_in, n_out)) @ np.ones(3)

    message = failure(ch06.he_normal, broken)
    assert message.startswith("При вызове `he_normal(rng, 256, 128)` возникла ошибка ValueError")
    assert message.endswith("Исправьте функцию и заново выполните ячейку с ней.")
    assert failure(ch06.he_normal, lambda rng, n_in, n_out: 1 / 0) == (
        "При вызове `he_normal(rng, 256, 128)` возникла ошибка ZeroDivisionError: division by "
        "zero. Исправьте функцию и заново выполните ячейку с ней.")


def test_sampler_not_a_function():
    assert failure(ch06.xavier_uniform, 3).startswith(
        "`xavier_uniform` должна быть функцией, а получен объект типа int.")


@pytest.mark.parametrize("sampler,start", [
    (lambda rng, n_in, n_out: xavier_ok(rng, n_out, n_in),
     "`xavier_uniform(rng, 256, 128)` вернула массив формы (128, 256), а нужна форма (256, 128)"),
    (lambda rng, n_in, n_out: xavier_ok(rng, n_in, n_out).ravel(),
     "`xavier_uniform(rng, 256, 128)` вернула массив формы (32768,)"),
    (lambda rng, n_in, n_out: rng.integers(-1, 2, size=(n_in, n_out)),
     "`xavier_uniform(rng, 256, 128)` вернула целые числа (int64)"),
    (lambda rng, n_in, n_out: xavier_ok(rng, n_in, n_out) > 0,
     "`xavier_uniform(rng, 256, 128)` вернула целые числа (bool)"),
    (lambda rng, n_in, n_out: np.full((n_in, n_out), np.nan),
     "`xavier_uniform(rng, 256, 128)` вернула NaN или бесконечные значения"),
    (lambda rng, n_in, n_out: "weights",
     "`xavier_uniform(rng, 256, 128)` должна вернуть массив numpy с числами"),
    (lambda rng, n_in, n_out: np.zeros((n_in, n_out)),
     "Неверно: `xavier_uniform(rng, 256, 128)` вернула одинаковые веса."),
    (lambda rng, n_in, n_out: np.random.default_rng().uniform(-1, 1, (n_in, n_out)),
     "Результат `xavier_uniform` зависит не только от переданного генератора rng"),
    (lambda rng, n_in, n_out: xavier_ok(rng, n_in, n_out) + 0.01,
     "Неверно: среднее весов при n_in = 256, n_out = 128 равно"),
    (lambda rng, n_in, n_out: rng.normal(0, math.sqrt(2 / (n_in + n_out)), (n_in, n_out)),
     "Неверно: распределение весов не похоже на равномерное"),
])
def test_malformed_or_wrong_xavier_samplers(sampler, start):
    assert failure(ch06.xavier_uniform, sampler).startswith(start)


def test_wrong_variance_of_a_sampler_gets_a_hint():
    def he_with_variance_as_scale(rng, n_in, n_out):
        return rng.normal(0, 2 / n_in, size=(n_in, n_out))

    message = failure(ch06.he_normal, he_with_variance_as_scale)
    assert message.startswith("Неверно: дисперсия весов при n_in = 256, n_out = 128 получилась "
                              "около ")
    assert "принимает стандартное отклонение" in message

    def xavier_with_sigma_as_bound(rng, n_in, n_out):
        s = math.sqrt(2 / (n_in + n_out))
        return rng.uniform(-s, s, size=(n_in, n_out))

    assert "Граница a равна √(3σ²)" in failure(ch06.xavier_uniform, xavier_with_sigma_as_bound)
    assert "Это дисперсия Ксавье" in failure(
        ch06.he_normal,
        lambda rng, n_in, n_out: rng.normal(0, math.sqrt(2 / (n_in + n_out)), (n_in, n_out)))


def test_uniform_sampler_must_be_uniform():
    """The right variance but a uniform law: the He check asks for a normal one."""
    def he_uniform(rng, n_in, n_out):
        a = math.sqrt(6 / n_in)
        return rng.uniform(-a, a, size=(n_in, n_out))

    assert failure(ch06.he_normal, he_uniform).startswith(
        "Неверно: распределение весов не похоже на нормальное")


def test_thorough_checks_catch_what_the_visible_one_misses():
    """A sampler that special-cases the visible shapes fails the hidden tests."""
    def cheat(rng, n_in, n_out):
        if (n_in, n_out) in [(256, 128), (100, 300)]:
            return xavier_ok(rng, n_in, n_out)
        return rng.uniform(-1, 1, size=(n_in, n_out))

    ch06.xavier_uniform(cheat)
    assert failure(ch06.xavier_uniform, cheat, thorough=True).startswith("Неверно: ")


def test_sampler_checks_are_calibrated():
    """False alarms are rare: 5 standard errors at 40 further seeds pass a right sampler."""
    for seed in range(40):
        core.check_sampler(xavier_ok, name="x", cases=[(64, 32)], seed=seed, kind="uniform",
                           variance=lambda n_in, n_out: 2 / (n_in + n_out), success="")
        core.check_sampler(he_ok, name="h", cases=[(32, 64)], seed=seed, kind="normal",
                           variance=lambda n_in, n_out: 2 / n_in, success="")


# ------------------------------------------------------------- a real kernel

@pytest.mark.slow
def test_kernel_shows_only_the_russian_message():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from initlab import checks\nvar_w = ..."),
        nbformat.v4.new_code_cell("checks.ch06.uniform_variance(var_w)"),
        nbformat.v4.new_code_cell("checks.ch06.he_normal(lambda rng, n_in, n_out: 1 / 0)"),
        nbformat.v4.new_code_cell("checks.ch06.uniform_variance(1 / 768)"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    NotebookClient(nb, timeout=60, allow_errors=True, kernel_name="python3").execute()
    first, second, third = (c.outputs for c in nb.cells[1:])
    for outputs, message in [
        (first, "Ответ ещё не введён: замените … своим ответом в переменной `var_w`."),
        (second, ("При вызове `he_normal(rng, 256, 128)` возникла ошибка ZeroDivisionError: "
                  "division by zero. Исправьте функцию и заново выполните ячейку с ней.")),
    ]:
        [error] = outputs
        assert error.output_type == "error"
        assert error.ename == "CheckFailed"
        assert error.evalue == message
        assert error.traceback == [message]  # no frames, no "Traceback", no ANSI colours
    [ok] = third
    assert ok.output_type == "stream" and ok.text.startswith("Верно! ")


@pytest.mark.parametrize("value", [1 / (3 * 128), 2 / 768])
def test_uniform_variance_targets_n_out_and_a_factor_two(value):
    """The review's answers: 1/(3·128) (n_out instead of n_in) and 2/768 (a factor 2) —
    the same number 1/384 — get a hint naming both slips, not the generic «(b − a)²/12»."""
    with pytest.raises(CheckFailed) as err:
        checks.ch06.uniform_variance(value)
    msg = str(err.value)
    assert msg.startswith("Неверно:") and "(b − a)²/12" not in msg
    assert "n_in = 256, а не выходов" in msg and "лишний множитель 2" in msg
