"""Normalised advantage: random guessing ↦ 0, a perfect adversary ↦ 1.

``Adv = (Succ − 1/G)/(1 − 1/G) = (G·Succ − 1)/(G − 1)`` with range ``[−1/(G−1), 1]``;
inverse ``Succ = (1 + (G − 1)·Adv)/G``. For G = 2, ``Adv = 2·Succ − 1``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from theory.validate import as_float_array, check_groups_array, check_unit_interval

if TYPE_CHECKING:
    import sympy as sp


def advantage(success, groups):
    """Adv = (G·Succ − 1)/(G − 1), vectorised over ``success`` (∈ [0, 1]) and ``groups`` (integers ≥ 2)."""
    s = check_unit_interval(success, "success")
    g = check_groups_array(groups)
    out = (g * s - 1.0) / (g - 1.0)
    return out if out.ndim else float(out)


def success_from_advantage(adv, groups):
    """Succ = (1 + (G − 1)·Adv)/G, the inverse of :func:`advantage`; ``adv`` ∈ [−1/(G−1), 1]."""

    a = as_float_array("advantage", adv)
    g = check_groups_array(groups)
    lo = -1.0 / (g - 1.0)
    if np.isnan(a).any() or (a < lo - 1e-15).any() or (a > 1 + 1e-15).any():
        raise ValueError(f"`advantage` must lie in [-1/(G-1), 1] (G = groups). Found {adv!r}.")
    out = (1.0 + (g - 1.0) * a) / g
    return out if out.ndim else float(out)


def advantage_symbolic() -> sp.Expr:
    """(G·s − 1)/(G − 1) in the symbols ``s`` (success) and ``G``."""
    from theory.symbols import G, S

    return (G * S - 1) / (G - 1)


def success_from_advantage_symbolic() -> sp.Expr:
    """(1 + (G − 1)·a)/G in the symbols ``a`` (advantage) and ``G``."""
    from theory.symbols import A, G

    return (1 + (G - 1) * A) / G
