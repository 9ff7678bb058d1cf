"""Result 2: the correlation floor L, exact and from samples; every mechanism admits Adv ≥ L."""

from fractions import Fraction as F

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from tests.theory.strategies import stochastic_matrices
from theory.correlation_floor import (
    bayes_success_context,
    correlation_floor,
    correlation_floor_symbolic,
    joint_from_samples,
)
from theory.games import AIGame, Guard, Mechanism, Prior, SAGame


@st.composite
def joints(draw):
    rows, g = draw(st.integers(1, 4)), draw(st.integers(2, 5))
    raw = np.array(draw(st.lists(st.floats(0, 1), min_size=rows * g, max_size=rows * g))).reshape(rows, g) + 1e-3
    return raw / raw.sum()


@given(joints())
def test_range(joint):
    assert 0.0 - 1e-12 <= correlation_floor(joint) <= 1.0 + 1e-12


def test_extremes():
    assert correlation_floor(np.full((3, 4), 1 / 12)) == pytest.approx(0.0, abs=1e-15)  # uniform, independent
    assert correlation_floor(np.array([[0.2, 0.0], [0.0, 0.8]])) == 1.0  # π a function of φ
    assert correlation_floor([[F(1, 4), F(1, 12)], [F(1, 6), F(1, 2)]]) == F(1, 2)  # B = 1/4 + 1/2 = 3/4


def test_symbolic_exact():
    joint = [[F(1, 4), F(1, 12)], [F(1, 6), F(1, 2)]]
    assert correlation_floor_symbolic(joint) == sp.Rational(1, 2)


@given(joints(), st.data())
def test_every_mechanism_admits_floor(joint, data):
    # even the perfect guard (refuse all) leaves the context-only adversary with advantage L
    g = joint.shape[1]
    ctx = joint.sum(axis=1)
    prior = Prior(joint / ctx[:, None], ctx) if joint.shape[0] > 1 else Prior(joint[0] / ctx[0])
    laws = data.draw(stochastic_matrices(g, 3))
    sa = SAGame(prior, Mechanism(laws), Guard.refuse_all(3))
    assert sa.advantage() == pytest.approx(correlation_floor(joint), abs=1e-12)
    assert AIGame(prior, Mechanism(laws)).advantage() >= correlation_floor(joint) - 1e-12


def test_from_samples():
    ctx = ["a", "a", "a", "b", "b", "b", "b", "b"]
    val = ["x", "x", "y", "y", "y", "y", "x", "y"]
    table, cs, vs = joint_from_samples(ctx, val)
    assert cs == ["a", "b"] and vs == ["x", "y"]
    assert bayes_success_context(table) == pytest.approx((2 + 4) / 8)
    with pytest.raises(ValueError, match="`values`"):
        joint_from_samples(["a"], ["x"])


def test_bad_joint():
    with pytest.raises(ValueError, match="`joint`"):
        correlation_floor([[0.5, 0.6]])
