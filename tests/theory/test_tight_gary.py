"""Result 6: the tight G-ary bound, against a 60-digit mpmath oracle (G up to 1e12, ε up to ∞), the all-subsets
LP, the witness game and arbitrary (ε, δ)-DP mechanisms."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.theory import oracles
from tests.theory.strategies import deltas, dp_mechanisms, epsilons, groups, moderate_epsilons, small_deltas, small_groups
from theory.dp_to_tv import eta
from theory.games import AIGame, Mechanism, Prior
from theory.optimal_lp import dp_mechanism_check
from theory.symbols import DELTA, EPS, G
from theory.tight_gary import (
    randomized_response,
    tight_gary_advantage,
    tight_gary_advantage_symbolic,
    tight_gary_success,
    tight_gary_success_symbolic,
    tight_gary_witness,
)
from theory.total_variation import dp_delta


def test_issue_values():
    assert tight_gary_advantage(1, 0, 10) == pytest.approx(0.146632574093415, abs=1e-15)
    assert tight_gary_advantage(1, 0, 10) == pytest.approx(0.147, abs=5e-4)  # THEORY.md: 0.147 vs 0.462
    assert eta(1, 0) == pytest.approx(0.462, abs=5e-4)


@example(31.1, 0.0, 10**12)  # issue 12: absolute error 9.5e-5 before
@example(32.8, 1.0, 10**9)  # issue 12: 1.0000000593 before
@example(float("inf"), 0.0, 3)
@given(epsilons, deltas, groups)
def test_equals_mpmath_oracle(e, d, g):
    s, a = oracles.tight_success(e, d, g), oracles.tight_advantage(e, d, g)
    assert tight_gary_success(e, d, g) == pytest.approx(float(s), rel=1e-12, abs=1e-15)
    assert tight_gary_advantage(e, d, g) == pytest.approx(float(a), rel=1e-11, abs=1e-15)
    assert 0.0 <= tight_gary_advantage(e, d, g) <= 1.0
    assert 1.0 / g - 1e-15 <= tight_gary_success(e, d, g) <= 1.0


@given(epsilons, deltas)
def test_equals_eta_for_g2(e, d):
    assert tight_gary_advantage(e, d, 2) == pytest.approx(eta(e, d), rel=1e-13, abs=1e-15)


@given(moderate_epsilons, st.floats(0, 0.999), st.integers(3, 12))
def test_strictly_below_eta_for_g_above_2(e, d, g):
    if e > 1e-3:
        assert tight_gary_advantage(e, d, g) < eta(e, d)


def test_symbolic_identities():
    s, a = tight_gary_success_symbolic(), tight_gary_advantage_symbolic()
    assert sp.simplify((G * s - 1) / (G - 1) - a) == 0
    assert sp.simplify(a.subs(G, 2) - (sp.exp(EPS) - 1 + 2 * DELTA) / (sp.exp(EPS) + 1)) == 0


@example(1.0, 0.0, 10)
@given(moderate_epsilons, deltas, small_groups)
def test_witness_attains_bound_and_is_dp(e, d, g):
    laws = tight_gary_witness(e, d, g)
    assert dp_mechanism_check(laws, e, d, tol=1e-12)
    assert oracles.map_success(np.full(g, 1 / g), laws) == pytest.approx(tight_gary_success(e, d, g), abs=1e-12)


@settings(max_examples=15)
@given(st.floats(0, 6), small_deltas, st.integers(2, 5))
def test_all_subsets_lp_agrees(e, d, g):
    assert oracles.all_subsets_lp(e, d, np.full(g, 1 / g)) == pytest.approx(tight_gary_success(e, d, g), abs=1e-8)


@settings(max_examples=20)
@given(st.data(), st.floats(0, 4), small_deltas, st.integers(3, 5))
def test_arbitrary_dp_mechanisms_never_beat_bound(data, e, d, g):
    laws = data.draw(dp_mechanisms(g, e, d))
    assert max(dp_delta(laws[a], laws[b], e) for a in range(g) for b in range(g) if a != b) <= d + 1e-9
    assert AIGame(Prior.uniform(g), Mechanism(laws)).optimal_success() <= tight_gary_success(e, d, g) + 1e-9


def test_randomized_response_is_pure_dp():
    rr = randomized_response(1.3, 4)
    assert dp_mechanism_check(rr, 1.3, 0.0, tol=1e-12)
    assert not dp_mechanism_check(rr, 1.2, 0.0, tol=1e-12)
    assert np.isfinite(randomized_response(1e3, 4)).all()


@pytest.mark.parametrize("g", [1, 0, 2.5, float("nan"), "3"])
def test_bad_groups(g):
    with pytest.raises(ValueError, match="`groups`"):
        tight_gary_success(1.0, 0.0, g)
