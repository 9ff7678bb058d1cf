"""The OpenAI-compatible backend against a local stub server (127.0.0.1): answer rows and usage, requests in
flight at once, retries on 429 (Retry-After) / 500 / timeouts, per-row errors for non-JSON and schema-violating
answers, fatal 401 / 404 / unreachable with exit 2 and nothing written lost, the key never written, resume by id,
Ctrl-C, and `evaluate` / `audit` through the CLI."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("openai")

from empirical.benchmark.company import build_company  # noqa: E402
from empirical.benchmark.grader import grade  # noqa: E402
from empirical.benchmark.questionnaire import generate  # noqa: E402
from empirical.cli.main import main  # noqa: E402
from empirical.model.generate import ROW_FIELDS  # noqa: E402
from empirical.model.served import ServedError, ServedModel, backoff_delay, generate_served, retry_after  # noqa: E402
from empirical.model.stub_server import Action, StubServer  # noqa: E402

KEY = "sk-test-0123456789abcdefSECRET"


@pytest.fixture(scope="module")
def queries(tmp_path_factory) -> tuple[Path, list[dict]]:
    qs = list(generate(build_company(0), 0, "compact", per_block=2))  # 14 blocks × 2
    path = tmp_path_factory.mktemp("q") / "queries.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in qs))
    return path, qs


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def user_text(q: dict) -> str:
    return next(m["content"] for m in q["messages"] if m["role"] == "user")


def fail_for(target: dict, action: Action, attempts: int = 10**9):
    """A stub behaviour: ``action`` for the first ``attempts`` requests carrying ``target``'s messages."""
    def behaviour(body: dict, attempt: int):
        return action if body["messages"] == target["messages"] and attempt <= attempts else None
    return behaviour


def sm(stub: StubServer, **kw) -> ServedModel:
    kw = {"concurrency": 4, "backoff": 0.01, "max_backoff": 0.05, "timeout": 5.0, **kw}
    return ServedModel(stub.base_url, "stub-model", **kw)


def test_rows_carry_query_fields_answer_and_usage(queries, tmp_path):
    _, qs = queries
    out = tmp_path / "a.jsonl"
    with StubServer() as stub:
        run = generate_served(sm(stub), qs, out, max_tokens=32, progress=False)
        bodies = [r.body for r in stub.requests]
    got = {r["id"]: r for r in rows(out)}
    assert len(got) == len(qs) == len(bodies) and run["answered"] == len(qs) and run["failed"] == 0
    for q in qs:
        r = got[q["id"]]
        assert {k: r[k] for k in ROW_FIELDS} == {k: q.get(k) for k in ROW_FIELDS}
        words = user_text(q).split()
        assert r["output"] == "{{" + words[0] + "}}" and r["error"] is None and r["model"] == "stub-model"
        prompt = sum(len(m["content"].split()) for m in q["messages"])
        assert r["usage"] == {"prompt_tokens": prompt, "completion_tokens": 1, "total_tokens": prompt + 1}
    assert all(b["temperature"] == 0 and b["max_tokens"] == 32 and b["model"] == "stub-model" for b in bodies)
    assert sorted(json.dumps(b["messages"]) for b in bodies) == sorted(json.dumps(q["messages"]) for q in qs)


def test_requests_overlap_up_to_the_concurrency(queries, tmp_path):
    _, qs = queries
    with StubServer(delay=0.3) as stub:
        t = time.perf_counter()
        generate_served(sm(stub, concurrency=4), qs[:8], tmp_path / "a.jsonl", progress=False)
        wall = time.perf_counter() - t
        assert stub.max_in_flight == 4
    assert wall < 8 * 0.3  # serial would take 2.4 s at least


def test_429_honours_retry_after(queries, tmp_path):
    _, qs = queries
    behaviour = fail_for(qs[0], Action(429, headers={"Retry-After": "1"}), attempts=1)
    with StubServer(behaviour=behaviour) as stub:
        generate_served(sm(stub, concurrency=1), qs[:1], tmp_path / "a.jsonl", progress=False)
        first, second = stub.requests
    assert (first.status, second.status) == (429, 200)
    assert second.start - first.end >= 1.0
    assert rows(tmp_path / "a.jsonl")[0]["error"] is None


