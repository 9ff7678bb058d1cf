"""Standard empirical-privacy audits beside ours, each from its paper.

* :func:`epsilon_lb_membership` — Jagielski, Ullman & Oprea (NeurIPS 2020), "Auditing differentially private
  machine learning": with Clopper–Pearson upper limits (two-sided, confidence 1 − α) on the attack's false-positive
  and false-negative rates, ``ε_lb = max(ln((1 − δ − FNR̄)/FPR̄), ln((1 − δ − FPR̄)/FNR̄))``.
* :func:`epsilon_lb_one_run` — Steinke, Nasr & Jagielski (NeurIPS 2023), "Privacy auditing with one (1) training
  run", for δ = 0: the largest ε with ``P[Bin(r, q_ε) ≥ v] ≤ p``, ``q_ε = e^ε/(e^ε + 1)``; generalised by us to
  G-ary guesses with the per-guess null success ``q_ε = e^ε/(e^ε + G − 1)`` (G = 2 is the paper's case).
* :class:`Bonferroni` / :class:`Split` — when a threshold is chosen on the same data the bound is computed on,
  either divide α by the number of candidates or choose on one half and bound on the other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from theory import tight_gary_success
from theory.stats import clopper_pearson
from theory.validate import check_delta, check_groups


def _cp_upper_two_sided(k: int, n: int, alpha: float) -> float:
    if n <= 0:
        raise ValueError(f"counts must be positive; found n = {n}")
    if not 0 <= k <= n:
        raise ValueError(f"`k` must lie in [0, n = {n}]. Found {k}.")
    return clopper_pearson(k, n, 1 - alpha)[1]


def epsilon_lb_membership(fp: int, negatives: int, fn: int, positives: int, *, alpha: float = 0.05,
                          delta: float = 0.0) -> float:
    """ε lower bound from attack counts (Jagielski et al. 2020): FP of ``negatives``, FN of ``positives``.

    >>> round(epsilon_lb_membership(fp=0, negatives=500, fn=0, positives=500, alpha=0.01), 4)
    4.5419
    """
    if not 0 < alpha < 1:
        raise ValueError(f"`alpha` must lie in (0, 1). Found {alpha!r}.")
    d = float(check_delta(delta))
    fpr = _cp_upper_two_sided(fp, negatives, alpha)
    fnr = _cp_upper_two_sided(fn, positives, alpha)
    cands = [0.0]
    if fpr > 0 and 1 - d - fnr > 0:
        cands.append(math.log((1 - d - fnr) / fpr))
    if fnr > 0 and 1 - d - fpr > 0:
        cands.append(math.log((1 - d - fpr) / fnr))
    return max(cands)


def epsilon_lb_one_run(correct: int, guesses: int, *, p_value: float = 0.05, delta: float = 0.0, groups: int = 2) -> float:
    """One-run audit ε lower bound (Steinke et al. 2023, δ = 0), G-ary generalisation.

    Largest ε with ``P[Bin(guesses, e^ε/(e^ε + G − 1)) ≥ correct] ≤ p_value`` (0 if none).

    >>> round(epsilon_lb_one_run(correct=100, guesses=100, p_value=0.05), 3)
    3.493
    """
    g = check_groups(groups)
    if float(check_delta(delta)) != 0.0:
        raise ValueError("`delta` must be 0 for the one-run audit here (the δ > 0 bound of Steinke et al. needs the "
                         "number of canaries in the tail term: empirical.audit.one_run.one_run_epsilon_lb)")
    if not 0 < p_value < 1:
        raise ValueError(f"`p_value` must lie in (0, 1). Found {p_value!r}.")
    if guesses < 1 or not 0 <= correct <= guesses:
        raise ValueError(f"need 0 <= correct <= guesses and guesses >= 1. Found {correct}/{guesses}.")

    from scipy.optimize import brentq
    from scipy.stats import binom

    def tail(eps: float) -> float:
        q = float(tight_gary_success(eps, 0.0, g))  # the per-guess success of an ε-DP mechanism (tight G-ary bound)
        return float(binom.sf(correct - 1, guesses, q))  # P[W >= correct]

    if tail(0.0) > p_value:
        return 0.0
    hi = 1.0
    while tail(hi) <= p_value:
        hi *= 2
        if hi > 1e3:
            return float("inf")
    return float(brentq(lambda e: tail(e) - p_value, 0.0, hi, xtol=1e-10))


@dataclass(frozen=True)
class Bonferroni:
    """Threshold chosen among ``candidates`` on the same data: every bound uses α/candidates."""

    candidates: int

    def alpha(self, alpha: float) -> float:
        return alpha / self.candidates

    def describe(self) -> str:
        return f"Bonferroni over {self.candidates} thresholds"


@dataclass(frozen=True)
class Split:
    """Threshold chosen on the first ``fraction`` of the data, bound computed on the rest."""

    fraction: float = 0.5

    def describe(self) -> str:
        return f"split: choose on {self.fraction:.0%}, bound on the rest"


def best_threshold_membership(scores_in: np.ndarray, scores_out: np.ndarray, thresholds: np.ndarray, *, alpha: float = 0.05,
                              delta: float = 0.0, strategy: Bonferroni | Split | None = None) -> dict:
    """Membership ε lower bound maximised over thresholds, corrected for the choice (default Bonferroni)."""
    strategy = strategy or Bonferroni(len(thresholds))

    def bound(sin, sout, t, a):
        fp = int((sout >= t).sum())
        fn = int((sin < t).sum())
        return epsilon_lb_membership(fp, sout.size, fn, sin.size, alpha=a, delta=delta)

    if isinstance(strategy, Bonferroni):
        a = strategy.alpha(alpha)
        vals = [bound(scores_in, scores_out, t, a) for t in thresholds]
        i = int(np.argmax(vals))
        return {"epsilon_lower_bound": vals[i], "threshold": float(thresholds[i]), "correction": strategy.describe()}
    k_in = int(len(scores_in) * strategy.fraction)
    k_out = int(len(scores_out) * strategy.fraction)
    vals = [bound(scores_in[:k_in], scores_out[:k_out], t, alpha) for t in thresholds]
    t = thresholds[int(np.argmax(vals))]
    return {"epsilon_lower_bound": bound(scores_in[k_in:], scores_out[k_out:], t, alpha), "threshold": float(t),
            "correction": strategy.describe()}
