"""Finite games: exact evaluation (fractions) against enumeration, Monte Carlo against exact, MAP optimality."""

from fractions import Fraction as F
from itertools import product

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.theory.strategies import priors, stochastic_matrices
from theory.games import Adversary, AIGame, Guard, Mechanism, Prior, SAGame


def test_exact_rr_game():
    rr = np.array([[F(1, 2), F(1, 4), F(1, 4)], [F(1, 4), F(1, 2), F(1, 4)], [F(1, 4), F(1, 4), F(1, 2)]], dtype=object)
    game = AIGame(Prior.uniform(3, exact=True), Mechanism(rr))
    assert game.optimal_success() == F(1, 2)
    assert game.advantage() == F(1, 4)
    assert game.success(game.map_adversary()) == F(1, 2)
    assert SAGame(Prior.uniform(3, exact=True), Mechanism(rr), Guard.refuse_all(3, exact=True)).optimal_success() == F(1, 3)


@given(st.data(), st.integers(2, 3), st.integers(2, 3))
def test_map_beats_every_deterministic_rule(data, g, y):
    w = data.draw(priors(g=g))
    laws = data.draw(stochastic_matrices(g, y))
    game = AIGame(Prior(w), Mechanism(laws))
    best = 0.0
    for choice in product(range(g), repeat=y):  # every deterministic decision rule, enumerated
        rule = np.zeros((y, g))
        rule[np.arange(y), choice] = 1
        best = max(best, game.success(Adversary(rule)))
    assert game.optimal_success() == pytest.approx(best, abs=1e-12)
    assert game.success(game.map_adversary()) == pytest.approx(best, abs=1e-12)


def test_monte_carlo_brackets_exact():
    laws = np.array([[0.6, 0.3, 0.1], [0.2, 0.3, 0.5]])
    game = AIGame(Prior([0.4, 0.6]), Mechanism(laws))
    est, (lo, hi) = game.monte_carlo_success(game.map_adversary(), 20000, seed=7)
    assert lo <= game.optimal_success() <= hi
    assert est == game.monte_carlo_success(game.map_adversary(), 20000, seed=7)[0]  # seeded


def test_conditional_prior_with_context_laws():
    prior = Prior(np.array([[0.9, 0.1], [0.2, 0.8]]), np.array([0.5, 0.5]))
    mech = Mechanism(np.array([np.eye(2), np.full((2, 2), 0.5)]))  # context 1 reveals, context 2 is silent
    game = AIGame(prior, mech)
    assert game.optimal_success() == pytest.approx(0.5 * 1.0 + 0.5 * 0.8)


def test_bad_shapes():
    with pytest.raises(ValueError, match="`laws`"):
        Mechanism(np.array([[0.5, 0.6]]))
    with pytest.raises(ValueError, match="`mechanism`"):
        AIGame(Prior.uniform(3), Mechanism(np.eye(2)))
    with pytest.raises(ValueError, match="`guard`"):
        SAGame(Prior.uniform(2), Mechanism(np.eye(2)), Guard(np.eye(3)))
