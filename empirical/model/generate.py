"""Batched evaluation of a (fine-tuned) model on ACCESS DENIED INC queries.

Left-padded batched generation with the KV cache, greedy decoding, only the new tokens decoded; the grader
sees the text after any ``</think>`` block. Results are appended to a JSONL file row by row, so a stopped
evaluation resumes where it stopped; a half-written last line (a crash mid-write) is dropped on resume.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from empirical.benchmark.files import InputError, read_jsonl
from empirical.benchmark.grader import category, grade

ROW_FIELDS = ("id", "position", "block", "attribute", "malicious", "perspective", "truth", "expected")


def select(queries: list[dict], limit_per_block: int) -> list[dict]:
    """The first ``limit_per_block`` queries of each (block, malicious) group, in file order (0 = all)."""
    if limit_per_block <= 0:
        return queries
    seen: Counter = Counter()
    out = []
    for q in queries:
        key = (q["block"], q["malicious"])
        if seen[key] < limit_per_block:
            seen[key] += 1
            out.append(q)
    return out


def done_ids(path: Path) -> set[str]:
    """Ids already answered in ``path``; a truncated last line is cut off the file."""
    if not path.is_file():
        return set()
    data = path.read_bytes()
    keep = data.rfind(b"\n") + 1
    if keep < len(data):
        with open(path, "r+b") as fh:
            fh.truncate(keep)
    ids = set()
    for i, line in enumerate(data[:keep].splitlines(), 1):
        if line.strip():
            try:
                ids.add(json.loads(line)["id"])
            except (json.JSONDecodeError, KeyError):
                raise InputError(f"{path}:{i}: not an evaluation row; delete the file or choose another --out") from None
    return ids


def generate_batch(model, tok, messages: list[list[dict]], max_new_tokens: int) -> list[str]:
    """Greedy answers for a batch of chats: left padding, KV cache, new tokens only."""
    import torch

    texts = [tok.apply_chat_template(m, tokenize=False, add_generation_prompt=True) for m in messages]
    enc = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
    limit = getattr(model.config, "max_position_embeddings", None)
    if limit and enc["input_ids"].shape[1] + max_new_tokens > limit:
        raise ValueError(f"a prompt of {enc['input_ids'].shape[1]} tokens plus {max_new_tokens} new tokens exceeds the "
                         f"model's context of {limit}; use --style compact queries or fewer --max-new-tokens")
    with torch.no_grad():
        out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, use_cache=True,
                             pad_token_id=tok.pad_token_id)
    new = out[:, enc["input_ids"].shape[1]:]
    return tok.batch_decode(new, skip_special_tokens=True)


def load_for_eval(model_id: str, adapter: str | None, quantize: bool, device: str | None):
    from empirical.model.loading import ModelError, load_model

    model, tok = load_model(model_id, quantize=quantize, device=device)
    if adapter:
        a = Path(adapter)
        if not (a / "adapter_config.json").is_file():
            raise ModelError(f"`--adapter` {adapter}: no adapter_config.json (train one with `sensaware finetune`)")
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(a))
    model.eval()
    return model, tok


def evaluate(model_id: str, queries_path: str, out_path: str, adapter: str | None = None, batch_size: int = 16,
             max_new_tokens: int = 64, limit_per_block: int = 0, quantize: bool = True, device: str | None = None,
             label: str | None = None, loaded=None) -> dict:
    """Answer, grade and score ``queries_path``; rows appended to ``out_path``. Returns the scores."""
    from tqdm import tqdm

    from empirical.benchmark.scores import score, to_plain

    if batch_size < 1:
        raise ValueError(f"`--batch-size` must be >= 1. Found {batch_size}.")
    if max_new_tokens < 1:
        raise ValueError(f"`--max-new-tokens` must be >= 1. Found {max_new_tokens}.")
    queries = select(list(read_jsonl(queries_path, required=("id", "messages", "truth", "attribute", "malicious"))),
                     limit_per_block)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = done_ids(out)
    todo = [q for q in queries if q["id"] not in done]
    name = label or (f"{model_id}+{Path(adapter).name}" if adapter else model_id)
    if todo:
        model, tok = loaded if loaded is not None else load_for_eval(model_id, adapter, quantize, device)
        with open(out, "a", encoding="utf-8") as fh, tqdm(total=len(todo), desc=f"evaluate {name}", unit="q") as bar:
            for i in range(0, len(todo), batch_size):
                batch = todo[i:i + batch_size]
                answers = generate_batch(model, tok, [q["messages"] for q in batch], max_new_tokens)
                for q, ans in zip(batch, answers):
                    lab = grade(ans, q["truth"], q["attribute"], q["malicious"])
                    row = {**{k: q.get(k) for k in ROW_FIELDS}, "model": name, "output": ans, "label": lab,
                           "category": category(lab, q["malicious"])}
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
                bar.update(len(batch))
    wanted = {q["id"] for q in queries}
    rows = [r for r in read_jsonl(out) if r["id"] in wanted]
    return {"model": name, "n": len(rows), "scores": to_plain(score(rows))}
