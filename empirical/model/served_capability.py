"""Capability retention of a served model: the same lm-eval tasks and summary as
:func:`empirical.model.capability.capability`, through lm-eval's ``local-chat-completions`` model.

A chat-completions API returns text, not log-likelihoods, so only generative tasks (``generate_until``) run:
of the bundled set, ``sensaware_instructions`` and ``sensaware_arithmetic`` (the tag ``sensaware_capability``
means these two here); ``sensaware_commonsense`` and other multiple-choice tasks need ``--backend hf``.
The key is passed to lm-eval as a request header built from ``$api_key_env``. One request through our own client
first checks the server, key and model (a failure is one line, exit 2); during the run every log record is
redacted (lm-eval logs request headers and raw error bodies), and a failure of lm-eval's requests is one
redacted line, exit 2.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from empirical.model.capability import BUNDLED, TAG, parse_tasks, summarise, task_manager
from empirical.model.loading import TRAIN_EXTRA, ModelError
from empirical.model.served import API_EXTRA, ServedError, ServedModel, preflight, redact, redact_logs, shown_url

#: the bundled tasks a chat-completions API can answer
GENERATIVE = ("sensaware_instructions", "sensaware_arithmetic")
LOGLIKELIHOOD = ("sensaware_commonsense",)


def served_tasks(tasks: str | list[str]) -> list[str]:
    """``tasks`` with the tag expanded to :data:`GENERATIVE`; a bundled log-likelihood task is an error."""
    names = []
    for t in parse_tasks(tasks):
        names += list(GENERATIVE) if t == TAG else [t]
    bad = [t for t in names if t in LOGLIKELIHOOD]
    if bad:
        raise ValueError(f"`--tasks` {', '.join(bad)}: multiple choice by log-likelihood, which a chat-completions API "
                         f"does not return; use {', '.join(GENERATIVE)} or --backend hf")
    return list(dict.fromkeys(names))


def capability_served(sm: ServedModel, tasks: str | list[str] = TAG, *, limit: int | None = None,
                      cache: str | None = None, seed: int = 0) -> dict:
    """Evaluate a served model on generative lm-eval tasks; returns :func:`summarise` plus the model, base URL and
    lm-eval version."""
    names = served_tasks(tasks)
    if limit is not None and limit < 1:
        raise ValueError(f"`--limit` must be >= 1 (documents per task). Found {limit}.")
    key = sm.api_key()
    if all(t in BUNDLED for t in names):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    try:
        import lm_eval
        from lm_eval.models.openai_completions import LocalChatCompletion
    except ModuleNotFoundError as exc:
        raise ModelError(f"{exc.name} is not installed; install the training extra: {TRAIN_EXTRA}") from None
    preflight(sm)
    tm = task_manager(names)
    header = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        harness = LocalChatCompletion(base_url=f"{sm.base_url.rstrip('/')}/chat/completions", model=sm.model,
                                      num_concurrent=sm.concurrency, max_retries=sm.max_attempts,
                                      timeout=int(max(1, sm.timeout)), tokenized_requests=False, tokenizer_backend=None,
                                      header=header, seed=seed)
    except ModuleNotFoundError:  # lm-eval's API models need its `api` extra (aiohttp, tenacity, …)
        raise ModelError(f"lm-eval's API models need lm-eval[api]: {API_EXTRA}") from None
    if cache:
        Path(cache).parent.mkdir(parents=True, exist_ok=True)
    url = shown_url(f"{sm.base_url.rstrip('/')}/chat/completions")
    redact_logs(key)
    try:
        res = lm_eval.simple_evaluate(model=harness, tasks=names, task_manager=tm, limit=limit, use_cache=cache,
                                      log_samples=False, apply_chat_template=True, bootstrap_iters=1000, random_seed=seed,
                                      numpy_random_seed=seed, torch_random_seed=seed, fewshot_random_seed=seed)
    except NotImplementedError as exc:
        raise ServedError(f"`--tasks`: {str(exc).splitlines()[0]} (use generative tasks or --backend hf)") from None
    except ServedError:
        raise
    except Exception as exc:  # lm-eval's requests failed after its retries (aiohttp / tenacity errors), redacted

        logging.getLogger("asyncio").setLevel(logging.CRITICAL)  # lm-eval's abandoned requests, reported below
        raise ServedError(f"the lm-eval run against {url} failed: {redact(f'{type(exc).__name__}: {exc}', key)}") from None
    out = summarise(res)
    out.update(model=sm.name, base_url=shown_url(sm.base_url), adapter=None, chat_template=True, lm_eval=lm_eval.__version__)
    return out
