"""`sensaware batch export | import`: the Batch API input format, matching the provider's output by custom_id
(shuffled, failed, missing, unknown and duplicate lines), grading the imported answers, and filling the gaps
with the served backend."""

import json
import random

import pytest

from empirical.benchmark.company import build_company
from empirical.benchmark.grader import grade
from empirical.benchmark.questionnaire import generate
from empirical.cli.main import main
from empirical.model.generate import ROW_FIELDS


@pytest.fixture(scope="module")
def queries(tmp_path_factory):
    qs = list(generate(build_company(0), 1, "compact", per_block=1))  # 14 queries
    path = tmp_path_factory.mktemp("q") / "queries.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in qs))
    return path, qs


def rows(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def completion(content: str, model: str = "gpt-4o-mini-2024-07-18") -> dict:
    """A chat completion as the OpenAI Batch API documents its output body."""
    return {"id": "chatcmpl-x", "object": "chat.completion", "created": 1, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14}}


def test_export_writes_one_request_per_query(queries, tmp_path, capsys):
    qpath, qs = queries
    out = tmp_path / "batch_input.jsonl"
    assert main(["batch", "export", "--queries", str(qpath), "--model", "gpt-4o-mini", "--out", str(out),
                 "--max-tokens", "40"]) == 0
    lines = rows(out)
    assert [line["custom_id"] for line in lines] == [q["id"] for q in qs]
    for line, q in zip(lines, qs):
        assert line["method"] == "POST" and line["url"] == "/v1/chat/completions"
        assert line["body"] == {"model": "gpt-4o-mini", "messages": q["messages"], "temperature": 0, "max_tokens": 40}


def test_import_matches_by_custom_id_and_reports_gaps(queries, tmp_path, capsys):
    qpath, qs = queries
    answers = {q["id"]: "{{" + str(q["truth"]) + "}}" for q in qs}
    failed, errored, missing = qs[1]["id"], qs[2]["id"], qs[3]["id"]
    lines = []
    for q in qs:
        if q["id"] == missing:
            continue
        if q["id"] == failed:
            lines.append({"id": "batch_req_1", "custom_id": q["id"], "response": {"status_code": 500, "request_id": "r",
                          "body": {"error": {"message": "The server had an error", "type": "server_error"}}}, "error": None})
        elif q["id"] == errored:
            lines.append({"id": "batch_req_2", "custom_id": q["id"], "response": None,
                          "error": {"code": "batch_expired", "message": "This request could not be executed before the "
                                    "completion window expired."}})
        else:
            lines.append({"id": "batch_req", "custom_id": q["id"], "error": None,
                          "response": {"status_code": 200, "request_id": "r", "body": completion(answers[q["id"]])}})
    lines.append({"id": "x", "custom_id": "not-a-query", "error": None,
                  "response": {"status_code": 200, "body": completion("{{x}}")}})
    lines.append(dict(lines[0]))  # a duplicate
    random.Random(0).shuffle(lines)
    output = tmp_path / "batch_output.jsonl"
    output.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = tmp_path / "answers.jsonl"
    code = main(["batch", "import", str(output), "--queries", str(qpath), "--out", str(out), "--model", "stub-model"])
    cap = capsys.readouterr()
    report = json.loads(cap.out)
    assert code == 1 and "2 failed and 1 missing" in cap.err
    assert f"sensaware generate --backend openai --model stub-model --queries {qpath} --out {out}" in cap.err
    assert (report["answered"], report["failed"], report["missing"]) == (len(qs) - 3, 2, 1)
    assert (report["unknown_custom_ids"], report["duplicate_custom_ids"], report["first_missing"]) == (1, 1, [missing])
    got = rows(out)
    assert [r["id"] for r in got] == [q["id"] for q in qs]
    for r, q in zip(got, qs):
        assert {k: r[k] for k in ROW_FIELDS} == {k: q.get(k) for k in ROW_FIELDS}
        if q["id"] in (failed, errored, missing):
            assert r["output"] is None and r["error"]
        else:
            assert r["output"] == answers[q["id"]] and r["error"] is None
            assert r["usage"] == {"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14}
    assert {r["model"] for r in got} == {"stub-model"}  # one name for the whole import, failed rows included
    by_id = {r["id"]: r for r in got}
    assert "HTTP 500" in by_id[failed]["error"] and "The server had an error" in by_id[failed]["error"]
    assert "batch_expired" in by_id[errored]["error"] and "no result" in by_id[missing]["error"]

    graded = tmp_path / "graded.jsonl"
    assert main(["grade", "--input", str(out), "--out", str(graded)]) == 0
    g = rows(graded)
    assert len(g) == len(qs) - 3
    for r in g:
        q = next(x for x in qs if x["id"] == r["id"])
        assert r["label"] == grade(answers[q["id"]], q["truth"], q["attribute"], q["malicious"])

    pytest.importorskip("openai")
    from empirical.model.stub_server import StubServer

    with StubServer() as stub:  # fill the gaps live: only the failed and missing queries are asked
        assert main(["generate", "--backend", "openai", "--base-url", stub.base_url, "--model", "stub-model",
                     "--queries", str(qpath), "--out", str(out)]) == 0
        sent = sorted(json.dumps(r.body["messages"]) for r in stub.requests)
    assert sent == sorted(json.dumps(q["messages"]) for q in qs if q["id"] in (failed, errored, missing))
    assert sorted(r["id"] for r in rows(out)) == sorted(q["id"] for q in qs) and all(not r["error"] for r in rows(out))


def test_import_bad_input_is_one_line(queries, tmp_path, capsys):
    qpath, _ = queries
    wrong = tmp_path / "o.jsonl"
    wrong.write_text(json.dumps({"custom_id": "zzz", "response": {"status_code": 200, "body": completion("a")}}) + "\n")
    assert main(["batch", "import", str(wrong), "--queries", str(qpath), "--out", str(tmp_path / "a.jsonl"),
                 "--model", "m"]) == 2
    assert "none of the 1 custom_ids" in capsys.readouterr().err and not (tmp_path / "a.jsonl").exists()
    bad = tmp_path / "b.jsonl"
    bad.write_text('{"custom_id": "x"}\nnot json\n')
    assert main(["batch", "import", str(bad), "--queries", str(qpath), "--out", str(tmp_path / "a.jsonl"),
                 "--model", "m"]) == 2
    assert f"{bad}:2: malformed JSON" in capsys.readouterr().err
