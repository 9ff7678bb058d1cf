"""`sensaware bound`: stable JSON keys, issue values, round trips, bad input → exit 2 with a message."""

import json
import math
import subprocess
import sys

import pytest

from empirical.cli.main import main


def run_json(capsys, *argv):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_eta_and_g10(capsys):
    out = run_json(capsys, "bound", "--epsilon", "1", "--delta", "0", "--groups", "2", "--json")
    assert round(out["tv_bound"], 10) == 0.4621171573
    assert {"tv_bound", "advantage_bound", "success_bound", "method"} <= set(out)
    out = run_json(capsys, "bound", "--epsilon", "1", "--delta", "0", "--groups", "10", "--json")
    assert out["advantage_bound"] == pytest.approx((math.e - 1) / (math.e + 9), abs=1e-15)
    assert "tight_gary" in out["method"]


def test_invert_round_trips(capsys):
    for g, a in ((2, 0.4621171572600097), (10, (math.e - 1) / (math.e + 9))):
        out = run_json(capsys, "bound", "--invert", "--advantage", repr(a), "--delta", "0", "--groups", str(g), "--json")
        assert out["epsilon_lower_bound"] == pytest.approx(1.0, abs=1e-9)


def test_prior_uses_exact_methods(capsys):
    out = run_json(capsys, "bound", "--epsilon", "1", "--groups", "3", "--prior", "0.5,0.3,0.2", "--json")
    assert "prior_aware" in out["method"]
    e = math.e
    assert out["success_bound"] == pytest.approx(max(0.5 * e / e, 0.8 * e / (e + 1), e / (e + 2)))
    out = run_json(capsys, "bound", "--epsilon", "1", "--delta", "0.01", "--groups", "3", "--prior", "0.5,0.3,0.2",
                   "--json")
    assert "optimal_lp" in out["method"]


def test_dpsgd(capsys):
    out = run_json(capsys, "bound", "--noise-multiplier", "1.1", "--sampling-rate", "0.01", "--steps", "1000",
                   "--delta", "1e-5", "--groups", "10", "--json")
    from theory.dpsgd import dpsgd_epsilon

    assert out["epsilon"] == pytest.approx(dpsgd_epsilon(1.1, 0.01, 1000, 1e-5))
    assert out["replace_epsilon"] == pytest.approx(2 * out["epsilon"])


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
    (["--invert", "--groups", "2"], "`--advantage`"),
    (["--groups", "2"], "`--epsilon`"),
])
def test_bad_input_exits_2(capsys, argv, needle):
    assert main(["bound", *argv]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_console_script_runs():
    res = subprocess.run([sys.executable, "-m", "empirical.cli.main", "bound", "--epsilon", "-1", "--groups", "2"],
                         capture_output=True, text=True)
    assert res.returncode == 2 and "must be >= 0" in res.stderr and "Traceback" not in res.stderr
