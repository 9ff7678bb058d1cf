"""Result 4 — the DP upper bound on SA under a uniform prior (the paper's chain).

``Adv_SA ≤ Adv_AI ≤ max_{g,h} TV(P_g, P_h) ≤ η(ε, δ)``.

The middle step: with t = max TV, ``Σ_g P_g(S_g) ≤ P_1(S_1) + Σ_{g≠1} (P_1(S_g) + t) = 1 + (G − 1)t``,
so ``Succ ≤ (1 + (G − 1)t)/G``, i.e. ``Adv ≤ t``. The tight G-ary bound (result 6) refines the last step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from theory._array import out
from theory.dp_to_tv import eta, eta_symbolic
from theory.validate import check_groups_array, check_unit_interval

if TYPE_CHECKING:
    import sympy as sp


def dp_chain_advantage(epsilon, delta):
    """η(ε, δ): the chain's bound on Adv_SA (and Adv_AI) for any G under a uniform prior."""
    return eta(epsilon, delta)


def dp_chain_advantage_symbolic() -> sp.Expr:
    """η(ε, δ) as the chain's bound."""
    return eta_symbolic()


def tv_chain_success(max_tv, groups):
    """Succ ≤ (1 + (G − 1)·t)/G from t = max_{g,h} TV(P_g, P_h) (uniform prior)."""
    t = check_unit_interval(max_tv, "max_tv")
    g = check_groups_array(groups)
    return out((1.0 + (g - 1.0) * t) / g)


def tv_chain_success_symbolic() -> sp.Expr:
    """(1 + (G − 1)·t)/G."""
    from theory.symbols import TV, G

    return (1 + (G - 1) * TV) / G
