"""Batch files: queries → an OpenAI Batch API input file, and the provider's output file → answer rows.

The input format is one request per line: ``{"custom_id": <query id>, "method": "POST", "url":
"/v1/chat/completions", "body": {model, messages, temperature 0, max_tokens}}``. The output file has one line per
request: ``{"custom_id", "response": {"status_code", "body": <chat completion>}, "error": null | {code, message}}``
(failed requests may come in a separate error file with the same lines; pass both). Imported rows have the fields
of ``sensaware generate --backend openai`` (``output`` null and ``error`` set for failed or missing requests), so
``sensaware grade`` reads them and a later ``generate --backend openai --out`` on the same file asks only the
failed and missing queries again. Reference: OpenAI API reference, "Batch" (https://platform.openai.com/docs/guides/batch).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from empirical.benchmark.files import InputError, atomic_write, read_jsonl, write_jsonl
from empirical.model.generate import row_fields
from empirical.model.served import parse_completion, redact

ENDPOINT = "/v1/chat/completions"
#: the Batch API's limit on requests per input file
MAX_REQUESTS = 50_000


def export_batch(queries: list[dict], model: str, out_path: str | os.PathLike, *, max_tokens: int = 64) -> int:
    """Write one Batch API request per query to ``out_path`` (atomically); returns the number written."""
    if not model:
        raise ValueError("`--model` must name the model the provider should run (e.g. gpt-4o-mini)")
    if max_tokens < 1:
        raise ValueError(f"`--max-tokens` must be >= 1. Found {max_tokens}.")
    dup = [i for i, n in Counter(q["id"] for q in queries).items() if n > 1]
    if dup:
        raise ValueError(f"query ids must be unique (they become custom_id); repeated: {', '.join(map(str, dup[:3]))}")
    if len(queries) > MAX_REQUESTS:
        raise ValueError(f"{len(queries)} queries exceed the Batch API's {MAX_REQUESTS} requests per file; "
                         "split them with --limit-per-block or several questionnaire files")
    with atomic_write(out_path) as fh:
        for q in queries:
            body = {"model": model, "messages": q["messages"], "temperature": 0, "max_tokens": max_tokens}
            fh.write(json.dumps({"custom_id": str(q["id"]), "method": "POST", "url": ENDPOINT, "body": body},
                                ensure_ascii=False) + "\n")
    return len(queries)


def _result(line: dict) -> tuple[str | None, dict | None, str | None]:
    """(output, usage, error) of one output line."""
    err = line.get("error")
    if err:
        msg = err.get("message") if isinstance(err, dict) else str(err)
        code = err.get("code") if isinstance(err, dict) else None
        return None, None, redact(f"batch request failed ({code or 'error'}): {msg}")
    resp = line.get("response")
    if not isinstance(resp, dict):
        return None, None, "batch line has neither a response nor an error"
    status, body = resp.get("status_code"), resp.get("body")
    if status != 200:
        detail = body.get("error", {}).get("message") if isinstance(body, dict) and isinstance(body.get("error"), dict) else body
        return None, None, f"HTTP {status} in the batch output: {redact(detail)}"
    try:
        output, usage = parse_completion(json.dumps(body), "application/json")
    except ValueError as exc:
        return None, None, str(exc)
    return output, usage, None


def import_batch(output_paths: list[str | os.PathLike], queries: list[dict], out_path: str | os.PathLike, model: str, *,
                 label: str | None = None) -> dict:
    """Match the provider's output lines to ``queries`` by custom_id and write one answer row per query to
    ``out_path`` (atomically, in query order). Every row's ``model`` is ``label or model`` (the name given at
    export, not the dated one in each response), the name a retry with ``generate --backend openai --model
    MODEL [--label LABEL]`` writes and requires. Returns a report: answered, failed and missing counts, unknown
    and duplicate custom_ids, the first few ids of each."""
    if not (label or model):
        raise ValueError("`--model` must name the model the batch ran (as given to `batch export`)")
    name = label or model
    by_id = {str(q["id"]): q for q in queries}
    results: dict[str, tuple] = {}
    unknown, duplicates = [], []
    for path in output_paths:
        for line in read_jsonl(path, required=("custom_id",)):
            cid = str(line["custom_id"])
            if cid not in by_id:
                unknown.append(cid)
                continue
            res = _result(line)
            if cid in results and results[cid][2] is None:  # keep the first answer; a later line may replace a failure
                duplicates.append(cid)
                continue
            if cid in results:
                duplicates.append(cid)
            results[cid] = res
    if not results and unknown:
        raise InputError(f"none of the {len(unknown)} custom_ids in {', '.join(map(str, output_paths))} is a query id "
                         f"of this questionnaire (wrong --queries?)")
    rows, failed, missing = [], [], []
    for cid, q in by_id.items():
        output, usage, error = results.get(cid, (None, None, "no result for this custom_id in the batch output"))
        if cid not in results:
            missing.append(cid)
        elif error:
            failed.append(cid)
        rows.append({**row_fields(q), "model": name, "output": output,
                     "usage": usage, "error": error})
    write_jsonl(out_path, rows)
    return {"out": str(Path(out_path)), "queries": len(queries), "answered": len(queries) - len(failed) - len(missing),
            "failed": len(failed), "missing": len(missing), "unknown_custom_ids": len(unknown),
            "duplicate_custom_ids": len(duplicates), "first_failed": failed[:5], "first_missing": missing[:5],
            "first_unknown": unknown[:5]}
