"""Answering queries with a served model through an OpenAI-compatible ``POST {base_url}/chat/completions`` API
(OpenAI, OpenRouter, vLLM, TGI, Ollama, ``transformers serve``), with the official ``openai`` client (the ``api``
extra; imported lazily).

Each query's system + user messages are sent with temperature 0 and ``max_tokens``; ``concurrency`` requests are
in flight at once (asyncio). The retry policy is ours, not the client's (its own retries are switched off), so it
is stated and tested: 408, 409, 429, 5xx (but 501, 505), timeouts and dropped connections are retried with exponential backoff
and jitter, honouring ``Retry-After`` (seconds or an HTTP date) and ``retry-after-ms``, up to ``max_attempts``
attempts (``timeout`` bounds each whole attempt); then the row is written with ``output: null`` and the cause in
``error``. A 401/403 (key), a 404 (unknown model or wrong URL), an unreachable server (every attempt of a first
request failed to connect), or a run whose first requests all fail stops the run with a :class:`ServedError`
(one line); every row already written stays.

Rows are appended and flushed one by one (the in-process backend's fields plus ``usage`` and ``error``), so
Ctrl-C leaves a valid file; a rerun (by the same model: a file of another model is refused) skips answered ids
and retries the failed ones; an old error row is dropped, by an atomic rewrite, only once its retry has succeeded
or failed again. The API key is read only from the named environment variable and is never
written to a row, a log or an error message.

References: OpenAI API reference, "Create chat completion" and "Error codes"
(https://platform.openai.com/docs/api-reference/chat/create); exponential backoff with jitter,
https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/; ``Retry-After``, RFC 9110 §10.2.3.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import logging
import os
import random
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from empirical.benchmark.files import read_jsonl, write_jsonl
from empirical.model.generate import done_ids, row_fields

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_KEY_ENV = "OPENAI_API_KEY"
API_EXTRA = 'pip install "sensaware[api]"'
#: statuses worth another attempt: 408, 409, 429 and every 5xx (gateways and providers use non-standard ones: 520-524
#: Cloudflare, 529 overloaded) except 501 Not Implemented and 505 HTTP Version Not Supported, which state that the
#: server cannot do this request at all, so the same request would fail again (RFC 9110 §15.6)
RETRY_STATUSES = frozenset({408, 409, 429, *(s for s in range(500, 600) if s not in (501, 505))})
#: the longest ``Retry-After`` honoured, in seconds
RETRY_AFTER_MAX = 600.0
#: a run whose first this-many completed requests all failed is a configuration error, not bad luck
FAIL_FAST = 8
#: hosts that never answer without a key (a missing key there is an error before any request)
KEYED_HOSTS = ("api.openai.com", "openrouter.ai", "api.together.xyz", "api.groq.com", "api.mistral.ai")


class ServedError(ValueError):
    """A served model that cannot be used at all (unreachable, rejected key, unknown model); one line."""


@dataclass(frozen=True)
class ServedModel:
    """An OpenAI-compatible endpoint and model name, with the request policy.

    ``api_key_env`` names the environment variable holding the key (the key itself is never stored here);
    ``timeout`` is per attempt in seconds; ``backoff`` the first retry's delay (doubling, capped at
    ``max_backoff``). Satisfies the chat-backend protocol of :func:`empirical.model.generate.generate_batch`.
    """

    base_url: str
    model: str
    api_key_env: str = DEFAULT_KEY_ENV
    timeout: float = 60.0
    max_attempts: int = 5
    concurrency: int = 8
    label: str | None = None
    backoff: float = 1.0
    max_backoff: float = 60.0
    adapter: None = field(default=None, init=False)
    #: successes and failures over all :meth:`generate_batch` calls of this object (the batches of one audit)
    state: _RunState = field(default_factory=lambda: _RunState(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not re.match(r"^https?://[^/\s]+", self.base_url or ""):
            raise ServedError(f"`--base-url` must be an http(s) URL such as {DEFAULT_BASE_URL}. Found {shown_url(self.base_url)!r}.")
        if not self.model:
            raise ServedError("`--model` must name the served model (e.g. gpt-4o-mini)")
        if self.concurrency < 1:
            raise ServedError(f"`--concurrency` must be >= 1. Found {self.concurrency}.")
        if self.max_attempts < 1:
            raise ServedError(f"`--max-attempts` must be >= 1. Found {self.max_attempts}.")
        if not self.timeout > 0:
            raise ServedError(f"`--timeout` must be > 0 seconds. Found {self.timeout}.")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self.api_key_env or ""):
            raise ServedError(f"`--api-key-env` must be an environment variable name. Found {self.api_key_env!r}.")

    @property
    def name(self) -> str:
        """The ``model`` field of output rows."""
        return self.label or self.model

    @property
    def model_id(self) -> str:
        return self.model

    @property
    def host(self) -> str:
        return re.sub(r"^https?://", "", self.base_url).split("/")[0].rpartition("@")[2].split(":")[0].lower()

    def api_key(self) -> str | None:
        """The key from ``$api_key_env`` without surrounding whitespace (a CRLF ``.env`` leaves a ``\\r``); a key
        with whitespace, control or non-ASCII characters inside is an error (never printed), and so is a missing
        key for hosts that always need one."""
        raw = os.environ.get(self.api_key_env) or ""
        key = raw.strip() or None
        if key:
            _SECRETS.update({raw, key})
            if not re.fullmatch(r"[\x21-\x7e]+", key):
                raise ServedError(f"the key in ${self.api_key_env} contains whitespace, control or non-ASCII characters; "
                                  f"set {self.api_key_env} to the key alone")
        if key is None and any(self.host == h or self.host.endswith("." + h) for h in KEYED_HOSTS):
            raise ServedError(f"{shown_url(self.base_url)} needs an API key: set the environment variable "
                              f"{self.api_key_env} (or name another with --api-key-env)")
        return key

    def generate_batch(self, messages: list[list[dict]], max_new_tokens: int) -> list[str]:
        """Answers to ``messages`` (all requests at once, ``concurrency`` in flight), with one run state over all
        calls (a dropped connection after an earlier batch's success is retried, not "unreachable"). A request
        that failed all attempts answers "" (no value: the audit counts the prior's guess) and is reported on
        stderr with the count so far; if no request of any call has succeeded yet, a failure raises."""

        outcomes = asyncio.run(_complete_all(self, messages, max_new_tokens, self.state))
        failed = [o for o in outcomes if o.error]
        if failed and self.state.successes == 0:
            raise ServedError(redact(f"all {self.state.failures} requests to {shown_url(self.base_url)} failed; "
                                      f"first: {failed[0].error}"))
        if failed:
            print(redact(f"warning: {len(failed)} of {len(outcomes)} requests failed after {self.max_attempts} attempts "
                          f"and count as no answer (the prior's guess); {self.state.failures} of "
                          f"{self.state.failures + self.state.successes} so far; first: {failed[0].error}", limit=800),
                  file=sys.stderr)
        return ["" if o.error else (o.output or "") for o in outcomes]


@dataclass
class Outcome:
    """One request's result: the answer text and token usage, or the error after the last attempt."""

    output: str | None = None
    usage: dict | None = None
    error: str | None = None
    attempts: int = 0
    #: the HTTP status of the last attempt's response (None: no response)
    status: int | None = None


class _Fatal(Exception):
    """Stops the whole run (raised as :class:`ServedError` at the top)."""


@dataclass
class _RunState:
    successes: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_error: str | None = None


#: secrets read in this process (every key :meth:`ServedModel.api_key` returned); :func:`redact` removes them all
_SECRETS: set[str] = set()


def _secret_forms(secret: str) -> set[str]:
    """``secret`` as it may appear in a message: verbatim, stripped, repr/JSON-escaped, percent-encoded."""

    forms = {secret, secret.strip(), repr(secret)[1:-1], json.dumps(secret)[1:-1], quote(secret, safe=""),
             quote_plus(secret), json.dumps(secret, ensure_ascii=False)[1:-1]}
    return {f for f in forms if len(f) >= 4}


def redact(text: Any, key: str | None = None, limit: int | None = 300) -> str:
    """The one function every error and log text passes through: ``text`` without the key (``key`` and every key
    read in this process, also repr-escaped or percent-encoded), without ``Bearer …`` tokens, ``sk-…``-style keys
    and URL credentials (``user:secret@``); with ``limit``, on one line and at most ``limit`` characters (servers
    echo keys, partly masked, in 401 messages)."""
    text = str(text)
    for secret in sorted({key, *_SECRETS} - {None, ""}, key=len, reverse=True):
        for form in sorted(_secret_forms(secret), key=len, reverse=True):
            text = text.replace(form, "[redacted]")
    text = re.sub(r"(?i)\b(bearer|basic)(\s+|%20)[^\s'\",;)>]+", r"\1\2[redacted]", text)
    text = re.sub(r"\b(sk|rk|pk)-[A-Za-z0-9_\-*]{6,}", "[redacted]", text)
    text = re.sub(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@'\"]+@", r"\1[redacted]@", text)
    if limit is not None:
        text = " ".join(text.split())[:limit]
    return text


def shown_url(url: str) -> str:
    """``url`` without credentials (``https://user:secret@host`` → ``https://[redacted]@host``), for messages."""
    return redact(url, limit=None)


def retry_after(headers: Any, now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (delta-seconds or an HTTP date); None if absent."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms is not None:
        with contextlib.suppress(ValueError):
            return max(0.0, float(ms) / 1000)
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def backoff_delay(attempt: int, base: float, cap: float, hint: float | None = None, rng: random.Random | None = None) -> float:
    """Delay before attempt ``attempt + 1``: the server's ``hint`` if given (at most :data:`RETRY_AFTER_MAX`, plus up
    to 10% jitter), else ``min(cap, base · 2^(attempt-1))`` scaled by a uniform factor in [0.5, 1] ("equal jitter")."""
    r = rng or random
    if hint is not None:
        return min(RETRY_AFTER_MAX, hint) * (1 + 0.1 * r.random())
    return min(cap, base * 2 ** (attempt - 1)) * (0.5 + 0.5 * r.random())


def parse_completion(text: str, content_type: str = "") -> tuple[str, dict | None]:
    """(answer, usage) from a chat-completion body; raises ValueError with one line for non-JSON or a body that
    violates the schema (no ``choices[0].message.content`` string; a null content is no answer, not an empty one)."""
    try:
        body = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        snippet = redact(text[:60])
        raise ValueError(f"non-JSON response (content-type {content_type or 'unset'}): {snippet!r}") from None
    if not isinstance(body, dict):
        raise ValueError(f"response is JSON {type(body).__name__}, not a chat-completion object")
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ValueError("response violates the chat-completion schema: no choices[0]")
    message = choices[0].get("message")
    if isinstance(message, dict) and message.get("content") is None:  # a refusal, tool call or reasoning cut short
        why = f"finish_reason {choices[0].get('finish_reason')!r}" + (", a refusal" if message.get("refusal") else "")
        raise ValueError(f"response violates the chat-completion schema: choices[0].message.content is null ({why})")
    if not isinstance(message, dict) or not isinstance(message.get("content"), str):
        raise ValueError("response violates the chat-completion schema: choices[0].message.content is not a string")
    usage = body.get("usage")
    if isinstance(usage, dict):
        usage = {k: usage[k] for k in ("prompt_tokens", "completion_tokens", "total_tokens")
                 if isinstance(usage.get(k), int)} or None
    else:
        usage = None
    return message["content"], usage


def _client(sm: ServedModel, key: str | None):
    try:
        import openai
    except ModuleNotFoundError:
        raise ServedError(f"the openai backend needs the `openai` package: {API_EXTRA}") from None
    # max_retries=0: the retry policy is ours (see the module docstring); the key is passed explicitly, so the
    # client never reads OPENAI_API_KEY behind --api-key-env's back ("EMPTY" is vLLM's no-key convention)
    return openai.AsyncOpenAI(base_url=sm.base_url.rstrip("/"), api_key=key or "EMPTY", max_retries=0,
                              timeout=sm.timeout, organization=None, project=None)


async def _request(client, sm: ServedModel, key: str | None, messages: list[dict], max_tokens: int,
                   state: _RunState) -> Outcome:
    """One query with retries; raises :class:`_Fatal` for causes that no other query can escape."""
    import openai

    url = shown_url(f"{sm.base_url.rstrip('/')}/chat/completions")

    def said(message: str) -> str:  # every text this function returns or raises passes through redact
        return redact(message, key, limit=600)

    error, connect_failures = "", 0
    for attempt in range(1, sm.max_attempts + 1):
        hint = None
        try:
            # the client's timeout bounds each read; wait_for bounds the whole attempt (a body dripped byte by byte)
            raw = await asyncio.wait_for(client.chat.completions.with_raw_response.create(
                model=sm.model, messages=messages, temperature=0, max_tokens=max_tokens), sm.timeout)
            resp = raw.http_response
            try:
                output, usage = parse_completion(resp.text, resp.headers.get("content-type", ""))
            except ValueError as exc:
                return Outcome(error=said(f"HTTP {resp.status_code} from {url}: {exc}"), attempts=attempt,
                               status=resp.status_code)
            return Outcome(output=output, usage=usage, attempts=attempt, status=resp.status_code)
        except (openai.APITimeoutError, asyncio.TimeoutError):
            error = f"timed out after {sm.timeout:g} s ({url})"
        except openai.APIConnectionError as exc:  # retried like a timeout: a dropped connection is often transient
            cause = said(str(exc.__cause__ or exc))
            error = f"connection failed ({url}): {cause}"
            connect_failures += 1
        except openai.APIStatusError as exc:
            status = exc.status_code
            detail = said(_server_message(exc))
            if status in (401, 403):
                why = (f"the key in ${sm.api_key_env} was rejected" if key else
                       f"the server needs an API key: set ${sm.api_key_env} (or name another with --api-key-env)")
                raise _Fatal(said(f"HTTP {status} from {url}: {why} ({detail})")) from None
            if status == 404:
                raise _Fatal(said(f"HTTP 404 from {url}: unknown model {sm.model!r} or wrong --base-url ({detail})")) from None
            if status not in RETRY_STATUSES:
                return Outcome(error=said(f"HTTP {status} from {url}: {detail}"), attempts=attempt, status=status)
            error = f"HTTP {status} from {url}: {detail}"
            hint = retry_after(exc.response.headers)
        if attempt < sm.max_attempts:
            await asyncio.sleep(backoff_delay(attempt, sm.backoff, sm.max_backoff, hint))
    if connect_failures == sm.max_attempts and state.successes == 0:  # unreachable: no attempt ever connected
        raise _Fatal(said(f"cannot connect to {url} ({sm.max_attempts} attempts): {error.split(': ', 1)[-1]} "
                          f"(is the server running and --base-url right?)"))
    return Outcome(error=said(f"{error}; gave up after {sm.max_attempts} attempts"), attempts=sm.max_attempts)


def _server_message(exc) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
        if body.get("detail"):
            return str(body["detail"])
    return str(getattr(exc, "message", "") or exc)


def _account(state: _RunState, outcome: Outcome) -> None:
    if outcome.error:
        state.failures += 1
        state.first_error = state.first_error or outcome.error
        if state.successes == 0 and state.failures >= FAIL_FAST:
            raise _Fatal(f"the first {state.failures} requests all failed; first error: {state.first_error}")
    else:
        state.successes += 1
        if outcome.usage:
            state.prompt_tokens += outcome.usage.get("prompt_tokens", 0)
            state.completion_tokens += outcome.usage.get("completion_tokens", 0)


async def _run_workers(sm: ServedModel, jobs: Sequence[list[dict]], max_tokens: int, on_done, state: _RunState) -> None:
    """``concurrency`` workers over ``jobs``; ``on_done(index, outcome)`` runs in the event loop after each."""
    key = sm.api_key()
    if max_tokens < 1:
        raise ServedError(f"`--max-tokens` must be >= 1. Found {max_tokens}.")
    client = _client(sm, key)
    next_job = iter(range(len(jobs)))

    async def worker() -> None:
        for i in next_job:
            outcome = await _request(client, sm, key, jobs[i], max_tokens, state)
            on_done(i, outcome)  # written first: the failure that triggers the fail-fast stop is in the file too
            _account(state, outcome)

    tasks = [asyncio.ensure_future(worker()) for _ in range(min(sm.concurrency, len(jobs)))]
    try:
        if tasks:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for t in done:
                if t.exception() is not None:
                    raise t.exception()
    except _Fatal as exc:
        raise ServedError(redact(str(exc), key)) from None
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await client.close()


async def _complete_all(sm: ServedModel, messages: Sequence[list[dict]], max_tokens: int,
                        state: _RunState | None = None) -> list[Outcome]:
    outcomes: list[Outcome] = [Outcome() for _ in messages]

    def on_done(i: int, o: Outcome) -> None:
        outcomes[i] = o

    await _run_workers(sm, messages, max_tokens, on_done, _RunState() if state is None else state)
    return outcomes


def preflight(sm: ServedModel) -> None:
    """One short request through our own client and retry policy, before a run that cannot report per-request
    failures itself (``capability``): raises :class:`ServedError` with one redacted line if the server is
    unreachable, rejects the key, does not know the model or does not answer with HTTP 200."""
    outcomes = asyncio.run(_complete_all(sm, [[{"role": "user", "content": "Reply with OK."}]], 16))
    if outcomes[0].status != 200:
        raise ServedError(f"the pre-flight request failed: {outcomes[0].error}")


def redact_logs(key: str | None) -> None:
    """From now on in this process, every log record (any logger, its arguments and exception) is redacted by
    :func:`redact` before a handler sees it, and an exception is reduced to its last line: third-party clients
    (lm-eval) log request headers and raw error bodies, some only when their abandoned tasks are collected after
    the run (asyncio's "exception was never retrieved"), so the redaction stays for the process's life."""

    if key:
        _SECRETS.add(key)
    previous = logging.getLogRecordFactory()
    if getattr(previous, "sensaware_redacts", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        try:
            text = record.getMessage()
        except Exception:  # a malformed format string: keep its raw text
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            text += f" ({type(exc).__name__}: {exc})"
        record.msg, record.args, record.exc_info, record.exc_text = redact(text, limit=None), None, None, None
        return record

    factory.sensaware_redacts = True
    logging.setLogRecordFactory(factory)


def answered_ids(path: Path, model: str) -> set[str]:
    """Ids with an answer in ``path`` (a half-written last line is cut). A row written by another model than
    ``model`` is an error (a resume never mixes two models' answers); failed rows (non-null ``error``) stay until
    their retry succeeds (see :func:`_compact`)."""
    if not done_ids(path, model):
        return set()
    return {r["id"] for r in read_jsonl(path) if not r.get("error")}


def _compact(path: Path) -> None:
    """One row per id: an error row is dropped (atomic rewrite) once its id has an answer or a later error row."""
    if not path.is_file():
        return
    rows = list(read_jsonl(path))
    keep: dict[Any, dict] = {}
    for r in rows:
        if r["id"] not in keep or keep[r["id"]].get("error"):
            keep[r["id"]] = r
    if len(keep) < len(rows):
        write_jsonl(path, list(keep.values()))


def generate_served(sm: ServedModel, queries: list[dict], out_path: str | os.PathLike, *, max_tokens: int = 64,
                    progress: bool = True) -> dict:
    """Append one row per query not yet answered in ``out_path``: the query's ``ROW_FIELDS``, ``model``,
    ``output`` (null on failure), ``usage`` and ``error``. Returns counts, tokens and requests/s of this run."""
    if max_tokens < 1:
        raise ServedError(f"`--max-tokens` must be >= 1. Found {max_tokens}.")
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    sm.api_key()  # a missing key for a keyed host fails before the file is touched
    done = answered_ids(out, sm.name)
    todo = [q for q in queries if q["id"] not in done]
    state = _RunState()
    start = time.perf_counter()
    try:
        if todo:
            from tqdm import tqdm  # slow to import (its version lookup): only when generating

            with open(out, "a", encoding="utf-8") as fh, tqdm(total=len(todo), desc=f"generate {sm.name}", unit="req",
                                                              disable=not progress) as bar:
                def on_done(i: int, o: Outcome) -> None:
                    q = todo[i]
                    row = {**row_fields(q), "model": sm.name, "output": o.output, "usage": o.usage,
                           "error": o.error}
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                    fh.flush()
                    bar.update(1)
                    bar.set_postfix(tokens=state.prompt_tokens + state.completion_tokens, errors=state.failures, refresh=False)

                try:
                    asyncio.run(_run_workers(sm, [q["messages"] for q in todo], max_tokens, on_done, state))
                finally:
                    fh.flush()
                    os.fsync(fh.fileno())
    finally:
        _compact(out)  # also after a fatal error or Ctrl-C: the error rows whose retry succeeded go
    seconds = time.perf_counter() - start
    return {"model": sm.name, "base_url": shown_url(sm.base_url), "requested": len(todo), "answered": state.successes,
            "failed": state.failures, "skipped": len(queries) - len(todo), "prompt_tokens": state.prompt_tokens,
            "completion_tokens": state.completion_tokens, "seconds": seconds,
            "requests_per_s": (len(todo) / seconds) if todo and seconds > 0 else 0.0}
