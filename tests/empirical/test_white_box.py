"""The white-box one-run audit of the DP-SGD code path: gradient canaries through the production step (sampling,
clipping, noise, optimiser) on the tiny model. Planted bugs — noise σ/3, clipping skipped, noise divided by the batch
twice, a sampling rate 4× the one reported — are each called "violated" at 95%; the correct code never is (20
runs); and the ε lower bound reaches half the certified ε at ε = 2."""

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("peft")
pytest.importorskip("opacus")

from empirical.audit.canary import PROMPT, SYSTEM, facts, make_canaries, training_rows  # noqa: E402
from empirical.audit.white_box import Claim, GradientCanaries, all_iterates_scores, audit_scores, white_box_entries  # noqa: E402
from empirical.benchmark.company import build_company  # noqa: E402
from empirical.benchmark.questionnaire import generate  # noqa: E402
from empirical.model import dp as dp_module  # noqa: E402
from empirical.model.dp import DpConfig, dp_finetune, plan  # noqa: E402
from empirical.model.finetune import PRESETS, FinetuneConfig  # noqa: E402
from empirical.model.loading import build_tiny_model  # noqa: E402

CANARIES = 100_000


@pytest.fixture(scope="module")
def setting(tmp_path_factory):
    """The tiny model (hidden 128, two layers: 131,072 LoRA coordinates at r = 32), 16 rows, q = 1/4, T = 20, σ
    calibrated to a per-example ε = 2 at δ = 1e−5."""
    company = build_company(0)
    corpus = [f for c in make_canaries(company, 6, seed=0) for f in facts(c.record)] + [PROMPT, SYSTEM] * 3
    corpus += [f for e in company.employees[:50] for f in facts(e)]
    for q in generate(company, 0, "compact", per_block=4):  # the questionnaire's words: prompts stay short
        corpus += [m["content"] for m in q["messages"]] + [q["expected"]]
    model = build_tiny_model(tmp_path_factory.mktemp("tiny"), corpus, hidden=128, layers=2)
    rows = training_rows(company, make_canaries(company, 8, seed=0), repeats=1, employees=8, seed=0,
                         canary_facts="sensitive")
    cfg = FinetuneConfig().updated({**PRESETS["tiny"], "model": str(model), "quantize": False, "max_steps": 20,
                                    "per_device_train_batch_size": 4, "completion_only_loss": True, "lora_r": 32,
                                    "lora_layers": 2, "lr_scheduler_type": "constant"}, "test")
    dp = DpConfig(delta=1e-5, target_epsilon=2.0, privacy_unit="example")
    return cfg, dp, rows, plan(cfg, dp, rows)


def _audit(setting, tmp: Path, *, search: bool = False) -> list[dict]:
    cfg, dp, rows, privacy = setting
    gc = GradientCanaries(CANARIES, 10.0 * dp.max_grad_norm)
    dp_finetune(cfg, dp, tmp, dataset=rows, privacy=privacy, gradient_canaries=gc)
    return white_box_entries(gc, privacy, level=0.95, search=search)


def test_correct_code_is_never_flagged(setting, tmp_path):
    verdicts = [e["verdict"] for i in range(20) for e in _audit(setting, tmp_path / str(i))]
    assert verdicts == ["consistent"] * 40


def test_lower_bound_reaches_half_the_certified_epsilon(setting, tmp_path):
    all_it, final = _audit(setting, tmp_path, search=True)
    assert all_it["threat_model"] == "white_box_all" and final["threat_model"] == "white_box_final"
    assert all_it["epsilon"] == pytest.approx(2.0, abs=1e-3)
    assert 1.0 <= all_it["epsilon_lower_bound"] <= 2.0
    assert 0.0 < final["epsilon_lower_bound"] <= 2.0
    assert all_it["epsilon_lower_bound_any"] <= all_it["epsilon_lower_bound"] + 1e-6


def _noise_scaled(factor):
    orig = dp_module.gaussian_noise
    return lambda n, std: orig(n, std * factor)


