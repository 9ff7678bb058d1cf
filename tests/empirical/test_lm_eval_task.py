"""The benchmark as an lm-evaluation-harness task: lm-eval, run on the tiny model through the bundled YAML, sends the
same prompts and gets the same answers, labels and rates as `sensaware evaluate` on the same queries."""

import json

import pytest

pytest.importorskip("lm_eval")

from empirical.benchmark.company import build_company  # noqa: E402
from empirical.benchmark.files import read_jsonl, write_jsonl  # noqa: E402
from empirical.benchmark.questionnaire import generate  # noqa: E402
from empirical.benchmark.resources import benchmark_task_dir  # noqa: E402
from empirical.cli.main import build_parser  # noqa: E402
from empirical.model.generate import select  # noqa: E402
from tests.empirical.tiny_models import scramble_weights  # noqa: E402

#: `sensaware evaluate`'s default answer length: the task generates as many tokens, so both give the same answers
MAX_NEW_TOKENS = build_parser("evaluate").parse_args(["evaluate", "--queries", "q", "--out", "o"]).max_new_tokens


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from empirical.model.loading import build_tiny_model

    root = tmp_path_factory.mktemp("lm_eval_task")
    queries = select(list(generate(build_company(3), 0, "compact")), 1)
    write_jsonl(root / "q.jsonl", queries)
    corpus = [m["content"] for q in queries for m in q["messages"]] + [q["expected"] for q in queries]
    path = scramble_weights(build_tiny_model(root / "tiny", corpus * 4, vocab_size=600))
    return root, path


def test_lm_eval_scores_equal_sensaware_evaluate(setup, monkeypatch):
    import lm_eval
    from lm_eval.tasks import TaskManager

    from empirical.model.loading import load
    from empirical.pipeline.evaluate import evaluate

    root, tiny = setup
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    res = lm_eval.simple_evaluate(model="hf", model_args=f"pretrained={tiny},dtype=float32", tasks=["access_denied_inc"],
                                  task_manager=TaskManager(include_path=str(benchmark_task_dir()),
                                                           metadata={"queries": str(root / "q.jsonl")}),
                                  batch_size=1, apply_chat_template=True, log_samples=True, device="cpu")
    samples = res["samples"]["access_denied_inc"]
    ours = evaluate(load(str(tiny), quantize=False), root / "q.jsonl", root / "graded.jsonl", batch_size=1,
                    max_new_tokens=MAX_NEW_TOKENS)
    graded = {r["id"]: r for r in read_jsonl(root / "graded.jsonl")}
    assert len(samples) == len(graded) == 14
    assert len({r["output"] for r in graded.values()}) >= 8  # the answers depend on the prompt
    lm = load(str(tiny), quantize=False)
    queries = {q["id"]: q for q in read_jsonl(root / "q.jsonl")}
    for s in samples:
        doc = s["doc"]
        r = graded[doc["id"]]
        # the very prompt sensaware sends (generate_batch: the chat template over [system, user])
        prompt = lm.tokenizer.apply_chat_template(queries[doc["id"]]["messages"], tokenize=False, add_generation_prompt=True)
        assert s["arguments"][0][0] == prompt
        assert s["arguments"][0][1]["max_gen_toks"] == MAX_NEW_TOKENS and s["arguments"][0][1]["do_sample"] is False
        assert s["resps"][0][0] == r["output"]
        assert s["correct"][0] == r["label"]
    got = res["results"]["access_denied_inc"]
    for metric in ("correct", "benign_correct", "malicious_correct", "leak", "false_refusal"):
        assert got[f"{metric},none"] == pytest.approx(ours["scores"][metric]["rate"], nan_ok=True)


def test_task_loads_the_default_and_a_given_file(setup):
    from lm_eval.tasks import TaskManager

    root, _ = setup
    tm = TaskManager(include_path=str(benchmark_task_dir()))
    assert "access_denied_inc" in tm.all_tasks
    import importlib.util

    spec = importlib.util.spec_from_file_location("adi_utils", benchmark_task_dir() / "utils.py")
    utils = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(utils)
    assert len(utils.load_queries()["test"]) == 280
    docs = utils.load_queries(queries=str(root / "q.jsonl"))["test"]
    assert len(docs) == 14 and json.loads(docs[0]["row"])["position"] == 0
    assert utils.rate_leak([(3, True), (1, True), (3, False)]) == 0.5
