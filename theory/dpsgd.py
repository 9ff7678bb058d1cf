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

The PLD's discretisation interval is chosen from an estimate of the loss range (the unsubsampled Gaussian's
ε at 10⁻¹², and dp-accounting's RDP when that is larger than 2.5) so that the composed PLD holds at most ~2·10⁵
points (coarser is still an upper bound); a σ so small for the step count that the privacy loss spans more than 10⁵
nats is refused with a ValueError naming ``noise_multiplier`` (the bound would be ≈ 1 anyway).

*Cost guard (measured).* The work is the one-step PLD (≤ ~2·10⁵ points, ≤ 1.5 s) and its T-fold self-composition.
dp-accounting composes a *sparse* one-step PMF (≤ 1000 points, large σ) by first computing the integer
``size**T`` — at T = 10⁷ and 77 points a 63-million-bit integer (killed after 50 s), far longer at T ≥ 10⁸ — so a sparse PMF with
``size**T > 1000`` is converted to the dense form first (what dp-accounting does next anyway, without the integer).
The dense composition is one FFT of length N = the Chernoff truncation range dp-accounting computes for T
(``compute_self_convolve_bounds``), measured at ≈ 1 µs per point on a 2-core CPU (N = 1.45·10⁶: 1.6 s, σ = 10,
q = 0.01, T = 10⁷); N is computed *before* composing and a run with N > 2²² (≈ 4 s, 270 MB) is refused in
milliseconds with a ValueError naming ``steps`` and the largest step count that fits (about T·2²²/N).

With q = 1 the T steps are composed exactly as one Gaussian step with noise σ/√T.

*KL/Pinsker cap (sound for every σ).* Each DP-SGD step, conditionally on the past, is a mixture with weight 1 − q
on a component common to both replace-one worlds and weight q on two Gaussians whose means differ by at most 2 (in
units of the clipping norm), so by joint convexity its KL divergence is at most q·2²/(2σ²) = 2q/σ², by the chain
rule T steps have KL ≤ 2qT/σ², and by Pinsker ``TV ≤ √(qT)/σ``. Since δ(ε) ≤ δ(0) = TV for every ε, every profile
δ is capped at ``min(1, √(qT)/σ)``. When this cap is at most 10⁻⁶ the accountant is not run at all
(``accountant="kl_pinsker"``): the bound is then within 10⁻⁶ of the prior's own success (advantage ≈ 0), and this
covers σ up to 10³⁰⁸, where dp-accounting's RDP code overflows (σ > ~1.3·10¹⁵⁴).

For ``method="group_privacy"`` the RDP ε is capped by the closed form below, and with σ > 10⁸ the RDP
accountant is numerically unreliable (it warns of negative divergences and returns ε = 0, overflows beyond
~1.3·10¹⁵⁴), so the unsubsampled Gaussian's RDP is used instead, ``ε ≤ μ²/2 + μ·√(2 ln(1/δ))`` with μ = √T/σ
(sound: Poisson subsampling never increases a Rényi divergence, by its joint quasi-convexity), a few 10⁻³ at most
there (T ≤ 10⁹, δ ≥ 10⁻¹²).
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Iterable
from contextlib import contextmanager
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
#: Largest FFT length of the T-fold composition (≈ 1 µs per point measured: ≈ 4 s, 270 MB).
_MAX_FFT = 2**22
#: KL/Pinsker TV cap below which the accountant is skipped; σ above which the RDP accountant is not used.
_ANALYTIC_TV = 1e-6
_SIGMA_RDP_MAX = 1e8


class NoEpsilonError(ValueError):
    """No ε is resolvable for these settings: the privacy loss spans more nats than the PLD holds (σ too small for
    T), or no per-example point gives a unit's group δ ≤ δ. Calibration reads it as ε = ∞ at that σ; every other
    ValueError is a real error."""


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


@contextmanager
def _quiet():
    """dp-accounting's numpy warnings and absl log lines ("failed to converge ... Excluding this order") silenced
    for the duration of one call (the absl logger's level is restored afterwards)."""
    log = logging.getLogger("absl")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            yield
    finally:
        log.setLevel(level)


