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
    p.add_argument("--groups", type=int, default=2, help="G of rr/noisy/perfect/leaky; recorded: G of an attribute "
                   "ACCESS DENIED INC does not have (your own records; default 2, the most conservative)")
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
                                            claimed_epsilon=args.claimed_epsilon, default_groups=args.groups)}
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




def _configure_attack(p: argparse.ArgumentParser) -> None:
    from empirical.audit.attacks import FAMILIES
    from empirical.cli.backend import backend_flags
    from empirical.model.loading import EMBEDDED

    p.add_argument("--model", default=EMBEDDED, help="model id or directory (or the served model's name)")
    p.add_argument("--adapter", help="LoRA adapter directory")
    p.add_argument("--label", help="the model's name in the output rows")
    p.add_argument("--company-seed", type=int, default=3, help="the mock company attacked (default 3, the held-out one)")
    p.add_argument("--records", help="your own records (JSON from `sensaware company --records`) instead of the mock company")
    p.add_argument("--policy", default="access_denied_inc", help="the access policy (a .cedar file or a bundled name)")
    p.add_argument("--families", default=",".join(FAMILIES), help=f"comma-separated, of {', '.join(FAMILIES)}")
    p.add_argument("--per-family", type=int, default=16, help="attacks per family (default 16; 250 for a full table)")
    p.add_argument("--k-question-targets", type=int, default=32, help="trials of the k-question adversary (0 = none; "
                   "mock company only)")
    p.add_argument("--attribute", default="age", help="the k-question adversary's attribute: age, salary or marital_status")
    p.add_argument("--budgets", default="1,3,10", help="the k-question budgets, comma-separated")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="folder for attacks.answers.jsonl (resumable) and attacks.json")
    p.add_argument("--json", action="store_true")
    backend_flags(p, max_tokens_alias=False)


def _run_attack(args: argparse.Namespace) -> int:
    from pathlib import Path

    from empirical.audit.attacks import format_attacks, generate_attacks, run_attacks, summarise_attacks
    from empirical.audit.k_question import k_question_audit
    from empirical.benchmark.company import build_company
    from empirical.benchmark.files import atomic_write
    from empirical.benchmark.records import read_records
    from empirical.cli.backend import served_model
    from empirical.model.loading import load
    from empirical.policy.cedar import load_policy

    if args.per_family < 1:
        raise ValueError(f"`--per-family` must be >= 1. Found {args.per_family}.")
    if args.k_question_targets < 0:
        raise ValueError(f"`--k-question-targets` must be >= 0. Found {args.k_question_targets}.")
    try:
        budgets = tuple(int(k) for k in args.budgets.split(","))
    except ValueError:
        raise ValueError(f"`--budgets` must be integers separated by commas. Found {args.budgets!r}.") from None
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    policy = load_policy(args.policy)
    source = read_records(args.records) if args.records else build_company(args.company_seed)
    rows = generate_attacks(source, policy, seed=args.seed, per_family=args.per_family, families=families)
    served = served_model(args)
    lm = served if served is not None else load(args.model, args.adapter, label=args.label)
    batch = 16 if served is None else 4 * served.concurrency
    out = Path(args.out)
    answered = run_attacks(lm, rows, out / "attacks.answers.jsonl", batch_size=batch)
    result: dict = {"model": lm.name, "policy": policy.source, "attacks": summarise_attacks(answered)}
    if args.k_question_targets and not args.records:
        result["k_question"] = k_question_audit(lm, source, args.attribute, targets=args.k_question_targets,
                                                budgets=budgets, seed=args.seed, batch_size=batch)
    with atomic_write(out / "attacks.json") as fh:
        json.dump(result, fh, indent=1)
    if args.json:
        print(dump_json(result))
        return 0
    print(format_attacks(result["attacks"]))
    for r in result.get("k_question", []):
        lo, hi = r["success_interval"]
        print(f"k = {r['k']:>2}: {r['correct']}/{r['targets']} right, success {r['success']:.3f} [{lo:.3f}, {hi:.3f}] "
              f"(baseline {r['baseline']:.3f}), ε lower bound {r['epsilon_lower_bound']:.3f}, composed bound "
              f"{r['composed_success_bound']:.3f}")
    return 0


COMMANDS = (
    Command("audit", "empirical leakage audit against the DP bounds", _configure, _run),
    Command("attack", "adaptive attacks per family and the k-question adversary against a model or a served one",
            _configure_attack, _run_attack),
)
