"""The self-checks of exercises/03_lectures.ipynb (initlab.checks.lectures3): correct answers
in several forms pass, typical mistakes get their targeted Russian hints, missing and malformed
answers are recognised. Expected values are derived independently here (closed forms, finite
differences, a constrained minimisation for OBS)."""

from __future__ import annotations

import decimal
import fractions
import math

import numpy as np
import pytest

from initlab.checks import lectures3 as L3
from initlab.checks.core import MISSING, CheckFailed, decode, encode


def failure(fn, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        fn(*args, **kwargs)
    return str(info.value)


def passes(check, answer, capsys, **options):
    assert check(answer, **options) is None
    assert capsys.readouterr().out.startswith("Верно! ")


def rejected(check, answer, fragment):
    """The check rejects ``answer`` with a message containing ``fragment``, and the grader's
    probe/judge split gives the same message."""
    msg = failure(check, answer)
    assert fragment in msg, (answer, msg)
    with pytest.raises(CheckFailed) as info:
        judged(check, answer)
    assert str(info.value) == msg


def judged(check, answer, **options):
    """The verdict through the probe/judge split (as ``initlab grade`` does it)."""
    return check.judge(decode(encode(check.probe(answer, **options))))


# ------------------------------------------------------------- closed forms

def test_closed_forms_by_quadrature():
    """max σ′ = 1/4, max tanh′ = 1, E ReLU′² = 1/2, E ReLU² = 1/2, E leaky² = (1 + α²)/2."""
    from scipy import integrate, stats

    x = np.linspace(-10, 10, 200_001)
    sig = 1 / (1 + np.exp(-x))
    assert abs((sig * (1 - sig)).max() - 0.25) < 1e-12
    assert abs((1 - np.tanh(x) ** 2).max() - 1.0) < 1e-12
    pdf = stats.norm.pdf
    assert abs(integrate.quad(lambda z: pdf(z), 0, np.inf)[0] - 0.5) < 1e-12
    a = L3.ALPHA
    leaky2 = integrate.quad(lambda z: z * z * pdf(z), 0, np.inf)[0] \
        + integrate.quad(lambda z: a * a * z * z * pdf(z), -np.inf, 0)[0]
    assert abs(leaky2 - (1 + a * a) / 2) < 1e-10


NUMBER_CASES = [
    (L3.sigmoid_prime_max, [0.25, 1 / 4, fractions.Fraction(1, 4), np.float32(0.25),
                            np.array(0.25), [0.25], decimal.Decimal("0.25")],
     [(0.5, "σ(0) = 1/2"), (1.0, "максимум tanh′"), (0.125, "Лишний множитель 1/2"),
      (0.3, "округлённое"), (0.2, "p(1 − p)"), ("1/4", "строка"), (..., MISSING),
      (True, "логическое")]),
    (L3.tanh_prime_max, [1, 1.0, np.float32(1), np.int64(1), fractions.Fraction(4, 4),
                         1 - np.tanh(0.0) ** 2],
     [(0.25, "максимум σ′"), (0.5, "tanh(0) = 0"), (2.0, "Лишний множитель 2"),
      (0.9, "1 − tanh²"), (float("nan"), "NaN"), (None, MISSING)]),
    (L3.relu_prime_moment, [0.5, 1 / 2, fractions.Fraction(1, 2), np.float32(0.5),
                            np.array([0.5]), decimal.Decimal("0.5")],
     [(1.0, "половина значений"), (0.25, "(1/2)²"), (1 / (2 * math.pi), "вероятность"),
      (2.0, "множитель Хе"), (0.3, "0 и 1"), (float("inf"), "бесконечен")]),
    (L3.he_variance, [2 / 300, 1 / 150, fractions.Fraction(2, 300), np.float32(2 / 300),
                      np.float64(2) / 300, math.sqrt(2 / 300) ** 2],
     [(2 / 100, "n_out"), (1 / 300, "Забыт множитель 2"), (2 / 400, "Ксавье"),
      (math.sqrt(2 / 300), "стандартное отклонение"), (1 / 400, "n_in"),
      (0.0067, "Почти верно"), (np.array([2 / 300, 1.0]), "массив")]),
    (L3.gain_relu, [math.sqrt(2), 2 ** 0.5, np.sqrt(2), np.float32(np.sqrt(2)),
                    1 / math.sqrt(0.5), decimal.Decimal(2).sqrt()],
     [(2.0, "Это g²"), (1 / math.sqrt(2), "1/g"), (0.5, "E ReLU(z)²"),
      (1.414, "округлённое"), (1.0, "g² · E f(z)² = 1"), (1j, "комплексное")]),
    (L3.gain_leaky, [math.sqrt(2 / (1 + 0.1 ** 2)), math.sqrt(2 / 1.01),
                     np.float32(np.sqrt(2 / 1.01)), 1 / math.sqrt((1 + 0.01) / 2),
                     math.sqrt(200 / 101), float(fractions.Fraction(200, 101)) ** 0.5],
     [(math.sqrt(2 / 1.1), "α², а не α"), (2 / 1.01, "Это g²"), (math.sqrt(2), "усиление ReLU"),
      (math.sqrt(1 / 1.01), "Забыт множитель 2"), (math.sqrt(1.01 / 2), "1/√(E f(z)²)"),
      (1.407, "округлённое")]),
]


@pytest.mark.parametrize("check,rights,wrongs", NUMBER_CASES,
                         ids=[c[0].__name__ for c in NUMBER_CASES])
def test_number_checks(check, rights, wrongs, capsys):
    assert len(rights) >= 5 and len(wrongs) >= 5
    for answer in rights:
        passes(check, answer, capsys)
        assert judged(check, answer)
    for answer, fragment in wrongs:
        rejected(check, answer, fragment)


# --------------------------------------------------------------------- leaky

def _leaky_where(z, alpha):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * z), np.where(z > 0, 1.0, alpha)


