"""The count-conditioned one-run bound: with δ = 0 it is the binomial tail in closed form; its linear programme
against a generic nonlinear optimiser on the same constraints; the tail recursion never below the programme; sound
on mechanisms with a known law of the count (G-ary randomised response, a mechanism that spends its δ on a burst of
canaries, the subsampled Gaussian of DP-SGD); and the counterexample that broke the old G-ary argument."""

import math

import numpy as np
import pytest
from scipy.stats import binom

from empirical.audit.one_run_profile import (
    floor_pieces,
    one_run_profile_p_value,
    one_run_profile_rejects,
    tail_recursion_p_value,
)


@pytest.mark.parametrize("m,k,v,eps,g", [(1000, 100, 90, 1.0, 2), (32, 32, 28, 1.5, 2), (100, 100, 23, 0.5, 7),
                                         (50, 20, 15, 1.0, 2), (36, 36, 12, 1.0, 7), (400, 40, 40, 2.0, 5)])
def test_pure_epsilon_is_the_binomial_tail(m, k, v, eps, g):
    q = math.exp(eps) / (math.exp(eps) + g - 1)
    got = one_run_profile_p_value(canaries=m, guesses=k, correct=v, profile=[(eps, 0.0)], groups=g)
    exact = float(binom.sf(v - 1, k, q))
    assert exact - 1e-9 <= got <= exact + 1e-6 + 1e-7 * m + 1e-6  # the solver's margin, LP_MARGIN + 1e−7·m


def _floor(profile, x):
    return max([0.0] + [max((x - d) * math.exp(-e), 1 - d - math.exp(e) * (1 - x)) for e, d in profile])


@pytest.mark.parametrize("m,k,v,profile,g", [(10, 3, 3, [(0.5, 0.01)], 2), (8, 4, 3, [(1.0, 0.02), (0.3, 0.1)], 3),
                                            (20, 4, 4, [(2.0, 1e-3)], 2)])
def test_programme_matches_a_generic_optimiser(m, k, v, profile, g):
    """The same maximum, found by SLSQP over the law p with the constraints written directly from the floor g (a
    maximum of affine pieces, not the programme's sparse form), from many starting points."""
    from scipy.optimize import minimize

    def cons(p):
        out = []
        for j in range(k):
            lvl = (k - j) * p[j] / m - (g - 1) * _floor(profile, (j + 1) * p[j + 1] / m)
            tail = (sum((k - n) * p[n] for n in range(j, k + 1)) / m
                    - (g - 1) * _floor(profile, sum(n * p[n] for n in range(j + 1, k + 1)) / m))
            out += [lvl, tail]
        return np.array(out)

    best = 0.0
    rng = np.random.default_rng(0)
    for _ in range(40):
        x0 = rng.dirichlet(np.ones(k + 1))
        res = minimize(lambda p: -p[v:].sum(), x0, method="SLSQP", bounds=[(0, 1)] * (k + 1),
                       constraints=[{"type": "ineq", "fun": cons}, {"type": "eq", "fun": lambda p: p.sum() - 1}],
                       options={"ftol": 1e-12, "maxiter": 500})
        if res.success and np.all(cons(res.x) >= -1e-9):
            best = max(best, -res.fun)
    got = one_run_profile_p_value(canaries=m, guesses=k, correct=v, profile=profile, groups=g)
    assert best - 1e-9 <= got <= best + 1e-5


@pytest.mark.parametrize("m,k,v,profile,g", [(1000, 100, 90, [(1.0, 1e-5)], 2), (100, 100, 23, [(0.5, 1e-3)], 7),
                                            (5000, 300, 240, [(0.5, 1e-3), (1.0, 1e-4), (2.0, 1e-6)], 2)])
def test_tail_recursion_is_never_below_the_programme(m, k, v, profile, g):
    lp = one_run_profile_p_value(canaries=m, guesses=k, correct=v, profile=profile, groups=g)
    tails = tail_recursion_p_value(canaries=m, guesses=k, correct=v, profile=profile, groups=g)
    assert tails >= lp - 1e-6 - 1e-7 * m


def test_floor_pieces_keep_the_floor():
    prof = [(e, 1e-5 * math.exp(-e)) for e in np.linspace(0, 6, 30)]
    a, b = floor_pieces(prof, 0.2)
    for x in np.linspace(0, 0.2, 101):
        assert max(0.0, float(np.max(a * x + b))) == pytest.approx(_floor(prof, x), abs=1e-12)


