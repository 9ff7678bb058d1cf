"""Result 5: B ≤ Succ* ≤ B + (1 − B)η for any prior, with exact LP optima inside."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.theory.strategies import small_deltas
from theory.correlation_floor import bayes_success_context, correlation_floor
from theory.dp_to_tv import eta
from theory.optimal_lp import optimal_success_lp_conditional
from theory.sandwich import (
    sandwich_advantage,
    sandwich_advantage_symbolic,
    sandwich_dp,
    sandwich_success,
    sandwich_success_symbolic,
)
from theory.symbols import B, L


@st.composite
def joints(draw):
    rows = draw(st.integers(1, 3))
    g = draw(st.integers(2, 4))
    raw = np.array(draw(st.lists(st.floats(0.02, 1), min_size=rows * g, max_size=rows * g))).reshape(rows, g)
    return raw / raw.sum()


@settings(max_examples=25)
@given(joints(), st.floats(0, 4), small_deltas)
def test_lp_optimum_inside_sandwich(joint, e, d):
    b = bayes_success_context(joint)
    s = optimal_success_lp_conditional(e, d, joint)
    lo, hi = sandwich_success(b, eta(e, d))
    assert lo - 1e-9 <= s <= hi + 1e-9
    g = joint.shape[1]
    adv = (g * s - 1) / (g - 1)
    lo_a, hi_a = sandwich_dp(e, d, correlation_floor(joint))
    assert lo_a - 1e-9 <= adv <= hi_a + 1e-9


def test_counterexample_to_naive_chain():
    # ε = δ = 0, π a function of φ: L = 1 > 0 = η, so "L ≤ Adv ≤ η" fails while the sandwich holds
    joint = np.array([[0.5, 0.0], [0.0, 0.5]])
    assert correlation_floor(joint) == 1.0 and eta(0, 0) == 0.0
    assert sandwich_dp(0, 0, 1.0) == (1.0, 1.0)


def test_g2_uniform_upper_is_attained():
    # one context, uniform prior: B = 1/2, L = 0; LP optimum = tight bound = η for G = 2
    s = optimal_success_lp_conditional(1.0, 0.05, np.array([[0.5, 0.5]]))
    assert s == pytest.approx(sandwich_success(0.5, eta(1.0, 0.05))[1], abs=1e-9)


@given(st.floats(0.5, 1), st.floats(0, 1))
def test_upper_end_is_attained(b, t):
    # oracle: a game. Prior (b, 1 − b); laws P_g = (1 − t)·δ_guess-0 + t·δ_reveal-g have pairwise TV t, and the
    # enumerated MAP success is b + (1 − b)·t: the sandwich's upper end is attained
    laws = np.array([[1 - t, t, 0.0], [1 - t, 0.0, t]])
    from theory.games import AIGame, Mechanism, Prior
    from theory.total_variation import tv_distance

    assert tv_distance(laws[0], laws[1]) == pytest.approx(t, abs=1e-15)
    s = AIGame(Prior([b, 1 - b]), Mechanism(laws)).optimal_success()
    lo, hi = sandwich_success(b, t)
    assert lo == b and hi == pytest.approx(s, abs=1e-13)
    assert sandwich_advantage(b, t)[1] == pytest.approx(b + (1 - b) * t, abs=1e-15)


def test_success_and_advantage_forms_agree_symbolically():
    g = sp.Symbol("G", positive=True)
    b_hi = sandwich_success_symbolic()[1]
    l_hi = sandwich_advantage_symbolic()[1]
    # normalising B + (1 − B)η with L = (G·B − 1)/(G − 1) gives L + (1 − L)η
    assert sp.simplify((g * b_hi - 1) / (g - 1) - l_hi.subs(L, (g * B - 1) / (g - 1))) == 0


def test_bad_input():
    with pytest.raises(ValueError, match="`bayes_success`"):
        sandwich_success(1.2, 0.1)
    with pytest.raises(ValueError, match="`tv_bound`"):
        sandwich_advantage(0.1, -0.1)
