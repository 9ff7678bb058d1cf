"""What a one-run black-box audit with m canaries can certify at best: the median ε lower bound of an ideal adversary
against a mechanism that meets its certified (ε, δ) with equality.

    python benchmarks/black_box_ceiling.py [--audits 100] [--canaries 32,128,1000] [--epsilons 1,2,4,8,16,64]

The mechanism: μ-GDP with μ solving δ(ε; μ) = Φ(−ε/μ + μ/2) − e^ε·Φ(−ε/μ − μ/2) = 10⁻⁵ (Dong, Roth, Su 2019), so it
is (ε, 10⁻⁵)-DP and no tighter at that δ; each canary's value v ∈ {0…6} (uniform) is released as
x = (μ/√2)·e_v + N(0, I₇): any two values are two Gaussians exactly μ apart (a value and another are
neighbours). The adversary guesses argmax x (Bayes-optimal under the uniform prior),
confidence the margin between the two largest coordinates; the audit is
:func:`empirical.audit.canary.canary_audit` with the DP sweep's guess counts (``SweepConfig.candidates``) at level
1 − 0.05/14 (a little more lenient than the black-box sweep's 1 − 0.05/18: a ceiling). A black-box adversary of a
real model reads less.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def gdp_mu(epsilon: float, delta: float = 1e-5) -> float:
    """μ with δ(ε; μ) = δ for the μ-GDP trade-off (Dong, Roth, Su 2019, Corollary 2.13)."""
    import numpy as np
    from scipy.optimize import brentq
    from scipy.stats import norm

    def gap(mu: float) -> float:  # e^ε·Φ(·) in logs: finite for every ε
        return float(norm.cdf(-epsilon / mu + mu / 2) - np.exp(epsilon + norm.logcdf(-epsilon / mu - mu / 2)) - delta)

    return brentq(gap, 1e-4, 100.0)


def main() -> None:
    import numpy as np

    from empirical.audit.canary import canary_audit
    from empirical.audit.dp_sweep import SweepConfig

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--audits", type=int, default=100)
    ap.add_argument("--canaries", default="32,128,1000")
    ap.add_argument("--epsilons", default="1,2,4,8,16,64")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    level = 1 - 0.05 / 14
    print("| canaries | certified ε | μ | ideal success | median ε_lb | 90% quantile |")
    print("|---|---|---|---|---|---|")
    for m in (int(x) for x in a.canaries.split(",")):
        cands = SweepConfig(canaries=m).candidates()
        for eps in (float(x) for x in a.epsilons.split(",")):
            mu, lbs, succ = gdp_mu(eps), [], []
            for _ in range(a.audits):
                v = rng.integers(7, size=m)
                x = rng.normal(size=(m, 7))
                x[np.arange(m), v] += mu / np.sqrt(2)
                top = np.sort(x, axis=1)
                e = canary_audit("ai", x.argmax(1), top[:, -1] - top[:, -2], v, delta=1e-5, epsilon=eps, level=level,
                                 candidates=cands)
                lbs.append(e["epsilon_lower_bound"])
                succ.append(e["success"])
            print(f"| {m} | {eps:g} | {mu:.3f} | {np.mean(succ):.3f} | {np.median(lbs):.3f} | "
                  f"{np.quantile(lbs, 0.9):.3f} |", flush=True)


if __name__ == "__main__":
    main()
