"""``evaluate`` = generate → grade → score, the convenience chain over the three plain-file steps.

The answers file (appended, resumable) holds what the model said; the graded file is :func:`grade_rows` of it
(the one grading path, so ``sensaware grade`` on the answers gives the same labels); the scores summarise it.
"""

from __future__ import annotations

import os
from pathlib import Path

from empirical.benchmark.files import read_jsonl, write_jsonl
from empirical.benchmark.grader import grade_answers
from empirical.benchmark.scores import score, to_plain
from empirical.model.generate import generate_answers, read_queries
from empirical.model.loading import LoadedModel
from empirical.model.served import ServedModel, generate_served


def answers_path_for(graded_path: str | os.PathLike) -> Path:
    """Where the raw answers behind ``graded_path`` go: ``X.jsonl`` → ``X.answers.jsonl``."""
    p = Path(graded_path)
    name = p.name
    for suffix in (".jsonl.gz", ".jsonl"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return p.with_name(f"{name}.answers.jsonl")


def grade_file(answers_path: str | os.PathLike, out_path: str | os.PathLike, ids: set[str] | None = None) -> list[dict]:
    """Grade the rows of ``answers_path`` (those with an id in ``ids``, if given) into ``out_path`` (atomic).
    Rows whose request failed (non-null ``error``: no answer from the model) are not graded."""
    rows = [r for r in read_jsonl(answers_path) if ids is None or r.get("id") in ids]
    graded = list(grade_answers(rows, str(answers_path)))
    write_jsonl(out_path, graded)
    return graded


def evaluate(lm: LoadedModel | ServedModel, queries_path: str | os.PathLike, out_path: str | os.PathLike, *,
             answers_path: str | os.PathLike | None = None, limit_per_block: int = 0, batch_size: int = 16,
             max_new_tokens: int = 64) -> dict:
    """Answer the queries (resuming ``answers_path``), grade them into ``out_path`` and return the scores; for a
    served model also the run's request counts and tokens (``failed``: queries left without an answer)."""
    queries = read_queries(queries_path, limit_per_block)
    answers = Path(answers_path) if answers_path else answers_path_for(out_path)
    run = None
    if isinstance(lm, ServedModel):
        run = generate_served(lm, queries, answers, max_tokens=max_new_tokens)
    else:
        generate_answers(lm, queries, answers, batch_size=batch_size, max_new_tokens=max_new_tokens)
    graded = grade_file(answers, out_path, {q["id"] for q in queries})
    res = {"model": lm.name, "n": len(graded), "scores": to_plain(score(graded))}
    if run is not None:
        res.update(failed=len(queries) - len(graded), run=run)
    return res
