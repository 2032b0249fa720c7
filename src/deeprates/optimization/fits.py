"""Exponent fits for track C on top of `deeprates.fitting` (windows come from `windows`).

`fit_with_bootstrap`: for statistics that are not plain seed means (e.g. the minimum over a
regularisation grid of seed-averaged error curves), the shared `fit_power_law` fits the estimate,
with its plateau test unchanged (local-slope spread <= tol/2), and the same fit on bootstrap
replicates (seeds resampled) gives `stat_err`. The replicates' own local-slope spread is reported
beside a refused plateau: it says how much of the drift is seed noise, but it does not widen the
test (a curve too noisy to show its plateau at this size is not a measurement of the asymptote).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from deeprates.fitting import PowerLawFit, fit_power_law


def log_steps(n: int, per_decade: int = 40) -> np.ndarray:
    """0 and a geometric grid of integer steps up to n (the logged times of a run)."""
    from deeprates.fitting import geometric_indices

    return np.concatenate([[0], geometric_indices(n, per_decade)])


def _replicate_exponents(x: np.ndarray, replicates: np.ndarray,
                         window: tuple[float, float]) -> np.ndarray:
    """The least-squares exponent of every replicate over `window` at once (the same numbers
    `fit_power_law` gives one by one, which is what the mutation tests could not afford)."""
    x, reps = np.asarray(x, float), np.asarray(replicates, float)
    m = (x >= window[0] * (1 - 1e-12)) & (x <= window[1] * (1 + 1e-12))
    sub = reps[:, m]
    if m.sum() < 4 or not np.all(np.isfinite(sub) & (sub > 0)):
        return np.array([fit_power_law(x, r, window).exponent for r in reps])
    dx = np.log(x[m]) - np.log(x[m]).mean()
    ly = np.log(sub)
    return -((ly - ly.mean(axis=1, keepdims=True)) @ dx) / (dx @ dx)


def fit_with_bootstrap(x: np.ndarray, estimate: np.ndarray, replicates: np.ndarray,
                       window: tuple[float, float], tol: float) -> PowerLawFit:
    fit = fit_power_law(x, estimate, window, tol=tol)
    expo = _replicate_exponents(x, replicates, window)
    expo = expo[np.isfinite(expo)]
    stat = float(np.std(expo, ddof=1)) if expo.size >= 2 else None
    reason = fit.reason
    if not fit.asymptotic:
        spreads = np.array([fit_power_law(x, r, window).slope_spread for r in replicates])
        spreads = spreads[np.isfinite(spreads)]
        if spreads.size >= 2:
            reason += (f"; over bootstrap replicates of the seeds the spread is "
                       f"{np.mean(spreads):.3g} +- {np.std(spreads, ddof=1):.2g}")
    return dataclasses.replace(fit, stat_err=stat, reason=reason)