def _leaky_max(z, alpha):            # valid for alpha < 1
    return np.maximum(z, alpha * z), [1.0 if v > 0 else alpha for v in np.ravel(z)] and \
        (np.asarray(z) > 0) * (1 - alpha) + alpha


def _leaky_inplace(z, alpha):        # changes z in place: allowed
    d = np.where(z > 0, 1.0, alpha)
    z *= d
    return z, d


def _leaky_float32(z, alpha):
    z = np.asarray(z, dtype=np.float32)
    return np.where(z > 0, z, np.float32(alpha) * z), np.where(z > 0, 1, alpha).astype(np.float32)


def _leaky_list(z, alpha):
    f, d = _leaky_where(z, alpha)
    return [f.tolist(), d.tolist()]


@pytest.mark.parametrize("fn", [_leaky_where, _leaky_max, _leaky_inplace, _leaky_float32,
                                _leaky_list])
@pytest.mark.parametrize("thorough", [False, True])
def test_leaky_right(fn, thorough, capsys):
    passes(L3.leaky_relu, fn, capsys, thorough=thorough)
    assert judged(L3.leaky_relu, fn, thorough=thorough)


@pytest.mark.parametrize("fn,fragment", [
    (lambda z, a: (np.where(z > 0, z, a * z), (z > 0) * 1.0), "равна α, а не 0"),
    (lambda z, a: (np.maximum(z, 0), np.where(z > 0, 1.0, a)), "Это ReLU"),
    (lambda z, a: (np.where(z > 0, z, a * z), np.where(z > 0, 1.0, a * z)), "константе α"),
    (lambda z, a: (np.where(z > 0, 1.0, a), np.where(z > 0, z, a * z)), "перепутаны"),
    (lambda z, a: (np.where(z > 0, z, a * z), np.ones_like(z)), "только при z > 0"),
    (lambda z, a: np.where(z > 0, z, a * z), "два массива"),
    (lambda z, a: (np.where(z > 0, z, a * z)[:-1], np.where(z > 0, 1.0, a)), "формы"),
    (lambda z, a: None, "Ответ ещё не введён"),
    (lambda z, a: 1 / 0, "ZeroDivisionError"),
])
def test_leaky_wrong(fn, fragment):
    rejected(L3.leaky_relu, fn, fragment)


# ----------------------------------------------------------------------- OBD

def test_obd_values_by_direct_loss():
    """s_i is the loss rise ½ δᵀHδ for δ = −a_i e_i (the quadratic of the task)."""
    H, a = L3.OBD_H, L3.OBD_A
    for i, s in enumerate([0.125, 4.0, 0.48]):
        d = -a[i] * np.eye(3)[i]
        assert math.isclose(0.5 * d @ H @ d, s)


@pytest.mark.parametrize("answer", [
    [0.125, 4.0, 0.48], np.array([1 / 8, 4, 12 / 25]), np.diag(L3.OBD_H) * L3.OBD_A ** 2 / 2,
    (np.diag(L3.OBD_H) * L3.OBD_A ** 2 / 2).astype(np.float32),
    [fractions.Fraction(1, 8), 4, fractions.Fraction(12, 25)], (0.125, 4, 0.48)])
def test_obd_right(answer, capsys):
    passes(L3.obd_saliency, answer, capsys)


