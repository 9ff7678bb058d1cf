"""From DP-SGD training (or any mechanism's privacy profile) to SA bounds, through Google's ``dp-accounting``.

DP-SGD with noise multiplier σ, Poisson sampling rate q and T steps is the event
``SelfComposed(PoissonSampled(q, Gaussian(σ)), T)``. Changing the target's sensitive value replaces one record,
so the G inputs of the attribute-inference game are pairwise *replace-one* neighbours.

* ``method="privacy_profile"`` (default): the PLD accountant with ``NeighboringRelation.REPLACE_ONE`` gives the
  whole replace-one privacy profile ``δ(ε) = sup H_ε(P‖Q)`` (pessimistic discretisation: an upper bound at every
  ε). Every point (ε, δ(ε)) is a valid (ε, δ)-DP guarantee, so

      ``Succ* ≤ min_ε Succ*(ε, δ(ε))``  (tight G-ary bound, or the exact optimum for a prior),

  and for G = 2 with a uniform prior this is ``Adv ≤ δ(0) = TV`` (η(0, δ) = δ). The minimum runs over a grid
  refined around the best point; any grid gives a sound bound (:func:`profile_sa_bound`, which also takes a
  user-supplied list of (ε, δ) pairs).
* ``method="group_privacy"``: an add/remove (ε, δ) from the RDP or PLD accountant, converted to replace-one by
  group privacy (result 8), ``(2ε, (1 + e^ε)·δ)``, then results 3 and 6/7. Sound but looser (σ = 1.1, q = 0.01,
  T = 1000, G = 2: advantage ≤ 0.908 against 0.236 from the profile).

The PLD's discretisation interval is chosen from an RDP estimate of the loss range so that the accountant holds at
most ~2·10⁵ points (coarser is still an upper bound); a σ so small for the step count that the privacy loss spans
more than 10⁵ nats is refused with a ValueError naming ``noise_multiplier`` (the bound would be ≈ 1 anyway).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np

from theory.composition import group_privacy
from theory.dp_to_tv import _eta
from theory.prior_aware import _optimal
from theory.summary import _sa_bound
from theory.tight_gary import _advantage, _success
from theory.validate import check_delta, check_epsilon, check_groups, check_positive_int, check_prior, check_unit_interval

METHODS = ("privacy_profile", "group_privacy")
ACCOUNTANTS = ("rdp", "pld")
#: PLD grid size the discretisation interval is chosen for, and the widest loss range (nats) accepted.
_PLD_POINTS = 2e5
_MAX_SPAN = 1e5


@dataclass(frozen=True)
class PrivacyProfile:
    """Points (ε_i, δ_i) of a replace-one privacy profile: the mechanism is (ε_i, δ_i)-DP for every i."""

    epsilons: tuple[float, ...]
    deltas: tuple[float, ...]
    source: str = "user"


@dataclass(frozen=True)
class ProfileBound:
    """SA bounds from a privacy profile: the minimum over its points of the (ε, δ) bound, with the point used."""

    groups: int
    epsilon: float  # the profile point attaining the minimum
    delta: float
    tv_bound: float  # min_i η(ε_i, δ_i)
    success_bound: float
    advantage_bound: float
    points: int
    prior: tuple[float, ...] | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["prior"] = None if self.prior is None else list(self.prior)
        return d


@dataclass(frozen=True)
class DpSgdBound:
    """SA bounds for one target's value change in a DP-SGD run.

    ``replace_epsilon``/``replace_delta``: the replace-one (ε, δ) the bounds are evaluated at (the profile's
    minimising point, or the group-privacy conversion); ``epsilon``: the add/remove ε at ``delta`` from the
    accountant (``group_privacy`` only, else ``None``); ``method``: ``privacy_profile`` or ``group_privacy``.
    """

    noise_multiplier: float
    sampling_rate: float
    steps: int
    groups: int
    method: str
    accountant: str
    replace_epsilon: float
    replace_delta: float
    tv_bound: float
    success_bound: float
    advantage_bound: float
    epsilon: float | None = None
    delta: float | None = None
    prior: tuple[float, ...] | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["prior"] = None if self.prior is None else list(self.prior)
        return d


def _check_dpsgd(noise_multiplier, sampling_rate, steps) -> tuple[float, float, int]:
    try:
        sigma = float(noise_multiplier)
    except (TypeError, ValueError):
        sigma = float("nan")
    if not (sigma > 0 and math.isfinite(sigma)):
        raise ValueError(f"`noise_multiplier` must be a finite number > 0. Found {noise_multiplier!r}.")
    q = float(check_unit_interval(sampling_rate, "sampling_rate", open_low=True))
    t = check_positive_int(steps, "steps")
    if t > 10**9:
        raise ValueError(f"`steps` must be an integer in [1, 1e9]. Found {steps!r}.")
    return sigma, q, t


def _event(sigma: float, q: float, t: int):
    import dp_accounting

    return dp_accounting.SelfComposedDpEvent(dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(sigma)), t)


def _rdp_epsilon(sigma: float, q: float, t: int, delta: float) -> float:
    from dp_accounting import rdp

    acc = rdp.RdpAccountant()
    acc.compose(_event(sigma, q, t))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        e = float(acc.get_epsilon(delta))
    return e if e == e else math.inf


def _pld(sigma: float, q: float, t: int, replace_one: bool):
    """A PLD accountant for the event, its discretisation interval sized from an RDP estimate of the loss range."""
    import dp_accounting
    from dp_accounting import pld

    span = 4.0 * _rdp_epsilon(sigma, q, t, 1e-12) + 10.0
    if not span <= _MAX_SPAN:
        raise ValueError(
            f"`noise_multiplier` = {sigma!r} is too small for `steps` = {t} at `sampling_rate` = {q!r}: the privacy "
            f"loss spans more than {_MAX_SPAN:.0e} nats, beyond what the PLD accountant resolves (every SA bound is "
            f"then ~1). Use a larger noise multiplier or fewer steps.")
    rel = dp_accounting.NeighboringRelation.REPLACE_ONE if replace_one else dp_accounting.NeighboringRelation.ADD_OR_REMOVE_ONE
    acc = pld.PLDAccountant(rel, value_discretization_interval=max(1e-4, span / _PLD_POINTS))
    acc.compose(_event(sigma, q, t))
    return acc, span


def dpsgd_epsilon(*, noise_multiplier: float, sampling_rate: float, steps: int, delta: float,
                  accountant: str = "rdp") -> float:
    """ε of DP-SGD at δ ∈ (0, 1) for add/remove-one neighbours (``accountant`` 'rdp' or 'pld'); ∞ when the RDP
    accountant finds no finite ε."""
    sigma, q, t = _check_dpsgd(noise_multiplier, sampling_rate, steps)
    d = float(check_delta(delta))
    if d == 0 or d == 1:
        raise ValueError(f"`delta` must lie in (0, 1) for a Gaussian-mechanism accountant. Found {d!r}.")
    if accountant == "rdp":
        return _rdp_epsilon(sigma, q, t, d)
    if accountant == "pld":
        acc, _ = _pld(sigma, q, t, replace_one=False)
        return float(acc.get_epsilon(d))
    raise ValueError(f"`accountant` must be one of {ACCOUNTANTS}. Found {accountant!r}.")


def dpsgd_privacy_profile(*, noise_multiplier: float, sampling_rate: float, steps: int,
                          epsilons: Iterable[float] | None = None) -> PrivacyProfile:
    """The replace-one privacy profile δ(ε) of DP-SGD from dp-accounting's PLD accountant
    (``NeighboringRelation.REPLACE_ONE``), at ``epsilons`` (default: 0 and a grid up to the loss range).
    δ values are the accountant's pessimistic estimates, clipped to [0, 1]."""
    sigma, q, t = _check_dpsgd(noise_multiplier, sampling_rate, steps)
    acc, span = _pld(sigma, q, t, replace_one=True)
    if epsilons is None:
        top = min(span / 2.0, 200.0)
        grid = np.unique(np.concatenate([[0.0], np.linspace(0.0, top, 41), np.geomspace(1e-3, top, 20)]))
    else:
        grid = np.unique(check_epsilon(list(epsilons), "epsilons", allow_inf=False))
    return PrivacyProfile(tuple(float(x) for x in grid), tuple(float(x) for x in _profile_deltas(acc, grid)),
                          f"dp-accounting PLD, REPLACE_ONE (sigma={sigma!r}, q={q!r}, T={t})")


