"""Argument checks shared by every public function of :mod:`theory`.

Each check raises :class:`ValueError` naming the argument, the value found and the allowed range,
in the style of Google's dp-accounting (`` `epsilon` must be >= 0. Found -1. ``).
"""

from __future__ import annotations

from fractions import Fraction
from numbers import Integral, Real
from typing import Any

import numpy as np

#: Tolerance for "sums to one" and "is stochastic" checks on floating-point input.
PROB_TOL = 1e-9
#: Largest G accepted: the closed forms are exact to ~G·1e-16 relative in (G − 1)·e^{−ε}, documented up to 10^15.
MAX_GROUPS = 10**15


def _show(value: Any) -> str:
    arr = np.asarray(value, dtype=object) if not np.isscalar(value) else None
    if arr is not None and arr.size > 6:
        return f"array of shape {arr.shape}"
    return repr(value)


def as_float_array(name: str, value: Any) -> np.ndarray:
    """Convert ``value`` to a float array or raise a ValueError naming ``name``."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a real number or array of real numbers. Found {_show(value)}.") from None
    return arr


def check_epsilon(value: Any, name: str = "epsilon", allow_inf: bool = True) -> np.ndarray:
    """ε ≥ 0 (and finite unless ``allow_inf``); NaN is always refused.

    Arrays are screened with one min/max pass (NaN propagates through both); the slow path only
    runs to word the error.
    """
    arr = as_float_array(name, value)
    if arr.size == 0:
        return arr
    lo, hi = arr.min(), arr.max()
    if lo >= 0 and (allow_inf or hi < np.inf):
        return arr + 0.0  # -0.0 -> 0.0
    if np.isnan(arr).any():
        raise ValueError(f"`{name}` must be a number >= 0, not NaN. Found {_show(value)}.")
    if (arr < 0).any():
        bad = arr[arr < 0].flat[0] if arr.ndim else arr
        raise ValueError(f"`{name}` must be >= 0. Found {float(bad)!r}.")
    raise ValueError(f"`{name}` must be finite (0 <= {name} < inf). Found inf.")


def check_unit_interval(value: Any, name: str, *, open_low: bool = False, open_high: bool = False) -> np.ndarray:
    """A probability-like argument in [0, 1] (ends optionally open); NaN refused."""
    arr = as_float_array(name, value)
    if arr.size == 0:
        return arr
    lo, hi = arr.min(), arr.max()
    if (lo > 0 if open_low else lo >= 0) and (hi < 1 if open_high else hi <= 1):
        return arr + 0.0  # -0.0 -> 0.0
    lb = "(" if open_low else "["
    rb = ")" if open_high else "]"
    if np.isnan(arr).any():
        raise ValueError(f"`{name}` must lie in {lb}0, 1{rb}, not NaN. Found {_show(value)}.")
    bad = (arr < 0) | (arr > 1)
    if open_low:
        bad |= arr == 0
    if open_high:
        bad |= arr == 1
    first = arr[bad].flat[0] if arr.ndim else arr
    raise ValueError(f"`{name}` must lie in {lb}0, 1{rb}. Found {float(first)!r}.")


def check_delta(value: Any, name: str = "delta") -> np.ndarray:
    """δ ∈ [0, 1]."""
    return check_unit_interval(value, name)


def check_groups(value: Any, name: str = "groups") -> int:
    """G: an integer in [2, 10^15] (the number of values the sensitive attribute can take)."""
    msg = f"`{name}` must be an integer in [2, 1e15]. Found {value!r}."
    if isinstance(value, bool) or not isinstance(value, (Integral, Real, np.integer, np.floating)):
        raise ValueError(msg)
    if isinstance(value, (float, np.floating)) and not float(value).is_integer():
        raise ValueError(msg)
    if not np.isfinite(float(value)) or not 2 <= int(value) <= MAX_GROUPS:
        raise ValueError(msg)
    return int(value)


def check_groups_array(value: Any, name: str = "groups") -> np.ndarray:
    """G as an array of integers in [2, 10^15] (for vectorised bounds)."""
    if np.isscalar(value):
        return np.asarray(check_groups(value, name), dtype=float)
    arr = as_float_array(name, value)
    if not ((arr >= 2) & (arr <= MAX_GROUPS) & (arr == np.floor(arr))).all():  # NaN and inf fail too
        raise ValueError(f"`{name}` must contain integers in [2, 1e15]. Found {_show(value)}.")
    return arr


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """An integer ≥ ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (Integral, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(f"`{name}` must be an integer >= {minimum}. Found {value!r}.")
    if int(value) < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}. Found {value!r}.")
    return int(value)


