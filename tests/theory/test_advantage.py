import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from tests.theory.strategies import groups
from theory.advantage import advantage, advantage_symbolic, success_from_advantage, success_from_advantage_symbolic
from theory.symbols import A, G, S


@given(st.floats(0, 1), groups)
def test_range_and_inverse(s, g):
    a = advantage(s, g)
    assert -1.0 / (g - 1) - 1e-12 <= a <= 1.0 + 1e-12
    assert success_from_advantage(a, g) == pytest.approx(s, abs=1e-12)


def test_fixed_points():
    # random guessing -> 0, perfect -> 1, always wrong -> -1/(G-1)
    for g in range(2, 9):
        assert advantage(1 / g, g) == pytest.approx(0.0, abs=1e-15)
        assert advantage(1.0, g) == 1.0
        assert advantage(0.0, g) == pytest.approx(-1 / (g - 1))


@given(st.floats(0, 1))
def test_g2_is_two_s_minus_one(s):
    assert advantage(s, 2) == pytest.approx(2 * s - 1, abs=1e-15)


def test_symbolic_inverse_identity():
    assert sp.simplify(success_from_advantage_symbolic().subs(A, advantage_symbolic()) - S) == 0
    assert sp.simplify(advantage_symbolic().subs(G, 2) - (2 * S - 1)) == 0


@given(st.floats(0, 1), st.integers(2, 8))
def test_mixture_adversary_in_a_game(t, g):
    # oracle: a game. Against a revealing mechanism, the adversary that reports the truth with probability t and
    # guesses uniformly otherwise has (enumerated) success t + (1 − t)/G; its normalised advantage must be t.
    from theory.games import Adversary, AIGame, Mechanism, Prior

    rule = t * np.eye(g) + (1 - t) * np.full((g, g), 1 / g)
    s = AIGame(Prior.uniform(g), Mechanism(np.eye(g))).success(Adversary(rule))
    assert advantage(s, g) == pytest.approx(t, abs=1e-12)


def test_vectorised_equals_scalar_calls():
    s = np.linspace(0, 1, 11)
    assert np.array_equal(advantage(s, 5), np.array([advantage(float(x), 5) for x in s]))


@pytest.mark.parametrize("bad,kw", [(1.5, {}), (float("nan"), {}), (0.5, {"groups": 1}), (0.5, {"groups": 2.5})])
def test_bad_input(bad, kw):
    with pytest.raises(ValueError, match="success|groups"):
        advantage(bad, kw.get("groups", 3))
