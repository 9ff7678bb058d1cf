"""The theorem table names functions and tests that exist, and `theory` never imports torch or empirical."""

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from theory.theorems import THEOREMS, by_name

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("thm", THEOREMS, ids=lambda t: t.name)
def test_every_listed_form_exists(thm):
    for dotted in thm.numeric + thm.symbolic:
        mod, _, attr = dotted.rpartition(".")
        assert callable(getattr(importlib.import_module(mod), attr)), dotted
    assert (ROOT / thm.tests).is_file(), thm.tests


def test_results_one_to_nine_are_covered():
    assert {t.result for t in THEOREMS} >= {str(i) for i in range(1, 10)}
    with pytest.raises(ValueError, match="`name`"):
        by_name("nope")


def test_theory_imports_no_torch_or_empirical():
    code = "import sys, theory, theory.games, theory.optimal_lp, theory.dpsgd; " \
           "print(any(m == 'torch' or m.startswith('empirical') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
