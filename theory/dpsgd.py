"""The bridge from DP-SGD training to SA bounds, through Google's ``dp-accounting``.

DP-SGD with noise multiplier σ, Poisson sampling rate q and T steps is the event
``SelfComposed(PoissonSampled(q, Gaussian(σ)), T)``; an RDP or PLD accountant turns it into (ε, δ)
for add/remove-one neighbours. Changing the target's sensitive value replaces one record, two
add/remove steps: group privacy (result 8) gives ``(2ε, (1 + e^ε)·δ)``. The SA bounds follow from
results 3 and 6.
"""

from __future__ import annotations

from dataclasses import dataclass

from theory.validate import check_delta, check_groups, check_positive_int, check_unit_interval


@dataclass(frozen=True)
class DpSgdGuarantee:
    """(ε, δ) of a DP-SGD run and the SA bounds it implies for one target's value change."""

    epsilon: float  # add/remove-one, from the accountant
    delta: float
    replace_epsilon: float  # for a value change (replace-one)
    replace_delta: float
    tv_bound: float
    advantage_bound: float
    success_bound: float
    accountant: str


def dpsgd_epsilon(noise_multiplier: float, sampling_rate: float, steps: int, delta: float,
                  accountant: str = "rdp") -> float:
    """ε of DP-SGD at δ for add/remove-one neighbours (``accountant`` 'rdp' or 'pld')."""
    import dp_accounting
    from dp_accounting import pld, rdp

    sigma = float(noise_multiplier)
    if not sigma > 0 or sigma != sigma or sigma == float("inf"):
        raise ValueError(f"`noise_multiplier` must be a finite number > 0. Found {noise_multiplier!r}.")
    q = float(check_unit_interval(sampling_rate, "sampling_rate", open_low=True))
    t = check_positive_int(steps, "steps")
    d = float(check_delta(delta))
    if d == 0 or d == 1:
        raise ValueError(f"`delta` must lie in (0, 1) for a Gaussian-mechanism accountant. Found {d!r}.")
    event = dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(sigma)), t)
    if accountant == "rdp":
        acc = rdp.RdpAccountant()
    elif accountant == "pld":
        acc = pld.PLDAccountant()
    else:
        raise ValueError(f"`accountant` must be 'rdp' or 'pld'. Found {accountant!r}.")
    acc.compose(event)
    return float(acc.get_epsilon(d))


def dpsgd_sa_bound(noise_multiplier: float, sampling_rate: float, steps: int, delta: float, groups: int,
                   accountant: str = "rdp") -> DpSgdGuarantee:
    """DP-SGD → (ε, δ) → replace-one (group privacy, k = 2) → η and the tight G-ary bounds."""
    from theory.composition import group_privacy
    from theory.dp_to_tv import eta
    from theory.tight_gary import tight_gary_advantage, tight_gary_success

    g = check_groups(groups)
    eps = dpsgd_epsilon(noise_multiplier, sampling_rate, steps, delta, accountant)
    re, rd = group_privacy(eps, delta, 2)
    return DpSgdGuarantee(eps, float(delta), float(re), float(rd), eta(re, rd),
                          tight_gary_advantage(re, rd, g), tight_gary_success(re, rd, g), accountant)
