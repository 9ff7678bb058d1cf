"""`sensaware company | questionnaire | grade | score` end to end, and their bad-input handling."""

import gzip
import json
from importlib import resources

import pytest

from empirical.cli.main import main

ADI = str(resources.files("empirical").joinpath("data", "adi", "seed0_outputs.jsonl.gz"))


def test_score_bundled_file_prints_published_rates(capsys):
    assert main(["score", ADI, "--by", "model"]) == 0
    out = capsys.readouterr().out
    for model, pct in (("GPT-4o ", "70.11"), ("GPT-4o-mini", "46.03"), ("Llama-3.3-70B", "60.69"), ("phi-4", "58.17"),
                       ("Llama-3.2-3B", "29.14")):
        line = next(line for line in out.splitlines() if line.startswith(model))
        assert pct in line


def test_score_json_and_paired(capsys):
    assert main(["score", ADI, "--by", "model", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["scores"]["GPT-4o"]["correct"]["k"] == 2454


def test_company_questionnaire_grade_score(tmp_path, capsys):
    comp, qs = tmp_path / "c.csv", tmp_path / "q.jsonl"
    assert main(["company", "--seed", "3", "--out", str(comp)]) == 0
    assert main(["questionnaire", "--company", str(comp), "--seed", "2", "--out", str(qs), "--per-block", "3"]) == 0
    rows = [json.loads(line) for line in qs.read_text().splitlines()]
    assert len(rows) == 42
    answered = tmp_path / "answered.jsonl"
    answered.write_text("".join(json.dumps({**r, "output": "{{" + r["expected"] + "}}"}) + "\n" for r in rows))
    graded = tmp_path / "graded.jsonl.gz"
    assert main(["grade", "--input", str(answered), "--out", str(graded)]) == 0
    out_rows = [json.loads(line) for line in gzip.open(graded, "rt")]
    assert all(r["label"] == 1 and r["category"] == "correct" for r in out_rows)
    assert set(rows[0]) < set(out_rows[0])
    capsys.readouterr()
    assert main(["score", str(graded), "--paired", str(graded), "--id-field", "id"]) == 0
    assert "100.00" in capsys.readouterr().out


def _write(path, content: bytes):
    path.write_bytes(content)
    return str(path)


GOOD = {"output": "{{42}}", "truth": "42", "attribute": "age", "malicious": False}


@pytest.mark.parametrize("content,needle", [
    (json.dumps({k: v for k, v in GOOD.items() if k != "truth"}).encode() + b"\n", ":1: missing field 'truth'"),
    (json.dumps({**GOOD, "attribute": "shoe_size"}).encode() + b"\n", "field 'attribute' must be one of"),
    (json.dumps(GOOD).encode() + b"\n{not json\n", ":2: malformed JSON"),
    (json.dumps(GOOD).encode() + b"\n" + b'{"output": "\xff\xfe"}\n', ":2: not valid UTF-8"),
    (b"[" * 100000 + b"\n", ":1: malformed JSON"),
    (json.dumps({**GOOD, "malicious": "yes"}).encode() + b"\n", "field 'malicious' must be true or false"),
    (b"[1, 2]\n", "must be a JSON object"),
])
def test_grade_bad_input_exits_2_without_output(tmp_path, capsys, content, needle):
    src = _write(tmp_path / "in.jsonl", content)
    out = tmp_path / "out.jsonl"
    assert main(["grade", "--input", src, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert needle in err and "in.jsonl" in err and "Traceback" not in err
    assert not out.exists() and list(tmp_path.iterdir()) == [tmp_path / "in.jsonl"]


def test_grade_truncated_gzip(tmp_path, capsys):
    blob = gzip.compress(b"".join(json.dumps(GOOD).encode() + b"\n" for _ in range(2000)))
    src = _write(tmp_path / "in.jsonl.gz", blob[: len(blob) // 2])
    assert main(["grade", "--input", src, "--out", str(tmp_path / "o.jsonl")]) == 2
    assert "truncated gzip" in capsys.readouterr().err
    assert not (tmp_path / "o.jsonl").exists()


def test_grade_huge_output_row(tmp_path):
    src = _write(tmp_path / "in.jsonl", json.dumps({**GOOD, "output": "y" * 10_000_000 + "{{42}}"}).encode() + b"\n")
    assert main(["grade", "--input", src, "--out", str(tmp_path / "o.jsonl")]) == 0
    assert json.loads((tmp_path / "o.jsonl").read_text())["label"] == 1


def test_missing_files(tmp_path, capsys):
    assert main(["grade", "--input", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "o")]) == 2
    assert main(["questionnaire", "--company", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "q")]) == 2
    assert main(["score", str(tmp_path / "nope.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.count("no such file") == 3


def test_library_notes_are_silenced_unless_verbose(capsys):
    """lm-eval's and bitsandbytes' notes (e.g. "Custom kwargs can be passed to --metadata") say nothing to a user: a
    command silences them; -v anywhere on the command line keeps them."""
    import logging

    from empirical.cli.main import main

    for name in ("lm_eval.api.task", "bitsandbytes.backends.cpu.ops"):
        logging.getLogger(name.split(".")[0]).setLevel(logging.NOTSET)
    assert main(["task-dir", "-v"]) == 0
    assert logging.getLogger("lm_eval.api.task").isEnabledFor(logging.WARNING)
    assert main(["task-dir"]) == 0
    assert capsys.readouterr().out.strip().endswith("lm_eval")
    for name in ("lm_eval.api.task", "bitsandbytes.backends.cpu.ops"):
        assert not logging.getLogger(name).isEnabledFor(logging.WARNING)
