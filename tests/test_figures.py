"""Figures are drawn from data: the JSON beside each figure equals what the package computes."""

import json

import numpy as np
import pytest

from empirical.figures import fig_audit, fig_benchmark, fig_bounds, fig_sandwich
from theory import eta, tight_gary_advantage


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    d = tmp_path_factory.mktemp("figs")
    fig_bounds(d)
    fig_sandwich(d)
    fig_benchmark(d)
    fig_audit(d, audits=20)
    return d


def test_files_written(out):
    for name in ("a_bounds", "b_sandwich", "c_benchmark", "d_audit"):
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


def test_reproducible_bytes(out, tmp_path):
    fig_sandwich(tmp_path)
    for ext in ("png", "pdf", "json"):
        assert (tmp_path / f"b_sandwich.{ext}").read_bytes() == (out / f"b_sandwich.{ext}").read_bytes()
