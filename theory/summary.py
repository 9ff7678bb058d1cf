"""The tightest applicable SA bound for given (ε, δ, G[, prior]) — what ``sensaware bound`` prints."""

from __future__ import annotations

from theory.validate import check_delta, check_epsilon, check_groups, check_prior
from theory.advantage import advantage
from theory.dp_to_tv import eta


def sa_bound(epsilon: float, delta: float, groups: int, prior=None) -> dict:
    """Bounds on the SA/AI adversary for one (ε, δ, G).

    * uniform prior: the tight G-ary bound (result 6);
    * given prior, δ = 0: the prior-aware closed form (result 7);
    * given prior, δ > 0: the exact linear programme.

    Keys: ``tv_bound`` (η, result 3), ``advantage_bound``, ``success_bound``, ``method``, plus the inputs.
    """
    from theory.optimal_lp import optimal_success_lp
    from theory.prior_aware import prior_aware_success
    from theory.tight_gary import tight_gary_advantage, tight_gary_success

    e = float(check_epsilon(epsilon))
    d = float(check_delta(delta))
    g = check_groups(groups)
    result = {"epsilon": e, "delta": d, "groups": g, "tv_bound": eta(e, d)}
    if prior is None:
        result.update(success_bound=tight_gary_success(e, d, g), advantage_bound=tight_gary_advantage(e, d, g),
                      method="tight_gary (result 6, uniform prior)", prior=None)
        return result
    w = check_prior(prior, "prior", groups=g).astype(float)
    if d == 0:
        s = prior_aware_success(e, w)
        method = "prior_aware (result 7, closed form)"
    else:
        s = optimal_success_lp(e, d, w).success
        method = "optimal_lp (exact linear programme, HiGHS)"
    s = min(1.0, s)
    result.update(success_bound=s, advantage_bound=advantage(s, g), method=method, prior=[float(x) for x in w],
                  prior_bayes_success=float(w.max()))
    return result
