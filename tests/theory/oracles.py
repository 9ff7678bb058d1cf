"""Independent oracles for the theory tests: mpmath at 60 digits, the all-subsets LP, enumeration, Gaussian
integrals. None of them calls :mod:`theory`'s numeric code."""

from __future__ import annotations

from itertools import combinations

import mpmath as mp
import numpy as np

mp.mp.dps = 60


def mpf(x):
    return mp.inf if x == float("inf") else mp.mpf(x)


def eta(e, d):
    """η = (e^ε − 1 + 2δ)/(e^ε + 1): the TV of the tight pair, as the mass difference P(S*) − Q(S*)."""
    e, d = mpf(e), mpf(d)
    if e == mp.inf:
        return mp.mpf(1)
    hi = (1 - d) * mp.exp(e) / (1 + mp.exp(e))
    lo = (1 - d) / (1 + mp.exp(e))
    return d + hi - lo


def tight_success(e, d, g):
    """Success of MAP against G-ary randomised response mixed with δ-reveal (uniform prior), at 60 digits."""
    e, d, g = mpf(e), mpf(d), mpf(g)
    if e == mp.inf:
        return mp.mpf(1)
    keep = mp.exp(e) / (mp.exp(e) + g - 1)
    return d + (1 - d) * keep


def tight_advantage(e, d, g):
    g = mpf(g)
    return (g * tight_success(e, d, g) - 1) / (g - 1)


def prior_success(e, d, w):
    """δ + (1 − δ)·max_k e^ε W_k/(e^ε + k − 1), evaluated at 60 digits over the exact prior."""
    e, d = mpf(e), mpf(d)
    ws = sorted((mp.mpf(x) for x in w), reverse=True)
    if e == mp.inf:
        return mp.mpf(1)
    best, acc = mp.mpf(0), mp.mpf(0)
    for k, x in enumerate(ws, start=1):
        acc += x
        best = max(best, mp.exp(e) * acc / (mp.exp(e) + k - 1))
    return d + (1 - d) * best


def invert(forward, target, hi=2000):
    """Smallest ε ≥ 0 with forward(ε) ≥ target, by 300 bisection steps in mpmath (forward non-decreasing)."""
    target, hi = mp.mpf(target), mp.mpf(hi)
    if forward(mp.mpf(0)) >= target:
        return mp.mpf(0)
    if target >= 1:  # success 1 is reached only at ε = ∞ when it is not reached at ε = 0
        return mp.inf
    if forward(hi) < target:
        return mp.inf
    lo = mp.mpf(0)
    for _ in range(300):
        mid = (lo + hi) / 2
        if forward(mid) >= target:
            hi = mid
        else:
            lo = mid
    return hi


def group_delta(e, d, k):
    e, d = mpf(e), mpf(d)
    if d == 0:
        return mp.mpf(0)
    if e == mp.inf:
        return mp.mpf(1)
    return min(mp.mpf(1), d * mp.fsum(mp.exp(i * e) for i in range(k)))


def all_subsets_lp(e: float, d: float, w) -> float:
    """max Σ w_g Q[g,g] over G×G row-stochastic Q with Q_a(S) ≤ e^ε Q_b(S) + δ for every a ≠ b and every subset
    S of guesses (the definition of DP, 2^G constraints per pair), solved by HiGHS. Small G, moderate ε only.

    Each row is divided by e^ε (``e^{−ε}·Q_a(S) − Q_b(S) ≤ e^{−ε}·δ``): coefficients in [e^{−ε}, 1], so HiGHS never
    sees e^ε beside 1 in one row (with ε ∈ [5, 7] it could end with status "Unknown", about 1 case in 300)."""
    from scipy.optimize import linprog

    w = np.asarray(w, dtype=float)
    g = w.size
    u = float(np.exp(-e))
    rows, rhs = [], []
    subsets = [s for r in range(1, g + 1) for s in combinations(range(g), r)]
    for a in range(g):
        for b in range(g):
            if a == b:
                continue
            for s in subsets:
                row = np.zeros(g * g)
                row[[a * g + h for h in s]] = u
                row[[b * g + h for h in s]] -= 1.0
                rows.append(row)
                rhs.append(d * u)
    a_eq = np.kron(np.eye(g), np.ones(g))
    c = np.zeros(g * g)
    c[np.arange(g) * g + np.arange(g)] = -w
    res = linprog(c, A_ub=np.array(rows), b_ub=np.array(rhs), A_eq=a_eq, b_eq=np.ones(g), bounds=(0, 1),
                  method="highs", options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
    assert res.status == 0, res.message
    return -res.fun


def map_success(prior, laws) -> float:
    """Σ_y max_g w_g P_g(y): the Bayes-optimal success, by enumeration of the outputs."""
    laws = np.asarray(laws, dtype=float)
    return float((np.asarray(prior, dtype=float)[:, None] * laws).max(axis=0).sum())


def gaussian_simplex_success_1d(sigma: float, g: int) -> float:
    """Optimal success (uniform prior) for G Gaussians N(√2·e_i, σ²I) in R^G (means pairwise 2 apart: each pair is
    the replace-one Gaussian pair of DP-SGD with q = 1, T = 1). The means have equal norms, so MAP picks the largest
    coordinate: success = P(√2/σ + Z_1 > Z_i for all i ≠ 1) = ∫ φ(z)·Φ(z + √2/σ)^{G−1} dz, by mpmath quadrature."""
    a = mp.sqrt(2) / mp.mpf(sigma)
    f = lambda z: mp.npdf(z) * mp.ncdf(z + a) ** (g - 1)  # noqa: E731
    return float(mp.quad(f, [-mp.inf, -a, 0, mp.inf]))


def gaussian_simplex_success(sigma: float) -> float:
    """Optimal success (uniform prior) for 3 Gaussians N(μ_g, σ²I) in R² whose means form an equilateral triangle
    of side 2 (every pair is the replace-one Gaussian pair of DP-SGD with q = 1, T = 1): the probability that
    y ~ N(μ_1, σ²I) lies in μ_1's Voronoi cell, a 120° wedge, by numeric integration in polar coordinates."""
    from scipy import integrate

    # put μ_1 at distance r0 = 2/√3 from the centroid (the wedge's apex), wedge = angles within ±60° of μ_1's direction
    r0 = 2.0 / np.sqrt(3.0)

    def density(r, t):
        x, y = r * np.cos(t) - r0, r * np.sin(t)
        return r * np.exp(-(x * x + y * y) / (2 * sigma**2)) / (2 * np.pi * sigma**2)

    val, _ = integrate.dblquad(density, -np.pi / 3, np.pi / 3, 0, np.inf, epsabs=1e-12, epsrel=1e-10)
    return val
