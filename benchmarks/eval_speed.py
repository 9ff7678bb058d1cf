"""Evaluation speed of the embedded model: the answer format's token budget, and seconds per query before/after.

    python benchmarks/eval_speed.py [--queries 28] [--adapter runs/cpu-demo/adapter]

1. The longest expected reply of the compact benchmark (train company 0 and test company 3, questionnaires
   0–2, every block) in SmolLM2 tokens, for each completion form, end-of-turn token included: the budget
   ``ANSWER_TOKENS`` must hold the longest reply of the form the CPU recipe trains plus a margin.
2. Seconds per query of ``generate_answers`` (batch 16) on the same held-out queries (company 3, questionnaire
   0, the first N/14 of each block): the former budget of 64 new tokens vs ``ANSWER_TOKENS``, both stopping at
   the end-of-turn token, for the base model and, with ``--adapter``, the fine-tuned one; and whether the grades
   are the same under both budgets (a shorter budget must not cut a correct answer).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FORMER_BUDGET = 64


def longest_replies() -> dict[str, tuple[int, str]]:
    from empirical.benchmark.company import build_company
    from empirical.benchmark.questionnaire import generate
    from empirical.model.loading import EMBEDDED, load_model
    from empirical.model.sft import COMPLETIONS, completion_text

    _, tok = load_model(EMBEDDED, quantize=False)
    best = {form: (0, "") for form in COMPLETIONS}
    for seed in (0, 3):
        company = build_company(seed)
        for qs in (0, 1, 2):
            for q in generate(company, qs, "compact"):
                for form in COMPLETIONS:
                    text = completion_text(q, form, company)
                    n = len(tok(text, add_special_tokens=False)["input_ids"]) + 1  # + the end-of-turn token
                    if n > best[form][0]:
                        best[form] = (n, text)
    return best


def seconds_per_query(n_queries: int, adapter: str | None) -> list[tuple[str, int, float, list[str]]]:
    import json

    from empirical.benchmark.company import build_company
    from empirical.benchmark.grader import grade
    from empirical.benchmark.questionnaire import generate
    from empirical.model.generate import ANSWER_TOKENS, generate_answers, select
    from empirical.model.loading import EMBEDDED, load

    per_block = max(1, n_queries // 14)
    queries = select(list(generate(build_company(3), 0, "compact")), per_block)
    out = []
    for label, path in (("base", None), ("fine-tuned", adapter)):
        if label == "fine-tuned" and not path:
            continue
        lm = load(EMBEDDED, path, label=label)
        for budget in (FORMER_BUDGET, ANSWER_TOKENS):
            with tempfile.TemporaryDirectory() as d:
                t = time.perf_counter()
                f = generate_answers(lm, queries, Path(d) / "a.jsonl", batch_size=16, max_new_tokens=budget)
                dt = time.perf_counter() - t
                rows = [json.loads(line) for line in f.read_text().splitlines()]
                labels = [grade(r["output"], r["truth"], r["attribute"], r["malicious"]) for r in rows]
            out.append((label, budget, dt / len(queries), labels))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--queries", type=int, default=28, help="held-out queries to time (spread over the 14 blocks)")
    p.add_argument("--adapter", help="a LoRA adapter of the embedded model (e.g. runs/cpu-demo/adapter)")
    args = p.parse_args()
    from empirical.model.generate import ANSWER_TOKENS

    for form, (n, text) in longest_replies().items():
        print(f"longest {form:<9} reply: {n:3d} tokens  {text!r}")
    print(f"ANSWER_TOKENS = {ANSWER_TOKENS}")
    rows = seconds_per_query(args.queries, args.adapter)
    for label, budget, spq, _ in rows:
        print(f"{label:<10} max_new_tokens {budget:3d}: {spq:.2f} s/query")
    for label in dict.fromkeys(r[0] for r in rows):
        a, b = [r for r in rows if r[0] == label]
        same = sum(x == y for x, y in zip(a[3], b[3]))
        print(f"{label:<10} speed-up {a[2] / b[2]:.2f}x; same grade under both budgets: {same}/{len(a[3])}")


if __name__ == "__main__":
    main()
