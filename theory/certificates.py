"""Symbolic certificates: sympy checks of the identities the Coq proofs rely on and the closed forms
:mod:`theory` computes with. Each certificate returns True only when ``simplify(lhs − rhs) == 0`` (or an
explicit sign argument) succeeds; ``run_all`` gives the table ``sensaware verify`` prints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from theory.advantage import advantage_symbolic, success_from_advantage_symbolic
from theory.composition import group_privacy_symbolic
from theory.dp_to_tv import eta_symbolic, eta_witness_symbolic
from theory.inversion import epsilon_lower_bound_symbolic
from theory.sandwich import sandwich_advantage_symbolic, sandwich_success_symbolic
from theory.symbols import DELTA, EPS, A, B, G, L, S
from theory.tight_gary import tight_gary_advantage_symbolic, tight_gary_success_symbolic

_E = sp.exp(EPS)


def _zero(expr: sp.Expr) -> bool:
    return sp.simplify(expr) == 0


def eta_tanh() -> bool:
    """η(ε, 0) = tanh(ε/2)."""

    return _zero((eta_symbolic().subs(DELTA, 0) - sp.tanh(EPS / 2)).rewrite(sp.exp))


def eta_special_cases() -> bool:
    """η(0, δ) = δ and η(ε, 1) = 1."""

    return _zero(eta_symbolic().subs(EPS, 0) - DELTA) and _zero(eta_symbolic().subs(DELTA, 1) - 1)


def eta_monotone() -> bool:
    """∂η/∂ε = 2(1 − δ)e^ε/(e^ε + 1)² ≥ 0 and ∂η/∂δ = 2/(e^ε + 1) > 0 for δ ≤ 1."""

    d_eps = sp.diff(eta_symbolic(), EPS)
    d_delta = sp.diff(eta_symbolic(), DELTA)
    ok = _zero(d_eps - 2 * (1 - DELTA) * _E / (_E + 1) ** 2) and _zero(d_delta - 2 / (_E + 1))
    # sign: every factor of 2(1 − δ)e^ε/(e^ε + 1)² is non-negative on δ ∈ [0, 1]
    u = sp.Symbol("u", nonnegative=True)  # u = 1 − δ
    return ok and bool((2 * u * _E / (_E + 1) ** 2).is_nonnegative)


def dp_to_tv_identity() -> bool:
    """The step of DpToTv.dp_to_tv_set: (e+1)(p − q) − (e − 1 + 2δ) = (p − e q − δ) − (e(1 − p) + δ − (1 − q)),
    so the two DP inequalities give p − q ≤ η."""
    p, q = sp.symbols("p q", real=True)
    return _zero((_E + 1) * (p - q) - (_E - 1 + 2 * DELTA) - ((p - _E * q - DELTA) - (_E * (1 - p) + DELTA - (1 - q))))


def eta_witness() -> bool:
    """The 4-point witness: P(S*) − Q(S*) = δ + (1 − δ)(e − 1)/(e + 1) = η, S* = {0, 1}."""

    p, q = eta_witness_symbolic()
    return _zero(p[0] + p[1] - q[0] - q[1] - eta_symbolic())


def hypothesis_testing_crossing() -> bool:
    """The lines β = 1 − δ − e^ε α and β = e^{−ε}(1 − δ − α) cross at α* = β* = (1 − δ)/(1 + e^ε),
    and 1 − α* − β* = η(ε, δ)."""

    alpha = sp.Symbol("alpha")
    sol = sp.solve(sp.Eq(1 - DELTA - _E * alpha, sp.exp(-EPS) * (1 - DELTA - alpha)), alpha)
    if len(sol) != 1:
        return False
    a_star = sol[0]
    b_star = 1 - DELTA - _E * a_star
    return _zero(a_star - (1 - DELTA) / (1 + _E)) and _zero(b_star - a_star) and _zero(1 - a_star - b_star - eta_symbolic())


def tight_gary_forms() -> bool:
    """Advantage form of the tight bound, G = 2 gives η, and the RR-mixed-with-δ witness attains it."""

    s, a = tight_gary_success_symbolic(), tight_gary_advantage_symbolic()
    witness = DELTA + (1 - DELTA) * _E / (_E + G - 1)
    return _zero((G * s - 1) / (G - 1) - a) and _zero(a.subs(G, 2) - eta_symbolic()) and _zero(witness - s)


def tight_gary_summation() -> bool:
    """The summation step of TightGary.gary_confusion_bound (used by TightGary.tight_gary):
    (G − 1)X ≤ e(G − X) + G(G − 1)δ ⇔ X/G ≤ Succ*; at equality X/G is exactly the bound."""

    x = sp.Symbol("X")
    sol = sp.solve(sp.Eq((G - 1) * x, _E * (G - x) + G * (G - 1) * DELTA), x)
    return len(sol) == 1 and _zero(sol[0] / G - tight_gary_success_symbolic())


def inversion() -> bool:
    """ε_lb = ln((1 + (G − 1)a − Gδ)/(1 − a)) inverts the tight bound: bound(ε_lb) = a, and ε_lb(bound(ε)) = ε."""

    arg = sp.exp(epsilon_lower_bound_symbolic())
    forward = tight_gary_advantage_symbolic().subs(sp.exp(EPS), arg)
    back = sp.simplify(sp.exp(epsilon_lower_bound_symbolic().subs(A, tight_gary_advantage_symbolic())))
    return _zero(forward - A) and _zero(back - _E)


def sandwich_forms() -> bool:
    """Normalising B + (1 − B)η with L = (G·B − 1)/(G − 1) gives L + (1 − L)η."""

    hi_s = sandwich_success_symbolic()[1]
    hi_a = sandwich_advantage_symbolic()[1]
    return _zero((G * hi_s - 1) / (G - 1) - hi_a.subs(L, (G * B - 1) / (G - 1)))


def advantage_inverse() -> bool:
    """Succ(Adv(s)) = s and Adv = 2s − 1 for G = 2."""

    return _zero(success_from_advantage_symbolic().subs(A, advantage_symbolic()) - S) and _zero(
        advantage_symbolic().subs(G, 2) - (2 * S - 1))


def group_privacy_replacement() -> bool:
    """Group privacy for k = 2 (a replacement): δ·Σ_{i<2} e^{iε} = (1 + e^ε)δ."""

    return _zero(group_privacy_symbolic()[1].subs(sp.Symbol("k", positive=True, integer=True), 2).doit()
                 - (1 + _E) * DELTA)


@dataclass(frozen=True)
class Certificate:
    name: str
    theorem: str
    check: Callable[[], bool]


CERTIFICATES: tuple[Certificate, ...] = (
    Certificate("advantage_inverse", "advantage", advantage_inverse),
    Certificate("dp_to_tv_identity", "dp_to_tv", dp_to_tv_identity),
    Certificate("eta_tanh", "dp_to_tv", eta_tanh),
    Certificate("eta_special_cases", "dp_to_tv", eta_special_cases),
    Certificate("eta_monotone", "dp_to_tv", eta_monotone),
    Certificate("eta_witness", "dp_to_tv", eta_witness),
    Certificate("hypothesis_testing_crossing", "dp_to_tv", hypothesis_testing_crossing),
    Certificate("tight_gary_forms", "tight_gary", tight_gary_forms),
    Certificate("tight_gary_summation", "tight_gary", tight_gary_summation),
    Certificate("sandwich_forms", "sandwich", sandwich_forms),
    Certificate("inversion", "inversion", inversion),
    Certificate("group_privacy_replacement", "group_privacy", group_privacy_replacement),
)


def run_all() -> dict[str, bool]:
    """Run every certificate: name → passed."""
    return {c.name: bool(c.check()) for c in CERTIFICATES}
