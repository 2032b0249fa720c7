"""`deeprates fit`: the project's power-law fit (deeprates.fitting) on a user's CSV.

The CSV's first column is x (a size, a time, a number of weights); every further column is one
curve y(x), e.g. one seed each. With several columns the fit is made to their mean and the
statistical uncertainty is a bootstrap over the columns; the systematic one comes from refitting
on windows shifted by +-0.5 decade and on the window's halves. The plateau verdict says whether
the local slope is flat over the window (needs --tol, the tolerance the exponent will be held to).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from deeprates.fitting import FitError, PowerLawFit, fit_power_law


def read_curves(path: str | Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(x (n,), y (n_curves, n), column names). A header row is optional."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].lstrip().startswith("#")]
    if not rows:
        raise FitError(f"{path}: no rows")
    try:
        float(rows[0][0])
        names = ["x"] + [f"y{i}" for i in range(1, len(rows[0]))]
    except ValueError:
        names, rows = [c.strip() for c in rows[0]], rows[1:]
    try:
        data = np.array([[float(v) for v in r] for r in rows], dtype=float)
    except ValueError as exc:
        raise FitError(f"{path}: not all values are numbers ({exc})") from None
    if data.ndim != 2 or data.shape[1] < 2 or data.shape[0] < 2:
        raise FitError(f"{path}: need a column x and at least one column y, and >= 2 rows")
    return data[:, 0], data[:, 1:].T, names


def describe(fit: PowerLawFit, tol: float | None) -> dict:
    """The fit as the command reports it: exponent = -slope (the decay rate)."""
    plateau = ("not tested (give --tol)" if tol is None
               else "asymptotic" if fit.asymptotic else "NOT asymptotic")
    return {
        "exponent": -fit.slope,
        "stat_err": fit.stat_err,
        "sys_err": fit.sys_err,
        "prefactor": fit.prefactor,
        "window": list(fit.window),
        "n_points": fit.n_points,
        "plateau": plateau,
        "plateau_reason": fit.reason,
        "local_slopes": list(fit.local_slopes),
    }


def run(csv_path, window=None, tol=None, plot=None, seed=0) -> dict:
    x, ys, names = read_curves(csv_path)
    y = ys[0] if len(ys) == 1 else ys
    fit = fit_power_law(x, y, window=tuple(window) if window else None, tol=tol, seed=seed)
    out = describe(fit, tol)
    out["curves"] = len(ys)
    if plot:
        _plot(x, ys, fit, plot, names)
    return out


def _plot(x, ys, fit: PowerLawFit, path, names) -> None:
    from deeprates import plotting

    fig, ax = plotting.subplots(1, 1)
    for y in ys:
        ax.loglog(x, y, ".", alpha=0.6)
    lo, hi = fit.window
    xs = np.geomspace(lo, hi, 50)
    ax.loglog(xs, fit.prefactor * xs ** fit.slope, "k-",
              label=f"exponent {-fit.slope:.4g} on [{lo:.3g}, {hi:.3g}]")
    ax.set_xlabel(names[0])
    ax.legend()
    fig.savefig(path)


def format_text(out: dict) -> str:
    err = []
    if out["stat_err"] is not None:
        err.append(f"+- {out['stat_err']:.2g} (stat, {out['curves']} curves)")
    if out["sys_err"] is not None:
        err.append(f"+- {out['sys_err']:.2g} (sys, window shifts)")
    lines = [f"exponent  {out['exponent']:.6g} {' '.join(err)}".rstrip(),
             f"window    [{out['window'][0]:.6g}, {out['window'][1]:.6g}], {out['n_points']} points",
             f"prefactor {out['prefactor']:.6g}",
             f"plateau   {out['plateau']}" + (f": {out['plateau_reason']}" if out["plateau_reason"] else "")]
    return "\n".join(lines)


def dumps(out: dict) -> str:
    return json.dumps(out, indent=1)
