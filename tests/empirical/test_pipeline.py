"""`sensaware run` stages: declared files, hashed resumption, and a report whose numbers come from results.json."""

import json
from dataclasses import replace

from empirical.benchmark.company import build_company
from empirical.benchmark.files import read_jsonl
from empirical.benchmark.questionnaire import generate
from empirical.pipeline import stages as pipeline
from empirical.pipeline.summary import FIGURES


def _spy(monkeypatch, called):
    def wrap(s):
        return replace(s, run=lambda ctx, s=s: called.append(s.name) or s.run(ctx))

    monkeypatch.setattr(pipeline, "STAGES", tuple(wrap(s) for s in pipeline.STAGES))


def test_run_resumes_and_report_matches_results(tmp_path, monkeypatch):
    # the model stages are covered on the tiny model in test_training.py; here: the torch-free path
    monkeypatch.setattr(pipeline, "has_train_extra", lambda: False)
    cfg = replace(pipeline.PRESETS["cpu-demo"], name="t", questionnaire_seeds=(0,), epsilons=(1.0,), deltas=(0.0,),
                  groups=(10,))
    logs: list[str] = []
    res = pipeline.run(cfg, tmp_path, log=logs.append)
    root = tmp_path / "t"
    assert (root / "results.json").is_file() and (root / "report.md").is_file()
    assert json.loads((root / "results.json").read_text())["bounds"][0]["advantage_bound"] == res["bounds"][0][
        "advantage_bound"]
    assert json.loads((root / "bounds.json").read_text())["bounds"] == res["bounds"]  # each stage's own file
    report = (root / "report.md").read_text()
    assert f"{res['bounds'][0]['advantage_bound']:.6f}" in report
    gpt = res["reference_models"]["GPT-4o"]["correct"]
    assert f"| GPT-4o | {100 * gpt['rate']:.2f} |" in report and "70.11" in report
    html = (root / "report.html").read_text()
    assert "<td>GPT-4o</td><td>70.11</td>" in html and html.count("data:image/png;base64,") == len(FIGURES)
    assert "Headline" not in report  # no model stages, no headline table

    called: list[str] = []
    _spy(monkeypatch, called)
    pipeline.run(cfg, tmp_path, log=logs.append)
    assert called == []  # nothing changed: every stage skipped
    # a changed ε list reruns the bounds only (and rewrites results.json and the report)
    pipeline.run(replace(cfg, epsilons=(2.0,)), tmp_path, log=logs.append)
    assert called == ["bounds"]
    assert json.loads((root / "results.json").read_text())["bounds"][0]["epsilon"] == 2.0
    assert "| 2 | 0 | 10 |" in (root / "report.md").read_text()
    # a changed input file reruns its readers: the held-out company edited by hand
    called.clear()
    (root / "bounds.done.json").unlink()  # a lost marker reruns that stage only (same output, same hash downstream)
    pipeline.run(replace(cfg, epsilons=(2.0,)), tmp_path, log=logs.append)
    assert called == ["bounds"]
    called.clear()
    csv = root / "company_seed3.csv"
    csv.write_text(csv.read_text().replace("Married-civ-spouse", "Divorced", 1))
    pipeline.run(replace(cfg, epsilons=(2.0,)), tmp_path, log=logs.append)
    # the companies stage sees its output changed and rewrites it; the questionnaires then read the same company
    assert called == ["companies"] and csv.read_text().count("Divorced") > 0
    called.clear()
    (root / "figures" / "a_bounds.png").unlink()  # a missing output reruns its stage
    pipeline.run(replace(cfg, epsilons=(2.0,)), tmp_path, log=logs.append)
    assert called == ["figures"] and (root / "figures" / "a_bounds.png").is_file()


