"""The paper's figures and ours, regenerated deterministically from data (``sensaware figures``).

(a) η(ε, δ), the tight G-ary bound for several G and the correlation floor L against ε;
(b) the sandwich L ≤ Adv* ≤ L + (1 − L)η with exact LP optima overlaid;
(c) ACCESS DENIED INC correctness by model from the bundled real outputs (with intervals) beside the paper's
    published values (marked) and, when given, our own models;
(d) the audit's empirical ε lower bounds against the true ε for randomised response, and for real models (recorded
    outputs and our own models, where the true ε is unknown);
(e) the trade-off between sensitivity awareness and general ability before and after fine-tuning.
Our own models enter (c)–(e) through a *run summary* (:func:`run_summary` of a ``sensaware run``'s results.json);
the committed figures use our cpu-demo run's results (``empirical/data/runs/cpu-demo.results.json``).
Each figure is written as PNG and PDF (fixed metadata, so reruns give the same bytes) with a JSON of the data drawn.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

PUBLISHED = {  # correctness, EMPIRICAL.md §4 (paper, 3 seeds)
    "Qwen3-8B (paper)": 0.553, "Qwen3-8B + LoRA (paper)": 0.770, "Qwen3-14B (paper)": 0.603,
    "Qwen3-14B + LoRA (paper)": 0.737, "GPT-5 Nano (paper)": 0.747,
}
FIGSIZE = (3.4, 2.6)  # one column
#: our two models in a run: key -> the stage holding its evaluation
OURS = {"base": "eval_base", "fine-tuned": "eval_tuned"}


def bundled_results() -> dict:
    """results.json of our cpu-demo run (the README's main command on a 2-core CPU), shipped with the package."""
    from importlib import resources

    return json.loads(resources.files("empirical").joinpath("data", "runs", "cpu-demo.results.json").read_text(encoding="utf-8"))


def bundled_summary() -> dict:
    """The run summary of the bundled cpu-demo run."""
    return run_summary(bundled_results())


def run_summary(results: dict) -> dict:
    """What the figures need from a ``sensaware run``: per model (base, fine-tuned) the SA correctness counts, the
    capability score with its per-task values, and the LLM audit's ε lower bound."""
    from empirical.model.loading import EMBEDDED

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
        models[key] = m
    return {"run": cfg["name"], "model": cfg["model"], "models": models}


def _setup():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 7, "axes.titlesize": 7, "legend.fontsize": 6, "svg.hashsalt": "sensaware",
                         "pdf.compression": 6})
    return plt


def _save(fig, out: Path, name: str, data: dict) -> list[Path]:
    from empirical.benchmark.files import atomic_write

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext, meta in (("png", {"Software": None}), ("pdf", {"CreationDate": None, "ModDate": None, "Producer": None,
                                                            "Creator": None})):
        p = out / f"{name}.{ext}"
        with atomic_write(p, "wb") as fh:
            fig.savefig(fh, format=ext, dpi=200, bbox_inches="tight", metadata=meta)
        paths.append(p)
    import matplotlib.pyplot as plt

    plt.close(fig)
    with atomic_write(out / f"{name}.json") as fh:
        json.dump(data, fh, indent=1)
    paths.append(out / f"{name}.json")
    return paths