@pytest.mark.parametrize("answer,fragment", [
    ([0.25, 8.0, 0.96], "Забыт множитель 1/2"),
    (np.diag(L3.OBD_H) * np.abs(L3.OBD_A) / 2, "в квадрате"),
    (L3.OBD_A ** 2 / (2 * np.diag(np.linalg.inv(L3.OBD_H))), "значимость OBS"),
    (L3.OBD_H.sum(axis=1) * L3.OBD_A ** 2 / 2, "сумма строки"),
    (L3.OBD_A ** 2 / 2, "Забыт множитель h_ii"),
    (L3.OBD_A ** 2 / (2 * np.diag(L3.OBD_H)), "в числителе"),
    ([0.125, 4.0], "формы"),
    (..., MISSING),
])
def test_obd_wrong(answer, fragment):
    rejected(L3.obd_saliency, answer, fragment)


# ----------------------------------------------------------------------- OBS

def _obs_kkt(H, a, i):
    """Independent OBS: minimise ½ δᵀHδ subject to δ_i = −a_i via the KKT system."""
    n = len(a)
    K = np.zeros((n + 1, n + 1))
    K[:n, :n] = H
    K[:n, n] = K[n, :n] = np.eye(n)[i]
    rhs = np.zeros(n + 1)
    rhs[n] = -a[i]
    delta = np.linalg.solve(K, rhs)[:n]
    return delta, 0.5 * delta @ H @ delta


def _obs_solve(H, a, i):
    col = np.linalg.solve(H, np.eye(len(a))[i])
    return -a[i] / col[i] * col, a[i] ** 2 / (2 * col[i])


def _obs_inplace(H, a, i):           # overwrites H in place: allowed
    Hinv = np.linalg.inv(H)
    H[:] = 0
    return -a[i] / Hinv[i, i] * Hinv[:, i], float(a[i] ** 2 / (2 * Hinv[i, i]))


def _obs_float32(H, a, i):
    d, r = _obs_solve(H, a, i)
    return d.astype(np.float32), np.float32(r)


def _obs_list(H, a, i):
    d, r = _obs_kkt(H, a, i)
    return [list(d), np.array(r)]


@pytest.mark.parametrize("fn", [_obs_kkt, _obs_solve, _obs_inplace, _obs_float32, _obs_list])
@pytest.mark.parametrize("thorough", [False, True])
def test_obs_right(fn, thorough, capsys):
    passes(L3.obs, fn, capsys, thorough=thorough)
    assert judged(L3.obs, fn, thorough=thorough)


def _obs_with(delta=None, rise=None):
    def fn(H, a, i):
        Hinv = np.linalg.inv(H)
        d = -a[i] / Hinv[i, i] * Hinv[:, i]
        r = a[i] ** 2 / (2 * Hinv[i, i])
        return (delta(H, a, i, Hinv) if delta else d), (rise(H, a, i, Hinv) if rise else r)
    return fn


@pytest.mark.parametrize("fn,fragment", [
    (_obs_with(delta=lambda H, a, i, Hi: -a[i] / H[i, i] * Hi[:, i]), "а не на h_ii"),
    (_obs_with(delta=lambda H, a, i, Hi: a[i] / Hi[i, i] * Hi[:, i]), "Знак"),
    (_obs_with(delta=lambda H, a, i, Hi: -a[i] / Hi[i, i] * H[:, i]), "а не He_i"),
    (_obs_with(delta=lambda H, a, i, Hi: -a[i] * np.eye(len(a))[i]), "поправка OBD"),
    (_obs_with(rise=lambda H, a, i, Hi: a[i] ** 2 / Hi[i, i]), "Забыт множитель 1/2"),
    (_obs_with(rise=lambda H, a, i, Hi: H[i, i] * a[i] ** 2 / 2), "значимость OBD"),
    (_obs_with(rise=lambda H, a, i, Hi: a[i] ** 2 / (4 * Hi[i, i])), "Лишний множитель"),
    (lambda H, a, i: _obs_solve(H, a, i)[0], "два значения"),
    (lambda H, a, i: (_obs_solve(H, a, i)[0][:-1], 1.0), "формы"),
    (lambda H, a, i: (_obs_solve(H, a, i)[0], "rise"), "одним числом"),
])
def test_obs_wrong(fn, fragment):
    rejected(L3.obs, fn, fragment)


# -------------------------------------------------------- batch-norm backward

def _bn_right(dY, X, gamma, eps):
    s = np.sqrt(X.var(axis=0) + eps)
    xhat = (X - X.mean(axis=0)) / s
    return gamma / s * (dY - dY.mean(axis=0) - xhat * (dY * xhat).mean(axis=0))


def _bn_chain(dY, X, gamma, eps):
    """The step-by-step chain rule (as in the original batch-norm paper)."""
    B = X.shape[0]
    mu = X.mean(axis=0)
    var = X.var(axis=0)
    inv = 1 / np.sqrt(var + eps)
    dxhat = dY * gamma
    dvar = np.sum(dxhat * (X - mu), axis=0) * -0.5 * inv ** 3
    dmu = np.sum(-dxhat * inv, axis=0) + dvar * np.mean(-2 * (X - mu), axis=0)
    return dxhat * inv + dvar * 2 * (X - mu) / B + dmu / B


