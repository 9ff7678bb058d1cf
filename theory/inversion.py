"""Inverting bounds: the smallest ε consistent with an observed advantage (the empirical ε lower bound).

* tight G-ary bound (result 6, uniform prior): ``ε_lb = ln((1 + (G − 1)·a − G·δ)/(1 − a))``, evaluated as
  ``log1p(G·(a − δ)/(1 − a))`` (the argument minus 1 has no cancellation, so ε_lb is accurate down to 0 and
  for G up to 10^15); 0 when a ≤ δ (δ alone explains the advantage), ∞ when a = 1 > δ;
* η (result 3, G = 2): ``ε_lb = ln((1 + a − 2δ)/(1 − a))``;
* any prior (result 7): the closed form of :func:`theory.prior_aware.epsilon_lower_bound_prior` — the smallest ε
  whose exact optimum ``δ + (1 − δ)·max_k W_k/(1 + (k − 1)e^{−ε})`` reaches the observed success; 0 when the
  prior alone reaches it.

An advantage outside ``[−1/(G − 1), 1]`` is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from theory._array import out
from theory.prior_aware import epsilon_lower_bound_prior
from theory.validate import check_advantage, check_delta, check_groups_array, check_prior

if TYPE_CHECKING:
    import sympy as sp


def _uniform(a: np.ndarray, d: np.ndarray, g: np.ndarray) -> np.ndarray:
    """ε_lb of the tight G-ary bound on validated arrays."""
    a, d, g = np.broadcast_arrays(a, d, g)
    with np.errstate(divide="ignore", invalid="ignore"):
        res = np.log1p(g * (a - d) / (1.0 - a))
    return np.where(a <= d, 0.0, np.where(a >= 1.0, np.inf, res))


def epsilon_lower_bound(advantage, delta, groups, *, prior=None):
    """The smallest ε whose exact optimum admits advantage ``a`` at δ with G values; vectorised over a and δ.

    Uniform prior (default): ``max(0, ln((1 + (G − 1)a − Gδ)/(1 − a)))`` = ``log1p(G(a − δ)/(1 − a))`` for
    δ < a < 1. With ``prior`` (length G): the closed-form inversion of the prior-aware optimum at the success
    ``(1 + (G − 1)a)/G`` (0 when guessing the likeliest value already reaches it). ``a`` ∈ [−1/(G − 1), 1].
    """
    g = check_groups_array(groups)
    a = check_advantage(advantage, g)
    d = check_delta(delta)
    if prior is None:
        return out(_uniform(a, d, g))
    if g.ndim:
        raise ValueError("`groups` must be one integer when `prior` is given.")
    w = check_prior(prior, "prior", groups=int(g))
    success = np.clip((1.0 + (g - 1.0) * a) / g, 0.0, 1.0)
    if d.ndim:
        return out(np.vectorize(lambda s, dd: float(epsilon_lower_bound_prior(s, dd, w)))(success, d))
    return epsilon_lower_bound_prior(success, float(d), w)


def epsilon_lower_bound_symbolic() -> sp.Expr:
    """ln((1 + (G − 1)·a − G·δ)/(1 − a))."""
    import sympy as sp

    from theory.symbols import DELTA, A, G

    return sp.log((1 + (G - 1) * A - G * DELTA) / (1 - A))


def epsilon_lower_bound_eta(advantage, delta):
    """ε_lb for η (G = 2): ln((1 + a − 2δ)/(1 − a))."""
    return epsilon_lower_bound(advantage, delta, 2)


def epsilon_lower_bound_eta_symbolic() -> sp.Expr:
    """ln((1 + a − 2δ)/(1 − a))."""
    import sympy as sp

    from theory.symbols import DELTA, A

    return sp.log((1 + A - 2 * DELTA) / (1 - A))


def epsilon_lower_bound_success(success, delta, prior):
    """Smallest ε with Succ*(ε, δ, w) ≥ ``success`` for a given prior (closed form, see
    :func:`theory.prior_aware.epsilon_lower_bound_prior`); ∞ when success = 1 > δ."""
    return epsilon_lower_bound_prior(success, delta, prior)
