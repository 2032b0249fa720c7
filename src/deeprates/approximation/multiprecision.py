"""Literal evaluation of a `ReLUNet` in mpmath arithmetic (A5 precision-budget).

Every float64 weight is a dyadic rational and converts to mpmath exactly; weights given in
`exact` (layer, row, col) -> Fraction replace theirs (the digit chain's code words, which float64
rounds). At working precision `prec` bits the evaluation is then the network's exact value up to
rounding at 2^-prec per operation: the information lives in the weights, and longer weights let
the digit chain decode more digits (docs/figures/precision-budget.md). Cost: about W mpmath operations per point
(~1 us each), vectorised over points with numpy object arrays.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import scipy.sparse as sp

from deeprates.approximation.network import ReLUNet


def precision_for_digits(M: int, margin_bits: int = 64) -> int:
    """Bits that hold M base-3 digits plus a margin: M log2 3 + margin."""
    return int(np.ceil(M * np.log2(3.0))) + margin_bits


def evaluate_mp(net: ReLUNet, x: np.ndarray, prec: int,
                exact: dict[tuple[int, int, int], Fraction] | None = None) -> np.ndarray:
    """Outputs (n,) as float64 of the network evaluated at the points x (n,) (1-D input) in
    mpmath with `prec` bits."""
    exact = exact or {}
    x = np.asarray(x, float).reshape(-1)
    with mpmath.workprec(prec):
        zero = mpmath.mpf(0)
        h = np.empty((x.size, 1), dtype=object)
        h[:, 0] = [mpmath.mpf(float(v)) for v in x]
        for li, layer in enumerate(net.layers):
            A = sp.csr_matrix(layer.A)
            z = np.empty((x.size, A.shape[0]), dtype=object)
            for r in range(A.shape[0]):
                acc = np.full(x.size, mpmath.mpf(float(layer.b[r])), dtype=object)
                for jj in range(A.indptr[r], A.indptr[r + 1]):
                    j = int(A.indices[jj])
                    w = exact.get((li, r, j))
                    coef = (mpmath.mpf(w.numerator) / w.denominator if w is not None
                            else mpmath.mpf(float(A.data[jj])))
                    acc = acc + coef * h[:, j]
                z[:, r] = acc
            if li < net.L - 1:
                h = np.where(z > zero, z, zero)
            else:
                h = z
        return np.array([float(v) for v in h[:, 0]])
