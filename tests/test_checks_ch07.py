"""The self-checks of assignment 07: right answers pass; wrong, missing and malformed ones
get the documented Russian messages."""

from __future__ import annotations

import fractions
import math

import numpy as np
import pytest
from scipy import stats

from initlab import checks
from initlab.checks.core import CheckFailed
from initlab.numerics import exact_normal as en

ch07 = checks.ch07


def failure(fn, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_lazy_module():
    assert checks.ch07 is ch07
    assert "ch07" in dir(checks)


# --------------------------------------------------------------------- numbers

def test_task_numbers_agree_with_the_package():
    """The constants of the checks are those of exact_normal's constructions."""
    assert en.parameters("pm1", ch07.SIGMA2_PM, ch07.K_PM)["bias_var"] == 4
    p = en.seed_bernoulli_p(ch07.SIGMA2_BERN, ch07.K_BERN)
    assert p == 0.5
    assert en.exact_moments("seed_bernoulli", ch07.SIGMA2_BERN, ch07.K_BERN)["var"] == 1.75
    assert en.parameters("pm_split", ch07.SIGMA2_SMALL, ch07.K_SMALL)["c"] == pytest.approx(
        2 / math.sqrt(17))
    assert en.problem("pm1", ch07.SIGMA2_SMALL, ch07.K_SMALL) is not None  # σ² < k
    assert en.parameters("chi3", 20.0, 4, ch07.A)["weight_var"] == 0.75


RIGHT_NUMBERS = [
    (ch07.pm1_bias_variance, 20 - 16),
    (ch07.pm1_bias_variance, fractions.Fraction(4)),
    (ch07.bernoulli_variance, 3 * 0.5 + 1 / 4),
    (ch07.bernoulli_variance, np.float32(1.75)),
    (ch07.scaled_weight, math.sqrt(4 / 17)),
    (ch07.scaled_weight, 2 / math.sqrt(17)),
    (ch07.maxwell_variance, 3 / 2**2),
    (ch07.maxwell_variance, [0.75]),
]


@pytest.mark.parametrize("check,value", RIGHT_NUMBERS)
def test_right_numbers_pass(check, value, capsys):
    assert check(value) is None
    assert capsys.readouterr().out.startswith("Верно! ")


@pytest.mark.parametrize("check,name", [
    (ch07.pm1_bias_variance, "var_b"), (ch07.bernoulli_variance, "var_h"),
    (ch07.scaled_weight, "c"), (ch07.maxwell_variance, "var_w"),
])
@pytest.mark.parametrize("value", [..., None])
def test_missing_answer(check, name, value):
    assert failure(check, value) == (
        f"Ответ ещё не введён: замените … своим ответом в переменной `{name}`.")


@pytest.mark.parametrize("value,start", [
    ("4", "Ожидалось число, а получена строка '4'."),
    (True, "Ожидалось число, а получено логическое значение True."),
    ([1, 2], "Ожидалось одно число, а получен массив из 2 элементов."),
    (float("nan"), "Ответ — NaN (не число)"),
    (math.inf, "Ответ бесконечен (inf)"),
    (2j, "Ожидалось вещественное число, а получено комплексное"),
])
def test_malformed_numbers_are_explained(value, start):
    assert failure(ch07.pm1_bias_variance, value).startswith(start)


@pytest.mark.parametrize("check,value,hint", [
    (ch07.pm1_bias_variance, 20 - 16 / 4, "Это ответ наивной конструкции: в ней Var w = 0,25"),
    (ch07.pm1_bias_variance, 20 / 17, "Это s = σ²/(k + 1)"),
    (ch07.pm1_bias_variance, -4, "Знак перепутан"),
    (ch07.pm1_bias_variance, 2, "Это стандартное отклонение смещения"),
    (ch07.bernoulli_variance, 1, "На это рассчитана конструкция из условия"),
    (ch07.bernoulli_variance, 3 * 0.25 + 0.25, "Здесь использовано Var(x·w) = Var x · Var w"),
    (ch07.maxwell_variance, math.inf, "Ответ бесконечен (inf)"),
    (ch07.bernoulli_variance, 1.5, "Не забудьте дисперсию смещения"),
    (ch07.scaled_weight, 4 / 17, "Это c², дисперсия веса"),
    (ch07.scaled_weight, 0.5, "Это c при b = 0"),
    (ch07.scaled_weight, 1, "С весами ±1 дисперсия выхода не меньше k = 16"),
    (ch07.maxwell_variance, 1.5, "Делить на a нужно в квадрате"),
    (ch07.maxwell_variance, 3, "Не забудьте множитель 1/a"),
    (ch07.maxwell_variance, 0.25, "E R² — это не 1"),
    (ch07.maxwell_variance, math.sqrt(3) / 2, "Это стандартное отклонение"),
])
def test_typical_mistakes_get_targeted_hints(check, value, hint):
    message = failure(check, value)
    assert message.startswith(("Неверно: ", "Ответ бесконечен")) and hint in message


def test_other_wrong_numbers_get_the_general_hint():
    assert failure(ch07.pm1_bias_variance, 7) == (
        "Неверно: `var_b` = 7. Каждое слагаемое x_j·w_j при w_j = ±1 в точности равно "
        "±x_j ~ N(0, 1), поэтому Var h = k · 1 + Var b.")
    assert failure(ch07.scaled_weight, 0.4862).startswith("Почти верно, но неточно: `c` = 0.4862")


# -------------------------------------------------------------------- samplers

def maxwell_ok(rng, n_in, n_out):
    s = rng.choice([-1.0, 1.0], size=(n_in, n_out))
    return s * np.sqrt(rng.chisquare(3, size=(n_in, n_out))) / ch07.A


def maxwell_normals(rng, n_in, n_out):
    """R as the length of a normal vector of R³: also right."""
    z = rng.standard_normal((n_in, n_out, 3))
    s = 2.0 * rng.integers(0, 2, size=(n_in, n_out)) - 1.0
    return s * np.linalg.norm(z, axis=-1) / ch07.A


def test_right_samplers_pass(capsys):
    ch07.maxwell_weights(maxwell_ok)
    ch07.maxwell_weights(maxwell_ok, thorough=True)
    ch07.maxwell_weights(maxwell_normals)
    ch07.maxwell_weights(lambda rng, n_in, n_out: maxwell_ok(rng, n_in, n_out).tolist())
    out = capsys.readouterr().out
    assert out.count("Верно! ") == 4 and out.count("\n") == 4  # one line per check


def test_maxwell_sampler_is_calibrated():
    """No false alarms for a right sampler at further seeds (the bounds are 5 SE / 10⁻⁴)."""
    for seed in range(15):
        ch07._moments_check(maxwell_ok, [(64, 64)], seed, ch07.A)
        ch07._product_check(maxwell_ok, "m", 64, 64, seed, z=5.0)


def test_sampler_stub_and_not_a_function():
    def stub(rng, n_in, n_out):
        ...  # ваше решение

    assert failure(ch07.maxwell_weights, stub).startswith(
        "Ответ ещё не введён: функция `maxwell_weights` возвращает None")
    assert failure(ch07.maxwell_weights, ...).startswith("Ответ ещё не введён")
    assert failure(ch07.maxwell_weights, 3.0).startswith(
        "`maxwell_weights` должна быть функцией")


@pytest.mark.parametrize("sampler,part", [
    (lambda rng, n_in, n_out: rng.normal(0, math.sqrt(3) / 2, (n_in, n_out)),
     "Похоже, веса нормальные"),
    (lambda rng, n_in, n_out: np.abs(maxwell_ok(rng, n_in, n_out)),
     "Неверно: среднее весов при n_in = 64, n_out = 128"),
    (lambda rng, n_in, n_out: maxwell_ok(rng, n_in, n_out) * ch07.A,
     "Не забудьте поделить на a"),
    (lambda rng, n_in, n_out: maxwell_ok(rng, n_in, n_out) ** 2 * np.sign(
        maxwell_ok(rng, n_in, n_out)) * ch07.A,
     "вместо R ~ χ₃ взят R² ~ χ²₃"),
    (lambda rng, n_in, n_out: rng.standard_normal((n_in, n_out)) / ch07.A,
     "R ~ N(0, 1) или |N(0, 1)|"),
    (lambda rng, n_in, n_out: rng.uniform(-1.5, 1.5, (n_in, n_out)),
     "произведения x·w при x ~ U[0, 2] не похожи на N(0, 1)"),
    (lambda rng, n_in, n_out: maxwell_ok(rng, n_out, n_in),
     "вернула массив формы (128, 64), а нужна форма (64, 128)"),
    (lambda rng, n_in, n_out: maxwell_ok(np.random.default_rng(), n_in, n_out),
     "зависит не только от переданного генератора rng"),
    (lambda rng, n_in, n_out: np.full((n_in, n_out), np.inf),
     "вернула NaN или бесконечные значения"),
])
def test_wrong_samplers(sampler, part):
    message = failure(ch07.maxwell_weights, sampler)
    assert part in message, message
    assert "Traceback" not in message


def test_seeds_quotient_weights_fail():
    """The seed's Z/Y weights: infinite variance, the check says so in numbers."""
    def quotient(rng, n_in, n_out):
        return en.sample_seed_quotient(rng, (n_in, n_out), ch07.A)

    assert failure(ch07.maxwell_weights, quotient).startswith("Неверно: ")


# ---------------------------------------------------------------- KS statistic

def ks_ok(h, sigma2):
    x = np.sort(np.asarray(h, dtype=float))
    n = x.size
    F = stats.norm.cdf(x, scale=math.sqrt(sigma2))
    i = np.arange(1, n + 1)
    return max(np.max(i / n - F), np.max(F - (i - 1) / n))


def test_right_ks_passes(capsys):
    ch07.ks_statistic(ks_ok)
    ch07.ks_statistic(ks_ok, thorough=True)
    ch07.ks_statistic(lambda h, s2: stats.kstest(h, "norm", args=(0, math.sqrt(s2))).statistic)
    assert capsys.readouterr().out.count("Верно! ") == 3


@pytest.mark.parametrize("fn,part", [
    (lambda h, s2: np.max(np.arange(1, h.size + 1) / h.size
                          - stats.norm.cdf(np.sort(h), scale=math.sqrt(s2))),
     "Сравните Φ с обоими значениями"),
    (lambda h, s2: ks_ok(h, s2 ** 2), "в scale передана дисперсия σ²"),
    (lambda h, s2: ks_ok(h, s2) + 0.01, "Отсортируйте выборку"),
    (lambda h, s2: None, "Ответ ещё не введён: функция `ks_statistic` возвращает None"),
    (lambda h, s2: np.ones(3), "должна вернуть одно число"),
    (lambda h, s2: "D", "должна вернуть одно число"),
    (lambda h, s2: math.inf, "вернула inf"),
    (lambda h, s2: h.undefined, "возникла ошибка AttributeError"),
])
def test_wrong_ks(fn, part):
    message = failure(ch07.ks_statistic, fn)
    assert part in message, message
    assert message.startswith(("Неверно: ", "Ответ ещё не введён", "`ks_statistic(",
                               "При вызове"))


def test_ks_check_does_not_let_the_sample_be_modified():
    def sorts_in_place(h, s2):
        h.sort()
        return ks_ok(h, s2)

    ch07.ks_statistic(sorts_in_place)  # it gets a copy: still right


@pytest.mark.parametrize("ddof", [0, 1])
def test_ks_with_the_samples_own_std_gets_told_to_use_sigma2(ddof):
    """The review: D computed with the sample's std (0,03364 instead of 0,03391) must hear
    «используйте sigma2, а не выборочное стандартное отклонение»."""
    def own_std(h, sigma2):
        return stats.kstest(h, stats.norm(scale=np.std(h, ddof=ddof)).cdf).statistic

    msg = failure(ch07.ks_statistic, own_std)
    assert "используйте sigma2, а не выборочное стандартное отклонение" in msg
