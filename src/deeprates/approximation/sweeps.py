"""Size ladders, fit windows and aggregation over translates for the construction sweeps.

The constructions are deterministic, so a fit's uncertainty is the systematic term of
`deeprates.fitting` (shifted windows, halves). Where a target's singularity can sit anywhere in
a cell, the sup error of one target oscillates with that phase (interpolating a cusp at a fixed
grid is worse or better depending on where the cusp falls); `median_fit` then fits the median
over several translates of the target, whose phases are independent (shifts frac(sqrt p) for
primes p), with a bootstrap over translates as the statistical uncertainty.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from deeprates.fitting import PowerLawFit, fit_power_law

PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53)


def translate_offsets(n: int) -> list[float]:
    """Offsets of n translates: 0.5 + sqrt(p) mod 1 over the first primes (rationally
    independent, so the singularities' phases against any grid are independent)."""
    if n > len(PRIMES):
        raise ValueError(f"at most {len(PRIMES)} translates")
    return [math.fmod(0.5 + math.sqrt(p), 1.0) for p in PRIMES[:n]]


def upper_half(x: np.ndarray, min_points: int = 4) -> tuple[float, float]:
    """Fit window: the upper half of a sweep in log x, widened to hold at least `min_points`
    sizes. The lower half is pre-asymptotic for every construction here (additive constants
    in W, coarse grids that do not resolve the target's singularities yet)."""
    x = np.sort(np.asarray(x, float))
    lo = math.exp((math.log(x[0]) + math.log(x[-1])) / 2)
    lo = min(lo, float(x[max(0, x.size - min_points)]))
    return lo, float(x[-1])


def geometric_sizes(lo: int, hi: int, per_decade: int) -> list[int]:
    """Distinct integers from lo to hi, about `per_decade` per decade."""
    if hi <= lo:
        return [int(lo)]
    n = max(2, int(math.ceil(per_decade * math.log10(hi / lo))) + 1)
    return sorted({int(v) for v in np.round(np.geomspace(lo, hi, n))})


def median_fit(x: np.ndarray, errs: np.ndarray, window, tol: float | None = None, n_boot: int = 400,
               seed: int = 0) -> PowerLawFit:
    """Fit the median over translates (errs: (n_translates, n_sizes)); stat_err = bootstrap
    standard deviation of the exponent over resampled translates (None for one translate)."""
    errs = np.atleast_2d(np.asarray(errs, float))
    fit = fit_power_law(x, np.median(errs, axis=0), window, tol=tol)
    if errs.shape[0] < 2:
        return fit
    rng = np.random.default_rng(seed)
    idx = np.stack([rng.integers(0, errs.shape[0], errs.shape[0]) for _ in range(n_boot)])
    boot = _window_exponents(np.asarray(x, float), np.median(errs[idx], axis=1), window)
    boot = boot[np.isfinite(boot)]
    stat = float(np.std(boot, ddof=1)) if boot.size >= 2 else None
    return dataclasses.replace(fit, stat_err=stat)


def _window_exponents(x: np.ndarray, ys: np.ndarray, window, min_points: int = 4) -> np.ndarray:
    """The fitted exponent -d ln y/d ln x over `window` for each row of ys (n_curves, n), as
    `fit_power_law` computes it (same points: in the window, finite and positive; NaN with
    fewer than `min_points`), in one vectorised least-squares pass for the bootstrap."""
    lo, hi = window
    inwin = (x >= lo * (1 - 1e-12)) & (x <= hi * (1 + 1e-12))
    with np.errstate(divide="ignore", invalid="ignore"):
        ly = np.log(ys)
    ok = inwin[None, :] & np.isfinite(ly) & (ys > 0)
    lx = np.broadcast_to(np.log(x), ys.shape)
    n = ok.sum(axis=1)
    w = ok.astype(float)
    mx = np.sum(np.where(ok, lx, 0.0), axis=1) / np.maximum(n, 1)
    my = np.sum(np.where(ok, ly, 0.0), axis=1) / np.maximum(n, 1)
    dx = np.where(ok, lx - mx[:, None], 0.0)
    dy = np.where(ok, ly - my[:, None], 0.0)
    slope = np.sum(w * dx * dy, axis=1) / np.sum(w * dx * dx, axis=1)
    return np.where(n >= min_points, -slope, np.nan)
