"""Inverting bounds: ε lower bounds against an mpmath bisection of the forward oracle (no inversion formula)."""

import math

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.theory import oracles
from tests.theory.strategies import priors
from theory.dp_to_tv import eta
from theory.inversion import (
    epsilon_lower_bound,
    epsilon_lower_bound_eta,
    epsilon_lower_bound_eta_symbolic,
    epsilon_lower_bound_success,
    epsilon_lower_bound_symbolic,
)
from theory.symbols import EPS, A, G
from theory.tight_gary import tight_gary_advantage_symbolic


def test_issue_round_trips():
    assert epsilon_lower_bound(eta(1, 0), 0, 2) == pytest.approx(1.0, abs=1e-12)
    assert epsilon_lower_bound((math.e - 1) / (math.e + 9), 0, 10) == pytest.approx(1.0, abs=1e-12)


def _check(eps_lb, oracle_eps):
    if oracle_eps == mp.inf:
        assert eps_lb == math.inf
    else:
        assert eps_lb == pytest.approx(float(oracle_eps), rel=1e-9, abs=1e-9)


@settings(max_examples=30)
@example(0.999999, 0.0, 10**12)
@example(0.5, 0.0, 3)
@given(st.floats(-1.0, 1.0), st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1e-6])),
       st.one_of(st.integers(2, 12), st.integers(2, 10**12)))
def test_uniform_equals_mpmath_bisection(a, d, g):
    a = max(a, -1.0 / (g - 1))
    oracle = oracles.invert(lambda e: oracles.tight_advantage(e, d, g), mp.mpf(a))
    _check(epsilon_lower_bound(a, d, g), oracle)


@settings(max_examples=25)
@example(np.array([0.8, 0.1, 0.1]), 2 / 3, 0.0)
@example(np.array([0.5, 0.5 - 1e-12, 1e-12]), 0.999, 0.0)
@given(priors(min_g=2, max_g=6), st.floats(0, 1), st.one_of(st.floats(0, 0.5), st.just(0.0)))
def test_prior_equals_mpmath_bisection(w, s, d):
    oracle = oracles.invert(lambda e: oracles.prior_success(e, d, w), mp.mpf(s))
    _check(epsilon_lower_bound_success(s, d, w), oracle)


def test_prior_invert_issue_example():
    # issue 12: success (1 + 2·0.5)/3 = 2/3 < 0.8 = the prior's own maximum -> ε = 0
    assert epsilon_lower_bound(0.5, 0.0, 3, prior=[0.8, 0.1, 0.1]) == 0.0
    assert epsilon_lower_bound(0.5, 0.0, 3) == pytest.approx(math.log(4), rel=1e-12)  # uniform: ln(1 + 3·0.5/0.5)


def test_near_one_does_not_raise():
    assert epsilon_lower_bound_success(1.0 - 1e-15, 0.0, [0.5, 0.5]) == pytest.approx(
        float(oracles.invert(lambda e: oracles.prior_success(e, 0, [0.5, 0.5]), mp.mpf(1.0 - 1e-15))), rel=1e-9)
    assert epsilon_lower_bound_success(1.0, 0.0, [0.5, 0.5]) == math.inf
    assert epsilon_lower_bound_success(1.0, 1.0, [0.5, 0.5]) == 0.0


def test_symbolic_inverse():
    expr = epsilon_lower_bound_symbolic().subs(A, tight_gary_advantage_symbolic())
    assert sp.simplify(sp.expand_log(sp.simplify(expr), force=True) - EPS) == 0
    assert sp.simplify(epsilon_lower_bound_eta_symbolic() - epsilon_lower_bound_symbolic().subs(G, 2)) == 0


def test_edges():
    assert epsilon_lower_bound(1.0, 0.0, 2) == math.inf
    assert epsilon_lower_bound(0.0, 0.0, 5) == 0.0
    assert epsilon_lower_bound(0.3, 0.5, 2) == 0.0  # δ alone explains the advantage
    assert np.allclose(epsilon_lower_bound(np.array([eta(0.5, 0), eta(2, 0)]), 0, 2), [0.5, 2.0], rtol=1e-12)
    assert epsilon_lower_bound_eta(eta(3.0, 0.1), 0.1) == pytest.approx(3.0, rel=1e-12)


@pytest.mark.parametrize("a,g", [(1.5, 2), (-5.0, 3), (-0.6, 3), (float("nan"), 2)])
def test_impossible_advantage_refused(a, g):
    with pytest.raises(ValueError, match="`advantage` must lie in"):
        epsilon_lower_bound(a, 0.0, g)
