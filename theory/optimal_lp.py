"""The exact optimum of the attribute-inference game under (ε, δ)-DP, for any prior, by linear programming.

Any mechanism followed by any decision rule is a stochastic matrix ``Q`` (G × G, ``Q[g, h]`` =
Pr[guess h | π = g]) that is still pairwise (ε, δ)-DP (post-processing), and every such Q is
realised by a mechanism, so

    ``Succ*(w) = max_Q Σ_g w_g Q[g, g]``  s.t.  Q row-stochastic, ``H_ε(Q_g‖Q_{g'}) ≤ δ`` for g ≠ g'.

The hockey-stick constraint ``Σ_h max(0, Q[g,h] − e^ε Q[g',h]) ≤ δ`` is linearised with slack
variables ``t[g,g',h] ≥ Q[g,h] − e^ε Q[g',h]``, ``t ≥ 0``, ``Σ_h t[g,g',h] ≤ δ``: G² + G²(G − 1)
variables instead of the 2^G subset constraints. Solved with scipy's HiGHS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from theory.validate import check_delta, check_epsilon, check_prior, check_stochastic


@dataclass(frozen=True)
class LPSolution:
    """The optimum of the DP attribute-inference LP: optimal success and an optimal mechanism."""

    success: float
    mechanism: np.ndarray  # G × G laws over guesses
    status: str


def _build(epsilon: float, delta: float, g: int):
    n_q = g * g
    pairs = [(a, b) for a in range(g) for b in range(g) if a != b]
    n_t = len(pairs) * g
    ee = np.exp(epsilon)
    # t[p, h] - Q[a,h] + e^ε Q[b,h] >= 0  ->  Q[a,h] - e^ε Q[b,h] - t[p,h] <= 0
    rows, cols, vals = [], [], []
    r = 0
    for p, (a, b) in enumerate(pairs):
        for h in range(g):
            rows += [r, r, r]
            cols += [a * g + h, b * g + h, n_q + p * g + h]
            vals += [1.0, -ee, -1.0]
            r += 1
    for p in range(len(pairs)):
        for h in range(g):
            rows.append(r)
            cols.append(n_q + p * g + h)
            vals.append(1.0)
        r += 1
    a_ub = sparse.csr_matrix((vals, (rows, cols)), shape=(r, n_q + n_t))
    b_ub = np.concatenate([np.zeros(len(pairs) * g), np.full(len(pairs), delta)])
    eq_rows = np.repeat(np.arange(g), g)
    a_eq = sparse.csr_matrix((np.ones(n_q), (eq_rows, np.arange(n_q))), shape=(g, n_q + n_t))
    return a_ub, b_ub, a_eq, np.ones(g), n_q + n_t


def optimal_success_lp(epsilon: float, delta: float, prior) -> LPSolution:
    """Exact optimal success max_Q Σ_g w_g Q[g,g] over pairwise (ε, δ)-DP mechanisms (HiGHS LP).

    ``epsilon`` may be ``inf`` (no constraint: success 1).
    """
    e = float(check_epsilon(epsilon))
    d = float(check_delta(delta))
    w = check_prior(prior).astype(float)
    g = w.size
    if not np.isfinite(e):
        q = np.eye(g)
        return LPSolution(1.0, q, "closed form (epsilon = inf)")
    a_ub, b_ub, a_eq, b_eq, n = _build(e, d, g)
    c = np.zeros(n)
    c[np.arange(g) * g + np.arange(g)] = -w
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs-ds",
                  options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
    if res.status != 0:  # pragma: no cover - the LP is always feasible (Q uniform) and bounded
        raise RuntimeError(f"HiGHS failed on the DP attribute-inference LP: {res.message}")
    q = np.clip(res.x[: g * g].reshape(g, g), 0.0, None)
    q /= q.sum(axis=1, keepdims=True)
    return LPSolution(float(min(1.0, -res.fun)), q, res.message)


def optimal_success_lp_conditional(epsilon: float, delta: float, joint) -> float:
    """Exact optimum when the prior is conditional on the adversary's context φ:
    ``Σ_φ p(φ)·Succ*(w(·|φ))`` for a joint table ``joint[φ, g] = Pr(φ, π = g)`` (rows: contexts)."""
    j = np.asarray(joint, dtype=float)
    if j.ndim != 2 or j.shape[1] < 2:
        raise ValueError(f"`joint` must be a 2-D table Pr(phi, pi = g) with >= 2 columns. Found shape {j.shape}.")
    check_prior(j.ravel() if j.size >= 2 else j, "joint")
    total = 0.0
    for row in j:
        p_phi = row.sum()
        if p_phi <= 0:
            continue
        total += p_phi * optimal_success_lp(epsilon, delta, row / p_phi).success
    return total


def dp_mechanism_check(laws, epsilon: float, delta: float, tol: float = 1e-9) -> bool:
    """True iff the rows of ``laws`` are pairwise (ε, δ)-DP (hockey-stick form)."""
    m = check_stochastic(laws, "laws").astype(float)
    e = float(check_epsilon(epsilon))
    d = float(check_delta(delta))
    ee = np.exp(e)
    hs = np.maximum(0.0, m[:, None, :] - ee * m[None, :, :]).sum(axis=2)
    return bool(hs.max() <= d + tol)
