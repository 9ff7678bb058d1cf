"""``sensaware bound`` and ``sensaware verify``: the theory's bounds and the machine-checked proofs."""

from __future__ import annotations

import argparse
import sys

from empirical.cli.common import Command, dump_json, float_list


def _profile(text: str) -> list[tuple[float, float]]:
    """``"0:0.3,1:0.05,inf:0"`` → ``[(0.0, 0.3), (1.0, 0.05), (inf, 0.0)]`` (an argparse type)."""
    try:
        pairs = [tuple(float(v) for v in item.split(":")) for item in text.split(",") if item.strip()]
    except ValueError:
        pairs = []
    if not pairs or any(len(p) != 2 for p in pairs):
        raise argparse.ArgumentTypeError(f"expected comma-separated epsilon:delta pairs (e.g. 0:0.3,1:0.05), got {text!r}")
    return pairs  # type: ignore[return-value]


def _configure_bound(p: argparse.ArgumentParser) -> None:
    p.add_argument("--epsilon", type=float, help="ε >= 0 of the (ε, δ)-DP guarantee (inf allowed)")
    p.add_argument("--delta", type=float, default=None,
                   help="δ in [0, 1] (default 0; DP-SGD group_privacy: required; refused with --method privacy_profile "
                   "and --profile, which do not use it)")
    p.add_argument("--groups", type=float, required=True, help="G in [2, 1e15], values of the sensitive attribute")
    p.add_argument("--prior", type=float_list, help="prior p1,...,pG (sums to 1 within 1e-9, renormalised); "
                   "default uniform")
    p.add_argument("--invert", action="store_true", help="from an observed --advantage to the ε lower bound")
    p.add_argument("--advantage", type=float, help="observed normalised advantage in [-1/(G-1), 1] (with --invert)")
    p.add_argument("--profile", type=_profile, help="the mechanism's replace-one privacy profile as "
                   "epsilon:delta pairs, e.g. 0:0.3,1:0.05,4:1e-6; the bound is the best over its points")
    p.add_argument("--noise-multiplier", type=float, help="DP-SGD noise multiplier σ")
    p.add_argument("--sampling-rate", type=float, help="DP-SGD Poisson sampling rate q")
    p.add_argument("--steps", type=float, help="DP-SGD steps T")
    p.add_argument("--method", choices=("privacy_profile", "group_privacy"), default="privacy_profile",
                   help="DP-SGD: the replace-one privacy profile from the PLD accountant (default), or an add/remove "
                   "(ε, δ) converted by group privacy (2ε, (1 + e^ε)δ)")
    p.add_argument("--accountant", choices=("rdp", "pld"), default=None,
                   help="dp-accounting method for --method group_privacy (default rdp); the profile always uses pld")
    p.add_argument("--json", action="store_true", help="print one JSON object with stable keys")


def _run_bound(args: argparse.Namespace) -> int:
    from theory import dpsgd_sa_bound, epsilon_lower_bound, profile_sa_bound, sa_bound
    from theory.validate import check_groups

    g = check_groups(args.groups)
    delta = 0.0 if args.delta is None else args.delta + 0.0  # + 0.0: -0 prints as 0.0
    dpsgd = [args.noise_multiplier, args.sampling_rate, args.steps]
    if args.advantage is not None and not args.invert:
        raise ValueError("`--advantage` is only used with --invert (the epsilon lower bound from an observed "
                         "advantage); add --invert or drop --advantage.")
    if args.invert:
        if args.advantage is None:
            raise ValueError("`--advantage` is required with --invert (a number in [-1/(G-1), 1]).")
        eps = epsilon_lower_bound(args.advantage, delta, g, prior=args.prior)
        method = ("inversion of the exact optimum for the prior (result 7)" if args.prior is not None else
                  "inversion of tight_gary (result 6)" + (" = eta (result 3)" if g == 2 else ""))
        out = {"advantage": args.advantage, "delta": delta, "groups": g, "epsilon_lower_bound": eps, "method": method,
               "prior": args.prior}
    elif args.profile is not None:
        if args.epsilon is not None or any(v is not None for v in dpsgd):
            raise ValueError("`--profile` replaces --epsilon and the DP-SGD flags; give only one of them.")
        if args.delta is not None:
            raise ValueError("`--delta` is not used with --profile (each epsilon:delta pair carries its own delta); "
                             "drop --delta.")
        out = profile_sa_bound(args.profile, groups=g, prior=args.prior).to_dict()
        out["method"] = "privacy_profile (user-supplied (epsilon, delta) pairs; best point)"
    elif any(v is not None for v in dpsgd):
        if any(v is None for v in dpsgd):
            raise ValueError("`--noise-multiplier`, `--sampling-rate` and `--steps` must be given together.")
        if args.method == "privacy_profile" and args.accountant == "rdp":
            raise ValueError("`--accountant` rdp gives no privacy profile: use --method group_privacy with it.")
        accountant = args.accountant or ("pld" if args.method == "privacy_profile" else "rdp")
        if args.method == "privacy_profile" and args.delta is not None:
            raise ValueError("`--delta` is not used by --method privacy_profile (the whole profile delta(epsilon) is "
                             "used); drop --delta, or give it with --method group_privacy.")
        out = dpsgd_sa_bound(noise_multiplier=args.noise_multiplier, sampling_rate=args.sampling_rate, steps=args.steps,
                             groups=g, delta=None if args.delta is None else delta, prior=args.prior, method=args.method,
                             accountant=accountant).to_dict()
    else:
        if args.epsilon is None:
            raise ValueError("`--epsilon` is required (a number >= 0), unless --invert, --profile or DP-SGD flags are "
                             "given.")
        out = sa_bound(epsilon=args.epsilon, delta=delta, groups=g, prior=args.prior).to_dict()
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
    p.add_argument("--proofs", help="the Coq sources to check (default: the checkout's proofs/)")
    p.add_argument("--quick", action="store_true", help="coqchk re-checks only this library, not the standard library")
    p.add_argument("--write-statements", action="store_true", help="rewrite proofs/STATEMENTS (the pinned theorem "
                   "statements) from the sources after a deliberate change; refused unless every other check passes")


def _run_verify(args: argparse.Namespace) -> int:
    from pathlib import Path

    from empirical.verify import COQ_INSTALL, format_report, verify

    if args.proofs and not (Path(args.proofs).is_dir() and any(Path(args.proofs).glob("*.v"))):
        raise ValueError(f"`--proofs` {args.proofs}: not a folder of Coq sources (*.v), e.g. proofs/")
    if args.write_statements:
        from empirical.verify import STATEMENTS, write_statements

        write_statements(args.proofs or STATEMENTS.parent)
        print(f"wrote {STATEMENTS}")
        return 0
    try:
        rep = verify(run_property_tests=not args.no_tests, proofs=Path(args.proofs) if args.proofs else None,
                     full_coqchk=not args.quick)
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
