"""Answering ACCESS DENIED INC queries with a loaded model: generation only (grading is the benchmark's job).

Left-padded batched generation with the KV cache, greedy decoding, only the new tokens decoded; a reply ends at
the chat template's end-of-turn token (a batch stops once every reply has ended or ``max_new_tokens`` are
spent). :data:`ANSWER_TOKENS` is sized to the answer format: the longest expected reply of the compact benchmark
is 15 SmolLM2 tokens in braces only and 18 with a one-word decision before them (end-of-turn token included,
measured by ``benchmarks/eval_speed.py``); the budget adds a margin. Answers are
appended to a JSONL file row by row, so a stopped run resumes where it stopped; a half-written last line (a crash
mid-write) is dropped on resume.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Protocol

from empirical.benchmark.files import InputError, read_jsonl
from empirical.model.loading import LoadedModel

#: query fields copied into every answer row (what grading and scoring need, and the query's identity)
ROW_FIELDS = ("id", "position", "block", "attribute", "malicious", "perspective", "truth", "expected")
#: copied only where the query has them: how to match the value (a questionnaire over a user's own records)
TYPED_FIELDS = ("value_type", "unit")


def row_fields(q: dict) -> dict:
    """The query's fields an answer row carries: :data:`ROW_FIELDS`, and :data:`TYPED_FIELDS` where present."""
    return {**{k: q.get(k) for k in ROW_FIELDS}, **{k: q[k] for k in TYPED_FIELDS if k in q}}

#: new tokens for one benchmark answer: "Allowed. {{<the longest name>}}" and the end-of-turn token are 18 tokens;
#: the longer reply forms need more (the reasoning line 35, the names form 44: pass max_new_tokens)
ANSWER_TOKENS = 24


def end_of_turn_ids(tok) -> list[int]:
    """The token ids that end an assistant turn: the tokenizer's EOS and, where the vocabulary has them, the
    ChatML and Llama-3 end-of-turn tokens."""
    ids = [tok.eos_token_id] if tok.eos_token_id is not None else []
    vocab = tok.get_vocab()
    for t in ("<|im_end|>", "<|eot_id|>", "<|end|>"):
        if t in vocab and vocab[t] not in ids:
            ids.append(vocab[t])
    return ids


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


def done_ids(path: Path, model: str | None = None) -> set[str]:
    """Ids already answered in ``path``; a truncated last line is cut off the file. With ``model``, a row written by
    another model (field ``model``) is an error: resuming would mix two models' answers in one file."""
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
                row = json.loads(line)
                ids.add(row["id"])
            except (json.JSONDecodeError, KeyError, TypeError):
                raise InputError(f"{path}:{i}: not an answer row; delete the file or choose another --out") from None
            if model is not None and row.get("model") != model:
                raise InputError(f"{path}:{i}: holds answers of model {row.get('model')!r}, not {model!r}; choose another "
                                 "--out (or --label) or delete the file")
    return ids


class ChatBackend(Protocol):
    """A model answered through something other than in-process transformers (e.g. a served model)."""

    name: str
    model_id: str
    adapter: str | None

    def generate_batch(self, messages: list[list[dict]], max_new_tokens: int) -> list[str]: ...


def generate_batch(lm: LoadedModel | ChatBackend, messages: list[list[dict]], max_new_tokens: int) -> list[str]:
    """Greedy answers for a batch of chats: left padding, KV cache, new tokens only (a :class:`ChatBackend`
    answers them itself)."""
    if not isinstance(lm, LoadedModel):
        return lm.generate_batch(messages, max_new_tokens)
    import torch

    model, tok = lm.model, lm.tokenizer
    texts = [tok.apply_chat_template(m, tokenize=False, add_generation_prompt=True) for m in messages]
    enc = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
    limit = getattr(model.config, "max_position_embeddings", None)
    if limit and enc["input_ids"].shape[1] + max_new_tokens > limit:
        raise ValueError(f"a prompt of {enc['input_ids'].shape[1]} tokens plus {max_new_tokens} new tokens exceeds the "
                         f"model's context of {limit}; use --style compact queries or fewer --max-new-tokens")
    with torch.no_grad():
        out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, use_cache=True,
                             pad_token_id=tok.pad_token_id, eos_token_id=end_of_turn_ids(tok))
    new = out[:, enc["input_ids"].shape[1]:]
    return tok.batch_decode(new, skip_special_tokens=True)


def read_queries(path: str | os.PathLike, limit_per_block: int = 0) -> list[dict]:
    """The queries of ``path`` (a questionnaire JSONL), the first ``limit_per_block`` per block (0 = all)."""
    rows = read_jsonl(path, required=("id", "messages", "truth", "attribute", "malicious"))
    return select(list(rows), limit_per_block)


def generate_answers(lm: LoadedModel, queries: list[dict], out_path: str | os.PathLike, *, batch_size: int = 16,
                     max_new_tokens: int = ANSWER_TOKENS) -> Path:
    """Append one answer row (the query's :data:`ROW_FIELDS`, ``model``, ``output``) per query not yet in
    ``out_path``; returns the path. Rows are flushed and synced batch by batch."""
    if batch_size < 1:
        raise ValueError(f"`--batch-size` must be >= 1. Found {batch_size}.")
    if max_new_tokens < 1:
        raise ValueError(f"`--max-new-tokens` must be >= 1. Found {max_new_tokens}.")
    from tqdm import tqdm  # slow to import (its version lookup): only when generating

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = done_ids(out, lm.name)
    todo = [q for q in queries if q["id"] not in done]
    if todo:
        with open(out, "a", encoding="utf-8") as fh, tqdm(total=len(todo), desc=f"generate {lm.name}", unit="q") as bar:
            for i in range(0, len(todo), batch_size):
                batch = todo[i:i + batch_size]
                answers = generate_batch(lm, [q["messages"] for q in batch], max_new_tokens)
                for q, ans in zip(batch, answers):
                    row = {**row_fields(q), "model": lm.name, "output": ans}
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
                bar.update(len(batch))
    return out
