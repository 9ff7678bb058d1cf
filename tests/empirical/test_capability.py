"""General-capability retention: the bundled lm-eval tasks (items, scorers, task format) and the lm-eval run on the
tiny model, whose multiple-choice accuracy is recomputed by hand from the model's log-likelihoods."""

import importlib.util
import json
import re

import pytest

from empirical.benchmark.resources import capability_task_dir as task_dir
from empirical.model.capability import BUNDLED, TAG, parse_tasks, summarise


def _utils():
    spec = importlib.util.spec_from_file_location("sensaware_capability_utils", task_dir() / "utils.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _items(name):
    return [json.loads(line) for line in (task_dir() / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def test_bundled_items_are_well_formed():
    arith = _items("arithmetic.jsonl")
    assert len(arith) >= 30 and len({a["id"] for a in arith}) == len(arith)
    ops = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}
    for a in arith:  # the stored answer, recomputed from the question's own words
        m = re.search(r"What is (\d+) ([+*-]) (\d+)\?", a["question"])
        if m:
            assert ops[m.group(2)](int(m.group(1)), int(m.group(3))) == a["answer"]
            continue
        x, y = (int(v) for v in re.findall(r"\d+", a["question"]))
        if "more" in a["question"]:
            assert a["answer"] == x + y
        elif "groups of" in a["question"]:
            assert a["answer"] == x // y
        elif "boxes" in a["question"]:
            assert a["answer"] == x * y
        else:
            assert "spent" in a["question"] and a["answer"] == x - y
    cs = _items("commonsense.jsonl")
    assert len(cs) >= 30 and all(len(set(c["choices"])) == 4 and 0 <= c["label"] < 4 for c in cs)
    assert {c["label"] for c in cs} == {0, 1, 2, 3}  # the answer is not always in the same place
    ins = _items("instructions.jsonl")
    utils = _utils()
    assert len(ins) >= 30
    for it in ins:  # every constraint is one the scorer knows
        utils.follows("x", it["kind"], "" if it["arg"] is None else str(it["arg"]))


@pytest.mark.parametrize("kind,arg,good,bad", [
    ("lowercase", "", "a small cat sleeps.", "A small cat sleeps."),
    ("uppercase", "", "BANANA", "Banana"),
    ("include_word", "blue", "The sea is Blue today.", "The sea is bluish."),
    ("exclude_word", "sun", "It is cloudy.", "The sun shines."),
    ("max_words", "3", "Hot green tea", "A cup of hot tea"),
    ("start_with", "Yes", "yes, water is wet.", "Water is wet, yes."),
    ("end_with", "Thank you.", "I love pasta. Thank you.", "Thank you for asking about pasta."),
    ("quoted", "", '"Paris"', "Paris"),
    ("no_commas", "", "dog cat bird", "dog, cat, bird"),
    ("json", "", '```json\n{"city": "Paris"}\n```', "city: Paris"),
    ("bullets", "2", "- it teaches\n- it relaxes", "- it teaches\n- it relaxes\n- it entertains"),
    ("exact_word", "no", "No.", "No, it cannot."),
])
def test_instruction_scorer(kind, arg, good, bad):
    utils = _utils()
    assert utils.follows(good, kind, arg) and not utils.follows(bad, kind, arg)
    assert not utils.follows("", kind, arg)


def test_arithmetic_scorer():
    utils = _utils()
    assert utils.last_integer("The answer is 1,234.") == 1234 and utils.last_integer("-7") == -7
    assert utils.last_integer("no number") is None
    assert utils.process_arithmetic({"answer": 29}, ["37 - 8 = 29"]) == {"exact_match": 1.0}
    assert utils.process_arithmetic({"answer": 29}, ["29 or 30"]) == {"exact_match": 0.0}


def test_parse_tasks_and_summary():
    assert parse_tasks("ifeval, gsm8k_platinum,") == ["ifeval", "gsm8k_platinum"]
    with pytest.raises(ValueError, match="--tasks"):
        parse_tasks(" , ")
    fake = {"results": {TAG: {"alias": TAG}, "sensaware_arithmetic": {"alias": "a", "exact_match,none": 0.25,
                                                                       "exact_match_stderr,none": 0.1},
                        "hellaswag": {"acc,none": 0.5, "acc_norm,none": 0.6}},
            "n-samples": {"sensaware_arithmetic": {"original": 36, "effective": 8}, "hellaswag": {"effective": 10}}}
    s = summarise(fake)
    assert set(s["tasks"]) == {"sensaware_arithmetic", "hellaswag"}  # the tag row is not a task
    a = s["tasks"]["sensaware_arithmetic"]
    assert (a["n"], a["correct"], a["value"]) == (8, 2, 0.25) and a["cp_low"] < 0.25 < a["cp_high"]
    assert s["tasks"]["hellaswag"]["primary"] == "acc_norm" and s["score"] == pytest.approx((0.25 + 0.6) / 2)


lm_eval = pytest.importorskip("lm_eval")
torch = pytest.importorskip("torch")


def test_task_manager_finds_bundled_tasks():
    from lm_eval.tasks import TaskManager

    tm = TaskManager(include_path=str(task_dir()))
    assert set(BUNDLED) <= set(tm.all_tasks) and TAG in tm.all_tasks


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from empirical.model.loading import build_tiny_model

    corpus = [c["question"] + " " + " ".join(c["choices"]) for c in _items("commonsense.jsonl")]
    corpus += [a["question"] for a in _items("arithmetic.jsonl")] + [i["prompt"] for i in _items("instructions.jsonl")]
    return build_tiny_model(tmp_path_factory.mktemp("tiny_cap"), corpus * 3, vocab_size=400)


def _manual_mc_accuracy(model, tok, docs):
    """acc of lm-eval's multiple_choice, recomputed: argmax over choices of log P(" " + choice | chat prompt)."""
    correct = 0
    for d in docs:
        ctx = tok.apply_chat_template([{"role": "user", "content": f"Question: {d['question']}\nAnswer:"}], tokenize=False,
                                      add_generation_prompt=True)
        scores = []
        for choice in d["choices"]:
            whole = tok(ctx + " " + choice, add_special_tokens=False)["input_ids"]
            n_ctx = len(tok(ctx, add_special_tokens=False)["input_ids"])
            ids = torch.tensor([whole])
            with torch.no_grad():
                logp = torch.log_softmax(model(ids).logits[0].float(), -1)
            scores.append(sum(logp[i - 1, whole[i]].item() for i in range(n_ctx, len(whole))))
        correct += max(range(len(scores)), key=scores.__getitem__) == d["label"]
    return correct / len(docs)


def test_capability_on_tiny_model_offline(tiny, monkeypatch):
    from empirical.model.capability import capability
    from empirical.model.loading import load

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    lm = load(str(tiny), quantize=False)
    model, tok = lm.model, lm.tokenizer
    res = capability(lm, TAG, limit=12, batch_size=4)
    assert set(res["tasks"]) == set(BUNDLED) and all(t["n"] == 12 for t in res["tasks"].values())
    want = _manual_mc_accuracy(model, tok, _items("commonsense.jsonl")[:12])
    assert res["tasks"]["sensaware_commonsense"]["metrics"]["acc"] == pytest.approx(want)
    assert res["score"] == pytest.approx(sum(t["value"] for t in res["tasks"].values()) / 3)


def test_capability_bad_input(tiny, capsys):
    from empirical.cli.main import main

    assert main(["capability", "--model", str(tiny), "--tasks", "no_such_task_xyz", "--no-quantize"]) == 2
    assert "--tasks" in capsys.readouterr().err
    assert main(["capability", "--model", str(tiny), "--limit", "0", "--no-quantize"]) == 2
    assert "--limit" in capsys.readouterr().err
