"""Tiny helpers for vectorised results."""

import numpy as np


def out(x: np.ndarray):
    """Return a Python float for 0-d results, the array otherwise."""
    x = np.asarray(x)
    return float(x) if x.ndim == 0 else x
