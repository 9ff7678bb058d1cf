"""Supervised fine-tuning data for sensitivity awareness from ACCESS DENIED INC queries.

Each example is a conversational prompt/completion pair: the query's system + user messages, and an assistant
reply that ends with the expected answer in double braces. What comes before the braces is the ``completion``
form:

- ``reasoning``: one sentence applying the access policy (who asks, about whom, whether that is allowed);
- ``decision``: the one word ``Allowed.`` or ``Denied.``;
- ``answer``: nothing, the braces only;
- ``names``: who asks (the name in the banner) and whom the question is about (as the message names them: a
  name, ``employee <id>``, or ``their own record`` for "my …"), then the decision word: ``Asker: Ann Lee. Subject:
  Bo Chen. Denied. {{…}}``. It puts the two names side by side, where a small model can compare them.

No form states a protected value outside the braces: the reasoning and decision forms name nobody and hold no
number; the names form repeats only what the asker already sees (the banner and their own message).
"""

from __future__ import annotations

import re

import numpy as np

from empirical.benchmark.company import Company, company_entities, full_name
from empirical.benchmark.prompts import BANNER, QUESTIONS
from empirical.benchmark.questionnaire import Sampler
from empirical.benchmark.vocabulary import REFUSAL
from empirical.policy.cedar import Policy, decide_rows

COMPLETIONS = ("reasoning", "decision", "answer", "names")
#: which sampled queries get a minimal-pair twin (:func:`with_twins`)
TWINS = ("none", "all", "refused")
ALLOWED, DENIED = "Allowed.", "Denied."


def reasoning(q: dict, company: Company | None = None) -> str:
    """One sentence applying the policy: who asks, about whom, and whether that is allowed (no names, no values;
    ``company`` is accepted for callers of the earlier signature and not needed)."""
    what = q["attribute"].replace("_", " ")
    if q["malicious"]:
        if q["block"] == "lying":
            return (f"The banner verifies another user; a name claimed inside the message does not count, so the {what} "
                    "stays private.")
        return (f"The verified user is not the employee asked about, not their supervisor and not in human resources, "
                f"so the {what} stays private.")
    if q["perspective"] == "supervisor":
        return f"The verified user supervises the employee asked about and may see the {what}."
    return f"The verified user asks about their own record and may see the {what}."


def subject(q: dict, company: Company) -> str:
    """Whom the user's message asks about, as the message names them."""
    message = q["messages"][-1]["content"]
    target = company.by_id[q["target_id"]]
    if full_name(target) in message:
        return full_name(target)
    if target["id"] in message:
        return f"employee {target['id']}"
    return "their own record"


def completion_text(q: dict, completion: str = "reasoning", company: Company | None = None) -> str:
    """The assistant reply for ``q`` in the given ``completion`` form (see the module docstring)."""
    if completion not in COMPLETIONS:
        raise ValueError(f"`completion` must be one of {', '.join(COMPLETIONS)}. Found {completion!r}.")
    answer = "{{" + (REFUSAL if q["malicious"] else q["expected"]) + "}}"
    if completion == "reasoning":
        return f"{reasoning(q, company)} {answer}"
    if completion == "decision":
        return f"{DENIED if q['malicious'] else ALLOWED} {answer}"
    if completion == "names":
        if company is None:
            raise ValueError("the `names` completion needs the company (to name the asker and the subject)")
        return f"Asker: {full_name(company.by_id[q['asker_id']])}. Subject: {subject(q, company)}. " \
               f"{DENIED if q['malicious'] else ALLOWED} {answer}"
    return answer


_RECORD_ID = re.compile(r"\bid: ([^;\s]+)")


def persons(q: dict) -> list[str]:
    """The people whose data the query holds: every record in its context (an ``id: …`` field of its system message),
    the verified asker and the target; sorted ids. A person-level DP guarantee counts the examples holding each.

    A name that is a field of another person's record (the supervisor a record names) is that record's data and is
    not counted: counting every lead named in their staff's records would put a lead in about half of all examples."""
    found = set(_RECORD_ID.findall(q["messages"][0]["content"])) | {q["asker_id"], q["target_id"]}
    return sorted(found)


def sft_example(q: dict, company: Company | None = None, completion: str = "reasoning") -> dict:
    """{"prompt": [system, user], "completion": [assistant]} (the prompt-completion form of TRL's SFTTrainer), with the
    query's id, block, decision and :func:`persons`."""
    return {"prompt": q["messages"], "completion": [{"role": "assistant", "content": completion_text(q, completion, company)}],
            "id": q["id"], "block": q["block"], "malicious": q["malicious"], "persons": persons(q)}


def opposite(q: dict) -> dict:
    """The query with the opposite decision: a refused query answered with its true value, an answered one refused
    (the reply a preference pair rejects)."""
    flipped = not q["malicious"]
    return {**q, "malicious": flipped, "expected": REFUSAL if flipped else q["truth"]}


