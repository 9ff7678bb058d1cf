"""What the figures show, computed once from a run's results: the run summary and each figure's data.

:func:`run_summary` extracts from a ``sensaware run``'s results what the figures need about our models;
:func:`figure_data` computes every analysis the figures draw — bounds curves and the correlation floor (a), the
sandwich with exact LP optima (b), benchmark correctness with intervals (c), the audit's validation on simulated
mechanisms and the ε lower bounds of real models (d), the SA/capability trade-off (e) and the DP sweep (f) — and
:func:`write_figure_data` writes one JSON per figure, which :mod:`empirical.pipeline.figures` only draws.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from empirical.audit.recorded import audit_recorded
from empirical.audit.simulated import validation_table
from empirical.benchmark.company import build_company
from empirical.benchmark.files import atomic_write, read_jsonl
from empirical.benchmark.resources import bundled_results, recorded_outputs_path
from empirical.benchmark.scores import Rate, score, score_by
from empirical.model.loading import EMBEDDED
from theory import advantage, correlation_floor, eta, optimal_success_lp_conditional, tight_gary_advantage
from theory.correlation_floor import joint_from_samples

PUBLISHED = {  # correctness published in arXiv 2601.20901 (3 seeds)
    "Qwen3-8B (paper)": 0.553, "Qwen3-8B + LoRA (paper)": 0.770, "Qwen3-14B (paper)": 0.603,
    "Qwen3-14B + LoRA (paper)": 0.737, "GPT-5 Nano (paper)": 0.747,
}
#: our two models in a run: key → the stage holding its evaluation
OURS = {"base": "eval_base", "fine-tuned": "eval_tuned"}
#: δ of the sandwich figure (b)
SANDWICH_DELTA = 0.01
#: the figures, in order: file stem → what it shows
FIGURES = ("a_bounds", "b_sandwich", "c_benchmark", "d_audit", "e_tradeoff", "f_dp", "g_attacks")


def bundled_summary() -> dict:
    """The run summary of the bundled cpu-demo run."""
    return run_summary(bundled_results())


def run_summary(results: dict) -> dict:
    """What the figures need from a ``sensaware run``: per model (base, fine-tuned) the SA correctness counts, the
    capability score with its per-task values, and the LLM audit's ε lower bound."""
    cfg = results["config"]
    short = "SmolLM2-135M" if cfg["model"] == EMBEDDED else cfg["model"].rstrip("/").split("/")[-1]
    models = {}
    for key, ev in OURS.items():
        if not results.get(ev):
            continue
        c = results[ev]["scores"]["correct"]
        m = {"label": f"{short} {'base' if key == 'base' else '+ QLoRA'} (ours)", "correct": c["k"], "n": c["n"]}
        cap = (results.get("capability") or {}).get(key)
        if cap:
            m["capability"] = cap["score"]
            m["capability_tasks"] = {t: v["value"] for t, v in cap["tasks"].items()}
        aud = (results.get("llm_audit") or {}).get(key)
        if aud:
            m["audit"] = {k: aud[k] for k in ("attribute", "groups", "queries", "correct", "epsilon_lower_bound")}
        rec = (results.get("recorded_audit") or {}).get(key)
        if rec:  # the leak counts of its evaluation's malicious queries, per attribute (figure d)
            m["recorded"] = {a: {"leaks": v["leaks"], "malicious_queries": v["malicious_queries"]} for a, v in rec.items()}
        models[key] = m
    out = {"run": cfg["name"], "model": cfg["model"], "models": models}
    if results.get("dp_audit"):
        out["dp_audit"] = results["dp_audit"]
    for key in ("attacks", "k_question"):
        if results.get(key):
            out[key] = results[key]
    return out


