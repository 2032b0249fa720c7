"""Fit windows derived from the problem, never picked per case (docs/figures/ describes each window).

An optimiser "learns" eigenvalue lambda at a time t(lambda) fixed by its residual polynomial:
t = 1/(lr lambda) for GD-like methods (plain GD, steepest descent, SGD with lr_eff = lr/(1-beta)),
t = sqrt(lambda_max / lambda) for the accelerated ones (Jacobi Heavy Ball, CG: degree-n
polynomials resolve lambda ~ lambda_max / n^2), t = (c/lambda)^(1/theta) for corner GD.
Writing lambda' = 1/t(lambda) turns every case into `fitting.spectral_window`'s form.

- Discrete power laws (isolated top eigenvalues, tail cut at N): `fitting.spectral_window` on
  lambda', i.e. from when the top 10 modes are learned to when mode N/20 is.
- Dense spectra (a quadrature of a continuous power law): the top of the spectrum is not
  isolated, so the curve is asymptotic once the edge corrections, which decay like 1/t for all the
  polynomial methods here (measured local slopes within 1% of theory beyond 100 steps), are small:
  start at EDGE_STEPS = 100. Finite size appears once fewer than DENSE_MODES_LEFT = 10 eigenvalues
  lie below the learned scale (measured: local slope within 0.5% of theory up to there, bending
  beyond), so the window ends when the 10th-smallest eigenvalue is learned.
- Continuous measures (corner GD): no finite size; start at EDGE_STEPS, end at the horizon.
Every window is also capped at the run's horizon divided by 10^0.5, leaving the half decade the
systematic "shift +0.5 dec" refit needs.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from deeprates.fitting import FitError, spectral_window

EDGE_STEPS = 100.0
DENSE_MODES_LEFT = 10
SHIFT = 10**0.5


def gd_time(lr: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda lam: 1.0 / (lr * np.asarray(lam, dtype=float))


def accelerated_time(lambda_max: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda lam: np.sqrt(lambda_max / np.asarray(lam, dtype=float))


def corner_time(c: float, theta: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda lam: (c / np.asarray(lam, dtype=float)) ** (1.0 / theta)


def _cap(lo: float, hi: float, horizon: float | None) -> tuple[float, float]:
    if horizon is not None:
        hi = min(hi, horizon / SHIFT)
    if not hi > lo:
        raise FitError(
            f"fit window collapsed: start {lo:.4g} >= end {hi:.4g} (horizon {horizon}); "
            "run longer or use a larger problem"
        )
    return float(lo), float(hi)


def discrete_window(eigenvalues: np.ndarray, learn_time: Callable, horizon: float | None = None,
                    k_lo: int = 10, k_hi_fraction: float = 1 / 20) -> tuple[float, float]:
    """spectral_window on lambda' = 1/t(lambda): top k_lo modes learned .. mode N k_hi_fraction learned."""
    lam_eff = 1.0 / learn_time(np.asarray(eigenvalues, dtype=float))
    lo, hi = spectral_window(lam_eff, rate=1.0, k_lo=k_lo, k_hi_fraction=k_hi_fraction)
    return _cap(lo, hi, horizon)


def dense_window(eigenvalues: np.ndarray, learn_time: Callable,
                 horizon: float | None = None) -> tuple[float, float]:
    """EDGE_STEPS .. the time the DENSE_MODES_LEFT-th smallest eigenvalue is learned."""
    lam = np.sort(np.asarray(eigenvalues, dtype=float))
    if lam.size <= DENSE_MODES_LEFT:
        raise FitError(f"dense spectrum of {lam.size} modes is too small for a fit window")
    hi = float(learn_time(lam[DENSE_MODES_LEFT - 1]))
    return _cap(EDGE_STEPS, hi, horizon)


def tail_window(eigenvalues: np.ndarray, learn_time: Callable, horizon: float,
                k_lo: int = 10) -> tuple[float, float]:
    """Power law without finite-size cut (`spectra.power_law_with_tail`): from when the top k_lo
    modes are learned (spectral_window's start) to the horizon / 10^0.5."""
    lam = np.sort(np.asarray(eigenvalues, dtype=float))[::-1]
    return _cap(float(learn_time(lam[k_lo - 1])), np.inf, horizon)


def late_window(horizon: float, decades: float, start: float = 0.0) -> tuple[float, float]:
    """For problems without finite size (power laws with their tail): the asymptotic regime is
    approached from early times, so fit the last `decades` before the half decade kept for the
    shift test, and never before `start` (e.g. the top 10 modes learned)."""
    hi = horizon / SHIFT
    return _cap(max(start, hi / 10**decades), hi, horizon)


def finite_size_window(n: int, nu: float, zeta: float, lr_eff: float, tol: float,
                       horizon: float | None = None, k_lo: int = 10) -> tuple[float, float]:
    """SGD on a truncated power law lambda_k = k^-nu, k <= n (Monte-Carlo): where the missing tail
    k > n biases the local exponent by less than tol/4.

    With k* = (lr_eff t)^(1/nu) the learned index, the truncation removes a fraction
    f = (k*/n)^p of the quantity that sets the loss: the unlearned mass (p = kappa = zeta nu,
    signal phase) or the noise kernel's sum over unlearned modes (p = 2 nu - 1, noise phase); the
    local exponent is then off by about e f, e the phase's exponent. Requiring e f <= tol/4 ends the
    window at k* = n (tol / (4 e))^(1/p). It starts when the top k_lo modes are learned.
    """
    p_noise = 2.0 - 1.0 / nu
    if zeta < p_noise:
        e, p = zeta, zeta * nu
    else:
        e, p = p_noise, 2.0 * nu - 1.0
    k_hi = n * (tol / (4.0 * e)) ** (1.0 / p)
    lo = k_lo**nu / lr_eff
    hi = k_hi**nu / lr_eff
    return _cap(lo, hi, horizon)
