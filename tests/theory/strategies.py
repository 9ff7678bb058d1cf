"""Hypothesis strategies named after the objects they generate: the whole domain, edges included."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

#: ε over [0, 1e3] with the edges 0, tiny, 709.78 (e^ε overflows beyond) and ∞.
epsilons = st.one_of(st.floats(0.0, 12.0), st.floats(0.0, 1e3), st.sampled_from([0.0, 1e-12, 709.0, 710.0, 1e3, float("inf")]))
moderate_epsilons = st.floats(0.0, 8.0)
#: δ over [0, 1] with the edges.
deltas = st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 1e-12, 1e-5, 1.0]))
small_deltas = st.floats(min_value=0.0, max_value=0.2, allow_nan=False)
#: G from 2 to 10^12 (closed forms).
groups = st.one_of(st.integers(2, 12), st.integers(2, 10**12), st.sampled_from([2, 3, 10**9, 10**12]))
small_groups = st.integers(2, 12)


@st.composite
def priors(draw, g: int | None = None, min_g: int = 2, max_g: int = 6):
    """A probability vector of length G, with zeros and tiny entries (down to 1e−12) among ordinary ones."""
    n = g if g is not None else draw(st.integers(min_g, max_g))
    entry = st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 1e-12, 1e-8]), st.floats(0.05, 1.0))
    raw = np.array(draw(st.lists(entry, min_size=n, max_size=n)))
    if raw.sum() <= 0:
        raw[draw(st.integers(0, n - 1))] = 1.0
    return raw / raw.sum()


@st.composite
def stochastic_matrices(draw, rows: int, cols: int):
    """A rows × cols row-stochastic matrix."""
    raw = np.array(draw(st.lists(st.lists(st.floats(0.0, 1.0), min_size=cols, max_size=cols),
                                 min_size=rows, max_size=rows)))
    raw = raw + 1e-3
    return raw / raw.sum(axis=1, keepdims=True)


def project_to_dp(laws: np.ndarray, eps: float, delta: float) -> np.ndarray:
    """Move random laws towards their mean row (identical rows are (0, 0)-DP) just far enough that every pair is
    (ε, δ)-DP: the smallest mixing weight λ on a 60-step bisection. Checked with ``dp_delta`` by the caller."""
    from theory.total_variation import dp_delta

    mean = laws.mean(axis=0, keepdims=True)

    def worst(lam):
        m = (1 - lam) * laws + lam * mean
        return max(dp_delta(m[a], m[b], eps) for a in range(len(m)) for b in range(len(m)) if a < b)

    if worst(0.0) <= delta:
        return laws
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if worst(mid) <= delta:
            hi = mid
        else:
            lo = mid
    return (1 - hi) * laws + hi * mean


@st.composite
def dp_mechanisms(draw, g: int, eps: float, delta: float):
    """Genuinely arbitrary pairwise (ε, δ)-DP laws (G × Y): random laws (sparse or spread, Y from 2 to 8) moved
    onto the boundary of the DP constraints by :func:`project_to_dp` — not post-processings of any witness."""
    y = draw(st.integers(2, 8))
    raw = np.array(draw(st.lists(st.lists(st.one_of(st.just(0.0), st.floats(0.0, 1.0)), min_size=y, max_size=y),
                                 min_size=g, max_size=g))) + 1e-9
    raw = raw / raw.sum(axis=1, keepdims=True)
    return project_to_dp(raw, eps, delta)
