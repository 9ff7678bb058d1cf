"""Preference optimisation on minimal pairs: the pairs (graded by the benchmark's grader), DPO on a tiny local model
(the policy's own margin between the chosen and the rejected reply widens, measured by a forward pass of ours, not
TRL's logs), the supervised stage then DPO from its adapter, interruption, and bad input."""

import json
import math
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("trl")

from empirical.benchmark.company import build_company  # noqa: E402
from empirical.benchmark.grader import grade_answers  # noqa: E402
from empirical.benchmark.questionnaire import generate  # noqa: E402
from empirical.model.dp import DpConfig, dp_finetune  # noqa: E402
from empirical.model.finetune import PRESETS, FinetuneConfig, build_dataset, build_pairs, finetune  # noqa: E402
from empirical.model.loading import build_tiny_model, load_model  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    company = build_company(0)
    corpus = []
    for q in generate(company, 0, "compact", per_block=4):
        corpus += [m["content"] for m in q["messages"]] + [q["expected"], q["truth"]]
    return build_tiny_model(tmp_path_factory.mktemp("tiny"), corpus)


def tiny_cfg(model: Path, **kw) -> FinetuneConfig:
    return FinetuneConfig().updated({**PRESETS["tiny"], "model": str(model), "twins": "all", "completion": "answer",
                                     "completion_only_loss": True, **kw}, "test")


def test_pairs_are_graded_right_and_wrong_and_match_the_sft_rows(tiny):
    cfg = FinetuneConfig().updated({**PRESETS["cpu"], "examples": 56}, "test")
    pairs, sft = build_pairs(cfg), build_dataset(cfg)
    assert len(pairs) == len(sft) == 56 and sum(p["id"].endswith("-twin") for p in pairs) == 28
    company = build_company(0)
    queries = {q["id"]: q for s in cfg.questionnaire_seeds for q in generate(company, s, "compact")}
    for p, s in zip(pairs, sft):
        assert p["prompt"] == s["prompt"] and p["chosen"] == s["completion"] and p["id"] == s["id"]
    rows = []
    for p in pairs:
        base = queries[p["id"].removesuffix("-twin")]  # a twin keeps its original's target, attribute and truth
        for which in ("chosen", "rejected"):
            rows.append({"output": p[which][0]["content"], "truth": base["truth"], "attribute": base["attribute"],
                         "malicious": p["malicious"], "want": which == "chosen"})
    graded = list(grade_answers(rows, "pairs"))
    assert all((g["category"] == "correct") == g["want"] for g in graded)
    # a refused query's rejected reply is its true value (a leak), an answered one's the refusal (a false refusal)
    assert {g["category"] for g in graded if not g["want"]} == {"leak", "refusal"}


def margins(model_dir: Path, adapter: Path | None, pairs: list[dict]) -> list[float]:
    """log π(chosen | prompt) − log π(rejected | prompt) summed over each reply's tokens, by one forward pass each."""
    model, tok = load_model(str(model_dir), quantize=False)
    if adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter))
    model.eval()
    out = []
    for p in pairs:
        prompt = tok.apply_chat_template(p["prompt"], tokenize=True, add_generation_prompt=True, return_dict=True)["input_ids"]
        lp = []
        for k in ("chosen", "rejected"):
            ids = tok.apply_chat_template(p["prompt"] + p[k], tokenize=True, return_dict=True)["input_ids"]
            assert ids[: len(prompt)] == prompt
            with torch.no_grad():
                logits = model(torch.tensor([ids])).logits[0, :-1].log_softmax(-1)
            tgt = torch.tensor(ids[1:])
            lp.append(logits[torch.arange(len(tgt)), tgt][len(prompt) - 1:].sum().item())
        out.append(lp[0] - lp[1])
    return out


def test_dpo_widens_the_policys_own_margin(tiny, tmp_path):
    # without twins: a pair's twin has the opposite margin to within the banner, which the tiny model cannot read, so
    # over pairs and twins the mean margin stays ~0 (measured: 0.002 → −0.0001 per pair after 16 steps)
    cfg = tiny_cfg(tiny, objective="preference", twins="none", max_steps=8, learning_rate=1e-2, beta=0.5)
    pairs = build_pairs(cfg)
    before = margins(tiny, None, pairs)
    summary = finetune(cfg, tmp_path / "dpo")
    after = margins(tiny, tmp_path / "dpo", pairs)
    assert summary["global_step"] == 8 and math.isfinite(summary["train_loss"])
    assert sum(after) / len(after) > sum(before) / len(before) + 0.1  # measured +0.30 nats per pair
    saved = json.loads((tmp_path / "dpo" / "sensaware_finetune.json").read_text())
    assert saved["config"]["objective"] == "preference"
    assert not (tmp_path / "dpo" / "ref").exists()  # TRL's frozen reference adapter is not the result
    assert "objective preference" in (tmp_path / "dpo" / "README.md").read_text()


def test_sft_then_preference_starts_from_the_sft_adapter(tiny, tmp_path):
    from transformers import TrainerCallback

    class Stop(TrainerCallback):  # an interruption in the preference stage, after one optimiser step
        def on_step_end(self, args, state, control, **kw):
            if getattr(args, "beta", None) is not None and state.global_step >= 1:
                control.should_training_stop = True
                control.should_save = True

    cfg = tiny_cfg(tiny, objective="sft+preference", max_steps=4, save_steps=1, preference_sft_weight=1.0)
    part = finetune(cfg, tmp_path / "both", callbacks=[Stop()])
    assert part.get("interrupted") and (tmp_path / "both" / "sft" / "adapter_config.json").is_file()
    assert not (tmp_path / "both" / "adapter_config.json").exists()
    summary = finetune(cfg, tmp_path / "both")
    assert summary["resumed_from"] and summary["global_step"] == 4 and summary["sft"]["global_step"] == 4
    # the supervised adapter moved the policy and DPO moved it again from there
    pairs = build_pairs(cfg)[:6]
    base, sft, both = (margins(tiny, a, pairs) for a in (None, tmp_path / "both" / "sft", tmp_path / "both"))
    assert sft != base and both != sft
    assert json.loads((tmp_path / "both" / "sensaware_finetune.json").read_text())["config"]["preference_sft_weight"] == 1


def test_bad_preference_inputs(tiny, tmp_path):
    for k, v, msg in (("objective", "dpo", "`objective` must be one of sft, preference"),
                      ("beta", 0, "`beta` must be a finite number > 0"),
                      ("preference_loss", "kto", "`preference_loss` must be one of sigmoid"),
                      ("preference_learning_rate", 1.5, "`preference_learning_rate` must lie in [0, 1)"),
                      ("preference_epochs", 0, "`preference_epochs` must be a finite number > 0"),
                      ("preference_sft_weight", -1, "`preference_sft_weight` must be a finite number >= 0")):
        with pytest.raises(ValueError, match=msg.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
            tiny_cfg(tiny, **{k: v})
    with pytest.raises(ValueError, match="lack prompt, chosen or rejected"):
        finetune(tiny_cfg(tiny, objective="preference"), tmp_path / "x", dataset=build_dataset(tiny_cfg(tiny)))
    with pytest.raises(ValueError, match="`objective` must be 'sft' with DP"):
        dp_finetune(tiny_cfg(tiny, objective="preference"), DpConfig(delta=1e-3, noise_multiplier=1.0), tmp_path / "y")
