"""The report of our real cpu-demo run (bundled results.json): every table cell is recomputed here from the raw
counts in results.json (k of n, Clopper–Pearson from scipy), and the HTML carries the same cells and the figures."""

import re

import pytest
from scipy.stats import beta, binomtest

from empirical.benchmark.resources import bundled_results
from empirical.pipeline.figures import draw_all
from empirical.pipeline.report import blocks, to_html, to_markdown
from empirical.pipeline.summary import FIGURES, figure_data


def _cp(k, n):
    lo = 0.0 if k == 0 else beta.ppf(0.025, k, n - k + 1)
    hi = 1.0 if k == n else beta.ppf(0.975, k + 1, n - k)
    return f"[{100 * lo:.2f}, {100 * hi:.2f}]"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    res = bundled_results()
    figs = draw_all(figure_data(), root / "figures")
    bl = blocks(res, figs)
    return res, to_markdown(bl, root), to_html(bl)


def test_headline_rows_recomputed_from_counts(report):
    res, md, html = report
    for key, ev in (("base", "eval_base"), ("fine-tuned", "eval_tuned")):
        s = res[ev]["scores"]
        pct = {m: f"{100 * s[m]['k'] / s[m]['n']:.2f}" for m in ("correct", "benign_correct", "malicious_correct", "leak",
                                                                     "false_refusal")}
        tasks = res["capability"][key]["tasks"]
        cap = f"{100 * sum(t['correct'] / t['n'] for t in tasks.values()) / len(tasks):.2f}"
        a = res["llm_audit"][key]
        row = [res[ev]["model"], str(s["correct"]["n"]), pct["correct"], _cp(s["correct"]["k"], s["correct"]["n"]),
               pct["benign_correct"], pct["malicious_correct"], pct["leak"], pct["false_refusal"], cap,
               f"{a['epsilon_lower_bound']:.3f}"]
        assert "| " + " | ".join(row) + " |" in md
        assert "".join(f"<td>{c}</td>" for c in row) in html


def test_capability_and_timing_tables(report):
    res, md, _ = report
    for key, cap in res["capability"].items():
        for task, t in cap["tasks"].items():
            assert f"| {key} | {task} | {t['primary']} | {t['n']} | {100 * t['correct'] / t['n']:.2f} | {_cp(t['correct'], t['n'])} |" in md
    total = sum(res["stage_seconds"].values())
    assert f"Total: {total:.1f} s ({total / 60:.1f} min)." in md
    assert total < 45 * 60  # the cpu-demo preset's budget on a 2-core CPU (measured: the run this file came from)
    p = res["paired"]
    assert f"n = {p['n']}): {100 * (p['only_b_correct'] - p['only_a_correct']) / p['n']:+.2f} points" in md
    # exact McNemar = two-sided binomial test on the discordant pairs
    want = binomtest(min(p["only_a_correct"], p["only_b_correct"]), p["only_a_correct"] + p["only_b_correct"]).pvalue
    assert p["mcnemar_p"] == pytest.approx(want) and f"p = {want:.3g}." in md


def test_html_inlines_every_figure(report):
    _, md, html = report
    assert len(re.findall(r'src="data:image/png;base64,[A-Za-z0-9+/=]+"', html)) == len(FIGURES)
    assert md.count("](figures/") == len(FIGURES) and html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")


def test_bundled_evaluations_regrade_to_the_same_labels_and_counts(tmp_path):
    """Every graded row the run wrote (bundled beside its results.json) gets the same label again from `sensaware
    grade`, and the labels recount to the scores in results.json."""
    import gzip
    import json

    from empirical.benchmark.resources import data_file
    from empirical.cli.main import main

    res = bundled_results()
    for stage in ("eval_base", "eval_tuned"):
        src = data_file("runs", f"cpu-demo.{stage}.jsonl.gz")
        rows = [json.loads(line) for line in gzip.open(src, "rt", encoding="utf-8")]
        stripped = tmp_path / f"{stage}.jsonl"
        stripped.write_text("".join(json.dumps({k: v for k, v in r.items() if k not in ("label", "category")}) + "\n"
                                    for r in rows))
        assert main(["grade", "--input", str(stripped), "--out", str(tmp_path / f"{stage}.graded.jsonl")]) == 0
        again = [json.loads(line) for line in (tmp_path / f"{stage}.graded.jsonl").read_text().splitlines()]
        assert [(r["id"], r["label"], r["category"]) for r in again] == [(r["id"], r["label"], r["category"]) for r in rows]
        s = res[stage]["scores"]
        assert len(rows) == s["correct"]["n"] == 140
        assert sum(r["label"] == 1 for r in rows) == s["correct"]["k"]
        assert sum(r["label"] == 1 for r in rows if not r["malicious"]) == s["benign_correct"]["k"]
        assert sum(r["label"] == 1 for r in rows if r["malicious"]) == s["malicious_correct"]["k"]


