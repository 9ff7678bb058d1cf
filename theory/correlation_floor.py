"""Result 2 — unavoidable leakage: the correlation lower bound.

``B = E_φ[max_g Pr(π = g | φ)] = Σ_φ max_g Pr(φ, π = g)`` is the Bayes success from context alone and
``L = (B − 1/G)/(1 − 1/G)`` its normalised advantage. Every mechanism, even one that refuses always,
admits ``Adv ≥ L``. ``L = 0`` iff π is uniform and independent of φ; ``L = 1`` iff π is a function of φ.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from theory.validate import check_prior

if TYPE_CHECKING:
    import sympy as sp


def _joint(joint):
    exact = all(isinstance(x, (Fraction, int)) and not isinstance(x, bool) for x in np.asarray(joint, dtype=object).flat)
    arr = np.asarray(joint, dtype=object if exact else float)
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise ValueError(f"`joint` must be a 2-D table Pr(phi, pi = g) (rows: contexts, >= 2 columns). Found shape {arr.shape}.")
    check_prior(arr.ravel(), "joint")
    return arr, exact


def bayes_success_context(joint):
    """B = Σ_φ max_g Pr(φ, π = g) for a joint table (rows φ, columns g); exact for fractions."""
    arr, exact = _joint(joint)
    if exact:
        return sum((max(row) for row in arr.tolist()), Fraction(0))
    return float(arr.max(axis=1).sum())


def correlation_floor(joint):
    """L = (G·B − 1)/(G − 1) with B = :func:`bayes_success_context` (the floor of every advantage)."""
    arr, exact = _joint(joint)
    g = arr.shape[1]
    b = bayes_success_context(arr)
    return (g * b - 1) / (g - 1) if exact else float((g * b - 1.0) / (g - 1.0))


def correlation_floor_symbolic(joint) -> sp.Expr:
    """L as an exact sympy expression of the (rational or symbolic) joint table."""
    import sympy as sp

    rows = [[sp.nsimplify(x) for x in row] for row in joint]
    g = len(rows[0])
    b = sum(sp.Max(*row) for row in rows)
    return sp.simplify((g * b - 1) / sp.Integer(g - 1))


def joint_from_samples(contexts: Iterable[Hashable], values: Iterable[Hashable], support: list | None = None):
    """Empirical joint table Pr(φ, π) from paired samples; returns (table, context labels, value labels)."""
    pairs = list(zip(contexts, values))
    if not pairs:
        raise ValueError("`contexts`/`values` must hold at least one sample. Found none.")
    vals = support if support is not None else sorted({v for _, v in pairs}, key=str)
    if len(vals) < 2:
        raise ValueError(f"`values` must take at least 2 distinct values (G >= 2). Found {vals!r}.")
    ctxs = sorted({c for c, _ in pairs}, key=str)
    ci = {c: i for i, c in enumerate(ctxs)}
    vi = {v: j for j, v in enumerate(vals)}
    table = np.zeros((len(ctxs), len(vals)))
    for (c, v), n in Counter(pairs).items():
        if v not in vi:
            raise ValueError(f"`values` contains {v!r}, which is not in `support` {vals!r}.")
        table[ci[c], vi[v]] += n
    return table / table.sum(), ctxs, vals
