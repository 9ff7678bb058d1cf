"""``sensaware bound`` and ``sensaware verify``: the theory's bounds and the machine-checked proofs."""

from __future__ import annotations

import argparse
import sys

from empirical.cli.common import Command, dump_json, float_list
from empirical.verify import COQ_INSTALL, format_report, verify
from theory import dpsgd_sa_bound, epsilon_lower_bound, sa_bound
from theory.validate import check_groups


def _configure_bound(p: argparse.ArgumentParser) -> None:
    p.add_argument("--epsilon", type=float, help="ε >= 0 of the (ε, δ)-DP guarantee")
    p.add_argument("--delta", type=float, default=0.0, help="δ in [0, 1] (default 0)")
    p.add_argument("--groups", type=float, required=True, help="G >= 2, values of the sensitive attribute")
    p.add_argument("--prior", type=float_list, help="prior p1,...,pG (sums to 1 within 1e-9); default uniform")
    p.add_argument("--invert", action="store_true", help="from an observed --advantage to the ε lower bound")
    p.add_argument("--advantage", type=float, help="observed normalised advantage (with --invert)")
    p.add_argument("--noise-multiplier", type=float, help="DP-SGD noise multiplier σ")
    p.add_argument("--sampling-rate", type=float, help="DP-SGD Poisson sampling rate q")
    p.add_argument("--steps", type=float, help="DP-SGD steps T")
    p.add_argument("--accountant", choices=("rdp", "pld"), default="rdp", help="dp-accounting method (default rdp)")
    p.add_argument("--json", action="store_true", help="print one JSON object with stable keys")


def _run_bound(args: argparse.Namespace) -> int:
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




def _configure_verify(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-tests", action="store_true", help="skip the property tests (proofs and certificates only)")


def _run_verify(args: argparse.Namespace) -> int:
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


COMMANDS = (
    Command("bound", "DP bounds on the SA adversary (and their inversion, and DP-SGD)", _configure_bound, _run_bound),
    Command("verify", "compile the Coq proofs, run the sympy certificates and property tests", _configure_verify, _run_verify),
)