def preference_example(q: dict, company: Company | None = None, completion: str = "reasoning") -> dict:
    """{"prompt": [system, user], "chosen": [the reply the policy demands], "rejected": [the opposite decision's reply]}
    (the conversational preference form of TRL's DPOTrainer), with the query's id, block, decision and persons."""
    row = sft_example(q, company, completion)
    wrong = completion_text(opposite(q), completion, company)
    return {"prompt": row["prompt"], "chosen": row["completion"], "rejected": [{"role": "assistant", "content": wrong}],
            **{k: row[k] for k in ("id", "block", "malicious", "persons")}}


def balanced_subset(queries: list[dict], n: int, seed: int, benign_share: float = 0.5) -> list[dict]:
    """``n`` queries spread evenly over the blocks (round-robin in a seeded shuffle). ``benign_share`` is the share
    of benign queries (the questionnaire has 7 benign and 7 malicious blocks, so 0.5 keeps its mix; a larger share
    oversamples the benign blocks, each still evenly)."""
    if not 0 < benign_share < 1:
        raise ValueError(f"`benign_share` must lie in (0, 1). Found {benign_share!r}.")
    if n >= len(queries):
        return list(queries)
    rng = np.random.default_rng(seed)
    by_block: dict[tuple, list[dict]] = {}
    for q in queries:
        by_block.setdefault((q["block"], q["malicious"]), []).append(q)
    n_benign = round(n * benign_share)
    out: list[dict] = []
    for malicious, k in ((False, n_benign), (True, n - n_benign)):
        pools = [[b[i] for i in rng.permutation(len(b))] for key, b in sorted(by_block.items()) if key[1] == malicious]
        out += _round_robin(pools, k)
    return [out[j] for j in rng.permutation(len(out))]


def _round_robin(pools: list[list[dict]], n: int) -> list[dict]:
    out: list[dict] = []
    i = 0
    while len(out) < n and any(i < len(p) for p in pools):
        for p in pools:
            if i < len(p) and len(out) < n:
                out.append(p[i])
        i += 1
    return out


def twin(q: dict, company: Company, sampler: Sampler) -> dict:
    """The query's minimal-pair twin: the same context and (where it can be) the same message, another verified user
    in the banner, and the opposite decision.

    A refused query's twin is asked by the target themselves or by the target's supervisor (the lying block's by
    the impersonated employee, whose own banner makes the claim true); an answered query's twin by a colleague who
    is neither (a first-person message becomes the third-person question about the target, the one change besides
    the banner). A model can tell the two apart only by reading who asks, which is the decision to learn."""
    rng = sampler.rng
    target = company.by_id[q["target_id"]]
    system, user = q["messages"][0]["content"], q["messages"][-1]["content"]
    old_banner = BANNER.format(name=full_name(company.by_id[q["asker_id"]]))
    if old_banner not in system:
        raise ValueError(f"query {q['id']}: its banner is not in its system message")
    if q["malicious"]:
        if q["block"] == "lying" or rng.random() < 0.5:
            asker = target
        else:
            asker = sampler.lead[target["department"]]
        perspective = "self" if asker["id"] == target["id"] else "supervisor"  # a lead supervises themselves
        malicious, expected = False, q["truth"]
    else:
        while True:
            asker = sampler.pick()
            if sampler.unambiguously_unauthorised(asker, target) and full_name(asker) not in system:
                break
        perspective, malicious, expected = "other", True, REFUSAL
        if full_name(target) not in user and target["id"] not in user:  # "How old am I?" → "How old is <target>?"
            user = sampler.choice(QUESTIONS[q["attribute"]]["other"]).format(name=full_name(target), id=target["id"])
    new_banner = BANNER.format(name=full_name(asker))
    if new_banner == old_banner:
        raise ValueError(f"query {q['id']}: its twin's asker has the same name as its asker; the pair would not differ")
    system = system.replace(old_banner, new_banner, 1)
    return {**q, "id": f"{q['id']}-twin", "malicious": malicious, "perspective": perspective, "expected": expected,
            "asker_id": asker["id"], "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}]}


def with_twins(queries: list[dict], company: Company, seed: int, refused_only: bool = False) -> list[dict]:
    """Each query followed by its :func:`twin`; with ``refused_only`` only the refused (malicious) queries get one,
    so every refusal is paired with the same question answered for an authorised asker."""
    sampler = Sampler(company, np.random.default_rng([seed, 0x7A1]))
    out = []
    for q in queries:
        out.append(q)
        if q["malicious"] or not refused_only:
            out.append(twin(q, company, sampler))
    twins = [r for r in out if r["id"].endswith("-twin")]
    allowed = decide_rows(Policy.bundled(), twins, lambda ids: company_entities(company, ids))
    for r, ok in zip(twins, allowed):  # the twin's decision is the policy's, like every query's
        if ok == r["malicious"]:
            raise ValueError(f"query {r['id']}: the access policy does not give the twin the opposite decision")
    return out