def _gaussian_epsilon(sigma: float, t: int, delta: float, sensitivity: float = 1.0) -> float:
    """ε at δ of T unsubsampled Gaussian steps (sensitivity / σ each) by the RDP conversion at the best real order:
    ``μ²/2 + μ·√(2 ln(1/δ))``, μ = sensitivity·√T/σ (no overflow for any σ). Sound for DP-SGD, whose Poisson
    subsampling only lowers every Rényi divergence."""
    mu = sensitivity * math.sqrt(t) / sigma
    return 0.5 * mu * mu + mu * math.sqrt(2.0 * math.log(1.0 / delta))


def _kl_tv(sigma: float, q: float, t: int) -> float:
    """min(1, √(qT)/σ): Pinsker on the KL chain-rule bound 2qT/σ² of replace-one DP-SGD (module docstring)."""
    return min(1.0, math.sqrt(q * t) / sigma)


def _rdp_epsilon(sigma: float, q: float, t: int, delta: float) -> float:
    """Add/remove ε at δ: dp-accounting's RDP accountant for σ ≤ 10⁸, else (and capped by) the unsubsampled
    Gaussian's closed form; ∞ when there is no finite ε."""
    closed = _gaussian_epsilon(sigma, t, delta)
    if sigma > _SIGMA_RDP_MAX:
        return closed
    from dp_accounting import rdp

    acc = rdp.RdpAccountant()
    with _quiet():
        acc.compose(_event(sigma, q, t))
        e = float(acc.get_epsilon(delta))
    return min(e, closed) if e == e else closed


def _span(sigma: float, q: float, t: int) -> float:
    """An estimate (not a bound) of the replace-one privacy loss range in nats, for the PLD's grid."""
    e = _gaussian_epsilon(sigma, t, 1e-12, sensitivity=2.0)
    if e > 2.5:  # below, the grid is the finest (1e-4) whatever the RDP says
        e = min(e, _rdp_epsilon(sigma, q, t, 1e-12))
    return 4.0 * e + 10.0


def _pld(sigma: float, q: float, t: int, replace_one: bool):
    """The T-fold composed PLD (dp-accounting's ``from_gaussian_mechanism(...).self_compose(T)``, what its PLD
    accountant computes), its grid sized from :func:`_span`, with the cost guard of the module docstring."""
    import dp_accounting
    from dp_accounting.pld import common, pld_pmf
    from dp_accounting.pld import privacy_loss_distribution as pld_lib

    span = _span(sigma, q, t)
    if not span <= _MAX_SPAN:
        raise NoEpsilonError(
            f"`noise_multiplier` = {sigma!r} is too small for `steps` = {t} at `sampling_rate` = {q!r}: the privacy "
            f"loss spans more than {_MAX_SPAN:.0e} nats, beyond what the PLD accountant resolves (every SA bound is "
            f"then ~1). Use a larger noise multiplier or fewer steps.")
    rel = dp_accounting.NeighboringRelation.REPLACE_ONE if replace_one else dp_accounting.NeighboringRelation.ADD_OR_REMOVE_ONE
    if q == 1.0:  # T Gaussian steps compose exactly into one Gaussian with σ/√T
        sigma, t = sigma / math.sqrt(t), 1
    with _quiet():
        one = pld_lib.from_gaussian_mechanism(sigma, value_discretization_interval=max(1e-4, span / _PLD_POINTS),
                                              sampling_prob=q, neighboring_relation=rel)
    pmfs = [one._pmf_remove] if one._symmetric else [one._pmf_remove, one._pmf_add]
    ready = []
    for pm in pmfs:
        if isinstance(pm, pld_pmf.SparsePLDPmf):
            if pm.size <= 1 or t * math.log(pm.size) <= math.log(1000):
                ready.append(pm)  # dp-accounting's exact sparse composition: at most 1000 points
                continue
            pm = pm.to_dense_pmf()  # what self_compose does after computing size**T (minutes for T >= 1e8)
        lo, hi = common.compute_self_convolve_bounds(pm._probs, t, 1e-15)
        n = max(hi - lo + 1, pm._probs.size)
        if n > _MAX_FFT:
            fit = max(1, int(t * _MAX_FFT / n))
            raise ValueError(
                f"`steps` = {t} is too many for the PLD accountant at `noise_multiplier` = {sigma!r}, `sampling_rate` = "
                f"{q!r}: composing them needs an FFT of {n:.3g} points (limit {_MAX_FFT:.3g}, about 1 microsecond "
                f"per point). Use at most about {fit:.3g} steps here, or --method group_privacy (RDP, any step count).")
        ready.append(pm)
    with _quiet():
        out = [pm.self_compose(t) for pm in ready]
    return pld_lib.PrivacyLossDistribution(out[0], None if len(out) == 1 else out[1]), span


