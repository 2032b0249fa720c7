"""The cantilever-beam problem (arXiv:1810.03974 appendix; the synthetic problem of 2504.12519).

The operator k(s, s') = int_0^1 (x - s)_+ (x - s')_+ dx on L^2[0, 1] is A A* with
(A w)(s) = int_s^1 (x - s) w(x) dx, so its eigenfunctions solve phi'''' = xi^4 phi with a clamped
end at s = 1 (phi = phi' = 0) and a free end at s = 0 (phi'' = phi''' = 0): the cantilever beam.
Eigenvalues xi_k^-4 with 1 + cos xi cosh xi = 0 (xi_1 = 1.87510, xi_k ~ (k - 1/2) pi): nu = 4.
Mode shapes in y = 1 - s: phi(y) = cosh xi y - cos xi y - sigma (sinh xi y - sin xi y),
sigma = (cosh xi + cos xi) / (sinh xi + sin xi), with int_0^1 phi^2 = 1 (checked in the tests).
The target, the indicator of [1/4, 3/4], has coefficients ~ 1/k (two jumps), so
sum_{j >= k} c_j^2 ~ k^-1: kappa = 1, zeta = kappa / nu = 1/4.

Large xi: cosh/sinh overflow and cancel against sigma; everything is written with decaying
exponentials only: (1 - sigma) e^{xi y} = (sin xi - cos xi - e^-xi) 2 e^{-xi (1-y)} / den,
den = 1 - e^{-2 xi} + 2 sin xi e^-xi.
"""

from __future__ import annotations

import numpy as np

from deeprates.beam_roots import cantilever_roots


def _parts(xi: np.ndarray, y: np.ndarray):
    """(1 - sigma) e^{xi y} and (1 + sigma) e^{-xi y}, stably; shapes (k, y)."""
    xi = xi[:, None]
    y = np.asarray(y, dtype=float)[None, :]
    em = np.exp(-xi)
    den = 1.0 - em**2 + 2.0 * np.sin(xi) * em
    a = (np.sin(xi) - np.cos(xi) - em) * 2.0 * np.exp(-xi * (1.0 - y)) / den
    # 1 + sigma = (sinh + sin + cosh + cos)/(sinh + sin) = (e^xi + sin + cos)/(sinh + sin)
    b = (1.0 + (np.sin(xi) + np.cos(xi)) * em) * 2.0 * np.exp(-xi * y) / den
    return a, b


def mode_shapes(xi: np.ndarray, y: np.ndarray) -> np.ndarray:
    """phi_k(y), shape (len(xi), len(y))."""
    a, b = _parts(np.asarray(xi, dtype=float), y)
    yy = np.asarray(y, dtype=float)[None, :]
    x = np.asarray(xi, dtype=float)[:, None]
    sigma = 1.0 - a * np.exp(-x * yy)  # sigma itself is bounded
    # cosh - sigma sinh = (a + b)/2 ; -cos + sigma sin
    return 0.5 * (a + b) - np.cos(x * yy) + sigma * np.sin(x * yy)


def _antiderivative(xi: np.ndarray, y: float) -> np.ndarray:
    """Phi(y) = (sinh - sin - sigma (cosh + cos))(xi y) / xi."""
    a, b = _parts(xi, np.array([y]))
    a, b = a[:, 0], b[:, 0]
    sigma = 1.0 - a * np.exp(-xi * y)
    # sinh - sigma cosh = (a - b)/2
    return (0.5 * (a - b) - np.sin(xi * y) - sigma * np.cos(xi * y)) / xi


def indicator_coefficients(xi: np.ndarray, lo: float = 0.25, hi: float = 0.75) -> np.ndarray:
    """c_k = int_lo^hi phi_k(y) dy (the target is symmetric, so s or y = 1 - s alike)."""
    xi = np.asarray(xi, dtype=float)
    return _antiderivative(xi, hi) - _antiderivative(xi, lo)


def beam_problem(n_modes: int, lo: float = 0.25, hi: float = 0.75):
    """Eigenvalues xi_k^-4, masses c_k^2 for k <= n_modes, and the frozen rest (hi - lo) - sum c_k^2."""
    xi = cantilever_roots(n_modes)
    c = indicator_coefficients(xi, lo, hi)
    rho = c * c
    return xi**-4.0, rho, max(0.0, (hi - lo) - float(rho.sum()))
