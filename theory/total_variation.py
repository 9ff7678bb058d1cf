"""Distances between output laws on a finite space.

* total variation ``TV(P, Q) = ½ Σ_y |P(y) − Q(y)| = max_S P(S) − Q(S)``;
* the hockey-stick divergence ``H_ε(P‖Q) = Σ_y max(0, P(y) − e^ε Q(y)) = max_S P(S) − e^ε Q(S)``,
  so ``P, Q`` are mutually (ε, δ)-indistinguishable iff ``max(H_ε(P‖Q), H_ε(Q‖P)) ≤ δ``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from theory.validate import check_delta, check_epsilon, check_stochastic

if TYPE_CHECKING:
    import sympy as sp


def _pair(p, q):
    m = check_stochastic(np.vstack([np.asarray(p, dtype=object if _exact(p) else float),
                                     np.asarray(q, dtype=object if _exact(q) else float)]), "P, Q")
    return m[0], m[1]


def _exact(x) -> bool:
    arr = np.asarray(x, dtype=object)
    return all(isinstance(v, (Fraction, int)) and not isinstance(v, bool) for v in arr.flat)


def tv_distance(p, q):
    """TV(P, Q) = ½ Σ_y |P(y) − Q(y)| for two probability vectors on the same finite space.

    Exact (a :class:`~fractions.Fraction`) when both inputs are fractions/integers, else a float.
    """
    a, b = _pair(p, q)
    if a.dtype == object:
        return sum((abs(x - y) for x, y in zip(a, b)), Fraction(0)) / 2
    return float(0.5 * np.abs(a - b).sum())


def tv_distance_symbolic(p, q) -> sp.Expr:
    """½ Σ_y |P(y) − Q(y)| as a sympy expression (entries may be symbols or rationals)."""
    import sympy as sp

    return sp.Rational(1, 2) * sum(sp.Abs(sp.sympify(x) - sp.sympify(y)) for x, y in zip(p, q))


def hockey_stick(p, q, epsilon):
    """H_ε(P‖Q) = Σ_y max(0, P(y) − e^ε Q(y)): the smallest δ with P(S) ≤ e^ε Q(S) + δ for all S.

    Evaluated without forming e^ε (which overflows from ε ≈ 709.8): ``Σ_{Q(y)=0} P(y) + Σ_{Q(y)>0} P(y)·
    (−expm1(min(0, ε + ln Q(y) − ln P(y))))``; ε = ∞ gives ``P(Q = 0)``.
    """
    a, b = _pair(p, q)
    e = float(check_epsilon(epsilon))
    a = a.astype(float)
    b = b.astype(float)
    pos = (a > 0) & (b > 0)
    x = np.minimum(0.0, e + np.log(b[pos]) - np.log(a[pos])) if np.isfinite(e) else np.zeros(int(pos.sum()))
    return float(a[(a > 0) & (b == 0)].sum() + (a[pos] * -np.expm1(x)).sum())


def dp_delta(p, q, epsilon):
    """Smallest δ for which P and Q are mutually (ε, δ)-indistinguishable: max(H_ε(P‖Q), H_ε(Q‖P))."""
    return max(hockey_stick(p, q, epsilon), hockey_stick(q, p, epsilon))


def dp_epsilon(p, q, delta=0.0):
    """Smallest ε ≥ 0 with max(H_ε(P‖Q), H_ε(Q‖P)) ≤ δ (``inf`` if none), by bisection on the
    non-increasing map ε ↦ H_ε."""
    d = float(check_delta(delta))
    if dp_delta(p, q, 0.0) <= d:
        return 0.0
    if dp_delta(p, q, np.inf) > d + 1e-15:
        return float("inf")
    lo, hi = 0.0, 1.0
    while dp_delta(p, q, hi) > d:
        hi *= 2.0
        if hi > 1e4:
            return float("inf")
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if dp_delta(p, q, mid) > d:
            lo = mid
        else:
            hi = mid
    return hi


def is_dp_pair(p, q, epsilon, delta, tol: float = 1e-12) -> bool:
    """True iff P and Q are mutually (ε, δ)-indistinguishable (up to ``tol``); δ ∈ [0, 1] (NaN or a non-number is
    refused with a ValueError naming ``delta``)."""
    d = float(check_delta(delta))
    return dp_delta(p, q, epsilon) <= d + tol


def max_pairwise_tv(laws) -> float:
    """max_{g,h} TV(P_g, P_h) over the rows of a stochastic matrix."""
    m = check_stochastic(laws, "laws").astype(float)
    diff = np.abs(m[:, None, :] - m[None, :, :]).sum(axis=2)
    return float(0.5 * diff.max())


def max_pairwise_delta(laws, epsilon) -> float:
    """max_{g ≠ h} H_ε(P_g‖P_h) over the rows of a stochastic matrix: the smallest δ at which the rows are
    pairwise (ε, δ)-DP (same overflow-free evaluation as :func:`hockey_stick`)."""
    m = check_stochastic(laws, "laws").astype(float)
    e = float(check_epsilon(epsilon))
    a, b = m[:, None, :], m[None, :, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.minimum(0.0, e + np.log(b) - np.log(a)) if np.isfinite(e) else np.where(b > 0, -np.inf, 0.0)
        terms = np.where(a <= 0, 0.0, np.where(b <= 0, a, a * -np.expm1(np.where(b > 0, x, 0.0))))
    if np.isinf(e):
        terms = np.where((a > 0) & (b <= 0), a, 0.0)
    return float(terms.sum(axis=2).max())