def _bn_jacobian(dY, X, gamma, eps):
    """Column by column through the explicit Jacobian of one column."""
    B = X.shape[0]
    out = np.empty_like(X)
    for j in range(X.shape[1]):
        x = X[:, j]
        s = np.sqrt(x.var() + eps)
        xh = (x - x.mean()) / s
        J = gamma[j] / s * (np.eye(B) - 1 / B - np.outer(xh, xh) / B)
        out[:, j] = J.T @ dY[:, j]
    return out


def _bn_float32(dY, X, gamma, eps):
    return _bn_right(dY.astype(np.float32), X.astype(np.float32), gamma.astype(np.float32),
                     np.float32(eps))


def _bn_inplace(dY, X, gamma, eps):  # reuses X's memory: allowed
    s = np.sqrt(X.var(axis=0) + eps)
    X -= X.mean(axis=0)
    X /= s
    dY -= dY.mean(axis=0) + X * (dY * X).mean(axis=0)
    return gamma / s * dY


def test_reference_backward_matches_finite_differences():
    rng = np.random.default_rng(1)
    X, dY, g = rng.normal(size=(5, 3)), rng.normal(size=(5, 3)), rng.uniform(0.5, 2, 3)
    num = L3._bn_numeric(dY, X, g, 1e-3)
    for fn in (_bn_right, _bn_chain, _bn_jacobian):
        np.testing.assert_allclose(fn(dY, X, g, 1e-3), num, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fn", [_bn_right, _bn_chain, _bn_jacobian, _bn_float32, _bn_inplace])
@pytest.mark.parametrize("thorough", [False, True])
def test_bn_backward_right(fn, thorough, capsys):
    passes(L3.batchnorm_backward, fn, capsys, thorough=thorough)
    assert judged(L3.batchnorm_backward, fn, thorough=thorough)


def _bn_naive(dY, X, gamma, eps):
    return gamma / np.sqrt(X.var(axis=0) + eps) * dY


def _bn_no_var(dY, X, gamma, eps):
    return gamma / np.sqrt(X.var(axis=0) + eps) * (dY - dY.mean(axis=0))


def _bn_no_mean(dY, X, gamma, eps):
    s = np.sqrt(X.var(axis=0) + eps)
    xhat = (X - X.mean(axis=0)) / s
    return gamma / s * (dY - xhat * (dY * xhat).mean(axis=0))


def _bn_ddof(dY, X, gamma, eps):
    s = np.sqrt(X.var(axis=0, ddof=1) + eps)
    xhat = (X - X.mean(axis=0)) / s
    return gamma / s * (dY - dY.mean(axis=0) - xhat * (dY * xhat).mean(axis=0))


@pytest.mark.parametrize("fn,fragment", [
    (_bn_naive, "μ и σ² не зависели от X"),
    (_bn_no_var, "зависимость σ² от X"),
    (_bn_no_mean, "зависимость μ от X"),
    (_bn_ddof, "ddof=1"),
    (lambda dY, X, g, e: _bn_right(dY, X, np.ones_like(g), e), "Забыт множитель γ"),
    (lambda dY, X, g, e: _bn_right(dY, X, g, e) / X.shape[0], "Лишнее деление на B"),
    (lambda dY, X, g, e: _bn_right(dY, X, g, e).T, "транспонированный"),
    (lambda dY, X, g, e: _bn_right(dY, X, g, e).astype(np.float32) * 1.01, "конечными разностями"),
    (lambda dY, X, g, e: None, "Ответ ещё не введён"),
])
def test_bn_backward_wrong(fn, fragment):
    rejected(L3.batchnorm_backward, fn, fragment)


# ----------------------------------------------------------------- drop_block

def test_drop_block_is_the_smallest_output():
    assert int(np.argmin(L3.BLOCK_NORMS)) + 1 == 5


@pytest.mark.parametrize("answer", [5, 5.0, np.int64(5), np.float32(5), np.array([5]),
                                    fractions.Fraction(10, 2)])
def test_drop_block_right(answer, capsys):
    passes(L3.drop_block, answer, capsys)
    assert judged(L3.drop_block, answer)


@pytest.mark.parametrize("answer,fragment", [
    (4, "с 1, а не с 0"), (1, "наибольшим выходом"), (2, "‖F(x)‖"), (4.5, "целое число"),
    ("5", "строка"), (..., MISSING), ([5, 2], "массив"),
])
def test_drop_block_wrong(answer, fragment):
    rejected(L3.drop_block, answer, fragment)
