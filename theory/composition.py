"""Result 8 — composition and group privacy.

* basic composition of k (ε, δ)-DP mechanisms: ``(k·ε, min(1, k·δ))``;
* group privacy over k add/remove steps: ``(k·ε, δ·Σ_{i<k} e^{iε})``; a replacement is k = 2:
  ``(2ε, (1 + e^ε)·δ)``;
* tensorisation of total variation: ``TV(P^{⊗k}, Q^{⊗k}) ≤ min(1, k·TV(P, Q))``.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from theory._array import out
from theory.validate import check_delta, check_epsilon, check_positive_int, check_unit_interval
from theory.symbols import DELTA, EPS, TV, K


def basic_composition(epsilon, delta, k: int):
    """(k·ε, min(1, k·δ)) for k-fold composition; vectorised over ε, δ."""
    e = check_epsilon(epsilon)
    d = check_delta(delta)
    k = check_positive_int(k, "k")
    return out(k * e), out(np.minimum(1.0, k * d))


def basic_composition_symbolic() -> tuple[sp.Expr, sp.Expr]:
    """(k·ε, min(1, k·δ))."""
    return K * EPS, sp.Min(1, K * DELTA)


def group_privacy(epsilon, delta, k: int = 2):
    """(k·ε, min(1, δ·Σ_{i<k} e^{iε})) for neighbours k add/remove steps apart (k = 2: a replacement)."""
    e = check_epsilon(epsilon)
    d = check_delta(delta)
    k = check_positive_int(k, "k")
    geo = np.where(e == 0, float(k), np.expm1(k * e) / np.where(e == 0, 1.0, np.expm1(e)))
    with np.errstate(invalid="ignore"):
        dd = np.where(d == 0, 0.0, np.minimum(1.0, d * geo))
    return out(k * e), out(dd)


def group_privacy_symbolic() -> tuple[sp.Expr, sp.Expr]:
    """(k·ε, δ·Σ_{i<k} e^{iε}) (uncapped)."""
    i = sp.Symbol("i", integer=True, nonnegative=True)
    return K * EPS, DELTA * sp.Sum(sp.exp(i * EPS), (i, 0, K - 1))


def tv_tensorisation(tv, k: int):
    """min(1, k·TV): a bound on TV(P^{⊗k}, Q^{⊗k}) for k independent uses."""
    t = check_unit_interval(tv, "tv")
    k = check_positive_int(k, "k")
    return out(np.minimum(1.0, k * t))


def tv_tensorisation_symbolic() -> sp.Expr:
    """min(1, k·t)."""
    return sp.Min(1, K * TV)
