"""`sensaware bound`: stable JSON keys, the issue-12 examples, round trips, bad input → exit 2 with a message."""

import json
import math
import subprocess
import sys

import pytest

from empirical.cli.main import main
from tests.theory import oracles

#: issue 12's G = 6 prior (printed to 5 digits: it sums to 1 + 2.8e-6, so the CLI refuses it as given)
ISSUE = [0.43552, 0.0079947, 1.9e-8, 0.015608, 1.27e-7, 0.54088]


def run_json(capsys, *argv):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_eta_and_g10(capsys):
    out = run_json(capsys, "bound", "--epsilon", "1", "--delta", "0", "--groups", "2", "--json")
    assert round(out["tv_bound"], 10) == 0.4621171573
    assert {"tv_bound", "advantage_bound", "success_bound", "method"} <= set(out)
    out = run_json(capsys, "bound", "--epsilon", "1", "--delta", "0", "--groups", "10", "--json")
    assert out["advantage_bound"] == pytest.approx(float(oracles.tight_advantage(1, 0, 10)), rel=1e-14)
    assert "tight_gary" in out["method"]


@pytest.mark.parametrize("argv,truth", [
    (["--epsilon", "30", "--delta", "0.01", "--groups", "5", "--prior", "0.2,0.2,0.2,0.2,0.2"], oracles.prior_success(30, 0.01, [0.2] * 5)),
    (["--epsilon", "21.5", "--delta", "0", "--groups", "5", "--prior", "0.2,0.2,0.2,0.2,0.2"], oracles.prior_success(21.5, 0, [0.2] * 5)),
    (["--epsilon", "13.2412", "--delta", "1e-3", "--groups", "6", "--prior", ",".join(repr(x / sum(ISSUE)) for x in ISSUE)], None),
    (["--epsilon", "16.5", "--delta", "0.1", "--groups", "4", "--prior", "0.7,0.1,0.1,0.1"],
     oracles.prior_success(16.5, 0.1, [0.7, 0.1, 0.1, 0.1])),
    (["--epsilon", "800", "--delta", "0", "--groups", "3", "--prior", "0.5,0.5,0"], oracles.prior_success(800, 0, [0.5, 0.5, 0])),
])
def test_issue_large_epsilon_priors(capsys, argv, truth):
    out = run_json(capsys, "bound", *argv, "--json")
    if truth is None:  # issue 12: an explicit (ε, δ)-DP mechanism reaches 0.9999945257; the bound must not be below
        truth = oracles.prior_success(13.2412, 1e-3, [x / sum(ISSUE) for x in ISSUE])
        assert out["success_bound"] >= 0.9999945257
    assert out["success_bound"] == pytest.approx(float(truth), rel=1e-12)
    assert "prior_aware" in out["method"]


def test_large_g_stays_in_range(capsys):
    out = run_json(capsys, "bound", "--epsilon", "32.8", "--delta", "1", "--groups", "1000000000", "--json")
    assert out["advantage_bound"] == 1.0
    out = run_json(capsys, "bound", "--epsilon", "31.1", "--delta", "0", "--groups", "1000000000000", "--json")
    assert out["advantage_bound"] == pytest.approx(float(oracles.tight_advantage(31.1, 0, 10**12)), rel=1e-12)


def test_invert_round_trips(capsys):
    for g, a in ((2, 0.4621171572600097), (10, (math.e - 1) / (math.e + 9))):
        out = run_json(capsys, "bound", "--invert", "--advantage", repr(a), "--delta", "0", "--groups", str(g), "--json")
        assert out["epsilon_lower_bound"] == pytest.approx(1.0, abs=1e-9)


def test_invert_with_prior(capsys):
    out = run_json(capsys, "bound", "--invert", "--advantage", "0.5", "--delta", "0", "--groups", "3", "--prior", "0.8,0.1,0.1",
                   "--json")
    assert out["epsilon_lower_bound"] == 0.0  # guessing the likeliest value already succeeds with 0.8 > 2/3
    out = run_json(capsys, "bound", "--invert", "--advantage", "0.9", "--delta", "0.01", "--groups", "3", "--prior",
                   "0.5,0.3,0.2", "--json")
    oracle = oracles.invert(lambda e: oracles.prior_success(e, 0.01, [0.5, 0.3, 0.2]), (1 + 2 * oracles.mpf(0.9)) / 3)
    assert out["epsilon_lower_bound"] == pytest.approx(float(oracle), rel=1e-9)


def test_prior_uses_exact_closed_form(capsys):
    out = run_json(capsys, "bound", "--epsilon", "1", "--groups", "3", "--prior", "0.5,0.3,0.2", "--json")
    assert "prior_aware" in out["method"]
    assert out["success_bound"] == pytest.approx(oracles.all_subsets_lp(1.0, 0.0, [0.5, 0.3, 0.2]), abs=1e-9)
    out = run_json(capsys, "bound", "--epsilon", "1", "--delta", "0.01", "--groups", "3", "--prior", "0.5,0.3,0.2", "--json")
    assert out["success_bound"] == pytest.approx(oracles.all_subsets_lp(1.0, 0.01, [0.5, 0.3, 0.2]), abs=1e-9)


def test_dpsgd_profile_and_group_privacy(capsys):
    argv = ["bound", "--noise-multiplier", "1.1", "--sampling-rate", "0.01", "--steps", "1000", "--groups", "2", "--json"]
    out = run_json(capsys, *argv)
    assert out["method"] == "privacy_profile" and out["advantage_bound"] <= 0.24  # README example
    old = run_json(capsys, *argv, "--method", "group_privacy", "--delta", "1e-5")
    assert old["method"] == "group_privacy" and old["accountant"] == "rdp"
    assert old["replace_epsilon"] == pytest.approx(2 * old["epsilon"], rel=1e-15)
    assert old["advantage_bound"] > 3 * out["advantage_bound"]


