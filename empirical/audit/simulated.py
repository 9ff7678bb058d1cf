"""Simulated audits of mechanisms with a known ε: the audit's own validation (soundness and tightness)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from empirical.audit.estimators import audit_counts, best_certifiable_epsilon, pairwise_tv
from empirical.audit.mechanisms import GeometricNoise, Leaky, PerfectGuard, RandomizedResponse, decode_index
from empirical.audit.one_run import one_run_epsilon_lb, one_run_p_value
from theory import tight_gary_success


def simulate(mechanism, queries: int, *, seed: int = 0, confidence: float = 0.95, delta: float = 0.0,
             claimed_epsilon: float | None = None) -> dict:
    """Audit a simulated mechanism: ``queries`` uniform draws of π, one answer each, decoded by the adversary."""
    rng = np.random.default_rng(seed)
    g = mechanism.groups
    values = rng.integers(0, g, queries)
    answers = mechanism.answer(values, rng)
    guesses = np.array([decode_index(a, g, fallback=0) for a in answers])
    res = audit_counts(int((guesses == values).sum()), queries, groups=g, confidence=confidence, delta=delta,
                       claimed_epsilon=claimed_epsilon)
    out = res.as_dict()
    out["pairwise_tv"] = pairwise_tv(guesses, values, groups=g)
    return out


def simulate_rr_fast(epsilon: float, groups: int, queries: int, rng: np.random.Generator) -> int:
    """Number of correct guesses of the MAP adversary against G-ary RR (a binomial draw; used for large sweeps)."""
    return int(rng.binomial(queries, float(tight_gary_success(epsilon, 0.0, groups))))


def validation_table(*, epsilons: Iterable[float] = (0.5, 1.0, 2.0, 4.0), groups: Iterable[int] = (2, 5, 10),
                     sizes: Iterable[int] = (10**3, 10**4, 10**5), audits: int = 500, confidence: float = 0.95,
                     seed: int = 0) -> list[dict]:
    """Soundness and tightness of the audit on G-ary randomised response with known ε.

    For each (G, ε, N): ``audits`` seeded audits; the false-violation rate against the true ε, the median
    empirical ε lower bound, and its ratio to the best certifiable one (the CP bound at the true success rate).
    """
    rows = []
    rng = np.random.default_rng(seed)
    for g in groups:
        for e in epsilons:
            p = float(tight_gary_success(e, 0.0, g))
            for n in sizes:
                lbs, violations = [], 0
                for _ in range(audits):
                    k = simulate_rr_fast(e, g, n, rng)
                    r = audit_counts(k, n, groups=g, confidence=confidence, claimed_epsilon=e)
                    lbs.append(r.epsilon_lower_bound)
                    violations += r.verdict == "violated"
                best = best_certifiable_epsilon(p, n, groups=g, confidence=confidence)
                med = float(np.median(lbs))
                rows.append({"groups": g, "epsilon": e, "queries": n, "audits": audits,
                             "false_violation_rate": violations / audits, "median_epsilon_lb": med,
                             "median_over_true": med / e, "best_certifiable": best,
                             "median_over_best": med / best if best > 0 else float("nan")})
    return rows


def make_mechanism(name: str, epsilon: float | None, groups: int):
    """A simulated mechanism by name (rr, noisy, perfect, leaky)."""
    if name in ("rr", "noisy") and epsilon is None:
        raise ValueError(f"`--epsilon` is required for --mechanism {name} (the mechanism's true ε)")
    return {"rr": lambda: RandomizedResponse(epsilon, groups), "noisy": lambda: GeometricNoise(epsilon, groups),
            "perfect": lambda: PerfectGuard(groups), "leaky": lambda: Leaky(groups)}[name]()


def _concentrated_correct(epsilon: float, delta: float, groups: int, canaries: int, guesses: int, burst: int,
                          rng: np.random.Generator) -> int:
    """Correct guesses against a mechanism that spends its δ on a few canaries: with probability mδ/s it reveals the
    values of s = ``burst`` canaries drawn at random (each canary is revealed with probability δ, so the mechanism is
    (ε, δ)-DP per canary), and answers G-ary randomised response for every other canary. The auditor knows which were
    revealed and guesses them first."""
    q = float(tight_gary_success(epsilon, 0.0, groups))
    revealed = min(burst, guesses) if rng.random() < canaries * delta / burst else 0
    return revealed + int(rng.binomial(guesses - revealed, q))


def one_run_validation(*, epsilons: Iterable[float] = (0.5, 1.0, 2.0, 4.0), groups: Iterable[int] = (2, 7),
                       canaries: int = 1000, audits: int = 500, p_value: float = 0.05, seed: int = 0) -> list[dict]:
    """Soundness of the one-run audit with δ > 0 (``empirical.audit.one_run``) on mechanisms with a known (ε, δ).

    Two mechanisms per (G, ε): per-canary G-ary randomised response audited at δ = 1e−5 (every canary guessed), and
    the concentrated mechanism of :func:`_concentrated_correct` (δ = 1e−4, bursts of 20 canaries revealed with
    probability mδ/20, 100 guesses). A false "violated" is a p-value ≤ ``p_value`` at the true (ε, δ). Each row has
    the false-violation rate over ``audits`` seeded audits (binomial draws) and its exact value (the law of the
    count summed over every count the test rejects), and the median ε lower bound against the true ε.
    """
    from scipy.stats import binom

    rng = np.random.default_rng(seed)
    rows = []
    burst = 20
    for g in groups:
        for e in epsilons:
            q = float(tight_gary_success(e, 0.0, g))
            for mech, delta, r in (("rr", 1e-5, canaries), ("concentrated", 1e-4, 100)):
                pv: dict[int, float] = {}

                def p_of(v: int, r=r, delta=delta, pv=pv, e=e, g=g) -> float:
                    if v not in pv:
                        pv[v] = one_run_p_value(canaries=canaries, guesses=r, correct=v, epsilon=e, delta=delta, groups=g)
                    return pv[v]

                if mech == "rr":
                    draws = rng.binomial(r, q, audits).tolist()
                    law = {v: float(binom.pmf(v, r, q)) for v in range(r + 1)}
                else:
                    draws = [_concentrated_correct(e, delta, g, canaries, r, burst, rng) for _ in range(audits)]
                    gamma = canaries * delta / burst
                    s = min(burst, r)
                    law = {v: (1 - gamma) * float(binom.pmf(v, r, q)) + gamma * float(binom.pmf(v - s, r - s, q))
                           for v in range(r + 1)}
                # the test rejects only counts far above the mean: scan down from r until the p-value exceeds the level
                exact = 0.0
                for v in range(r, -1, -1):
                    if p_of(v) > p_value:
                        break
                    exact += law[v]
                lb = {v: one_run_epsilon_lb(canaries=canaries, guesses=r, correct=v, delta=delta, groups=g, p_value=p_value)
                      for v in set(draws)}
                med = float(np.median([lb[v] for v in draws]))
                rows.append({"mechanism": mech, "groups": g, "epsilon": e, "delta": delta, "canaries": canaries,
                             "guesses": r, "audits": audits,
                             "false_violation_rate": sum(p_of(v) <= p_value for v in draws) / audits,
                             "exact_false_violation_rate": exact, "median_epsilon_lb": med, "median_over_true": med / e})
    return rows
