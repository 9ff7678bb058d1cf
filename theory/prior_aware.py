"""Result 7 — the exact optimum of the attribute-inference game for any prior, in closed form.

For a prior w with values sorted ``w_(1) ≥ w_(2) ≥ …``, partial sums ``W_k = Σ_{i≤k} w_(i)`` and u = e^{−ε},
the optimal success over all mechanisms that are (ε, δ)-DP between every pair of the G inputs is exactly

    ``Succ*(ε, δ, w) = δ + (1 − δ)·M(ε, w)``,  ``M(ε, w) = max_k e^ε/(e^ε + k − 1)·W_k = max_k W_k/(1 + (k − 1)u)``.

δ = 0 is the pure-DP closed form; a uniform prior gives the tight G-ary bound (result 6).

*Achieved* by :func:`optimal_mechanism`: with probability δ reveal the value, otherwise run randomised response
restricted to the k most likely values (the others mapped uniformly onto those k) — ε-DP, so the mixture is
(ε, δ)-DP.

*Upper bound* (proof). Let Q[g, h] = Pr[guess h | π = g] be any (ε, δ)-DP guess matrix, x_g = Q[g, g]. The
singleton events give ``Q[g, h] ≥ u·(x_h − δ)`` for h ≠ g, so the row sums give
``x_g + u·Σ_{h≠g} v_h ≤ 1`` with ``v_h = (x_h − δ)⁺``. Hence ``v_g + u·Σ_{h≠g} v_h ≤ 1 − δ`` for every g
(for v_g = 0 it follows from the row of any g′ with v_{g′} > 0, since u ≤ 1). With z = v/(1 − δ):
``(1 − u)z_g + u·Z ≤ 1`` for every g (Z = Σ_h z_h), z ≥ 0. Take ``y_g = (w_g − uM)⁺/(1 − u)`` (u < 1) and
Y = Σ_g y_g. *Dual feasibility*, ``(1 − u)y_h + u·Y ≥ w_h`` for every h, needs exactly Y ≥ M (for w_h > uM it reads
u·Y ≥ uM; for w_h ≤ uM, u·Y ≥ uM ≥ w_h suffices); *the bound* needs Y ≤ M. Both hold, Y = M: let j = #{g : w_g > uM}
(the j largest entries), so ``Y = (W_j − j·uM)/(1 − u)`` and Y = M ⇔ ``W_j = M(1 + (j − 1)u)``. The function
``f(k) = W_k − M(1 + (k − 1)u)`` is ≤ 0 for every k (definition of M) and = 0 at a maximiser k*; its increments
``f(k) − f(k − 1) = w_(k) − uM`` are > 0 for k ≤ j and ≤ 0 for k > j (w sorted), so f is largest at k = j and
``0 = f(k*) ≤ f(j) ≤ 0``. (j ≥ 1: if j = 0, f is non-increasing, k* = 1, M = w_(1) > u·w_(1) = uM, a
contradiction; M ≥ w_(1) > 0.) Then, by feasibility of y and of z,
``Σ_h w_h z_h ≤ Σ_h z_h((1 − u)y_h + u·Y) = Σ_g y_g((1 − u)z_g + u·Z) ≤ Σ_g y_g = M``, so
``Σ_g w_g x_g ≤ Σ_g w_g (δ + v_g) ≤ δ + (1 − δ)M``. (u = 1 is ε = 0: then Z ≤ 1 directly and M = w_(1).)

Numerics: only sums of non-negative terms and ``W_k/(1 + (k − 1)u)``, exact to a few ulps for every ε ∈ [0, ∞]
(ε = ∞: u = 0, M = 1), δ ∈ [0, 1], priors with zeros or tiny entries (renormalised when their sum is off by at
most 1e−9, see :func:`theory.validate.check_prior`).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from theory._array import out
from theory.validate import check_delta, check_epsilon, check_prior, check_unit_interval


def _sorted_prior(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(W_k, T_k): partial sums of the sorted prior and the tail sums Σ_{i>k} w_(i) (T_G = 0 exactly)."""
    ws = np.sort(np.asarray(w, dtype=float))[::-1]
    tail = np.concatenate([np.cumsum(ws[::-1])[::-1][1:], [0.0]])
    return np.cumsum(ws), tail


def _pure(e: np.ndarray, w: np.ndarray) -> np.ndarray:
    """M(ε, w) = max_k W_k/(1 + (k − 1)e^{−ε}) on validated input (vectorised over ε)."""
    cum, _ = _sorted_prior(w)
    k = np.arange(cum.size, dtype=float)
    u = np.exp(-np.asarray(e, dtype=float))[..., None]
    return np.minimum(1.0, (cum / (1.0 + k * u)).max(axis=-1))


def _optimal(e: np.ndarray, d: np.ndarray, w: np.ndarray) -> np.ndarray:
    """δ + (1 − δ)·M(ε, w) on validated input (vectorised over ε and δ)."""
    return np.minimum(1.0, d + (1.0 - d) * _pure(e, w))


