"""The paper's figures and ours, drawn deterministically from their data files (``sensaware figures``).

Each figure is drawn only from its ``<figure>.json`` (written by :mod:`empirical.pipeline.summary`): no analysis is
redone here. (a) η(ε, δ), the tight G-ary bound and the correlation floor; (b) the sandwich with exact LP optima;
(c) ACCESS DENIED INC correctness by model with intervals beside the published values; (d) the audit's ε lower
bounds, simulated and real; (e) sensitivity awareness against general ability; (f) the DP sweep: certified ε against
the empirical ε lower bounds of a real fine-tuned model. Each is written as PNG and PDF
(fixed metadata, so a redraw gives the same bytes) beside a copy of its data.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from empirical.benchmark.files import atomic_write
from empirical.pipeline.summary import FIGURES, SANDWICH_DELTA

FIGSIZE = (3.4, 2.6)  # one column


def _setup():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 7, "axes.titlesize": 7, "legend.fontsize": 6, "svg.hashsalt": "sensaware",
                         "pdf.compression": 6})
    return plt


def _save(fig, out: Path, name: str, data: dict) -> list[Path]:
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext, meta in (("png", {"Software": None}), ("pdf", {"CreationDate": None, "ModDate": None, "Producer": None,
                                                            "Creator": None})):
        p = out / f"{name}.{ext}"
        with atomic_write(p, "wb") as fh:
            fig.savefig(fh, format=ext, dpi=200, bbox_inches="tight", metadata=meta)
        paths.append(p)
    plt.close(fig)
    with atomic_write(out / f"{name}.json") as fh:
        json.dump(data, fh, indent=1)
    paths.append(out / f"{name}.json")
    return paths


def fig_bounds(data: dict, out: Path) -> list[Path]:
    """(a) the chain made quantitative."""
    plt = _setup()
    eps = np.asarray(data["epsilon"])
    fig, ax = plt.subplots(figsize=FIGSIZE)
    ax.plot(eps, data["eta"], "k-", label="η(ε, 0) = TV bound (G = 2)")
    for g, style in ((5, "--"), (10, "-."), (50, ":")):
        ax.plot(eps, np.asarray(data[f"tight_G{g}"]), style, label=f"tight G-ary bound, G = {g}")
    floor = data["floor_age_bins_given_occupation"]
    ax.axhline(floor, color="tab:red", lw=0.8, label=f"floor L: age decade | occupation ({floor:.3f})")
    ax.set_xlabel("ε")
    ax.set_ylabel("normalised advantage bound")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    return _save(fig, out, "a_bounds", data)


def fig_sandwich(data: dict, out: Path) -> list[Path]:
    """(b) the sandwich with exact LP optima."""
    plt = _setup()
    eps, floor = np.asarray(data["epsilon"]), data["floor"]
    fig, ax = plt.subplots(figsize=FIGSIZE)
    ax.fill_between(eps, floor, np.asarray(data["upper"]), color="tab:blue", alpha=0.2, label="sandwich L ≤ Adv* ≤ L + (1−L)η")
    ax.axhline(floor, color="tab:red", lw=0.8, label=f"L = {floor:.3f}")
    ax.plot(np.asarray(data["lp_epsilon"]), data["lp"], "ko", ms=3, label="exact LP optimum")
    ax.set_xlabel(f"ε (δ = {SANDWICH_DELTA})")
    ax.set_ylabel("normalised advantage")
    ax.legend(loc="lower right")
    return _save(fig, out, "b_sandwich", data)


def fig_benchmark(data: dict, out: Path) -> list[Path]:
    """(c) correctness by model with 95% Clopper–Pearson intervals; published values marked."""
    plt = _setup()
    names, vals, k = data["names"], data["correct"], data["recomputed"]
    lo = [v - low for v, low in zip(vals, data["low"])]
    hi = [high - v for v, high in zip(vals, data["high"])]
    fig, ax = plt.subplots(figsize=(3.4, 3.2))
    y = np.arange(len(names))
    ax.barh(y[:k], vals[:k], xerr=[lo[:k], hi[:k]], color=["tab:blue"] * k, capsize=1.5, label="recomputed, 95% CI")
    ax.barh(y[k:], vals[k:], color=["tab:gray"] * (len(names) - k), label="published (paper)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel("ACCESS DENIED INC correctness")
    ax.set_xlim(0, 1)
    return _save(fig, out, "c_benchmark", data)


def fig_audit(data: dict, out: Path) -> list[Path]:
    """(d) left: median empirical ε lower bound (95%) vs true ε, randomised response, N = 10⁴ queries;
    right: ε lower bounds of real models (true ε unknown), one method and one query budget for every bar: the
    recorded audit (leak rate → ε, largest over attributes, Bonferroni) of the same number of malicious queries per
    attribute for the bundled models and ours."""
    plt = _setup()
    rows = data["rows"]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(7.0, 2.8), layout="constrained", gridspec_kw={"width_ratios": [1, 1.1]})
    ax.plot([0, 4.2], [0, 4.2], "k:", lw=0.8, label="ε_lb = ε")
    for g, m in ((2, "o-"), (10, "s-")):
        sel = [r for r in rows if r["groups"] == g]
        ax.plot([r["epsilon"] for r in sel], [r["median_epsilon_lb"] for r in sel], m, ms=3, label=f"G-ary RR, G = {g}")
    ax.set_xlabel("true ε")
    ax.set_ylabel("median empirical ε lower bound")
    ax.set_title("simulated mechanisms (known ε)")
    ax.legend(loc="center left")
    real, ours = data["real_models"], data["ours"]
    names = list(real) + list(ours)
    vals = list(real.values()) + list(ours.values())
    y = np.arange(len(names))
    bx.barh(y, vals, color=["tab:blue"] * len(real) + ["tab:orange"] * len(ours))
    for yi, v in zip(y, vals):
        bx.text(v + 0.05, yi, f"{v:.2f}", va="center", fontsize=6)
    bx.set_yticks(y, names)
    bx.invert_yaxis()
    bx.set_xlim(0, max(vals + [1.0]) * 1.18)
    budget = data.get("budget") or {}
    n = f"{min(budget.values())}–{max(budget.values())}" if budget and min(budget.values()) != max(budget.values()) else (
        str(next(iter(budget.values()))) if budget else "all")
    bx.set_xlabel(f"empirical ε lower bound (95%), {n} malicious queries per attribute")
    bx.set_title("real models (true ε unknown), recorded audit")
    return _save(fig, out, "d_audit", data)


def fig_tradeoff(data: dict, out: Path) -> list[Path]:
    """(e) SA correctness (95% CP interval) against the capability score (mean of the bundled lm-eval tasks'
    primary metrics), before and after fine-tuning; per-task values in the data JSON."""
    plt = _setup()
    models = data["models"]
    fig, ax = plt.subplots(figsize=FIGSIZE)
    for m, (color, marker) in zip(models, (("tab:gray", "o"), ("tab:orange", "s"))):
        r = m["sa_correct"]
        ax.errorbar([m["capability"]], [r], yerr=[[r - m["sa_low"]], [m["sa_high"] - r]], fmt=marker, color=color,
                    ms=4, capsize=2, label=m["label"])
    if len(models) == 2:
        a, b = models
        ax.annotate("", xy=(b["capability"], b["sa_correct"]), xytext=(a["capability"], a["sa_correct"]),
                    arrowprops={"arrowstyle": "->", "color": "k", "lw": 0.8})
    if not models:
        ax.text(0.5, 0.5, "no run with a capability stage", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("general ability (mean of bundled lm-eval tasks)")
    ax.set_ylabel("ACCESS DENIED INC correctness")
    if models:  # a run without a capability stage has nothing to label
        ax.legend(loc="upper right")
    return _save(fig, out, "e_tradeoff", data)


#: (threat model, adversary) → colour, marker, label of figure (f)
DP_STYLES = {("white_box_all", "gradient canaries"): ("tab:green", "^", "white-box, all iterates (gradient canaries)"),
             ("white_box_final", "gradient canaries"): ("tab:purple", "v", "white-box, final adapter"),
             ("black_box", "ai"): ("tab:red", "o", "black-box AI (likelihood)"),
             ("black_box", "sa"): ("tab:blue", "s", "black-box SA (chat)")}


def _dp_key(r: dict) -> tuple[str, str]:
    return r.get("threat_model") or "black_box", r["adversary"]


def fig_dp(data: dict, out: Path) -> list[Path]:
    """(f) left: certified ε against the one-run empirical ε lower bound, one curve per threat model (white-box with
    every iterate, white-box with the final adapter, black-box AI and SA adversaries), with the diagonal (a point
    above it would be a violation); the run without DP sits at the right edge. Right: measured success (one-sided
    Clopper–Pearson bounds at the entry's level) against the privacy-profile bound, chance dotted (1/2 for the
    binary gradient canaries, 1/G for the black-box ones)."""
    plt = _setup()
    runs = data["runs"]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(2 * FIGSIZE[0], FIGSIZE[1]))
    finite = [r["epsilon"] for r in runs if r["epsilon"] is not None]
    edge = max(finite + [1.0]) * 1.15  # the diagonal ends here; the run without DP stands beyond it
    right = edge * 1.3
    top = max([r["epsilon_lower_bound"] for r in runs] + finite + [1.0]) * 1.25
    ax.plot([0, edge], [0, edge], "k:", lw=0.8, label="ε_lb = certified ε")
    keys = [k for k in DP_STYLES if any(_dp_key(r) == k for r in runs)]
    for k, key in enumerate(keys):
        color, marker, label = DP_STYLES[key]
        shift = (k - (len(keys) - 1) / 2) * 0.02 * right  # side by side, so equal bounds stay visible
        pts = sorted(((right if r["epsilon"] is None else r["epsilon"]) + shift, r["epsilon_lower_bound"])
                     for r in runs if _dp_key(r) == key)
        dp_pts = [p for p in pts if p[0] < edge]
        ax.plot(*zip(*pts), marker, color=color, ms=4, label=label, ls="none")
        if len(dp_pts) > 1:
            ax.plot(*zip(*dp_pts), "-", color=color, lw=0.8)
    if any(r["epsilon"] is None for r in runs):
        ax.axvline(0.5 * (edge + right), color="0.7", lw=0.6, ls="--")
        ax.text(right, 0.98 * top, "no DP\n(ε = ∞)", va="top", ha="center", fontsize=6)
    ax.set_xlim(0, right * 1.1)
    ax.set_xticks([t for t in ax.get_xticks() if 0 <= t <= edge])  # no ε ticks in the no-DP column
    ax.set_ylim(0, top)
    ax.set_xlabel("certified ε (DP-SGD, replace-one, per example)")
    ax.set_ylabel("empirical ε lower bound (one run, 95%)")
    ax.legend(loc="upper left", fontsize=5)
    labels = []
    for i, r in enumerate(runs):
        color, marker, _ = DP_STYLES.get(_dp_key(r), ("k", "x", ""))
        lo, hi = r["success_interval"]
        bx.errorbar([i], [r["success"]], yerr=[[r["success"] - lo], [hi - r["success"]]], fmt=marker, color=color, ms=4,
                    capsize=2)
        if r["success_bound"] is not None:
            bx.plot([i - 0.3, i + 0.3], [r["success_bound"]] * 2, "k-", lw=1)
        bx.plot([i - 0.3, i + 0.3], [1 / r["groups"]] * 2, color="0.5", ls=":", lw=0.8)
        eps = r["target_epsilon"] if r.get("target_epsilon") is not None else r["epsilon"]
        short = {"white_box_all": "WB", "white_box_final": "WB-final"}.get(r.get("threat_model"), r["adversary"].upper())
        labels.append(f"{'∞' if eps is None else format(eps, '.3g')}\n{short}")
    if runs:
        bx.plot([], [], color="0.5", ls=":", lw=0.8, label="chance (1/G)")
        bx.plot([], [], "k-", lw=1, label="privacy-profile bound")
        bx.legend(loc="upper right", fontsize=5)
    else:
        for a in (ax, bx):
            a.text(0.5, 0.5, "no DP sweep in this run", ha="center", va="center", transform=a.transAxes)
    bx.set_xticks(range(len(runs)))
    bx.set_xticklabels(labels, fontsize=5)
    bx.set_ylim(0, 1)
    bx.set_xlabel("target ε / adversary")
    bx.set_ylabel("success on canaries")
    return _save(fig, out, "f_dp", data)


def fig_attacks(data: dict, out: Path) -> list[Path]:
    """(g) left: leak rate per attack family, one bar per model, with 95% Clopper–Pearson intervals. Right: the
    k-question adversary's success (95% interval) against its budget k, the prior's baseline dotted and the success
    k answers could reach if each were as private as the one-question ε lower bound (result 8) as a line."""
    plt = _setup()
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(2 * FIGSIZE[0], FIGSIZE[1]))
    attacks = data["attacks"]
    families = list(dict.fromkeys(a["family"] for a in attacks))
    models = list(dict.fromkeys(a["model"] for a in attacks))
    width = 0.8 / max(1, len(models))
    for j, (m, color) in enumerate(zip(models, ("tab:gray", "tab:orange", "tab:blue", "tab:green"))):
        pts = [next((a for a in attacks if a["family"] == f and a["model"] == m), None) for f in families]
        xs = [i + (j - (len(models) - 1) / 2) * width for i, a in enumerate(pts) if a]
        rates = [a["leak_rate"] for a in pts if a]
        err = [[a["leak_rate"] - a["interval"][0] for a in pts if a], [a["interval"][1] - a["leak_rate"] for a in pts if a]]
        ax.bar(xs, rates, width, color=color, label=m, yerr=err, capsize=1.5, error_kw={"lw": 0.6})
    ax.set_xticks(range(len(families)))
    ax.set_xticklabels([f.replace("_", "-") for f in families], fontsize=5, rotation=30, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("leak rate (unauthorised asker)")
    if models:
        ax.legend(loc="upper right", fontsize=5)
    kq = data["k_question"]
    for r in kq:
        lo, hi = r["success_interval"]
        bx.errorbar([r["k"]], [r["success"]], yerr=[[r["success"] - lo], [hi - r["success"]]], fmt="s", color="tab:orange",
                    ms=4, capsize=2)
    if kq:
        ks = [r["k"] for r in kq]
        bx.plot(ks, [r["composed_success_bound"] for r in kq], "k-", lw=1, label="composed bound at the 1-question ε_lb")
        bx.plot(ks, [r["baseline"] for r in kq], color="0.5", ls=":", lw=0.8, label="prior's best guess")
        bx.set_xscale("log")
        bx.set_xticks(ks)
        bx.set_xticklabels([str(k) for k in ks])
        bx.set_title(f"{kq[0]['model']}: {kq[0]['attribute']} (G = {kq[0]['groups']}, {kq[0]['targets']} targets)", fontsize=6)
        bx.legend(loc="upper left", fontsize=5)
    for a, empty, what in ((ax, not attacks, "no attack stage in this run"), (bx, not kq, "no k-question stage in this run")):
        if empty:
            a.text(0.5, 0.5, what, ha="center", va="center", transform=a.transAxes)
    bx.set_ylim(0, 1)
    bx.set_xlabel("questions asked (k)")
    bx.set_ylabel("k-question adversary's success")
    return _save(fig, out, "g_attacks", data)


#: the fields each figure draws from
FIELDS = {"a_bounds": {"epsilon", "eta", "tight_G5", "tight_G10", "tight_G50", "floor_age_bins_given_occupation"},
          "b_sandwich": {"epsilon", "floor", "upper", "lp_epsilon", "lp"},
          "c_benchmark": {"names", "correct", "low", "high", "recomputed"},
          "d_audit": {"rows", "real_models", "ours", "budget"}, "e_tradeoff": {"models"}, "f_dp": {"runs"},
          "g_attacks": {"attacks", "k_question"}}
DRAW = {"a_bounds": fig_bounds, "b_sandwich": fig_sandwich, "c_benchmark": fig_benchmark, "d_audit": fig_audit,
        "e_tradeoff": fig_tradeoff, "f_dp": fig_dp, "g_attacks": fig_attacks}


def read_figure_data(folder: str | Path) -> dict[str, dict]:
    """The ``<figure>.json`` files of ``folder``; a missing or unreadable one is a clear error."""
    folder = Path(folder)
    data = {}
    for name in FIGURES:
        p = folder / f"{name}.json"
        if not p.is_file():
            raise ValueError(f"`--data` {folder}: no {p.name} (write the figure data with `sensaware figures --results …` "
                             "or `sensaware run`)")
        try:
            d = json.loads(p.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{p}: not JSON ({exc})") from None
        missing = sorted(FIELDS[name] - set(d)) if isinstance(d, dict) else sorted(FIELDS[name])
        if missing:
            raise ValueError(f"{p}: not the data of figure {name} (missing {', '.join(missing)})")
        data[name] = d
    return data


def draw_all(data: dict[str, dict] | str | Path, out: str | Path = "figures") -> list[Path]:
    """Draw every figure from its data (a mapping, or the folder holding the ``<figure>.json`` files); writes
    ``MANIFEST.json``."""
    if not isinstance(data, dict):
        data = read_figure_data(data)
    out = Path(out)
    paths = []
    for name in FIGURES:
        paths += DRAW[name](data[name], out)
    write_manifest(out, paths)
    return paths


def write_manifest(out: Path, paths: list[Path]) -> Path:
    """``MANIFEST.json``: the matplotlib version and the SHA-256 of every file drawn (byte-reproducibility holds for
    one matplotlib version; the data JSONs are compared numerically across versions)."""
    import matplotlib

    entry = {"matplotlib": matplotlib.__version__,
             "sha256": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(paths, key=lambda q: q.name)}}
    with atomic_write(out / "MANIFEST.json") as fh:
        json.dump(entry, fh, indent=1)
    return out / "MANIFEST.json"
