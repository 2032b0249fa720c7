"""Gradient-flow experiments on Gram matrices: spectra, loss curves, compact records, fits.

Shared by ntk-indicator (indicator targets) and digits-spectra. A run with random ingredients
(design, targets, network) is repeated over seeds: the loss curves are evaluated on one common
geometric time grid around the seeds' mean spectral window, and the seed-mean eigenvalues and
tails are kept on a geometric grid of modes. `fit_record` then fits xi to the loss curves on that
window (with a bootstrap over seeds: stat_err, see deeprates.fitting), and nu, kappa on the
eigenvalues and tails over modes k_lo .. n k_hi_fraction. The fits are made from the record, not
during the run, so that a figure's `measure` fits exactly the curves it is given.
"""

from __future__ import annotations

import numpy as np

from deeprates.fitting import fit_power_law, geometric_grid, geometric_indices
from deeprates.training import spectral


def flow_ensemble(specs: list[spectral.Spectrum], *, k_lo: int = 10,
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
    # the modes the fits use: a geometric grid over the whole spectrum, dense in [k_lo, k_hi]
    kr = mean_spec.mode_range(k_lo, k_hi_fraction)
    k = np.union1d(geometric_indices(n, per_decade=per_decade),
                   geometric_indices(kr[1], per_decade=per_decade, start=kr[0]))
    return {
        "seeds": len(specs),
        "t": t, "loss": curves.mean(axis=0), "loss_per_seed": curves, "window": window,
        "k": k, "eigenvalues": lam[k - 1], "tail": tail[k - 1],
        "k_range": kr,
        "lambda_max": float(lam[0]),
        # eigenvalues below it are rounding (Spectrum.floor): the figures draw none of them
        "floor": mean_spec.floor,
    }


def fit_record(rec: dict, tol: float) -> spectral.SpectralFits:
    """xi on the record's window (bootstrap over seeds when there are several; `tol` is the
    claim's tolerance, for the plateau test), nu and kappa on the modes in its k_range."""
    t = np.asarray(rec["t"], dtype=float)
    curves = np.asarray(rec["loss_per_seed"] if rec["seeds"] > 1 else rec["loss"], dtype=float)
    k = np.asarray(rec["k"], dtype=float)
    kr = tuple(rec["k_range"])
    return spectral.SpectralFits(
        xi=fit_power_law(t, curves, tuple(rec["window"]), tol=tol),
        nu=fit_power_law(k, np.asarray(rec["eigenvalues"], dtype=float), kr),
        kappa=fit_power_law(k, np.asarray(rec["tail"], dtype=float), kr),
    )


def flow_experiment(K, Y, *, k_lo: int = 10, k_hi_fraction: float = 1 / 20,
                    per_decade: int = 40) -> tuple[dict, spectral.Spectrum]:
    """One Gram matrix, one run (no seeds): the record and the spectrum."""
    spec = spectral.decompose(K, Y)
    return flow_ensemble([spec], k_lo=k_lo, k_hi_fraction=k_hi_fraction,
                         per_decade=per_decade), spec
