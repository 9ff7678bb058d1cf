"""What every ``sensaware`` command module shares: the :class:`Command` record and small argument parsers."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    """One subcommand: ``configure(parser)`` declares its flags, ``run(args)`` does the work and returns the exit code."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def float_list(text: str) -> list[float]:
    """``"0.5,0.3,0.2"`` → ``[0.5, 0.3, 0.2]`` (an argparse type)."""
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def nonneg_int(text: str) -> int:
    """An integer >= 0 (an argparse type)."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {v}")
    return v


def plain_json(obj):
    """``obj`` with non-finite floats as the strings "inf", "-inf", "nan" (strict JSON has no infinity)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return "inf" if obj > 0 else ("-inf" if obj < 0 else "nan")
    if isinstance(obj, dict):
        return {k: plain_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain_json(v) for v in obj]
    return obj


def dump_json(obj) -> str:
    """Indented JSON of :func:`plain_json` ``(obj)``."""
    return json.dumps(plain_json(obj), indent=2, sort_keys=False)
