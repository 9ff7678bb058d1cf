"""Inverting bounds: ε lower bounds round-trip the forward bounds."""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.theory.strategies import priors
from theory.dp_to_tv import eta
from theory.inversion import (
    epsilon_lower_bound,
    epsilon_lower_bound_eta,
    epsilon_lower_bound_eta_symbolic,
    epsilon_lower_bound_success,
    epsilon_lower_bound_symbolic,
)
from theory.optimal_lp import optimal_success_lp
from theory.prior_aware import prior_aware_success
from theory.symbols import DELTA, EPS, A, G
from theory.tight_gary import tight_gary_advantage, tight_gary_advantage_symbolic


def test_issue_round_trips():
    assert epsilon_lower_bound(eta(1, 0), 0, 2) == pytest.approx(1.0, abs=1e-12)
    assert epsilon_lower_bound((math.e - 1) / (math.e + 9), 0, 10) == pytest.approx(1.0, abs=1e-12)


@given(st.floats(0, 10), st.floats(0, 0.05), st.integers(2, 12))
def test_round_trip_tight_gary(e, d, g):
    a = tight_gary_advantage(e, d, g)
    if a < 1 - 1e-9:
        assert epsilon_lower_bound(a, d, g) == pytest.approx(e, abs=1e-6 * max(1, math.exp(e)))


@given(st.floats(0, 10), st.floats(0, 0.3))
def test_round_trip_eta(e, d):
    a = eta(e, d)
    if a < 1 - 1e-9:
        assert epsilon_lower_bound_eta(a, d) == pytest.approx(e, abs=1e-6 * max(1, math.exp(e)))


def test_symbolic_inverse():
    # substituting the forward bound into the inversion formula gives ε back
    expr = epsilon_lower_bound_symbolic().subs(A, tight_gary_advantage_symbolic())
    assert sp.simplify(sp.expand_log(sp.simplify(expr), force=True) - EPS) == 0
    assert sp.simplify(epsilon_lower_bound_eta_symbolic() - epsilon_lower_bound_symbolic().subs(G, 2)) == 0


@given(st.floats(-0.5, 0.999), st.floats(0, 0.2), st.integers(2, 8))
def test_symbolic_equals_numeric(a, d, g):
    arg = (1 + (g - 1) * a - g * d) / (1 - a)
    num = epsilon_lower_bound(a, d, g)
    if arg > 1:
        sym = float(epsilon_lower_bound_symbolic().subs({A: a, DELTA: d, G: g}).evalf(30))
        assert num == pytest.approx(sym, abs=1e-9)
    else:
        assert num == 0.0


def test_edges():
    assert epsilon_lower_bound(1.0, 0.0, 2) == math.inf
    assert epsilon_lower_bound(0.0, 0.0, 5) == 0.0
    assert epsilon_lower_bound(0.3, 0.5, 2) == 0.0  # δ alone explains the advantage
    assert np.allclose(epsilon_lower_bound(np.array([eta(0.5, 0), eta(2, 0)]), 0, 2), [0.5, 2.0])
    with pytest.raises(ValueError, match="`advantage`"):
        epsilon_lower_bound(1.5, 0.0, 2)


@settings(max_examples=15)
@given(priors(min_g=2, max_g=4), st.floats(0.05, 3))
def test_round_trip_prior_aware_and_lp(w, e):
    s = prior_aware_success(e, w)
    if s < 1 - 1e-9 and s > w.max() + 1e-6:
        assert epsilon_lower_bound_success(s, 0.0, w, method="prior_aware") == pytest.approx(e, abs=1e-7)
        s_lp = optimal_success_lp(e, 0.01, w).success
        assert epsilon_lower_bound_success(s_lp, 0.01, w, method="lp") == pytest.approx(e, abs=1e-5)
