"""DP-SGD and privacy profiles: against dp-accounting called directly, the exact Gaussian TV, a numerically
integrated G-ary Gaussian game, and the 60-digit oracles."""

import logging
import math
import time

import dp_accounting
import mpmath as mp
import numpy as np
import pytest
from dp_accounting import pld, rdp

from tests.theory import oracles
from theory.dpsgd import dpsgd_epsilon, dpsgd_privacy_profile, dpsgd_sa_bound, profile_sa_bound

NR = dp_accounting.NeighboringRelation


def _event(sigma, q, t):
    return dp_accounting.SelfComposedDpEvent(dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(sigma)), t)


def test_epsilon_matches_dp_accounting_directly():
    for acc, name in ((rdp.RdpAccountant(), "rdp"), (pld.PLDAccountant(), "pld")):
        acc.compose(_event(1.1, 0.01, 1000))
        got = dpsgd_epsilon(noise_multiplier=1.1, sampling_rate=0.01, steps=1000, delta=1e-5, accountant=name)
        # the PLD here may use a slightly coarser (still pessimistic) grid than the default 1e-4
        assert got == pytest.approx(acc.get_epsilon(1e-5), rel=1e-5 if name == "pld" else 1e-12)


@pytest.mark.parametrize("sigma", [0.5, 1.0, 2.0])
def test_single_gaussian_g2_is_exact_tv(sigma):
    # one Gaussian step, q = 1, T = 1: replace-one TV between N(0, σ²) and N(2, σ²) is 2Φ(1/σ) − 1
    b = dpsgd_sa_bound(noise_multiplier=sigma, sampling_rate=1.0, steps=1, groups=2)
    assert b.advantage_bound == pytest.approx(float(mp.erf(1 / (sigma * mp.sqrt(2)))), abs=1e-9)
    assert b.method == "privacy_profile" and b.replace_epsilon == 0.0


@pytest.mark.parametrize("sigma", [0.7, 1.5])
def test_single_gaussian_g3_never_below_the_gaussian_game(sigma):
    # the 3-ary Gaussian mechanism with means pairwise 2 apart (each pair is the replace-one Gaussian pair) has
    # optimal success computed by numeric integration; the profile bound must not be below it
    b = dpsgd_sa_bound(noise_multiplier=sigma, sampling_rate=1.0, steps=1, groups=3)
    exact = oracles.gaussian_simplex_success(sigma)
    assert b.success_bound >= exact - 1e-9
    assert b.success_bound <= exact + 0.1  # and is not vacuous


def test_issue_examples_profile_tighter_than_group_privacy():
    kw = {"noise_multiplier": 1.1, "sampling_rate": 0.01, "steps": 1000}
    prof = dpsgd_sa_bound(**kw, groups=2)
    acc = pld.PLDAccountant(NR.REPLACE_ONE)
    acc.compose(_event(1.1, 0.01, 1000))
    assert prof.advantage_bound == pytest.approx(acc.get_delta(0.0), rel=1e-3)  # dp-accounting, called directly
    assert prof.advantage_bound == pytest.approx(0.2364, abs=5e-4) and prof.advantage_bound <= 0.24
    old = dpsgd_sa_bound(**kw, groups=2, delta=1e-5, method="group_privacy", accountant="rdp")
    r = rdp.RdpAccountant()
    r.compose(_event(1.1, 0.01, 1000))
    e = r.get_epsilon(1e-5)
    assert old.epsilon == pytest.approx(e, rel=1e-12)
    assert old.advantage_bound == pytest.approx(float(oracles.eta(2 * e, (1 + math.exp(e)) * 1e-5)), rel=1e-9)
    assert old.method == "group_privacy" and old.advantage_bound > 3 * prof.advantage_bound
    small = dpsgd_sa_bound(noise_multiplier=1.0, sampling_rate=8 / 10500, steps=1313, groups=2)
    assert small.advantage_bound == pytest.approx(0.0238, abs=5e-4)


def test_profile_bound_for_g_values_and_prior_uses_profile_points():
    prof = dpsgd_privacy_profile(noise_multiplier=1.1, sampling_rate=0.01, steps=1000)
    b10 = profile_sa_bound(prof, groups=10)
    # each profile point is a valid (ε, δ); the bound is the oracle's tight success at the best point
    best = min(oracles.tight_success(e, d, 10) for e, d in zip(prof.epsilons, prof.deltas))
    assert b10.success_bound == pytest.approx(float(best), rel=1e-12)
    w = [0.5, 0.2, 0.1, 0.1, 0.1]
    bp = profile_sa_bound(prof, groups=5, prior=w)
    best = min(oracles.prior_success(e, d, w) for e, d in zip(prof.epsilons, prof.deltas))
    assert bp.success_bound == pytest.approx(float(best), rel=1e-12)


