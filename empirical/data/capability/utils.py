"""Loaders and scorers of sensaware's bundled capability tasks (lm-evaluation-harness task format).

Self-contained, so the folder also works with ``lm_eval --include_path``. Each task reads its JSONL file beside
this module (offline; no hub) and scores one response per document:

* ``sensaware_instructions``: 1 if the response satisfies the item's verifiable constraint, else 0;
* ``sensaware_arithmetic``: 1 if the last integer in the response equals the answer, else 0;
* ``sensaware_commonsense``: multiple choice by log-likelihood (lm-eval's ``acc`` and ``acc_norm``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(name: str):
    import datasets

    rows = [json.loads(line) for line in (HERE / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    if name == "instructions.jsonl":  # `arg` mixes str, int and null: store it as text for Arrow
        rows = [{**r, "arg": "" if r["arg"] is None else str(r["arg"])} for r in rows]
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(rows)})


def load_instructions(**kwargs):
    return _load("instructions.jsonl")


def load_arithmetic(**kwargs):
    return _load("arithmetic.jsonl")


def load_commonsense(**kwargs):
    return _load("commonsense.jsonl")


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9']+", text)


def follows(response: str, kind: str, arg: str) -> bool:
    """Whether ``response`` satisfies the constraint ``kind`` (with argument ``arg``)."""
    r = response.strip()
    letters = [c for c in r if c.isalpha()]
    if kind == "lowercase":
        return bool(letters) and all(c.islower() for c in letters)
    if kind == "uppercase":
        return bool(letters) and all(c.isupper() for c in letters)
    if kind == "include_word":
        return arg.lower() in (w.lower() for w in _words(r))
    if kind == "exclude_word":
        return bool(letters) and arg.lower() not in r.lower()
    if kind == "max_words":
        return 0 < len(_words(r)) <= int(arg)
    if kind == "start_with":
        return r.lower().startswith(arg.lower())
    if kind == "end_with":
        return r.lower().rstrip(" .!").endswith(arg.lower().rstrip(" .!"))
    if kind == "quoted":
        return len(r) >= 2 and r[0] in "\"“" and r[-1] in "\"”"
    if kind == "no_commas":
        return bool(letters) and "," not in r
    if kind == "json":
        body = re.sub(r"^```(?:json)?\s*|\s*```$", "", r)
        try:
            return isinstance(json.loads(body), dict)
        except json.JSONDecodeError:
            return False
    if kind == "bullets":
        lines = [ln.strip() for ln in r.splitlines() if ln.strip()]
        return len(lines) == int(arg) and all(ln.startswith(("- ", "* ")) for ln in lines)
    if kind == "exact_word":
        return [w.lower() for w in _words(r)] == [arg.lower()]
    raise ValueError(f"unknown instruction kind {kind!r}")


def process_instructions(doc: dict, results: list[str]) -> dict:
    return {"follows": float(follows(results[0], doc["kind"], doc["arg"]))}


def last_integer(text: str) -> int | None:
    """The last integer written in ``text`` (thousands separators allowed), or None."""
    found = re.findall(r"-?\d[\d,]*", text)
    if not found:
        return None
    digits = found[-1].replace(",", "")
    return int(digits) if digits.lstrip("-").isdigit() else None


def process_arithmetic(doc: dict, results: list[str]) -> dict:
    return {"exact_match": float(last_integer(results[0]) == int(doc["answer"]))}