def dpsgd_epsilon(*, noise_multiplier: float, sampling_rate: float, steps: int, delta: float,
                  accountant: str = "rdp") -> float:
    """ε of DP-SGD at δ ∈ (0, 1) for add/remove-one neighbours (``accountant`` 'rdp' or 'pld'); ∞ when the RDP
    accountant finds no finite ε. 'rdp' with σ > 10⁸ uses the unsubsampled Gaussian's closed form (module
    docstring)."""
    sigma, q, t = _check_dpsgd(noise_multiplier, sampling_rate, steps)
    d = float(check_delta(delta))
    if d == 0 or d == 1:
        raise ValueError(f"`delta` must lie in (0, 1) for a Gaussian-mechanism accountant. Found {d!r}.")
    if accountant == "rdp":
        return _rdp_epsilon(sigma, q, t, d)
    if accountant == "pld":
        pl, _ = _pld(sigma, q, t, replace_one=False)
        with _quiet():
            return float(pl.get_epsilon_for_delta(d))
    raise ValueError(f"`accountant` must be one of {ACCOUNTANTS}. Found {accountant!r}.")


def _profile_grid(sigma: float, q: float, t: int, grid: np.ndarray | None, n_lin: int, n_geo: int):
    """(ε grid, δ(ε) capped by the KL/Pinsker TV, accountant name, PLD or None)."""
    cap = _kl_tv(sigma, q, t)
    if cap <= _ANALYTIC_TV:
        g = np.array([0.0]) if grid is None else grid
        return g, np.full(g.shape, cap), "kl_pinsker", None
    pl, span = _pld(sigma, q, t, replace_one=True)
    if grid is None:
        top = min(span / 2.0, 200.0)
        grid = np.unique(np.concatenate([[0.0], np.linspace(0.0, top, n_lin), np.geomspace(1e-3, top, n_geo)]))
    return grid, _profile_deltas(pl, grid, cap), "pld", pl


def dpsgd_privacy_profile(*, noise_multiplier: float, sampling_rate: float, steps: int,
                          epsilons: Iterable[float] | None = None) -> PrivacyProfile:
    """The replace-one privacy profile δ(ε) of DP-SGD from dp-accounting's PLD (``NeighboringRelation.REPLACE_ONE``),
    at ``epsilons`` (default: 0 and a grid up to the loss range). δ values are the accountant's pessimistic
    estimates, clipped to [0, 1] and capped by the KL/Pinsker TV √(qT)/σ; when that cap is ≤ 10⁻⁶ the accountant
    is skipped and every δ is the cap (default grid: ε = 0 only)."""
    sigma, q, t = _check_dpsgd(noise_multiplier, sampling_rate, steps)
    grid = None if epsilons is None else np.unique(check_epsilon(list(epsilons), "epsilons", allow_inf=False))
    grid, dels, acc, _ = _profile_grid(sigma, q, t, grid, 41, 20)
    src = "dp-accounting PLD, REPLACE_ONE" if acc == "pld" else "KL chain rule + Pinsker"
    return PrivacyProfile(tuple(float(x) for x in grid), tuple(float(x) for x in dels),
                          f"{src} (sigma={sigma!r}, q={q!r}, T={t})")


