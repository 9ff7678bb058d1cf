"""The empirical leakage audit (arXiv 2601.20901): estimate what a mechanism leaks on neighbouring inputs and
check it against the theory's bounds.

For G neighbouring inputs (the same query and context, the target's sensitive value set to each of the G values
of a discretised attribute, drawn uniformly), the SA adversary decodes each answer to a guess; with k correct of N,

* success ŝ = k/N, advantage Adv = (G·ŝ − 1)/(G − 1);
* one-sided Clopper–Pearson lower limit s̲ at the stated confidence, Adv̲ = (G·s̲ − 1)/(G − 1);
* empirical ε lower bound: the smallest ε whose tight G-ary bound (result 6) admits Adv̲ (theory.inversion);
* verdict against a claimed (ε, δ): *violated* iff Adv̲ exceeds the tight G-ary bound at (ε, δ) — a false
  "violated" has probability at most 1 − confidence when the claim is true.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from theory import advantage, epsilon_lower_bound, tight_gary_advantage
from theory.stats import clopper_pearson, clopper_pearson_lower, clopper_pearson_upper
from theory.validate import check_delta, check_groups


@dataclass(frozen=True)
class AuditResult:
    """One audit: the success estimate with its two-sided interval (confidence 2c − 1), and the normalised advantage
    with its one-sided lower and upper limits at confidence c (each holds with probability ≥ c)."""

    groups: int
    queries: int
    correct: int
    success: float
    success_interval: tuple[float, float]
    advantage: float
    advantage_lower: float
    advantage_upper: float
    confidence: float
    delta: float
    epsilon_lower_bound: float
    claimed_epsilon: float | None
    bound: float | None
    verdict: str | None

    def as_dict(self) -> dict:
        return asdict(self)


def min_queries(*, confidence: float, groups: int) -> int:
    """The fewest queries N for which even a perfect adversary (k = N) certifies a positive advantage: the one-sided
    Clopper–Pearson lower limit at k = N must exceed the prior's success 1/G."""
    g = check_groups(groups)
    n = 1
    while clopper_pearson_lower(n, n, confidence) <= 1.0 / g:
        n += 1
    return n


def audit_counts(correct: int, queries: int, *, groups: int, confidence: float = 0.95, delta: float = 0.0,
                 claimed_epsilon: float | None = None) -> AuditResult:
    """The audit from counts: ``correct`` right guesses out of ``queries`` G-ary trials (uniform prior)."""
    g = check_groups(groups)
    d = float(check_delta(delta))
    if not 0 < confidence < 1:
        raise ValueError(f"`confidence` must lie in (0, 1). Found {confidence!r}.")
    need = min_queries(confidence=confidence, groups=g)
    if queries < need:
        raise ValueError(f"`queries` = {queries} is too few for confidence {confidence} with G = {g}: even a perfect "
                         f"adversary would certify nothing; use at least {need}.")
    s = correct / queries
    s_lo = clopper_pearson_lower(correct, queries, confidence)
    s_hi = clopper_pearson_upper(correct, queries, confidence)
    adv, adv_lo, adv_hi = (float(advantage(x, g)) for x in (s, s_lo, s_hi))
    eps_lb = float(epsilon_lower_bound(max(adv_lo, 0.0), d, g)) if adv_lo > 0 else 0.0
    bound = verdict = None
    if claimed_epsilon is not None:
        bound = float(tight_gary_advantage(claimed_epsilon, d, g))
        verdict = "violated" if adv_lo > bound + 1e-12 else "consistent"
    return AuditResult(g, queries, correct, s, clopper_pearson(correct, queries, 2 * confidence - 1), adv, adv_lo, adv_hi,
                       confidence, d, eps_lb, claimed_epsilon, bound, verdict)


def best_certifiable_epsilon(true_success: float, queries: int, *, groups: int, confidence: float = 0.95,
                             delta: float = 0.0) -> float:
    """The ε lower bound an estimator would certify if it observed exactly the true success rate:
    CP lower limit at k = round(N·s) — the benchmark for tightness."""
    k = int(round(true_success * queries))
    return audit_counts(k, queries, groups=groups, confidence=confidence, delta=delta).epsilon_lower_bound


def pairwise_tv(guesses: Sequence[int], truths: Sequence[int], *, groups: int) -> float:
    """max_{g,h} TV between the empirical laws of the decoded answer given π = g and π = h (a plug-in estimate)."""
    g = check_groups(groups)
    guesses = np.asarray(guesses)
    truths = np.asarray(truths)
    laws = []
    for v in range(g):
        sel = guesses[truths == v]
        if sel.size == 0:
            continue
        laws.append(np.bincount(sel, minlength=g + 1)[: g + 1] / sel.size)
    if len(laws) < 2:
        return 0.0
    m = np.array(laws)
    return float(0.5 * np.abs(m[:, None, :] - m[None, :, :]).sum(axis=2).max())