def test_dp_sweep_preset_runs_only_its_stages(tmp_path, monkeypatch):
    import pytest

    monkeypatch.setattr(pipeline, "has_train_extra", lambda: True)
    seen = []
    monkeypatch.setattr(pipeline, "run_sweep",
                        lambda cfg, root, **kw: seen.append(cfg) or {"dp_audit": [], "dp_sweep": {"violations": []}})
    called: list[str] = []
    _spy(monkeypatch, called)
    cfg = replace(pipeline.PRESETS["dp-sweep"], epsilons=(1.0,), deltas=(0.0,), groups=(2,))
    pipeline.run(cfg, tmp_path, log=lambda m: None)
    assert called == ["bounds", "dp_audit", "analysis", "figures"]
    assert [c.epsilons for c in seen] == [(None, 8.0, 2.0, 0.5)] and seen[0].model == cfg.model
    assert (tmp_path / "dp-sweep" / "figures" / "f_dp.png").is_file()
    with pytest.raises(ValueError, match="unknown stages nope"):
        pipeline.run(replace(cfg, only=("nope",)), tmp_path, log=lambda m: None)
    with pytest.raises(ValueError, match="dp_sweep"):
        pipeline.run(replace(cfg, dp_sweep="huge", name="x"), tmp_path, log=lambda m: None)


def test_black_box_preset_sweeps_its_recipe(tmp_path, monkeypatch):
    """`sensaware run --preset dp-black-box`: the black-box sweep (ε from 0.5 to 1,000 and ∞, LoRA on v/o of two
    layers, centred AI scores, no white-box training) through the same stages."""
    monkeypatch.setattr(pipeline, "has_train_extra", lambda: True)
    seen = []
    monkeypatch.setattr(pipeline, "run_sweep",
                        lambda cfg, root, **kw: seen.append(cfg) or {"dp_audit": [], "dp_sweep": {"violations": []}})
    cfg = replace(pipeline.PRESETS["dp-black-box"], epsilons=(1.0,), deltas=(0.0,), groups=(2,))
    pipeline.run(cfg, tmp_path, log=lambda m: None)
    (c,) = seen
    assert c.epsilons == (None, 1000.0, 64.0, 16.0, 8.0, 4.0, 2.0, 1.0, 0.5) and c.ai_centred
    assert c.training().target_modules == ("v_proj", "o_proj") and (c.lora_r, c.lora_layers) == (2, 2)
    assert c.white_box_canaries == 0 and c.noise_multipliers == (0.1,) and c.plain_learning_rate == 0.01


def test_small_sigma_preset_sweeps_the_cpu_recipe_at_fixed_sigma(tmp_path, monkeypatch):
    """`sensaware run --preset dp-small-sigma`: ∞ and σ = 0.05, 0.1 with the cpu sweep's recipe, centred AI scores."""
    from empirical.audit.dp_sweep import SWEEPS

    monkeypatch.setattr(pipeline, "has_train_extra", lambda: True)
    seen = []
    monkeypatch.setattr(pipeline, "run_sweep",
                        lambda cfg, root, **kw: seen.append(cfg) or {"dp_audit": [], "dp_sweep": {"violations": []}})
    pipeline.run(replace(pipeline.PRESETS["dp-small-sigma"], epsilons=(1.0,), deltas=(0.0,), groups=(2,)), tmp_path,
                 log=lambda m: None)
    (c,) = seen
    assert c.epsilons == (None,) and c.noise_multipliers == (0.05, 0.1) and c.ai_centred and c.white_box_canaries == 0
    assert c.training() == SWEEPS["cpu"].training()


