"""The one-run audit with δ > 0 for G-ary guesses: the paper's reference values, closed forms, the tail term
against a plain loop over binomial coefficients, group privacy, abstention with Bonferroni, and soundness on
simulated mechanisms with a known (ε, δ)."""

import math

import numpy as np
import pytest

from empirical.audit.one_run import one_run_audit, one_run_epsilon_lb, one_run_p_value
from empirical.audit.simulated import one_run_validation


@pytest.mark.parametrize("m,r,v,expected", [(1000, 100, 90, 1.62614), (10000, 1000, 700, 0.72925)])
def test_paper_reference_values(m, r, v, expected):
    # Steinke, Nasr & Jagielski (2023), binary case, δ = 1e-5, 95%
    assert one_run_epsilon_lb(canaries=m, guesses=r, correct=v, delta=1e-5, p_value=0.05, method="paper") == pytest.approx(
        expected, abs=1e-5)
    # the count-conditioned bound (the default) certifies more on these counts
    assert one_run_epsilon_lb(canaries=m, guesses=r, correct=v, delta=1e-5, p_value=0.05) > expected


@pytest.mark.parametrize("g", [2, 7])
def test_all_correct_closed_form_at_delta_zero(g):
    # P[Bin(r, q) >= r] = q^r = β  ⇒  q = β^(1/r) = e^ε/(e^ε + G − 1)  ⇒  ε = ln((G − 1)q/(1 − q))
    q = 0.05 ** (1 / 50)
    lb = one_run_epsilon_lb(canaries=50, guesses=50, correct=50, delta=0.0, groups=g)
    assert lb == pytest.approx(math.log((g - 1) * q / (1 - q)), abs=1e-8 if g == 2 else 1e-6)


def _p_loop(m, r, v, eps, delta, g):
    """The tail bound with exact binomial coefficients and the paper's running maximum, one term at a time."""
    q = math.exp(eps) / (math.exp(eps) + g - 1)
    pmf = [math.comb(r, k) * q**k * (1 - q) ** (r - k) for k in range(r + 1)]
    beta = sum(pmf[v:])
    alpha, acc = 0.0, 0.0
    for i in range(1, v + 1):
        acc += pmf[v - i]
        alpha = max(alpha, acc / i)
    return min(1.0, beta + alpha * 2 * m * delta)


@pytest.mark.parametrize("m,r,v,eps,delta,g", [(200, 60, 45, 0.7, 1e-4, 2), (500, 80, 65, 1.5, 1e-3, 2), (100, 20, 20, 3.0, 0.0, 5)])
def test_p_value_matches_plain_loop(m, r, v, eps, delta, g):
    got = one_run_p_value(canaries=m, guesses=r, correct=v, epsilon=eps, delta=delta, groups=g,
                          method="paper" if g == 2 else "count")
    assert got == pytest.approx(_p_loop(m, r, v, eps, delta, g), rel=1e-9, abs=1e-14)


def test_group_size_uses_group_privacy():
    # k = 2 copies: (2ε, (1 + e^ε)δ)
    eps, delta = 0.4, 1e-4
    got = one_run_p_value(canaries=300, guesses=50, correct=40, epsilon=eps, delta=delta, groups=2, group_size=2,
                          method="paper")
    assert got == pytest.approx(_p_loop(300, 50, 40, 2 * eps, (1 + math.exp(eps)) * delta, 2), rel=1e-9)
    one = one_run_epsilon_lb(canaries=300, guesses=50, correct=40, delta=delta, groups=7)
    two = one_run_epsilon_lb(canaries=300, guesses=50, correct=40, delta=delta, groups=7, group_size=2)
    assert two < one  # a canary in two records is explained by a smaller per-record ε


def test_abstention_and_bonferroni():
    rng = np.random.default_rng(0)
    m, g = 400, 7
    truths = rng.integers(0, g, m)
    conf = rng.random(m)
    guesses = rng.integers(0, g, m)
    top = np.argsort(-conf)[:40]
    guesses[top] = truths[top]  # the 40 most confident guesses are right, the rest are chance
    res = one_run_audit(conf, guesses, truths, groups=g, delta=1e-5, candidates=(40, m), canaries=m)
    assert (res.guesses, res.correct) == (40, 40)
    assert res.epsilon_lower_bound == pytest.approx(
        one_run_epsilon_lb(canaries=m, guesses=40, correct=40, delta=1e-5, groups=g, p_value=0.025), abs=1e-9)
    assert res.verdict is None
    low = one_run_audit(conf, guesses, truths, groups=g, delta=1e-5, candidates=(40, m), claimed_epsilon=0.5, canaries=m)
    assert low.verdict == "violated" and low.claimed_p_value <= 0.025
    high = one_run_audit(conf, guesses, truths, groups=g, delta=1e-5, candidates=(40, m),
                         claimed_epsilon=res.epsilon_lower_bound + 0.5, canaries=m)
    assert high.verdict == "consistent"


def test_soundness_on_simulated_mechanisms():
    audits = 500
    rows = one_run_validation(epsilons=(1.0, 4.0), groups=(2, 7), canaries=300, audits=audits, seed=3)
    assert len(rows) == 8
    for r in rows:
        assert r["exact_false_violation_rate"] <= 0.05, r
        sd = math.sqrt(r["exact_false_violation_rate"] * (1 - r["exact_false_violation_rate"]) / audits)
        assert r["false_violation_rate"] <= r["exact_false_violation_rate"] + 3 * sd + 1 / audits, r
        if r["mechanism"] == "rr":
            assert 0.7 <= r["median_over_true"] <= 1.0, r  # close to the truth (m = 300), never above it


@pytest.mark.parametrize("kw,needle", [
    ({"canaries": 10, "guesses": 5, "correct": 6, "delta": 0.0}, "correct"),
    ({"canaries": 10, "guesses": 11, "correct": 1, "delta": 0.0}, "guesses"),
    ({"canaries": 10, "guesses": 5, "correct": 1, "delta": 1.5}, "delta"),
    ({"canaries": 10, "guesses": 5, "correct": 1, "delta": 0.0, "p_value": 1.0}, "p_value"),
    ({"canaries": 10, "guesses": 5, "correct": 1, "delta": 0.0, "groups": 1}, "groups"),
])
def test_bad_input(kw, needle):
    with pytest.raises(ValueError, match=needle):
        one_run_epsilon_lb(**kw)