def _profile_deltas(acc, grid: np.ndarray) -> np.ndarray:
    return np.clip(np.asarray(acc.get_delta(grid), dtype=float).reshape(grid.shape), 0.0, 1.0)


def _success_bound(e: np.ndarray, d: np.ndarray, g: int, w: np.ndarray | None) -> np.ndarray:
    return _success(e, d, float(g)) if w is None else _optimal(e, d, w)


def _profile_result(e: np.ndarray, d: np.ndarray, g: int, w: np.ndarray | None) -> ProfileBound:
    s = _success_bound(e, d, g, w)
    i = int(np.argmin(s))
    succ = float(s[i])
    if w is None:
        adv = float(_advantage(e[i], d[i], float(g)))
    else:
        adv = min(1.0, max(-1.0 / (g - 1), (g * succ - 1.0) / (g - 1.0)))
    return ProfileBound(g, float(e[i]), float(d[i]), float(np.min(_eta(e, d))), succ, adv, int(e.size),
                        None if w is None else tuple(float(x) for x in w))


def profile_sa_bound(profile, *, groups: int, prior=None) -> ProfileBound:
    """SA bounds from a replace-one privacy profile: ``min_i`` of the tight G-ary success (uniform prior) or of the
    exact optimum for ``prior`` at (ε_i, δ_i). ``profile`` is a :class:`PrivacyProfile` or (ε, δ) pairs
    (ε ∈ [0, ∞], δ ∈ [0, 1]); each pair must be a valid DP guarantee of the mechanism for replace-one neighbours."""
    g = check_groups(groups)
    w = None if prior is None else check_prior(prior, "prior", groups=g).astype(float)
    if isinstance(profile, PrivacyProfile):
        eps, dels = profile.epsilons, profile.deltas
    else:
        try:
            pairs = [tuple(p) for p in profile]
        except TypeError:
            raise ValueError(f"`profile` must be a sequence of (epsilon, delta) pairs. Found {profile!r}.") from None
        if not pairs or any(len(p) != 2 for p in pairs):
            raise ValueError(f"`profile` must be a non-empty sequence of (epsilon, delta) pairs. Found {profile!r}.")
        eps, dels = [p[0] for p in pairs], [p[1] for p in pairs]
    e = check_epsilon(eps, "profile epsilon")
    d = check_delta(dels, "profile delta")
    return _profile_result(np.atleast_1d(e), np.atleast_1d(d), g, w)


