"""The sympy symbols every symbolic form in :mod:`theory` is written in."""

import sympy as sp

#: ε ≥ 0, the DP privacy-loss parameter.
EPS = sp.Symbol("epsilon", nonnegative=True, real=True)
#: δ ∈ [0, 1], the DP failure probability.
DELTA = sp.Symbol("delta", nonnegative=True, real=True)
#: G ≥ 2, the number of values of the sensitive attribute.
G = sp.Symbol("G", positive=True, integer=True)
#: An advantage or success value.
A = sp.Symbol("a", real=True)
#: A success probability.
S = sp.Symbol("s", real=True)
#: Bayes success from context alone, B.
B = sp.Symbol("B", nonnegative=True, real=True)
#: Correlation floor, L.
L = sp.Symbol("L", nonnegative=True, real=True)
#: A total-variation distance.
TV = sp.Symbol("t", nonnegative=True, real=True)
#: A number of composed mechanisms / group size.
K = sp.Symbol("k", positive=True, integer=True)
