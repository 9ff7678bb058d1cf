"""Result 7: the prior-aware bound, against the exact LP (and the LP's own properties)."""

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.theory.strategies import priors, small_deltas
from theory.games import AIGame, Mechanism, Prior
from theory.optimal_lp import dp_mechanism_check, optimal_success_lp, optimal_success_lp_conditional
from theory.prior_aware import prior_aware_success, prior_aware_success_symbolic, prior_aware_witness
from theory.symbols import EPS
from theory.tight_gary import tight_gary_success


@settings(max_examples=30)
@given(priors(min_g=2, max_g=6), st.floats(0, 5))
def test_closed_form_equals_lp(w, e):
    assert optimal_success_lp(e, 0.0, w).success == pytest.approx(prior_aware_success(e, w), abs=1e-9)


@given(priors(min_g=2, max_g=6), st.floats(0, 6))
def test_witness_attains_and_is_dp(w, e):
    laws = prior_aware_witness(e, w)
    assert dp_mechanism_check(laws, e, 0.0, tol=1e-12)
    assert AIGame(Prior(w), Mechanism(laws)).optimal_success() >= prior_aware_success(e, w) - 1e-12


@given(st.integers(2, 8), st.floats(0, 6))
def test_uniform_prior_reduces_to_tight_gary(g, e):
    assert prior_aware_success(e, np.full(g, 1 / g)) == pytest.approx(tight_gary_success(e, 0, g), abs=1e-13)


@given(priors(), st.floats(0, 6))
def test_between_prior_max_and_one(w, e):
    s = prior_aware_success(e, w)
    assert w.max() - 1e-15 <= s <= 1 + 1e-15
    assert prior_aware_success(0.0, w) == pytest.approx(w.max(), abs=1e-15)


@given(priors(), st.floats(0, 6))
def test_symbolic_equals_numeric(w, e):
    wf = [Fraction(x).limit_denominator(10**6) for x in w]
    wf[-1] = 1 - sum(wf[:-1])
    if wf[-1] < 0:
        return
    sym = float(prior_aware_success_symbolic(wf).subs(EPS, e).evalf(30))
    assert sym == pytest.approx(prior_aware_success(e, [float(x) for x in wf]), abs=1e-12)


def test_symbolic_exact_value():
    expr = prior_aware_success_symbolic([Fraction(1, 2), Fraction(1, 3), Fraction(1, 6)]).subs(EPS, sp.log(2))
    # k=1: 1/2·... = 2/2·1/2 = 1/2 ; k=2: 2/3·5/6 = 5/9 ; k=3: 2/4·1 = 1/2  -> 5/9
    assert sp.nsimplify(expr) == sp.Rational(5, 9)


@settings(max_examples=25)
@given(priors(min_g=2, max_g=5), st.floats(0, 4), small_deltas)
def test_lp_with_delta_dominates_mixture_and_is_feasible(w, e, d):
    sol = optimal_success_lp(e, d, w)
    assert dp_mechanism_check(sol.mechanism, e, d, tol=1e-7)
    # δ-mixture of the pure-DP optimum is feasible, so the LP can only be larger …
    mixture = d + (1 - d) * prior_aware_success(e, w)
    assert sol.success >= mixture - 1e-9
    # … and never above the prior-free sandwich ceiling B + (1 − B)·η  (result 5)
    from theory.dp_to_tv import eta

    assert sol.success <= w.max() + (1 - w.max()) * eta(e, d) + 1e-9


def test_lp_conditional_prior_is_mixture_over_contexts():
    joint = np.array([[0.3, 0.1], [0.1, 0.5]])
    expect = 0.4 * optimal_success_lp(1.0, 0.0, [0.75, 0.25]).success + 0.6 * optimal_success_lp(1.0, 0.0, [1 / 6, 5 / 6]).success
    assert optimal_success_lp_conditional(1.0, 0.0, joint) == pytest.approx(expect, abs=1e-12)


def test_lp_epsilon_infinite():
    assert optimal_success_lp(np.inf, 0.0, [0.2, 0.8]).success == 1.0


def test_bad_prior():
    with pytest.raises(ValueError, match="`prior`"):
        prior_aware_success(1.0, [0.5, 0.6])
    with pytest.raises(ValueError, match="`prior`"):
        optimal_success_lp(1.0, 0.0, [-0.1, 1.1])
