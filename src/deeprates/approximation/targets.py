"""Rough targets: sums of ridge powers f(x) = sum_i c_i rho(u_i . x - a_i), rho(t) = sgn(t)^q |t|^beta.

A target that is to exhibit a class rate must be rough at every tested
scale, so its singularities sit at fixed irrational positions that no dyadic or uniform grid
of the constructions hits (here: the golden-ratio sequence, well spread and irrational).

- beta <= 1, q = 0: Hoelder-beta with kinks (beta = 1) or cusps (beta < 1): the phase-diagram
  class (arXiv:1802.03620, 1906.09477, smoothness r = beta).
- beta = n, q = (n + 1) mod 2 (|t|, t|t|, |t|^3, ...): in W^{n,inf} with a jump of the n-th
  derivative, the Sobolev class of arXiv:1610.01145 Theorem 1 (smoothness n).

In one dimension the class implements the `supnorm.Target` protocol: its singular points are
the kinks plus the inflection points (zeros of f''), so that f' is monotone on every segment
between them and `critical_points` (f' = slope) is a bracketed root per segment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


def golden_points(n: int, offset: float = 0.5) -> np.ndarray:
    """frac(offset + i * (sqrt 5 - 1)/2), i = 1..n: irrational, low-discrepancy positions."""
    i = np.arange(1, n + 1, dtype=float)
    return np.mod(offset + i * GOLDEN, 1.0)


def falling(beta: float, j: int) -> float:
    """beta (beta - 1) ... (beta - j + 1)."""
    out = 1.0
    for k in range(j):
        out *= beta - k
    return out


@dataclass(frozen=True)
class RidgeSum:
    c: tuple[float, ...]
    a: tuple[float, ...]
    u: tuple[tuple[float, ...], ...]  # one direction per term (length d)
    beta: float
    q: int = 0  # rho(t) = sgn(t)^q |t|^beta
    name: str = ""

    def __post_init__(self) -> None:
        if not (len(self.c) == len(self.a) == len(self.u)) or not self.c:
            raise ValueError("RidgeSum needs equally many (>= 1) coefficients, offsets, directions")
        if self.beta <= 0:
            raise ValueError(f"RidgeSum needs beta > 0, got {self.beta}")

    @property
    def d(self) -> int:
        return len(self.u[0])

    def _t(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        if x.shape[1] != self.d:
            raise ValueError(f"{self.name}: expected points of dimension {self.d}, got {x.shape}")
        return x @ np.asarray(self.u, float).T - np.asarray(self.a, float)  # (n, terms)

    def _rho(self, t: np.ndarray, j: int) -> np.ndarray:
        """rho^(j)(t) = (beta)_j sgn(t)^(q+j) |t|^(beta-j), for t != 0 (and t = 0 when j < beta)."""
        s = np.sign(t) if (self.q + j) % 2 else 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            return falling(self.beta, j) * s * np.abs(t) ** (self.beta - j)

    def derivative(self, x: np.ndarray, alpha: tuple[int, ...]) -> np.ndarray:
        """D^alpha f at the points x (rows)."""
        j = int(sum(alpha))
        ua = np.prod(np.asarray(self.u, float) ** np.asarray(alpha, float), axis=1)  # u_i^alpha
        return self._rho(self._t(x), j) @ (np.asarray(self.c, float) * ua)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.derivative(x, (0,) * self.d)

    def derivative_bound(self, n: int) -> float:
        """max over |alpha| = n of sup |D^alpha f|, for beta = n (then |rho^(n)| = n!)."""
        if abs(self.beta - n) > 0:
            raise ValueError("derivative_bound is the W^{n,inf} norm; it needs beta = n")
        best = 0.0
        for alpha in multi_indices(self.d, n, exact=True):
            ua = np.abs(np.prod(np.asarray(self.u, float) ** np.asarray(alpha, float), axis=1))
            best = max(best, float(np.sum(np.abs(self.c) * ua)) * math.factorial(n))
        return best

    def holder_constant(self) -> float:
        """C with |f(x) - f(y)| <= C |x - y|^beta (beta <= 1, q = 0; |u_i| = 1 in 1-D)."""
        if self.beta > 1 or self.q != 0:
            raise ValueError("holder_constant is defined here for beta <= 1 and q = 0")
        norms = np.linalg.norm(np.asarray(self.u, float), axis=1)
        return float(np.sum(np.abs(self.c) * norms**self.beta))

    def modulus(self, h: float, lo: float = 0.0, hi: float = 1.0) -> float:
        """omega_f(h) = sup |f(x + h) - f(x)| over x, x + h in [lo, hi] (d = 1).

        g(x) = f(x + h) - f(x) is smooth except at the kinks a_i and a_i - h; those are
        candidates, so for beta = 1 (piecewise linear g) the value is exact. Otherwise g is also
        sampled densely around each of them (257 points over [a - 2h, a + h]) and on a global
        grid of 4097 points, which resolves its extrema to far below a percent.
        """
        self._need_1d()
        if not 0 < h <= hi - lo:
            raise ValueError(f"modulus needs 0 < h <= {hi - lo}, got {h}")
        k = self.kinks(lo - h, hi)
        pts = [np.array([lo, hi - h]), k, k - h]
        if not (self.beta == 1 and self.q == 0):
            s = np.linspace(-1.0, 2.0, 257)
            pts += [(k[:, None] - h * s[None, :]).ravel(), np.linspace(lo, hi - h, 4097)]
        x = np.concatenate(pts)
        x = x[(x >= lo) & (x <= hi - h)]
        return float(np.max(np.abs(self(x + h) - self(x))))

    # ------------------------------------------------------------- supnorm.Target (d = 1)
    def kinks(self, lo: float, hi: float) -> np.ndarray:
        self._need_1d()
        k = np.asarray(self.a, float) / np.asarray(self.u, float)[:, 0]
        return np.sort(k[(k > lo) & (k < hi)])

    def singular_points(self, lo: float, hi: float) -> np.ndarray:
        """Kinks and inflection points: between consecutive ones f' is monotone."""
        k = self.kinks(lo, hi)
        return np.unique(np.concatenate([k, self.inflection_points(lo, hi)]))

    def inflection_points(self, lo: float, hi: float, per_interval: int = 4096) -> np.ndarray:
        """Sign changes of f'' between kinks, located by sampling and bisection.

        f'' vanishes identically for beta = 1 (q = 0) and is piecewise constant for beta = 2,
        q = 1: no inflection points then. Otherwise f'' is sampled on `per_interval` points
        per inter-kink interval (denser towards the kinks, where it varies fastest); a pair of
        sign changes closer than the sampling step would be missed (not seen for these sums).
        """
        self._need_1d()
        if (self.beta == 1 and self.q == 0) or (self.beta == 2 and self.q == 1):
            return np.empty(0)
        edges = np.concatenate([[lo], self.kinks(lo, hi), [hi]])
        out = []
        s = 0.5 * (1 - np.cos(np.linspace(0, np.pi, per_interval)))  # clustered at both ends
        for a, b in zip(edges[:-1], edges[1:]):
            x = a + (b - a) * s[1:-1]
            g = self.derivative(x, (2,))
            sc = np.nonzero(np.sign(g[:-1]) * np.sign(g[1:]) < 0)[0]
            if sc.size:
                out.append(_bisect(lambda z: self.derivative(z, (2,)), x[sc], x[sc + 1]))
        return np.concatenate(out) if out else np.empty(0)

    def critical_points(self, a: np.ndarray, b: np.ndarray, slope: np.ndarray) -> np.ndarray:
        """The point of (a_i, b_i) where f' = slope_i, NaN where there is none.

        Valid when no singular point lies inside a segment (supnorm adds them to the
        breakpoints): f' is then monotone there, so a root exists iff f' - slope changes sign.
        """
        self._need_1d()
        a = np.asarray(a, float)
        b = np.asarray(b, float)
        out = np.full(a.shape, np.nan)
        if self.beta == 1 and self.q == 0:
            return out  # f is piecewise linear: f - affine is affine on each segment
        ai = np.nextafter(a, b)
        bi = np.nextafter(b, a)
        ga = self.derivative(ai, (1,)) - slope
        gb = self.derivative(bi, (1,)) - slope
        sel = np.nonzero((np.sign(ga) * np.sign(gb) < 0) & (bi > ai))[0]
        if sel.size:
            s = slope[sel]
            out[sel] = _bisect(lambda z: self.derivative(z, (1,)) - s, ai[sel], bi[sel])
        return out

    def _need_1d(self) -> None:
        if self.d != 1:
            raise ValueError(f"{self.name}: 1-D target methods need d = 1 (this target has d = {self.d})")