def bounds_data() -> dict:
    """(a) η(ε, 0), the tight G-ary bound for G = 5, 10, 50, and the correlation floor of age decade given
    occupation in the company of seed 0."""
    eps = np.linspace(0, 6, 121)
    data = {"epsilon": eps.tolist(), "eta": eta(eps, 0.0).tolist()}
    for g in (5, 10, 50):
        data[f"tight_G{g}"] = tight_gary_advantage(eps, 0.0, g).tolist()
    emp = build_company(0).employees
    bins = [min(int(e["age"]) // 10, 6) for e in emp]
    table, _, _ = joint_from_samples([e["occupation"] for e in emp], bins)
    data["floor_age_bins_given_occupation"] = correlation_floor(table)
    return data


def sandwich_data() -> dict:
    """(b) the sandwich L ≤ Adv* ≤ L + (1 − L)η with exact LP optima of a correlated 3-context, 4-value prior."""
    joint = np.array([[0.20, 0.05, 0.03, 0.02], [0.04, 0.18, 0.05, 0.03], [0.05, 0.05, 0.10, 0.20]])
    g = joint.shape[1]
    floor = correlation_floor(joint)
    eps = np.linspace(0, 5, 41)
    upper = floor + (1 - floor) * eta(eps, SANDWICH_DELTA)
    lp = [float(advantage(optimal_success_lp_conditional(e, SANDWICH_DELTA, joint), g)) for e in eps[::4]]
    return {"joint": joint.tolist(), "floor": floor, "epsilon": eps.tolist(), "upper": upper.tolist(),
            "lp_epsilon": eps[::4].tolist(), "lp": lp}


def recorded_rows() -> list[dict]:
    return list(read_jsonl(recorded_outputs_path()))


def benchmark_data(summary: dict | None = None, extra_runs: dict[str, str] | None = None,
                   rows: list[dict] | None = None) -> dict:
    """(c) correctness by model with 95% Clopper–Pearson intervals: the bundled real outputs, our models, any extra
    graded runs, then the published values (no interval); ``recomputed`` counts the entries with an interval."""
    scores = {f"{m} (seed 0)": s["correct"] for m, s in score_by(rows or recorded_rows(), "model").items()}
    for m in (summary or {}).get("models", {}).values():
        scores[m["label"]] = Rate.of(m["correct"], m["n"])
    for name, path in (extra_runs or {}).items():
        graded = list(read_jsonl(path, required=("label", "malicious")))  # a missing or ungraded file is an error
        if not graded:
            raise ValueError(f"`--run` {name}={path}: no rows")
        scores[name] = score(graded)["correct"]
    names = list(scores) + list(PUBLISHED)
    vals = [scores[n].rate for n in scores] + list(PUBLISHED.values())
    lo = [scores[n].rate - scores[n].cp_low for n in scores] + [0] * len(PUBLISHED)
    hi = [scores[n].cp_high - scores[n].rate for n in scores] + [0] * len(PUBLISHED)
    return {"names": names, "correct": vals, "low": [v - d for v, d in zip(vals, lo)],
            "high": [v + d for v, d in zip(vals, hi)], "recomputed": len(scores)}


def recorded_epsilon_bounds(confidence: float = 0.95, rows: list[dict] | None = None) -> dict[str, dict]:
    """Per bundled real model: the largest ε lower bound over the attributes, each attribute audited at confidence
    1 − (1 − confidence)/m (Bonferroni over the m attributes, so the maximum holds at ``confidence``)."""
    rows = rows or recorded_rows()
    rec = audit_recorded(rows, confidence=1 - (1 - confidence) / len(attributes(rows)))
    out = {}
    for model, attrs in rec.items():
        attr, best = max(attrs.items(), key=lambda kv: kv[1]["epsilon_lower_bound"])
        out[model] = {"attribute": attr, "epsilon_lower_bound": best["epsilon_lower_bound"], "leaks": best["leaks"],
                      "malicious_queries": best["malicious_queries"], "groups": best["groups"]}
    return out


def attributes(rows: list[dict]) -> list[str]:
    """The attributes audit_recorded groups malicious rows by (the lying block counts as its own)."""
    return sorted({"lying" if r.get("block") == "lying" else r["attribute"] for r in rows if r.get("malicious")})


def _rows_from_counts(counts: dict[str, dict]) -> list[dict]:
    """Malicious rows with the given leak counts per attribute (``lying`` as its block): all the recorded audit reads."""
    rows = []
    for attr, c in counts.items():
        base = {"malicious": True, "block": "lying", "attribute": "name"} if attr == "lying" else {"malicious": True,
                                                                                                  "attribute": attr}
        rows += [{**base, "label": 3}] * c["leaks"] + [{**base, "label": 0}] * (c["malicious_queries"] - c["leaks"])
    return rows


def _budgeted(rows: list[dict], budget: dict[str, int]) -> list[dict]:
    """Each model's first ``budget[attribute]`` malicious rows of each attribute (the bundled files' order)."""
    seen: dict = {}
    out = []
    for r in rows:
        if not r.get("malicious"):
            continue
        key = (r.get("model"), "lying" if r.get("block") == "lying" else r["attribute"])
        if seen.get(key, 0) < budget.get(key[1], 0):
            seen[key] = seen.get(key, 0) + 1
            out.append(r)
    return out


def audit_data(summary: dict | None = None, audits: int = 200, rows: list[dict] | None = None) -> dict:
    """(d) left: the median empirical ε lower bound (95%) of ``audits`` seeded audits of G-ary randomised response
    with N = 10⁴ queries against the true ε. Right: one method and one query budget for every bar — the recorded
    audit (leak rate → ε lower bound, largest over attributes, Bonferroni) of the bundled real models' first n
    malicious queries per attribute and of our models' evaluation answers, n the smallest count any model has per
    attribute (all of the bundled ones' when no model of ours is in the summary)."""
    table = validation_table(epsilons=(0.25, 0.5, 1.0, 2.0, 3.0, 4.0), groups=(2, 10), sizes=(10_000,), audits=audits, seed=0)
    rows = rows or recorded_rows()
    full = {f"{m} ({v['attribute']})": v["epsilon_lower_bound"] for m, v in recorded_epsilon_bounds(rows=rows).items()}
    ours_counts = {m["label"]: m["recorded"] for m in (summary or {}).get("models", {}).values() if m.get("recorded")}
    if ours_counts:
        theirs: dict = {}
        for r in rows:
            if r.get("malicious"):
                key = (r.get("model"), "lying" if r.get("block") == "lying" else r["attribute"])
                theirs[key] = theirs.get(key, 0) + 1
        attrs = {a for c in ours_counts.values() for a in c}
        budget = {a: min([c[a]["malicious_queries"] for c in ours_counts.values() if a in c]
                         + [n for (_, a2), n in theirs.items() if a2 == a]) for a in sorted(attrs)}
        sub = _budgeted(rows, budget)
    else:
        budget, sub = {}, rows
    real = {f"{m} ({v['attribute']})": v["epsilon_lower_bound"] for m, v in recorded_epsilon_bounds(rows=sub).items()}
    ours = {}
    for label, counts in ours_counts.items():
        # only counts are kept: with more queries than the budget, the fewest leaks the first n could hold (never
        # more than the truth); exact when the counts equal the budget (the cpu-demo run: 10 each)
        clipped = {a: {"leaks": max(0, c["leaks"] - (c["malicious_queries"] - budget[a])), "malicious_queries": budget[a]}
                   for a, c in counts.items()}
        best = recorded_epsilon_bounds(rows=_rows_from_counts(clipped))["all"]
        ours[f"{label} ({best['attribute']})"] = best["epsilon_lower_bound"]
    return {"rows": table, "real_models": real, "ours": ours, "budget": budget,
            "real_models_all_queries": full}


def tradeoff_data(summary: dict | None = None) -> dict:
    """(e) SA correctness (95% CP interval) against the capability score, before and after fine-tuning."""
    data: dict = {"models": []}
    for m in [m for m in (summary or {}).get("models", {}).values() if "capability" in m]:
        r = Rate.of(m["correct"], m["n"])
        data["models"].append({"label": m["label"], "capability": m["capability"], "sa_correct": r.rate, "sa_low": r.cp_low,
                               "sa_high": r.cp_high, "capability_tasks": m.get("capability_tasks", {})})
    return data


def dp_data(summary: dict | None = None) -> dict:
    """(f) the DP sweep: per training run (certified ε, None without DP) and adversary, the one-run ε lower bound,
    and the measured success (one-sided Clopper–Pearson bounds at the entry's level) beside the privacy-profile
    bound on it."""
    runs = []
    for e in (summary or {}).get("dp_audit", []):
        runs.append({k: e.get(k) for k in ("adversary", "threat_model", "epsilon", "target_epsilon", "epsilon_lower_bound",
                                           "success",
                                           "success_interval", "success_bound", "guesses", "correct", "canaries",
                                           "groups", "delta")})
    return {"runs": runs}


def attacks_data(summary: dict | None = None) -> dict:
    """(g) leak rate per attack family and model (two-sided 95% Clopper–Pearson intervals), and the k-question
    adversary's success against its budget k with the prior's baseline and the composed bound of result 8."""
    s = summary or {}
    return {"attacks": [{k: a[k] for k in ("family", "model", "n", "leaks", "leak_rate", "interval")} for a in s.get("attacks", [])],
            "k_question": [{k: r[k] for k in ("model", "attribute", "groups", "prior", "k", "targets", "correct", "success",
                                              "success_interval", "baseline", "epsilon_lower_bound", "composed_success_bound")}
                           for r in s.get("k_question", [])]}


def figure_data(summary: dict | None = None, extra_runs: dict[str, str] | None = None) -> dict[str, dict]:
    """Every figure's data; ``summary`` defaults to the bundled summary of our cpu-demo run."""
    summary = bundled_summary() if summary is None else summary
    rows = recorded_rows()
    return {"a_bounds": bounds_data(), "b_sandwich": sandwich_data(), "c_benchmark": benchmark_data(summary, extra_runs, rows),
            "d_audit": audit_data(summary, rows=rows), "e_tradeoff": tradeoff_data(summary),
            "f_dp": dp_data(summary), "g_attacks": attacks_data(summary)}


def write_figure_data(data: dict[str, dict], out: str | Path) -> list[Path]:
    """One ``<figure>.json`` per figure under ``out`` (atomic writes)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, d in data.items():
        with atomic_write(out / f"{name}.json") as fh:
            json.dump(d, fh, indent=1)
        paths.append(out / f"{name}.json")
    return paths
