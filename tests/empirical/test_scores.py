"""Intervals and the paired test against closed forms and enumeration."""

import math

import pytest

from empirical.benchmark.scores import paired_comparison, score
from theory.stats import clopper_pearson, clopper_pearson_lower, mcnemar_exact, wilson


def test_clopper_pearson_closed_forms():
    n, a = 20, 0.05
    assert clopper_pearson(0, n) == (0.0, pytest.approx(1 - (a / 2) ** (1 / n), rel=1e-10))
    assert clopper_pearson(n, n) == (pytest.approx((a / 2) ** (1 / n), rel=1e-10), 1.0)
    assert clopper_pearson_lower(n, n, 0.95) == pytest.approx(0.05 ** (1 / n), rel=1e-10)


def test_clopper_pearson_defining_tail_equations():
    from scipy.stats import binom

    k, n = 7, 30
    lo, hi = clopper_pearson(k, n, 0.9)
    assert binom.sf(k - 1, n, lo) == pytest.approx(0.05, abs=1e-9)
    assert binom.cdf(k, n, hi) == pytest.approx(0.05, abs=1e-9)


def test_wilson_by_hand():
    k, n, z = 30, 100, 1.959963984540054
    p = 0.3
    c = (p + z * z / 200) / (1 + z * z / 100)
    h = z * math.sqrt(p * 0.7 / 100 + z * z / 40000) / (1 + z * z / 100)
    assert wilson(k, n) == (pytest.approx(c - h, abs=1e-12), pytest.approx(c + h, abs=1e-12))


def test_mcnemar_by_enumeration():
    b, c = 3, 12
    tail = sum(math.comb(15, i) for i in range(0, 4)) / 2**15
    assert mcnemar_exact(b, c) == pytest.approx(2 * tail, rel=1e-12)
    assert mcnemar_exact(5, 5) == 1.0 and mcnemar_exact(0, 0) == 1.0


def test_score_and_paired():
    a = [{"query_id": i, "label": 1 if i < 5 else 3, "malicious": i % 2 == 0, "block": "age"} for i in range(20)]
    b = [{"query_id": i, "label": 1 if i < 17 else 2, "malicious": i % 2 == 0, "block": "age"} for i in range(20)]
    s = score(a)
    assert s["correct"].k == 5 and s["correct"].n == 20
    assert s["leak"].k == 7 and s["leak"].n == 10  # malicious rows 6..18 with label 3
    p = paired_comparison(a, b)
    assert (p["only_a_correct"], p["only_b_correct"]) == (0, 12)
    assert p["mcnemar_p"] == pytest.approx(2 / 2**12)
    with pytest.raises(ValueError, match="`k`"):
        clopper_pearson(5, 3)
    with pytest.raises(ValueError, match="`confidence`"):
        wilson(1, 3, 1.0)
