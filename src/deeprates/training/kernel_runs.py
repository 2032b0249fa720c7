"""Gradient-flow experiments on Gram matrices: spectra, loss curves, fits, compact records.

Shared by B1 (indicator targets) and B5 (digits). A run with random ingredients (design, targets,
network) is repeated over seeds: the loss curves are evaluated on one common geometric time grid
around the seeds' mean spectral window, xi is fitted to their mean with a bootstrap over seeds
(stat_err, see deeprates.fitting), and nu, kappa are fitted on the seed-mean eigenvalues and
tails over modes k_lo .. n k_hi_fraction.
"""

from __future__ import annotations

import numpy as np

from deeprates.fitting import fit_power_law, geometric_grid, geometric_indices
from deeprates.training import spectral


def flow_ensemble(specs: list[spectral.Spectrum], *, tol: float, k_lo: int = 10,
                  k_hi_fraction: float = 1 / 20, per_decade: int = 40,
                  margin_decades: float = 1.0) -> dict:
    n = specs[0].n
    wins = np.array([s.window(k_lo, k_hi_fraction) for s in specs])
    window = tuple(float(v) for v in np.exp(np.log(wins).mean(axis=0)))
    f = 10.0 ** margin_decades
    t = geometric_grid(window[0] / f, window[1] * f, per_decade)
    curves = np.array([s.flow_loss(t) for s in specs])
    lam = np.mean([s.lam for s in specs], axis=0)
    tail = np.mean([s.tail() for s in specs], axis=0)
    mean_spec = spectral.Spectrum(lam, np.mean([s.c2 for s in specs], axis=0))
    kr = mean_spec.mode_range(k_lo, k_hi_fraction)
    ks = geometric_indices(kr[1], per_decade=per_decade, start=kr[0])
    fits = spectral.SpectralFits(
        xi=fit_power_law(t, curves if len(specs) > 1 else curves[0], window, tol=tol),
        nu=fit_power_law(ks, lam[ks - 1], kr),
        kappa=fit_power_law(ks, tail[ks - 1], kr),
    )
    k = geometric_indices(n, per_decade=per_decade)
    return {
        "seeds": len(specs),
        "t": t, "loss": curves.mean(axis=0), "loss_per_seed": curves,
        "predicted": fits.predicted_loss(t),
        "k": k, "eigenvalues": lam[k - 1], "tail": tail[k - 1],
        "k_range": kr,
        "fits": spectral.fits_summary(fits),
        "lambda_max": float(lam[0]),
    }


def flow_experiment(K, Y, *, tol: float, k_lo: int = 10, k_hi_fraction: float = 1 / 20,
                    per_decade: int = 40) -> tuple[dict, spectral.Spectrum]:
    """One Gram matrix, one run (no seeds): the record and the spectrum."""
    spec = spectral.decompose(K, Y)
    return flow_ensemble([spec], tol=tol, k_lo=k_lo, k_hi_fraction=k_hi_fraction,
                         per_decade=per_decade), spec