def test_user_profile(capsys):
    out = run_json(capsys, "bound", "--profile", "0:0.3,1:0.05,inf:0", "--groups", "2", "--json")
    assert out["advantage_bound"] == pytest.approx(0.3, rel=1e-15) and "privacy_profile" in out["method"]


def test_table_output(capsys):
    assert main(["bound", "--epsilon", "1", "--groups", "2"]) == 0
    assert "tv_bound" in capsys.readouterr().out


@pytest.mark.parametrize("argv,needle", [
    (["--epsilon", "-1", "--groups", "2"], "`epsilon`"),
    (["--epsilon", "nan", "--groups", "2"], "`epsilon`"),
    (["--epsilon", "1", "--delta", "2", "--groups", "2"], "`delta`"),
    (["--epsilon", "1", "--groups", "1"], "`groups`"),
    (["--epsilon", "1", "--groups", "2.5"], "`groups`"),
    (["--epsilon", "1", "--groups", "3", "--prior", "0.5,0.6,0.1"], "`prior`"),
    (["--epsilon", "1", "--groups", "3", "--prior", "0.5,0.5"], "`prior`"),
    (["--epsilon", "1", "--groups", "6", "--prior", ",".join(map(str, ISSUE))], "`prior` must sum to 1"),
    (["--invert", "--groups", "2"], "`--advantage`"),
    (["--invert", "--advantage", "-5", "--groups", "3"], "`advantage`"),
    (["--invert", "--advantage", "1.5", "--groups", "3", "--prior", "0.8,0.1,0.1"], "`advantage`"),
    (["--groups", "2"], "`--epsilon`"),
    (["--profile", "0:1.5", "--groups", "2"], "`profile delta`"),
    (["--noise-multiplier", "1e-6", "--sampling-rate", "0.01", "--steps", "1000", "--groups", "2"], "`noise_multiplier`"),
    (["--noise-multiplier", "0.03", "--sampling-rate", "0.01", "--steps", "1000", "--groups", "2"], "`noise_multiplier`"),
    (["--noise-multiplier", "1", "--sampling-rate", "0.01", "--steps", "0", "--groups", "2"], "`steps`"),
    (["--noise-multiplier", "1", "--sampling-rate", "0.01", "--steps", "10", "--groups", "2", "--method", "group_privacy"],
     "`delta`"),
    (["--noise-multiplier", "1", "--sampling-rate", "0.01", "--steps", "10", "--groups", "2", "--delta", "1e-5"],
     "`--delta` is not used by --method privacy_profile"),
    (["--profile", "0:0.3", "--groups", "2", "--delta", "0.1"], "`--delta` is not used with --profile"),
    (["--epsilon", "1", "--groups", "2", "--advantage", "0.3"], "`--advantage` is only used with --invert"),
    (["--epsilon", "1", "--groups", "1e300"], "`groups` must be an integer in [2, 1e15]"),
    (["--epsilon", "1", "--groups", "1000000000000001"], "`groups`"),
    (["--noise-multiplier", "10", "--sampling-rate", "0.01", "--steps", "1e9", "--groups", "2"], "`steps`"),
])
def test_bad_input_exits_2(capsys, argv, needle):
    assert main(["bound", *argv]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_console_script_runs():
    res = subprocess.run([sys.executable, "-m", "empirical.cli.main", "bound", "--epsilon", "-1", "--groups", "2"],
                         capture_output=True, text=True)
    assert res.returncode == 2 and "must be >= 0" in res.stderr and "Traceback" not in res.stderr


def test_groups_up_to_1e15_accepted(capsys):
    out = run_json(capsys, "bound", "--epsilon", "40", "--groups", "1e15", "--json")
    assert out["advantage_bound"] == pytest.approx(float(oracles.tight_advantage(40, 0, 10**15)), rel=1e-9)


def test_negative_zero_delta_printed_as_zero(capsys):
    out = run_json(capsys, "bound", "--epsilon", "1", "--delta", "-0", "--groups", "2", "--json")
    assert out["delta"] == 0.0 and math.copysign(1.0, out["delta"]) == 1.0
    assert main(["bound", "--epsilon", "1", "--delta", "-0", "--groups", "2"]) == 0
    assert "-0" not in capsys.readouterr().out


def test_huge_noise_multiplier_clean_answer(capsys):
    # σ = 1e300: dp-accounting's RDP code overflowed (traceback); the KL/Pinsker cap √(qT)/σ answers instead
    out = run_json(capsys, "bound", "--noise-multiplier", "1e300", "--sampling-rate", "0.01", "--steps", "10",
                   "--groups", "3", "--json")
    cap = oracles.mp.sqrt(oracles.mpf(0.1)) / oracles.mpf(1e300)
    assert out["accountant"] == "kl_pinsker"
    assert out["success_bound"] == pytest.approx(float(oracles.tight_success(0, cap, 3)), rel=1e-15)
    assert out["advantage_bound"] <= 1e-299


def test_dpsgd_stderr_clean_and_many_steps_fast():
    # absl's "failed to converge" warnings no longer leak; T = 1e7 at σ = 10 answers (it ran for minutes)
    cmd = [sys.executable, "-m", "empirical.cli.main", "bound", "--groups", "2", "--json"]
    res = subprocess.run([*cmd, "--noise-multiplier", "0.6", "--sampling-rate", "0.05", "--steps", "200"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and res.stderr == "", res.stderr
    res = subprocess.run([*cmd, "--noise-multiplier", "10", "--sampling-rate", "0.01", "--steps", "1e7"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and res.stderr == "", res.stderr
    assert json.loads(res.stdout)["accountant"] == "pld"
