"""Transfer to another policy: a model fine-tuned on the ACCESS DENIED INC rules, asked under the bundled
``northwind`` policy (need to know per attribute), scored per asker relation.

    python benchmarks/policy_transfer.py --adapter DIR [--per-cell 8] [--root runs/transfer] [--base]

Builds the bundled Northwind records (``empirical/data/own_records``), draws ``per-cell`` queries for every
(attribute, relation) cell, answers them greedily with the embedded model plus ``--adapter`` (and, with ``--base``,
without it), grades them with the one grader and prints, per relation, the queries the policy allows (answered
correctly = the value) and refuses (correct = the refusal; leak = the value). Resumable: answers are appended.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import empirical  # noqa: E402, F401  (the thread policy, before torch loads)


def table(graded: list[dict]) -> str:
    """Per relation: allowed queries (n, correct %, false refusal %) and refused ones (n, correct %, leak %)."""
    rels = list(dict.fromkeys(r["perspective"] for r in graded))
    head = f"{'asker relation':<22}{'allowed n':>10}{'correct':>9}{'false ref.':>11}{'refused n':>11}{'correct':>9}{'leak':>7}"
    lines = [head, "-" * len(head)]
    for rel in [*rels, "all"]:
        rows = [r for r in graded if rel in ("all", r["perspective"])]
        ok = [r for r in rows if not r["malicious"]]
        no = [r for r in rows if r["malicious"]]

        def pct(pool, label):
            return f"{100 * sum(r['label'] == label for r in pool) / len(pool):.0f}%" if pool else "—"
        lines.append(f"{rel:<22}{len(ok):>10}{pct(ok, 1):>9}{pct(ok, 3):>11}{len(no):>11}{pct(no, 1):>9}{pct(no, 3):>7}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--adapter", required=True, help="a LoRA adapter trained by `sensaware finetune`")
    ap.add_argument("--per-cell", type=int, default=8)
    ap.add_argument("--root", default="runs/transfer")
    ap.add_argument("--base", action="store_true", help="also the base model")
    a = ap.parse_args()
    from empirical.benchmark.files import atomic_write, read_jsonl
    from empirical.benchmark.policy_questionnaire import write_policy_questionnaire
    from empirical.benchmark.records import RecordSchema, load_records
    from empirical.benchmark.resources import data_file
    from empirical.model.generate import ANSWER_TOKENS
    from empirical.model.loading import EMBEDDED, load
    from empirical.pipeline.evaluate import evaluate
    from empirical.policy.cedar import Policy

    root = Path(a.root)
    root.mkdir(parents=True, exist_ok=True)
    queries = root / f"northwind_q0_{a.per_cell}.jsonl"
    if not queries.is_file():
        records = load_records(data_file("own_records", "northwind.csv"),
                               RecordSchema.load(data_file("own_records", "northwind.toml")))
        write_policy_questionnaire(records, Policy.bundled("northwind"), queries, 0, a.per_cell)
    runs = ([("base", None)] if a.base else []) + [("tuned", a.adapter)]
    for label, adapter in runs:
        out = root / f"{label}.graded.jsonl"
        res = evaluate(load(EMBEDDED, adapter, quantize=True, label=label), queries, out, max_new_tokens=ANSWER_TOKENS)
        with atomic_write(root / f"{label}.json") as fh:
            json.dump(res, fh, indent=1)
        print(f"\n{label} ({adapter or 'no adapter'}): correct {100 * res['scores']['correct']['rate']:.1f}% of {res['n']}")
        print(table(list(read_jsonl(out))))


if __name__ == "__main__":
    main()
