"""Result 8: composition, group privacy, TV tensorisation — by enumeration and a 60-digit oracle."""

import itertools

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from tests.theory import oracles
from tests.theory.strategies import deltas, epsilons, stochastic_matrices
from theory.composition import basic_composition, group_privacy, group_privacy_symbolic, tv_tensorisation
from theory.symbols import DELTA, EPS, K
from theory.total_variation import dp_delta, tv_distance


@given(stochastic_matrices(2, 3), st.floats(0, 3), st.integers(1, 3))
def test_basic_composition_by_enumeration(pq, e, k):
    # oracle: the k-fold product laws, enumerated; their hockey-stick divergence at kε is at most min(1, kδ)
    p, q = pq
    d = dp_delta(p, q, e)
    pk = np.array([np.prod(c) for c in itertools.product(p, repeat=k)])
    qk = np.array([np.prod(c) for c in itertools.product(q, repeat=k)])
    ek, dk = basic_composition(e, d, k)
    assert ek == pytest.approx(k * e, rel=1e-15)
    assert dp_delta(pk, qk, ek) <= dk + 1e-12


@given(epsilons, deltas, st.integers(1, 6))
def test_group_privacy_equals_mpmath(e, d, k):
    ek, dk = group_privacy(e, d, k)
    assert dk == pytest.approx(float(oracles.group_delta(e, d, k)), rel=1e-12, abs=1e-300)
    assert 0.0 <= dk <= 1.0


def test_group_privacy_issue_values():
    assert group_privacy(800, 1e-5, 2) == (1600.0, 1.0)  # was (1600, nan)
    assert group_privacy(float("inf"), 1e-9, 2)[1] == 1.0
    assert group_privacy(float("inf"), 0.0, 2)[1] == 0.0


@given(st.floats(0.01, 3), st.floats(0, 0.05))
def test_group_privacy_is_sound_on_a_chain(e, d):
    # oracle: three laws P0 ~ P1 ~ P2, each step exactly (ε, δ)-DP (enumerated); P0 vs P2 obeys (2ε, (1 + e^ε)δ)
    u = np.exp(-e)
    step = np.array([[1, u, u * u], [u, 1, u], [u * u, u, 1]])
    laws = step / step.sum(axis=1, keepdims=True)
    laws = (1 - d) * laws + d * np.eye(3)
    d01 = max(dp_delta(laws[0], laws[1], e), dp_delta(laws[1], laws[2], e))
    e2, d2 = group_privacy(e, d01, 2)
    assert dp_delta(laws[0], laws[2], e2) <= d2 + 1e-12


def test_group_privacy_symbolic_k2():
    _, sd = group_privacy_symbolic()
    assert sp.simplify(sd.subs(K, 2).doit() - DELTA * (1 + sp.exp(EPS))) == 0


@given(stochastic_matrices(2, 3), st.integers(1, 3))
def test_tv_tensorisation_by_enumeration(pq, k):
    p, q = pq
    pk = np.array([np.prod(c) for c in itertools.product(p, repeat=k)])
    qk = np.array([np.prod(c) for c in itertools.product(q, repeat=k)])
    assert tv_distance(pk, qk) <= tv_tensorisation(tv_distance(p, q), k) + 1e-12
