"""Result 3: DP ⇒ TV ≤ η(ε, δ), tight."""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given
from hypothesis import strategies as st

from tests.theory import oracles
from tests.theory.strategies import deltas, epsilons, moderate_epsilons, stochastic_matrices
from theory.dp_to_tv import eta, eta_symbolic, eta_witness, eta_witness_symbolic
from theory.symbols import DELTA, EPS
from theory.total_variation import dp_delta, is_dp_pair, tv_distance

# THEORY.md reference values
REFERENCE = [((0.1, 0), 0.049958), ((0.5, 0), 0.244919), ((1, 0), 0.462117), ((2, 0), 0.761594),
             ((3, 0), 0.905148), ((1, 0.01), 0.467496), ((1, 0.1), 0.515905)]


@pytest.mark.parametrize("args,value", REFERENCE)
def test_reference_values(args, value):
    assert eta(*args) == pytest.approx(value, abs=5e-7)


def test_issue_value():
    assert round(eta(1.0, 0.0), 10) == 0.4621171573


@given(epsilons, deltas)
def test_range_and_special_cases(e, d):
    v = eta(e, d)
    assert 0.0 <= v <= 1.0 + 1e-15
    assert eta(e, 0.0) == pytest.approx(math.tanh(e / 2), abs=1e-14)
    assert eta(0.0, d) == pytest.approx(d, abs=1e-15)
    assert eta(e, 1.0) == pytest.approx(1.0, abs=1e-14)


@given(epsilons, epsilons, deltas, deltas)
def test_monotone(e1, e2, d1, d2):
    lo_e, hi_e = sorted((e1, e2))
    lo_d, hi_d = sorted((d1, d2))
    assert eta(lo_e, lo_d) <= eta(hi_e, lo_d) + 1e-15
    assert eta(lo_e, lo_d) <= eta(lo_e, hi_d) + 1e-15


@example(1e3, 0.3)
@example(float("inf"), 0.0)
@example(1e-12, 0.0)
@given(epsilons, deltas)
def test_equals_mpmath_oracle(e, d):
    # 60-digit evaluation of the tight pair's mass difference; relative 1e-12 (absolute near 0 and 1)
    assert eta(e, d) == pytest.approx(float(oracles.eta(e, d)), rel=1e-12, abs=1e-15)


def test_symbolic_special_cases():
    assert sp.simplify(eta_symbolic().subs(DELTA, 0) - sp.tanh(EPS / 2)).rewrite(sp.exp).simplify() == 0
    assert sp.simplify(eta_symbolic().subs(EPS, 0) - DELTA) == 0
    assert sp.simplify(eta_symbolic().subs(DELTA, 1) - 1) == 0


@example(1.0, 0.0)
@example(0.0, 0.3)
@given(moderate_epsilons, deltas)
def test_witness_attains_eta_and_is_dp(e, d):
    p, q = eta_witness(e, d)
    assert tv_distance(p, q) == pytest.approx(eta(e, d), abs=1e-12)
    assert is_dp_pair(p, q, e, d, tol=1e-12)


def test_witness_symbolic_tv_equals_eta():
    p, q = eta_witness_symbolic()
    # entries ordered: P = (δ, hi, lo, 0), Q reversed; TV = δ + (hi − lo), no absolute value needed
    tv = DELTA + (p[1] - p[2])
    assert sp.simplify(tv - eta_symbolic()) == 0


@given(stochastic_matrices(2, 5), moderate_epsilons)
def test_random_pairs_never_exceed_eta(pq, e):
    p, q = pq
    d = dp_delta(p, q, e)  # the smallest δ at which (p, q) is (ε, δ)-DP
    assert tv_distance(p, q) <= eta(e, min(1.0, d)) + 1e-12


def test_dp_delta_without_overflow():
    # H_710(Q‖P) for P = (1, 0), Q = (.5, .5) is Q(P = 0) = 0.5 (e^710 overflows a double)
    assert dp_delta([1, 0], [0.5, 0.5], 710) == 0.5
    assert not is_dp_pair([1, 0], [0.5, 0.5], 710, 0.0)
    assert dp_delta([1, 0], [0.5, 0.5], float("inf")) == 0.5


def test_vectorised_and_large_eps():
    e = np.array([0.0, 1.0, 800.0, np.inf])
    v = eta(e, 0.0)
    assert np.all(np.isfinite(v)) and v[-1] == 1.0 and v[-2] == 1.0


@pytest.mark.parametrize("e,d,name", [(-1, 0, "epsilon"), (float("nan"), 0, "epsilon"), (1, 1.5, "delta"),
                                      (1, -0.1, "delta"), (1, float("nan"), "delta")])
def test_bad_input(e, d, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        eta(e, d)


@given(st.lists(st.tuples(epsilons, deltas), min_size=2, max_size=20))
def test_vectorised_path_equals_mpmath_oracle(pairs):
    # equal-shape arrays take eta's in-place fast path; each entry must match the 60-digit oracle
    e = np.array([p[0] for p in pairs])
    d = np.array([p[1] for p in pairs])
    want = np.array([float(oracles.eta(a, b)) for a, b in pairs])
    np.testing.assert_allclose(eta(e, d), want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("bad", [float("nan"), "x", -0.1, 1.5, None])
def test_is_dp_pair_validates_delta(bad):
    with pytest.raises(ValueError, match="`delta`"):
        is_dp_pair([0.5, 0.5], [0.5, 0.5], 1.0, bad)
