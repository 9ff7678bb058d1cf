"""The ``sensaware`` command line: one entry point, one subcommand per stage.

Every subcommand turns a :class:`ValueError` (bad input) into a one-line message on stderr and exit
code 2, never a traceback. Command modules import their heavy dependencies (torch, transformers, lm-eval,
matplotlib) only when run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from empirical.cli import audit, batch, benchmark, model, pipeline, theory
from empirical.cli.common import Command

COMMANDS: dict[str, Command] = {c.name: c for mod in (theory, benchmark, model, batch, audit, pipeline)
                             for c in mod.COMMANDS}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``only``, just that subcommand's flags are declared (the others keep their name and help),
    so a command's implementation is imported only when that command runs — `sensaware bound` starts fast."""
    parser = argparse.ArgumentParser(prog="sensaware", description="Sensitivity awareness of LLMs: bounds, "
                                     "benchmark, fine-tuning and leakage audit. -v anywhere: keep the libraries' "
                                     "warnings and notes.")
    sub = parser.add_subparsers(dest="command", required=True)
    for c in COMMANDS.values():
        p = sub.add_parser(c.name, help=c.help, description=c.help)
        if only is None or c.name == only:
            c.configure(p)
    return parser


#: libraries whose INFO and WARNING lines say nothing a user can act on (lm-eval's kwargs notes, bitsandbytes'
#: kernel-repository trust note, transformers' deprecation notes); shown with ``-v``
QUIET_LOGGERS = ("lm_eval", "lm-eval", "bitsandbytes", "transformers", "datasets", "accelerate", "peft", "trl", "httpx")


def quiet_libraries() -> None:
    """Raise the named libraries' log level to ERROR and drop their FutureWarnings and DeprecationWarnings."""
    import logging
    import os
    import warnings

    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("DATASETS_VERBOSITY", "error")
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    for category in (FutureWarning, DeprecationWarning, UserWarning):
        for module in ("transformers", "torch", "peft", "trl", "lm_eval", "bitsandbytes", "accelerate", "datasets"):
            warnings.filterwarnings("ignore", category=category, module=module)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sensaware``; returns the exit code. ``-v``/``--verbose`` anywhere keeps the libraries'
    warnings and notes, which are otherwise silenced."""
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = any(a in ("-v", "--verbose") for a in argv)
    argv = [a for a in argv if a not in ("-v", "--verbose")]
    if not verbose:
        quiet_libraries()
    chosen = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(chosen if chosen in COMMANDS else None).parse_args(argv)
    from empirical.audit.errors import EXIT_CODE, AuditViolation

    try:
        return int(COMMANDS[args.command].run(args) or 0)
    except AuditViolation as exc:  # results and report are written before it is raised
        print(f"sensaware {args.command}: audit violation: {exc}", file=sys.stderr)
        return EXIT_CODE
    except ValueError as exc:  # includes InputError and RowError
        print(f"sensaware {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a path that cannot be read or written (a folder given as a file, no permission, …)
        where = f": {exc.filename}" if exc.filename else ""
        print(f"sensaware {args.command}: error{where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"sensaware {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
