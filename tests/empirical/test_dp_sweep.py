"""The DP sweep on the tiny model: one entry per adversary and ε with the fields results.json promises, the
certified ε from dp-accounting, resume without retraining, a loud failure when ε_lb exceeds the certified ε, and
bad input."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("opacus")

from empirical.audit import dp_sweep  # noqa: E402
from empirical.audit.canary import PROMPT, SYSTEM, facts, make_canaries, read_canaries  # noqa: E402
from empirical.audit.dp_sweep import AuditViolation, SweepConfig, run_sweep  # noqa: E402
from empirical.benchmark.company import build_company  # noqa: E402
from empirical.model.loading import build_tiny_model  # noqa: E402

FIELDS = {"epsilon", "delta", "groups", "canaries", "adversary", "guesses", "correct", "epsilon_lower_bound",
          "success", "success_interval", "advantage_lower", "advantage_upper", "verdict"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    company = build_company(0)
    corpus = [f for c in make_canaries(company, 6, seed=0) for f in facts(c.record)] + [PROMPT, SYSTEM] * 3
    corpus += [f for e in company.employees[:50] for f in facts(e)]
    return build_tiny_model(tmp_path_factory.mktemp("tiny"), corpus, vocab_size=400, hidden=32, layers=1)


@pytest.fixture(scope="module")
def cfg(tiny) -> SweepConfig:
    return SweepConfig(epsilons=(None, 2.0), delta=1e-3, canaries=6, employees=4, epochs=2, batch_size=4, lora_r=4, lora_layers=1,
                       learning_rate=1e-2, model=str(tiny), quantize=False, white_box_canaries=500)


@pytest.fixture(scope="module")
def swept(cfg, tmp_path_factory):
    """The sweep with its DP randomness (sampling, noise, the white-box canaries' coordinates) seeded here only: the
    white-box verdicts are one fixed draw, checked "consistent", not a 1 − 0.05/4 chance of a false alarm per entry
    on every test run (the secure, unseeded source is tested in test_dp_randomness)."""
    from empirical.audit import white_box
    from empirical.model import dp

    root = tmp_path_factory.mktemp("sweep")
    rng = np.random.default_rng(7)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(dp, "gaussian_noise", lambda n, std: rng.normal(0.0, std, n))
        mp.setattr(dp, "poisson_batch", lambda n, rate: np.flatnonzero(rng.random(n) < rate).tolist())
        mp.setattr(white_box.secrets, "randbits", lambda k: int(rng.integers(2**62)))
        return root, run_sweep(cfg, root, log=lambda s: None)


def test_entries(cfg, swept):
    from dp_accounting import pld
    from dp_accounting.dp_event import GaussianDpEvent, PoissonSampledDpEvent, SelfComposedDpEvent

    root, out = swept
    entries = out["dp_audit"]
    assert [(e["epsilon"] is None, e["adversary"], e["threat_model"]) for e in entries] == [
        (True, "ai", "black_box"), (True, "sa", "black_box"), (False, "ai", "black_box"), (False, "sa", "black_box"),
        (False, "gradient canaries", "white_box_all"), (False, "gradient canaries", "white_box_final")]
    white = entries[4:]
    entries = entries[:4]
    for w in white:  # the white-box claim is the same run's per-example profile, at the sweep's δ and level
        assert w["canaries"] == 500 and w["groups"] == 2 and w["delta"] == 1e-3 and w["verdict"] == "consistent"
        assert 0 <= w["epsilon_lower_bound"] <= w["epsilon"] and w["level"] == pytest.approx(1 - 0.05 / 4)
        assert w["target_epsilon"] == 2.0 and w["success_bound"] >= w["success_interval"][0]
    assert out["dp_sweep"]["violations"] == []
    for e in entries:
        assert FIELDS <= set(e)
        assert e["canaries"] == 6 and e["groups"] == 7 and e["delta"] == 1e-3
        assert 0 <= e["correct"] <= e["guesses"] <= 6
        assert e["guesses"] in cfg.candidates()
    dp = json.loads((root / "eps-2" / "adapter" / "sensaware_finetune.json").read_text())["dp"]
    acc = pld.PLDAccountant(pld.pld_privacy_accountant.NeighborRel.REPLACE_ONE, value_discretization_interval=1e-4)
    acc.compose(SelfComposedDpEvent(PoissonSampledDpEvent(dp["sampling_rate"], GaussianDpEvent(dp["noise_multiplier"])),
                                    dp["steps"]))
    eps = acc.get_epsilon(1e-3)
    assert entries[2]["epsilon"] == pytest.approx(eps, rel=1e-6)
    assert eps <= 2.0 + 1e-6 and eps == pytest.approx(2.0, rel=0.02)  # σ calibrated to the target
    assert dp["sampling_rate"] == pytest.approx(4 / out["dp_sweep"]["rows"])
    assert entries[2]["success_bound"] == pytest.approx(dp["sa_bound"]["success_bound"])
    assert entries[0]["success_bound"] is None
    # privacy unit: the person; one row per person here, so k = 1 and the unit's ε is the example's
    assert (dp["privacy_unit"], dp["group_size"]) == ("person", 1)
    assert entries[2]["unit_epsilon"] == entries[2]["epsilon"] and entries[2]["privacy_unit"] == "person"


def test_canary_values_only_in_the_run_folder(cfg, swept):
    """The values are in the run folder's canaries.json and nowhere else: re-drawing with the published seed gives
    other values (equal by chance with p = 7^-6), and no other file (adapters, model cards, entries, keys) names a
    canary at all."""
    root, _ = swept
    saved, run_id = read_canaries(root / "canaries.json", 6, seed=cfg.seed, company_seed=cfg.company_seed)
    redrawn = make_canaries(build_company(cfg.company_seed), 6, seed=cfg.seed)
    assert [c.record["id"] for c in redrawn] == [c.record["id"] for c in saved]
    assert [c.value for c in redrawn] != [c.value for c in saved]
    published = [f for f in root.rglob("*") if f.is_file() and f.name != "canaries.json"]
    assert len(published) > 10
    for f in published:
        data = f.read_bytes()
        assert run_id.encode() not in data and not any(c.record["id"].encode() in data for c in saved), f


def test_new_canaries_retrain(cfg, swept, tmp_path, monkeypatch):
    """Without its canaries.json a run folder draws new canaries, and its adapters (trained on the old ones) are
    retrained, never audited against the new values."""
    import shutil

    root, _ = swept
    shutil.copytree(root, tmp_path / "s")
    (tmp_path / "s" / "canaries.json").unlink()

    class Retrained(Exception):
        pass

    def train(cfg, epsilon, rows, out, privacy=None):
        assert not out.exists()
        raise Retrained

    monkeypatch.setattr(dp_sweep, "train_one", train)
    with pytest.raises(Retrained):
        run_sweep(cfg, tmp_path / "s", log=lambda s: None)
    assert (tmp_path / "s" / "canaries.json").is_file()


def test_resume_does_not_retrain(cfg, swept, monkeypatch):
    root, out = swept

    def boom(*a, **k):
        raise AssertionError("retrained")

    monkeypatch.setattr(dp_sweep, "train_one", boom)
    assert run_sweep(cfg, root, log=lambda s: None)["dp_audit"] == out["dp_audit"]


def test_violation_fails_loudly(cfg, swept, tmp_path, monkeypatch):
    """An accounting bug (the certified ε reported 20× too small) against an adversary that knows every value: the
    one-run bound (6/6 right at G = 7: ε_lb ≈ 1.5 at the Bonferroni level) exceeds it and the sweep raises, after writing its entries."""
    import shutil

    root, _ = swept
    shutil.copytree(root, tmp_path / "s")
    for f in (tmp_path / "s").glob("eps-*/entries.json"):
        f.unlink()
    real = dp_sweep.train_one

    def buggy(cfg, epsilon, rows, out, privacy=None):
        summary = real(cfg, epsilon, rows, out, privacy)
        if epsilon is not None:
            summary["dp"]["example_epsilon"] = 0.1
        return summary

    saved, _ = read_canaries(tmp_path / "s" / "canaries.json", 6, seed=0, company_seed=0)  # the values live only in the run folder
    truths = np.array([c.value for c in saved])
    monkeypatch.setattr(dp_sweep, "train_one", buggy)
    monkeypatch.setattr(dp_sweep, "ai_adversary", lambda s, centred=False: (truths, np.ones(6)))
    with pytest.raises(AuditViolation, match="black_box ai at certified ε = 0.1: ε lower bound .* exceeds it"):
        run_sweep(cfg, tmp_path / "s", log=lambda s: None)
    written = json.loads((tmp_path / "s" / "eps-2" / "entries.json").read_text())["entries"]
    assert written[0]["epsilon"] == 0.1 and written[0]["epsilon_lower_bound"] > 1.0  # at level 1 − 0.05/4 (four DP entries)
    assert written[0]["level"] == pytest.approx(0.9875)


@pytest.mark.parametrize("change", [{"epochs": 3}, {"lora_targets": ("v_proj",)}, {"plain_learning_rate": 0.02}])
def test_other_settings_retrain(cfg, swept, tmp_path, monkeypatch, change):
    """An adapter trained under other settings (here: epochs, LoRA's modules) is removed and retrained, never
    audited as this sweep's."""
    import shutil

    root, _ = swept
    shutil.copytree(root, tmp_path / "s")

    class Retrained(Exception):
        pass

    def train(cfg, epsilon, rows, out, privacy=None):
        assert not out.exists()  # the old adapter is gone before training starts
        raise Retrained

    monkeypatch.setattr(dp_sweep, "train_one", train)
    with pytest.raises(Retrained):
        run_sweep(replace(cfg, **change), tmp_path / "s", log=lambda s: None)


def test_centred_scores_reaudit_without_retraining(cfg, swept, tmp_path, monkeypatch):
    """Switching the AI adversary to centred scores re-audits the saved adapters with ``centred=True`` and never
    retrains them (the scores are the audit's, not the training's); the modules' order does not matter."""
    import shutil

    root, _ = swept
    shutil.copytree(root, tmp_path / "s")
    seen = []
    real, train = dp_sweep.ai_adversary, dp_sweep.train_one

    def reuse(cfg, epsilon, rows, out, privacy=None):  # the saved adapter is read back, never trained again
        if not (out / "sensaware_finetune.json").is_file():
            pytest.fail("retrained")
        return train(cfg, epsilon, rows, out, privacy)

    monkeypatch.setattr(dp_sweep, "train_one", reuse)
    monkeypatch.setattr(dp_sweep, "white_box_one", lambda *a, **k: [])
    monkeypatch.setattr(dp_sweep, "ai_adversary", lambda s, centred=False: seen.append(centred) or real(s, centred))
    c = replace(cfg, ai_centred=True, lora_targets=tuple(reversed(cfg.lora_targets)))
    out = run_sweep(c, tmp_path / "s", log=lambda s: None)
    assert seen == [True, True] and len(out["dp_audit"]) == 4


@pytest.mark.parametrize("change, match", [
    ({"epsilons": (0.0,)}, "epsilons"), ({"epsilons": (float("inf"),)}, "epsilons"), ({"epsilons": (None, None)}, "repeats"),
    ({"delta": 1.0}, "delta"), ({"delta": "x"}, "delta"), ({"canaries": 0}, "canaries"), ({"employees": 2.5}, "employees"),
    ({"level": 1.0}, "level"), ({"epochs": None}, "epochs"), ({"max_grad_norm": 0.0}, "max_grad_norm"),
    ({"delta": 0.5}, "delta"),  # δ ≥ 1/n for the 10 rows: refused before the run without DP trains
    ({"epsilons": (None, 1e-4)}, "σ"),  # unreachable: refused before any training
    ({"canaries": 10**6}, "more than the company can host"), ({"lora_targets": ()}, "lora_targets"),
    ({"lora_targets": ("w_proj",)}, "lora_targets"), ({"lora_targets": (["v_proj"],)}, "lora_targets"),
    ({"noise_multipliers": (0.0,)}, "noise_multipliers"), ({"noise_multipliers": (1.0, 1.0)}, "noise_multipliers"),
    ({"plain_learning_rate": 1.5}, "plain_learning_rate"), ({"noise_multipliers": (51.0,)}, "noise_multipliers"),
    ({"epsilons": (2.0,), "noise_multipliers": (0.1, 0.1000001)}, "first 6 digits")])
def test_bad_input(cfg, change, match, tmp_path, monkeypatch):
    monkeypatch.setattr(dp_sweep, "train_one", lambda *a, **k: pytest.fail("trained before checking"))
    with pytest.raises(ValueError, match=match):
        run_sweep(replace(cfg, **change), tmp_path)
    assert not list(tmp_path.rglob("adapter_config.json"))


def test_lora_targets_limit_the_trainable_coordinates(cfg, tiny):
    """LoRA on v_proj and o_proj of the last layer only: the trainable coordinates are r·(in + out) of exactly those
    two linear maps (read from the base model's shapes), the noise DP-SGD adds is on these and no others."""
    from peft import get_peft_model

    from empirical.model.finetune import lora_config
    from empirical.model.loading import load_model

    c = replace(cfg, lora_targets=("v_proj", "o_proj"), lora_r=2)
    model, _ = load_model(str(tiny), quantize=False)
    last = model.model.layers[-1].self_attn
    expected = sum(2 * (m.in_features + m.out_features) for m in (last.v_proj, last.o_proj))
    peft = get_peft_model(model, lora_config(c.training(), model))
    trainable = {n: p.numel() for n, p in peft.named_parameters() if p.requires_grad}
    assert {n.split(".")[-4] for n in trainable} == {"v_proj", "o_proj"}
    assert sum(trainable.values()) == expected


def test_fixed_sigma_run_and_plain_learning_rate(cfg, tmp_path):
    """A run at a fixed σ (no target ε) certifies dp-accounting's ε at that σ, is tagged ``sigma-<σ>`` with no target
    ε; the run without DP trains at ``plain_learning_rate``."""
    from dp_accounting import pld
    from dp_accounting.dp_event import GaussianDpEvent, PoissonSampledDpEvent, SelfComposedDpEvent

    c = replace(cfg, epsilons=(None,), noise_multipliers=(1.5,), plain_learning_rate=0.02, white_box_canaries=0)
    out = run_sweep(c, tmp_path, log=lambda s: None)
    plain, sig = out["dp_audit"][0], out["dp_audit"][2]
    assert (plain["run"], sig["run"]) == ("eps-inf", "sigma-1.5") and set(out["dp_sweep"]["seconds"]) == {"eps-inf", "sigma-1.5"}
    assert sig["target_epsilon"] is None and sig["noise_multiplier"] == 1.5
    assert sig["level"] == pytest.approx(1 - 0.05 / 2)  # the σ run's two entries are the sweep's DP entries
    dp = json.loads((tmp_path / "sigma-1.5" / "adapter" / "sensaware_finetune.json").read_text())["dp"]
    acc = pld.PLDAccountant(pld.pld_privacy_accountant.NeighborRel.REPLACE_ONE, value_discretization_interval=1e-4)
    acc.compose(SelfComposedDpEvent(PoissonSampledDpEvent(dp["sampling_rate"], GaussianDpEvent(1.5)), dp["steps"]))
    assert sig["epsilon"] == pytest.approx(acc.get_epsilon(1e-3), rel=1e-3)
    trained = json.loads((tmp_path / "eps-inf" / "adapter" / "sensaware_finetune.json").read_text())
    assert trained["config"]["learning_rate"] == 0.02


def test_keys_of_folders_written_before_stay():
    """The keys of the tiny preset's ε = 2 run as the code of ae5b02c (before lora_targets, ai_centred,
    noise_multipliers and plain_learning_rate existed) computed them: a folder written then resumes, neither
    retrained nor re-audited; the pipeline's stage key of the sweep is that code's ``asdict`` (so ``dp/`` is kept)."""
    from empirical.audit.dp_sweep import SWEEPS, _key, settings

    tiny = SWEEPS["tiny"]
    assert _key(tiny, 2.0, "rid", training=True) == "048d4ff5cde8edc8be5ff9bbc0bf89a6ea9cd85b5acb1bb5d99f7c329d6e9f84"
    assert _key(tiny, 2.0, "rid", entry_level=0.99) == "3cd2092daffe457aeaa2fd847a20e97257d7188769a64bee23712b08738b56c3"
    assert set(settings(tiny)) == {"epsilons", "delta", "canaries", "repeats", "employees", "epochs", "batch_size",
                                      "learning_rate", "max_grad_norm", "lora_r", "lora_layers", "model", "quantize",
                                      "company_seed", "seed", "level", "white_box_canaries", "white_box_norm"}
    # a changed setting of the new fields does change them
    assert _key(replace(tiny, lora_targets=("v_proj",)), 2.0, "rid", training=True) != _key(tiny, 2.0, "rid", training=True)
    assert _key(replace(tiny, ai_centred=True), 2.0, "rid", training=True) == _key(tiny, 2.0, "rid", training=True)
    assert _key(replace(tiny, ai_centred=True), 2.0, "rid", entry_level=0.99) != _key(tiny, 2.0, "rid", entry_level=0.99)
    assert _key(replace(tiny, plain_learning_rate=0.02), 2.0, "rid", training=True) == _key(tiny, 2.0, "rid", training=True)
    assert _key(replace(tiny, plain_learning_rate=0.02), None, "rid", training=True) != _key(tiny, None, "rid", training=True)