def dpsgd_sa_bound(*, noise_multiplier: float, sampling_rate: float, steps: int, groups: int,
                   delta: float | None = None, prior=None, method: str = "privacy_profile",
                   accountant: str = "pld") -> DpSgdBound:
    """SA bounds for DP-SGD (σ, q, T) and G values (``prior`` optional).

    ``method="privacy_profile"``: min over the PLD replace-one profile (``delta`` not needed; ``accountant`` must
    be 'pld'). ``method="group_privacy"``: add/remove (ε, δ) at ``delta`` ∈ (0, 1) from ``accountant`` ('rdp' or
    'pld'), then ``(2ε, (1 + e^ε)δ)``; ε = ∞ gives the trivial bounds 1.
    """
    sigma, q, t = _check_dpsgd(noise_multiplier, sampling_rate, steps)
    g = check_groups(groups)
    w = None if prior is None else check_prior(prior, "prior", groups=g).astype(float)
    if method == "privacy_profile":
        if accountant != "pld":
            raise ValueError(f"`accountant` must be 'pld' for method='privacy_profile' (RDP gives no profile). "
                             f"Found {accountant!r}.")
        if delta is not None:
            check_delta(delta)
        acc, span = _pld(sigma, q, t, replace_one=True)
        top = min(span / 2.0, 200.0)
        grid = np.unique(np.concatenate([[0.0], np.linspace(0.0, top, 33), np.geomspace(1e-3, top, 16)]))
        dels = _profile_deltas(acc, grid)
        i = int(np.argmin(_success_bound(grid, dels, g, w)))
        fine = np.linspace(grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)], 17)
        e_all = np.concatenate([grid, fine])
        d_all = np.concatenate([dels, _profile_deltas(acc, fine)])
        pb = _profile_result(e_all, d_all, g, w)
        return DpSgdBound(sigma, q, t, g, method, "pld", pb.epsilon, pb.delta, pb.tv_bound, pb.success_bound,
                          pb.advantage_bound, None, None if delta is None else float(delta), pb.prior)
    if method != "group_privacy":
        raise ValueError(f"`method` must be one of {METHODS}. Found {method!r}.")
    if delta is None:
        raise ValueError("`delta` is required for method='group_privacy' (a number in (0, 1)).")
    eps = dpsgd_epsilon(noise_multiplier=sigma, sampling_rate=q, steps=t, delta=delta, accountant=accountant)
    re, rd = group_privacy(eps, delta, 2)
    b = _sa_bound(np.asarray(re), np.asarray(rd), g, w)
    return DpSgdBound(sigma, q, t, g, method, accountant, float(re), float(rd), b.tv_bound, b.success_bound,
                      b.advantage_bound, eps, float(delta), b.prior)
