"""`sensaware run` stages: outputs, resumption, and a report whose numbers come from results.json."""

import json
from dataclasses import replace

from empirical.pipeline import stages as pipeline


def test_run_resumes_and_report_matches_results(tmp_path, monkeypatch):
    # the model stages are covered on the tiny model in test_training.py; here: the torch-free path
    monkeypatch.setattr(pipeline, "_has_torch", lambda: False)
    cfg = replace(pipeline.PRESETS["cpu-demo"], name="t", questionnaire_seeds=(0,), epsilons=(1.0,), deltas=(0.0,),
                  groups=(10,))
    logs: list[str] = []
    res = pipeline.run(cfg, tmp_path, log=logs.append)
    root = tmp_path / "t"
    assert (root / "results.json").is_file() and (root / "report.md").is_file()
    assert json.loads((root / "results.json").read_text())["bounds"][0]["advantage_bound"] == res["bounds"][0][
        "advantage_bound"]
    report = (root / "report.md").read_text()
    assert f"{res['bounds'][0]['advantage_bound']:.6f}" in report
    gpt = res["reference_models"]["GPT-4o"]["correct"]
    assert f"| GPT-4o | {100 * gpt['rate']:.2f} |" in report and "70.11" in report
    html = (root / "report.html").read_text()
    assert "<td>GPT-4o</td><td>70.11</td>" in html and html.count("data:image/png;base64,") == 5
    assert "Headline" not in report  # no model stages, no headline table

    called = []
    monkeypatch.setattr(pipeline, "STAGES", tuple(pipeline.Stage(s.name, lambda ctx, s=s: called.append(s.name) or {})
                                                  for s in pipeline.STAGES))
    logs.clear()
    pipeline.run(cfg, tmp_path, log=logs.append)
    assert called == [] and all("skipped" in m for m in logs)
    pipeline.run(replace(cfg, epsilons=(2.0,)), tmp_path, log=logs.append)
    assert called == [s.name for s in pipeline.STAGES]  # a changed config reruns


def test_several_held_out_questionnaires(tmp_path):
    # the paper evaluates 3 held-out questionnaires x 3,500 = 10,500 queries; here 2: one file, all rows, in order
    from empirical.benchmark.files import read_jsonl

    assert pipeline.PRESETS["paper"].test_questionnaire_seeds == (0, 1, 2) and pipeline.PRESETS["paper"].eval_per_block == 0
    cfg = replace(pipeline.PRESETS["cpu-demo"], questionnaire_seeds=(0,), test_questionnaire_seeds=(0, 1))
    ctx = pipeline.Context(cfg, tmp_path)
    pipeline._stage_companies(ctx)
    files = pipeline._stage_questionnaires(ctx)["questionnaires"]
    both = list(read_jsonl(pipeline._test_queries(ctx)))
    parts = [list(read_jsonl(tmp_path / f"test_queries_c3_q{s}.jsonl.gz")) for s in (0, 1)]
    assert files["test_queries_c3_q0-1.jsonl.gz"] == 7000 and both == parts[0] + parts[1]
    assert len({r["id"] for r in both}) == 7000 and {r["questionnaire_seed"] for r in both} == {0, 1}
