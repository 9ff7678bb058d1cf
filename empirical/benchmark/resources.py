"""Where the bundled data lives inside the installed package (``empirical/data``)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path


def data_file(*parts: str) -> Path:
    """A file under ``empirical/data`` (e.g. ``data_file("adult", "adult.data.gz")``)."""
    return Path(str(resources.files("empirical").joinpath("data", *parts)))


def recorded_outputs_path() -> str:
    """The bundled real model outputs: 5 models × 3,500 seed-0 queries with their published labels."""
    return str(data_file("adi", "seed0_outputs.jsonl.gz"))


def recorded_outputs_summary() -> dict:
    """The published per-model label counts that travel with :func:`recorded_outputs_path`."""
    return json.loads(data_file("adi", "seed0_outputs.summary.json").read_text(encoding="utf-8"))


def adult_split(name: str) -> bytes:
    """The gzip bytes of a bundled UCI Adult split (``adult.data.gz`` or ``adult.test.gz``)."""
    return data_file("adult", name).read_bytes()


def capability_task_dir() -> Path:
    """The folder of bundled lm-eval task YAMLs (also usable as ``lm_eval --include_path``)."""
    return data_file("capability")


def benchmark_task_dir() -> Path:
    """The folder of the ``access_denied_inc`` lm-eval task (``lm_eval --include_path``; ``sensaware task-dir``)."""
    return data_file("lm_eval")


def bundled_results() -> dict:
    """``results.json`` of our cpu-demo run (the README's main command on a 2-core CPU), shipped with the package."""
    return json.loads(data_file("runs", "cpu-demo.results.json").read_text(encoding="utf-8"))
