"""Hypothesis strategies named after the objects they generate."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

epsilons = st.floats(min_value=0.0, max_value=12.0, allow_nan=False)
deltas = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
small_deltas = st.floats(min_value=0.0, max_value=0.2, allow_nan=False)
groups = st.integers(min_value=2, max_value=12)


@st.composite
def priors(draw, g: int | None = None, min_g: int = 2, max_g: int = 6):
    """A probability vector of length G, entries bounded away from 0 to keep LPs well conditioned."""
    n = g if g is not None else draw(st.integers(min_g, max_g))
    raw = np.array(draw(st.lists(st.floats(0.05, 1.0), min_size=n, max_size=n)))
    return raw / raw.sum()


@st.composite
def stochastic_matrices(draw, rows: int, cols: int):
    """A rows × cols row-stochastic matrix."""
    raw = np.array(draw(st.lists(st.lists(st.floats(0.0, 1.0), min_size=cols, max_size=cols),
                                 min_size=rows, max_size=rows)))
    raw = raw + 1e-3
    return raw / raw.sum(axis=1, keepdims=True)


@st.composite
def dp_mechanisms(draw, g: int, eps: float, delta: float):
    """Random pairwise (ε, δ)-DP laws: a random mechanism post-processing the tight witness
    (G-ary randomised response mixed with δ), hence (ε, δ)-DP by construction."""
    from theory.tight_gary import tight_gary_witness

    base = tight_gary_witness(eps, delta, g)
    y = draw(st.integers(2, 6))
    k = draw(stochastic_matrices(base.shape[1], y))
    return base @ k
