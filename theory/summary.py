"""The tightest applicable SA bound for given (ε, δ, G[, prior]) — what ``sensaware bound`` prints."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.dp_to_tv import _eta
from theory.prior_aware import _optimal
from theory.tight_gary import _advantage, _success
from theory.validate import check_delta, check_epsilon, check_groups, check_prior

#: ``method`` of a uniform-prior bound and of a bound for a given prior.
TIGHT_GARY = "tight_gary (result 6, uniform prior)"
PRIOR_AWARE = "prior_aware (result 7, exact optimum for the prior: delta + (1 - delta) max_k W_k/(1 + (k-1)e^-epsilon))"


@dataclass(frozen=True)
class SaBound:
    """Bounds on the SA/AI adversary for one (ε, δ, G[, prior]).

    ``tv_bound`` = η(ε, δ) (result 3); ``success_bound`` = the exact optimal success Succ*; ``advantage_bound`` =
    ``(G·Succ* − 1)/(G − 1)``; ``method`` names the result used; ``prior`` (sorted as given) and
    ``prior_bayes_success`` = max_g w_g are ``None`` for the uniform prior.
    """

    epsilon: float
    delta: float
    groups: int
    tv_bound: float
    success_bound: float
    advantage_bound: float
    method: str
    prior: tuple[float, ...] | None = None
    prior_bayes_success: float | None = None

    def to_dict(self) -> dict:
        """The JSON form ``sensaware bound --json`` prints (``prior_bayes_success`` only with a prior)."""
        d = {"epsilon": self.epsilon, "delta": self.delta, "groups": self.groups, "tv_bound": self.tv_bound,
             "success_bound": self.success_bound, "advantage_bound": self.advantage_bound, "method": self.method,
             "prior": None if self.prior is None else list(self.prior)}
        if self.prior is not None:
            d["prior_bayes_success"] = self.prior_bayes_success
        return d


def sa_bound(*, epsilon: float, delta: float = 0.0, groups: int, prior=None) -> SaBound:
    """The tightest SA bound for one (ε, δ, G): the tight G-ary bound (result 6) for a uniform prior, else the
    exact optimum for ``prior`` (result 7, closed form for every δ). ε ∈ [0, ∞], δ ∈ [0, 1], G ≥ 2 (up to 10^15
    for the uniform prior); ``prior`` has G entries (zeros allowed, renormalised within 1e−9)."""
    e = np.asarray(float(check_epsilon(epsilon)))
    d = np.asarray(float(check_delta(delta)))
    g = check_groups(groups)
    return _sa_bound(e, d, g, None if prior is None else check_prior(prior, "prior", groups=g).astype(float))


def _sa_bound(e: np.ndarray, d: np.ndarray, g: int, w: np.ndarray | None) -> SaBound:
    """:func:`sa_bound` on validated input."""
    tv = float(_eta(e, d))
    if w is None:
        return SaBound(float(e), float(d), g, tv, float(_success(e, d, float(g))), float(_advantage(e, d, float(g))),
                       TIGHT_GARY)
    s = float(_optimal(e, d, w))
    adv = min(1.0, max(-1.0 / (g - 1), (g * s - 1.0) / (g - 1.0)))
    return SaBound(float(e), float(d), g, tv, s, adv, PRIOR_AWARE, tuple(float(x) for x in w), float(w.max()))
