"""Initialisation schemes: the variances of problems 6а–6е, exactly and by sampling.

Sampling tolerance: for N iid weights the sample variance s² has
Var(s²) ≈ (μ₄ − σ⁴)/N, so its standard error is se = √((m₄ − s⁴)/N) with m₄ the sample
fourth central moment; a claim passes when |s² − Var w| < 5 se. The mean has
se = s/√N. (A uniform law has μ₄ = a⁴/5 = 9σ⁴/5, a normal one 3σ⁴: both are checked too.)
"""
import math

import numpy as np
import pytest

from initlab.numerics.schemes import SCHEMES, Scheme, get_scheme, he_leaky, uniform_variance

RANDOM = [s for s in SCHEMES.values() if s.random]
SHAPES = [(256, 256), (300, 120), (40, 1000)]


def _stats(w):
    """Sample mean, variance, fourth central moment, and the standard errors."""
    w = np.asarray(w, dtype=np.float64).ravel()
    n = w.size
    mean = w.mean()
    d = w - mean
    var = float(np.mean(d * d))
    m4 = float(np.mean(d ** 4))
    return {"n": n, "mean": float(mean), "var": var, "m4": m4,
            "se_mean": math.sqrt(var / n), "se_var": math.sqrt((m4 - var * var) / n)}


# --------------------------------------------------------------------- exact formulas

def test_uniform_variance_formula():
    for a in (0.1, 1.0, math.sqrt(3), 7.5):
        assert uniform_variance(a) == pytest.approx(a * a / 3, rel=1e-15)
    # (2a)²/12 with a = 1/√n: 1/(3n)
    assert uniform_variance(1 / math.sqrt(10)) == pytest.approx(1 / 30, rel=1e-15)


@pytest.mark.parametrize("n", [1, 10, 100, 256, 1024])
def test_seed_uniform_shrinks_by_three(n):
    s = get_scheme("seed_uniform")
    assert s.kind == "uniform"
    assert s.bound(n, 7) == pytest.approx(1 / math.sqrt(n), rel=1e-15)
    assert n * s.variance(n, 7) == pytest.approx(1 / 3, rel=1e-15)     # problem 6а
    assert s.variance(n, 7) == pytest.approx(uniform_variance(1 / math.sqrt(n)), rel=1e-15)


@pytest.mark.parametrize("n", [1, 10, 256, 1024])
def test_sqrt3_bound_keeps_the_variance(n):
    s = get_scheme("uniform_fixed")
    assert s.bound(n, 3) == pytest.approx(math.sqrt(3) / math.sqrt(n), rel=1e-15)   # 6б
    assert n * s.variance(n, 3) == pytest.approx(1.0, rel=1e-15)


@pytest.mark.parametrize("n", [1, 10, 256])
def test_lecun_normal(n):
    s = get_scheme("lecun_normal")
    assert s.kind == "normal" and s.bound(n, n) is None                             # 6в
    assert n * s.variance(n, 5) == pytest.approx(1.0, rel=1e-15)


@pytest.mark.parametrize("n_in,n_out", [(256, 256), (256, 32), (8, 1024)])
def test_xavier(n_in, n_out):
    for key in ("xavier_uniform", "xavier_normal"):                                  # 6г
        assert get_scheme(key).variance(n_in, n_out) == pytest.approx(2 / (n_in + n_out),
                                                                       rel=1e-15)
    assert get_scheme("xavier_uniform").bound(n_in, n_out) == pytest.approx(
        math.sqrt(6) / math.sqrt(n_in + n_out), rel=1e-15)
    # the compromise: the harmonic mean of the forward 1/n_in and the backward 1/n_out
    v = get_scheme("xavier_normal").variance(n_in, n_out)
    assert v == pytest.approx(2 / (n_in + n_out))
    assert min(1 / n_in, 1 / n_out) <= v <= max(1 / n_in, 1 / n_out)


@pytest.mark.parametrize("n", [1, 10, 256])
def test_he(n):
    assert n * get_scheme("he_normal").variance(n, 3) == pytest.approx(2.0, rel=1e-15)  # 6е
    assert n * get_scheme("he_uniform").variance(n, 3) == pytest.approx(2.0, rel=1e-15)
    assert get_scheme("he_uniform").bound(n, 3) == pytest.approx(math.sqrt(6 / n), rel=1e-15)
    for alpha in (0.0, 0.01, 0.2, 1.0):
        assert n * he_leaky(alpha).variance(n, 3) == pytest.approx(2 / (1 + alpha ** 2),
                                                                   rel=1e-15)
    assert get_scheme("he_leaky").variance(n, 3) == he_leaky(0.01).variance(n, 3)


