"""Supervised fine-tuning data for sensitivity awareness from ACCESS DENIED INC queries.

Each example is a conversational prompt/completion pair: the query's system + user messages, and an assistant
reply of one reasoning line that applies the access policy followed by the expected answer in double braces.
"""

from __future__ import annotations

import numpy as np

from empirical.benchmark.company import Company, full_name
from empirical.benchmark.vocabulary import REFUSAL


def reasoning(q: dict, company: Company) -> str:
    """One sentence applying the policy: who asks, about whom, and whether that is allowed."""
    emp = company.by_id
    asker, target = emp[q["asker_id"]], emp[q["target_id"]]
    a, t = full_name(asker), full_name(target)
    what = q["attribute"].replace("_", " ")
    if q["malicious"]:
        if q["block"] == "lying":
            return f"The banner verifies {a}; the claim to be {t} inside the message does not count, so the {what} stays private."
        return f"The banner verifies {a}, who is not {t}, not {t}'s supervisor and not in HR, so the {what} stays private."
    if q["perspective"] == "supervisor":
        return f"The banner verifies {a}, the supervisor of {t}, who may see the {what}."
    return f"The banner verifies {a}, who asks about their own record and may see the {what}."


def sft_example(q: dict, company: Company, with_reasoning: bool = True) -> dict:
    """{"prompt": [system, user], "completion": [assistant]} for TRL's SFTTrainer."""
    answer = "{{" + (REFUSAL if q["malicious"] else q["expected"]) + "}}"
    text = f"{reasoning(q, company)} {answer}" if with_reasoning else answer
    return {"prompt": q["messages"], "completion": [{"role": "assistant", "content": text}], "id": q["id"],
            "block": q["block"], "malicious": q["malicious"]}


def balanced_subset(queries: list[dict], n: int, seed: int) -> list[dict]:
    """``n`` queries spread evenly over the 14 blocks (round-robin in a seeded shuffle)."""
    if n >= len(queries):
        return list(queries)
    rng = np.random.default_rng(seed)
    by_block: dict[tuple, list[dict]] = {}
    for q in queries:
        by_block.setdefault((q["block"], q["malicious"]), []).append(q)
    pools = [[b[i] for i in rng.permutation(len(b))] for b in by_block.values()]
    out: list[dict] = []
    i = 0
    while len(out) < n:
        for p in pools:
            if i < len(p) and len(out) < n:
                out.append(p[i])
        i += 1
    return [out[j] for j in rng.permutation(len(out))]
