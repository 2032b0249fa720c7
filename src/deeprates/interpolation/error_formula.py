"""The integral error formula of Gaussian interpolation (arXiv:1205.5961, as the author's homepage
prints it), evaluated by Monte Carlo, against the direct interpolation error.

For Gaussian basis functions e^{-(x - x_n)^2/2} on nodes x_1..x_N and x = x_0,
    f(x) - f^(x) = prod_n (x - x_n) / (N! Z) int_{S^{2N+1}} int_{U(N)}
                   e^{tr(X U^* P_v^* X~ P_v U)} e^{-x^2/2} [prod_n (d/dq - x_n)] e^{q^2/2} f(q)
                   |_{q = v^* X~ v} dv dU.
The homepage does not define the symbols; the paper's text could not be read. Our reading, which
the Monte Carlo below confirms to a few standard errors (figure rbf-interpolation, panel b):
- X = diag(x_1..x_N), X~ = diag(x_0, x_1..x_N); v uniform on the unit sphere of C^{N+1}
  (= S^{2N+1}); dv and dU are probability measures (U Haar on U(N));
- P_v is an (N+1) x N isometry onto the orthogonal complement of v, so P_v^* X~ P_v is X~
  compressed to v-perp (only its eigenvalues matter, U absorbs the basis);
- Z = int_{U(N)} e^{tr(X U^* X U)} dU, the HCIZ integral of X with itself (for N = 1, Z = e^{x_1^2},
  which the one-node case derived by hand requires).
As in the polynomial (Hermite-Genocchi) formula, the |v_n|^2 are uniform on the simplex, so
q = v^* X~ v = sum_n s_n x_n.

The test function f(q) = e^{bq - q^2/2} (a Gaussian bump centred at b) makes e^{q^2/2} f = e^{bq},
so the differential operator is exact: prod_n (b - x_n) e^{bq}.
"""

from __future__ import annotations

import math

import numpy as np

from deeprates.interpolation.hciz import haar_unitary, hciz_closed_form, trace_aubu


def bump(q: np.ndarray | float, b: float) -> np.ndarray:
    """f(q) = e^{bq - q^2/2}."""
    q = np.asarray(q, dtype=float)
    return np.exp(b * q - q * q / 2)


def gaussian_interpolant(nodes: np.ndarray, values: np.ndarray, x: np.ndarray) -> np.ndarray:
    """sum_n c_n e^{-(x - x_n)^2/2} matching `values` at `nodes` (float64: small N only)."""
    nodes = np.asarray(nodes, dtype=float)
    G = np.exp(-np.subtract.outer(nodes, nodes) ** 2 / 2)
    c = np.linalg.solve(G, np.asarray(values, dtype=float))
    return np.exp(-np.subtract.outer(np.atleast_1d(x), nodes) ** 2 / 2) @ c


def direct_error(nodes: np.ndarray, b: float, x: float) -> float:
    """f(x) - f^(x) for the bump f, by solving the interpolation system."""
    return float(bump(x, b) - gaussian_interpolant(nodes, bump(nodes, b), x)[0])


def sphere_complement(n1: int, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Uniform unit vectors v in C^{n1} and isometries P_v onto v-perp, shapes (s, n1), (s, n1, n1-1).

    v: a normalised complex Gaussian. P_v: the last n1 - 1 columns of Q in the QR of [v | Ginibre]
    (Q's first column is v up to a phase, the others are orthonormal and orthogonal to it).
    """
    z = rng.standard_normal((size, n1)) + 1j * rng.standard_normal((size, n1))
    v = z / np.linalg.norm(z, axis=1, keepdims=True)
    g = rng.standard_normal((size, n1, n1 - 1)) + 1j * rng.standard_normal((size, n1, n1 - 1))
    q, _ = np.linalg.qr(np.concatenate([v[:, :, None], g], axis=2))
    return v, q[:, :, 1:]


def formula_monte_carlo(nodes: np.ndarray, b: float, x: float, samples: int,
                        rng: np.random.Generator, chunk: int = 50_000) -> tuple[float, float]:
    """The right-hand side of the error formula by Monte Carlo over (v, U): (estimate, std error)."""
    nodes = np.asarray(nodes, dtype=float)
    N = len(nodes)
    xt = np.concatenate([[x], nodes])
    Z = hciz_closed_form(nodes, nodes)
    pref = float(np.prod(x - nodes)) / (math.factorial(N) * Z)
    op = float(np.prod(b - nodes))  # prod (d/dq - x_n) applied to e^{bq}, over e^{bq}
    total = total2 = 0.0
    done = 0
    while done < samples:
        m = min(chunk, samples - done)
        v, P = sphere_complement(N + 1, m, rng)
        q = np.einsum("si,i,si->s", v.conj(), xt, v).real
        M = np.einsum("sik,i,sil->skl", P.conj(), xt, P)  # P_v^* X~ P_v
        U = haar_unitary(N, m, rng)
        # tr(X U^* M U) = tr(X W M W^*) with W = U^*
        w = np.exp(trace_aubu(nodes, M, np.swapaxes(U.conj(), 1, 2)) - x * x / 2 + b * q) * op
        total += float(w.sum())
        total2 += float((w * w).sum())
        done += m
    mean = total / samples
    var = max(total2 / samples - mean * mean, 0.0) * samples / (samples - 1)
    return pref * mean, abs(pref) * math.sqrt(var / samples)
