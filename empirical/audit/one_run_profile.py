"""The count-conditioned one-run bound: a one-run audit against a whole privacy profile (f-DP) or one (ε, δ), for
G-ary guesses with abstention; the proof is in ``README.md`` beside this module ("The count-conditioned bound").

Setting as in :mod:`empirical.audit.one_run`: m canaries, each with a value uniform on G values and independent of
the rest; one training run; the auditor makes exactly k guesses (abstaining on the other m − k) and v are right.
The claim tested is a list of guarantees ``(ε_l, δ_l)`` that hold *together* for one canary's change of value (a
privacy profile, i.e. an f-DP curve, or a single (ε, δ)). For every event A of the output and any two values a, h
of one canary (the others fixed) it gives ``P_h(A) ≥ g(P_a(A))`` with the convex, increasing floor

    ``g(x) = max(0, max_l (x − δ_l)·e^{−ε_l}, max_l 1 − δ_l − e^{ε_l}(1 − x))``.

Apply it to the events "guess i is made and the number of *other* right guesses lies in J" (an event of the output
once the other canaries are fixed), for J = {j} and J = {j, j+1, …}. With ``p_n = P[C = n]`` for the count C of
right guesses, this gives for j = 0..k−1 (the right-hand sides count right guesses, the left wrong ones)

    ``(k − j)·p_j/m ≥ (G − 1)·g((j + 1)·p_{j+1}/m)``                               (level j),
    ``Σ_{n≥j} (k − n)·p_n/m ≥ (G − 1)·g(Σ_{n>j} n·p_n/m)``                         (tail j).

The p-value is the largest ``P[C ≥ v]`` over all laws p meeting them: a linear programme (g is a maximum of affine
pieces), solved by scipy's HiGHS. With δ = 0 the level constraints alone give exactly ``P[Bin(k, q) ≥ v]``,
``q = e^ε/(e^ε + G − 1)``, the pure-ε bound; with a Gaussian profile the tail constraints are the analysis of
Mahloujifar, Melis & Chaudhuri (ICML 2025, arXiv 2410.22235), whose "audit with cap" recursion is their greedy
solution (:func:`tail_recursion_p_value`). The level constraints, the G-ary factor G − 1 and the derivation through
the others' count are ours.
"""

from __future__ import annotations

import math

import numpy as np

from theory.validate import check_groups, check_positive_int

#: Added to every LP optimum, plus 1e−7·m: the solver's feasibility tolerance is 1e−7 on rows scaled by 1/m, so
#: the value it returns may be below the true maximum by up to about 1e−7·m; the margin keeps the p-value an upper
#: bound (a weak-duality check from the solver's duals matched the optimum to ~1e−11 up to m = 10⁵).
LP_MARGIN = 1e-6


def _margin(m: int) -> float:
    return LP_MARGIN + 1e-7 * m
#: Relative precision of the recursion's bisection on β (the reported value is the upper end).
_P_TOL = 1e-4


def check_profile(profile) -> tuple[np.ndarray, np.ndarray]:
    """The (ε, δ) pairs of a claim as two arrays; ε finite ≥ 0, δ in [0, 1]."""
    try:
        pts = [(float(e), float(d)) for e, d in profile]
    except (TypeError, ValueError) as err:
        raise ValueError(f"`profile` must be a list of (epsilon, delta) pairs. Found {profile!r}.") from err
    if not pts:
        raise ValueError("`profile` must hold at least one (epsilon, delta) pair.")
    e, d = np.array(pts, dtype=float).T
    if not (np.all(np.isfinite(e)) and np.all(e >= 0)):
        raise ValueError(f"`profile` epsilons must be finite numbers >= 0. Found {e.tolist()!r}.")
    if not (np.all(d >= 0) and np.all(d <= 1)):
        raise ValueError(f"`profile` deltas must lie in [0, 1]. Found {d.tolist()!r}.")
    return e, d