def test_user_profile():
    b = profile_sa_bound([(0.0, 0.3), (1.0, 0.05), (float("inf"), 0.0)], groups=2)
    assert b.advantage_bound == pytest.approx(0.3, rel=1e-15) and b.epsilon == 0.0
    b = profile_sa_bound([(1.0, 0.0)], groups=10)
    assert b.advantage_bound == pytest.approx(float(oracles.tight_advantage(1.0, 0.0, 10)), rel=1e-12)
    with pytest.raises(ValueError, match="`profile delta`"):
        profile_sa_bound([(1.0, 1.5)], groups=2)
    with pytest.raises(ValueError, match="`profile`"):
        profile_sa_bound([(1.0,)], groups=2)


@pytest.mark.parametrize("sigma", [1e-6, 0.03])
def test_tiny_sigma_is_refused_quickly(sigma):
    import time

    t = time.perf_counter()
    with pytest.raises(ValueError, match="`noise_multiplier`"):
        dpsgd_sa_bound(noise_multiplier=sigma, sampling_rate=0.01, steps=1000, groups=2)
    assert time.perf_counter() - t < 5


def test_rdp_infinite_epsilon_gives_bound_one():
    b = dpsgd_sa_bound(noise_multiplier=1e-6, sampling_rate=0.01, steps=1000, groups=2, delta=1e-5,
                       method="group_privacy", accountant="rdp")
    assert b.epsilon > 1e10 and b.advantage_bound == 1.0 and b.replace_delta == 1.0  # no NaN, no misleading error


@pytest.mark.parametrize("kw,name", [({"noise_multiplier": 0}, "noise_multiplier"), ({"sampling_rate": 0}, "sampling_rate"),
                                     ({"steps": 0}, "steps"), ({"noise_multiplier": float("nan")}, "noise_multiplier"),
                                     ({"accountant": "x"}, "accountant"), ({"method": "x"}, "method")])
def test_bad_input(kw, name):
    args = {"noise_multiplier": 1.0, "sampling_rate": 0.01, "steps": 10, "groups": 2, **kw}
    with pytest.raises(ValueError, match=f"`{name}`"):
        dpsgd_sa_bound(**args)
    with pytest.raises(ValueError, match="`delta`"):
        dpsgd_epsilon(noise_multiplier=1.0, sampling_rate=0.01, steps=10, delta=0.0)


def test_keyword_only():
    with pytest.raises(TypeError):
        dpsgd_sa_bound(1.1, 0.01, 1000, 1e-5, 10)  # type: ignore[misc]
    assert np.isfinite(dpsgd_sa_bound(noise_multiplier=2.0, sampling_rate=0.01, steps=10, groups=2).advantage_bound)


# --- cost guard, huge σ, the KL/Pinsker cap (review of issue 12) ---------------------------------------------------


@pytest.fixture(scope="module")
def warm():
    """dp-accounting imported and its first call made, so timings measure the work and not the imports."""
    dpsgd_sa_bound(noise_multiplier=2.0, sampling_rate=0.01, steps=10, groups=2)


def _clt_tv(sigma, q, t):
    """TV of μ-GDP with the CLT's μ = q·√(T(e^{4/σ²} − 1)) for replace-one DP-SGD (an approximation, from mpmath)."""
    mu = q * mp.sqrt(t * mp.expm1(4 / mp.mpf(sigma) ** 2))
    return float(2 * mp.ncdf(mu / 2) - 1)


@pytest.mark.parametrize("sigma,q,t", [(10.0, 0.01, 10**7), (2.0, 0.001, 10**8), (1e6, 0.01, 10**9)])
def test_many_steps_answer_in_seconds(warm, sigma, q, t):
    # these ran for minutes (dp-accounting's sparse self_compose computes the integer size**T first)
    start = time.perf_counter()
    b = dpsgd_sa_bound(noise_multiplier=sigma, sampling_rate=q, steps=t, groups=2)
    assert time.perf_counter() - start < 30  # ≈ 1-4 s of work on an idle 2-core CPU
    clt = _clt_tv(sigma, q, t)
    assert b.tv_bound >= clt - 1e-3  # never (noticeably) below the CLT value of the true TV
    assert b.tv_bound <= max(clt + 1e-3, float(mp.sqrt(q * t) / sigma))  # the accountant, or the Pinsker cap


