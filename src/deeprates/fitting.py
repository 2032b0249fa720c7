"""Power-law fits shared by every track (docs/figures.md; the method follows arXiv:2105.00507 and 2202.00992).

Rules this module implements:
- samples on a geometric grid, so every decade weighs the same in the least-squares fit of
  log y on log x (`geometric_grid`, `geometric_indices`);
- a fit window chosen from the problem, not by eye (`spectral_window`: from the time the top
  ~10 modes are learned to the time mode ~N/20 is learned);
- a plateau test: the local slope must be flat over the window (spread below half the claim's
  tolerance), otherwise the fit is marked "not asymptotic" with the reason;
- two uncertainties, reported separately: a bootstrap over seeds for stochastic runs (`stat_err`)
  and, for every curve, a systematic term from refitting on windows shifted by +-0.5 decade and on
  the two halves of the window (`sys_err`). A residual bootstrap of a deterministic curve is not an
  uncertainty (its residuals are model error, not noise), so it is never used.

Conventions: the fit is y ~ prefactor * x**slope; `exponent = -slope` is the decay rate, the
quantity the papers call p (error ~ W^-p) or xi/zeta (loss ~ t^-zeta).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np


class FitError(ValueError):
    """The data cannot be fitted at all (bad shapes, nothing positive in the window)."""


@dataclass(frozen=True)
class PowerLawFit:
    slope: float
    prefactor: float
    window: tuple[float, float]
    n_points: int
    slope_spread: float
    local_slopes: tuple[float, ...]
    asymptotic: bool
    reason: str
    stat_err: float | None
    sys_err: float | None
    variants: dict[str, float] = field(default_factory=dict)

    @property
    def exponent(self) -> float:
        return -self.slope

    def to_dict(self) -> dict:
        d = asdict(self)
        d["exponent"] = self.exponent
        return d


def geometric_grid(lo: float, hi: float, per_decade: int = 40) -> np.ndarray:
    """Points from lo to hi, equally spaced in log, `per_decade` per decade (at least 2)."""
    if not (lo > 0 and hi > lo):
        raise FitError(f"geometric_grid needs 0 < lo < hi, got lo={lo}, hi={hi}")
    n = max(2, int(math.ceil(per_decade * math.log10(hi / lo))) + 1)
    return np.geomspace(lo, hi, n)


def geometric_indices(n: int, per_decade: int = 40, start: int = 1) -> np.ndarray:
    """Distinct integers in [start, n] on a geometric grid: the times at which to log a loss.

    Early decades hold fewer integers than `per_decade`; duplicates are dropped, so the grid is
    dense where it can be and geometric beyond.
    """
    if n < start or start < 1:
        raise FitError(f"geometric_indices needs 1 <= start <= n, got start={start}, n={n}")
    if n == start:
        return np.array([start])
    g = np.unique(np.round(geometric_grid(start, n, per_decade)).astype(np.int64))
    return g[(g >= start) & (g <= n)]


def spectral_window(
    eigenvalues: np.ndarray, rate: float = 1.0, k_lo: int = 10, k_hi_fraction: float = 1 / 20,
    floor: float = 0.0,
) -> tuple[float, float]:
    """Fit window in time for a spectral (kernel / quadratic) problem.

    Mode k is learned at time t ~ 1 / (rate * lambda_k). The window starts once the top `k_lo`
    modes are learned (before that the curve reflects individual top modes) and stops when
    mode N * k_hi_fraction is learned (after that the finite size N bends the curve down).

    `floor`: for eigenvalues computed by an eigensolver, its absolute rounding error
    (`resolved_modes`). N counts every mode not clearly zero (lambda > -floor): an eigenvalue
    within the floor of zero is a mode whose value is not resolved, and counting it by its sign
    made N, so the window end, depend on the BLAS's summation order. The window also ends by the
    last eigenvalue above the floor. floor = 0 (exact spectra): the modes lambda > 0.
    """
    lam = np.sort(np.asarray(eigenvalues, dtype=float))[::-1]
    n, resolved = resolved_modes(lam, floor)
    lam = lam[:n]
    k_hi = min(int(n * k_hi_fraction), resolved)
    if k_hi <= k_lo:
        raise FitError(
            f"spectral_window: N={n} modes ({resolved} above the rounding floor) give "
            f"k_hi={k_hi} <= k_lo={k_lo}; "
            "use a larger problem"
        )
    return 1.0 / (rate * lam[k_lo - 1]), 1.0 / (rate * lam[k_hi - 1])


def resolved_modes(eigenvalues: np.ndarray, floor: float) -> tuple[int, int]:
    """(modes, resolved) of a spectrum sorted descending, whose values are known to `floor`
    absolute: modes lambda > -floor (all of them when floor = 0 counts lambda > 0), of which
    the first `resolved` lie above the floor (lambda > floor; lambda > 0 when floor = 0)."""
    lam = np.asarray(eigenvalues, dtype=float)
    if floor > 0:
        return int(np.sum(lam > -floor)), int(np.sum(lam > floor))
    n = int(np.sum(lam > 0))
    return n, n


def _lstsq_slope(lx: np.ndarray, ly: np.ndarray) -> tuple[float, float]:
    A = np.vstack([lx, np.ones_like(lx)]).T
    (slope, intercept), *_ = np.linalg.lstsq(A, ly, rcond=None)
    return float(slope), float(intercept)


def _select(x: np.ndarray, y: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    m = (x >= lo * (1 - 1e-12)) & (x <= hi * (1 + 1e-12)) & np.isfinite(y) & (y > 0)
    return np.log(x[m]), np.log(y[m])


def _local_slopes(lx: np.ndarray, ly: np.ndarray, n_sub: int) -> np.ndarray:
    """Slopes on `n_sub` equal log-length sub-windows; consecutive differences if too sparse."""
    edges = np.linspace(lx[0], lx[-1], n_sub + 1)
    slopes = []
    for a, b in zip(edges[:-1], edges[1:]):
        m = (lx >= a - 1e-12) & (lx <= b + 1e-12)
        if m.sum() < 2:
            break
        slopes.append(_lstsq_slope(lx[m], ly[m])[0])
    else:
        return np.array(slopes)
    return np.diff(ly) / np.diff(lx)


def fit_power_law(
    x: np.ndarray,
    y: np.ndarray,
    window: tuple[float, float] | None = None,
    *,
    tol: float | None = None,
    n_sub: int = 3,
    shift_decades: float = 0.5,
    n_boot: int = 400,
    seed: int = 0,
    min_points: int = 4,
) -> PowerLawFit:
    """Least-squares fit of log y on log x over `window` (inclusive, in x units).

    y may be one curve (n,) or one curve per seed (n_seeds, n): the fit is then made to the
    mean over seeds and `stat_err` is the bootstrap standard deviation over seeds.
    `tol` is the tolerance of the claim the fit will serve; the plateau test requires the
    spread of the local slopes to be at most tol/2. Without `tol` no plateau test is made.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim != 1:
        raise FitError(f"x must be 1-D, got shape {x.shape}")
    seeds = y if y.ndim == 2 else None
    if seeds is not None:
        if seeds.shape[1] != x.size:
            raise FitError(f"y has {seeds.shape[1]} points per seed but x has {x.size}")
        y = seeds.mean(axis=0)
    elif y.shape != x.shape:
        raise FitError(f"x and y shapes differ: {x.shape} vs {y.shape}")
    order = np.argsort(x)
    x, y = x[order], y[order]
    if seeds is not None:
        seeds = seeds[:, order]
    if window is None:
        window = (float(x[0]), float(x[-1]))
    lo, hi = float(window[0]), float(window[1])
    if not (0 < lo <= hi):
        raise FitError(f"fit window must satisfy 0 < lo <= hi, got {window}")

    lx, ly = _select(x, y, lo, hi)
    if lx.size < min_points:
        return PowerLawFit(
            math.nan, math.nan, (lo, hi), int(lx.size), math.nan, (), False,
            f"only {lx.size} usable points in the window (need {min_points})", None, None,
        )
    slope, intercept = _lstsq_slope(lx, ly)

    local = _local_slopes(lx, ly, n_sub)
    spread = float(local.max() - local.min()) if local.size else 0.0
    asymptotic, reason = True, ""
    if tol is not None and spread > tol / 2:
        asymptotic = False
        reason = (
            f"local slope varies by {spread:.3g} across the window, more than half the "
            f"tolerance ({tol / 2:.3g}); local slopes {np.round(local, 4).tolist()}"
        )

    # Systematic term: the same fit on shifted windows and on the window's halves.
    variants: dict[str, float] = {}
    xmin, xmax = float(x[np.isfinite(y) & (y > 0)].min()), float(x[np.isfinite(y) & (y > 0)].max())
    f = 10.0**shift_decades
    for label, (a, b) in {
        f"shift -{shift_decades:g} dec": (lo / f, hi / f),
        f"shift +{shift_decades:g} dec": (lo * f, hi * f),
    }.items():
        if a >= xmin * (1 - 1e-12) and b <= xmax * (1 + 1e-12):
            vx, vy = _select(x, y, a, b)
            if vx.size >= min_points:
                variants[label] = -_lstsq_slope(vx, vy)[0]
    mid = math.sqrt(lo * hi)
    for label, (a, b) in {"first half": (lo, mid), "second half": (mid, hi)}.items():
        vx, vy = _select(x, y, a, b)
        if vx.size >= 2:
            variants[label] = -_lstsq_slope(vx, vy)[0]
    sys_err = max((abs(v + slope) for v in variants.values()), default=None)

    stat_err = None
    if seeds is not None and seeds.shape[0] >= 2:
        rng = np.random.default_rng(seed)
        boot = []
        for _ in range(n_boot):
            idx = rng.integers(0, seeds.shape[0], seeds.shape[0])
            bx, by = _select(x, seeds[idx].mean(axis=0), lo, hi)
            if bx.size >= min_points:
                boot.append(_lstsq_slope(bx, by)[0])
        stat_err = float(np.std(boot, ddof=1)) if len(boot) >= 2 else None

    return PowerLawFit(
        slope, float(math.exp(intercept)), (lo, hi), int(lx.size), spread,
        tuple(float(s) for s in local), asymptotic, reason, stat_err,
        None if sys_err is None else float(sys_err), variants,
    )