def floor_pieces(profile, x_max: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The affine pieces ``a·x + b`` of the floor g that attain its maximum somewhere on [0, x_max] (checked on 4,002
    points, linear and logarithmic; a piece dropped only shrinks g, which weakens the claim tested and keeps every bound sound)."""
    e, d = check_profile(profile)
    big = e > 700.0  # e^ε overflows: the second piece is then positive only within 1e−304 of x = 1; dropped
    ee = e[~big]
    a = np.concatenate([np.exp(-e), np.exp(ee)])
    b = np.concatenate([-d * np.exp(-e), 1.0 - d[~big] - np.exp(ee)])
    top = min(1.0, x_max)
    x = np.unique(np.concatenate([np.linspace(0.0, top, 2001), top * np.logspace(-12, 0, 2001)]))
    vals = a[:, None] * x[None, :] + b[:, None]
    best = np.argmax(vals, axis=0)
    active = np.unique(best[vals[best, np.arange(x.size)] > 0])
    return a[active], b[active]


def _counts(canaries: int, guesses: int, correct: int) -> tuple[int, int, int]:
    m = check_positive_int(canaries, "canaries")
    if isinstance(guesses, bool) or not (isinstance(guesses, (int, np.integer)) and 0 <= guesses <= m):
        raise ValueError(f"`guesses` must be an integer in [0, canaries = {m}]. Found {guesses!r}.")
    if isinstance(correct, bool) or not (isinstance(correct, (int, np.integer)) and 0 <= correct <= guesses):
        raise ValueError(f"`correct` must be an integer in [0, guesses = {guesses}]. Found {correct!r}.")
    return m, int(guesses), int(correct)


def _lp(m: int, k: int, v: int, a: np.ndarray, b: np.ndarray, g: int) -> float:
    """max P[C ≥ v] over laws p of C on {0..k} meeting the level and tail constraints (module docstring).
    Variables: p_0..p_k, R_j = Σ_{n>j} n·p_n and W_j = Σ_{n≥j}(k − n)·p_n for j < k (kept sparse by recursion)."""
    import scipy.sparse as sp
    from scipy.optimize import linprog

    if a.size == 0:  # the claim puts no floor on [0, k/m] (e.g. δ ≥ k/m): every law is possible
        return 1.0
    n = k + 1
    nv = n + 2 * k
    j = np.arange(k)
    ir, iw = n + j, n + k + j
    rows, cols, vals, rhs = [], [], [], []
    r0 = 0
    for a_l, b_l in zip(a, b):  # every row multiplied by m (better conditioned for large m)
        # level j: (G−1)(a (j+1) p_{j+1} + m b) − (k − j) p_j ≤ 0
        rr = r0 + j
        rows += [rr, rr]
        cols += [j + 1, j]
        vals += [(g - 1) * a_l * (j + 1.0), -(k - j.astype(float))]
        rhs.append(np.full(k, -(g - 1) * b_l * m))
        r0 += k
        # tail j: (G−1)(a R_j + m b) − W_j ≤ 0
        rr = r0 + j
        rows += [rr, rr]
        cols += [ir, iw]
        vals += [np.full(k, (g - 1) * a_l), np.full(k, -1.0)]
        rhs.append(np.full(k, -(g - 1) * b_l * m))
        r0 += k
    a_ub = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r0, nv))
    b_ub = np.concatenate(rhs) if rhs else np.zeros(0)
    # R_j − R_{j+1} − (j+1) p_{j+1} = 0 and W_j − W_{j+1} − (k − j) p_j = 0 (R_k = W_k = 0); Σ p = 1
    nxt = j[:-1]
    er = [j, nxt, j, k + j, k + nxt, k + j, np.full(n, 2 * k)]
    ec = [ir, ir[1:], j + 1, iw, iw[1:], j, np.arange(n)]
    ev = [np.ones(k), -np.ones(k - 1), -(j + 1.0), np.ones(k), -np.ones(k - 1), -(k - j.astype(float)), np.ones(n)]
    a_eq = sp.csr_matrix((np.concatenate(ev), (np.concatenate(er), np.concatenate(ec))), shape=(2 * k + 1, nv))
    b_eq = np.zeros(2 * k + 1)
    b_eq[-1] = 1.0
    c = np.zeros(nv)
    c[v:n] = -1.0
    for how in ("highs", "highs-ipm", "highs-ds"):
        res = linprog(c, A_ub=a_ub if r0 else None, b_ub=b_ub if r0 else None, A_eq=a_eq, b_eq=b_eq, bounds=(0, None),
                      method=how, options={"time_limit": 120.0})
        if res.status == 0:
            break
    if res.status != 0:
        raise LpFailure(f"the count-conditioned linear programme did not solve (m={m}, k={k}, v={v}): {res.message}")
    return -float(res.fun)


class LpFailure(RuntimeError):
    """HiGHS found no optimum (every method tried): the callers fall back to the tail recursion, a looser bound."""


def _tails_infeasible(m: int, k: int, v: int, beta: float, a: np.ndarray, b: np.ndarray, g: int) -> bool:
    """The tail constraints' greedy recursion (see :func:`tail_recursion_p_value`): True iff β is infeasible."""
    def floor(x: float) -> float:
        return max(0.0, float(np.max(a * x + b))) if a.size else 0.0

    s_next, tail = beta, beta
    for j in range(v - 1, -1, -1):
        c = (j * s_next + tail) / m
        if c > 1.0:
            return True
        need = (tail + m * (g - 1) * floor(c)) / (k - j)
        if need <= s_next:  # no deficit: c and the floor's demand stay as they are further down
            break
        s_next, tail = need, tail + need
        if s_next > 1.0:
            return True
    return s_next > 1.0


def tail_recursion_p_value(*, canaries: int, guesses: int, correct: int, profile, groups: int = 2) -> float:
    """The tail constraints alone, solved by their greedy recursion (Mahloujifar et al.'s "audit with cap" for a
    Gaussian profile): starting from ``S_v = β`` and 0 above, ``S_j = max(S_{j+1}, (Σ_{l>j} S_l + m(G − 1)·
    g(c_j))/(k − j))`` with ``c_j = (j·S_{j+1} + Σ_{l>j} S_l)/m`` is the least tail ``S_j = P[C ≥ j]`` of any law
    with ``P[C ≥ v] ≥ β``; β is infeasible when ``S_0 > 1``. Returns the least infeasible β found by bisection (an
    upper bound on ``P[C ≥ v]``, never below the linear programme's value)."""
    m, k, v = _counts(canaries, guesses, correct)
    g = check_groups(groups)
    a, b = floor_pieces(profile, k / m)
    if v == 0 or not _tails_infeasible(m, k, v, 1.0, a, b, g):
        return 1.0
    if _tails_infeasible(m, k, v, 1e-300, a, b, g):
        return 1e-300
    lo, hi = math.log(1e-300), 0.0
    while hi - lo > _P_TOL:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if _tails_infeasible(m, k, v, math.exp(mid), a, b, g) else (mid, hi)
    return math.exp(hi)


METHODS = ("lp", "tails")


def one_run_profile_p_value(*, canaries: int, guesses: int, correct: int, profile, groups: int = 2,
                            method: str = "lp") -> float:
    """An upper bound on ``P[C ≥ correct]`` for every training whose change of one canary's value meets every
    (ε, δ) of ``profile``: the linear programme's optimum plus :data:`LP_MARGIN` + 1e−7·m, capped at 1 (``method="lp"``; the tail
    recursion when the solver fails), or
    the tail constraints' recursion (``"tails"``: faster, a little looser; :func:`tail_recursion_p_value`)."""
    m, k, v = _counts(canaries, guesses, correct)
    g = check_groups(groups)
    if method not in METHODS:
        raise ValueError(f"`method` must be one of {METHODS}. Found {method!r}.")
    if method == "tails":
        return tail_recursion_p_value(canaries=m, guesses=k, correct=v, profile=profile, groups=g)
    if v == 0:
        return 1.0
    a, b = floor_pieces(profile, k / m)
    try:
        return min(1.0, _lp(m, k, v, a, b, g) + _margin(m))
    except LpFailure:  # the tail constraints alone: a valid, looser bound
        return tail_recursion_p_value(canaries=m, guesses=k, correct=v, profile=profile, groups=g)


def one_run_profile_rejects(*, canaries: int, guesses: int, correct: int, profile, level: float, groups: int = 2,
                            method: str = "lp") -> bool:
    """True iff the bound proves ``P[C ≥ correct] ≤ level``: the tails recursion at β = level first (one pass), the
    linear programme only when that fails and ``method="lp"``."""
    m, k, v = _counts(canaries, guesses, correct)
    g = check_groups(groups)
    if method not in METHODS:
        raise ValueError(f"`method` must be one of {METHODS}. Found {method!r}.")
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ValueError(f"`level` (the significance level) must be a number in (0, 1). Found {level!r}.")
    if v == 0:
        return False
    a, b = floor_pieces(profile, k / m)
    if _tails_infeasible(m, k, v, level, a, b, g):
        return True
    if method != "lp":
        return False
    try:
        return _lp(m, k, v, a, b, g) + _margin(m) <= level
    except LpFailure:  # the tail recursion (above) did not reject either: not rejected
        return False