def _bisect(g, lo: np.ndarray, hi: np.ndarray, iters: int = 64) -> np.ndarray:
    """Vectorised bisection for roots of g in [lo, hi] (g changes sign on each bracket)."""
    lo = lo.astype(float).copy()
    hi = hi.astype(float).copy()
    glo = np.sign(g(lo))
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        gm = np.sign(g(mid))
        left = gm == glo
        lo = np.where(left, mid, lo)
        hi = np.where(left, hi, mid)
    return 0.5 * (lo + hi)


def multi_indices(d: int, n: int, exact: bool = False) -> list[tuple[int, ...]]:
    """Multi-indices alpha in N^d with |alpha| < n (or |alpha| == n with exact=True), ordered
    by degree, then lexicographically."""
    out = []
    degrees = [n] if exact else range(n)
    for deg in degrees:
        for alpha in _compositions(deg, d):
            out.append(alpha)
    return out


def _compositions(total: int, parts: int) -> list[tuple[int, ...]]:
    if parts == 1:
        return [(total,)]
    out = []
    for first in range(total, -1, -1):
        for rest in _compositions(total - first, parts - 1):
            out.append((first, *rest))
    return out


def kink_sum(n_kinks: int, beta: float, q: int = 0, offset: float = 0.5,
             signs: str = "alternating") -> RidgeSum:
    """1-D: sum_i c_i rho(x - a_i), a_i golden points in (0, 1), |c_i| = 2/n_kinks (equal
    magnitudes, so no single kink dominates and every kink sets the local error), signs
    alternating (-1)^i or all equal (+1; then f has critical points between its singularities)."""
    if signs not in ("alternating", "equal"):
        raise ValueError(f"signs must be 'alternating' or 'equal', got {signs!r}")
    a = golden_points(n_kinks, offset)
    c = np.array([(-1.0 if signs == "alternating" and i % 2 else 1.0) * 2.0 / n_kinks
                  for i in range(n_kinks)])
    return RidgeSum(tuple(c), tuple(a), tuple((1.0,) for _ in a), float(beta), int(q),
                    name=f"kink sum ({n_kinks} kinks, beta={beta:g}, q={q})")


def sobolev_target(d: int, n: int, n_ridges: int) -> RidgeSum:
    """A W^{n,inf}([0,1]^d) target that is rough at order n: rho(t) = sgn(t)^(n+1) |t|^n
    (|t|, t|t|, |t|^3, ...), ridges u_i . x = a_i crossing the unit cube at irrational
    positions and directions (d = 1: kinks at golden points)."""
    q = (n + 1) % 2
    if d == 1:
        return kink_sum(n_ridges, float(n), q)
    rng_free = golden_points(2 * n_ridges * d, 0.1).reshape(n_ridges, 2 * d)
    u = rng_free[:, :d] * 2.0 - 1.0 + 0.25  # golden directions, then normalised
    u = u / np.linalg.norm(u, axis=1, keepdims=True)
    centre = rng_free[:, d:] * 0.8 + 0.1  # a point inside the cube each ridge passes through
    a = np.sum(u * centre, axis=1)
    c = np.array([(-1.0) ** i * 2.0 / n_ridges for i in range(n_ridges)])
    return RidgeSum(tuple(c), tuple(a), tuple(map(tuple, u)), float(n), q,
                    name=f"ridge sum (d={d}, {n_ridges} ridges, rho = sgn^{q}|t|^{n})")
