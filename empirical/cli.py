"""The ``sensaware`` command line: one entry point, one subcommand per stage.

Every subcommand turns a :class:`ValueError` (bad input) into a one-line message on stderr and exit
code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence

SUBCOMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {}


def register(name: str, help_text: str, configure: Callable[[argparse.ArgumentParser], None],
             run: Callable[[argparse.Namespace], int]) -> None:
    """Add the subcommand ``name``: ``configure(parser)`` declares its flags, ``run(args)`` does the work."""
    SUBCOMMANDS[name] = (help_text, configure, run)


def _float_list(text: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def dump_json(obj) -> str:
    """JSON with ``Infinity`` written as the string "inf" (strict JSON has no infinity)."""

    def clean(x):
        if isinstance(x, float) and not math.isfinite(x):
            return "inf" if x > 0 else ("-inf" if x < 0 else "nan")
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        return x

    return json.dumps(clean(obj), indent=2, sort_keys=False)


# --------------------------------------------------------------------------------------- bound
def _configure_bound(p: argparse.ArgumentParser) -> None:
    p.add_argument("--epsilon", type=float, help="ε >= 0 of the (ε, δ)-DP guarantee")
    p.add_argument("--delta", type=float, default=0.0, help="δ in [0, 1] (default 0)")
    p.add_argument("--groups", type=float, required=True, help="G >= 2, values of the sensitive attribute")
    p.add_argument("--prior", type=_float_list, help="prior p1,...,pG (sums to 1 within 1e-9); default uniform")
    p.add_argument("--invert", action="store_true", help="from an observed --advantage to the ε lower bound")
    p.add_argument("--advantage", type=float, help="observed normalised advantage (with --invert)")
    p.add_argument("--noise-multiplier", type=float, help="DP-SGD noise multiplier σ")
    p.add_argument("--sampling-rate", type=float, help="DP-SGD Poisson sampling rate q")
    p.add_argument("--steps", type=float, help="DP-SGD steps T")
    p.add_argument("--accountant", choices=("rdp", "pld"), default="rdp", help="dp-accounting method (default rdp)")
    p.add_argument("--json", action="store_true", help="print one JSON object with stable keys")


def _run_bound(args: argparse.Namespace) -> int:
    from theory import dpsgd_sa_bound, epsilon_lower_bound, sa_bound
    from theory.validate import check_groups

    g = check_groups(args.groups)
    dpsgd = [args.noise_multiplier, args.sampling_rate, args.steps]
    if args.invert:
        if args.advantage is None:
            raise ValueError("`--advantage` is required with --invert (a number in [-1/(G-1), 1]).")
        eps = epsilon_lower_bound(args.advantage, args.delta, g)
        out = {"advantage": args.advantage, "delta": args.delta, "groups": g, "epsilon_lower_bound": eps,
               "method": "inversion of tight_gary (result 6)" + (" = eta (result 3)" if g == 2 else "")}
    elif any(v is not None for v in dpsgd):
        if any(v is None for v in dpsgd):
            raise ValueError("`--noise-multiplier`, `--sampling-rate` and `--steps` must be given together.")
        if args.delta <= 0:
            raise ValueError(f"`--delta` must lie in (0, 1) with an accountant. Found {args.delta!r}.")
        guar = dpsgd_sa_bound(args.noise_multiplier, args.sampling_rate, args.steps, args.delta, g, args.accountant)
        out = sa_bound(guar.replace_epsilon, guar.replace_delta, g, args.prior)
        out.update(epsilon=guar.epsilon, delta=guar.delta, replace_epsilon=guar.replace_epsilon,
                   replace_delta=guar.replace_delta, accountant=args.accountant,
                   noise_multiplier=args.noise_multiplier, sampling_rate=args.sampling_rate, steps=int(args.steps),
                   method=out["method"] + " at the replace-one (ε, δ) from group privacy (result 8)")
    else:
        if args.epsilon is None:
            raise ValueError("`--epsilon` is required (a number >= 0), unless --invert or DP-SGD flags are given.")
        out = sa_bound(args.epsilon, args.delta, g, args.prior)
    if args.json:
        print(dump_json(out))
    else:
        width = max(len(k) for k in out)
        for k, v in out.items():
            val = f"{v:.10g}" if isinstance(v, float) else v
            print(f"{k:<{width}}  {val}")
    return 0


register("bound", "DP bounds on the SA adversary (and their inversion, and DP-SGD)", _configure_bound, _run_bound)


def _configure_verify(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-tests", action="store_true", help="skip the property tests (proofs and certificates only)")


def _run_verify(args: argparse.Namespace) -> int:
    from empirical.verify import COQ_INSTALL, format_report, verify

    try:
        rep = verify(run_property_tests=not args.no_tests)
    except FileNotFoundError as exc:
        print(f"sensaware verify: error: {exc}", file=sys.stderr)
        print(f"  install it with: {COQ_INSTALL}", file=sys.stderr)
        return 2
    print(format_report(rep))
    if not rep.coq_ok:
        print(rep.coq_log[-4000:], file=sys.stderr)
    return 0 if rep.ok else 1


register("verify", "compile the Coq proofs, run the sympy certificates and property tests", _configure_verify, _run_verify)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sensaware", description="Sensitivity awareness of LLMs: bounds, "
                                     "benchmark, fine-tuning and leakage audit.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, configure, _) in SUBCOMMANDS.items():
        configure(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sensaware``; returns the exit code."""
    _load_plugins()
    parser = build_parser()
    args = parser.parse_args(argv)
    _, _, run = SUBCOMMANDS[args.command]
    try:
        return int(run(args) or 0)
    except ValueError as exc:  # includes empirical.jsonl.InputError and grader.RowError
        print(f"sensaware {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"sensaware {args.command}: interrupted", file=sys.stderr)
        return 130


def _load_plugins() -> None:
    """Import the modules that register further subcommands."""
    import importlib

    for mod in ("empirical.cli_benchmark", "empirical.cli_run", "empirical.cli_model", "empirical.cli_audit"):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise


if __name__ == "__main__":  # run as a script: use the canonical module, where the plugins register
    from empirical.cli import main as _main

    sys.exit(_main())
