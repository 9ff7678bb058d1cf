"""DP-SGD's randomness: Poisson sampling and Gaussian noise from the operating system's cryptographically secure
generator (``os.urandom``: getrandom(2), ChaCha20 on Linux), never seeded by the caller and never stored.

A DP guarantee holds only while the noise is unknown to the adversary: noise drawn from a seed that is published
(or guessable) lets an adversary replay the training once per candidate dataset and recognise the released weights
exactly. Here every step draws fresh bytes from the OS; nothing in a run's files determines them.

* **Uniforms**: ``U = ⌊b/2¹¹⌋·2⁻⁵³`` for 64 random bits ``b``: exact multiples of 2⁻⁵³ in [0, 1).
* **Poisson sampling**: example i is in the batch iff ``U_i < q`` (P = q exactly up to 2⁻⁵³).
* **Gaussian noise** (float64): Box–Muller, ``Z = √(−2 ln(1 − U₁))·cos(2πU₂)`` (and the sine for a second draw),
  and the noise is ``σ·(Z₁ + Z₂ + Z₃ + Z₄)/2`` ~ N(0, σ²): the sum of four independent draws that Opacus' secure
  mode uses against floating-point attacks on a single sampled Gaussian (Mironov, CCS 2012; Jin et al., IEEE S&P
  2022, arXiv 2112.05307; Holohan & Braghin 2021, arXiv 2107.10138), whose representable outputs leak the
  unrounded value. Opacus' secure mode itself needs ``torchcsprng``, which has no build for current torch.

Cost (``python benchmarks/run.py --only dp_noise``, 2-core CPU): 0.2 µs per trainable parameter and step, 0.26 s
for the DP sweep's 1.3M LoRA parameters, 38–55× torch's seeded Mersenne Twister (float32).
"""

from __future__ import annotations

import math
import os

import numpy as np

#: standard normals summed per noise coordinate (Opacus' secure mode: 4, divided by √4)
SUMMED_NORMALS = 4
SOURCE = "os.urandom (OS CSPRNG, unseeded); float64 Box-Muller, sum of 4 normals / 2"
_CHUNK = 1 << 22  # uniforms drawn per call to os.urandom (32 MiB)
_NOISE_CHUNK = 1 << 20  # noise coordinates made at once (4 normals each: ~150 MB of work)


def _check_count(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"`n` (the number of draws) must be an integer >= 0. Found {n!r}.")


def uniforms(n: int) -> np.ndarray:
    """``n`` independent uniforms on [0, 1) in float64 (53 random bits each) from ``os.urandom``."""
    _check_count(n)
    out = np.empty(n, dtype=np.float64)
    for lo in range(0, n, _CHUNK):
        k = min(_CHUNK, n - lo)
        bits = np.frombuffer(os.urandom(8 * k), dtype=np.uint64) >> np.uint64(11)
        out[lo:lo + k] = bits.astype(np.float64) * 2.0**-53
    return out


def standard_normals(n: int) -> np.ndarray:
    """``n`` independent N(0, 1) draws (float64), Box–Muller on :func:`uniforms`."""
    _check_count(n)
    half = (n + 1) // 2
    u = uniforms(2 * half)
    r = np.sqrt(-2.0 * np.log1p(-u[:half]))  # 1 − U ∈ (0, 1]: the logarithm is finite
    theta = (2.0 * math.pi) * u[half:]
    return np.concatenate([r * np.cos(theta), r * np.sin(theta)])[:n]


def gaussian_noise(n: int, std: float) -> np.ndarray:
    """``n`` independent N(0, std²) draws (float64): ``std·(Z₁ + … + Z₄)/2``, made in chunks (peak memory ≈ 8 bytes per
    draw plus one chunk's work)."""
    _check_count(n)
    out = np.empty(n, dtype=np.float64)
    for lo in range(0, n, _NOISE_CHUNK):
        k = min(_NOISE_CHUNK, n - lo)
        out[lo:lo + k] = standard_normals(SUMMED_NORMALS * k).reshape(SUMMED_NORMALS, k).sum(0)
    out *= std / math.sqrt(SUMMED_NORMALS)
    return out


def poisson_batch(n: int, rate: float) -> list[int]:
    """Indices of a Poisson-sampled batch of ``n`` examples: each independently with probability ``rate``."""
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"`rate` must lie in [0, 1]. Found {rate!r}.")
    return np.flatnonzero(uniforms(n) < rate).tolist()