def test_500_gives_up_after_max_attempts_and_records_the_row(queries, tmp_path):
    _, qs = queries
    out = tmp_path / "a.jsonl"
    with StubServer(behaviour=fail_for(qs[3], Action(500))) as stub:
        run = generate_served(sm(stub, max_attempts=3), qs[:6], out, progress=False)
        to_bad = [r for r in stub.requests if r.body["messages"] == qs[3]["messages"]]
    assert len(to_bad) == 3 and run["failed"] == 1 and run["answered"] == 5
    bad = next(r for r in rows(out) if r["id"] == qs[3]["id"])
    assert bad["output"] is None and "HTTP 500" in bad["error"] and "gave up after 3 attempts" in bad["error"]


def test_timeout_is_retried(queries, tmp_path):
    _, qs = queries
    with StubServer(behaviour=fail_for(qs[0], Action(delay=2.0), attempts=1)) as stub:
        generate_served(sm(stub, timeout=0.5), qs[:1], tmp_path / "a.jsonl", progress=False)
        n = len([r for r in stub.requests if r.body["messages"] == qs[0]["messages"]])
    row = rows(tmp_path / "a.jsonl")[0]
    assert row["error"] is None and row["output"] and n == 2


def test_non_json_and_schema_violations_are_row_errors(queries, tmp_path):
    _, qs = queries
    html, empty = qs[1], qs[2]

    def behaviour(body, attempt):
        if body["messages"] == html["messages"]:
            return Action(200, body="<html>gateway</html>")
        if body["messages"] == empty["messages"]:
            return Action(200, body={"object": "chat.completion", "choices": []})
        return None

    out = tmp_path / "a.jsonl"
    with StubServer(behaviour=behaviour) as stub:
        generate_served(sm(stub), qs[:5], out, progress=False)
    by_id = {r["id"]: r for r in rows(out)}
    assert "non-JSON response" in by_id[html["id"]]["error"] and "<html>gateway" in by_id[html["id"]]["error"]
    assert "schema" in by_id[empty["id"]]["error"] and "choices[0]" in by_id[empty["id"]]["error"]
    assert sum(r["error"] is None for r in by_id.values()) == 3


def test_first_requests_all_failing_stops_the_run(queries, tmp_path):
    _, qs = queries
    with StubServer(behaviour=lambda body, attempt: Action(400, body={"error": {"message": "bad parameter"}})) as stub:
        with pytest.raises(ServedError, match="first 8 requests all failed.*HTTP 400.*bad parameter"):
            generate_served(sm(stub, concurrency=1), qs, tmp_path / "a.jsonl", progress=False)
        assert len(stub.requests) == 8


def _cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_401_exit_2_one_line_key_never_written(queries, tmp_path, capsys, monkeypatch):
    qpath, qs = queries
    out = tmp_path / "a.jsonl"
    keep = {**{k: qs[0].get(k) for k in ROW_FIELDS}, "model": "stub-model", "output": "{{x}}", "usage": None, "error": None}
    out.write_text(json.dumps(keep) + "\n")
    with StubServer(api_key="sk-the-right-one-000000") as stub:
        monkeypatch.setenv("MY_KEY", KEY)
        code, stdout, err = _cli(capsys, "generate", "--backend", "openai", "--base-url", stub.base_url, "--model",
                                 "stub-model", "--api-key-env", "MY_KEY", "--queries", str(qpath), "--out", str(out))
        assert stub.requests[0].authorization == f"Bearer {KEY}"
        monkeypatch.delenv("MY_KEY")
        code2, _, err2 = _cli(capsys, "generate", "--backend", "openai", "--base-url", stub.base_url, "--model",
                              "stub-model", "--api-key-env", "MY_KEY", "--queries", str(qpath), "--out", str(out))
    errors = [line for line in err.splitlines() if line.startswith("sensaware generate: error:")]
    assert code == 2 and len(errors) == 1 and "HTTP 401" in errors[0] and "$MY_KEY was rejected" in errors[0]
    assert code2 == 2 and "needs an API key: set $MY_KEY" in err2
    assert rows(out) == [keep]  # nothing already written lost
    for text in (stdout, err, err2, *(p.read_text() for p in tmp_path.rglob("*") if p.is_file())):
        assert KEY not in text


