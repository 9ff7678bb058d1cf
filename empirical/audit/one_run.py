"""The one-run audit with δ > 0 (Steinke, Nasr & Jagielski, NeurIPS 2023, arXiv 2305.08846, Theorem 5.2 and its
Appendix D algorithm) for binary guesses, and for G-ary guesses with abstention through the count-conditioned bound
(:mod:`empirical.audit.one_run_profile`); the proofs are in ``README.md`` beside this module.

Setting: m canaries, each with a value drawn uniformly from G and independently of everything else; one training
run; the auditor guesses the value of r ≤ m canaries (abstaining on the rest) and v guesses are right. If the
training is (ε, δ)-DP for one canary's change of value (replace-one, or through group privacy when a canary's
value sits in k records), then for every v, with ``q = e^ε/(e^ε + G − 1)`` (the tight G-ary success of an ε-DP
mechanism),

    ``P[V ≥ v] ≤ p(ε, δ) = P[Bin(r, q) ≥ v] + 2mδ · max_{i=1..v} P[v > Bin(r, q) ≥ v − i]/i``   (G = 2, the paper),
    ``P[V ≥ v] ≤ p(ε, δ) =`` the count-conditioned linear programme's value                      (G > 2, δ > 0),
    ``P[V ≥ v] ≤ P[Bin(r, q) ≥ v]``                                                              (δ = 0, any G).

(The paper's dominance step, which the first line rests on, was found to fail for q < 1/2 — the G-ary regime — and
is not used there; README, "Why G > 2 does not use the paper's formula".)

The audit's ε lower bound at level β (default 0.05) is the largest ε with ``p(ε, δ) ≤ β``: the training is
*not* (ε′, δ)-DP for any ε′ below it, except with probability ≤ β. With k copies of every canary the per-canary
guarantee of an (ε, δ)-DP training is group privacy's ``(kε, δ·Σ_{j<k} e^{jε})`` (result 8), and the bound is
reported in per-record units: the largest ε whose group guarantee is rejected.

Binary reference values (95%, δ = 1e−5), from the paper's algorithm: m 1000, r 100, v 90 → 1.62614;
m 10000, r 1000, v 700 → 0.72925.

>>> round(one_run_epsilon_lb(canaries=1000, guesses=100, correct=90, delta=1e-5), 5)
1.62614
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from empirical.audit.one_run_profile import one_run_profile_p_value, one_run_profile_rejects
from theory import group_privacy, tight_gary_success
from theory.validate import check_delta, check_groups, check_positive_int

#: ε above which the search stops and reports its last rejected ε (64), a finite lower bound.
_EPS_MAX = 100.0


def _check_counts(canaries: int, guesses: int, correct: int) -> tuple[int, int, int]:
    m = check_positive_int(canaries, "canaries")
    if not (isinstance(guesses, (int, np.integer)) and 0 <= guesses <= m):
        raise ValueError(f"`guesses` must be an integer in [0, canaries = {m}]. Found {guesses!r}.")
    if not (isinstance(correct, (int, np.integer)) and 0 <= correct <= guesses):
        raise ValueError(f"`correct` must be an integer in [0, guesses = {guesses}]. Found {correct!r}.")
    return m, int(guesses), int(correct)


def _point(eps: float, delta: float, group_size: int) -> tuple[float, float]:
    if group_size > 1:
        e_k, d_k = group_privacy(eps, delta, group_size)
        return float(e_k), min(1.0, float(d_k))
    return eps, delta


def _p_value(m: int, r: int, v: int, eps: float, delta: float, g: int, group_size: int) -> float:
    from scipy.stats import binom

    eps, delta = _point(eps, delta, group_size)
    if v == 0:
        return 1.0
    q = float(tight_gary_success(eps, 0.0, g))
    beta = float(binom.sf(v - 1, r, q))  # P[Bin(r, q) >= v]
    if delta == 0.0:
        return min(1.0, beta)
    if g > 2:  # the count-conditioned bound (README): the paper's step 2 is proved for G = 2 only
        return one_run_profile_p_value(canaries=m, guesses=r, correct=v, profile=[(eps, delta)], groups=g)
    # alpha = max_{i=1..v} P[v > Bin(r, q) >= v - i]/i: the cumulative pmf below v, read downwards
    pmf = binom.pmf(np.arange(v - 1, -1, -1), r, q)
    alpha = float(np.max(np.cumsum(pmf) / np.arange(1, v + 1)))
    return min(1.0, beta + alpha * 2.0 * m * delta)


def one_run_p_value(*, canaries: int, guesses: int, correct: int, epsilon: float, delta: float, groups: int = 2,
                    group_size: int = 1) -> float:
    """``p(ε, δ)``: an upper bound on the probability of ≥ ``correct`` right guesses out of ``guesses`` when the
    training is (ε, δ)-DP per record and every one of the ``canaries`` sits in ``group_size`` records."""
    m, r, v = _check_counts(canaries, guesses, correct)
    g = check_groups(groups)
    k = check_positive_int(group_size, "group_size")
    e = float(epsilon)
    if not (e >= 0 and math.isfinite(e)):
        raise ValueError(f"`epsilon` must be a finite number >= 0. Found {epsilon!r}.")
    return _p_value(m, r, v, e, float(check_delta(delta)), g, k)


def one_run_epsilon_lb(*, canaries: int, guesses: int, correct: int, delta: float, groups: int = 2,
                       p_value: float = 0.05, group_size: int = 1) -> float:
    """The largest ε with ``p(ε, δ) ≤ p_value`` (0 if even ε = 0 is not rejected; bisection to 1e−10, 1e−6 for
    G > 2; when every ε up to the search's ceiling of 64 is rejected, that ceiling: a finite bound, never ∞)."""
    m, r, v = _check_counts(canaries, guesses, correct)
    g = check_groups(groups)
    k = check_positive_int(group_size, "group_size")
    d = float(check_delta(delta))
    if not 0 < p_value < 1:
        raise ValueError(f"`p_value` must lie in (0, 1). Found {p_value!r}.")

    def rejected(e: float) -> bool:
        if g > 2 and d > 0 and v > 0:
            return one_run_profile_rejects(canaries=m, guesses=r, correct=v, profile=[_point(e, d, k)], level=p_value,
                                           groups=g)
        return _p_value(m, r, v, e, d, g, k) <= p_value

    if r == 0 or not rejected(0.0):
        return 0.0
    lo, hi = 0.0, 1.0
    while rejected(hi):
        lo, hi = hi, 2 * hi
        if hi > _EPS_MAX:
            return lo  # rejected up to the search's ceiling: a finite lower bound, never ∞
    while hi - lo > (1e-10 if g == 2 else 1e-6):
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
    if not (conf.shape == gs.shape == tr.shape and conf.ndim == 1 and conf.size >= 1):
        raise ValueError(f"`confidence`, `guesses` and `truths` must be 1-d of one length >= 1. Found shapes "
                         f"{conf.shape}, {gs.shape}, {tr.shape}.")
    if np.any((tr < 0) | (tr >= g)) or np.any((gs < 0) | (gs >= g)):
        raise ValueError(f"`guesses` and `truths` must lie in [0, {g - 1}].")
    m = check_positive_int(canaries, "canaries")
    if m < conf.size:
        raise ValueError(f"`canaries` = {m} is below the number of guesses given ({conf.size}).")
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
