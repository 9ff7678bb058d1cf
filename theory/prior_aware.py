"""Result 7 — the prior-aware bound for pure ε-DP.

For any prior w with sorted values ``w_(1) ≥ w_(2) ≥ …``, the optimal success over all ε-DP
mechanisms is exactly

    ``Succ* = max_k  e^ε/(e^ε + k − 1) · Σ_{i≤k} w_(i)``.

For δ > 0 and a non-uniform prior no closed form is known: use :func:`theory.optimal_lp.optimal_success_lp`.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp

from theory.validate import check_epsilon, check_prior


def prior_aware_success(epsilon, prior):
    """max_k e^ε/(e^ε + k − 1)·Σ_{i≤k} w_(i); vectorised over ε (``prior`` is one vector)."""
    e = check_epsilon(epsilon)
    w = np.sort(check_prior(prior).astype(float))[::-1]
    k = np.arange(1, w.size + 1, dtype=float)
    u = np.exp(-e)[..., None]
    vals = np.cumsum(w) / (1.0 + (k - 1.0) * u)
    res = vals.max(axis=-1)
    return float(res) if res.ndim == 0 else res


def prior_aware_argmax(epsilon: float, prior) -> int:
    """The k attaining the maximum in :func:`prior_aware_success` (the optimal mechanism's support size)."""
    e = float(check_epsilon(epsilon))
    w = np.sort(check_prior(prior).astype(float))[::-1]
    k = np.arange(1, w.size + 1, dtype=float)
    return int(np.argmax(np.cumsum(w) / (1.0 + (k - 1.0) * np.exp(-e)))) + 1


def prior_aware_success_symbolic(prior) -> sp.Expr:
    """The closed form with an exact (rational or symbolic) prior, as a sympy ``Max`` in ε."""
    from theory.symbols import EPS

    w = sorted((sp.nsimplify(Fraction(x)) if not isinstance(x, sp.Basic) else x for x in prior), reverse=True)
    terms = [sp.exp(EPS) / (sp.exp(EPS) + k - 1) * sum(w[:k]) for k in range(1, len(w) + 1)]
    return sp.Max(*terms)


def prior_aware_witness(epsilon: float, prior) -> np.ndarray:
    """An ε-DP G×G mechanism (laws over guesses) attaining the closed form: randomised response
    restricted to the k most likely values, the others mapped uniformly onto those k."""
    e = float(check_epsilon(epsilon, allow_inf=False))
    w = check_prior(prior).astype(float)
    g = w.size
    k = prior_aware_argmax(e, w)
    top = np.argsort(-w, kind="stable")[:k]
    denom = np.exp(e) + k - 1
    laws = np.zeros((g, g))
    for row in range(g):
        laws[row, top] = 1.0 / denom
        if row in top:
            laws[row, row] = np.exp(e) / denom
        else:
            laws[row, top] = 1.0 / k
    return laws