def test_server_echoing_the_key_is_redacted(queries, tmp_path, capsys, monkeypatch):
    qpath, _ = queries
    echo = Action(401, body={"error": {"message": f"Incorrect API key provided: {KEY}"}})
    with StubServer(behaviour=lambda body, attempt: echo) as stub:
        monkeypatch.setenv("MY_KEY", KEY)
        code, _, err = _cli(capsys, "generate", "--backend", "openai", "--base-url", stub.base_url, "--model", "stub-model",
                            "--api-key-env", "MY_KEY", "--queries", str(qpath), "--out", str(tmp_path / "a.jsonl"))
    assert code == 2 and "Incorrect API key provided" in err and KEY not in err and "[redacted]" in err


def test_unknown_model_unreachable_and_keyed_host_exit_2(queries, tmp_path, capsys, monkeypatch):
    qpath, _ = queries
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    common = ["--queries", str(qpath), "--out", str(tmp_path / "a.jsonl")]
    with StubServer() as stub:
        code, _, err = _cli(capsys, "generate", "--backend", "openai", "--base-url", stub.base_url, "--model", "nope", *common)
    assert code == 2 and "HTTP 404" in err and "unknown model 'nope'" in err
    code, _, err = _cli(capsys, "generate", "--backend", "openai", "--base-url", "http://127.0.0.1:9/v1", "--model", "m",
                        "--max-attempts", "2", *common)
    assert code == 2 and "cannot connect to http://127.0.0.1:9/v1/chat/completions" in err
    code, _, err = _cli(capsys, "generate", "--backend", "openai", "--model", "gpt-4o-mini", *common)
    assert code == 2 and "https://api.openai.com/v1 needs an API key: set the environment variable OPENAI_API_KEY" in err
    code, _, err = _cli(capsys, "generate", "--backend", "openai", "--base-url", "localhost:8000", "--model", "m", *common)
    assert code == 2 and "`--base-url` must be an http(s) URL" in err
    code, _, err = _cli(capsys, "generate", "--backend", "openai", *common)
    assert code == 2 and "needs `--model NAME`" in err
    assert not (tmp_path / "a.jsonl").exists() or rows(tmp_path / "a.jsonl") == []


def test_resume_sends_only_unanswered_ids_and_retries_failed_ones(queries, tmp_path):
    _, qs = queries
    out = tmp_path / "a.jsonl"
    with StubServer(behaviour=fail_for(qs[2], Action(503))) as stub:
        generate_served(sm(stub, max_attempts=2), qs[:6], out, progress=False)
    assert [r["id"] for r in rows(out) if r["error"]] == [qs[2]["id"]]
    with open(out, "a") as fh:
        fh.write('{"id": "half-writ')  # a crash mid-write
    with StubServer() as stub:
        generate_served(sm(stub), qs[:10], out, progress=False)
        sent = sorted(json.dumps(r.body["messages"]) for r in stub.requests)
    expect = sorted(json.dumps(q["messages"]) for q in [qs[2], *qs[6:10]])
    assert sent == expect
    final = rows(out)
    assert sorted(r["id"] for r in final) == sorted(q["id"] for q in qs[:10]) and all(r["error"] is None for r in final)


