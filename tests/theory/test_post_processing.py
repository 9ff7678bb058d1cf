"""Result 1: SA ≤ AI by post-processing; TV never rises under a stochastic matrix."""

from fractions import Fraction as F

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from tests.theory.strategies import priors, stochastic_matrices
from theory.games import Adversary, AIGame, Guard, Mechanism, Prior, SAGame
from theory.post_processing import post_processing_tv, post_processing_tv_symbolic, sa_optimal_success_le_ai


@given(st.data(), st.integers(2, 6), st.integers(2, 6))
def test_tv_never_rises(data, y, z):
    p, q = data.draw(stochastic_matrices(2, y))
    k = data.draw(stochastic_matrices(y, z))
    before, after = post_processing_tv(p, q, k)
    assert after <= before + 1e-12


def test_identity_and_perfect_guard():
    p, q = [0.7, 0.2, 0.1], [0.1, 0.3, 0.6]
    before, after = post_processing_tv(p, q, np.eye(3))
    assert before == after == pytest.approx(0.6)
    assert post_processing_tv(p, q, Guard.refuse_all(3).matrix)[1] == pytest.approx(0.0, abs=1e-15)


def test_exact_and_symbolic():
    p, q = [F(1, 2), F(1, 2)], [F(1, 4), F(3, 4)]
    k = [[F(1, 3), F(2, 3)], [F(2, 3), F(1, 3)]]
    before, after = post_processing_tv(p, q, np.array(k, dtype=object))
    assert (before, after) == (F(1, 4), F(1, 12))
    sb, sa = post_processing_tv_symbolic(p, q, k)
    assert (sb, sa) == (sp.Rational(1, 4), sp.Rational(1, 12))


@given(st.data(), st.integers(2, 4), st.integers(2, 5))
def test_sa_success_never_exceeds_ai(data, g, y):
    w = data.draw(priors(g=g))
    laws = data.draw(stochastic_matrices(g, y))
    guard = data.draw(stochastic_matrices(y, y))
    game = SAGame(Prior(w), Mechanism(laws), Guard(guard))
    sa, ai = sa_optimal_success_le_ai(game)
    assert sa <= ai + 1e-12


@given(st.data(), st.integers(2, 4), st.integers(2, 4))
def test_adversary_after_guard_has_equal_success(data, g, y):
    w = data.draw(priors(g=g))
    laws = data.draw(stochastic_matrices(g, y))
    guard = Guard(data.draw(stochastic_matrices(y, y)))
    adv = Adversary(data.draw(stochastic_matrices(y, g)))
    sa = SAGame(Prior(w), Mechanism(laws), guard)
    assert sa.success(adv) == pytest.approx(sa.as_ai_game().success(adv.after_guard(guard)), abs=1e-12)


def test_same_adversary_reading_is_false():
    # The literal "same A on both sides" reading fails: an adversary tuned to the guarded outputs can do
    # worse without the guard. Guard swaps outputs; A decodes the swapped output.
    prior = Prior.uniform(2)
    mech = Mechanism(np.eye(2))
    guard = Guard(np.array([[0.0, 1.0], [1.0, 0.0]]))
    a = Adversary(np.array([[0.0, 1.0], [1.0, 0.0]]))
    assert SAGame(prior, mech, guard).success(a) == 1.0
    assert AIGame(prior, mech).success(a) == 0.0
