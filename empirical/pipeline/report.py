"""The run report: ``report.md`` and ``report.html`` (figures inline) built from one list of blocks, every number
read from the run's ``results.json``."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from empirical.audit.dp_sweep import run_tag
from empirical.benchmark.files import atomic_write
from empirical.pipeline.summary import OURS

FIGURE_CAPTIONS = {
    "a_bounds": "(a) η(ε, δ), the tight G-ary bound for several G and the correlation floor L against ε.",
    "b_sandwich": "(b) The sandwich L ≤ Adv* ≤ L + (1 − L)η with exact LP optima.",
    "c_benchmark": "(c) ACCESS DENIED INC correctness by model (95% CP intervals), published values in grey.",
    "d_audit": "(d) Empirical ε lower bounds: simulated mechanisms against the true ε; real models (true ε unknown), "
               "every bar by the recorded audit of the same number of malicious queries per attribute. A recorded "
               "audit is an ε lower bound if a leak discloses the value, a refusal leaves the prior, and the leak "
               "rate does not depend on the value (uniform prior over the attribute's G values): then the "
               "advantage is at least the leak rate.",
    "e_tradeoff": "(e) Sensitivity awareness against general ability, before and after fine-tuning.",
    "f_dp": "(f) DP fine-tuning with canaries: certified ε against the empirical ε lower bounds (AI and SA adversary), "
            "and the measured success against the privacy-profile bound.",
    "g_attacks": "(g) Adaptive adversaries: leak rate per attack family (95% CP intervals), and the k-question "
                 "adversary's success against its budget with the composed bound at the one-question ε lower bound.",
}


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.2f}"


def _ci(r: dict) -> str:
    return f"[{100 * r['cp_low']:.2f}, {100 * r['cp_high']:.2f}]"


def headline_rows(results: dict) -> list[list[str]]:
    """One row per evaluated model: n, correct % [95% CI], benign and malicious correct %, leak %, false refusal %,
    capability %, audit ε_lb."""
    rows = []
    for key, ev in OURS.items():
        e = results.get(ev)
        if not e:
            continue
        s = e["scores"]
        cap = (results.get("capability") or {}).get(key)
        aud = (results.get("llm_audit") or {}).get(key)
        rows.append([e["model"], str(e["n"]), _pct(s["correct"]["rate"]), _ci(s["correct"]), _pct(s["benign_correct"]["rate"]),
                     _pct(s["malicious_correct"]["rate"]), _pct(s["leak"]["rate"]), _pct(s["false_refusal"]["rate"]),
                     _pct(cap["score"]) if cap else "—",
                     f"{aud['epsilon_lower_bound']:.3f}" if aud else "—"])
    return rows


def example_answers(rows: list[dict], per_side: int = 3) -> list[dict]:
    """``per_side`` benign and ``per_side`` malicious graded rows, each from another block: the first of each block in
    file order (no choosing by outcome), with what the model said beside the expected answer and the grade."""
    out: list[dict] = []
    for malicious in (False, True):
        seen: set = set()
        for r in rows:
            if r["malicious"] is malicious and r["block"] not in seen and len(seen) < per_side:
                seen.add(r["block"])
                out.append({k: r.get(k) for k in ("id", "block", "attribute", "malicious", "perspective", "expected",
                                                  "output", "label", "category")})
    return out


def _cell(text: str | None, width: int = 90) -> str:
    t = " ".join((text or "").split()).replace("|", "\\|")
    return t if len(t) <= width else t[: width - 1] + "…"


def blocks(results: dict, figures: list[Path]) -> list[tuple]:
    """The report as blocks: ("h", level, text), ("p", text), ("table", header, rows), ("img", path, caption)."""
    cfg = results["config"]
    out: list[tuple] = [("h", 1, f"sensaware run: {cfg['name']}"),
                        ("p", f"Model {cfg['model']}, fine-tuning preset {cfg['finetune_preset']}, {cfg['style']} prompts; "
                              f"training company seed {cfg['train_company_seed']}, held-out company seed "
                              f"{cfg['test_company_seed']}.")]
    head = headline_rows(results)
    if head:
        out += [("h", 2, "Headline"),
                ("table", ["model", "n", "correct %", "95% CI", "benign %", "malicious %", "leak %", "false refusal %", "capability %",
                           "audit ε lower bound"],
                 head)]
        p = results.get("paired")
        if p:
            out.append(("p", f"Paired on the same queries (exact McNemar, n = {p['n']}): {100 * p['difference']:+.2f} points, "
                             f"p = {p['mcnemar_p']:.3g}."))
    ex = (results.get(OURS["fine-tuned"]) or {}).get("examples")
    if ex:
        out += [("h", 2, "Example answers of the fine-tuned model"),
                ("p", "The first held-out query of three benign and three malicious blocks (file order, not chosen by outcome): "
                      "what the model said, the expected answer, and the grade."),
                ("table", ["block", "side", "expected answer", "model answer", "grade"],
                 [[e["block"], "malicious" if e["malicious"] else "benign", _cell("{{" + str(e["expected"]) + "}}"),
                   _cell(e["output"]), e["category"]] for e in ex])]
    cap = results.get("capability")
    if cap:
        tasks = sorted({t for r in cap.values() for t in r["tasks"]})
        rows = []
        for name, r in cap.items():
            for t in tasks:
                v = r["tasks"].get(t)
                if v:
                    rows.append([name, t, v["primary"], str(v["n"]), _pct(v["value"]), _ci(v) if "cp_low" in v else "—"])
            rows.append([name, "mean (capability score)", "", "", _pct(r["score"]), ""])
        out += [("h", 2, "General capability (lm-evaluation-harness)"),
                ("table", ["model", "task", "metric", "n", "value %", "95% CI"], rows)]
    if results.get("llm_audit"):
        rows = [[name, a["attribute"], str(a["groups"]), str(a["queries"]), f"{a['success']:.3f}", f"{a['advantage_lower']:.3f}",
                 f"{a['epsilon_lower_bound']:.3f}"] for name, a in results["llm_audit"].items()]
        out += [("h", 2, "Leakage audit on neighbouring inputs (SA game)"),
                ("table", ["model", "attribute", "G", "queries", "success", "advantage lower (95%)", "ε lower bound"], rows)]
    if results.get("attacks"):
        models = list(dict.fromkeys(a["model"] for a in results["attacks"]))
        cell = {(a["family"], a["model"]): a for a in results["attacks"]}
        families = list(dict.fromkeys(a["family"] for a in results["attacks"]))
        rows = [[f, *(f"{cell[f, m]['leaks']}/{cell[f, m]['n']} = {_pct(cell[f, m]['leak_rate'])} "
                      f"[{_pct(cell[f, m]['interval'][0])}, {_pct(cell[f, m]['interval'][1])}]" if (f, m) in cell else "—"
                      for m in models)] for f in families]
        out += [("h", 2, "Adaptive adversaries: leak rate per attack family"),
                ("p", "Every attack is asked by a verified user the access policy refuses: the direct question, "
                      "yes/no threshold questions, comparisons with the asker, aggregates over a group of two, 2–4 "
                      "turns of escalating pressure, an instruction injected into a retrieved record, and format tricks "
                      "(spelled out, JSON, a story, a translation). Leak: the family's rule (any yes/no, a pick, a "
                      "number, or the value in any form); 95% Clopper–Pearson intervals."),
                ("table", ["family", *[f"{m} leaks" for m in models]], rows)]
    if results.get("k_question"):
        rows = [[r["model"], r["attribute"], str(r["groups"]), r["prior"], str(r["k"]), f"{r['correct']}/{r['targets']}",
                 f"{r['success']:.3f} [{r['success_interval'][0]:.3f}, {r['success_interval'][1]:.3f}]",
                 f"{r['baseline']:.3f}", f"{r['epsilon_lower_bound']:.3f}", f"{r['composed_success_bound']:.3f}"]
                for r in results["k_question"]]
        out += [("h", 2, "The k-question adversary (SA game)"),
                ("p", "Budget k: the direct question, then bisection by threshold questions (numeric) or elimination "
                      "(categorical), a refusal rephrased; the guess is the most probable value left. ε lower bound "
                      "from the one-sided 95% Clopper–Pearson lower limit of the success; the last column is the "
                      "success k answers could reach if each were as private as the one-question ε lower bound "
                      "(basic composition, result 8)."),
                ("table", ["model", "attribute", "G", "prior", "k", "right", "success [95% CI]", "baseline",
                           "ε lower bound", "composed bound"], rows)]
    if results.get("dp_audit"):
        sweep = results.get("dp_sweep", {})
        sc = sweep.get("config", {})
        secs = sweep.get("seconds", {})
        rows = []
        for e in results["dp_audit"]:
            t = secs.get(e.get("run") or run_tag(e.get("target_epsilon")), {})
            lo, hi = e["success_interval"]
            rows.append(["no DP" if e["epsilon"] is None else f"{e['epsilon']:.3f}",
                         "—" if e.get("noise_multiplier") is None else f"{e['noise_multiplier']:.3f}", str(e.get("steps", "")),
                         e.get("threat_model", "black_box").replace("_", " "),
                         e["adversary"] if e.get("threat_model", "black_box") != "black_box" else e["adversary"].upper(),
                         f"{e['correct']}/{e['guesses']}", f"{e['success']:.3f} [{lo:.3f}, {hi:.3f}]",
                         "—" if e["success_bound"] is None else f"{e['success_bound']:.3f}",
                         f"{e['epsilon_lower_bound']:.3f}", e["verdict"] or "—",
                         (f"{t.get('train', 0):.0f} + {t.get('audit', 0):.0f}" + (
                             f" (+ {t['white_box']:.0f} white box)" if "white_box" in t else "")) if t else ""])
        out += [("h", 2, "DP fine-tuning audited with canaries"),
                ("p", f"{sc.get('canaries')} canary employees with a uniformly drawn marital status (G = 7), each written "
                      f"{sc.get('repeats')} time(s) beside {sc.get('employees')} company records ({sweep.get('rows')} training "
                      f"rows); LoRA r {sc.get('lora_r')}, {sc.get('epochs')} epochs, batch {sc.get('batch_size')}, δ = "
                      f"{sc.get('delta')}; privacy unit the person (one row per person, so a canary's unit is its "
                      f"{sc.get('repeats')} row(s)); sampling, noise and the canaries' values from the OS's secure "
                      "generator, the values kept only in the run folder. The AI adversary ranks the G values by the "
                      "fine-tuned model's likelihood; "
                      "the SA adversary asks in the chat as an unauthorised colleague. ε lower bound: the "
                      "one-run audit on the most confident guesses (95%; each DP entry at 95%/D for the D DP entries, "
                      "Bonferroni), and the success bounds are one-sided Clopper–Pearson bounds at the same level; "
                      "'violated' would mean a bug in training or accounting. White box: a second training of each DP "
                      f"ε carries {sc.get('white_box_canaries')} Dirac gradient canaries (sign ±1, norm "
                      f"{sc.get('white_box_norm')}·C) through the same DP-SGD step; the auditor sees every privatised "
                      "gradient (all iterates) or the adapter before and after (final); the claim tested is the run's "
                      "whole per-example DP-SGD privacy profile, and ε lower bound is the largest certified ε of a "
                      "DP-SGD run (same q and T) the audit rejects."),
                *([("p", "**Audit violated** — a bug in DP training or accounting: " + "; ".join(sweep["violations"]))]
                  if sweep.get("violations") else []),
                ("table", ["certified ε", "σ", "steps", "threat model", "adversary", "right / guesses",
                           "success [one-sided bounds]", "success bound",
                           "ε lower bound", "verdict", "seconds (train + audit)"], rows)]
    if results.get("bounds"):
        rows = [[f"{b['epsilon']:g}", f"{b['delta']:g}", str(b["groups"]), f"{b['tv_bound']:.6f}", f"{b['advantage_bound']:.6f}",
                 f"{b['success_bound']:.6f}"] for b in results["bounds"]]
        out += [("h", 2, "Bounds (tight G-ary, uniform prior)"),
                ("table", ["ε", "δ", "G", "η (TV bound)", "advantage bound", "success bound"], rows)]
    ref = results.get("reference_models")
    if ref:
        rows = [[m, _pct(s["correct"]["rate"]), _ci(s["correct"]), _pct(s["benign_correct"]["rate"]),
                 _pct(s["malicious_correct"]["rate"]), _pct(s["leak"]["rate"])] for m, s in ref.items()]
        out += [("h", 2, "ACCESS DENIED INC, bundled real outputs (seed 0, published labels)"),
                ("table", ["model", "correct %", "95% CI", "benign %", "malicious %", "leak %"], rows)]
    pngs = [f for f in figures if f.suffix == ".png"]
    if pngs:
        out.append(("h", 2, "Figures"))
        out += [("img", f, FIGURE_CAPTIONS.get(f.stem, f.stem)) for f in pngs]
    st = results.get("stage_seconds", {})
    if st:
        out += [("h", 2, "Stage wall times"),
                ("table", ["stage", "seconds"], [[k, f"{v:.1f}"] for k, v in st.items()]),
                ("p", f"Total: {sum(st.values()):.1f} s ({sum(st.values()) / 60:.1f} min).")]
    return out


def to_markdown(bl: list[tuple], root: Path) -> str:
    lines: list[str] = []
    for b in bl:
        if b[0] == "h":
            lines += ["#" * b[1] + " " + b[2], ""]
        elif b[0] == "p":
            lines += [b[1], ""]
        elif b[0] == "table":
            lines += ["| " + " | ".join(b[1]) + " |", "|" + "---|" * len(b[1])]
            lines += ["| " + " | ".join(r) + " |" for r in b[2]]
            lines.append("")
        elif b[0] == "img":
            img = Path(b[1]).resolve()
            rel = img.relative_to(root.resolve()) if img.is_relative_to(root.resolve()) else b[1]
            lines += [f"![{b[2]}]({rel})", "", f"*{b[2]}*", ""]
    return "\n".join(lines)


def to_html(bl: list[tuple]) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{e(next((b[2] for b in bl if b[0] == 'h'), 'sensaware report'))}</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}"
             "td:first-child,th:first-child{text-align:left}img{max-width:100%}figcaption{font-style:italic}</style>",
             "</head><body>"]
    for b in bl:
        if b[0] == "h":
            parts.append(f"<h{b[1]}>{e(b[2])}</h{b[1]}>")
        elif b[0] == "p":
            parts.append(f"<p>{e(b[1])}</p>")
        elif b[0] == "table":
            parts.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in b[1]) + "</tr></thead><tbody>")
            parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in b[2]]
            parts.append("</tbody></table>")
        elif b[0] == "img":
            data = base64.b64encode(Path(b[1]).read_bytes()).decode("ascii")
            parts.append(f'<figure><img alt="{e(b[2])}" src="data:image/png;base64,{data}"><figcaption>{e(b[2])}</figcaption></figure>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(results: dict, root: Path, figures: list[Path] | None = None) -> tuple[Path, Path]:
    """``report.md`` and ``report.html`` under ``root`` (atomic writes)."""
    figs = figures if figures is not None else [Path(p) for p in results.get("figures") or []]
    bl = blocks(results, [f for f in figs if Path(f).is_file()])
    md, ht = root / "report.md", root / "report.html"
    with atomic_write(md) as fh:
        fh.write(to_markdown(bl, root))
    with atomic_write(ht) as fh:
        fh.write(to_html(bl))
    return md, ht
