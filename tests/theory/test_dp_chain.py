"""Result 4: Adv_SA ≤ Adv_AI ≤ max TV ≤ η (uniform prior)."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from tests.theory.strategies import dp_mechanisms, small_deltas, stochastic_matrices
from theory.dp_chain import dp_chain_advantage, dp_chain_advantage_symbolic, tv_chain_success, tv_chain_success_symbolic
from theory.dp_to_tv import eta_symbolic
from theory.games import AIGame, Guard, Mechanism, Prior, SAGame
from theory.symbols import TV, G
from theory.total_variation import max_pairwise_tv


@given(st.data(), st.floats(0, 4), small_deltas, st.integers(2, 5))
def test_chain_on_random_dp_mechanisms(data, e, d, g):
    laws = data.draw(dp_mechanisms(g, e, d))
    y = laws.shape[1]
    guard = data.draw(stochastic_matrices(y, y))
    ai = AIGame(Prior.uniform(g), Mechanism(laws))
    sa = SAGame(Prior.uniform(g), Mechanism(laws), Guard(guard))
    t = max_pairwise_tv(laws)
    assert sa.advantage() <= ai.advantage() + 1e-12
    assert ai.advantage() <= t + 1e-12
    assert ai.optimal_success() <= tv_chain_success(t, g) + 1e-12
    assert t <= dp_chain_advantage(e, d) + 1e-12


def test_symbolic():
    assert sp.simplify(dp_chain_advantage_symbolic() - eta_symbolic()) == 0
    # (1 + (G − 1)t)/G normalised is exactly t
    s = tv_chain_success_symbolic()
    assert sp.simplify((G * s - 1) / (G - 1) - TV) == 0


@given(st.floats(0, 1), st.integers(2, 10))
def test_tv_chain_is_attained(t, g):
    # oracle: the laws P_g = (1 − t)·δ_0 + t·δ_g have max pairwise TV t (enumerated) and MAP success (1 + (G − 1)t)/G
    laws = np.zeros((g, g + 1))
    laws[:, 0] = 1 - t
    laws[np.arange(g), np.arange(1, g + 1)] = t
    assert max_pairwise_tv(laws) == pytest.approx(t, abs=1e-15)
    assert tv_chain_success(t, g) == pytest.approx(AIGame(Prior.uniform(g), Mechanism(laws)).optimal_success(), abs=1e-13)