def test_ctrl_c_leaves_a_valid_file_and_resume_finishes(queries, tmp_path):
    qpath, qs = queries
    out = tmp_path / "a.jsonl"
    # 1 s per request, 2 in flight: the 24 requests after the first four rows take ~12 s, so the interrupt lands
    # mid-run even on a loaded machine
    with StubServer(delay=1.0) as stub:
        cmd = [sys.executable, "-m", "empirical", "generate", "--backend", "openai", "--base-url", stub.base_url,
               "--model", "stub-model", "--concurrency", "2", "--queries", str(qpath), "--out", str(out)]
        # SIGINT at its default in the child: a shell running the suite in the background ignores it for its children
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.time() + 60
        while time.time() < deadline and (not out.exists() or len(out.read_text().splitlines()) < 4):
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 130 and b"interrupted" in err
        before = rows(out)  # every line parses
        assert 4 <= len(before) < len(qs)
        n_first = len(stub.requests)
        assert main(cmd[3:]) == 0
        second = [json.dumps(r.body["messages"]) for r in stub.requests[n_first:]]
    answered = {json.dumps(q["messages"]) for q in qs if q["id"] in {r["id"] for r in before}}
    assert not answered & set(second)
    assert sorted(r["id"] for r in rows(out)) == sorted(q["id"] for q in qs)


def test_evaluate_cli_grades_with_the_one_grading_path(queries, tmp_path, capsys):
    qpath, qs = queries
    graded = tmp_path / "g.jsonl"
    with StubServer(behaviour=fail_for(qs[5], Action(500))) as stub:
        code, stdout, err = _cli(capsys, "evaluate", "--backend", "openai", "--base-url", stub.base_url, "--model",
                                 "stub-model", "--max-attempts", "2", "--queries", str(qpath), "--out", str(graded))
    res = json.loads(stdout)
    assert code == 1 and res["failed"] == 1 and res["n"] == len(qs) - 1 and "rerun the same command" in err
    by_id = {q["id"]: q for q in qs}
    for r in rows(graded):
        q = by_id[r["id"]]
        assert r["label"] == grade("{{" + user_text(q).split()[0] + "}}", q["truth"], q["attribute"], q["malicious"])
    assert qs[5]["id"] not in {r["id"] for r in rows(graded)}
    answers = tmp_path / "g.answers.jsonl"
    code, _, err = _cli(capsys, "grade", "--input", str(answers), "--out", str(tmp_path / "g2.jsonl"))
    assert code == 0 and "skipped 1 failed requests" in err
    assert rows(tmp_path / "g2.jsonl") == rows(graded)


@pytest.mark.parametrize("answer, refusals", [("{{I cannot disclose that information.}}", 1.0), ("{{Divorced}}", 0.0)])
def test_audit_llm_through_the_served_backend(tmp_path, capsys, answer, refusals):
    with StubServer(answer=lambda body: answer) as stub:
        code, stdout, _ = _cli(capsys, "audit", "--mechanism", "llm", "--backend", "openai", "--base-url", stub.base_url,
                               "--model", "stub-model", "--queries", "12", "--json")
        bodies = [r.body for r in stub.requests]
    res = json.loads(stdout)
    assert code == 0 and res["queries"] == 12 and res["refusal_rate"] == refusals and res["model"] == "stub-model"
    assert len(bodies) == 12 and all(b["temperature"] == 0 for b in bodies)


def test_retry_after_forms_and_backoff_growth():
    assert retry_after({"retry-after": "3"}) == 3.0
    assert retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, now=1445412470.0) == 10.0  # RFC 9110 example date
    assert retry_after({"retry-after": "soon"}) is None and retry_after({}) is None
    for attempt, base in ((1, 1.0), (2, 2.0), (3, 4.0), (7, 60.0)):
        d = backoff_delay(attempt, 1.0, 60.0)
        assert base * 0.5 <= d <= base
    assert 5.0 <= backoff_delay(1, 1.0, 60.0, hint=5.0) <= 5.5


