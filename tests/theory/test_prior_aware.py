"""Result 7: the exact optimum for any prior and any (ε, δ), against the all-subsets LP, a 60-digit oracle, the
witness game, and arbitrary (ε, δ)-DP mechanisms."""

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.theory import oracles
from tests.theory.strategies import deltas, dp_mechanisms, epsilons, moderate_epsilons, priors, small_deltas
from theory.games import AIGame, Mechanism, Prior
from theory.optimal_lp import dp_mechanism_check, optimal_success_lp, optimal_success_lp_conditional
from theory.prior_aware import (
    optimal_mechanism,
    optimal_success,
    prior_aware_success,
    prior_aware_success_symbolic,
    prior_aware_witness,
)
from theory.symbols import EPS
from theory.tight_gary import tight_gary_success
from theory.total_variation import dp_delta

ISSUE_PRIOR = [0.43552, 0.0079947, 1.9e-8, 0.015608, 1.27e-7, 0.54088]


#: a valid input on which the LP oracle ended with HiGHS status "Unknown" before its rows were divided by e^ε
HIGHS_UNKNOWN = (np.array([0.31753004257004713, 1.8226825540842975e-12, 0.4775799321785602, 0.2048900252495701]),
                 5.905643603664506, 0.21323037023062175)


@settings(max_examples=30)
@example(*HIGHS_UNKNOWN)
@example(np.array([0.5, 0.5, 0.0]), 3.0, 0.1)
@example(np.array([0.9, 0.1 - 1e-12, 1e-12]), 5.0, 0.01)
@given(priors(min_g=2, max_g=4), st.floats(0, 7), st.one_of(small_deltas, st.floats(0, 1)))
def test_equals_all_subsets_lp(w, e, d):
    assert optimal_success(e, d, w) == pytest.approx(oracles.all_subsets_lp(e, d, w), abs=1e-8)


def test_lp_oracle_solves_the_highs_unknown_case():
    w, e, d = HIGHS_UNKNOWN
    assert oracles.all_subsets_lp(e, d, w) == pytest.approx(optimal_success(e, d, w), abs=1e-8)


def _lp_cases():
    rng = np.random.default_rng(20260)
    cases = []
    for g, e, d in ((5, 0.7, 0.0), (5, 4.0, 0.05), (6, 2.0, 0.01), (6, 6.5, 0.0), (7, 1.2, 0.1), (7, 3.0, 1e-5),
                    (8, 2.5, 0.02)):
        w = rng.dirichlet(np.full(g, 0.6))
        w[rng.integers(g)] = 0.0 if g % 2 else 1e-12  # a zero or a tiny entry
        cases.append((w / w.sum(), e, d))
    return cases


@pytest.mark.parametrize("w,e,d", _lp_cases())
def test_equals_all_subsets_lp_g5_to_8(w, e, d):
    # the closed form against the definition of pairwise (ε, δ)-DP: 2^G subsets × G(G − 1) pairs, by HiGHS
    assert optimal_success(e, d, w) == pytest.approx(oracles.all_subsets_lp(e, d, w), abs=1e-8)


@example(np.array([0.2] * 5), 30.0, 0.01)
@example(np.array([0.2] * 5), 21.5, 0.0)
@example(np.array(ISSUE_PRIOR) / sum(ISSUE_PRIOR), 13.2412, 1e-3)
@given(priors(min_g=2, max_g=20), epsilons, deltas)
def test_equals_mpmath_oracle(w, e, d):
    assert optimal_success(e, d, w) == pytest.approx(float(oracles.prior_success(e, d, w)), rel=1e-12, abs=1e-15)


@example(np.array(ISSUE_PRIOR) / sum(ISSUE_PRIOR), 13.2412, 1e-3)
@given(priors(min_g=2, max_g=8), epsilons, deltas)
def test_mechanism_attains_optimum_and_is_dp(w, e, d):
    q = optimal_mechanism(e, d, w)
    assert dp_mechanism_check(q, e, d, tol=1e-12) or e > 700  # beyond, e^-ε underflows to a subnormal or 0
    assert oracles.map_success(w, q) >= optimal_success(e, d, w) - 1e-12


