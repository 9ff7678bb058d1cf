"""The exact optimum of the attribute-inference game under (ε, δ)-DP, for any prior.

Any mechanism followed by any decision rule is a stochastic matrix ``Q`` (G × G, ``Q[g, h]`` =
Pr[guess h | π = g]) that is still pairwise (ε, δ)-DP (post-processing), and every such Q is
realised by a mechanism, so the optimum is the linear programme

    ``Succ*(w) = max_Q Σ_g w_g Q[g, g]``  s.t.  Q row-stochastic, ``H_ε(Q_g‖Q_{g'}) ≤ δ`` for g ≠ g'.

Its value has the closed form ``δ + (1 − δ)·max_k W_k/(1 + (k − 1)e^{−ε})`` (proof in
:mod:`theory.prior_aware`), so no solver runs here: the answer is exact for every ε ∈ [0, ∞] (a floating-point
LP fails once e^ε and 1 share a constraint row, from ε ≈ 13), and it never raises for valid input. The tests
check it against the all-subsets LP solved by HiGHS for small G.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.prior_aware import _optimal, optimal_mechanism
from theory.total_variation import max_pairwise_delta
from theory.validate import check_delta, check_epsilon, check_prior, check_stochastic


@dataclass(frozen=True)
class LPSolution:
    """The optimum of the DP attribute-inference LP: optimal success and an optimal mechanism."""

    success: float
    mechanism: np.ndarray  # G × G laws over guesses
    status: str


def optimal_success_lp(epsilon: float, delta: float, prior) -> LPSolution:
    """Exact optimal success max_Q Σ_g w_g Q[g,g] over pairwise (ε, δ)-DP guess matrices, with an optimal Q.

    ε ∈ [0, ∞], δ ∈ [0, 1], any prior (zeros allowed). Value and mechanism from the closed form of
    :func:`theory.prior_aware.optimal_success` (δ-reveal mixed with top-k randomised response).
    """
    e = float(check_epsilon(epsilon))
    d = float(check_delta(delta))
    w = check_prior(prior).astype(float)
    return LPSolution(float(_optimal(np.asarray(e), np.asarray(d), w)), optimal_mechanism(e, d, w),
                      "closed form: delta + (1 - delta) * max_k W_k / (1 + (k - 1) e^-epsilon)")


def optimal_success_lp_conditional(epsilon: float, delta: float, joint) -> float:
    """Exact optimum when the prior is conditional on the adversary's context φ:
    ``Σ_φ p(φ)·Succ*(w(·|φ))`` for a joint table ``joint[φ, g] = Pr(φ, π = g)`` (rows: contexts)."""
    e = float(check_epsilon(epsilon))
    d = float(check_delta(delta))
    j = np.asarray(joint, dtype=float)
    if j.ndim != 2 or j.shape[1] < 2:
        raise ValueError(f"`joint` must be a 2-D table Pr(phi, pi = g) with >= 2 columns. Found shape {j.shape}.")
    j = check_prior(j.ravel(), "joint").reshape(j.shape)
    total = 0.0
    for row in j:
        p_phi = row.sum()
        if p_phi > 0:
            total += p_phi * float(_optimal(np.asarray(e), np.asarray(d), row / p_phi))
    return min(1.0, total)


def dp_mechanism_check(laws, epsilon: float, delta: float, tol: float = 1e-9) -> bool:
    """True iff the rows of ``laws`` are pairwise (ε, δ)-DP (hockey-stick form, overflow-free for any ε)."""
    m = check_stochastic(laws, "laws").astype(float)
    e = float(check_epsilon(epsilon))
    d = float(check_delta(delta))
    return bool(max_pairwise_delta(m, e) <= d + tol)