@pytest.mark.parametrize("bug", ["noise_sigma_over_3", "clipping_skipped", "noise_divided_by_batch_twice",
                                 "sampling_rate_4x_reported"])
def test_planted_bug_is_caught(setting, tmp_path, monkeypatch, bug):
    b = setting[3]["expected_batch_size"]
    if bug == "noise_sigma_over_3":
        monkeypatch.setattr(dp_module, "gaussian_noise", _noise_scaled(1 / 3))
    elif bug == "clipping_skipped":
        monkeypatch.setattr(dp_module, "clip_factors", lambda norms, c: torch.ones_like(norms))
    elif bug == "noise_divided_by_batch_twice":
        monkeypatch.setattr(dp_module, "gaussian_noise", _noise_scaled(1 / b))
    else:
        orig = dp_module.poisson_batch
        monkeypatch.setattr(dp_module, "poisson_batch", lambda n, rate: orig(n, min(1.0, 4 * rate)))
    all_it, _ = _audit(setting, tmp_path)
    assert all_it["verdict"] == "violated", all_it["counts"]


def test_scores_follow_the_claimed_likelihood_ratio():
    """One step, q = 1: the ratio is linear, 2y/σ² (Gaussian shift ±1); q < 1 bends it, with the sign of y."""
    y = np.array([[0.5, -1.0, 2.0]])
    s = all_iterates_scores(y, sampling_rate=1.0, noise_multiplier=2.0, expected_batch_size=1, max_grad_norm=1.0)
    assert s == pytest.approx(2 * y[0] / 4.0)
    s2 = all_iterates_scores(y, sampling_rate=0.1, noise_multiplier=2.0, expected_batch_size=1, max_grad_norm=1.0)
    assert np.all(np.sign(s2) == np.sign(y[0])) and np.all(np.abs(s2) < np.abs(s))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="canaries"):
        GradientCanaries(0, 1.0)
    with pytest.raises(ValueError, match="canary_norm"):
        GradientCanaries(10, float("nan"))
    claim = Claim(1.0, 0.5, 2, 1e-5)
    with pytest.raises(ValueError, match="threat_model"):
        audit_scores([1.0], [1], claim, threat_model="grey")
    with pytest.raises(ValueError, match="finite"):
        audit_scores([np.nan], [1], claim, threat_model="white_box_all")


def test_finetune_flag_writes_the_white_box_audit(setting, tmp_path, capsys):
    """`sensaware finetune --dp --white-box-canaries M`: the verdict and bounds in white_box_audit.json; the flag
    without --dp and too many canaries for the adapter exit 2 (no adapter left)."""
    import json

    from empirical.cli.main import main

    cfg = setting[0]
    args = ["finetune", "--preset", "tiny", "--model", cfg.model, "--dp", "--noise-multiplier", "2.0", "--delta", "1e-5",
            "--set", "examples=14", "--set", "max_steps=3", "--set", "lora_r=2"]
    assert main([*args, "--out", str(tmp_path / "a"), "--white-box-canaries", "300"]) == 0
    audit = json.loads((tmp_path / "a" / "white_box_audit.json").read_text())
    assert [e["threat_model"] for e in audit["entries"]] == ["white_box_all", "white_box_final"]
    assert all(e["canaries"] == 300 and e["verdict"] == "consistent" for e in audit["entries"])
    assert "do not release" in audit["note"] and "white_box_all: verdict consistent" in capsys.readouterr().out
    rc = main(["finetune", "--preset", "tiny", "--model", cfg.model, "--out", str(tmp_path / "b"),
               "--white-box-canaries", "5"])
    assert rc == 2 and "need(s) --dp" in capsys.readouterr().err
    assert main([*args, "--out", str(tmp_path / "c"), "--white-box-canaries", "10000000"]) == 2
    assert "exceeds the" in capsys.readouterr().err and not (tmp_path / "c" / "adapter_config.json").exists()