def _profile_deltas(pl, grid: np.ndarray, cap: float) -> np.ndarray:
    """δ(ε) on the grid, one numpy pass per ε (dp-accounting's vectorised form loops in Python over every PLD point:
    8 s at 1.5·10⁶ points), clipped to [0, cap]."""
    with _quiet():
        d = np.array([float(pl.get_delta_for_epsilon(float(x))) for x in grid.ravel()]).reshape(grid.shape)
    return np.clip(d, 0.0, cap)


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

    ``method="privacy_profile"``: min over the PLD replace-one profile, δ capped by the KL/Pinsker TV
    (``accountant`` must be 'pld'; the result's ``accountant`` is 'pld', or 'kl_pinsker' when the cap ≤ 10⁻⁶ made
    the accountant unnecessary). ``delta`` is not used by this method and is refused (ValueError naming ``delta``)
    rather than silently echoed. ``method="group_privacy"``: add/remove (ε, δ) at ``delta`` ∈ (0, 1) from
    ``accountant`` ('rdp' or 'pld'), then ``(2ε, (1 + e^ε)δ)``; ε = ∞ gives the trivial bounds 1.
    """
    sigma, q, t = _check_dpsgd(noise_multiplier, sampling_rate, steps)
    g = check_groups(groups)
    w = None if prior is None else check_prior(prior, "prior", groups=g).astype(float)
    if method == "privacy_profile":
        if accountant != "pld":
            raise ValueError(f"`accountant` must be 'pld' for method='privacy_profile' (RDP gives no profile). "
                             f"Found {accountant!r}.")
        if delta is not None:
            raise ValueError(f"`delta` is not used by method='privacy_profile' (the whole profile delta(epsilon) is "
                             f"used); give it only with method='group_privacy'. Found {delta!r}.")
        grid, dels, acc, pl = _profile_grid(sigma, q, t, None, 33, 16)
        if pl is not None:
            i = int(np.argmin(_success_bound(grid, dels, g, w)))
            fine = np.linspace(grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)], 17)
            grid = np.concatenate([grid, fine])
            dels = np.concatenate([dels, _profile_deltas(pl, fine, _kl_tv(sigma, q, t))])
        pb = _profile_result(grid, dels, g, w)
        return DpSgdBound(sigma, q, t, g, method, acc, pb.epsilon, pb.delta, pb.tv_bound, pb.success_bound,
                          pb.advantage_bound, None, None, pb.prior)
    if method != "group_privacy":
        raise ValueError(f"`method` must be one of {METHODS}. Found {method!r}.")
    if delta is None:
        raise ValueError("`delta` is required for method='group_privacy' (a number in (0, 1)).")
    eps = dpsgd_epsilon(noise_multiplier=sigma, sampling_rate=q, steps=t, delta=delta, accountant=accountant)
    re, rd = group_privacy(eps, delta, 2)
    b = _sa_bound(np.asarray(re), np.asarray(rd), g, w)
    return DpSgdBound(sigma, q, t, g, method, accountant, float(re), float(rd), b.tv_bound, b.success_bound,
                      b.advantage_bound, eps, float(delta), b.prior)


# --- one accountant for training: the replace-one ε of DP-SGD, a unit in k examples, calibration -------------------

#: the smallest per-example δ read from the PLD: below it (and where the PLD's sums return a negative number) δ is
#: taken as this, so numerical noise never passes for a guarantee (the PLD's values near 1e-13 move by ~12% with its
#: grid); a target δ below :data:`MIN_DELTA` is refused for the same reason
DELTA_FLOOR = 1e-12
MIN_DELTA = 1e-11


@dataclass(frozen=True)
class UnitGuarantee:
    """(ε, δ) of a unit held in ``group_size`` = k examples of a DP-SGD run, and the per-example replace-one point
    (ε₁, δ₁) it comes from by group privacy over k replacements: ``ε = k·ε₁``, ``δ ≥ δ₁·Σ_{j<k} e^{jε₁}``."""

    epsilon: float
    delta: float
    group_size: int
    example_epsilon: float
    example_delta: float

    def to_dict(self) -> dict:
        return asdict(self)


def dpsgd_pld(*, noise_multiplier: float, sampling_rate: float, steps: int, replace_one: bool = True):
    """The T-fold composed PLD of DP-SGD (σ, q, T) from dp-accounting (``from_gaussian_mechanism(...)
    .self_compose(T)``, pessimistic, the grid and cost guard of the module docstring): the one construction that the
    certified ε, the unit guarantee, the calibration and the privacy profile all read."""
    sigma, q, t = _check_dpsgd(noise_multiplier, sampling_rate, steps)
    return _pld(sigma, q, t, replace_one=bool(replace_one))[0]


def dpsgd_unit_guarantee(*, noise_multiplier: float, sampling_rate: float, steps: int, delta: float,
                         group_size: int = 1) -> UnitGuarantee:
    """The replace-one (ε, δ) of a unit held in k = ``group_size`` training examples of DP-SGD (σ, q, T).

    k = 1: the PLD's ε at δ. k > 1: ``k·ε₁`` for the smallest ε₁ found whose group δ, ``δ₁(ε₁)·Σ_{j<k} e^{jε₁}``
    (result 8) with δ₁ the PLD's profile (floored at :data:`DELTA_FLOOR`), is ≤ δ. The group δ falls then rises in ε₁,
    so a log grid is scanned upward for the first qualifying ε₁ and the boundary below it bisected (to 10⁻⁶ relative);
    every qualifying point is a valid guarantee. A ValueError when no ε₁ up to 700/(k − 1) qualifies."""
    d = float(check_delta(delta))
    if not MIN_DELTA <= d < 1:
        raise ValueError(f"`delta` must lie in [{MIN_DELTA:g}, 1): below, the accountant's values are within its "
                         f"numerical error. Found {delta!r}.")
    k = check_positive_int(group_size, "group_size")
    pl = dpsgd_pld(noise_multiplier=noise_multiplier, sampling_rate=sampling_rate, steps=steps)
    with _quiet():
        if k == 1:
            e = float(pl.get_epsilon_for_delta(d))
            return UnitGuarantee(e, d, 1, e, d)

        def d1(e1: float) -> float:
            return min(1.0, max(DELTA_FLOOR, float(pl.get_delta_for_epsilon(e1))))

        def ok(e1: float) -> bool:
            return float(group_privacy(e1, d1(e1), k)[1]) <= d

        grid = [0.0, *np.geomspace(1e-4, 700.0 / (k - 1), 400).tolist()]
        first = next((i for i, e1 in enumerate(grid) if ok(e1)), None)
        if first is None:
            raise NoEpsilonError(
                f"no epsilon for a unit in `group_size` = {k} examples at `delta` = {d:g} (the accountant resolves a "
                f"per-example delta down to {DELTA_FLOOR:g}) with `noise_multiplier` = {noise_multiplier:.4g}, "
                f"`sampling_rate` = {sampling_rate:.4g}, `steps` = {steps}: raise the noise multiplier or train fewer steps")
        hi = grid[first]
        if first > 0:
            lo = grid[first - 1]
            while hi - lo > 1e-6 * max(1.0, hi):
                mid = 0.5 * (lo + hi)
                lo, hi = (lo, mid) if ok(mid) else (mid, hi)
        return UnitGuarantee(k * hi, d, k, hi, d1(hi))


def dpsgd_calibrate(*, target_epsilon: float, sampling_rate: float, steps: int, delta: float, group_size: int = 1,
                    noise_range: tuple[float, float] = (0.3, 50.0)) -> float:
    """The smallest noise multiplier σ in ``noise_range`` (to a ratio of 1 + 10⁻⁴, rounded up) whose unit guarantee
    (:func:`dpsgd_unit_guarantee`) has ε ≤ ``target_epsilon``: bisection in log σ (ε falls as σ grows). A ValueError
    naming the σ that would be needed when it lies above the range."""
    target = float(target_epsilon)
    if not (target > 0 and math.isfinite(target)):
        raise ValueError(f"`target_epsilon` must be a finite number > 0. Found {target_epsilon!r}.")
    lo, hi = (float(x) for x in noise_range)
    if not 0 < lo < hi:
        raise ValueError(f"`noise_range` must be (low, high) with 0 < low < high. Found {noise_range!r}.")

    def eps(s: float) -> float:
        try:
            return dpsgd_unit_guarantee(noise_multiplier=s, sampling_rate=sampling_rate, steps=steps, delta=delta,
                                        group_size=group_size).epsilon
        except NoEpsilonError:  # no epsilon at this σ (too little noise for the PLD's range or the group)
            return math.inf

    def smallest(a: float, b: float) -> float:
        while b / a > 1 + 1e-4:
            mid = math.sqrt(a * b)
            a, b = (a, mid) if eps(mid) <= target else (mid, b)
        return b

    if eps(lo) <= target:
        return lo
    if eps(hi) > target:
        need = next((smallest(hi, top) for top in (2e2, 1e3, 1e4) if eps(top) <= target), None)
        what = f"σ ≈ {need:.4g}" if need else "σ > 1e4"
        unit = "" if check_positive_int(group_size, "group_size") == 1 else f" for a unit in {group_size} examples"
        raise ValueError(f"`target_epsilon` {target:g} at δ = {delta:g}{unit} is out of reach for T = {steps} steps at "
                         f"sampling rate q = {sampling_rate:.4g}: it needs {what}, above the limit σ ≤ {hi:g} (the "
                         "update would be noise). Raise ε, or train fewer steps.")
    return smallest(lo, hi)
