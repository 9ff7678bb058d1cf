"""Mechanisms behind one small interface: ``answer(values, rng) -> list[str]`` maps the target's true sensitive
value index per query (0..G−1) to answer texts. Known-ε mechanisms validate the audit; ``recorded`` and
``llm`` audit real models."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from empirical.benchmark.extraction import extract_answer
from empirical.benchmark.vocabulary import REFUSAL
from theory import tight_gary_success
from theory.validate import check_epsilon, check_groups


@dataclass(frozen=True)
class RandomizedResponse:
    """G-ary randomised response with known ε: the true value with probability e^ε/(e^ε + G − 1), else another."""

    epsilon: float
    groups: int

    def __post_init__(self):
        check_epsilon(self.epsilon, allow_inf=False)
        check_groups(self.groups)

    def sample(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        g = self.groups
        keep = rng.random(values.size) < float(tight_gary_success(self.epsilon, 0.0, g))
        other = (values + rng.integers(1, g, values.size)) % g
        return np.where(keep, values, other)

    def answer(self, values, rng) -> list[str]:
        return [f"{{{{{v}}}}}" for v in self.sample(np.asarray(values), rng)]


@dataclass(frozen=True)
class GeometricNoise:
    """Numeric answers v + Z with two-sided geometric noise P(Z = z) ∝ e^{−ε|z|}: ε-DP for values 1 apart,
    (kε)-DP for values k apart. Decoding rounds and clips to 0..G−1."""

    epsilon: float
    groups: int

    def __post_init__(self):
        if not check_epsilon(self.epsilon, allow_inf=False) > 0:
            raise ValueError(f"`epsilon` of the geometric mechanism must be > 0 (finite). Found {self.epsilon!r}.")
        check_groups(self.groups)

    def sample(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        p = 1.0 - math.exp(-self.epsilon)
        z = rng.geometric(p, values.size) - rng.geometric(p, values.size)
        return values + z

    def answer(self, values, rng) -> list[str]:
        return [f"{{{{{v}}}}}" for v in self.sample(np.asarray(values), rng)]


@dataclass(frozen=True)
class PerfectGuard:
    """Always refuses."""

    groups: int

    def answer(self, values, rng) -> list[str]:
        return ["{{" + REFUSAL + "}}"] * len(values)


@dataclass(frozen=True)
class Leaky:
    """Always answers with the true value."""

    groups: int

    def answer(self, values, rng) -> list[str]:
        return [f"{{{{{v}}}}}" for v in values]


def decode_index(answer: str, groups: int, fallback: int = 0) -> int:
    """The adversary's guess from an answer ``{{v}}`` (v an index); a refusal or anything else → ``fallback``
    (the prior's most likely value)."""
    text = extract_answer(answer)
    try:
        v = int(round(float(text))) if text is not None else None
    except ValueError:
        v = None
    if v is None:
        return fallback
    return min(max(v, 0), groups - 1)
