"""The roots of the cantilever-beam equation 1 + cos(xi) cosh(xi) = 0 (arXiv:1810.03974, appendix).

The Gram operator of the ReLU features (x - s)_+ on [0, 1] is the Green's function of a
cantilever beam; its eigenvalues are xi_k^-4. Both the kernel track (training/beam.py: the
operator and its discretisation) and the optimisation track (optimization/beam.py: the
synthetic problem of arXiv:2504.12519) need these roots; they live here so that neither track
imports the other.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq


def _sech(x: float) -> float:
    e = math.exp(-x)
    return 2.0 * e / (1.0 + e * e)  # no overflow at large x


def cantilever_roots(n: int) -> np.ndarray:
    """xi_1 < ... < xi_n, the roots of cos xi + sech xi = 0 (equivalent to 1 + cos xi cosh xi = 0).

    xi_k lies in ((k - 1) pi, k pi) and tends to (k - 1/2) pi exponentially fast."""
    out = np.empty(n)
    for k in range(1, n + 1):
        lo, hi = (k - 1) * math.pi + 0.1, k * math.pi - 0.1
        out[k - 1] = brentq(lambda x: math.cos(x) + _sech(x), lo, hi, xtol=1e-15, rtol=1e-15)
    return out