def test_sound_on_mechanisms_with_a_known_law():
    """The exact P[C ≥ v] of G-ary randomised response (binomial) and of a mechanism that, with probability mδ/s,
    reveals s random canaries (each canary revealed with probability δ: (ε, δ)-DP per canary) and is ε-RR on the
    rest, never exceeds the bound at the true (ε, δ)."""
    m, k, s = 300, 100, 20
    for g, eps, delta in ((2, 1.0, 1e-4), (7, 1.0, 1e-4), (7, 0.25, 1e-3)):
        q = math.exp(eps) / (math.exp(eps) + g - 1)
        gamma = m * delta / s
        for v in range(int(k * q) + 1, k + 1, 7):
            rr = float(binom.sf(v - 1, k, q))
            burst = (1 - gamma) * rr + gamma * float(binom.sf(v - s - 1, k - s, q))
            bound = one_run_profile_p_value(canaries=m, guesses=k, correct=v, profile=[(eps, delta)], groups=g)
            assert rr <= bound + 1e-12 and burst <= bound + 1e-12, (g, eps, v)


def test_subsampled_gaussian_is_never_flagged():
    """500 simulated one-run audits of the subsampled Gaussian mechanism (q = 1/4, T = 10, σ from the accountant for
    ε = 2 at δ = 1e−5; 2,000 canaries of sign ±1, independent) with the likelihood-ratio scores of the white-box audit:
    the verdict against the mechanism's own profile is "violated" in at most 5% of the audits (here: none)."""
    from empirical.audit.white_box import Claim, all_iterates_scores, audit_scores
    from theory import dpsgd_calibrate

    q, t, delta = 0.25, 10, 1e-5
    sigma = dpsgd_calibrate(target_epsilon=2.0, sampling_rate=q, steps=t, delta=delta)
    claim = Claim(sigma, q, t, delta)
    rng = np.random.default_rng(7)
    m, audits, flagged = 2000, 500, 0
    for _ in range(audits):
        s = rng.choice([-1, 1], m)
        y = s * (rng.random((t, m)) < q) + rng.normal(0.0, sigma, (t, m))
        scores = all_iterates_scores(y, sampling_rate=q, noise_multiplier=sigma, expected_batch_size=1,
                                     max_grad_norm=1.0)
        flagged += audit_scores(scores, s, claim, threat_model="white_box_all", search=False)["verdict"] == "violated"
    assert flagged <= 0.05 * audits


def test_old_step_two_claim_is_false():
    """The review's process: r guesses each right with probability q, the last always right when exactly v − 1 are
    right already. Its only excess is (1 − q) on that event, D = (1 − q)·P[Bin(r − 1, q) = v − 1]; the old step 2
    claimed P[V ≥ v] ≤ P[Bin(r, q) ≥ v] + D·α. The truth, P[Bin(r − 1, q) ≥ v − 1], exceeds it (q < 1/2: G = 7,
    ε = 1)."""
    g, eps, r, v = 7, 1.0, 100, 40
    q = math.exp(eps) / (math.exp(eps) + g - 1)
    d = (1 - q) * float(binom.pmf(v - 1, r - 1, q))
    alpha = max(float(binom.cdf(v - 1, r, q) - binom.cdf(v - 1 - i, r, q)) / i for i in range(1, v + 1))
    truth = float(binom.sf(v - 2, r - 1, q))
    claim = float(binom.sf(v - 1, r, q)) + d * alpha
    assert truth > claim
    assert (truth - float(binom.sf(v - 1, r, q))) / (d * alpha) > 10  # the rise is over ten times the claimed term


def test_no_floor_means_no_bound():
    """δ ≥ k/m (or a huge ε) leaves no floor on [0, k/m]: every count is possible, p = 1 (found by a review as a
    crash in the programme's assembly)."""
    from empirical.audit.one_run import one_run_p_value

    assert one_run_profile_p_value(canaries=20, guesses=10, correct=8, profile=[(800.0, 1e-3)], groups=3) == 1.0
    assert one_run_p_value(canaries=32, guesses=32, correct=10, epsilon=8.0, delta=1e-5, groups=7, group_size=3) == 1.0
    assert one_run_p_value(canaries=32, guesses=32, correct=10, epsilon=1.0, delta=1.0, groups=3) == 1.0


