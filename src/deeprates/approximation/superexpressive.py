"""Elementary superexpressive activations (arXiv:2102.10911) and their mechanism.

The activation of the paper's Fig. 2 (the printed formula needs a "+2" and sin(pi x) to match
the figure, docs/figures/superexpressive.md):
  sigma(x) = (x arcsin x + sqrt(1 - x^2))/pi + 1.5 x + 2   on |x| <= 1,
             7 - 3/x + sin(pi x)/(pi x^2)                   for x > 1,
             -1/x                                           for x < -1.
It is C^1 (values 4 and 1, slopes 2 and 1 at x = 1 and -1), increasing, with range (0, 7).

Mechanism: one neuron sin(w x) reaches every target (y_1..y_n) within eps on rationally
independent points x_j (here sqrt of primes): by Kronecker's theorem w (x_1..x_n) mod 2 pi is
dense in the torus, but it first enters the target box (volume ~ eps^n) after |w| ~ eps^-(n-1)
(the line sweeps a tube of cross-section ~ eps^(n-1) per unit length). The information of n
values moves into the bits of one weight: w must be written to resolution dw ~ eps / max x_j,
so it carries log2(|w| / dw) ~ n log2(1/eps) bits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def activation(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, float)
    out = np.empty_like(x)
    mid = np.abs(x) <= 1
    xm = x[mid]
    out[mid] = (xm * np.arcsin(xm) + np.sqrt(1 - xm * xm)) / np.pi + 1.5 * xm + 2.0
    hi = x > 1
    xh = x[hi]
    out[hi] = 7.0 - 3.0 / xh + np.sin(np.pi * xh) / (np.pi * xh * xh)
    lo = x < -1
    out[lo] = -1.0 / x[lo]
    return out


def derivative(x: np.ndarray) -> np.ndarray:
    """Analytic sigma'(x) (one-sided formulas at +-1 are those of the |x| <= 1 branch)."""
    x = np.asarray(x, float)
    out = np.empty_like(x)
    mid = np.abs(x) <= 1
    out[mid] = np.arcsin(x[mid]) / np.pi + 1.5
    hi = x > 1
    xh = x[hi]
    out[hi] = (3.0 / xh**2 + np.cos(np.pi * xh) / xh**2
               - 2.0 * np.sin(np.pi * xh) / (np.pi * xh**3))
    lo = x < -1
    out[lo] = 1.0 / x[lo] ** 2
    return out


def branch_jumps() -> dict[str, float]:
    """|left - right| of value and slope at x = -1 and x = 1, each branch evaluated at the joint
    by its own formula (so this tests the formulas, not a limit taken numerically)."""
    inner = lambda x: (x * math.asin(x) + math.sqrt(1 - x * x)) / math.pi + 1.5 * x + 2.0  # noqa: E731
    d_inner = lambda x: math.asin(x) / math.pi + 1.5  # noqa: E731
    right = lambda x: 7.0 - 3.0 / x + math.sin(math.pi * x) / (math.pi * x * x)  # noqa: E731
    d_right = lambda x: (3.0 / x**2 + math.cos(math.pi * x) / x**2  # noqa: E731
                         - 2.0 * math.sin(math.pi * x) / (math.pi * x**3))
    left = lambda x: -1.0 / x  # noqa: E731
    d_left = lambda x: 1.0 / x**2  # noqa: E731
    return {
        "value at -1": abs(left(-1.0) - inner(-1.0)),
        "slope at -1": abs(d_left(-1.0) - d_inner(-1.0)),
        "value at +1": abs(inner(1.0) - right(1.0)),
        "slope at +1": abs(d_inner(1.0) - d_right(1.0)),
    }


def sqrt_primes(n: int) -> np.ndarray:
    primes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37]
    if n > len(primes):
        raise ValueError(f"at most {len(primes)} points")
    return np.sqrt(np.array(primes[:n], float))


def _arcs(y: float, eps: float) -> list[tuple[float, float]]:
    """Angles theta with |sin(theta) - y| <= eps, as disjoint arcs (start, end) within one
    period: [asin lo, asin hi] and [pi - asin hi, pi - asin lo] for [lo, hi] = [y-eps, y+eps]."""
    lo, hi = max(-1.0, y - eps), min(1.0, y + eps)
    if lo > hi:
        return []
    if lo == -1.0 and hi == 1.0:
        return [(0.0, 2 * math.pi)]
    a, b = math.asin(lo), math.asin(hi)
    if hi == 1.0:  # the two arcs touch at pi/2
        return [(a, math.pi - a)]
    if lo == -1.0:  # they touch at -pi/2 = 3 pi/2
        return [(math.pi - b, 2 * math.pi + b)]
    return [(a, b), (math.pi - b, math.pi - a)]