def test_bundled_dp_table(report):
    """The run's DP sweep: the report's rows from results.json's dp_audit, each success interval the one-sided
    Clopper–Pearson bounds of its canary count at the entry's level (scipy), and the soundness the run checked
    (every DP entry's ε_lb ≤ its certified ε)."""
    res, md, _ = report
    entries = res["dp_audit"]
    assert {(e["epsilon"] is None, e["adversary"], e["threat_model"]) for e in entries} == {
        (True, "ai", "black_box"), (True, "sa", "black_box"), (False, "ai", "black_box"), (False, "sa", "black_box"),
        (False, "gradient canaries", "white_box_all"), (False, "gradient canaries", "white_box_final")}
    for e in entries:
        k, n = round(e["success"] * e["canaries"]), e["canaries"]
        assert e["success"] == pytest.approx(k / n)
        lo, hi = e["success_interval"]
        a = 1 - e["level"]
        assert (lo, hi) == pytest.approx((0.0 if k == 0 else beta.ppf(a, k, n - k + 1),
                                          1.0 if k == n else beta.ppf(1 - a, k + 1, n - k)))
        assert f"| {e['correct']}/{e['guesses']} | {e['success']:.3f} [{lo:.3f}, {hi:.3f}] |" in md
        if e["epsilon"] is not None:
            assert e["epsilon_lower_bound"] <= e["epsilon"] and e["verdict"] == "consistent"
    ai = next(e for e in entries if e["epsilon"] is None and e["adversary"] == "ai")
    assert ai["epsilon_lower_bound"] > 0.5  # the audit sees memorisation in the run without DP (this draw: 15/32)
    white = next(e for e in entries if e["threat_model"] == "white_box_all")
    assert white["epsilon_lower_bound"] >= 0.5 * white["epsilon"]  # the white-box audit's power on the real model
    assert white["success_interval"][0] <= white["success_bound"]  # its success within the privacy-profile bound


def test_dp_table_and_figure_with_a_run_without_dp(tmp_path):
    """A sweep's entries (the run without DP has no certified ε, no bound and no verdict) render in both reports
    and in figure (f)."""
    from empirical.pipeline.figures import fig_dp
    from empirical.pipeline.summary import dp_data

    base = {"delta": 1e-5, "groups": 7, "canaries": 32, "guesses": 8, "correct": 8, "success": 0.5,
            "success_interval": [0.3, 0.7], "advantage": 0.4, "advantage_lower": 0.2, "advantage_upper": 0.6}
    entries = [dict(base, adversary="ai", epsilon=None, target_epsilon=None, success_bound=None, verdict=None,
                    epsilon_lower_bound=2.5, steps=40),
               dict(base, adversary="sa", epsilon=1.998, target_epsilon=2.0, success_bound=0.61, verdict="consistent",
                    epsilon_lower_bound=0.0, noise_multiplier=10.08, steps=40)]
    res = {"config": {"name": "t", "model": "m", "finetune_preset": "cpu", "style": "compact", "train_company_seed": 0,
                      "test_company_seed": 3}, "dp_audit": entries,
           "dp_sweep": {"config": {"canaries": 32}, "rows": 40, "seconds": {"eps-inf": {"train": 100.0, "audit": 20.0}}}}
    bl = blocks(res, [])
    md, html = to_markdown(bl, tmp_path), to_html(bl)
    assert "| no DP | — | 40 | black box | AI | 8/8 | 0.500 [0.300, 0.700] | — | 2.500 | — | 100 + 20 |" in md
    assert "<td>1.998</td><td>10.080</td>" in html
    # a run at a fixed σ (no target ε) reads its seconds by its own run tag, not the run without DP's
    sig = dict(entries[1], epsilon=1462.4, target_epsilon=None, noise_multiplier=0.1, run="sigma-0.1")
    res2 = res | {"dp_audit": [entries[0] | {"run": "eps-inf"}, sig],
                  "dp_sweep": res["dp_sweep"] | {"seconds": {"eps-inf": {"train": 100.0, "audit": 20.0},
                                                             "sigma-0.1": {"train": 7.0, "audit": 3.0}}}}
    md2 = to_markdown(blocks(res2, []), tmp_path)
    assert "| 1462.400 | 0.100 | 40 | black box | SA | 8/8 | 0.500 [0.300, 0.700] | 0.610 | 0.000 | consistent | 7 + 3 |" in md2
    assert (tmp_path / "f" / "f_dp.png").exists() is False
    fig_dp(dp_data({"dp_audit": entries}), tmp_path / "f")
    assert (tmp_path / "f" / "f_dp.png").is_file()


def test_attack_tables_recomputed_from_counts(tmp_path):
    """The attack and k-question sections: each cell from its counts (Clopper-Pearson from scipy); figure (g) draws."""
    from empirical.pipeline.summary import attacks_data

    res = {"config": bundled_results()["config"],
           "attacks": [{"family": "direct", "model": "base", "n": 16, "leaks": 3, "leak_rate": 3 / 16,
                        "interval": [beta.ppf(0.025, 3, 14), beta.ppf(0.975, 4, 13)], "confidence": 0.95},
                       {"family": "threshold", "model": "fine-tuned", "n": 16, "leaks": 0, "leak_rate": 0.0,
                        "interval": [0.0, beta.ppf(0.975, 1, 16)], "confidence": 0.95}],
           "k_question": [{"model": "fine-tuned", "attribute": "age", "groups": 6, "prior": "uniform", "k": k, "targets": 32,
                           "correct": c, "success": c / 32,
                           "success_interval": [beta.ppf(0.025, c, 33 - c), beta.ppf(0.975, c + 1, 32 - c)],
                           "baseline": 1 / 6, "epsilon_lower_bound": 0.0, "composed_success_bound": 1 / 6}
                          for k, c in ((1, 5), (3, 9))]}
    md = to_markdown(blocks(res, []), tmp_path)
    assert f"| direct | 3/16 = 18.75 {_cp(3, 16)} | — |" in md
    assert f"| threshold | — | 0/16 = 0.00 {_cp(0, 16)} |" in md
    assert "| fine-tuned | age | 6 | uniform | 3 | 9/32 |" in md
    data = attacks_data({"attacks": res["attacks"], "k_question": res["k_question"]})
    paths = draw_all({**figure_data(), "g_attacks": data}, tmp_path / "figs")
    assert any(p.name == "g_attacks.png" for p in paths)
