"""Result 8 — composition and group privacy.

* basic composition of k (ε, δ)-DP mechanisms: ``(k·ε, min(1, k·δ))``;
* group privacy over k add/remove steps: ``(k·ε, δ·Σ_{i<k} e^{iε})``; a replacement is k = 2:
  ``(2ε, (1 + e^ε)·δ)``;
* tensorisation of total variation: ``TV(P^{⊗k}, Q^{⊗k}) ≤ min(1, k·TV(P, Q))``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from theory._array import out
from theory.validate import check_delta, check_epsilon, check_positive_int, check_unit_interval

if TYPE_CHECKING:
    import sympy as sp


def basic_composition(epsilon, delta, k: int):
    """(k·ε, min(1, k·δ)) for k-fold composition; vectorised over ε, δ."""
    e = check_epsilon(epsilon)
    d = check_delta(delta)
    k = check_positive_int(k, "k")
    return out(k * e), out(np.minimum(1.0, k * d))


def basic_composition_symbolic() -> tuple[sp.Expr, sp.Expr]:
    """(k·ε, min(1, k·δ))."""
    import sympy as sp

    from theory.symbols import DELTA, EPS, K

    return K * EPS, sp.Min(1, K * DELTA)


def group_privacy(epsilon, delta, k: int = 2):
    """(k·ε, min(1, δ·Σ_{i<k} e^{iε})) for neighbours k add/remove steps apart (k = 2: a replacement).

    The geometric sum is evaluated in log space, ``ln Σ_{i<k} e^{iε} = (k − 1)ε + ln(expm1(−kε)/expm1(−ε))``
    (= ln k at ε = 0), so δ′ never overflows: it saturates at 1 (and is 1 for ε = ∞, δ > 0; 0 when δ = 0).
    """
    e = check_epsilon(epsilon)
    d = check_delta(delta)
    k = check_positive_int(k, "k")
    e, d = np.broadcast_arrays(e, d)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_geo = np.where(e == 0, np.log(k), (k - 1) * e + np.log(np.expm1(-k * e) / np.expm1(-e)))
        log_geo = np.where(np.isinf(e), np.inf, log_geo)
        dd = np.where(d == 0, 0.0, np.exp(np.minimum(0.0, np.log(d) + log_geo)))
    return out(k * e), out(dd)


def group_privacy_symbolic() -> tuple[sp.Expr, sp.Expr]:
    """(k·ε, δ·Σ_{i<k} e^{iε}) (uncapped)."""
    import sympy as sp

    from theory.symbols import DELTA, EPS, K

    i = sp.Symbol("i", integer=True, nonnegative=True)
    return K * EPS, DELTA * sp.Sum(sp.exp(i * EPS), (i, 0, K - 1))


def tv_tensorisation(tv, k: int):
    """min(1, k·TV): a bound on TV(P^{⊗k}, Q^{⊗k}) for k independent uses."""
    t = check_unit_interval(tv, "tv")
    k = check_positive_int(k, "k")
    return out(np.minimum(1.0, k * t))


def tv_tensorisation_symbolic() -> sp.Expr:
    """min(1, k·t)."""
    import sympy as sp

    from theory.symbols import TV, K

    return sp.Min(1, K * TV)
