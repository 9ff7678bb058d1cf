"""Result 6: the tight G-ary bound, checked against the witness, the exact LP and random DP mechanisms."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.theory.strategies import deltas, dp_mechanisms, epsilons, groups, small_deltas
from theory.dp_to_tv import eta
from theory.games import AIGame, Mechanism, Prior
from theory.optimal_lp import dp_mechanism_check, optimal_success_lp
from theory.symbols import DELTA, EPS, G
from theory.tight_gary import (
    randomized_response,
    tight_gary_advantage,
    tight_gary_advantage_symbolic,
    tight_gary_success,
    tight_gary_success_symbolic,
    tight_gary_witness,
)


def test_issue_values():
    e = np.e
    assert tight_gary_advantage(1, 0, 10) == pytest.approx((e - 1) / (e + 9), abs=1e-15)
    assert tight_gary_advantage(1, 0, 10) == pytest.approx(0.147, abs=5e-4)  # THEORY.md: 0.147 vs 0.462
    assert eta(1, 0) == pytest.approx(0.462, abs=5e-4)


@given(epsilons, deltas)
def test_equals_eta_for_g2(e, d):
    assert tight_gary_advantage(e, d, 2) == pytest.approx(eta(e, d), abs=1e-13)


@given(epsilons, st.floats(0, 0.999), st.integers(3, 12))
def test_strictly_below_eta_for_g_above_2(e, d, g):
    if e > 1e-6 or d > 1e-6:
        assert tight_gary_advantage(e, d, g) < eta(e, d) + 1e-15
        if e > 1e-3:
            assert tight_gary_advantage(e, d, g) < eta(e, d)


@given(epsilons, deltas, groups)
def test_range_and_consistency(e, d, g):
    s = tight_gary_success(e, d, g)
    a = tight_gary_advantage(e, d, g)
    assert 1 / g - 1e-15 <= s <= 1 + 1e-15
    assert a == pytest.approx((g * s - 1) / (g - 1), abs=1e-12)


@given(epsilons, deltas, groups)
def test_symbolic_equals_numeric(e, d, g):
    subs = {EPS: e, DELTA: d, G: g}
    assert float(tight_gary_success_symbolic().subs(subs).evalf(30)) == pytest.approx(tight_gary_success(e, d, g), abs=1e-12)
    assert float(tight_gary_advantage_symbolic().subs(subs).evalf(30)) == pytest.approx(
        tight_gary_advantage(e, d, g), abs=1e-12)


def test_symbolic_identities():
    s, a = tight_gary_success_symbolic(), tight_gary_advantage_symbolic()
    assert sp.simplify((G * s - 1) / (G - 1) - a) == 0
    eta_sym = (sp.exp(EPS) - 1 + 2 * DELTA) / (sp.exp(EPS) + 1)
    assert sp.simplify(a.subs(G, 2) - eta_sym) == 0


@example(1.0, 0.0, 10)
@given(epsilons, deltas, groups)
def test_witness_attains_bound_and_is_dp(e, d, g):
    laws = tight_gary_witness(e, d, g)
    assert dp_mechanism_check(laws, e, d, tol=1e-12)
    game = AIGame(Prior.uniform(g), Mechanism(laws))
    assert game.optimal_success() == pytest.approx(tight_gary_success(e, d, g), abs=1e-12)


@settings(max_examples=25)
@given(st.floats(0, 5), small_deltas, st.integers(2, 6))
def test_lp_agrees(e, d, g):
    assert optimal_success_lp(e, d, np.full(g, 1 / g)).success == pytest.approx(tight_gary_success(e, d, g), abs=1e-9)


@given(st.data(), st.floats(0, 4), small_deltas, st.integers(2, 5))
def test_random_dp_mechanisms_never_beat_bound(data, e, d, g):
    laws = data.draw(dp_mechanisms(g, e, d))
    assert AIGame(Prior.uniform(g), Mechanism(laws)).optimal_success() <= tight_gary_success(e, d, g) + 1e-12


def test_randomized_response_is_pure_dp():
    rr = randomized_response(1.3, 4)
    assert dp_mechanism_check(rr, 1.3, 0.0, tol=1e-12)
    assert not dp_mechanism_check(rr, 1.2, 0.0, tol=1e-12)


@pytest.mark.parametrize("g", [1, 0, 2.5, float("nan"), "3"])
def test_bad_groups(g):
    with pytest.raises(ValueError, match="`groups`"):
        tight_gary_success(1.0, 0.0, g)