def optimal_success(epsilon, delta, prior):
    """Succ*(ε, δ, w) = δ + (1 − δ)·max_k W_k/(1 + (k − 1)e^{−ε}): the exact optimal success of the
    attribute-inference game under pairwise (ε, δ)-DP for the prior w; vectorised over ε and δ (one prior).

    >>> round(optimal_success(1.0, 0.01, [0.5, 0.3, 0.2]), 10)
    0.5889983943
    """
    e = check_epsilon(epsilon)
    d = check_delta(delta)
    w = check_prior(prior).astype(float)
    e, d = np.broadcast_arrays(e, d)
    return out(_optimal(e, d, w))


def prior_aware_success(epsilon, prior, *, delta=0.0):
    """max_k e^ε/(e^ε + k − 1)·Σ_{i≤k} w_(i) (pure ε-DP, the default) or, with ``delta``, the (ε, δ) optimum
    :func:`optimal_success`; vectorised over ε (``prior`` is one vector)."""
    return optimal_success(epsilon, delta, prior)


def prior_aware_argmax(epsilon: float, prior) -> int:
    """The k attaining the maximum in M(ε, w) (the optimal mechanism's support size; the smallest on ties)."""
    e = float(check_epsilon(epsilon))
    w = check_prior(prior).astype(float)
    cum, _ = _sorted_prior(w)
    return int(np.argmax(cum / (1.0 + np.arange(cum.size) * np.exp(-e)))) + 1


def prior_aware_success_symbolic(prior, delta=0):
    """The closed form with an exact (rational or symbolic) prior and δ, as a sympy expression in ε:
    ``δ + (1 − δ)·Max_k e^ε/(e^ε + k − 1)·W_k``."""
    import sympy as sp

    from theory.symbols import EPS

    w = sorted((sp.nsimplify(Fraction(x)) if not isinstance(x, sp.Basic) else x for x in prior), reverse=True)
    terms = [sp.exp(EPS) / (sp.exp(EPS) + k - 1) * sum(w[:k]) for k in range(1, len(w) + 1)]
    d = sp.nsimplify(delta) if not isinstance(delta, sp.Basic) else delta
    return d + (1 - d) * sp.Max(*terms) if d != 0 else sp.Max(*terms)


def prior_aware_witness(epsilon: float, prior) -> np.ndarray:
    """An ε-DP G×G mechanism (laws over guesses) attaining M(ε, w): randomised response restricted to the k
    most likely values (keep 1/(1 + (k − 1)u), each other of the k: u/(1 + (k − 1)u)), the remaining values
    mapped uniformly onto those k. ε = ∞ allowed (u = 0)."""
    e = float(check_epsilon(epsilon))
    w = check_prior(prior).astype(float)
    g = w.size
    k = prior_aware_argmax(e, w)
    top = np.argsort(-w, kind="stable")[:k]
    u = np.exp(-e)
    keep, other = 1.0 / (1.0 + (k - 1) * u), u / (1.0 + (k - 1) * u)
    laws = np.zeros((g, g))
    in_top = np.zeros(g, dtype=bool)
    in_top[top] = True
    for row in range(g):
        if in_top[row]:
            laws[row, top] = other
            laws[row, row] = keep
        else:
            laws[row, top] = 1.0 / k
    return laws


def optimal_mechanism(epsilon: float, delta: float, prior) -> np.ndarray:
    """A pairwise (ε, δ)-DP G×G guess matrix attaining :func:`optimal_success`: ``δ·I + (1 − δ)·R`` with R the
    ε-DP :func:`prior_aware_witness` (reveal the value with probability δ, else run R)."""
    d = float(check_delta(delta))
    r = prior_aware_witness(epsilon, prior)
    return d * np.eye(r.shape[0]) + (1.0 - d) * r


def epsilon_lower_bound_prior(success, delta, prior):
    """The smallest ε whose exact optimum reaches ``success``: min ε with Succ*(ε, δ, w) ≥ s, in closed form.

    With r = (s − δ)/(1 − δ): 0 when r ≤ w_(1) (the prior alone, or δ, reaches s); otherwise
    ``min_k ln((k − 1)·r/(W_k − r))`` over the k with W_k > r (``W_k − r = (1 − s)/(1 − δ) − T_k`` with the tail
    sums T_k, so there is no cancellation near s = 1); ∞ when s = 1 > δ. Vectorised over ``success``.
    """
    s = check_unit_interval(success, "success")
    d = float(check_delta(delta))
    w = check_prior(prior).astype(float)
    cum, tail = _sorted_prior(w)
    if d == 1.0:
        return out(np.zeros_like(s))
    r = (s - d) / (1.0 - d)
    gap = ((1.0 - s) / (1.0 - d))[..., None] - tail  # W_k − r
    k = np.arange(cum.size, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        cand = np.where(gap > 0, np.log(k * r[..., None]) - np.log(gap), np.inf)
    cand[..., 0] = np.where(gap[..., 0] >= 0, 0.0, np.inf)  # k = 1: ε = 0 reaches s iff w_(1) ≥ r
    res = np.maximum(0.0, cand.min(axis=-1))
    return out(np.where(r <= cum[0], 0.0, res))
