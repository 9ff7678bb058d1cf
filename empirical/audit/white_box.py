"""White-box one-run audit of the DP-SGD code path (:func:`empirical.model.dp.dp_finetune`) with Dirac gradient
canaries (Steinke, Nasr & Jagielski 2023, arXiv 2305.08846, §6: gradient canaries; Nasr et al. 2023).

m canaries join the training as m extra examples. Canary i has a secret sign ``s_i`` uniform on {−1, +1} and the
per-example gradient ``s_i·N·e_{j_i}`` on its own LoRA coordinate ``j_i`` (distinct, drawn at random), with a norm N
above the clipping norm C (default 10·C), so that clipping must act on it. The canaries go through the production
step — Poisson sampling with the real examples, :func:`empirical.model.dp.clip_factors`, the sum, the OS-random
Gaussian noise, the division by the expected batch and the optimiser — so a change of one canary's sign is a
*replace-one* change of one example, exactly the neighbouring relation the accountant certifies, and a Dirac
gradient is its worst case (the sampled step's two Gaussians sit 2C apart on the canary's coordinate).

Two threat models:

* ``white_box_all``: the auditor sees every privatised gradient ĝ_t. In units of C the canary's coordinate of the
  noisy sum, ``y_t = ĝ_t[j]·B/C``, is ``s·b_t + (real examples' share) + N(0, σ²)`` with ``b_t ~ Bern(q)``; the
  score is the claimed mechanism's log-likelihood ratio ``Σ_t log[(1−q)φ_σ(y_t) + qφ_σ(y_t − 1)] −
  log[(1−q)φ_σ(y_t) + qφ_σ(y_t + 1)]``.
* ``white_box_final``: the auditor sees the adapter before and after training only; the score is the canary's
  coordinate's fall ``θ_0[j] − θ_T[j]`` (a positive gradient pushes the weight down).

The guess is the score's sign; the k most confident canaries are guessed (k from a stated set, Bonferroni). The
claim tested is the whole per-example replace-one privacy profile of DP-SGD at (σ, q, T) (dp-accounting's PLD), by
the count-conditioned bound (:mod:`empirical.audit.one_run_profile`): a **violation** proves, at the audit's level,
that the code is not as private as its accountant says. The ε lower bound is the largest ε, among DP-SGD runs with
the same q and T, whose noise σ′ the audit rejects: ε_lb = ε(σ′, δ) (per example, replace-one). A second bound
assumes nothing about the mechanism's shape: the largest ε with (ε, δ)-DP rejected.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from empirical.audit.one_run_profile import one_run_profile_p_value, one_run_profile_rejects
from theory import dpsgd_privacy_profile, dpsgd_unit_guarantee, profile_sa_bound
from theory.stats import clopper_pearson_lower, clopper_pearson_upper
from theory.validate import check_positive_int

THREAT_MODELS = ("white_box_all", "white_box_final", "black_box")
#: The noise multipliers the ε lower bound's search may try (the DP-SGD runs' own range).
SIGMA_RANGE = (0.3, 200.0)


class GradientCanaries:
    """m Dirac gradient canaries of norm ``norm`` and what their auditor observes (see the module docstring).

    The coordinates and signs are drawn from the OS's secure generator when the training attaches them."""

    def __init__(self, count: int, norm: float):
        self.count = check_positive_int(count, "canaries")
        if not (isinstance(norm, (int, float)) and math.isfinite(norm) and norm > 0):
            raise ValueError(f"`canary_norm` must be a finite number > 0. Found {norm!r}.")
        self.norm = float(norm)
        self.coordinates: np.ndarray | None = None
        self.signs: np.ndarray | None = None
        self.trace: list[np.ndarray] = []
        self.initial: np.ndarray | None = None
        self.final: np.ndarray | None = None

    def attach(self, params) -> None:
        """Draw m distinct coordinates among the trainable parameters and m signs; record θ_0 there."""
        total = sum(p.numel() for p in params)
        if self.count > total:
            raise ValueError(f"`canaries` = {self.count} exceeds the {total} trainable parameters (one coordinate per "
                             "canary); use fewer canaries or a larger adapter")
        rng = np.random.default_rng(secrets.randbits(128))
        self.coordinates = np.sort(rng.choice(total, size=self.count, replace=False))
        self.signs = rng.choice(np.array([-1, 1]), size=self.count)
        self.trace, self.final = [], None
        self.initial = _values_at(params, self.coordinates)

    def sampled(self, which: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """The Dirac gradients of the canaries sampled in this step: (coordinates, signed norms)."""
        w = np.asarray(which, dtype=np.int64)
        return self.coordinates[w], self.signs[w] * self.norm

    def observe_gradient(self, gradient) -> None:
        """Record the privatised (mean) gradient at the canaries' coordinates."""
        self.trace.append(gradient.detach().double().cpu().numpy()[self.coordinates])

    def observe_final(self, params) -> None:
        self.final = _values_at(params, self.coordinates)


def _values_at(params, coords: np.ndarray) -> np.ndarray:
    import torch

    flat = torch.cat([p.detach().float().cpu().reshape(-1) for p in params])
    return flat[torch.as_tensor(coords, dtype=torch.long)].double().numpy()


def all_iterates_scores(trace: np.ndarray, *, sampling_rate: float, noise_multiplier: float,
                        expected_batch_size: int, max_grad_norm: float) -> np.ndarray:
    """Each canary's log-likelihood ratio of sign + against − under the claimed mechanism, summed over the steps;
    ``trace`` (T × m) holds the privatised mean gradients at the canaries' coordinates."""
    if not (isinstance(sampling_rate, (int, float)) and 0 < sampling_rate <= 1):
        raise ValueError(f"`sampling_rate` must lie in (0, 1]. Found {sampling_rate!r}.")
    for name, v in (("noise_multiplier", noise_multiplier), ("max_grad_norm", max_grad_norm),
                    ("expected_batch_size", expected_batch_size)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (v > 0 and math.isfinite(v)):
            raise ValueError(f"`{name}` must be a finite number > 0. Found {v!r}.")
    y = np.asarray(trace, dtype=float) * expected_batch_size / max_grad_norm
    if y.ndim != 2 or not np.all(np.isfinite(y)):
        raise ValueError(f"`trace` must be a finite T × m array. Found shape {y.shape}.")
    s2 = 2.0 * noise_multiplier**2
    q = sampling_rate
    keep = math.log1p(-q) if q < 1 else -math.inf
    up = np.logaddexp(keep - y**2 / s2, math.log(q) - (y - 1) ** 2 / s2)
    down = np.logaddexp(keep - y**2 / s2, math.log(q) - (y + 1) ** 2 / s2)
    return (up - down).sum(axis=0)


def candidates(m: int) -> tuple[int, ...]:
    """Guess counts the audit may choose among (Bonferroni): 10, 30, 100, … up to m, and m."""
    ks = [k for k in (10, 30, 100, 300, 1000, 3000, 10_000, 30_000, 100_000) if k < m]
    return tuple(ks + [m])


@dataclass(frozen=True)
class Claim:
    """The DP-SGD run the audit checks: per example, replace-one, at (σ, q, T) and δ."""

    noise_multiplier: float
    sampling_rate: float
    steps: int
    delta: float

    def profile(self, sigma: float | None = None) -> list[tuple[float, float]]:
        return _profile(sigma or self.noise_multiplier, self.sampling_rate, self.steps)

    def epsilon(self, sigma: float | None = None) -> float:
        return _epsilon(sigma or self.noise_multiplier, self.sampling_rate, self.steps, self.delta)


@lru_cache(maxsize=256)
def _profile(sigma: float, q: float, t: int) -> list[tuple[float, float]]:
    p = dpsgd_privacy_profile(noise_multiplier=sigma, sampling_rate=q, steps=t)
    return list(zip(p.epsilons, p.deltas))


@lru_cache(maxsize=256)
def _epsilon(sigma: float, q: float, t: int, delta: float) -> float:
    return float(dpsgd_unit_guarantee(noise_multiplier=sigma, sampling_rate=q, steps=t, delta=delta,
                                      group_size=1).epsilon)


def _hits(scores: np.ndarray, signs: np.ndarray) -> np.ndarray:
    order = np.argsort(-np.abs(scores), kind="stable")
    guess = np.where(scores[order] >= 0, 1, -1)
    return np.cumsum(guess == signs[order])


def audit_scores(scores, signs, claim: Claim, *, threat_model: str, level: float = 0.95,
                 guess_counts: tuple[int, ...] | None = None, search: bool = True) -> dict:
    """One white-box ``dp_audit`` entry: the verdict against ``claim`` and the ε lower bounds (module docstring).

    Each candidate k is tested at (1 − level)/len(candidates); the claim is *violated* iff some k's p-value is below
    that. ``search`` False skips the claim's p-value and the ε lower bounds (the verdict alone: one pass of the
    recursion per k)."""
    scores, signs = np.asarray(scores, dtype=float), np.asarray(signs)
    m = scores.size
    if not (scores.ndim == 1 and scores.shape == signs.shape and m >= 1 and np.all(np.isfinite(scores))):
        raise ValueError("`scores` and `signs` must be finite 1-d arrays of one length >= 1")
    if not np.all(np.isin(signs, (-1, 1))):
        raise ValueError("`signs` must be -1 or +1")
    if threat_model not in THREAT_MODELS[:2]:
        raise ValueError(f"`threat_model` must be one of {THREAT_MODELS[:2]}. Found {threat_model!r}.")
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0.5 <= level < 1:
        raise ValueError(f"`level` (the confidence, e.g. 0.95) must be a number in [0.5, 1). Found {level!r}.")
    ks = guess_counts or candidates(m)
    if any(isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= m for k in ks):
        raise ValueError(f"`guess_counts` must be integers in [1, {m}]. Found {ks!r}.")
    beta = (1.0 - level) / len(ks)
    hits = _hits(scores, signs)
    counts = [(k, int(hits[k - 1])) for k in ks]
    useful = [(k, v) for k, v in counts if v > k / 2]

    def p_values(profile) -> list[float]:
        return [one_run_profile_p_value(canaries=m, guesses=k, correct=v, profile=profile, method="tails")
                for k, v in useful]

    def rejected(profile) -> bool:
        return any(one_run_profile_rejects(canaries=m, guesses=k, correct=v, profile=profile, level=beta,
                                           method="tails") for k, v in useful)

    violated = rejected(claim.profile())
    p_claim = min(p_values(claim.profile()), default=1.0) if search else None
    best = max(counts, key=lambda kv: kv[1] / kv[0])
    right = int((np.where(scores >= 0, 1, -1) == signs).sum())
    lo, hi = clopper_pearson_lower(right, m, level), clopper_pearson_upper(right, m, level)
    entry = {"adversary": "gradient canaries", "threat_model": threat_model, "canaries": m, "groups": 2,
             "group_size": 1, "epsilon": claim.epsilon(), "delta": claim.delta, "level": level,
             "noise_multiplier": claim.noise_multiplier, "sampling_rate": claim.sampling_rate, "steps": claim.steps,
             "candidates": list(ks), "counts": [list(kv) for kv in counts], "claimed_p_value": p_claim,
             "verdict": "violated" if violated else "consistent",
             "guesses": best[0], "correct": best[1], "success": right / m, "success_interval": [lo, hi],
             "success_bound": float(profile_sa_bound(claim.profile(), groups=2).success_bound)}
    if search:
        entry["epsilon_lower_bound"], entry["rejected_noise_multiplier"] = _dpsgd_lower_bound(claim, rejected)
        entry["epsilon_lower_bound_any"] = _point_lower_bound(claim.delta, rejected)
    return entry


def _accepted_floor(claim: Claim, lo: float, hi: float) -> float:
    """The smallest σ′ ≥ lo (on a ×1.25 ladder) whose profile and ε the accountant computes (a long training at
    small σ′ spans too many nats and is refused)."""
    s = lo
    while s < hi:
        try:
            claim.profile(s)
            claim.epsilon(s)
            return s
        except ValueError:  # theory.dpsgd.NoEpsilonError, or a loss range the PLD refuses
            s *= 1.25
    return hi


def _dpsgd_lower_bound(claim: Claim, rejected) -> tuple[float, float | None]:
    """The largest ε(σ′, δ) over the σ′ ∈ :data:`SIGMA_RANGE` whose DP-SGD profile (same q, T) is rejected: the
    smallest rejected σ′ found by bisection in log σ′ (rejection is monotone: a larger σ′ is a stronger claim). The
    floor is the smallest σ′ the accountant computes; rejected there, its ε is reported (at least that, never ∞)."""
    lo, hi = SIGMA_RANGE
    if not rejected(claim.profile(hi)):
        return 0.0, None
    lo = _accepted_floor(claim, lo, hi)
    if rejected(claim.profile(lo)):
        return claim.epsilon(lo), lo
    for _ in range(14):
        mid = math.sqrt(lo * hi)
        lo, hi = (lo, mid) if rejected(claim.profile(mid)) else (mid, hi)
    return claim.epsilon(hi), hi


def _point_lower_bound(delta: float, rejected, eps_max: float = 60.0) -> float:
    """The largest ε ≤ eps_max whose single (ε, δ) is rejected (0 if none): no assumption on the mechanism's shape."""
    if not rejected([(0.0, delta)]):
        return 0.0
    lo, hi = 0.0, eps_max
    if rejected([(hi, delta)]):
        return hi
    while hi - lo > 1e-3:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if rejected([(mid, delta)]) else (lo, mid)
    return lo


def white_box_entries(canaries: GradientCanaries, privacy: dict, *, level: float = 0.95, search: bool = True) -> list[dict]:
    """Both threat models' entries for a training that carried ``canaries``; ``privacy`` is its DP plan."""
    if canaries.final is None or len(canaries.trace) != privacy["steps"]:
        raise ValueError("the gradient canaries were not trained through (no final adapter or missing steps)")
    # one canary is one example: the claim is the per-example profile, reported at the per-example δ
    claim = Claim(privacy["noise_multiplier"], privacy["sampling_rate"], privacy["steps"],
                  privacy.get("example_delta", privacy["delta"]))
    s_all = all_iterates_scores(np.stack(canaries.trace), sampling_rate=claim.sampling_rate,
                                noise_multiplier=claim.noise_multiplier,
                                expected_batch_size=privacy["expected_batch_size"], max_grad_norm=privacy["max_grad_norm"])
    s_final = canaries.initial - canaries.final
    return [audit_scores(s, canaries.signs, claim, threat_model=t, level=level, search=search)
            for t, s in (("white_box_all", s_all), ("white_box_final", s_final))]
