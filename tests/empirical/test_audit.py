"""The leakage audit: golden values of the standard audits, soundness and tightness by simulation, known
mechanisms, recorded real outputs against the published per-block labels, and bad input."""

import json
import math

import numpy as np
import pytest

from empirical.audit.estimators import audit_counts, best_certifiable_epsilon, min_queries
from empirical.audit.mechanisms import GeometricNoise, Leaky, PerfectGuard, RandomizedResponse
from empirical.audit.recorded import audit_recorded
from empirical.audit.simulated import simulate, validation_table
from empirical.audit.standard import Bonferroni, Split, best_threshold_membership, epsilon_lb_membership, epsilon_lb_one_run
from empirical.cli.main import main


def test_golden_values():
    # TensorFlow Privacy's own test value; Jagielski et al. counts; Steinke et al. one-run audit
    assert epsilon_lb_membership(fp=0, negatives=500, fn=0, positives=500, alpha=0.01) == pytest.approx(4.5419, abs=1e-4)
    assert epsilon_lb_membership(fp=10, negatives=1000, fn=100, positives=1000, alpha=0.05, delta=1e-5) == pytest.approx(
        3.87196, abs=1e-5)
    assert epsilon_lb_one_run(correct=100, guesses=100, p_value=0.05) == pytest.approx(3.493, abs=1e-3)
    # closed form of the all-correct one-run case: q = 0.05^(1/100) = e^ε/(e^ε + 1)
    q = 0.05 ** (1 / 100)
    assert epsilon_lb_one_run(100, 100, p_value=0.05) == pytest.approx(math.log(q / (1 - q)), abs=1e-9)
    # G-ary: q = e^ε/(e^ε + G − 1)
    assert epsilon_lb_one_run(100, 100, p_value=0.05, groups=5) == pytest.approx(math.log(4 * q / (1 - q)), abs=1e-9)


def test_soundness_and_tightness_g2_eps1():
    rows = validation_table(epsilons=(1.0,), groups=(2,), sizes=(10_000,), audits=500, seed=1)
    r = rows[0]
    slack = 1.96 * math.sqrt(0.05 * 0.95 / 500)
    assert r["false_violation_rate"] <= 0.05 + slack
    assert r["median_epsilon_lb"] >= 0.95
    assert r["median_over_best"] >= 0.98


@pytest.mark.parametrize("g,eps", [(5, 2.0), (10, 4.0), (2, 0.5)])
def test_soundness_other_settings(g, eps):
    r = validation_table(epsilons=(eps,), groups=(g,), sizes=(1000,), audits=500, seed=g)[0]
    assert r["false_violation_rate"] <= 0.05 + 1.96 * math.sqrt(0.05 * 0.95 / 500)


def test_epsilon_lb_approaches_true_eps_with_more_queries():
    rng = np.random.default_rng(0)
    lbs = []
    for n in (1000, 10_000, 100_000):
        p = 1 / (1 + 4 * math.exp(-2.0))
        lbs.append(audit_counts(int(rng.binomial(n, p)), n, groups=5, confidence=0.95).epsilon_lower_bound)
    assert lbs[0] < lbs[1] < lbs[2] < 2.0 and lbs[2] > 1.95


def test_known_mechanisms():
    assert simulate(PerfectGuard(4), 2000, claimed_epsilon=0.0)["verdict"] == "consistent"
    leaky = simulate(Leaky(4), 2000, claimed_epsilon=3.0)
    assert leaky["verdict"] == "violated" and leaky["epsilon_lower_bound"] > 3.0
    rr = simulate(RandomizedResponse(1.5, 3), 5000, seed=3, claimed_epsilon=1.5)
    assert rr["verdict"] == "consistent" and 1.2 < rr["epsilon_lower_bound"] < 1.5
    noisy = simulate(GeometricNoise(1.0, 6), 5000, seed=2, claimed_epsilon=1.0)
    # neighbouring values one bin apart are 1.0-DP; decoding by rounding is one adversary among many
    assert noisy["epsilon_lower_bound"] <= 6 * 1.0


def test_best_certifiable_matches_cp_at_truth():
    p = math.e / (1 + math.e)
    assert best_certifiable_epsilon(p, 10_000, groups=2) == pytest.approx(
        audit_counts(round(p * 10_000), 10_000, groups=2).epsilon_lower_bound)


def test_threshold_choice_is_corrected():
    rng = np.random.default_rng(0)
    s_in, s_out = rng.normal(1, 1, 2000), rng.normal(0, 1, 2000)
    th = np.linspace(-1, 2, 7)
    bon = best_threshold_membership(s_in, s_out, th, strategy=Bonferroni(7))
    naive = max(epsilon_lb_membership(int((s_out >= t).sum()), 2000, int((s_in < t).sum()), 2000) for t in th)
    assert bon["epsilon_lower_bound"] < naive and "Bonferroni" in bon["correction"]
    assert "split" in best_threshold_membership(s_in, s_out, th, strategy=Split())["correction"]


def test_recorded_outputs_match_published_per_block_leaks():
    import gzip
    from importlib import resources

    raw = resources.files("empirical").joinpath("data", "adi", "seed0_outputs.jsonl.gz").read_bytes()
    rows = [json.loads(line) for line in gzip.decompress(raw).decode().splitlines()]
    res = audit_recorded(rows)
    # published labels: GPT-4o leaks 30.40% of malicious age queries, Llama-3.2-3B 98.4% of lying ones
    assert res["GPT-4o"]["age"]["leaks"] == 76 and res["GPT-4o"]["age"]["malicious_queries"] == 250
    assert res["Llama-3.2-3B-Instruct"]["lying"]["leak_rate"] == pytest.approx(
        sum(1 for r in rows if r["model"] == "Llama-3.2-3B-Instruct" and r["block"] == "lying" and r["label"] == 3) / 250)
    for attrs in res.values():
        for e in attrs.values():
            lo = e["advantage_lower"]
            assert lo <= e["leak_rate"]
            if e["leaks"] == 0:
                assert e["epsilon_lower_bound"] == 0.0


def test_audit_cli(capsys, tmp_path):
    out = tmp_path / "a.json"
    assert main(["audit", "--mechanism", "rr", "--epsilon", "1", "--groups", "2", "--queries", "10000",
                 "--claimed-epsilon", "1", "--json", "--out", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    for k in ("success", "advantage", "advantage_lower", "epsilon_lower_bound", "bound", "verdict"):
        assert k in data
    assert json.loads(out.read_text())["verdict"] == data["verdict"]
    assert main(["audit", "--mechanism", "recorded"]) == 0
    assert "GPT-4o" in capsys.readouterr().out


@pytest.mark.parametrize("argv,needle", [
    (["--mechanism", "rr", "--epsilon", "1", "--confidence", "1.5"], "`--confidence`"),
    (["--mechanism", "rr", "--epsilon", "1", "--queries", "3"], "use at least 5"),
    (["--mechanism", "rr"], "`--epsilon` is required"),
    (["--mechanism", "recorded", "--input", "/nonexistent.jsonl"], "no such file"),
])
def test_audit_bad_input(capsys, argv, needle):
    assert main(["audit", *argv]) == 2
    assert needle in capsys.readouterr().err


def test_min_queries():
    assert min_queries(confidence=0.95, groups=2) == 5  # 0.5^5 = 0.031 < 0.05 but 0.5^4 = 0.0625 > 0.05
    with pytest.raises(ValueError, match="too few"):
        audit_counts(4, 4, groups=2, confidence=0.95)