def _is_exact(value: Any) -> bool:
    arr = np.asarray(value, dtype=object)
    return arr.size > 0 and all(isinstance(x, (Fraction, Integral)) and not isinstance(x, bool) for x in arr.flat)


def check_prior(value: Any, name: str = "prior", groups: int | None = None) -> np.ndarray:
    """A probability vector w over Π: entries ≥ 0 (zeros allowed), Σ w = 1 within :data:`PROB_TOL` (exactly for
    fractions). A float vector whose sum is off by at most :data:`PROB_TOL` is returned renormalised, ``w / Σ w``;
    a larger error is refused."""
    exact = _is_exact(value)
    arr = np.asarray(value, dtype=object if exact else float) if exact else as_float_array(name, value)
    if arr.ndim != 1:
        raise ValueError(f"`{name}` must be a 1-D probability vector. Found shape {arr.shape}.")
    if arr.size < 2:
        raise ValueError(f"`{name}` must have at least 2 entries (G >= 2). Found {arr.size}.")
    if groups is not None and arr.size != groups:
        raise ValueError(f"`{name}` must have `groups` = {groups} entries. Found {arr.size}.")
    if not exact and not np.isfinite(arr).all():
        raise ValueError(f"`{name}` entries must be finite numbers in [0, 1]. Found {_show(value)}.")
    if any(x < 0 for x in arr.flat):
        raise ValueError(f"`{name}` entries must be >= 0. Found {_show(value)}.")
    total = sum(arr.tolist())
    if exact and total != 1:
        raise ValueError(f"`{name}` must sum to exactly 1 (exact input). Found sum {total}.")
    if not exact and abs(total - 1.0) > PROB_TOL:
        raise ValueError(f"`{name}` must sum to 1 (tolerance {PROB_TOL:g}). Found sum {total!r}.")
    if not exact and total != 1.0:
        arr = arr / total  # rounding within PROB_TOL: renormalised, so every bound sees a true probability vector
    return arr


def check_stochastic(value: Any, name: str, rows: int | None = None, cols: int | None = None) -> np.ndarray:
    """A row-stochastic matrix: entries ≥ 0, every row sums to 1 (within :data:`PROB_TOL`, exactly for fractions)."""
    exact = _is_exact(value)
    arr = np.asarray(value, dtype=object) if exact else as_float_array(name, value)
    if arr.ndim != 2:
        raise ValueError(f"`{name}` must be a 2-D row-stochastic matrix. Found shape {arr.shape}.")
    if rows is not None and arr.shape[0] != rows:
        raise ValueError(f"`{name}` must have {rows} rows. Found {arr.shape[0]}.")
    if cols is not None and arr.shape[1] != cols:
        raise ValueError(f"`{name}` must have {cols} columns. Found {arr.shape[1]}.")
    if not exact and not np.isfinite(arr).all():
        raise ValueError(f"`{name}` must contain finite probabilities. Found NaN or inf.")
    if any(x < 0 for x in arr.flat):
        raise ValueError(f"`{name}` must have entries >= 0 (a stochastic matrix).")
    sums = [sum(r) for r in arr.tolist()]
    for i, s in enumerate(sums):
        if (exact and s != 1) or (not exact and abs(s - 1.0) > PROB_TOL):
            raise ValueError(
                f"`{name}` must be row-stochastic: row {i} sums to {s!r}, allowed 1"
                + ("" if exact else f" within {PROB_TOL:g}")
                + "."
            )
    return arr


def check_advantage(value: Any, groups: Any, name: str = "advantage") -> np.ndarray:
    """A normalised advantage a ∈ [−1/(G − 1), 1] (G = ``groups``, already validated); NaN refused."""
    a = as_float_array(name, value)
    g = np.asarray(groups, dtype=float)
    lo = -1.0 / (g - 1.0)
    bad_mask = ~((a >= lo) & (a <= 1.0))  # NaN fails both comparisons
    if bad_mask.any():
        bad = np.broadcast_to(a, bad_mask.shape)[bad_mask].flat[0]
        raise ValueError(f"`{name}` must lie in [-1/(G-1), 1] (G = `groups`; -1/(G-1) is always wrong, 1 always "
                         f"right). Found {float(bad)!r}.")
    return a
