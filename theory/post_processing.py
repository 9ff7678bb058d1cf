"""Result 1 — SA ≤ AI by post-processing.

For every SA adversary A there is the AI adversary ``A∘Guard`` (decision rule ``K·D``) with equal
success, so ``sup Adv_SA ≤ sup Adv_AI``. At distribution level (data processing):
``TV(P K, Q K) ≤ TV(P, Q)`` for every stochastic matrix K. Equality for K = I; the perfect guard
(always refuse) gives TV = 0. (The literal "same A on both sides" reading is false in general.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from theory.total_variation import tv_distance, tv_distance_symbolic
from theory.validate import check_stochastic

if TYPE_CHECKING:
    import sympy as sp


def post_processing_tv(p, q, guard):
    """(TV(P, Q), TV(P K, Q K)): the TV before and after the guard K; the second never exceeds the first."""
    k = check_stochastic(guard, "guard")
    pq = check_stochastic(np.vstack([np.asarray(p, dtype=k.dtype), np.asarray(q, dtype=k.dtype)]), "P, Q", cols=k.shape[0])
    if k.dtype == object:
        pk = [sum((pq[0][i] * k[i, j] for i in range(k.shape[0])), 0) for j in range(k.shape[1])]
        qk = [sum((pq[1][i] * k[i, j] for i in range(k.shape[0])), 0) for j in range(k.shape[1])]
    else:
        pk, qk = pq[0] @ k, pq[1] @ k
    return tv_distance(pq[0], pq[1]), tv_distance(pk, qk)


def post_processing_tv_symbolic(p, q, guard) -> tuple[sp.Expr, sp.Expr]:
    """Sympy forms of (TV(P, Q), TV(P K, Q K)) for symbolic or rational P, Q, K."""
    import sympy as sp

    kk = sp.Matrix(guard)
    pk = (sp.Matrix([list(p)]) * kk).tolist()[0]
    qk = (sp.Matrix([list(q)]) * kk).tolist()[0]
    return tv_distance_symbolic(p, q), tv_distance_symbolic(pk, qk)


def sa_optimal_success_le_ai(game) -> tuple[float, float]:
    """(Succ*_SA, Succ*_AI) of an :class:`~theory.games.SAGame`; the first never exceeds the second."""
    return game.optimal_success(), game.as_ai_game().optimal_success()
