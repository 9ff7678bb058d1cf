"""Result 6 — the tight G-ary bound.

Under (ε, δ)-DP between every pair of the G neighbouring inputs and a uniform prior, the optimal
success of any adversary is exactly

    ``Succ* = (e^ε + (G − 1)δ)/(e^ε + G − 1)``,  ``Adv* = (e^ε − 1 + G·δ)/(e^ε + G − 1)``.

Proof: sum ``P_g(S_g) ≤ e^ε P_h(S_g) + δ`` over h ≠ g, then over g, using Σ_g P_h(S_g) = 1.
Attained by G-ary randomised response mixed with δ (:func:`tight_gary_witness`). Equals η for G = 2.

Numerics: both forms are evaluated after multiplying numerator and denominator by u = e^{−ε},

    ``Succ* = (1 + (G − 1)δu)/(1 + (G − 1)u)``,  ``Adv* = ((1 − u) + G·δ·u)/(1 + (G − 1)u)``,

with ``1 − u = −expm1(−ε)``: every term is non-negative, so there is no cancellation (the naive form loses
~G·10⁻¹⁶ absolutely) and no overflow; ε = ∞ gives u = 0 and the bound 1. Valid for G up to 10^15.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from theory._array import out
from theory.validate import check_delta, check_epsilon, check_groups, check_groups_array

if TYPE_CHECKING:
    import sympy as sp


def _success(e: np.ndarray, d: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Succ* on validated arrays (no checks)."""
    u = np.exp(-e)
    gu = (g - 1.0) * u
    return np.minimum(1.0, (1.0 + gu * d) / (1.0 + gu))


def _advantage(e: np.ndarray, d: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Adv* on validated arrays (no checks)."""
    u = np.exp(-e)
    return np.clip((-np.expm1(-e) + g * d * u) / (1.0 + (g - 1.0) * u), 0.0, 1.0)


def tight_gary_success(epsilon, delta, groups):
    """Succ* = (e^ε + (G − 1)δ)/(e^ε + G − 1) ∈ [1/G, 1], vectorised over ε ∈ [0, ∞], δ ∈ [0, 1], G ≥ 2."""
    return out(_success(check_epsilon(epsilon), check_delta(delta), check_groups_array(groups)))


def tight_gary_advantage(epsilon, delta, groups):
    """Adv* = (e^ε − 1 + G·δ)/(e^ε + G − 1) ∈ [0, 1], vectorised over ε ∈ [0, ∞], δ ∈ [0, 1], G ≥ 2."""
    return out(_advantage(check_epsilon(epsilon), check_delta(delta), check_groups_array(groups)))


def tight_gary_success_symbolic() -> sp.Expr:
    """(e^ε + (G − 1)δ)/(e^ε + G − 1)."""
    import sympy as sp

    from theory.symbols import DELTA, EPS, G

    return (sp.exp(EPS) + (G - 1) * DELTA) / (sp.exp(EPS) + G - 1)


def tight_gary_advantage_symbolic() -> sp.Expr:
    """(e^ε − 1 + G·δ)/(e^ε + G − 1)."""
    import sympy as sp

    from theory.symbols import DELTA, EPS, G

    return (sp.exp(EPS) - 1 + G * DELTA) / (sp.exp(EPS) + G - 1)


def randomized_response(epsilon: float, groups: int) -> np.ndarray:
    """G-ary randomised response as a G×G stochastic matrix: report the truth with probability
    e^ε/(e^ε + G − 1) = 1/(1 + (G − 1)u), each other value with u/(1 + (G − 1)u), u = e^{−ε}. It is ε-DP;
    ε = ∞ gives the identity."""
    e = float(check_epsilon(epsilon, allow_inf=True))
    g = check_groups(groups)
    u = np.exp(-e)
    keep = 1.0 / (1.0 + (g - 1) * u)
    other = u / (1.0 + (g - 1) * u)
    m = np.full((g, g), other)
    np.fill_diagonal(m, keep)
    return m


def tight_gary_witness(epsilon: float, delta: float, groups: int) -> np.ndarray:
    """The laws P_g (G × 2G) attaining :func:`tight_gary_success`: with probability δ reveal g on a
    private symbol, otherwise run G-ary randomised response. Pairwise (ε, δ)-DP."""
    d = float(check_delta(delta))
    rr = randomized_response(epsilon, groups)
    g = rr.shape[0]
    return np.hstack([(1.0 - d) * rr, d * np.eye(g)])