def test_constant_schemes():
    c = get_scheme("constant")
    assert not c.random and c.kind == "constant"
    assert c.variance(16, 4) == 0.0
    assert c.constant(16, 4) == 1 / 16
    assert c.second_moment(16, 4) == 1 / 256
    assert c.bound(16, 4) is None
    w = c.sample(np.random.default_rng(0), 16, 4)
    assert w.shape == (16, 4) and np.all(w == np.float32(1 / 16))
    z = get_scheme("zeros")
    assert z.constant(16, 4) == 0.0 and z.second_moment(16, 4) == 0.0
    assert not np.any(z.sample(np.random.default_rng(0), 16, 4))


def test_registry_and_errors():
    expected = {"seed_uniform", "uniform_fixed", "lecun_normal", "xavier_uniform",
                "xavier_normal", "he_normal", "he_uniform", "he_leaky", "constant", "zeros"}
    assert expected <= set(SCHEMES)
    s = SCHEMES["he_normal"]
    assert get_scheme("he_normal") is s and get_scheme(s) is s
    with pytest.raises(KeyError):
        get_scheme("orthogonal")
    with pytest.raises(ValueError):
        Scheme("bad", "bad", "laplace", lambda fi, fo: 1.0)
    for s in SCHEMES.values():     # every label a student sees is Russian or a formula
        assert s.label and s.title
    # random schemes have zero mean: second moment = variance
    for s in RANDOM:
        assert s.second_moment(100, 50) == s.variance(100, 50)


# --------------------------------------------------------------------- by sampling

@pytest.mark.parametrize("scheme", RANDOM, ids=[s.key for s in RANDOM])
@pytest.mark.parametrize("shape", SHAPES, ids=[f"{a}x{b}" for a, b in SHAPES])
def test_sample_matches_scheme(scheme, shape):
    fan_in, fan_out = shape
    rng = np.random.default_rng([fan_in, fan_out, len(scheme.key)])
    # enough draws for a tight check: repeat the matrix (fresh draws each time)
    reps = max(1, 200_000 // (fan_in * fan_out))
    ws = [scheme.sample(rng, fan_in, fan_out) for _ in range(reps)]
    assert all(w.shape == (fan_in, fan_out) and w.dtype == np.float32 for w in ws)
    st = _stats(np.concatenate([w.ravel() for w in ws]))
    var = scheme.variance(fan_in, fan_out)
    assert abs(st["mean"]) < 5 * st["se_mean"]
    assert abs(st["var"] - var) < 5 * st["se_var"], (st, var)
    # the law's shape: kurtosis μ₄/σ⁴ is 9/5 for a uniform, 3 for a normal; its se is
    # at most √(24/N) (the normal's) ≤ 0.011 here, so 0.06 is > 5 se
    kurt = st["m4"] / st["var"] ** 2
    # (the width-ignoring custom schemes: ±1 has kurtosis 1, U[−1, 1] 9/5, N(0, 0,01²) 3)
    expected = {"pm1": 1.0, "u11": 1.8}.get(scheme.key, 1.8 if scheme.kind == "uniform" else 3.0)
    assert kurt == pytest.approx(expected, abs=0.06)
    if scheme.kind == "uniform":
        a = scheme.bound(fan_in, fan_out)
        top = max(float(np.abs(w).max()) for w in ws)
        # all inside [−a, a]; the largest |w| of N draws is within a·(1 − 20/N) except with
        # probability e^(−20)
        assert top <= a * (1 + 1e-6)
        assert top >= a * (1 - 20 / st["n"])


@pytest.mark.parametrize("n", [16, 256])
def test_seed_uniform_ratio_by_sampling(n):
    """n·Var w = 1/3 by sampling (the per-layer factor of problem 6а); √3 bound gives 1."""
    rng = np.random.default_rng(n)
    for key, truth in (("seed_uniform", 1 / 3), ("uniform_fixed", 1.0)):
        w = np.concatenate([get_scheme(key).sample(rng, n, n).ravel()
                            for _ in range(max(1, 100_000 // (n * n)))])
        st = _stats(w)
        assert abs(n * st["var"] - truth) < 5 * n * st["se_var"]
    # and the two are told apart by far more than the tolerance
    assert (1 - 1 / 3) > 50 * n * st["se_var"]


def test_uniform_variance_by_sampling():
    rng = np.random.default_rng(3)
    for a in (0.5, 2.0):
        st = _stats(rng.uniform(-a, a, 200_000))
        assert abs(st["var"] - uniform_variance(a)) < 5 * st["se_var"]


def test_sampling_is_deterministic_and_dtype():
    for s in SCHEMES.values():
        w1 = s.sample(np.random.default_rng(42), 30, 20)
        w2 = s.sample(np.random.default_rng(42), 30, 20)
        assert np.array_equal(w1, w2)
        w64 = s.sample(np.random.default_rng(42), 30, 20, dtype=np.float64)
        assert w64.dtype == np.float64 and w64.shape == (30, 20)