def _feasible(x: float, y: float, eps: float, lo: np.ndarray,
              hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Intersect the intervals [lo_i, hi_i] of w with {w : |sin(w x) - y| <= eps}: for every
    arc (s, e) its copies [(s + 2 pi k)/x, (e + 2 pi k)/x] meeting [lo_i, hi_i] (vectorised
    over all (i, k) pairs)."""
    out_lo, out_hi = [], []
    two_pi = 2 * math.pi
    for s, e in _arcs(y, eps):
        k0 = np.floor((lo * x - e) / two_pi).astype(np.int64)
        k1 = np.ceil((hi * x - s) / two_pi).astype(np.int64)
        counts = k1 - k0 + 1
        parent = np.repeat(np.arange(lo.size), counts)
        starts = np.cumsum(counts) - counts
        k = k0[parent] + (np.arange(parent.size) - starts[parent])
        a = (s + two_pi * k) / x
        b = (e + two_pi * k) / x
        pl = np.maximum(lo[parent], a)
        ph = np.minimum(hi[parent], b)
        ok = ph > pl
        out_lo.append(pl[ok])
        out_hi.append(ph[ok])
    if not out_lo:
        return np.empty(0), np.empty(0)
    return np.concatenate(out_lo), np.concatenate(out_hi)


@dataclass(frozen=True)
class FirstFit:
    w: float  # the frequency (smallest_abs_frequency: signed, smallest |w|)
    width: float  # length of the feasible interval that contains it
    bits: float  # log2(w / width): bits of w that the n values need

    @property
    def w_mid(self) -> float:
        """The middle of that interval (well inside it: use it to check the fit)."""
        return self.w + math.copysign(self.width / 2, self.w)


def smallest_frequency(x: np.ndarray, y: np.ndarray, eps: float, w_start: float = 64.0,
                       w_limit: float = 1e9) -> FirstFit:
    """The smallest w > 0 such that sin(w x_j) is within eps of y_j for every j (exact up to
    float64: the feasible set is an intersection of unions of intervals, enumerated from the
    first coordinate's intervals up to a bound that doubles until one survives)."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    w_max = w_start
    while w_max <= w_limit:
        # all intervals of coordinate 0 in [0, w_max]
        lo, hi = _feasible(x[0], y[0], eps, np.array([0.0]), np.array([w_max]))
        for j in range(1, x.size):
            if lo.size == 0:
                break
            lo, hi = _feasible(x[j], y[j], eps, lo, hi)
        if lo.size:
            i = int(np.argmin(lo))
            w = float(lo[i])
            width = float(hi[i] - lo[i])
            return FirstFit(w, width, math.log2(max(w, 1e-300) / width))
        w_max *= 4.0
    raise RuntimeError(f"no frequency below {w_limit:g} fits within eps = {eps}")


def feasible_count(x: np.ndarray, y: np.ndarray, eps: float, w_max: float) -> int:
    """Number of disjoint intervals of w in [0, w_max] on which every |sin(w x_j) - y_j| <= eps.
    Their mean spacing w_max / count is the typical first-passage |w| without its randomness:
    by equidistribution of w (x_1..x_n) mod 2 pi the count grows like w_max eps^(n-1)."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    lo, hi = _feasible(x[0], y[0], eps, np.array([0.0]), np.array([w_max]))
    for j in range(1, x.size):
        if lo.size == 0:
            break
        lo, hi = _feasible(x[j], y[j], eps, lo, hi)
    return int(lo.size)


def bits_needed(w: float, x: np.ndarray, eps: float) -> float:
    """Bits to write w to the resolution eps / max x_j that keeps every sin(w x_j) within eps
    of its value: log2(|w| max x / eps) (nan for w = 0, when every |y_j| <= eps already)."""
    w = abs(w)
    return math.log2(w * float(np.max(x)) / eps) if w > 0 else math.nan


def smallest_abs_frequency(x: np.ndarray, y: np.ndarray, eps: float) -> FirstFit:
    """min over w of either sign: sin(-w x) = -sin(w x), so w < 0 for y is w > 0 for -y."""
    a = smallest_frequency(x, y, eps)
    b = smallest_frequency(x, -np.asarray(y), eps)
    return a if a.w <= b.w else FirstFit(-b.w, b.width, b.bits)