@pytest.mark.parametrize("kw,needle", [
    ({"profile": []}, "profile"), ({"profile": [(-1.0, 0.1)]}, "epsilons"), ({"profile": [(1.0, 2.0)]}, "deltas"),
    ({"profile": [(math.inf, 0.0)]}, "epsilons"), ({"correct": 11}, "correct"), ({"guesses": 30}, "guesses"),
    ({"method": "exact"}, "method"),
])
def test_bad_input(kw, needle):
    args = {"canaries": 20, "guesses": 10, "correct": 8, "profile": [(1.0, 1e-5)]} | kw
    with pytest.raises(ValueError, match=needle):
        one_run_profile_p_value(**args)
    with pytest.raises(ValueError, match="level"):
        one_run_profile_rejects(canaries=20, guesses=10, correct=8, profile=[(1.0, 1e-5)], level=0.0)


def _exact_worst_case(m: int, g: int, k: int, profile, v: int) -> float:
    """The largest P[C ≥ v] over *every* mechanism from the secrets S ∈ [G]^m to guess vectors with exactly k
    guesses that is (ε, δ)-DP for every pair of the profile and every change of one canary's value: a linear
    programme over the mechanism's table P(t | s), the hockey-stick divergence of each neighbouring pair written
    with one slack per output (an independent oracle: it knows nothing of counts, floors or levels)."""
    import itertools

    import scipy.sparse as sp
    from scipy.optimize import linprog

    secrets_ = list(itertools.product(range(g), repeat=m))
    outs = [t for sub in itertools.combinations(range(m), k) for vals in itertools.product(range(g), repeat=k)
            for t in [tuple(vals[sub.index(i)] if i in sub else -1 for i in range(m))]]
    ns, no = len(secrets_), len(outs)
    index = {s: j for j, s in enumerate(secrets_)}
    right = (np.array(outs)[None, :, :] == np.array(secrets_)[:, None, :]).sum(2)
    pairs = [(index[s], index[s[:i] + (h,) + s[i + 1:]]) for s in secrets_ for i in range(m) for h in range(g) if h != s[i]]
    npv = ns * no
    rows, cols, vals, rhs = [], [], [], []
    r = 0
    t = np.arange(no)
    nz = npv
    for e, d in profile:
        for a, h in pairs:  # P(t|a) − e^ε P(t|h) − z_t ≤ 0, Σ_t z_t ≤ δ
            z = nz + t
            rows += [r + t] * 3
            cols += [a * no + t, h * no + t, z]
            vals += [np.ones(no), -math.exp(e) * np.ones(no), -np.ones(no)]
            rhs.append(np.zeros(no))
            r += no
            rows.append(np.full(no, r))
            cols.append(z)
            vals.append(np.ones(no))
            rhs.append(np.array([d]))
            r += 1
            nz += no
    a_ub = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, nz))
    a_eq = sp.csr_matrix((np.ones(npv), (np.repeat(np.arange(ns), no), np.arange(npv))), shape=(ns, nz))
    c = np.zeros(nz)
    c[:npv] = -(right >= v).astype(float).ravel() / ns
    res = linprog(c, A_ub=a_ub, b_ub=np.concatenate(rhs), A_eq=a_eq, b_eq=np.ones(ns), bounds=(0, None),
                  method="highs-ipm")
    assert res.status == 0, res.message
    return -float(res.fun)


@pytest.mark.parametrize("m,g,k,profile", [(3, 2, 2, [(0.7, 0.02)]), (3, 3, 3, [(0.5, 0.01), (1.5, 0.001)]),
                                          (4, 2, 4, [(0.5, 0.01)])])
def test_bound_dominates_the_exact_worst_mechanism(m, g, k, profile):
    """Against the exact worst case over all mechanisms (tiny m): never below it, and close to it."""
    for v in range(1, k + 1):
        truth = _exact_worst_case(m, g, k, profile, v)
        bound = one_run_profile_p_value(canaries=m, guesses=k, correct=v, profile=profile, groups=g)
        assert truth <= bound + 1e-7, v
        assert bound <= truth + 0.01, v  # near the truth (equal up to the margin in most cases tried)


def test_paper_formula_falls_below_a_real_mechanism():
    """The review's case: m = k = 4, G = 2, ε = 0.5, δ = 0.01, v = 1. Some per-canary (ε, δ)-DP mechanism has
    P[C ≥ 1] above Steinke et al.'s formula, so the audit uses the count-conditioned bound, which stays above it."""
    from empirical.audit.one_run import one_run_p_value

    truth = _exact_worst_case(4, 2, 4, [(0.5, 0.01)], 1)
    paper = one_run_p_value(canaries=4, guesses=4, correct=1, epsilon=0.5, delta=0.01, method="paper")
    assert paper < truth - 1e-3
    assert one_run_p_value(canaries=4, guesses=4, correct=1, epsilon=0.5, delta=0.01) >= truth - 1e-9
