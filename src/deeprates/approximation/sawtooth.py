"""The sawtooth construction of x^2 (Yarotsky 2017, arXiv:1610.01145, Section 3.1, Fig. 2).

Tooth g(x) = 2 s(x) - 4 s(x - 1/2) + 2 s(x - 1) on [0, 1] (s = ReLU); g_s = g o ... o g (s times)
is a sawtooth with 2^(s-1) teeth; f_m(x) = x - sum_{s<=m} g_s(x) / 4^s is the piecewise-linear
interpolant of x^2 at the points k/2^m, with sup error exactly 2^(-2m-2) at the midpoints
(2k+1)/2^(m+1). Three networks are built here, all explicit `ReLUNet`s:

- `deep_square(m)`: the plain width-4 network, W = 15m - 5, depth m + 1 (one layer per composition);
- `shallow_square(P)`: one hidden layer, the interpolant with P pieces, error 1/(4P^2);
- `budget_square(H, k)`: H wide hidden layers of width 2^k, each implementing k compositions at once,
  joined by width-2 bottlenecks (the depth-budget family: error (2^k)^(-2H)/4 with W ~ 4H 2^k,
  hence rate p = 2H at fixed depth).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from deeprates.approximation.network import Affine, ReLUNet


def tooth(x: np.ndarray) -> np.ndarray:
    """g(x) = 2s(x) - 4s(x - 1/2) + 2s(x - 1), evaluated directly (reference for tests/plots)."""
    s = lambda z: np.maximum(z, 0)  # noqa: E731
    return 2 * s(x) - 4 * s(x - 0.5) + 2 * s(x - 1)


def sawtooth(x: np.ndarray, s: int) -> np.ndarray:
    """g_s = g composed s times."""
    y = np.asarray(x, dtype=float)
    for _ in range(s):
        y = tooth(y)
    return y


def interpolant_error(m: int) -> float:
    """Exact sup |f_m - x^2| on [0, 1]: 2^(-2m-2)."""
    return 2.0 ** (-2 * m - 2)


def deep_square(m: int) -> ReLUNet:
    """f_m as a plain width-4 network of depth m + 1 (W = 15m - 5).

    Hidden layer s holds [s(g_{s-1}), s(g_{s-1} - 1/2), s(g_{s-1} - 1), a_{s-1}] with g_0 = x and
    the accumulator a_{s-1} = f_{s-1}(x) >= x^2 >= 0, so carrying it through a ReLU is exact.
    """
    if m < 1:
        raise ValueError(f"deep_square needs m >= 1, got m={m}")
    tooth_w = np.array([2.0, -4.0, 2.0])  # g(t) from [s(t), s(t-1/2), s(t-1)]
    first = Affine(np.array([[1.0], [1.0], [1.0], [1.0]]), np.array([0.0, -0.5, -1.0, 0.0]))
    layers = [first]
    for s in range(1, m):
        A = np.zeros((4, 4))
        A[0:3, 0:3] = tooth_w  # each of the three neurons reads g_s
        A[3, 0:3] = -tooth_w / 4.0**s  # a_s = a_{s-1} - g_s / 4^s
        A[3, 3] = 1.0
        layers.append(Affine(A, np.array([0.0, -0.5, -1.0, 0.0])))
    out = np.zeros((1, 4))
    out[0, 0:3] = -tooth_w / 4.0**m
    out[0, 3] = 1.0
    layers.append(Affine(out, np.zeros(1)))
    return ReLUNet(layers, name=f"deep_square(m={m})", meta={"m": m})


def deep_square_W(m: int) -> int:
    """Closed-form weight count of `deep_square`: 6 + 15 (m - 1) + 4."""
    return 15 * m - 5


def shallow_square(P: int) -> ReLUNet:
    """One hidden layer: the interpolant of x^2 at k/P, sum_i c_i s(x - i/P), i = 0..P-1.

    c_0 = 1/P (first chord slope), c_i = 2/P (chord slopes (2i+1)/P increase by 2/P). W = 3P - 1 (the
    first knot's bias is 0); sup error 1/(4P^2) at the midpoints.
    """
    if P < 1:
        raise ValueError(f"shallow_square needs P >= 1, got P={P}")
    knots = np.arange(P) / P
    c = np.full(P, 2.0 / P)
    c[0] = 1.0 / P
    hidden = Affine(np.ones((P, 1)), -knots)
    out = Affine(sp.csr_matrix(c[None, :]), np.zeros(1))
    return ReLUNet([hidden, out], name=f"shallow_square(P={P})", meta={"P": P})


def _pl_coefficients(values_at_knots: np.ndarray, n: int) -> np.ndarray:
    """Coefficients c with sum_i c_i s(t - i/n) = the PL function with the given values at i/n,
    i = 0..n (value 0 at t = 0 assumed)."""
    slopes = np.diff(values_at_knots) * n
    return np.concatenate([[slopes[0]], np.diff(slopes)])


def budget_square(H: int, k: int) -> ReLUNet:
    """f_{kH} from H wide hidden layers of 2^k neurons (exact interpolant of x^2 at j/2^(kH)).

    Wide layer j reads t = g_{k(j-1)}(x); its neurons s(t - i/2^k) span every PL function with
    knots i/2^k, in particular g_1(t)..g_k(t), and g_{k(j-1)+s}(x) = g_s(t). A width-2 bottleneck
    [g_k(t), a_j] follows (both >= 0, so the ReLU is exact), with the accumulator
    a_j = a_{j-1} - sum_s g_s(t) / 4^(k(j-1)+s). The bottleneck keeps W linear in the width
    (W ~ 4 H 2^k); without it each wide layer would connect densely to the next (W ~ H 4^k) and
    the rate would halve. Depth: 2H affine maps (H wide layers, H - 1 bottlenecks).
    """
    if H < 1 or k < 1:
        raise ValueError(f"budget_square needs H >= 1 and k >= 1, got H={H}, k={k}")
    n = 2**k
    grid = np.arange(n + 1) / n
    knots = np.arange(n) / n
    c_g = _pl_coefficients(sawtooth(grid, k), n)  # g_k(t) = sum_i c_g[i] s(t - i/n)
    # x -> wide layer 1 (t = x), carrying a_0 = x >= 0 as an extra neuron.
    layers = [Affine(np.ones((n + 1, 1)), np.concatenate([-knots, [0.0]]))]
    for j in range(1, H + 1):
        offset = k * (j - 1)
        acc = sum(sawtooth(grid, s) / 4.0 ** (offset + s) for s in range(1, k + 1))
        c_acc = _pl_coefficients(acc, n)
        if j < H:
            # Wide layer -> bottleneck [g_k(t), a_j] -> next wide layer [s(g_k(t) - i/n), a_j].
            A = np.zeros((2, n + 1))
            A[0, :n] = c_g
            A[1, :n] = -c_acc
            A[1, n] = 1.0
            layers.append(Affine(sp.csr_matrix(A), np.zeros(2)))
            B = np.zeros((n + 1, 2))
            B[:n, 0] = 1.0
            B[n, 1] = 1.0
            layers.append(Affine(sp.csr_matrix(B), np.concatenate([-knots, [0.0]])))
        else:
            out = np.zeros((1, n + 1))
            out[0, :n] = -c_acc
            out[0, n] = 1.0
            layers.append(Affine(sp.csr_matrix(out), np.zeros(1)))
    return ReLUNet(layers, name=f"budget_square(H={H}, k={k})", meta={"H": H, "k": k})


def budget_square_W(H: int, k: int) -> int:
    """Closed-form weight count of `budget_square` (n = 2^k): input map 2n (n + 1 unit weights,
    n - 1 nonzero knot biases), each bottleneck + next wide map 4n + 1, output n + 1."""
    n = 2**k
    return 3 * n + 1 + (H - 1) * (4 * n + 1)