def test_dense_conversion_equals_dp_accounting(warm):
    # T = 2·10⁴ is still cheap for dp-accounting's own sparse path: the profile must agree with it
    eps = [0.0, 0.1, 1.0]
    prof = dpsgd_privacy_profile(noise_multiplier=10.0, sampling_rate=0.01, steps=20000, epsilons=eps)
    acc = pld.PLDAccountant(NR.REPLACE_ONE, value_discretization_interval=1e-4)
    acc.compose(_event(10.0, 0.01, 20000))
    assert prof.deltas == pytest.approx([acc.get_delta(e) for e in eps], rel=1e-9, abs=1e-14)


@pytest.mark.parametrize("sigma,t", [(3e5, 10**9), (1e3, 10**6)])
def test_full_batch_many_steps_is_one_gaussian(warm, sigma, t):
    # q = 1: T Gaussian steps are one Gaussian with means 2√T/σ·σ apart: TV = erf(√T/(σ√2)) exactly
    b = dpsgd_sa_bound(noise_multiplier=sigma, sampling_rate=1.0, steps=t, groups=2)
    exact = float(mp.erf(mp.sqrt(t) / (sigma * mp.sqrt(2))))
    assert exact - 1e-12 <= b.advantage_bound <= exact + 1e-6


def test_too_many_steps_refused_quickly(warm):
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"`steps` = 1000000000 is too many .* at most about .* group_privacy"):
        dpsgd_sa_bound(noise_multiplier=10.0, sampling_rate=0.01, steps=10**9, groups=2)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("sigma", [1.3e154, 1e200, 1e300])
def test_huge_sigma_gives_no_privacy_loss(sigma):
    cap = mp.sqrt(mp.mpf("0.1")) / mp.mpf(sigma)  # Pinsker on KL ≤ 2qT/σ², q = 0.01, T = 10
    b = dpsgd_sa_bound(noise_multiplier=sigma, sampling_rate=0.01, steps=10, groups=3)
    assert b.accountant == "kl_pinsker" and b.replace_epsilon == 0.0
    assert b.success_bound == pytest.approx(float(oracles.tight_success(0, cap, 3)), rel=1e-15)
    assert 0.0 <= b.advantage_bound <= float(cap) * 1.000001
    p = dpsgd_sa_bound(noise_multiplier=sigma, sampling_rate=0.01, steps=10, groups=3, prior=[0.5, 0.3, 0.2])
    assert p.success_bound == pytest.approx(float(oracles.prior_success(0, cap, [0.5, 0.3, 0.2])), rel=1e-15)
    gp = dpsgd_sa_bound(noise_multiplier=sigma, sampling_rate=0.01, steps=10, groups=3, delta=1e-5,
                        method="group_privacy", accountant="rdp")
    assert 0.0 <= gp.epsilon <= 1e-150 and gp.advantage_bound <= 1e-4  # δ' = (1 + e^ε)·1e-5 ≈ 2e-5 dominates
    assert dpsgd_privacy_profile(noise_multiplier=sigma, sampling_rate=0.01, steps=10).deltas == (float(cap),)


def test_large_sigma_rdp_is_the_unsubsampled_gaussian_bound():
    # σ > 1e8: ε ≤ min over real orders α of α·T/(2σ²) + ln(1/δ)/(α − 1), minimised here by mpmath numerically
    sigma, t, d = 1e9, 10**6, 1e-5
    f = lambda a: a * t / (2 * mp.mpf(sigma) ** 2) + mp.log(1 / mp.mpf(d)) / (a - 1)  # noqa: E731
    best = min(f(1 + mp.mpf(10) ** k) for k in np.linspace(-3, 12, 3001))
    got = dpsgd_epsilon(noise_multiplier=sigma, sampling_rate=0.5, steps=t, delta=d, accountant="rdp")
    assert float(best) * (1 - 1e-4) <= got <= float(best) * (1 + 1e-12)


def test_profile_method_refuses_delta():
    with pytest.raises(ValueError, match="`delta` is not used by method='privacy_profile'"):
        dpsgd_sa_bound(noise_multiplier=1.0, sampling_rate=0.01, steps=10, groups=2, delta=1e-5)


