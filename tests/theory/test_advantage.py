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


@given(st.floats(0, 1), groups)
def test_symbolic_equals_numeric(s, g):
    sym = float(advantage_symbolic().subs({S: s, G: g}))
    assert sym == pytest.approx(advantage(s, g), abs=1e-12)


def test_vectorised():
    s = np.linspace(0, 1, 11)
    assert np.allclose(advantage(s, 5), (5 * s - 1) / 4)


@pytest.mark.parametrize("bad,kw", [(1.5, {}), (float("nan"), {}), (0.5, {"groups": 1}), (0.5, {"groups": 2.5})])
def test_bad_input(bad, kw):
    with pytest.raises(ValueError, match="success|groups"):
        advantage(bad, kw.get("groups", 3))
