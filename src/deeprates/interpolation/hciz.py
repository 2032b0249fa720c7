"""The HCIZ integral (Harish-Chandra 1957; Itzykson-Zuber 1980), used in arXiv:1205.5961.

For Hermitian A, B with eigenvalues a, b and Haar-distributed U in U(N) (probability measure),
    int_{U(N)} exp tr(A U B U^*) dU = (prod_{p=1}^{N-1} p!) det[e^{a_i b_j}] / (Delta(a) Delta(b)),
Delta(a) = prod_{i<j} (a_j - a_i). With A = B = diag(x) the determinant is the one of exponential
interpolation on the nodes x, which is how the paper brings the integral in.
"""

from __future__ import annotations

import math

import numpy as np


def haar_unitary(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """`size` Haar-distributed n x n unitaries, shape (size, n, n).

    QR of a complex Ginibre matrix, with R's diagonal phases moved into Q (Mezzadri 2007,
    math-ph/0609050): without that fix Q is not Haar distributed.
    """
    z = (rng.standard_normal((size, n, n)) + 1j * rng.standard_normal((size, n, n))) / np.sqrt(2)
    q, r = np.linalg.qr(z)
    d = np.diagonal(r, axis1=1, axis2=2)
    return q * (d / np.abs(d))[:, None, :]


def vandermonde(a: np.ndarray) -> float:
    a = np.asarray(a, dtype=float)
    return float(np.prod([a[j] - a[i] for i in range(len(a)) for j in range(i + 1, len(a))]))


def hciz_closed_form(a: np.ndarray, b: np.ndarray) -> float:
    """(prod_{p<N} p!) det[e^{a_i b_j}] / (Delta(a) Delta(b)); a and b must have distinct entries."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"a and b must be vectors of one length, got {a.shape} and {b.shape}")
    da, db = vandermonde(a), vandermonde(b)
    if da == 0 or db == 0:
        raise ValueError("the closed form needs distinct eigenvalues (Delta = 0)")
    c = math.prod(math.factorial(p) for p in range(1, len(a)))
    return c * float(np.linalg.det(np.exp(np.outer(a, b)))) / (da * db)


def trace_aubu(a: np.ndarray, b: np.ndarray, u: np.ndarray) -> np.ndarray:
    """tr(diag(a) U B U^*) for a batch of U; `b` is a vector (diagonal B) or a batch of matrices."""
    if np.ndim(b) == 1:
        ubu = np.einsum("sij,j,skj->sik", u, b, u.conj())
    else:
        ubu = u @ b @ np.swapaxes(u.conj(), 1, 2)
    return np.einsum("i,sii->s", a, ubu).real


def hciz_monte_carlo(a: np.ndarray, b: np.ndarray, samples: int, rng: np.random.Generator,
                     chunk: int = 100_000) -> tuple[float, float]:
    """Mean of exp tr(A U B U^*) over `samples` Haar unitaries, and its standard error."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    total = total2 = 0.0
    done = 0
    while done < samples:
        m = min(chunk, samples - done)
        w = np.exp(trace_aubu(a, b, haar_unitary(len(a), m, rng)))
        total += float(w.sum())
        total2 += float((w * w).sum())
        done += m
    mean = total / samples
    var = max(total2 / samples - mean * mean, 0.0) * samples / (samples - 1)
    return mean, math.sqrt(var / samples)
