"""Binomial confidence intervals and the exact McNemar test (scipy.stats is imported on first use: it is slow to load).

* Clopper–Pearson (exact): ``[B(α/2; k, n−k+1), B(1−α/2; k+1, n−k)]`` with Beta quantiles B, and the
  explicit k = 0 and k = n cases; one-sided limits use α instead of α/2.
* Wilson score: ``(p̂ + z²/2n ± z·sqrt(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)``.
* McNemar exact: with b, c the discordant counts, ``p = min(1, 2·P(Bin(b + c, ½) ≤ min(b, c)))``.
"""

from __future__ import annotations

import math
from numbers import Integral


def _check(k: int, n: int, confidence: float) -> None:
    if not (isinstance(n, Integral) and not isinstance(n, bool) and n >= 1):
        raise ValueError(f"`n` must be an integer >= 1. Found {n!r}.")
    if not (isinstance(k, Integral) and not isinstance(k, bool) and 0 <= k <= n):
        raise ValueError(f"`k` must be an integer in [0, n = {n}]. Found {k!r}.")
    if not (0.0 < confidence < 1.0):
        raise ValueError(f"`confidence` must lie in (0, 1). Found {confidence!r}.")


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact two-sided interval for a binomial proportion k/n."""
    from scipy.stats import beta

    _check(k, n, confidence)
    a = 1.0 - confidence
    lo = 0.0 if k == 0 else float(beta.ppf(a / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - a / 2, k + 1, n - k))
    return lo, hi


def clopper_pearson_lower(k: int, n: int, confidence: float = 0.95) -> float:
    """One-sided exact lower confidence limit: Pr(p ≥ limit) ≥ confidence."""
    from scipy.stats import beta

    _check(k, n, confidence)
    return 0.0 if k == 0 else float(beta.ppf(1.0 - confidence, k, n - k + 1))


def clopper_pearson_upper(k: int, n: int, confidence: float = 0.95) -> float:
    """One-sided exact upper confidence limit."""
    from scipy.stats import beta

    _check(k, n, confidence)
    return 1.0 if k == n else float(beta.ppf(confidence, k + 1, n - k))


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval."""
    from scipy.stats import norm

    _check(k, n, confidence)
    z = float(norm.ppf(1 - (1 - confidence) / 2))
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts b (only A right) and c (only B right)."""
    if b < 0 or c < 0:
        raise ValueError(f"`b` and `c` must be counts >= 0. Found {b!r}, {c!r}.")
    if b + c == 0:
        return 1.0
    from scipy.stats import binom

    return float(min(1.0, 2.0 * binom.cdf(min(b, c), b + c, 0.5)))
