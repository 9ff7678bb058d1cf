"""The ``--backend`` flags shared by ``generate``, ``evaluate``, ``capability`` and ``audit --mechanism llm``:
``hf`` (in-process transformers, the default) or ``openai`` (any OpenAI-compatible server)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for annotations only: the CLI imports implementations when a command runs
    from empirical.model.served import ServedModel


def backend_flags(p: argparse.ArgumentParser, *, max_tokens_alias: bool = True) -> None:
    """Declare ``--backend`` and the served-model flags on ``p``."""
    from empirical.model.served import DEFAULT_BASE_URL, DEFAULT_KEY_ENV

    g = p.add_argument_group("served model (--backend openai)")
    g.add_argument("--backend", choices=("hf", "openai"), default="hf",
                   help="hf: load the model in-process (default); openai: an OpenAI-compatible server")
    g.add_argument("--base-url", default=DEFAULT_BASE_URL, help=f"the API's base URL (default {DEFAULT_BASE_URL}); "
                   "e.g. https://openrouter.ai/api/v1 or http://127.0.0.1:8000/v1")
    g.add_argument("--api-key-env", default=DEFAULT_KEY_ENV, help="environment variable holding the API key "
                   f"(default {DEFAULT_KEY_ENV}; read only from there, never written)")
    g.add_argument("--concurrency", type=int, default=8, help="requests in flight at once (default 8)")
    g.add_argument("--timeout", type=float, default=60.0, help="seconds per request attempt (default 60)")
    g.add_argument("--max-attempts", type=int, default=5, help="attempts per request on 429/5xx/timeouts (default 5)")
    if max_tokens_alias:
        g.add_argument("--max-tokens", dest="max_new_tokens", type=int, default=argparse.SUPPRESS,
                       help="the API's name for --max-new-tokens")


def served_model(args: argparse.Namespace) -> ServedModel | None:
    """The :class:`ServedModel` the flags describe, or None for ``--backend hf``."""
    from empirical.model.loading import EMBEDDED
    from empirical.model.served import ServedModel

    if getattr(args, "backend", "hf") != "openai":
        return None
    if args.model == EMBEDDED:
        raise ValueError("`--backend openai` needs `--model NAME`, the served model's name (e.g. gpt-4o-mini)")
    if getattr(args, "adapter", None):
        raise ValueError("`--adapter` is for `--backend hf`; a served model's adapter is the server's business")
    return ServedModel(args.base_url, args.model, api_key_env=args.api_key_env, timeout=args.timeout,
                       max_attempts=args.max_attempts, concurrency=args.concurrency, label=getattr(args, "label", None))
