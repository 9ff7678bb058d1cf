"""Figures are drawn from data: the JSON beside each figure equals what the package computes, the drawing step reads
only those files, and the committed figures/ are what `sensaware figures` regenerates."""

import json
from pathlib import Path

import numpy as np
import pytest

from empirical.pipeline.figures import draw_all
from empirical.pipeline.summary import (
    attributes,
    bundled_results,
    bundled_summary,
    figure_data,
    recorded_epsilon_bounds,
    recorded_rows,
)
from theory import eta, tight_gary_advantage
from theory.stats import clopper_pearson

COMMITTED = Path(__file__).resolve().parents[1] / "figures"


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    d = tmp_path_factory.mktemp("figs")
    draw_all(figure_data(), d)
    return d


def test_files_written(out):
    for name in ("a_bounds", "b_sandwich", "c_benchmark", "d_audit", "e_tradeoff"):
        for ext in ("png", "pdf", "json"):
            assert (out / f"{name}.{ext}").stat().st_size > 0


def test_bounds_figure_data(out):
    data = json.loads((out / "a_bounds.json").read_text())
    e = np.array(data["epsilon"])
    assert np.allclose(data["eta"], eta(e, 0.0)) and np.allclose(data["tight_G10"], tight_gary_advantage(e, 0.0, 10))
    assert 0 < data["floor_age_bins_given_occupation"] < 1


def test_sandwich_lp_points_inside(out):
    d = json.loads((out / "b_sandwich.json").read_text())
    ups = dict(zip(d["epsilon"], d["upper"]))
    for e, v in zip(d["lp_epsilon"], d["lp"]):
        assert d["floor"] - 1e-9 <= v <= ups[e] + 1e-9


def test_benchmark_figure_uses_scores(out):
    d = json.loads((out / "c_benchmark.json").read_text())
    got = dict(zip(d["names"], d["correct"]))
    assert round(100 * got["GPT-4o (seed 0)"], 2) == 70.11 and got["Qwen3-8B + LoRA (paper)"] == 0.770
    for m in bundled_summary()["models"].values():  # our models: k/n and the CP interval of the bundled run
        i = d["names"].index(m["label"])
        lo, hi = clopper_pearson(m["correct"], m["n"])
        assert d["correct"][i] == m["correct"] / m["n"] and np.allclose([d["low"][i], d["high"][i]], [lo, hi])


def test_audit_figure_real_models(out):
    d = json.loads((out / "d_audit.json").read_text())
    from empirical.audit.recorded import audit_recorded
    from theory import epsilon_lower_bound
    from theory.stats import clopper_pearson_lower

    # Llama-3.3-70B leaks the supervisor on 249 of 250 malicious queries (published labels): Bonferroni over the
    # attributes, the one-sided CP limit inverted through the tight 10-ary bound
    m = len(attributes(recorded_rows()))
    lo = clopper_pearson_lower(249, 250, 1 - 0.05 / m)
    assert d["real_models_all_queries"]["Llama-3.3-70B-Instruct (supervisor)"] == pytest.approx(
        float(epsilon_lower_bound(lo, 0.0, 10)))
    rec = audit_recorded(recorded_rows(), confidence=1 - 0.05 / m)
    assert recorded_epsilon_bounds()["GPT-4o"]["epsilon_lower_bound"] == max(v["epsilon_lower_bound"] for v in rec["GPT-4o"].values())

    # like with like: every bar is the recorded audit of the first n malicious queries per attribute, n = our models'
    # count (10 per attribute in the cpu-demo run); recomputed here from the rows, one attribute at a time
    from empirical.audit.recorded import RECORDED_GROUPS

    assert set(d["budget"].values()) == {10}

    def bound(leaks: int, n: int, g: int) -> float:
        low = clopper_pearson_lower(leaks, n, 1 - 0.05 / len(d["budget"]))
        return float(epsilon_lower_bound(low, 0.0, g)) if low > 0 else 0.0

    for name, value in d["real_models"].items():
        model = name.rsplit(" (", 1)[0]
        best = 0.0
        for attr in d["budget"]:
            labels = [r["label"] for r in recorded_rows() if r["model"] == model and r.get("malicious")
                      and ("lying" if r.get("block") == "lying" else r["attribute"]) == attr][:10]
            best = max(best, bound(labels.count(3), 10, RECORDED_GROUPS[attr]))
        assert value == pytest.approx(best), name
    results = bundled_results()["recorded_audit"]
    for key, mm in bundled_summary()["models"].items():
        best = max(bound(v["leaks"], v["malicious_queries"], RECORDED_GROUPS[a]) for a, v in results[key].items())
        assert [v for k, v in d["ours"].items() if k.startswith(mm["label"])] == [pytest.approx(best)]


def test_tradeoff_figure_data(out):
    d = json.loads((out / "e_tradeoff.json").read_text())
    s = bundled_summary()["models"]
    assert [m["label"] for m in d["models"]] == [s["base"]["label"], s["fine-tuned"]["label"]]
    for m, key in zip(d["models"], ("base", "fine-tuned")):
        assert m["capability"] == s[key]["capability"] and m["sa_correct"] == s[key]["correct"] / s[key]["n"]
        if m["capability_tasks"]:  # the capability score is the mean of the per-task primary metrics
            assert m["capability"] == pytest.approx(np.mean(list(m["capability_tasks"].values())))


def test_committed_figures_are_regenerated(out):
    manifest = json.loads((COMMITTED / "MANIFEST.json").read_text())
    for name in ("a_bounds", "b_sandwich", "c_benchmark", "d_audit", "e_tradeoff"):
        new, old = json.loads((out / f"{name}.json").read_text()), json.loads((COMMITTED / f"{name}.json").read_text())
        _close(new, old, name)
    import matplotlib

    if matplotlib.__version__ != manifest["matplotlib"]:
        pytest.skip(f"byte check needs matplotlib {manifest['matplotlib']} (found {matplotlib.__version__}); "
                    "the data were compared above")
    regenerated = json.loads((out / "MANIFEST.json").read_text())["sha256"]
    drawn = {k: v for k, v in manifest["sha256"].items() if not k.endswith(".json")}  # the data: compared above
    assert {k: regenerated[k] for k in drawn} == drawn


def test_drawing_reads_only_the_data_files(out, tmp_path, monkeypatch):
    # redrawing from the written data files gives the same bytes, with every analysis disabled
    import empirical.pipeline.summary as summary

    for name in ("figure_data", "bounds_data", "sandwich_data", "benchmark_data", "audit_data", "tradeoff_data"):
        monkeypatch.setattr(summary, name, lambda *a, **k: pytest.fail("an analysis ran while drawing"))
    draw_all(out, tmp_path)
    want = json.loads((out / "MANIFEST.json").read_text())["sha256"]
    assert json.loads((tmp_path / "MANIFEST.json").read_text())["sha256"] == want


def _close(a, b, where):
    if isinstance(a, dict):
        assert set(a) == set(b), where
        for k in a:
            _close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-12, nan_ok=True), where
    else:
        assert a == b, where


def test_reproducible_bytes(tmp_path):
    from empirical.pipeline.figures import fig_sandwich
    from empirical.pipeline.summary import sandwich_data

    fig_sandwich(sandwich_data(), tmp_path / "x")
    fig_sandwich(sandwich_data(), tmp_path / "y")
    for ext in ("png", "pdf", "json"):
        assert (tmp_path / "x" / f"b_sandwich.{ext}").read_bytes() == (tmp_path / "y" / f"b_sandwich.{ext}").read_bytes()
