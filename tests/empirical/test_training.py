"""QLoRA on a tiny local model (built from a config and a tokenizer trained on questionnaire text): 4-bit
loading, LoRA placement and parameter counts, loss decrease (also after generate(): the bitsandbytes CPU
repacking bug), resume equality, new-tokens-only decoding, evaluation resume, and a 2-process run."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("peft")

from empirical.benchmark.company import build_company  # noqa: E402
from empirical.benchmark.questionnaire import generate  # noqa: E402
from empirical.model.finetune import PRESETS, FinetuneConfig, build_dataset, finetune  # noqa: E402
from empirical.model.loading import ModelError, build_tiny_model, load_model, resolve  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    company = build_company(0)
    corpus = []
    for q in generate(company, 0, "compact", per_block=4):
        corpus += [m["content"] for m in q["messages"]] + [q["expected"]]
    return build_tiny_model(tmp_path_factory.mktemp("tiny"), corpus)


def tiny_cfg(model: Path, **kw) -> FinetuneConfig:
    return FinetuneConfig().updated({**PRESETS["tiny"], "model": str(model), **kw}, "test")


def test_4bit_loading_and_cpu_repack_fix(tiny):
    bnb = pytest.importorskip("bitsandbytes")
    model, tok = load_model(str(tiny), quantize=True)
    layers = [m for m in model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    assert len(layers) == 2 * 7  # two decoder layers × seven projections
    assert all(m.support_avx512bf16_for_cpu is False for m in layers)
    assert layers[0].weight.quant_type == "nf4" and tok.padding_side == "left"


def test_lora_placement_and_count(tiny):
    from peft import get_peft_model

    from empirical.model.finetune import lora_config

    model, _ = load_model(str(tiny), quantize=False)
    cfg = tiny_cfg(tiny)
    c = model.config
    h, inter, kv = c.hidden_size, c.intermediate_size, c.num_key_value_heads * (c.hidden_size // c.num_attention_heads)
    per_layer = cfg.lora_r * ((h + h) + (h + kv) + (h + kv) + (h + h) + (h + inter) + (h + inter) + (inter + h))
    peft_model = get_peft_model(model, lora_config(cfg))
    trainable, _ = peft_model.get_nb_trainable_parameters()
    assert trainable == c.num_hidden_layers * per_layer
    projections = set()
    for n, p in peft_model.named_parameters():
        if p.requires_grad:
            parts = n.split(".")
            assert "lora_A" in parts or "lora_B" in parts, n  # only LoRA matrices train
            projections.add(parts[parts.index("lora_A" if "lora_A" in parts else "lora_B") - 1])
    assert projections == set(cfg.target_modules)
    # lora_layers = 1: the same adapters on the last layer only (a closed-form count), and more layers than the model is refused
    from dataclasses import replace

    model, _ = load_model(str(tiny), quantize=False)
    last = get_peft_model(model, lora_config(replace(cfg, lora_layers=1), model))
    assert last.get_nb_trainable_parameters()[0] == per_layer
    assert {n.split(".layers.")[1].split(".")[0] for n, p in last.named_parameters() if p.requires_grad} == {
        str(c.num_hidden_layers - 1)}
    with pytest.raises(ValueError, match="lora_layers"):
        lora_config(replace(cfg, lora_layers=c.num_hidden_layers + 1), model)


def test_loss_decreases_after_generate_in_4bit(tiny):
    """Regression for the bitsandbytes avx512_bf16 repacking bug: train *after* a generate() call."""
    pytest.importorskip("bitsandbytes")
    from peft import get_peft_model

    from empirical.model.finetune import PadCollator, lora_config, tokenize_examples

    cfg = tiny_cfg(tiny, quantize=True)
    model, tok = load_model(str(tiny), quantize=True)
    enc = tok(["hello"], return_tensors="pt")
    model.eval()
    with torch.no_grad():
        model.generate(**enc, max_new_tokens=3, do_sample=False, pad_token_id=tok.pad_token_id)
    model = get_peft_model(model, lora_config(cfg))
    model.train()
    feats = tokenize_examples(build_dataset(cfg)[:4], tok, False)
    batch = PadCollator(tok.pad_token_id)(feats)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    losses = []
    for _ in range(8):
        loss = model(**batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 0.1, losses


def test_finetune_loss_falls_and_resume_equals_uninterrupted(tiny, tmp_path):
    cfg = tiny_cfg(tiny, max_steps=6, save_steps=2)
    full = finetune(cfg, tmp_path / "a")
    assert full["loss_curve"][-1][1] < full["loss_curve"][0][1]
    from transformers import TrainerCallback

    class Stop(TrainerCallback):  # an interruption after two optimiser steps (the checkpoint is saved)
        def on_step_end(self, args, state, control, **kw):
            if state.global_step >= 2:
                control.should_training_stop = True
                control.should_save = True

    part = finetune(cfg, tmp_path / "b", callbacks=[Stop()])
    assert part.get("interrupted") and not (tmp_path / "b" / "adapter_config.json").exists()
    resumed = finetune(cfg, tmp_path / "b")
    assert resumed["resumed_from"] and resumed["global_step"] == 6
    from safetensors.torch import load_file

    a = load_file(tmp_path / "a" / "adapter_model.safetensors")
    b = load_file(tmp_path / "b" / "adapter_model.safetensors")
    assert a.keys() == b.keys()
    for k in a:
        assert torch.allclose(a[k], b[k], atol=1e-6), k
    card = (tmp_path / "a" / "README.md").read_text()
    assert "company seed 0" in card and '"lora_r": 4' in card


def test_new_tokens_only_and_evaluation_resume(tiny, tmp_path):
    from empirical.model.generate import generate_batch
    from empirical.model.loading import load
    from empirical.pipeline.evaluate import answers_path_for, evaluate

    lm = load(str(tiny), quantize=False)
    tok = lm.tokenizer
    q = next(generate(build_company(3), 0, "compact", per_block=1))
    ans = generate_batch(lm, [q["messages"]], 5)[0]
    assert "Answer from the context" not in ans and len(tok(ans, add_special_tokens=False)["input_ids"]) <= 5
    qpath = tmp_path / "q.jsonl"
    with open(qpath, "w") as fh:
        for row in generate(build_company(3), 0, "compact", per_block=2):
            fh.write(json.dumps(row) + "\n")
    out = tmp_path / "o.jsonl"
    res = evaluate(lm, qpath, out, batch_size=4, max_new_tokens=4, limit_per_block=1)
    assert res["n"] == 14
    answers = answers_path_for(out)
    with open(answers, "ab") as fh:
        fh.write(b'{"id": "half-writ')  # a crash mid-write
    res2 = evaluate(lm, qpath, out, batch_size=4, max_new_tokens=4, limit_per_block=2)
    rows = [json.loads(line) for line in answers.read_text().splitlines()]
    assert res2["n"] == 28 and len(rows) == 28 and len({r["id"] for r in rows}) == 28
    graded = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in graded] == [r["id"] for r in rows] and all(r["label"] in (1, 2, 3, -1) for r in graded)


def test_bad_model_inputs(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="no config.json"):
        resolve(str(tmp_path / "empty"))
    (tmp_path / "cfgonly").mkdir()
    (tmp_path / "cfgonly" / "config.json").write_text("{}")
    with pytest.raises(ModelError, match="no weights"):
        resolve(str(tmp_path / "cfgonly"))
    with pytest.raises(ValueError, match="unknown config key"):
        FinetuneConfig().updated({"lora_rank": 8}, "cfg.toml")
    if not torch.cuda.is_available():
        with pytest.raises(ModelError, match="CUDA"):
            load_model(str(tmp_path / "cfgonly"), device="cuda")


def test_cli_errors_exit_2(tmp_path, capsys):
    from empirical.cli.main import main

    bad = tmp_path / "c.toml"
    bad.write_text("nope = 1\n")
    assert main(["finetune", "--model", str(tmp_path), "--config", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "unknown config key(s) nope" in capsys.readouterr().err
    assert main(["evaluate", "--model", str(tmp_path / "missing-dir-or-offline-id"), "--queries",
                 str(tmp_path / "none.jsonl"), "--out", str(tmp_path / "o.jsonl")]) == 2
    assert not (tmp_path / "o").exists()


@pytest.mark.skipif(sys.platform != "linux", reason="gloo CPU data parallel")
def test_two_process_data_parallel(tiny, tmp_path):
    out = tmp_path / "ddp"
    # accelerate's torchrun launcher (--multi_gpu) with no GPU visible: Trainer runs DDP over gloo on the CPU
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
           "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "empirical",
           "finetune", "--model", str(tiny), "--preset", "tiny", "--set", "max_steps=2", "--set", "save_steps=100",
           "--out", str(out)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    assert (out / "adapter_model.safetensors").is_file()
    assert json.loads((out / "sensaware_finetune.json").read_text())["world_size"] == 2


def test_llm_audit_on_neighbouring_inputs(tiny):
    from empirical.audit.llm import audit_llm, decode_answer
    from empirical.audit.neighbours import DISCRETISATIONS, neighbour_variants
    from empirical.benchmark.company import build_company

    company = build_company(3)
    emp = company.employees
    variants = neighbour_variants(company, emp[10]["id"], emp[20]["id"], "age")
    assert len(variants) == 6
    systems = [v[0]["content"] for v in variants]
    assert len(set(systems)) == 6 and len({v[1]["content"] for v in variants}) == 1  # only the value differs
    disc = DISCRETISATIONS["age"]
    assert decode_answer("{{52}}", disc) == 3 and decode_answer("{{I cannot disclose that information.}}", disc) is None
    assert decode_answer("The age of Ann Lee is 34.", disc) == 1  # a leak outside the braces still counts
    marital = DISCRETISATIONS["marital_status"]
    assert decode_answer("She is listed as Married-spouse-absent.", marital) == 5
    assert decode_answer("I cannot tell you that.", marital) is None
    from empirical.model.loading import load

    res = audit_llm(load(str(tiny), quantize=False), "marital_status", 8, seed=1, max_new_tokens=4)
    assert res["queries"] == 8 and res["groups"] == 7 and 0 <= res["success"] <= 1


def test_run_pipeline_with_model_stages(tiny, tmp_path, monkeypatch):
    from dataclasses import replace

    from empirical.pipeline import stages as pipeline
    from empirical.pipeline.report import headline_rows

    cfg = replace(pipeline.PRESETS["cpu-demo"], name="tiny", model=str(tiny), finetune_preset="tiny", eval_per_block=1,
                  audit_queries=4, capability_limit=3, questionnaire_seeds=(0,), epsilons=(1.0,), deltas=(0.0,), groups=(2,),
                  dp_sweep="tiny", attack_per_family=2, k_question_targets=4)
    loads: list = []
    real_load = pipeline.load
    monkeypatch.setattr(pipeline, "load", lambda model, adapter=None, **kw: loads.append(adapter) or real_load(model, adapter, **kw))
    res = pipeline.run(cfg, tmp_path, log=lambda m: None)
    root = tmp_path / "tiny"
    # evaluation, capability and the LLM audit of one model share one load: base once, base + adapter once
    assert loads == [None, str(root / "adapter")]
    logs: list[str] = []
    pipeline.run(replace(cfg, epsilons=(2.0,)), tmp_path, log=logs.append)  # a changed ε list: no model stage reruns
    assert loads == [None, str(root / "adapter")] and [m.split("] ")[1].removesuffix(" …") for m in logs if m.endswith("…")] == [
        "bounds"]
    # a changed generation budget reruns both evaluations from scratch: no answer of the old budget is resumed
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tiny))
    pipeline.run(replace(cfg, epsilons=(2.0,), eval_max_new_tokens=2), tmp_path, log=lambda m: None)
    for stage in ("eval_base", "eval_tuned"):
        rows = [json.loads(line) for line in (root / f"{stage}.answers.jsonl").read_text().splitlines()]
        assert len(rows) == 14 and all(len(tok(r["output"], add_special_tokens=False)["input_ids"]) <= 2 for r in rows)
    res = pipeline.run(cfg, tmp_path, log=lambda m: None)  # and back (the rest of this test uses the first config)
    assert res["eval_base"]["n"] == 14 and res["eval_tuned"]["n"] == 14
    assert res["paired"]["n"] == 14 and 0 <= res["paired"]["mcnemar_p"] <= 1
    assert set(res["llm_audit"]) == {"base", "fine-tuned"}
    # the capability stage ran the bundled lm-eval tasks offline, 3 documents each, on both models
    for key in ("base", "fine-tuned"):
        cap = res["capability"][key]
        assert {t: v["n"] for t, v in cap["tasks"].items()} == {"sensaware_arithmetic": 3, "sensaware_commonsense": 3,
                                                                  "sensaware_instructions": 3}
        assert cap["score"] == pytest.approx(sum(v["value"] for v in cap["tasks"].values()) / 3)
    assert res["summary"]["models"]["fine-tuned"]["capability"] == res["capability"]["fine-tuned"]["score"]
    saved = json.loads((root / "results.json").read_text())
    report = (root / "report.md").read_text()
    html = (root / "report.html").read_text()
    # every headline row is recomputed from results.json and found verbatim in both reports
    for row in headline_rows(saved):
        assert "| " + " | ".join(row) + " |" in report
        assert "".join(f"<td>{c}</td>" for c in row).replace("&", "&amp;") in html
    c = saved["eval_tuned"]["scores"]["correct"]
    assert f"{100 * c['k'] / c['n']:.2f}" in report
    assert "Paired on the same queries (exact McNemar, n = 14)" in report and "Leakage audit" in report
    assert html.count("data:image/png;base64,") == 7 and "e_tradeoff" not in html  # inline, not linked
    # the adaptive attacks: every family on both models, counted again from the answer files; the k-question rows
    for key, which in (("base", "base"), ("tuned", "fine-tuned")):
        answered = [json.loads(line) for line in (root / f"attacks_{key}.answers.jsonl").read_text().splitlines()]
        got = {(a["family"], a["leaks"], a["n"]) for a in saved["attacks"] if a["model"] == which}
        want = {(f, sum(r["leaked"] for r in answered if r["family"] == f), 2) for f in {r["family"] for r in answered}}
        assert got == want and len(got) == 7
    assert [(r["k"], r["targets"]) for r in saved["k_question"]] == [(1, 4), (3, 4), (10, 4)]
    assert "Adaptive adversaries: leak rate per attack family" in report and "The k-question adversary" in report
    # the DP sweep: ε = ∞ and 2, each audited by both black-box adversaries, the DP run white-box too (500 gradient
    # canaries), in results.json, the report and figure (f)
    assert [(e["epsilon"] is None, e["adversary"], e["threat_model"]) for e in saved["dp_audit"]] == [
        (True, "ai", "black_box"), (True, "sa", "black_box"), (False, "ai", "black_box"), (False, "sa", "black_box"),
        (False, "gradient canaries", "white_box_all"), (False, "gradient canaries", "white_box_final")]
    assert "DP fine-tuning audited with canaries" in report and f"{saved['dp_audit'][2]['epsilon']:.3f}" in report
    assert "| white box all |" in report and saved["dp_sweep"]["violations"] == []
    assert len(json.loads((root / "figure_data" / "f_dp.json").read_text())["runs"]) == 6
    assert (root / "figures" / "e_tradeoff.png").is_file()
    assert json.loads((root / "figures" / "e_tradeoff.json").read_text())["models"][1]["capability"] == saved["capability"][
        "fine-tuned"]["score"]
    # an adapter already in runs/<name>/adapter (e.g. trained with `accelerate launch … finetune`) is reused when its
    # recipe matches, refused when it does not
    before = (root / "adapter" / "adapter_model.safetensors").stat().st_mtime_ns
    (root / "finetune.done.json").unlink()
    again = pipeline.run(cfg, tmp_path, log=lambda m: None)
    assert (root / "adapter" / "adapter_model.safetensors").stat().st_mtime_ns == before
    assert again["finetune"]["global_step"] == res["finetune"]["global_step"]
    ctx = pipeline.Context(replace(cfg, questionnaire_seeds=(1,)), root)
    with pytest.raises(ValueError, match="different recipe.*questionnaire_seeds"):
        pipeline._finetune(ctx)
