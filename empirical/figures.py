"""The paper's figures and ours, regenerated deterministically from data (``sensaware figures``).

(a) η(ε, δ), the tight G-ary bound for several G and the correlation floor L against ε;
(b) the sandwich L ≤ Adv* ≤ L + (1 − L)η with exact LP optima overlaid;
(c) ACCESS DENIED INC correctness by model from the bundled real outputs (with intervals) beside the paper's
    published values (marked) and, when given, our own models;
(d) the audit's empirical ε lower bounds against the true ε for randomised response.
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


def _setup():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 7, "axes.titlesize": 7, "legend.fontsize": 6, "svg.hashsalt": "sensaware",
                         "pdf.compression": 6})
    return plt


def _save(fig, out: Path, name: str, data: dict) -> list[Path]:
    from empirical.jsonl import atomic_write

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext, meta in (("png", {"Software": None}), ("pdf", {"CreationDate": None, "ModDate": None, "Producer": None,
                                                            "Creator": None})):
        p = out / f"{name}.{ext}"
        with atomic_write(p, "wb") as fh:
            fig.savefig(fh, format=ext, dpi=200, bbox_inches="tight", metadata=meta)
        paths.append(p)
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
    from empirical.company import build_company

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


def fig_benchmark(out: Path, extra_runs: dict[str, str] | None = None) -> list[Path]:
    """(c) correctness by model with 95% Clopper–Pearson intervals; published values marked."""
    from importlib import resources

    from empirical.jsonl import read_jsonl
    from empirical.scores import score_by

    plt = _setup()
    rows = list(read_jsonl(str(resources.files("empirical").joinpath("data", "adi", "seed0_outputs.jsonl.gz"))))
    scores = {f"{m} (seed 0)": s["correct"] for m, s in score_by(rows, "model").items()}
    for name, path in (extra_runs or {}).items():
        if Path(path).is_file():
            from empirical.scores import score

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
    ax.legend(loc="lower right")
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel("ACCESS DENIED INC correctness (grey: published, not recomputed)")
    ax.set_xlim(0, 1)
    return _save(fig, out, "c_benchmark", {"names": names, "correct": vals})


def fig_audit(out: Path, audits: int = 200) -> list[Path]:
    """(d) median empirical ε lower bound (95%) vs true ε, randomised response, N = 10⁴ queries."""
    from empirical.audit_runs import validation_table

    plt = _setup()
    eps = (0.25, 0.5, 1.0, 2.0, 3.0, 4.0)
    rows = validation_table(epsilons=eps, groups=(2, 10), sizes=(10_000,), audits=audits, seed=0)
    fig, ax = plt.subplots(figsize=FIGSIZE)
    ax.plot([0, 4.2], [0, 4.2], "k:", lw=0.8, label="ε_lb = ε")
    for g, m in ((2, "o-"), (10, "s-")):
        sel = [r for r in rows if r["groups"] == g]
        ax.plot([r["epsilon"] for r in sel], [r["median_epsilon_lb"] for r in sel], m, ms=3, label=f"G-ary RR, G = {g}")
    ax.set_xlabel("true ε")
    ax.set_ylabel("median empirical ε lower bound")
    ax.legend(loc="upper left")
    return _save(fig, out, "d_audit", {"rows": rows})


def make_all(out: str | Path = "figures", extra_runs: dict[str, str] | None = None) -> list[Path]:
    out = Path(out)
    paths = []
    for fn in (fig_bounds, fig_sandwich, fig_audit):
        paths += fn(out)
    paths += fig_benchmark(out, extra_runs)
    return paths
