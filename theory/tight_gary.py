"""Result 6 — the tight G-ary bound.

Under (ε, δ)-DP between every pair of the G neighbouring inputs and a uniform prior, the optimal
success of any adversary is exactly

    ``Succ* = (e^ε + (G − 1)δ)/(e^ε + G − 1)``,  ``Adv* = (e^ε − 1 + G·δ)/(e^ε + G − 1)``.

Proof: sum ``P_g(S_g) ≤ e^ε P_h(S_g) + δ`` over h ≠ g, then over g, using Σ_g P_h(S_g) = 1.
Attained by G-ary randomised response mixed with δ (:func:`tight_gary_witness`). Equals η for G = 2.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from theory._array import out
from theory.validate import check_delta, check_epsilon, check_groups, check_groups_array
from theory.symbols import DELTA, EPS, G


def tight_gary_success(epsilon, delta, groups):
    """Succ* = (e^ε + (G−1)δ)/(e^ε + G − 1), vectorised over ε, δ and G (written with u = e^{−ε})."""
    e = check_epsilon(epsilon)
    d = check_delta(delta)
    g = check_groups_array(groups)
    u = np.exp(-e)
    return out((1.0 + (g - 1.0) * d * u) / (1.0 + (g - 1.0) * u))


def tight_gary_advantage(epsilon, delta, groups):
    """Adv* = (e^ε − 1 + G·δ)/(e^ε + G − 1), vectorised; ``(G·δ(1+m) − m)/(G + (G−1)m)``, m = expm1(−ε)."""
    e = check_epsilon(epsilon)
    d = check_delta(delta)
    g = check_groups_array(groups)
    m = np.expm1(-e)
    return out((g * d * (1.0 + m) - m) / (g + (g - 1.0) * m))


def tight_gary_success_symbolic() -> sp.Expr:
    """(e^ε + (G − 1)δ)/(e^ε + G − 1)."""
    return (sp.exp(EPS) + (G - 1) * DELTA) / (sp.exp(EPS) + G - 1)


def tight_gary_advantage_symbolic() -> sp.Expr:
    """(e^ε − 1 + G·δ)/(e^ε + G − 1)."""
    return (sp.exp(EPS) - 1 + G * DELTA) / (sp.exp(EPS) + G - 1)


def randomized_response(epsilon: float, groups: int) -> np.ndarray:
    """G-ary randomised response as a G×G stochastic matrix: report the truth with probability
    e^ε/(e^ε + G − 1), each other value with 1/(e^ε + G − 1). It is ε-DP."""
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
