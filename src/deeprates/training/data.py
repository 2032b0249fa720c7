"""Data for the kernel experiments: uniform designs on a cube or ball, indicator targets, digits.

ntk-indicator (docs/figures/ntk-indicator.md) samples x uniformly on [0,1] (d = 1) or the unit ball (d = 2, 3) and learns the
indicator of an interval / ball. Two choices here are made so that the loss curve reaches its
asymptotic power law at sizes a laptop can diagonalise (n ~ 2000):
- `design="qmc"`: a scrambled Sobol sequence (rejection-sampled into the ball), i.e. a
  low-discrepancy sample of the uniform measure. With iid points every empirical coefficient
  carries O(n^-1/2) sampling noise, which piles up in the high modes and bends the fitted
  exponent (measured d = 1, n = 2000: NTK 0.518 iid vs 0.501 qmc, theory 0.5).
- an ensemble of targets: indicators of balls with random centres and radii, the loss averaged
  over them. One ball's coefficients oscillate coherently in frequency (its Fourier transform
  is a Bessel function of r|omega|), which puts decade-long waves in the local slope of the
  loss at reachable sizes; random radii decorrelate the waves. Every member is the indicator
  of a smooth domain, so the exponent (kappa = 1/d) is that of each member.
`targets=1` gives the single centred target ([1/4, 3/4], or the ball of radius 1/2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from deeprates.digits import load_digits


@dataclass(frozen=True)
class Domain:
    """Uniform data on the cube [0,1]^d or the unit ball of R^d (for d = 1: [-1, 1])."""

    kind: str
    d: int

    def __post_init__(self):
        if self.kind not in ("cube", "ball"):
            raise ValueError(f"domain must be 'cube' or 'ball', got {self.kind!r}")
        if self.d < 1:
            raise ValueError(f"dimension must be >= 1, got {self.d}")

    @property
    def centre(self) -> np.ndarray:
        return np.full(self.d, 0.5) if self.kind == "cube" else np.zeros(self.d)

    @property
    def inradius(self) -> float:
        return 0.5 if self.kind == "cube" else 1.0

    def _from_unit_cube(self, u: np.ndarray) -> np.ndarray:
        """Points of [0,1)^d -> the domain; for the ball, those falling outside are dropped."""
        if self.kind == "cube":
            return u
        p = 2.0 * u - 1.0
        return p[np.einsum("ij,ij->i", p, p) <= 1.0]

    def sample(self, n: int, seed: int, design: str = "qmc") -> np.ndarray:
        """n points, (n, d) float64: a scrambled Sobol sequence ('qmc') or iid uniform ('iid')."""
        if design not in ("qmc", "iid"):
            raise ValueError(f"design must be 'qmc' or 'iid', got {design!r}")
        rng = np.random.default_rng(seed)
        sob = qmc.Sobol(self.d, scramble=True, rng=rng) if design == "qmc" else None
        chunks, have = [], 0
        while have < n:
            block = 1 << max(10, int(np.ceil(np.log2(max(n - have, 1) * 2))))
            u = sob.random(block) if sob is not None else rng.random((block, self.d))
            p = self._from_unit_cube(u)
            chunks.append(p)
            have += len(p)
        return np.concatenate(chunks)[:n]


@dataclass(frozen=True)
class BallTargets:
    """Indicators of T balls (intervals for d = 1) inside a domain."""

    centres: np.ndarray  # (T, d)
    radii: np.ndarray  # (T,)

    @classmethod
    def ensemble(cls, domain: Domain, count: int, seed: int) -> "BallTargets":
        """count = 1: the centred ball of radius inradius/2 ([1/4, 3/4] for the unit
        interval). count > 1: centres uniform in the ball of radius inradius/2 around the
        domain's centre, radii uniform in [0.2, 0.7] x inradius (some balls cross the domain's
        boundary: the indicator of the intersection, still a domain with a jump across a smooth
        surface inside the data)."""
        R, c0 = domain.inradius, domain.centre
        if count == 1:
            return cls(c0[None, :].copy(), np.array([R / 2]))
        rng = np.random.default_rng(seed)
        g = rng.normal(size=(count, domain.d))
        g /= np.linalg.norm(g, axis=1, keepdims=True)
        centres = c0 + (R / 2) * g * rng.random((count, 1)) ** (1.0 / domain.d)
        radii = R * rng.uniform(0.2, 0.7, count)
        return cls(centres, radii)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """(n, T) matrix of indicator values."""
        dist = np.linalg.norm(x[:, None, :] - self.centres[None, :, :], axis=2)
        return (dist < self.radii[None, :]).astype(np.float64)


def digits(scale: str = "unit-mean-norm") -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits (1797 x 64, shipped in the wheel: no download).

    Returns (x, Y): pixels scaled so that the mean |x| is 1 (the ReLU kernels with bias depend on
    the scale of x relative to the bias), and one-hot labels centred to mean zero, (n, 10).
    """
    x, y = load_digits()
    x = np.asarray(x, dtype=np.float64)
    if scale == "unit-mean-norm":
        x = x / np.linalg.norm(x, axis=1).mean()
    elif scale != "raw":
        raise ValueError(f"scale must be 'unit-mean-norm' or 'raw', got {scale!r}")
    Y = np.eye(10)[y]
    return x, Y - Y.mean(axis=0)
