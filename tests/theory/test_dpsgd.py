"""DP-SGD and privacy profiles: against dp-accounting called directly, the exact Gaussian TV, a numerically
integrated G-ary Gaussian game, and the 60-digit oracles."""

import math

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