def test_absl_warnings_silenced(warm, caplog):
    with caplog.at_level(logging.WARNING):
        dpsgd_sa_bound(noise_multiplier=0.6, sampling_rate=0.05, steps=200, groups=2)
    assert not [r for r in caplog.records if r.name == "absl"]
    assert logging.getLogger("absl").level == logging.NOTSET  # restored


@pytest.mark.parametrize("sigma", [0.7, 1.5])
def test_single_gaussian_g10_never_below_the_gaussian_game(sigma):
    # 10 Gaussians N(√2·e_i, σ²I) (pairwise the replace-one Gaussian pair): optimal success by 1-D quadrature
    exact = oracles.gaussian_simplex_success_1d(sigma, 10)
    b = dpsgd_sa_bound(noise_multiplier=sigma, sampling_rate=1.0, steps=1, groups=10)
    # sound, and not vacuous (1/G = 0.1): a pairwise-DP bound is not tight for the G-ary Gaussian game
    assert exact - 1e-9 <= b.success_bound <= exact + 0.15


@pytest.mark.parametrize("sigma", [0.7, 1.5])
def test_gaussian_game_oracles_agree(sigma):
    # the 1-D quadrature (R^G, argmax of coordinates) and the 2-D wedge integral (R²) compute the same G = 3 game
    assert oracles.gaussian_simplex_success_1d(sigma, 3) == pytest.approx(oracles.gaussian_simplex_success(sigma), abs=1e-9)


def test_dp_accounting_private_fields_still_there():
    """theory/dpsgd.py's cost guard reads dp-accounting's private fields (``_pmf_remove``, ``_pmf_add``,
    ``_symmetric``, a PMF's ``_probs``) under the pinned range in pyproject.toml: this fails loudly when they move."""
    import dp_accounting
    from dp_accounting.pld import common
    from dp_accounting.pld import privacy_loss_distribution as pld_lib

    for rel in (dp_accounting.NeighboringRelation.REPLACE_ONE, dp_accounting.NeighboringRelation.ADD_OR_REMOVE_ONE):
        one = pld_lib.from_gaussian_mechanism(1.0, value_discretization_interval=1e-3, sampling_prob=0.1,
                                              neighboring_relation=rel)
        assert isinstance(one._symmetric, bool), "dp-accounting moved PrivacyLossDistribution._symmetric"
        for pm in (one._pmf_remove, one._pmf_add):
            dense = pm.to_dense_pmf() if hasattr(pm, "to_dense_pmf") else pm
            assert dense._probs.ndim == 1 and abs(dense._probs.sum() - 1) < 1e-6, "dp-accounting moved a PMF's _probs"
    assert callable(common.compute_self_convolve_bounds)


def test_unit_guarantee_and_calibration_refuse_bad_input():
    from theory import dpsgd_calibrate, dpsgd_unit_guarantee

    with pytest.raises(ValueError, match="delta"):
        dpsgd_unit_guarantee(noise_multiplier=1.0, sampling_rate=0.1, steps=10, delta=0.0)
    with pytest.raises(ValueError, match="group_size"):
        dpsgd_unit_guarantee(noise_multiplier=1.0, sampling_rate=0.1, steps=10, delta=1e-5, group_size=0)
    with pytest.raises(ValueError, match="target_epsilon"):
        dpsgd_calibrate(target_epsilon=float("inf"), sampling_rate=0.1, steps=10, delta=1e-5)
    with pytest.raises(ValueError, match="noise_range"):
        dpsgd_calibrate(target_epsilon=1.0, sampling_rate=0.1, steps=10, delta=1e-5, noise_range=(2.0, 1.0))
    with pytest.raises(ValueError, match="needs σ ≈"):
        dpsgd_calibrate(target_epsilon=0.01, sampling_rate=0.5, steps=100, delta=1e-5, noise_range=(0.3, 5.0))
    with pytest.raises(ValueError, match="numerical error"):  # below the accountant's resolution
        dpsgd_unit_guarantee(noise_multiplier=2.0, sampling_rate=0.01, steps=1000, delta=1e-12)
    # the FFT cost guard is a real error, never read as "no epsilon at this σ" (which would name a wrong σ)
    with pytest.raises(ValueError, match="too many for the PLD accountant"):
        dpsgd_calibrate(target_epsilon=3000.0, sampling_rate=0.01, steps=10**8, delta=1e-5)
