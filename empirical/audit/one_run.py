"""The one-run audit with δ > 0 (Steinke, Nasr & Jagielski, NeurIPS 2023, arXiv 2305.08846, Theorem 5.2 and its
Appendix D algorithm) for binary guesses, and for G-ary guesses with abstention through the count-conditioned bound
(:mod:`empirical.audit.one_run_profile`); the proofs are in ``README.md`` beside this module.

Setting: m canaries, each with a value drawn uniformly from G and independently of everything else; one training
run; the auditor guesses the value of r ≤ m canaries (abstaining on the rest) and v guesses are right. If the
training is (ε, δ)-DP for one canary's change of value (replace-one, or through group privacy when a canary's
value sits in k records), then for every v, with ``q = e^ε/(e^ε + G − 1)`` (the tight G-ary success of an ε-DP
mechanism),

    ``P[V ≥ v] ≤ p(ε, δ) =`` the count-conditioned linear programme's value                      (δ > 0, default),
    ``P[V ≥ v] ≤ p(ε, δ) = P[Bin(r, q) ≥ v] + 2mδ · max_{i=1..v} P[v > Bin(r, q) ≥ v − i]/i``   (G = 2, ``paper``),
    ``P[V ≥ v] ≤ P[Bin(r, q) ≥ v]``                                                              (δ = 0, any G).

(The paper's formula is kept as ``method="paper"`` for G = 2, to reproduce its numbers; its dominance step was found
to fail for q < 1/2, and an independent review found tiny cases (m = 4) where the formula sits below a mechanism's
true tail; README, "Why the audit leaves the paper's formula".)

The audit's ε lower bound at level β (default 0.05) is the largest ε with ``p(ε, δ) ≤ β``: the training is
*not* (ε′, δ)-DP for any ε′ below it, except with probability ≤ β. With k copies of every canary the per-canary
guarantee of an (ε, δ)-DP training is group privacy's ``(kε, δ·Σ_{j<k} e^{jε})`` (result 8), and the bound is
reported in per-record units: the largest ε whose group guarantee is rejected.

Binary reference values (95%, δ = 1e−5), from the paper's algorithm: m 1000, r 100, v 90 → 1.62614;
m 10000, r 1000, v 700 → 0.72925.

>>> round(one_run_epsilon_lb(canaries=1000, guesses=100, correct=90, delta=1e-5, method="paper"), 5)
1.62614
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from empirical.audit.one_run_profile import _counts as _check_counts
from empirical.audit.one_run_profile import one_run_profile_p_value, one_run_profile_rejects
from theory import group_privacy, tight_gary_success
from theory.validate import check_delta, check_groups, check_positive_int

#: ε above which the search stops and reports its last rejected ε (64), a finite lower bound.
_EPS_MAX = 100.0


def _point(eps: float, delta: float, group_size: int) -> tuple[float, float]:
    if group_size > 1:
        e_k, d_k = group_privacy(eps, delta, group_size)
        return float(e_k), min(1.0, float(d_k))
    return eps, delta


METHODS = ("count", "paper")


def _check_method(method: str, g: int) -> str:
    if method not in METHODS:
        raise ValueError(f"`method` must be one of {METHODS}. Found {method!r}.")
    if method == "paper" and g != 2:
        raise ValueError(f"`method` 'paper' (Steinke et al.'s formula) is for G = 2 only. Found groups = {g}.")
    return method


def _p_value(m: int, r: int, v: int, eps: float, delta: float, g: int, group_size: int, method: str = "count") -> float:
    from scipy.stats import binom

    eps, delta = _point(eps, delta, group_size)
    if v == 0:
        return 1.0
    q = float(tight_gary_success(eps, 0.0, g))
    beta = float(binom.sf(v - 1, r, q))  # P[Bin(r, q) >= v]
    if delta == 0.0:
        return min(1.0, beta)
    if method == "count":  # the count-conditioned bound (README), proved for every G
        return one_run_profile_p_value(canaries=m, guesses=r, correct=v, profile=[(eps, delta)], groups=g)
    # alpha = max_{i=1..v} P[v > Bin(r, q) >= v - i]/i: the cumulative pmf below v, read downwards
    pmf = binom.pmf(np.arange(v - 1, -1, -1), r, q)
    alpha = float(np.max(np.cumsum(pmf) / np.arange(1, v + 1)))
    return min(1.0, beta + alpha * 2.0 * m * delta)


def one_run_p_value(*, canaries: int, guesses: int, correct: int, epsilon: float, delta: float, groups: int = 2,
                    group_size: int = 1, method: str = "count") -> float:
    """``p(ε, δ)``: an upper bound on the probability of ≥ ``correct`` right guesses out of ``guesses`` when the
    training is (ε, δ)-DP per record and every one of the ``canaries`` sits in ``group_size`` records. ``method``:
    ``count`` (the count-conditioned bound, any G) or ``paper`` (Steinke et al.'s formula, G = 2; an independent
    review found tiny cases, m = 4, where it sits below a mechanism's true tail, at p-values ≥ 0.88)."""
    m, r, v = _check_counts(canaries, guesses, correct)
    g = check_groups(groups)
    k = check_positive_int(group_size, "group_size")
    e = float(epsilon)
    if not (e >= 0 and math.isfinite(e)):
        raise ValueError(f"`epsilon` must be a finite number >= 0. Found {epsilon!r}.")
    return _p_value(m, r, v, e, float(check_delta(delta)), g, k, _check_method(method, g))


def one_run_epsilon_lb(*, canaries: int, guesses: int, correct: int, delta: float, groups: int = 2,
                       p_value: float = 0.05, group_size: int = 1, method: str = "count") -> float:
    """The largest ε with ``p(ε, δ) ≤ p_value`` (0 if even ε = 0 is not rejected; bisection to 1e−10, 1e−6 for
    G > 2; when every ε up to the search's ceiling of 64 is rejected, that ceiling: a finite bound, never ∞)."""
    m, r, v = _check_counts(canaries, guesses, correct)
    g = check_groups(groups)
    k = check_positive_int(group_size, "group_size")
    d = float(check_delta(delta))
    if isinstance(p_value, bool) or not isinstance(p_value, (int, float)) or not 0 < p_value < 1:
        raise ValueError(f"`p_value` must be a number in (0, 1). Found {p_value!r}.")
    method = _check_method(method, g)

    def rejected(e: float) -> bool:
        if method == "count" and d > 0 and v > 0:
            return one_run_profile_rejects(canaries=m, guesses=r, correct=v, profile=[_point(e, d, k)], level=p_value,
                                           groups=g)
        return _p_value(m, r, v, e, d, g, k, method) <= p_value

    if r == 0 or not rejected(0.0):
        return 0.0
    lo, hi = 0.0, 1.0
    while rejected(hi):
        lo, hi = hi, 2 * hi
        if hi > _EPS_MAX:
            return lo  # rejected up to the search's ceiling: a finite lower bound, never ∞
    while hi - lo > (1e-10 if method == "paper" or d == 0 else 1e-6):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if rejected(mid) else (lo, mid)
    return lo


@dataclass(frozen=True)
class OneRunResult:
    """One one-run audit: counts, the per-record ε lower bound, and the verdict against a claimed (ε, δ)."""

    canaries: int
    groups: int
    group_size: int
    guesses: int
    correct: int
    delta: float
    p_value: float  # the level β of the bound
    candidates: tuple[int, ...]  # the guess counts tried (Bonferroni over them)
    epsilon_lower_bound: float
    claimed_epsilon: float | None = None
    claimed_p_value: float | None = None  # p(ε_claimed, δ)
    verdict: str | None = None

    def as_dict(self) -> dict:
        d = asdict(self)
        d["candidates"] = list(self.candidates)
        return d


def one_run_audit(confidence: Sequence[float], guesses: Sequence[int], truths: Sequence[int], *, groups: int, delta: float,
                  canaries: int, candidates: Sequence[int] | None = None, p_value: float = 0.05,
                  group_size: int = 1, claimed_epsilon: float | None = None) -> OneRunResult:
    """The one-run audit from per-canary guesses with abstention.

    ``guesses[i]`` ∈ {0..G−1} is the adversary's guess for canary i, ``confidence[i]`` how sure it is; for each
    r in ``candidates`` (default: every canary) it guesses the r most confident canaries and abstains on the rest.
    Choosing r after seeing the outcome is paid for by Bonferroni: every candidate is tested at
    ``p_value/len(candidates)``, and the largest bound is reported. ``canaries`` is the total number m of canaries
    in the training (guessed or not: the δ term counts every one; required, as a caller passing only the guessed
    subset would undercount it); a claimed ε is *violated* iff ``p(ε, δ) ≤ p_value/len(candidates)`` at some r.
    """
    g = check_groups(groups)
    conf = np.asarray(confidence, dtype=float)
    gs = np.asarray(guesses)
    tr = np.asarray(truths)
    if not np.all(np.isfinite(conf)):
        raise ValueError("`confidence` must hold finite numbers.")
    for name, arr in (("guesses", gs), ("truths", tr)):
        if arr.size and not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"`{name}` must hold integers (values in [0, G − 1]). Found dtype {arr.dtype}.")
    if not (conf.shape == gs.shape == tr.shape and conf.ndim == 1 and conf.size >= 1):
        raise ValueError(f"`confidence`, `guesses` and `truths` must be 1-d of one length >= 1. Found shapes "
                         f"{conf.shape}, {gs.shape}, {tr.shape}.")
    if np.any((tr < 0) | (tr >= g)) or np.any((gs < 0) | (gs >= g)):
        raise ValueError(f"`guesses` and `truths` must lie in [0, {g - 1}].")
    m = check_positive_int(canaries, "canaries")
    if m < conf.size:
        raise ValueError(f"`canaries` = {m} is below the number of guesses given ({conf.size}).")
    if candidates is not None and any(isinstance(c, bool) or not isinstance(c, (int, np.integer)) for c in candidates):
        raise ValueError(f"`candidates` must be integer guess counts. Found {candidates!r}.")
    cands = (conf.size,) if candidates is None else tuple(sorted({int(c) for c in candidates}))
    if not cands or cands[0] < 1 or cands[-1] > conf.size:
        raise ValueError(f"`candidates` must be guess counts in [1, {conf.size}]. Found {candidates!r}.")
    level = p_value / len(cands)
    order = np.argsort(-conf, kind="stable")
    hits = np.cumsum(gs[order] == tr[order])
    best = (0.0, cands[0], int(hits[cands[0] - 1]))
    claim_p = None
    for r in cands:
        v = int(hits[r - 1])
        lb = one_run_epsilon_lb(canaries=m, guesses=r, correct=v, delta=delta, groups=g, p_value=level, group_size=group_size)
        if lb > best[0]:
            best = (lb, r, v)
        if claimed_epsilon is not None:
            pv = one_run_p_value(canaries=m, guesses=r, correct=v, epsilon=claimed_epsilon, delta=delta, groups=g,
                                 group_size=group_size)
            claim_p = pv if claim_p is None else min(claim_p, pv)
    verdict = None if claim_p is None else ("violated" if claim_p <= level else "consistent")
    return OneRunResult(m, g, int(group_size), best[1], best[2], float(delta), float(p_value), cands, best[0],
                        claimed_epsilon, claim_p, verdict)
