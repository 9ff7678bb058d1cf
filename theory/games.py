"""The attribute-inference (AI) and sensitivity-awareness (SA) games as finite, executable objects.

Descriptions are data (frozen :class:`Prior`, :class:`Mechanism`, :class:`Guard`, :class:`Adversary`);
evaluation is separate. For a context φ with probability p(φ), a prior w(g | φ), output laws
``P_{φ,g}(y)`` and a decision rule ``D_{φ}(y, ĝ)``:

    ``Succ = Σ_φ p(φ) Σ_g w(g|φ) Σ_y P_{φ,g}(y) D_φ(y, g)``,  ``Adv = (G·Succ − 1)/(G − 1)``.

The SA game is the AI game on the guarded laws ``P_{φ,g} K`` (result 1: ``A`` against the guarded
oracle equals ``A∘Guard = K D`` against the unguarded one). The MAP adversary
``D_φ(y) = argmax_g p(φ) w(g|φ) P_{φ,g}(y)`` is optimal: ``Succ* = Σ_{φ,y} max_g p(φ) w(g|φ) P_{φ,g}(y)``.
Inputs of :class:`fractions.Fraction` are evaluated exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from theory.validate import check_positive_int, check_prior, check_stochastic


def _exact(arr: np.ndarray) -> bool:
    return arr.dtype == object


@dataclass(frozen=True)
class Prior:
    """Prior of π, optionally conditional on the context φ: ``weights[φ, g] = Pr(π = g | φ)`` and
    ``context[φ] = Pr(φ)``. A 1-D ``weights`` means a single context."""

    weights: np.ndarray
    context: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self):
        w = np.asarray(self.weights, dtype=object if _is_fr(self.weights) else float)
        if w.ndim == 1:
            w = check_prior(w, "weights")[None, :]
        else:
            w = check_stochastic(w, "weights")
        c = self.context
        if c is None:
            c = np.array([Fraction(1)], dtype=object) if _exact(w) else np.ones(1)
        c_arr = np.asarray(c, dtype=object if _is_fr(c) else float)
        if c_arr.ndim != 1:
            raise ValueError(f"`context` must be a 1-D vector of context probabilities. Found shape {c_arr.shape}.")
        if c_arr.size == 1:  # a single context has probability exactly 1
            if c_arr[0] != 1:
                raise ValueError(f"`context` must be [1] for a single context (it is Pr(phi)). Found {c_arr.tolist()!r}.")
            c = c_arr
        else:
            c = check_prior(c_arr, "context")
        if c.size != w.shape[0]:
            raise ValueError(f"`context` must have one probability per row of `weights` ({w.shape[0]}). Found {c.size}.")
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "context", c)

    @classmethod
    def uniform(cls, groups: int, exact: bool = False) -> "Prior":
        """w(g) = 1/G."""
        g = check_positive_int(groups, "groups", 2)
        return cls(np.array([Fraction(1, g)] * g, dtype=object) if exact else np.full(g, 1.0 / g))

    @property
    def groups(self) -> int:
        return self.weights.shape[1]

    @property
    def joint(self) -> np.ndarray:
        """Pr(φ, π = g) = p(φ)·w(g | φ)."""
        return self.context[:, None] * self.weights


def _is_fr(x) -> bool:
    arr = np.asarray(x, dtype=object)
    return arr.size > 0 and all(isinstance(v, (Fraction, int)) and not isinstance(v, bool) for v in arr.flat)


@dataclass(frozen=True)
class Mechanism:
    """Output laws: ``laws[g, y] = P_g(y)`` (same for every context) or ``laws[φ, g, y]``."""

    laws: np.ndarray

    def __post_init__(self):
        arr = np.asarray(self.laws, dtype=object if _is_fr(self.laws) else float)
        if arr.ndim == 2:
            arr = arr[None]
        if arr.ndim != 3:
            raise ValueError(f"`laws` must have shape (G, Y) or (contexts, G, Y). Found {arr.shape}.")
        for i in range(arr.shape[0]):
            check_stochastic(arr[i], "laws")
        object.__setattr__(self, "laws", arr)


@dataclass(frozen=True)
class Guard:
    """RBAC guard as a stochastic matrix ``K[y, y']`` applied to outputs (post-processing)."""

    matrix: np.ndarray

    def __post_init__(self):
        arr = np.asarray(self.matrix, dtype=object if _is_fr(self.matrix) else float)
        object.__setattr__(self, "matrix", check_stochastic(arr, "guard"))

    @classmethod
    def identity(cls, outputs: int, exact: bool = False) -> "Guard":
        """Pass every output through unchanged."""
        return cls(_eye(outputs, exact))

    @classmethod
    def refuse_all(cls, outputs: int, refusal: int = 0, exact: bool = False) -> "Guard":
        """The perfect guard: every output becomes the refusal symbol ``refusal``."""
        m = np.zeros((outputs, outputs), dtype=object if exact else float)
        m[:, :] = Fraction(0) if exact else 0.0
        m[:, refusal] = Fraction(1) if exact else 1.0
        return cls(m)


def _eye(n: int, exact: bool) -> np.ndarray:
    if not exact:
        return np.eye(n)
    m = np.full((n, n), Fraction(0), dtype=object)
    for i in range(n):
        m[i, i] = Fraction(1)
    return m


@dataclass(frozen=True)
class Adversary:
    """Decision rule ``rule[φ, y, ĝ]`` (stochastic over guesses; 2-D means the same for every φ)."""

    rule: np.ndarray

    def __post_init__(self):
        arr = np.asarray(self.rule, dtype=object if _is_fr(self.rule) else float)
        if arr.ndim == 2:
            arr = arr[None]
        if arr.ndim != 3:
            raise ValueError(f"`rule` must have shape (Y, G) or (contexts, Y, G). Found {arr.shape}.")
        for i in range(arr.shape[0]):
            check_stochastic(arr[i], "rule")
        object.__setattr__(self, "rule", arr)

    def after_guard(self, guard: Guard) -> "Adversary":
        """A∘Guard: the AI adversary ``K·D`` with the same success as ``A`` in the SA game (result 1)."""
        k = guard.matrix
        return Adversary(np.stack([_matmul(k, r) for r in self.rule]))


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype == object or b.dtype == object:
        a = a.astype(object)
        b = b.astype(object)
        return np.array([[sum((a[i, k] * b[k, j] for k in range(a.shape[1])), Fraction(0))
                          for j in range(b.shape[1])] for i in range(a.shape[0])], dtype=object)
    return a @ b


@dataclass(frozen=True)
class AIGame:
    """The attribute-inference game: unguarded oracle access to the mechanism."""

    prior: Prior
    mechanism: Mechanism

    def __post_init__(self):
        laws = self.mechanism.laws
        if laws.shape[1] != self.prior.groups:
            raise ValueError(f"`mechanism` has laws for {laws.shape[1]} values, `prior` for {self.prior.groups}.")
        if laws.shape[0] not in (1, self.prior.weights.shape[0]):
            raise ValueError(f"`mechanism` has laws for {laws.shape[0]} contexts, `prior` has {self.prior.weights.shape[0]}.")

    @property
    def groups(self) -> int:
        return self.prior.groups

    @property
    def exact(self) -> bool:
        return self.prior.weights.dtype == object and self.laws.dtype == object

    @property
    def laws(self) -> np.ndarray:
        """Per-context laws the adversary observes, shape (contexts, G, Y)."""
        laws = self.mechanism.laws
        n = self.prior.weights.shape[0]
        return np.repeat(laws, n, axis=0) if laws.shape[0] == 1 and n > 1 else laws

    def _scores(self) -> np.ndarray:
        """score[φ, g, y] = p(φ) w(g|φ) P_{φ,g}(y)."""
        joint = self.prior.joint
        return joint[:, :, None] * self.laws

    def success(self, adversary: Adversary):
        """Succ = Σ_{φ,g,y} p(φ) w(g|φ) P_{φ,g}(y) D_φ(y, g) (exact for fractions)."""
        rule = adversary.rule
        laws = self.laws
        if rule.shape[1] != laws.shape[2] or rule.shape[2] != self.groups:
            raise ValueError(f"`adversary` rule has shape {rule.shape[1:]}, the game needs (Y, G) = ({laws.shape[2]}, {self.groups}).")
        if rule.shape[0] == 1 and laws.shape[0] > 1:
            rule = np.repeat(rule, laws.shape[0], axis=0)
        sc = self._scores()
        if sc.dtype == object or rule.dtype == object:
            return sum((sc[f, g, y] * rule[f, y, g] for f in range(sc.shape[0]) for g in range(sc.shape[1])
                        for y in range(sc.shape[2])), Fraction(0))
        return float(np.einsum("fgy,fyg->", sc, rule))

    def map_adversary(self) -> Adversary:
        """The Bayes-optimal (MAP) rule: guess argmax_g p(φ) w(g|φ) P_{φ,g}(y) (ties to the smallest g)."""
        sc = self._scores()
        f, g, y = sc.shape
        best = np.array([[max(range(g), key=lambda k: (sc[a, k, b], -k)) for b in range(y)] for a in range(f)])
        exact = sc.dtype == object
        rule = np.zeros((f, y, g), dtype=object if exact else float)
        rule[...] = Fraction(0) if exact else 0.0
        for a in range(f):
            for b in range(y):
                rule[a, b, best[a, b]] = Fraction(1) if exact else 1.0
        return Adversary(rule)

    def optimal_success(self):
        """Succ* = Σ_{φ,y} max_g p(φ) w(g|φ) P_{φ,g}(y)."""
        sc = self._scores()
        if sc.dtype == object:
            return sum((max(sc[a, :, b]) for a in range(sc.shape[0]) for b in range(sc.shape[2])), Fraction(0))
        return float(sc.max(axis=1).sum())

    def advantage(self, adversary: Adversary | None = None):
        """Adv = (G·Succ − 1)/(G − 1) of ``adversary`` (the MAP adversary when omitted)."""
        s = self.optimal_success() if adversary is None else self.success(adversary)
        g = self.groups
        return (g * s - 1) / (g - 1) if isinstance(s, Fraction) else (g * s - 1.0) / (g - 1.0)

    def monte_carlo_success(self, adversary: Adversary, n: int, seed: int = 0) -> tuple[float, tuple[float, float]]:
        """Estimate Succ by ``n`` seeded plays; returns (estimate, 95% Clopper–Pearson interval)."""
        from scipy.stats import beta

        n = check_positive_int(n, "n")
        rng = np.random.default_rng(seed)
        joint = self.prior.joint.astype(float)
        laws = self.laws.astype(float)
        rule = adversary.rule.astype(float)
        if rule.shape[0] == 1 and laws.shape[0] > 1:
            rule = np.repeat(rule, laws.shape[0], axis=0)
        flat = rng.choice(joint.size, size=n, p=joint.ravel() / joint.sum())
        phi, g = np.divmod(flat, joint.shape[1])
        cdf = np.cumsum(laws[phi, g], axis=1)
        y = np.minimum((rng.random(n)[:, None] > cdf).sum(axis=1), laws.shape[2] - 1)
        cdf_d = np.cumsum(rule[phi, y], axis=1)
        guess = np.minimum((rng.random(n)[:, None] > cdf_d).sum(axis=1), self.groups - 1)
        k = int((guess == g).sum())
        lo = 0.0 if k == 0 else float(beta.ppf(0.025, k, n - k + 1))
        hi = 1.0 if k == n else float(beta.ppf(0.975, k + 1, n - k))
        return k / n, (lo, hi)


@dataclass(frozen=True)
class SAGame(AIGame):
    """The sensitivity-awareness game: every answer passes through ``guard`` (role r_A not authorised)."""

    guard: Guard = None  # type: ignore[assignment]

    def __post_init__(self):
        super().__post_init__()
        if self.guard is None:
            raise ValueError("`guard` is required for the SA game (use Guard.identity for none).")
        if self.guard.matrix.shape[0] != self.mechanism.laws.shape[2]:
            raise ValueError(f"`guard` has {self.guard.matrix.shape[0]} rows; the mechanism has {self.mechanism.laws.shape[2]} outputs.")

    @property
    def laws(self) -> np.ndarray:
        """Guarded laws P_{φ,g} K."""
        base = super().laws
        return np.stack([_matmul(base[i], self.guard.matrix) for i in range(base.shape[0])])

    def as_ai_game(self) -> AIGame:
        """The unguarded game on the same prior and mechanism."""
        return AIGame(self.prior, self.mechanism)
