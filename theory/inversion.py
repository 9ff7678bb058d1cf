"""Inverting bounds: the smallest ε consistent with an observed advantage (the empirical ε lower bound).

* tight G-ary bound (result 6): ``ε_lb = ln((1 + (G − 1)·a − G·δ)/(1 − a))`` (when the argument > 1);
* η (result 3, G = 2): ``ε_lb = ln((1 + a − 2δ)/(1 − a))``;
* prior-aware / LP bounds: bracketing then ``brentq`` on the monotone map ε ↦ bound.

An advantage at or below the bound at ε = 0 certifies nothing (ε_lb = 0); a = 1 with G·δ < 1 is
only consistent with ε = ∞.
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from scipy.optimize import brentq

from theory._array import out
from theory.validate import as_float_array, check_delta, check_groups_array, check_prior, check_unit_interval
from theory.symbols import DELTA, A, G


def epsilon_lower_bound(advantage, delta, groups):
    """ε_lb = max(0, ln((1 + (G − 1)a − Gδ)/(1 − a))): the smallest ε whose tight G-ary bound admits
    advantage ``a``; vectorised. ``inf`` when a = 1 and Gδ < 1."""
    a = as_float_array("advantage", advantage)
    if np.isnan(a).any() or (a > 1).any():
        raise ValueError(f"`advantage` must be a number <= 1 (advantages lie in [-1/(G-1), 1]). Found {advantage!r}.")
    d = check_delta(delta)
    g = check_groups_array(groups)
    num = 1.0 + (g - 1.0) * a - g * d
    den = 1.0 - a
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.where(num > 0, np.inf, 1.0))
        res = np.where(ratio > 1.0, np.log(np.where(ratio > 1.0, ratio, 1.0)), 0.0)
    return out(res)


def epsilon_lower_bound_symbolic() -> sp.Expr:
    """ln((1 + (G − 1)·a − G·δ)/(1 − a))."""
    return sp.log((1 + (G - 1) * A - G * DELTA) / (1 - A))


def epsilon_lower_bound_eta(advantage, delta):
    """ε_lb for η (G = 2): ln((1 + a − 2δ)/(1 − a))."""
    return epsilon_lower_bound(advantage, delta, 2)


def epsilon_lower_bound_eta_symbolic() -> sp.Expr:
    """ln((1 + a − 2δ)/(1 − a))."""
    return sp.log((1 + A - 2 * DELTA) / (1 - A))


def epsilon_lower_bound_success(success: float, delta: float, prior, method: str = "lp") -> float:
    """Smallest ε with Succ*(ε, δ, w) ≥ ``success`` for a given prior, by brentq on the monotone map
    ε ↦ Succ* (``method='lp'``: the exact LP; ``'prior_aware'``: the pure-DP closed form, δ must be 0)."""
    from theory.optimal_lp import optimal_success_lp
    from theory.prior_aware import prior_aware_success

    s = float(check_unit_interval(success, "success"))
    d = float(check_delta(delta))
    w = check_prior(prior).astype(float)
    if method == "lp":
        def f(e):
            return optimal_success_lp(e, d, w).success
    elif method == "prior_aware":
        if d != 0:
            raise ValueError(f"`method`='prior_aware' is the pure-DP closed form: `delta` must be 0. Found {d!r}.")

        def f(e):
            return prior_aware_success(e, w)
    else:
        raise ValueError(f"`method` must be 'lp' or 'prior_aware'. Found {method!r}.")
    if s <= f(0.0) + 1e-12:
        return 0.0
    if s >= 1.0 - 1e-15:
        return float("inf") if f(50.0) < 1.0 - 1e-12 else 50.0
    hi = 1.0
    while f(hi) < s:
        hi *= 2.0
        if hi > 100:
            return float("inf")
    return float(brentq(lambda e: f(e) - s, 0.0, hi, xtol=1e-12))