def fig_bounds(out: Path) -> list[Path]:
    """(a) the chain made quantitative."""
    from theory import correlation_floor, eta, tight_gary_advantage
    from theory.correlation_floor import joint_from_samples

    plt = _setup()
    eps = np.linspace(0, 6, 121)
    data = {"epsilon": eps.tolist(), "eta": eta(eps, 0.0).tolist()}
    fig, ax = plt.subplots(figsize=FIGSIZE)
    ax.plot(eps, data["eta"], "k-", label="η(ε, 0) = TV bound (G = 2)")
    for g, style in ((5, "--"), (10, "-."), (50, ":")):
        v = tight_gary_advantage(eps, 0.0, g)
        data[f"tight_G{g}"] = v.tolist()
        ax.plot(eps, v, style, label=f"tight G-ary bound, G = {g}")
    from empirical.benchmark.company import build_company

    emp = build_company(0).employees
    bins = [min(int(e["age"]) // 10, 6) for e in emp]
    table, _, _ = joint_from_samples([e["occupation"] for e in emp], bins)
    floor = correlation_floor(table)
    data["floor_age_bins_given_occupation"] = floor
    ax.axhline(floor, color="tab:red", lw=0.8, label=f"floor L: age decade | occupation ({floor:.3f})")
    ax.set_xlabel("ε")
    ax.set_ylabel("normalised advantage bound")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    return _save(fig, out, "a_bounds", data)


def fig_sandwich(out: Path) -> list[Path]:
    """(b) the sandwich with exact LP optima of a correlated 3-context, 4-value prior."""
    from theory import correlation_floor, eta, optimal_success_lp_conditional

    plt = _setup()
    joint = np.array([[0.20, 0.05, 0.03, 0.02], [0.04, 0.18, 0.05, 0.03], [0.05, 0.05, 0.10, 0.20]])
    g = joint.shape[1]
    floor = correlation_floor(joint)
    eps = np.linspace(0, 5, 41)
    delta = 0.01
    upper = floor + (1 - floor) * eta(eps, delta)
    lp = [(g * optimal_success_lp_conditional(e, delta, joint) - 1) / (g - 1) for e in eps[::4]]
    fig, ax = plt.subplots(figsize=FIGSIZE)
    ax.fill_between(eps, floor, upper, color="tab:blue", alpha=0.2, label="sandwich L ≤ Adv* ≤ L + (1−L)η")
    ax.axhline(floor, color="tab:red", lw=0.8, label=f"L = {floor:.3f}")
    ax.plot(eps[::4], lp, "ko", ms=3, label="exact LP optimum")
    ax.set_xlabel(f"ε (δ = {delta})")
    ax.set_ylabel("normalised advantage")
    ax.legend(loc="lower right")
    return _save(fig, out, "b_sandwich", {"joint": joint.tolist(), "floor": floor, "epsilon": eps.tolist(),
                                          "upper": upper.tolist(), "lp_epsilon": eps[::4].tolist(), "lp": lp})


def _recorded_rows() -> list[dict]:
    from empirical.benchmark.files import read_jsonl
    from empirical.benchmark.scores import recorded_outputs_path

    return list(read_jsonl(recorded_outputs_path()))


def fig_benchmark(out: Path, summary: dict | None = None, extra_runs: dict[str, str] | None = None) -> list[Path]:
    """(c) correctness by model with 95% Clopper–Pearson intervals; published values marked."""
    from empirical.benchmark.scores import Rate, score_by

    plt = _setup()
    scores = {f"{m} (seed 0)": s["correct"] for m, s in score_by(_recorded_rows(), "model").items()}
    for m in (summary or {}).get("models", {}).values():
        scores[m["label"]] = Rate.of(m["correct"], m["n"])
    for name, path in (extra_runs or {}).items():
        if Path(path).is_file():
            from empirical.benchmark.files import read_jsonl
            from empirical.benchmark.scores import score

            scores[name] = score(list(read_jsonl(path)))["correct"]
    names = list(scores) + list(PUBLISHED)
    vals = [scores[n].rate for n in scores] + list(PUBLISHED.values())
    lo = [scores[n].rate - scores[n].cp_low for n in scores] + [0] * len(PUBLISHED)
    hi = [scores[n].cp_high - scores[n].rate for n in scores] + [0] * len(PUBLISHED)
    colors = ["tab:blue"] * len(scores) + ["tab:gray"] * len(PUBLISHED)
    fig, ax = plt.subplots(figsize=(3.4, 3.2))
    y = np.arange(len(names))
    k = len(scores)
    ax.barh(y[:k], vals[:k], xerr=[lo[:k], hi[:k]], color=colors[:k], capsize=1.5, label="recomputed, 95% CI")
    ax.barh(y[k:], vals[k:], color=colors[k:], label="published (paper)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel("ACCESS DENIED INC correctness")
    ax.set_xlim(0, 1)
    return _save(fig, out, "c_benchmark", {"names": names, "correct": vals, "low": [v - d for v, d in zip(vals, lo)],
                                            "high": [v + d for v, d in zip(vals, hi)]})


def recorded_epsilon_bounds(confidence: float = 0.95) -> dict[str, dict]:
    """Per bundled real model: the largest ε lower bound over the attributes, each attribute audited at confidence
    1 − (1 − confidence)/m (Bonferroni over the m attributes, so the maximum holds at ``confidence``)."""
    from empirical.audit.runs import audit_recorded

    rows = _recorded_rows()
    rec = audit_recorded(rows, confidence=1 - (1 - confidence) / len(_attributes(rows)))
    out = {}
    for model, attrs in rec.items():
        attr, best = max(attrs.items(), key=lambda kv: kv[1]["epsilon_lower_bound"])
        out[model] = {"attribute": attr, "epsilon_lower_bound": best["epsilon_lower_bound"], "leaks": best["leaks"],
                      "malicious_queries": best["malicious_queries"], "groups": best["groups"]}
    return out


def _attributes(rows: list[dict]) -> list[str]:
    """The attributes audit_recorded groups malicious rows by (the lying block counts as its own)."""
    return sorted({"lying" if r.get("block") == "lying" else r["attribute"] for r in rows if r.get("malicious")})


def fig_audit(out: Path, summary: dict | None = None, audits: int = 200) -> list[Path]:
    """(d) left: median empirical ε lower bound (95%) vs true ε, randomised response, N = 10⁴ queries;
    right: ε lower bounds of real models (true ε unknown): recorded outputs (largest over attributes, Bonferroni)
    and our models on neighbouring inputs."""
    from empirical.audit.runs import validation_table

    plt = _setup()
    eps = (0.25, 0.5, 1.0, 2.0, 3.0, 4.0)
    rows = validation_table(epsilons=eps, groups=(2, 10), sizes=(10_000,), audits=audits, seed=0)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(7.0, 2.8), layout="constrained", gridspec_kw={"width_ratios": [1, 1.1]})
    ax.plot([0, 4.2], [0, 4.2], "k:", lw=0.8, label="ε_lb = ε")
    for g, m in ((2, "o-"), (10, "s-")):
        sel = [r for r in rows if r["groups"] == g]
        ax.plot([r["epsilon"] for r in sel], [r["median_epsilon_lb"] for r in sel], m, ms=3, label=f"G-ary RR, G = {g}")
    ax.set_xlabel("true ε")
    ax.set_ylabel("median empirical ε lower bound")
    ax.set_title("simulated mechanisms (known ε)")
    ax.legend(loc="upper left")
    real = {f"{m} ({v['attribute']})": v["epsilon_lower_bound"] for m, v in recorded_epsilon_bounds().items()}
    ours = {f"{m['label']} ({m['audit']['attribute']})": m["audit"]["epsilon_lower_bound"]
            for m in (summary or {}).get("models", {}).values() if "audit" in m}
    names = list(real) + list(ours)
    vals = list(real.values()) + list(ours.values())
    y = np.arange(len(names))
    bx.barh(y, vals, color=["tab:blue"] * len(real) + ["tab:orange"] * len(ours))
    for yi, v in zip(y, vals):
        bx.text(v + 0.05, yi, f"{v:.2f}", va="center", fontsize=6)
    bx.set_yticks(y, names)
    bx.invert_yaxis()
    bx.set_xlim(0, max(vals + [1.0]) * 1.18)
    bx.set_xlabel("empirical ε lower bound (95%)")
    bx.set_title("real models (true ε unknown)")
    return _save(fig, out, "d_audit", {"rows": rows, "real_models": real, "ours": ours})


def fig_tradeoff(out: Path, summary: dict | None = None) -> list[Path]:
    """(e) SA correctness (95% CP interval) against the capability score (mean of the bundled lm-eval tasks'
    primary metrics), before and after fine-tuning; per-task values in the data JSON."""
    from empirical.benchmark.scores import Rate

    plt = _setup()
    models = [m for m in (summary or {}).get("models", {}).values() if "capability" in m]
    fig, ax = plt.subplots(figsize=FIGSIZE)
    data = {"models": []}
    for m, (color, marker) in zip(models, (("tab:gray", "o"), ("tab:orange", "s"))):
        r = Rate.of(m["correct"], m["n"])
        ax.errorbar([m["capability"]], [r.rate], yerr=[[r.rate - r.cp_low], [r.cp_high - r.rate]], fmt=marker, color=color,
                    ms=4, capsize=2, label=m["label"])
        data["models"].append({"label": m["label"], "capability": m["capability"], "sa_correct": r.rate, "sa_low": r.cp_low,
                               "sa_high": r.cp_high, "capability_tasks": m.get("capability_tasks", {})})
    if len(data["models"]) == 2:
        a, b = data["models"]
        ax.annotate("", xy=(b["capability"], b["sa_correct"]), xytext=(a["capability"], a["sa_correct"]),
                    arrowprops={"arrowstyle": "->", "color": "k", "lw": 0.8})
    if not models:
        ax.text(0.5, 0.5, "no run with a capability stage", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("general ability (mean of bundled lm-eval tasks)")
    ax.set_ylabel("ACCESS DENIED INC correctness")
    ax.legend(loc="upper right")
    return _save(fig, out, "e_tradeoff", data)


def make_all(out: str | Path = "figures", summary: dict | None = None, extra_runs: dict[str, str] | None = None) -> list[Path]:
    """Every figure; ``summary`` defaults to the bundled summary of our cpu-demo run."""
    out = Path(out)
    summary = bundled_summary() if summary is None else summary
    paths = []
    paths += fig_bounds(out)
    paths += fig_sandwich(out)
    paths += fig_benchmark(out, summary, extra_runs)
    paths += fig_audit(out, summary)
    paths += fig_tradeoff(out, summary)
    write_manifest(out, paths)
    return paths


def write_manifest(out: Path, paths: list[Path]) -> Path:
    """``MANIFEST.json``: the matplotlib version and the SHA-256 of every file drawn (byte-reproducibility holds for
    one matplotlib version; the data JSONs are compared numerically across versions)."""
    import hashlib

    import matplotlib

    from empirical.benchmark.files import atomic_write

    entry = {"matplotlib": matplotlib.__version__,
             "sha256": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(paths, key=lambda q: q.name)}}
    with atomic_write(out / "MANIFEST.json") as fh:
        json.dump(entry, fh, indent=1)
    return out / "MANIFEST.json"