def test_audit_violation_is_one_line_with_its_own_exit_code_after_everything_is_written(tmp_path, monkeypatch, capsys):
    """A sweep whose audit refutes a certified ε: results.json and the report are written (with the entry), then
    `sensaware run` prints one line and exits 3."""
    from empirical.audit.errors import EXIT_CODE
    from empirical.cli.main import main

    entry = {"adversary": "gradient canaries", "threat_model": "white_box_all", "epsilon": 2.0, "target_epsilon": 2.0,
             "delta": 1e-5, "groups": 2, "canaries": 1000, "guesses": 100, "correct": 100, "epsilon_lower_bound": 3.5,
             "success": 0.99, "success_interval": [0.98, 1.0], "success_bound": 0.9, "verdict": "violated",
             "claimed_p_value": 1e-9, "level": 0.95}
    bad = ["white_box_all gradient canaries at certified ε = 2: ε lower bound 3.5 exceeds it"]
    monkeypatch.setattr(pipeline, "has_train_extra", lambda: True)
    monkeypatch.setattr(pipeline, "run_sweep", lambda cfg, root, **kw: {"dp_audit": [entry],
                                                                         "dp_sweep": {"violations": bad}})
    monkeypatch.setitem(pipeline.PRESETS, "dp-sweep", replace(pipeline.PRESETS["dp-sweep"], epsilons=(1.0,),
                                                              deltas=(0.0,), groups=(2,)))
    rc = main(["run", "--preset", "dp-sweep", "--runs-dir", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == EXIT_CODE == 3
    assert err[-1].startswith("sensaware run: audit violation: DP audit violated (1): white_box_all") and "Traceback" not in err
    results = json.loads((tmp_path / "dp-sweep" / "results.json").read_text())
    assert results["dp_audit"] == [entry] and (tmp_path / "dp-sweep" / "report.md").is_file()


def test_stage_specs_are_consistent():
    cfg = pipeline.PRESETS["cpu-demo"]
    fields = set(pipeline.RunConfig.__dataclass_fields__)
    written: set[str] = set()
    for s in pipeline.STAGES:
        assert set(s.keys) <= fields, s.name
        # every input is written by an earlier stage (its declared outputs or its <stage>.json)
        assert set(s.inputs(cfg)) <= written, (s.name, set(s.inputs(cfg)) - written)
        written |= set(s.outputs(cfg)) | {f"{s.name}.json"}


def test_several_held_out_questionnaires(tmp_path):
    # the paper evaluates 3 held-out questionnaires x 3,500 = 10,500 queries; here 2: one file, all rows, in order
    assert pipeline.PRESETS["paper"].test_questionnaire_seeds == (0, 1, 2) and pipeline.PRESETS["paper"].eval_per_block == 0
    cfg = replace(pipeline.PRESETS["cpu-demo"], questionnaire_seeds=(0,), test_questionnaire_seeds=(0, 1))
    ctx = pipeline.Context(cfg, tmp_path)
    pipeline._companies(ctx)
    files = pipeline._questionnaires(ctx)["questionnaires"]
    both = list(read_jsonl(tmp_path / pipeline.test_queries_file(cfg)))
    parts = [list(generate(build_company(3), s, "compact")) for s in (0, 1)]
    assert files["test_queries_c3_q0-1.jsonl.gz"] == 7000 and both == parts[0] + parts[1]
    assert len({r["id"] for r in both}) == 7000 and {r["questionnaire_seed"] for r in both} == {0, 1}


def test_a_rerun_under_other_settings_never_resumes_stale_outputs(tmp_path):
    # outputs written under another key are removed before the stage runs; outputs of an interrupted run under the
    # same key, or placed by the user (no marker at all), are kept
    (tmp_path / "adapter").mkdir()
    (tmp_path / "adapter" / "w").write_text("user's adapter")
    pipeline._prepare(tmp_path, "finetune", "k1", ("adapter",))
    assert (tmp_path / "adapter" / "w").is_file()  # no marker: kept (trained elsewhere)
    (tmp_path / "a.jsonl").write_text('{"id": "q1"}\n')
    pipeline._prepare(tmp_path, "eval", "k1", ("a.jsonl",))
    pipeline._prepare(tmp_path, "eval", "k1", ("a.jsonl",))
    assert (tmp_path / "a.jsonl").is_file()  # same key: an interrupted run resumes
    pipeline._prepare(tmp_path, "eval", "k2", ("a.jsonl",))
    assert not (tmp_path / "a.jsonl").exists()  # another key: the old answers are gone
    assert json.loads((tmp_path / "eval.started.json").read_text())["key"] == "k2"


def test_broken_markers_rerun_their_stage(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "has_train_extra", lambda: False)
    cfg = replace(pipeline.PRESETS["cpu-demo"], name="m", questionnaire_seeds=(0,), epsilons=(1.0,), deltas=(0.0,),
                  groups=(2,))
    pipeline.run(cfg, tmp_path, log=lambda m: None)
    root = tmp_path / "m"
    called: list[str] = []
    _spy(monkeypatch, called)
    for content in ("[]", "null", "not json", '{"key": 1}'):
        (root / "bounds.done.json").write_text(content)
        res = pipeline.run(cfg, tmp_path, log=lambda m: None)
        assert called == ["bounds"] and res["bounds"][0]["epsilon"] == 1.0
        called.clear()
    done = json.loads((root / "bounds.done.json").read_text())
    (root / "bounds.done.json").write_text(json.dumps({k: v for k, v in done.items() if k != "seconds"}))
    res = pipeline.run(cfg, tmp_path, log=lambda m: None)  # a marker without its wall time: still valid, no crash
    assert called == [] and "bounds" not in res["stage_seconds"]