@settings(max_examples=20)
@given(st.data(), priors(min_g=3, max_g=4), st.floats(0, 4), small_deltas)
def test_arbitrary_dp_mechanisms_never_beat_optimum(data, w, e, d):
    laws = data.draw(dp_mechanisms(w.size, e, d))
    g = w.size
    assert max(dp_delta(laws[a], laws[b], e) for a in range(g) for b in range(g) if a != b) <= d + 1e-9
    assert AIGame(Prior(w), Mechanism(laws)).optimal_success() <= optimal_success(e, d, w) + 1e-9


@given(st.integers(2, 8), epsilons, deltas)
def test_uniform_prior_is_tight_gary(g, e, d):
    assert optimal_success(e, d, np.full(g, 1 / g)) == pytest.approx(tight_gary_success(e, d, g), rel=1e-13)


@given(priors(), moderate_epsilons)
def test_pure_dp_witness_is_eps_dp(w, e):
    assert dp_mechanism_check(prior_aware_witness(e, w), e, 0.0, tol=1e-12)
    assert prior_aware_success(e, w) == optimal_success(e, 0.0, w)


def test_large_epsilon_is_finite():
    laws = prior_aware_witness(800.0, [0.5, 0.3, 0.2])
    assert np.isfinite(laws).all() and np.allclose(laws, np.eye(3))
    assert optimal_success(float("inf"), 0.0, [0.5, 0.5]) == 1.0


def test_symbolic_exact_value():
    expr = prior_aware_success_symbolic([Fraction(1, 2), Fraction(1, 3), Fraction(1, 6)]).subs(EPS, sp.log(2))
    # k=1: 1/2 ; k=2: 2/3·5/6 = 5/9 ; k=3: 2/4·1 = 1/2  -> 5/9 (hand computation)
    assert sp.nsimplify(expr) == sp.Rational(5, 9)
    expr = prior_aware_success_symbolic([Fraction(1, 2), Fraction(1, 2)], Fraction(1, 10)).subs(EPS, sp.log(3))
    assert sp.nsimplify(expr) == sp.Rational(1, 10) + sp.Rational(9, 10) * sp.Rational(3, 4)


def test_lp_solution_and_conditional_prior():
    sol = optimal_success_lp(1.0, 0.01, [0.5, 0.3, 0.2])
    assert sol.success == pytest.approx(oracles.all_subsets_lp(1.0, 0.01, [0.5, 0.3, 0.2]), abs=1e-9)
    assert dp_mechanism_check(sol.mechanism, 1.0, 0.01, tol=1e-12)
    joint = np.array([[0.3, 0.1], [0.1, 0.5]])
    expect = 0.4 * oracles.all_subsets_lp(1.0, 0.0, [0.75, 0.25]) + 0.6 * oracles.all_subsets_lp(1.0, 0.0, [1 / 6, 5 / 6])
    assert optimal_success_lp_conditional(1.0, 0.0, joint) == pytest.approx(expect, abs=1e-9)
    assert optimal_success_lp(np.inf, 0.0, [0.2, 0.8]).success == 1.0
    assert optimal_success_lp(1e3, 0.5, [0.2, 0.8]).success == 1.0


def test_prior_rounding_renormalised_or_refused():
    w = np.array([0.5, 0.3, 0.2]) * (1 + 5e-10)
    assert optimal_success(1.0, 0.0, w) == pytest.approx(optimal_success(1.0, 0.0, [0.5, 0.3, 0.2]), rel=1e-15)
    with pytest.raises(ValueError, match="`prior` must sum to 1"):
        optimal_success(1.0, 0.0, [0.5, 0.3, 0.2 + 1e-8])


def test_bad_prior():
    with pytest.raises(ValueError, match="`prior`"):
        prior_aware_success(1.0, [0.5, 0.6])
    with pytest.raises(ValueError, match="`prior`"):
        optimal_success_lp(1.0, 0.0, [-0.1, 1.1])
