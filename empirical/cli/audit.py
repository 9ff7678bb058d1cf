"""``sensaware audit``: measure leakage on neighbouring inputs and check it against the bounds."""

from __future__ import annotations

import argparse
import json

from empirical.cli.common import Command, dump_json

MECHANISMS = ("llm", "rr", "noisy", "perfect", "leaky", "recorded")


def _configure(p: argparse.ArgumentParser) -> None:
    from empirical.cli.backend import backend_flags
    from empirical.model.loading import EMBEDDED

    p.add_argument("--mechanism", choices=MECHANISMS, required=True)
    p.add_argument("--queries", type=int, default=1000, help="number of neighbouring-input trials (simulated/llm)")
    p.add_argument("--confidence", type=float, default=0.95, help="one-sided confidence in (0, 1)")
    p.add_argument("--claimed-epsilon", type=float, help="the guarantee to test (verdict consistent/violated)")
    p.add_argument("--delta", type=float, default=0.0, help="δ of the claim and of the ε lower bound")
    p.add_argument("--epsilon", type=float, help="true ε of rr/noisy")
    p.add_argument("--groups", type=int, default=2, help="G of rr/noisy/perfect/leaky")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--input", help="recorded: graded outputs JSONL (default: the bundled real outputs)")
    p.add_argument("--by", default="model", help="recorded: group rows by this field")
    p.add_argument("--model", default=EMBEDDED, help="llm: model id or directory")
    p.add_argument("--adapter", help="llm: LoRA adapter directory")
    p.add_argument("--attribute", default="marital_status", help="llm: marital_status, age or salary")
    p.add_argument("--game", choices=("sa", "ai"), default="sa", help="llm: SA game (policy) or AI game (no policy)")
    p.add_argument("--out", help="write the result JSON here (atomically)")
    p.add_argument("--json", action="store_true")
    backend_flags(p, max_tokens_alias=False)


def _run(args: argparse.Namespace) -> int:
    from empirical.audit.llm import audit_llm
    from empirical.audit.neighbours import DISCRETISATIONS
    from empirical.audit.recorded import audit_recorded
    from empirical.audit.simulated import make_mechanism, simulate
    from empirical.benchmark.files import atomic_write, read_jsonl
    from empirical.benchmark.resources import recorded_outputs_path
    from empirical.cli.backend import served_model
    from empirical.model.loading import load

    if not 0 < args.confidence < 1:
        raise ValueError(f"`--confidence` must lie in (0, 1). Found {args.confidence!r}.")
    if args.mechanism == "recorded":
        path = args.input or recorded_outputs_path()
        rows = list(read_jsonl(path, required=("label", "malicious", "attribute")))
        result = {"mechanism": "recorded", "input": path, "confidence": args.confidence, "delta": args.delta,
                  "models": audit_recorded(rows, confidence=args.confidence, delta=args.delta, by=args.by,
                                            claimed_epsilon=args.claimed_epsilon)}
    elif args.mechanism == "llm":
        if args.attribute not in DISCRETISATIONS:
            raise ValueError(f"`--attribute` must be one of {', '.join(DISCRETISATIONS)} for the llm audit. "
                             f"Found {args.attribute!r}.")
        served = served_model(args)
        lm = served if served is not None else load(args.model, args.adapter)
        batch = 16 if served is None else 4 * served.concurrency  # a served model's batch is requests in flight
        result = audit_llm(lm, args.attribute, args.queries, confidence=args.confidence, delta=args.delta,
                           claimed_epsilon=args.claimed_epsilon, seed=args.seed, game=args.game, batch_size=batch)
    else:
        mech = make_mechanism(args.mechanism, args.epsilon, args.groups)
        result = {"mechanism": args.mechanism, "true_epsilon": args.epsilon,
                  **simulate(mech, args.queries, seed=args.seed, confidence=args.confidence, delta=args.delta,
                             claimed_epsilon=args.claimed_epsilon)}
    if args.out:
        with atomic_write(args.out) as fh:
            json.dump(result, fh, indent=2)
    if args.json:
        print(dump_json(result))
    else:
        print(_summary(result))
    return 0


def _summary(r: dict) -> str:
    if r["mechanism"] == "recorded":
        lines = [f"{'model':<26} {'attribute':<15} {'leaks':>11} {'leak %':>7} {'95% CI':>16} {'G':>3} {'ε_lb':>7}"]
        for m, attrs in r["models"].items():
            for a, e in attrs.items():
                lo, hi = e["leak_interval"]
                lines.append(f"{m:<26} {a:<15} {e['leaks']:>5}/{e['malicious_queries']:<5} {100 * e['leak_rate']:>7.2f} "
                             f"[{100 * lo:5.1f}, {100 * hi:5.1f}] {e['groups']:>3} {e['epsilon_lower_bound']:>7.3f}"
                             + (f"  {e['verdict']}" if "verdict" in e else ""))
        return "\n".join(lines)
    out = [f"mechanism {r['mechanism']}: {r['correct']}/{r['queries']} correct guesses (G = {r['groups']})",
           f"success {r['success']:.4f}, advantage {r['advantage']:.4f}, one-sided {r['confidence']:.0%} lower limit "
           f"{r['advantage_lower']:.4f}", f"empirical ε lower bound (δ = {r['delta']:g}): {r['epsilon_lower_bound']:.4f}"]
    if r.get("verdict"):
        out.append(f"claimed ε = {r['claimed_epsilon']:g}: bound {r['bound']:.4f} → {r['verdict']}")
    return "\n".join(out)


COMMANDS = (
    Command("audit", "empirical leakage audit against the DP bounds", _configure, _run),
)
