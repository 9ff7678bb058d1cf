"""A small OpenAI-compatible chat-completions server on 127.0.0.1 (standard library only), for the tests and the
concurrency benchmark of the served backend, and for trying ``--backend openai`` offline.

It answers ``POST …/chat/completions`` after ``delay`` seconds with ``answer(body)`` and word-count usage, and
``GET …/models`` with its one model. ``behaviour(body, attempt)`` may override any request (``attempt`` counts
requests with the same messages, from 1) with an :class:`Action`: an HTTP status with headers, a slow answer, a
non-JSON or schema-violating body, a dropped connection, an answer dripped byte by byte. It records every
request's start and end time, so overlap (requests in flight at once) can be measured.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Action:
    """What the stub does with one request: ``status`` + ``headers`` + ``body`` (a dict is sent as JSON, a str as
    text/html), after ``delay`` seconds. ``body=None`` means the normal chat completion."""

    status: int = 200
    headers: dict = field(default_factory=dict)
    body: dict | str | None = None
    delay: float | None = None
    #: close the connection without an answer (a dropped connection)
    drop: bool = False
    #: send the answer one byte every ``drip`` seconds (each read is quick; the whole answer is slow)
    drip: float | None = None


def echo_answer(body: dict) -> str:
    """The default answer: the last user message's first word, in the answer braces."""
    user = [m.get("content", "") for m in body.get("messages", []) if m.get("role") == "user"]
    words = (user[-1] if user else "").split()
    return "{{" + (words[0] if words else "") + "}}"


@dataclass
class Request:
    """One request as received (``end`` and ``status`` are set once it is answered)."""

    start: float
    body: dict
    authorization: str | None
    end: float | None = None
    status: int | None = None


class StubServer:
    """``with StubServer(delay=0.05) as s: s.base_url`` → ``http://127.0.0.1:PORT/v1``."""

    def __init__(self, *, model: str = "stub-model", delay: float = 0.0,
                 answer: Callable[[dict], str] = echo_answer,
                 behaviour: Callable[[dict, int], Action | None] | None = None, api_key: str | None = None):
        self.model, self.delay, self.answer, self.behaviour, self.api_key = model, delay, answer, behaviour, api_key
        self.requests: list[Request] = []
        self._seen: Counter = Counter()
        self._lock = threading.Lock()
        self._in_flight = 0
        self.max_in_flight = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> StubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        start = time.perf_counter()
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        status = 500
        try:
            length = int(handler.headers.get("content-length") or 0)
            body = json.loads(handler.rfile.read(length) or b"{}") if handler.command == "POST" else {}
            auth = handler.headers.get("authorization")
            record = Request(start, body, auth)
            self.requests.append(record)
            with self._lock:
                key = json.dumps(body.get("messages"), sort_keys=True)
                self._seen[key] += 1
                attempt = self._seen[key]
            action = self.behaviour(body, attempt) if self.behaviour else None
            action = action or Action()
            time.sleep(self.delay if action.delay is None else action.delay)
            if action.drop:
                handler.close_connection = True
                with contextlib.suppress(OSError):
                    handler.connection.shutdown(socket.SHUT_RDWR)
                return
            if self.api_key is not None and auth != f"Bearer {self.api_key}":
                action = Action(401, body={"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                                                     "code": "invalid_api_key"}})
            status = action.status
            payload = action.body
            if payload is None and handler.path.rstrip("/").endswith("/models"):
                payload = {"object": "list", "data": [{"id": self.model, "object": "model", "owned_by": "stub"}]}
            elif payload is None and status == 200:
                if body.get("model") != self.model:
                    status, payload = 404, {"error": {"message": f"The model `{body.get('model')}` does not exist",
                                                      "code": "model_not_found"}}
                else:
                    text = self.answer(body)
                    prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
                    done = len(text.split())
                    payload = {"id": "stub", "object": "chat.completion", "created": 0, "model": self.model,
                               "choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": text}}],
                               "usage": {"prompt_tokens": prompt, "completion_tokens": done, "total_tokens": prompt + done}}
            elif payload is None:
                payload = {"error": {"message": f"stub status {status}"}}
            data = (json.dumps(payload) if isinstance(payload, dict) else payload).encode()
            handler.send_response(status)
            handler.send_header("content-type", "application/json" if isinstance(payload, dict) else "text/html")
            handler.send_header("content-length", str(len(data)))
            for k, v in action.headers.items():
                handler.send_header(k, v)
            handler.end_headers()
            if action.drip:
                for i in range(len(data)):
                    handler.wfile.write(data[i:i + 1])
                    handler.wfile.flush()
                    time.sleep(action.drip)
            else:
                handler.wfile.write(data)
            record.end, record.status = time.perf_counter(), status
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
            pass
        finally:
            with self._lock:
                self._in_flight -= 1

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in separate writes

            def do_POST(self) -> None:  # noqa: N802
                stub._handle(self)

            def do_GET(self) -> None:  # noqa: N802
                stub._handle(self)

            def log_message(self, *args) -> None:
                pass

        return Handler


def main(argv: list[str] | None = None) -> int:
    """``python -m empirical.model.stub_server --delay 0.05``: serve until stopped; prints the base URL first."""
    p = argparse.ArgumentParser(prog="python -m empirical.model.stub_server", description=__doc__.split("\n\n")[0])
    p.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    p.add_argument("--model", default="stub-model")
    args = p.parse_args(argv)
    with StubServer(model=args.model, delay=args.delay) as s:
        print(s.base_url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
