"""Result 5 — the sandwich for any prior.

With pairwise ``TV(P_g, P_h) ≤ η`` and Bayes success from context alone ``B``:
``B ≤ Succ* ≤ B + (1 − B)·η``, equivalently ``L ≤ Adv* ≤ L + (1 − L)·η``.
(The figure's chain ``L ≤ Adv ≤ η`` fails in general: ε = δ = 0 with correlated data has L > 0 = η.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from theory._array import out
from theory.dp_to_tv import eta, eta_symbolic
from theory.validate import check_unit_interval

if TYPE_CHECKING:
    import sympy as sp


def sandwich_success(bayes_success, tv_bound):
    """(lower, upper) = (B, B + (1 − B)·η) on the optimal success; vectorised."""
    b = check_unit_interval(bayes_success, "bayes_success")
    t = check_unit_interval(tv_bound, "tv_bound")
    return out(b + 0.0 * t), out(b + (1.0 - b) * t)


def sandwich_advantage(floor, tv_bound):
    """(lower, upper) = (L, L + (1 − L)·η) on the optimal normalised advantage; vectorised."""
    lo = check_unit_interval(floor, "floor")
    t = check_unit_interval(tv_bound, "tv_bound")
    return out(lo + 0.0 * t), out(lo + (1.0 - lo) * t)


def sandwich_dp(epsilon, delta, floor):
    """(L, L + (1 − L)·η(ε, δ)): the sandwich on the advantage under (ε, δ)-DP."""
    return sandwich_advantage(floor, eta(epsilon, delta))


def sandwich_success_symbolic() -> tuple[sp.Expr, sp.Expr]:
    """(B, B + (1 − B)·η(ε, δ))."""
    from theory.symbols import B

    return B, B + (1 - B) * eta_symbolic()


def sandwich_advantage_symbolic() -> tuple[sp.Expr, sp.Expr]:
    """(L, L + (1 − L)·η(ε, δ))."""
    from theory.symbols import L

    return L, L + (1 - L) * eta_symbolic()

