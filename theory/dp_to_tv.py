"""Result 3 — DP ⇒ TV: mutually (ε, δ)-indistinguishable laws are η(ε, δ)-close in total variation.

``TV(P, Q) ≤ η(ε, δ) = (e^ε − 1 + 2δ)/(e^ε + 1)``, tight (attained by :func:`eta_witness`).
Special cases ``η(ε, 0) = tanh(ε/2)``, ``η(0, δ) = δ``, ``η(ε, 1) = 1``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from theory._array import out
from theory.validate import check_delta, check_epsilon

if TYPE_CHECKING:
    import sympy as sp


def eta(epsilon, delta=0.0):
    """η(ε, δ) = (e^ε − 1 + 2δ)/(e^ε + 1), vectorised over ε ≥ 0 (``inf`` allowed) and δ ∈ [0, 1].

    Evaluated in the overflow-free form ``(1 − u + 2δu)/(1 + u)``, u = e^{−ε} (see :func:`_eta`), no
    overflow for large ε and full precision for small ε.

    >>> round(eta(1.0, 0.0), 10)
    0.4621171573
    """
    e = check_epsilon(epsilon)
    d = check_delta(delta)
    return out(_eta(e, d))


def _eta(e: np.ndarray, d: np.ndarray) -> np.ndarray:
    """η on validated arrays: ``(1 − u + 2δu)/(1 + u)`` with u = e^{−ε} (in place, no overflow); entries
    with ε < 1e-3 are recomputed as ``(2δ(1 + m) − m)/(2 + m)``, m = expm1(−ε), for full relative precision."""
    if e.ndim == 0 or d.ndim == 0 or e.shape != d.shape:
        e, d = np.broadcast_arrays(e, d)
        m = np.expm1(-e)
        return (2.0 * d * (1.0 + m) - m) / (2.0 + m)
    u = np.negative(e)
    np.exp(u, out=u)
    num = d * 2.0
    num -= 1.0
    num *= u
    num += 1.0
    u += 1.0
    num /= u
    small = e < 1e-3
    if small.any():
        m = np.expm1(-e[small])
        ds = d[small]
        num[small] = (2.0 * ds * (1.0 + m) - m) / (2.0 + m)
    return num


def eta_symbolic() -> sp.Expr:
    """(e^ε − 1 + 2δ)/(e^ε + 1) in the symbols ε, δ of :mod:`theory.symbols`."""
    import sympy as sp

    from theory.symbols import DELTA, EPS

    return (sp.exp(EPS) - 1 + 2 * DELTA) / (sp.exp(EPS) + 1)


def eta_witness(epsilon: float, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """A 4-point (ε, δ)-indistinguishable pair with TV exactly η(ε, δ).

    ``P = (δ, (1−δ)e^ε/(1+e^ε), (1−δ)/(1+e^ε), 0)``, ``Q`` = P reversed (ε = ∞ allowed: P = (δ, 1 − δ, 0, 0)).
    """
    e = float(check_epsilon(epsilon))
    d = float(check_delta(delta))
    u = np.exp(-e)
    hi = (1.0 - d) / (1.0 + u)
    lo = (1.0 - d) * u / (1.0 + u)
    p = np.array([d, hi, lo, 0.0])
    return p, p[::-1].copy()


def eta_witness_symbolic() -> tuple[list[sp.Expr], list[sp.Expr]]:
    """The witness of :func:`eta_witness` as sympy expressions in ε, δ."""
    import sympy as sp

    from theory.symbols import DELTA, EPS

    e = sp.exp(EPS)
    p = [DELTA, (1 - DELTA) * e / (1 + e), (1 - DELTA) / (1 + e), sp.Integer(0)]
    return p, p[::-1]