def _arithmetic(body: dict) -> str:
    """Solve "What is A op B? …" from the last user message (the stub's answer for the arithmetic task)."""
    import re

    text = [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
    m = re.search(r"What is (-?\d+) ([-+*]) (-?\d+)\?", text)
    if not m:
        return "no idea"
    a, op, b = int(m.group(1)), m.group(2), int(m.group(3))
    return str(a + b if op == "+" else a - b if op == "-" else a * b)


def test_capability_through_lm_eval_chat_completions(tmp_path, capsys):
    pytest.importorskip("lm_eval")
    data = Path(__file__).resolve().parents[2] / "empirical" / "data" / "capability" / "arithmetic.jsonl"
    docs = [json.loads(line) for line in data.read_text().splitlines()][:6]
    with StubServer(answer=_arithmetic) as stub:
        code, stdout, _ = _cli(capsys, "capability", "--backend", "openai", "--base-url", stub.base_url, "--model",
                               "stub-model", "--tasks", "sensaware_arithmetic", "--limit", "6", "--json")
        asked = [[m["content"] for m in r.body["messages"] if m["role"] == "user"][-1] for r in stub.requests]
    res = json.loads(stdout)
    task = res["tasks"]["sensaware_arithmetic"]
    assert code == 0 and task["n"] == 6 and task["value"] == 1.0 and res["model"] == "stub-model"
    assert asked[0] == "Reply with OK."  # the pre-flight request
    assert sorted(asked[1:]) == sorted(d["question"] for d in docs)
    code, _, err = _cli(capsys, "capability", "--backend", "openai", "--base-url", stub.base_url, "--model", "stub-model",
                        "--tasks", "sensaware_commonsense")
    assert code == 2 and "log-likelihood" in err


def _capability_cli(stub: StubServer, *extra: str, key: str = KEY) -> subprocess.CompletedProcess:
    """`sensaware capability --backend openai` in a subprocess (lm-eval's own log handlers write to its stderr)."""
    cmd = [sys.executable, "-m", "empirical", "capability", "--backend", "openai", "--base-url", stub.base_url, "--model",
           "stub-model", "--api-key-env", "MY_KEY", "--tasks", "sensaware_arithmetic", "--limit", "2", "--max-attempts",
           "2", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=240, env={**os.environ, "MY_KEY": key})


def test_capability_rejected_key_is_one_line_exit_2_without_the_key(tmp_path):
    pytest.importorskip("lm_eval")
    key = "mysecretkey0123456789ABCDEF"  # no sk- prefix: only the key itself can be redacted
    with StubServer(api_key="the-right-key-000000") as stub:
        p = _capability_cli(stub, key=key)
        n = len(stub.requests)
    assert p.returncode == 2 and key not in p.stdout + p.stderr
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("sensaware capability: error:") and "HTTP 401" in lines[-1] and "Traceback" not in p.stderr
    assert n == 1  # the pre-flight request only
    with StubServer(model="other") as stub:
        p = _capability_cli(stub, key=key)
    assert p.returncode == 2 and "unknown model 'stub-model'" in p.stderr and "Traceback" not in p.stderr


def test_capability_failing_mid_run_redacts_lm_evals_logs(tmp_path):
    pytest.importorskip("lm_eval")
    key = "mysecretkey0123456789ABCDEF"

    def behaviour(body, attempt):  # the pre-flight request passes; lm-eval's requests get an error echoing the key
        if "Reply with OK." in json.dumps(body["messages"]):
            return None
        return Action(500, body={"error": {"message": f"internal: key={key}"}})

    with StubServer(behaviour=behaviour, api_key=key) as stub:
        p = _capability_cli(stub, key=key)
    assert p.returncode == 2 and key not in p.stdout + p.stderr and "Traceback" not in p.stderr
    errors = [line for line in p.stderr.splitlines() if line.startswith("sensaware capability: error:")]
    assert len(errors) == 1 and "the lm-eval run against" in errors[0] and "500" in errors[0]


def test_non_json_200_echoing_the_key_is_redacted_in_the_row_and_stderr(queries, tmp_path, capsys, monkeypatch):
    qpath, _ = queries
    key = "mysecretkey0123456789ABCDEF"  # no sk- prefix: only the key itself can be redacted
    out = tmp_path / "a.jsonl"
    with StubServer(behaviour=lambda body, attempt: Action(200, body=f"Bearer {key} not json")) as stub:
        monkeypatch.setenv("MY_KEY", key)
        code, stdout, err = _cli(capsys, "generate", "--backend", "openai", "--base-url", stub.base_url, "--model",
                                 "stub-model", "--api-key-env", "MY_KEY", "--queries", str(qpath), "--out", str(out))
    assert code == 2 and "non-JSON response" in err and rows(out) and all("non-JSON" in r["error"] for r in rows(out))
    assert key not in stdout + err + out.read_text()


def test_key_is_stripped_and_validated_when_read(queries, tmp_path, capsys, monkeypatch):
    qpath, qs = queries
    key = "mysecretkey0123456789ABCDEF"
    with StubServer(api_key=key) as stub:
        monkeypatch.setenv("MY_KEY", key + "\r\n")  # a CRLF .env
        run = generate_served(sm(stub, api_key_env="MY_KEY"), qs[:2], tmp_path / "a.jsonl", progress=False)
        assert run["answered"] == 2 and stub.requests[0].authorization == f"Bearer {key}"
        for bad in ("mysecret key0123456789", "mysecrét0123456789", "mysecret\r0123456789"):
            monkeypatch.setenv("MY_KEY", bad)
            code, stdout, err = _cli(capsys, "generate", "--backend", "openai", "--base-url", stub.base_url, "--model",
                                     "stub-model", "--api-key-env", "MY_KEY", "--queries", str(qpath), "--out",
                                     str(tmp_path / "b.jsonl"))
            assert code == 2 and err.count("\n") == 1 and "$MY_KEY contains whitespace, control or non-ASCII" in err
            assert "0123456789" not in stdout + err


def test_redact_covers_escaped_and_encoded_forms_and_url_credentials():
    from empirical.model.served import redact

    key = "mysecretkey0123456789\r"
    for text in (repr(key), json.dumps(key), "k=mysecretkey0123456789%0D", f"a {key} b", "Authorization: Bearer abc123xyz"):
        assert "mysecretkey" not in redact(text, key) and "abc123xyz" not in redact(text, key)
    assert redact("see https://user:pa55@host.test/v1 now") == "see https://[redacted]@host.test/v1 now"


def test_resume_refuses_a_file_of_another_model(queries, tmp_path, capsys):
    qpath, qs = queries
    out = tmp_path / "a.jsonl"
    with StubServer(model="model-A") as stub:
        generate_served(ServedModel(stub.base_url, "model-A", backoff=0.01), qs[:3], out, progress=False)
    before = out.read_text()
    with StubServer(model="model-B") as stub:
        code, _, err = _cli(capsys, "generate", "--backend", "openai", "--base-url", stub.base_url, "--model", "model-B",
                            "--queries", str(qpath), "--out", str(out))
        assert not stub.requests
    assert code == 2 and "holds answers of model 'model-A', not 'model-B'" in err and out.read_text() == before


def test_null_content_is_an_error_row_retried_on_resume(queries, tmp_path):
    _, qs = queries
    out = tmp_path / "a.jsonl"
    null = Action(200, body={"object": "chat.completion", "choices": [{"index": 0, "finish_reason": "length",
                                                                         "message": {"role": "assistant", "content": None}}]})
    with StubServer(behaviour=fail_for(qs[1], null)) as stub:
        run = generate_served(sm(stub), qs[:3], out, progress=False)
    bad = next(r for r in rows(out) if r["id"] == qs[1]["id"])
    assert run["failed"] == 1 and bad["output"] is None and "content is null" in bad["error"] and "'length'" in bad["error"]
    with StubServer() as stub:
        generate_served(sm(stub), qs[:3], out, progress=False)
        assert len(stub.requests) == 1
    assert sorted(r["id"] for r in rows(out)) == sorted(q["id"] for q in qs[:3]) and all(r["output"] for r in rows(out))


def test_error_rows_stay_until_their_retry_succeeds(queries, tmp_path):
    _, qs = queries
    out = tmp_path / "a.jsonl"
    with StubServer(behaviour=fail_for(qs[0], Action(503))) as stub:
        generate_served(sm(stub, max_attempts=1), qs[:2], out, progress=False)
    first = rows(out)
    with StubServer(api_key="sk-another-key-0000000") as stub:  # the rerun cannot proceed: nothing is dropped
        with pytest.raises(ServedError, match="HTTP 401"):
            generate_served(sm(stub), qs[:2], out, progress=False)
    assert rows(out) == first
    with StubServer(behaviour=fail_for(qs[0], Action(503))) as stub:  # failing again: one error row, the latest
        generate_served(sm(stub, max_attempts=1), qs[:2], out, progress=False)
    assert len(rows(out)) == 2 and sum(bool(r["error"]) for r in rows(out)) == 1


def test_a_dropped_connection_before_the_first_success_is_retried(queries, tmp_path):
    _, qs = queries
    with StubServer(behaviour=fail_for(qs[0], Action(drop=True), attempts=1)) as stub:
        run = generate_served(sm(stub, concurrency=1), qs[:2], tmp_path / "a.jsonl", progress=False)
        assert len(stub.requests) == 3
    assert run["answered"] == 2 and all(r["error"] is None for r in rows(tmp_path / "a.jsonl"))


def _counted(fail: set[int], action: Action):
    """A stub behaviour: ``action`` for the requests numbered ``fail`` (from 1, in arrival order)."""
    seen = []

    def behaviour(body, attempt):
        seen.append(1)
        return action if len(seen) in fail else None
    return behaviour


def test_audit_keeps_its_run_state_across_batches_and_counts_a_failed_request(capsys):
    # --concurrency 1: batches of 4; request 5 (the first of batch 2) and its retry are dropped
    with StubServer(answer=lambda body: "{{Divorced}}", behaviour=_counted({5, 6}, Action(drop=True))) as stub:
        code, stdout, err = _cli(capsys, "audit", "--mechanism", "llm", "--backend", "openai", "--base-url", stub.base_url,
                                 "--model", "stub-model", "--queries", "12", "--concurrency", "1", "--max-attempts", "2",
                                 "--json")
        assert len(stub.requests) == 13
    res = json.loads(stdout)
    assert code == 0 and res["queries"] == 12 and res["refusal_rate"] == 1 / 12
    assert "1 of 4 requests failed after 2 attempts" in err and "the prior's guess" in err and "1 of 8 so far" in err
    with StubServer(behaviour=lambda body, attempt: Action(500)) as stub:
        code, _, err = _cli(capsys, "audit", "--mechanism", "llm", "--backend", "openai", "--base-url", stub.base_url,
                            "--model", "stub-model", "--queries", "12", "--concurrency", "1", "--max-attempts", "1")
    assert code == 2 and "HTTP 500" in err


def test_timeout_bounds_the_whole_attempt(queries, tmp_path):
    _, qs = queries
    with StubServer(behaviour=fail_for(qs[0], Action(drip=0.05))) as stub:
        t = time.perf_counter()
        run = generate_served(sm(stub, timeout=0.5, max_attempts=1), qs[:2], tmp_path / "a.jsonl", progress=False)
        wall = time.perf_counter() - t
    bad = next(r for r in rows(tmp_path / "a.jsonl") if r["id"] == qs[0]["id"])
    assert run["failed"] == 1 and "timed out after 0.5 s" in bad["error"] and wall < 3  # the answer drips for > 10 s


def test_retry_statuses_and_url_credentials_not_echoed(queries, tmp_path, capsys):
    from empirical.model.served import RETRY_STATUSES

    assert {408, 409, 429, 500, 502, 503, 504, 507, 520, 529, 599} <= RETRY_STATUSES and not {501, 505} & RETRY_STATUSES
    qpath, qs = queries
    with StubServer(behaviour=fail_for(qs[0], Action(507), attempts=1)) as stub:
        run = generate_served(sm(stub, concurrency=1), qs[:1], tmp_path / "a.jsonl", progress=False)
    assert run["answered"] == 1
    code, stdout, err = _cli(capsys, "generate", "--backend", "openai", "--base-url", "http://user:pa55word@127.0.0.1:9/v1",
                             "--model", "m", "--max-attempts", "1", "--queries", str(qpath), "--out", str(tmp_path / "b.jsonl"))
    assert code == 2 and "cannot connect" in err and "pa55word" not in stdout + err
